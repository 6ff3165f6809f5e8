{#-
    Every linked record's criteria: its eligibility text's split (int_eligibility_texts_split), one
    row per criterion, keyed by record, kind and nesting path. The split is unnested here, not in a
    model of its own: at 500,000 studies that model wrote the 12 M criteria rows once more.
-#}
with

links as (

    select * from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}

),

records as (

    {{ rows_of(ref('int_trial_records_normalized'), 'record_id', 'links') }}

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

linked as (

    select
        criteria.criterion_id,
        links.trial_id,
        criteria.record_id,
        criteria.kind,
        criteria.ordinal,
        criteria.depth,
        criteria.criterion_path,
        criteria.parent_criterion_id,
        criteria.text

    from criteria
    inner join links on criteria.record_id = links.record_id

),

final as (

    select * from linked
    {{ parent_markers('links') }}

)

select * from final
