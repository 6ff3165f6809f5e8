{#-
    Every linked record's criteria: its eligibility text's split (int_eligibility_texts_split), one
    row per criterion, keyed by record, kind and nesting path. The split is unnested here, not in a
    model of its own: at 500,000 studies that model wrote the 12 M criteria rows once more.

    A record's criteria follow from its eligibility text and its trial alone, and each row keeps the
    text it was split from. An incremental build rewrites the records whose text or trial differs
    from their rows' (or that have none), not every changed record: most nightly changes are status,
    dates and enrollment, or pages fetched again unchanged. `changed_in_load` is the newest load of
    the build that wrote the row, so tests and validation read only the rows a build wrote.

    A marts file written before the rows kept their text and load has all its criteria written
    again, once (`on_schema_change` adds the two columns first): no row is left without them.
-#}
{%- set written_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list
    if is_incremental() else [] %}
{%- set compare_written = 'changed_in_load' in written_columns %}
with

links as (

    select * from {{ ref('int_trial_links') }}
    {%- if compare_written or not is_incremental() %}
    where {{ changed_since_last_build() }}
    {%- endif %}

),

records as (

    {{ rows_of(ref('int_trial_records_normalized'), 'record_id', 'links') }}

),

{% if compare_written -%}
written as (

    -- what the changed records' rows were split from, when they were written
    select distinct record_id, trial_id, eligibility_text_id
    from {{ this }}
    where record_id in (select record_id from links)

),

{% endif -%}

resplit as (

    select
        links.record_id,
        links.trial_id,
        links.changed_in_load,
        records.eligibility_text_id

    from links
    inner join records on links.record_id = records.record_id
    {%- if compare_written %}
    where not exists (
        select 1 from written
        where written.record_id = links.record_id
            and written.trial_id = links.trial_id
            and written.eligibility_text_id = records.eligibility_text_id
    )
    {%- endif %}

),

texts as (

    -- the splits of these records' texts, found by row id in an incremental build
    {{ rows_of(ref('int_eligibility_texts_split'), 'eligibility_text_id', 'resplit') }}

),

split as (

    select
        resplit.record_id,
        resplit.trial_id,
        resplit.eligibility_text_id,
        resplit.changed_in_load,
        unnest(texts.criteria) as item

    from resplit
    inner join texts on resplit.eligibility_text_id = texts.eligibility_text_id

),

criteria as (

    select
        md5(concat_ws('|', record_id, item.kind, item.path)) as criterion_id,
        trial_id,
        record_id,
        item.kind as kind,
        item.ordinal as ordinal,
        item.depth as depth,
        item.path as criterion_path,
        case
            when item.parent_path is not null
                then md5(concat_ws('|', record_id, item.kind, item.parent_path))
        end as parent_criterion_id,
        item.text as text,
        eligibility_text_id,
        changed_in_load

    from split

),

final as (

    select * from criteria
    {{ parent_markers('resplit') }}

)

select * from final
