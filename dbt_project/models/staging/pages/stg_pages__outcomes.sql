with

records as (

    select * from {{ ref('stg_pages__records') }}
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id') }}

),

outcomes as (

    select
        records.document_id,
        records.record_id,
        outcome.ordinal as list_ordinal,
        outcome.item

    from records,
        unnest(
            from_json(
                records.outcomes_json,
                '[{"kind": "VARCHAR", "measure": "VARCHAR", "time_frame": "VARCHAR", "description": "VARCHAR"}]'
            )
        ) with ordinality as outcome(item, ordinal)

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
