with

records as (

    select * from {{ ref('stg_pages__records') }} as arriving
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id', 'arriving') }}

),

parsed_interventions as (

    select
        document_id,
        record_id,
        from_json(
            interventions_json,
            '[{"type": "VARCHAR", "name": "VARCHAR", "description": "VARCHAR"}]'
        ) as items

    from records

),

interventions as (

    -- unnested in the select list, beside its ordinal, as in the ClinicalTrials.gov staging models
    -- (a lateral join, `from records, unnest(...)`, read every column of every record)
    select
        document_id,
        record_id,
        generate_subscripts(items, 1) as intervention_ordinal,
        unnest(items) as item

    from parsed_interventions

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
