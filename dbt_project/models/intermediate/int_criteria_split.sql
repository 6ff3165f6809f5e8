{#-
    Every record's criteria: its eligibility text's split (int_eligibility_texts_split), one row per
    criterion, keyed by record, kind and nesting path.
-#}
with

records as (

    select * from {{ ref('int_trial_records_normalized') }}
    where {{ changed_since_last_build() }}

),

texts as (

    -- the splits of these records' texts, found by row id in an incremental build
    {{ rows_of(ref('int_eligibility_texts_split'), 'eligibility_text_id', 'records') }}

),

split as (

    select
        records.record_id,
        unnest(texts.criteria) as item

    from records
    inner join texts on records.eligibility_text_id = texts.eligibility_text_id

),

criteria as (

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

),

final as (

    select * from criteria
    {{ parent_markers('records') }}

)

select * from final
