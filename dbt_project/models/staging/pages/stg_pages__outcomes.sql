with

records as (

    select * from {{ ref('stg_pages__records') }} as arriving
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id', 'arriving') }}

),

parsed_outcomes as (

    select
        document_id,
        record_id,
        from_json(
            outcomes_json,
            '[{"kind": "VARCHAR", "measure": "VARCHAR", "time_frame": "VARCHAR", "description": "VARCHAR"}]'
        ) as items

    from records

),

outcomes as (

    -- unnested in the select list, beside its ordinal, as in the ClinicalTrials.gov staging models
    -- (a lateral join, `from records, unnest(...)`, read every column of every record)
    select
        document_id,
        record_id,
        generate_subscripts(items, 1) as list_ordinal,
        unnest(items) as item

    from parsed_outcomes

),

renamed as (

    select
        document_id,
        record_id,
        item.kind as outcome_kind,
        -- position among the page's outcomes of the same kind, as ClinicalTrials.gov numbers them
        row_number() over (
            partition by document_id, item.kind order by list_ordinal
        )::integer as outcome_ordinal,
        item.measure as measure,
        item.time_frame as time_frame,
        item.description as description

    from outcomes

)

select * from renamed
