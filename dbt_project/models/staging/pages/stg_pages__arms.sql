with

records as (

    select * from {{ ref('stg_pages__records') }} as arriving
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id', 'arriving') }}

),

parsed_arms as (

    select
        document_id,
        record_id,
        from_json(
            arms_json,
            '[{"label": "VARCHAR", "type": "VARCHAR", "description": "VARCHAR", "interventions": ["VARCHAR"]}]'
        ) as items

    from records

),

arms as (

    -- unnested in the select list, beside its ordinal, as in the ClinicalTrials.gov staging models
    -- (a lateral join, `from records, unnest(...)`, read every column of every record)
    select
        document_id,
        record_id,
        generate_subscripts(items, 1) as arm_ordinal,
        unnest(items) as item

    from parsed_arms

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
