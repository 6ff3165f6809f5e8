with

records as (

    select * from {{ ref('stg_pages__records') }}
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id') }}

),

interventions as (

    select
        records.document_id,
        records.record_id,
        intervention.ordinal as intervention_ordinal,
        intervention.item

    from records,
        unnest(
            from_json(
                records.interventions_json,
                '[{"type": "VARCHAR", "name": "VARCHAR", "description": "VARCHAR"}]'
            )
        ) with ordinality as intervention(item, ordinal)

),

renamed as (

    select
        document_id,
        record_id,
        intervention_ordinal::integer as intervention_ordinal,
        item.type as intervention_type,
        item.name as name,
        item.description as description

    from interventions

)

select * from renamed
