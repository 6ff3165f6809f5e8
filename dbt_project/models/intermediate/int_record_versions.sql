{#-
    The version of each record its source showed last, and since when it has shown it. Nights are
    ordered by run date (then fetch time), so a late re-run of an old date never overrides a newer
    night. `current_since` is the first night of the current unbroken streak: a study that goes
    A → B → A is "A since the third night", not since the first. `changed_in_load` is the newest
    load that sighted the record: a build after that load rebuilds the record's rows downstream.
    `document_changed_in_load` is the load that made the current document current: a record
    fetched again unchanged (most pages, most nights) keeps it, and the models of a record's arms,
    sites, outcomes and other lists, which follow from its document, leave the record alone.
-#}
{%- set written_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list
    if is_incremental() else [] %}
with

sightings as (

    select * from {{ ref('stg_raw__sightings') }}
    {%- if is_incremental() %}
    -- only records sighted since the last build: their version or their last sighting moved
    where record_id in (
        select record_id from {{ ref('stg_raw__sightings') }}
        where {{ changed_since_last_build('load_id') }}
    )
    {%- endif %}

),

sequenced as (

    select
        *,
        dense_rank() over (partition by record_id order by run_date, fetched_at) as sighting_seq,
        max(load_id) over (partition by record_id) as changed_in_load

    from sightings

),

current_documents as (

    select
        record_id,
        document_id,
        fetched_at as last_seen_at,
        run_date as last_seen_on,
        changed_in_load

    from sequenced
    qualify row_number() over (partition by record_id order by sighting_seq desc, document_id) = 1

),

previous_versions as (

    select
        current_documents.record_id,
        max(sequenced.sighting_seq) as last_other_seq

    from current_documents
    inner join sequenced
        on current_documents.record_id = sequenced.record_id
        and current_documents.document_id <> sequenced.document_id
    group by 1

),

streaks as (

    select
        current_documents.record_id,
        min(sequenced.run_date) as current_since,
        min(sequenced.fetched_at) as first_seen_at

    from current_documents
    inner join sequenced
        on current_documents.record_id = sequenced.record_id
        and current_documents.document_id = sequenced.document_id
    left join previous_versions
        on current_documents.record_id = previous_versions.record_id
    where previous_versions.last_other_seq is null
        or sequenced.sighting_seq > previous_versions.last_other_seq
    group by 1

),

final as (

    select
        current_documents.record_id,
        current_documents.document_id,
        current_documents.last_seen_at,
        current_documents.last_seen_on,
        streaks.current_since,
        streaks.first_seen_at,
        current_documents.changed_in_load,
        {% if 'document_changed_in_load' in written_columns -%}
        case
            when written.document_id = current_documents.document_id
                then coalesce(written.document_changed_in_load, current_documents.changed_in_load)
            else current_documents.changed_in_load
        end as document_changed_in_load
        {%- else -%}
        -- a first build, or a file written before the column: every record's document counts as new
        current_documents.changed_in_load as document_changed_in_load
        {%- endif %}

    from current_documents
    inner join streaks
        on current_documents.record_id = streaks.record_id
    {%- if 'document_changed_in_load' in written_columns %}
    left join {{ this }} as written
        on current_documents.record_id = written.record_id
    {%- endif %}

)

select * from final
