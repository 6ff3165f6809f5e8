{#-
    Analysts' view of trial_versions: when each version of a trial was valid, e.g. when it started
    recruiting or how its enrollment target moved. valid_to is NULL for the current version.
    A night rewrites the history of the trials it rebuilt: the snapshot compared only those.
-#}
with

changed_trials as (

    {{ changed_trial_ids() }}

),

versions as (

    {{ rows_of(ref('trial_versions'), 'trial_id', 'changed_trials') }}

),

history as (

    select
        dbt_scd_id as trial_version_id,
        trial_id,
        nct_id,
        overall_status,
        phases,
        enrollment,
        enrollment_type,
        start_date,
        primary_completion_date,
        completion_date,
        arms_count,
        sites_count,
        lead_sponsor,
        dbt_valid_from::date as valid_from,
        dbt_valid_to::date as valid_to,
        dbt_valid_to is null as is_current

    from versions

),

final as (

    select * from history
    {{ parent_markers('changed_trials', 'trial_id') }}

)

select * from final
