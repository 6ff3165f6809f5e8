{#-
    One row per trial. Each field comes from the best record that states it: ClinicalTrials.gov
    (API or bulk) before republished pages, and among equals the newest capture. `provenance` maps
    each field to the record that supplied it (all values: trial_field_provenance; disagreements:
    trial_conflicts).
-#}
{%- set fields = merged_trial_fields() -%}
with

changed_trials as (

    {{ changed_trial_ids() }}

),

records as (

    {{ rows_of(ref('trial_records'), 'trial_id', 'changed_trials') }}

),

ranked as (

    -- the same rank as trial_field_provenance's precedence_rank
    select
        *,
        row_number() over (partition by trial_id order by {{ record_precedence_order() }}) as precedence_rank,
        count(*) over (partition by trial_id) as trial_records_count

    from records

),

single_record_merged as (

    -- a trial of one record (~99% of them at 500,000 studies) is that record: no aggregate to compute
    select
        trial_id,
        {% for field in fields -%}
        {{ field }},
        {% endfor -%}
        1::bigint as records_count,
        [source_name] as source_names,
        fetched_at as last_fetched_at,
        captured_on::timestamp as last_changed_on,
        [record_id] as ranked_record_ids,
        {% for field in fields -%}
        case when {{ field }} is not null then 1::bigint end as {{ field }}__rank{{ "," if not loop.last }}
        {% endfor %}

    from ranked
    where trial_records_count = 1

),

shared_merged as (

    -- Plain aggregates over the rank: the best-ranked record's value of each field, and that
    -- record's rank (`first(... order by ...)` per field sorted every trial's records once per field).
    select
        trial_id,
        {% for field in fields -%}
        arg_min({{ field }}, precedence_rank) filter (where {{ field }} is not null) as {{ field }},
        {% endfor -%}
        count(*) as records_count,
        list(distinct source_name order by source_name) as source_names,
        max(fetched_at) as last_fetched_at,
        max(captured_on)::timestamp as last_changed_on,
        list(record_id order by precedence_rank) as ranked_record_ids,
        {% for field in fields -%}
        min(precedence_rank) filter (where {{ field }} is not null) as {{ field }}__rank{{ "," if not loop.last }}
        {% endfor %}

    from ranked
    where trial_records_count > 1
    group by trial_id

),

all_merged as (

    select * from single_record_merged
    union all by name
    select * from shared_merged

),

field_sources as (

    -- the record that supplied each stated field, by field name: trial_field_provenance's is_chosen rows
    select
        *,
        list_filter(
            [
                {% for field in fields | sort -%}
                {'key': '{{ field }}', 'value': ranked_record_ids[{{ field }}__rank]}{{ "," if not loop.last }}
                {% endfor %}
            ],
            lambda entry: entry.value is not null
        ) as source_entries

    from all_merged

),

merged_with_sources as (

    select
        * exclude (
            ranked_record_ids, source_entries,
            {% for field in fields %}{{ field }}__rank{{ ", " if not loop.last }}{% endfor %}
        ),
        case when len(source_entries) > 0 then map_from_entries(source_entries) end as provenance

    from field_sources

),

final as (

    select * from merged_with_sources
    -- a trial whose records all moved to other trials is deleted
    {{ parent_markers('changed_trials', 'trial_id') }}

)

select * from final
