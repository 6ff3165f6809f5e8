{#-
    One row per trial. Each field comes from the best record that states it: ClinicalTrials.gov
    (API or bulk) before republished pages, and among equals the newest capture. `provenance` maps
    each field to the record that supplied it (all values: trial_field_provenance; disagreements:
    trial_conflicts).
-#}
with

changed_trials as (

    {{ changed_trial_ids() }}

),

records as (

    {{ rows_of(ref('trial_records'), 'trial_id', 'changed_trials') }}

),

provenance as (

    select * from ({{ rows_of(ref('trial_field_provenance'), 'trial_id', 'changed_trials') }})
    where is_chosen

),

merged as (

    select
        trial_id,
        {% for field in merged_trial_fields() -%}
        first({{ field }} order by {{ record_precedence_order() }}) filter (where {{ field }} is not null)
            as {{ field }},
        {% endfor -%}
        count(*) as records_count,
        list(distinct source_name order by source_name) as source_names,
        max(fetched_at) as last_fetched_at,
        max(captured_on)::timestamp as last_changed_on

    from records
    group by trial_id

),

field_sources as (

    select
        trial_id,
        map_from_entries(list({'key': field, 'value': record_id} order by field)) as provenance

    from provenance
    group by trial_id

),

merged_with_sources as (

    select
        merged.*,
        field_sources.provenance

    from merged
    left join field_sources
        on merged.trial_id = field_sources.trial_id

),

final as (

    select * from merged_with_sources
    -- a trial whose records all moved to other trials is deleted
    {{ parent_markers('changed_trials', 'trial_id') }}

)

select * from final
