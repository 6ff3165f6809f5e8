with

records as (

    select * from {{ ref('stg_pages__records') }}
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id') }}

),

arms as (

    select
        records.document_id,
        records.record_id,
        arm.ordinal as arm_ordinal,
        arm.item

    from records,
        unnest(
            from_json(
                records.arms_json,
                '[{"label": "VARCHAR", "type": "VARCHAR", "description": "VARCHAR", "interventions": ["VARCHAR"]}]'
            )
        ) with ordinality as arm(item, ordinal)

),

renamed as (

    select
        document_id,
        record_id,
        arm_ordinal::integer as arm_ordinal,
        item.label as label,
        item.type as arm_type,
        item.description as description,
        coalesce(item.interventions, []) as intervention_names

    from arms

)

select * from renamed
