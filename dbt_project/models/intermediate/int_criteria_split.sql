{#-
    Eligibility text split into inclusion and exclusion criteria with their nesting, by the Python
    splitter `ingest.pages.split_criteria` (registered as the DuckDB function `split_criteria`), so
    ClinicalTrials.gov records and pages share one implementation.
-#}
with

records as (

    select * from {{ ref('int_trial_records_normalized') }}
    where eligibility_text is not null

),

split as (

    select
        records.record_id,
        criterion.item

    from records,
        unnest(
            from_json(
                split_criteria(records.eligibility_text),
                '[{"kind": "VARCHAR", "path": "VARCHAR", "parent_path": "VARCHAR", "ordinal": "INTEGER",
                   "depth": "INTEGER", "text": "VARCHAR"}]'
            )
        ) as criterion(item)

),

final as (

    select
        md5(concat_ws('|', record_id, item.kind, item.path)) as criterion_id,
        record_id,
        item.kind as kind,
        item.ordinal as ordinal,
        item.depth as depth,
        item.path as criterion_path,
        case
            when item.parent_path is not null
                then md5(concat_ws('|', record_id, item.kind, item.parent_path))
        end as parent_criterion_id,
        item.text as text

    from split

)

select * from final
