{#-
    Analysts' view of trial_versions: when each version of a trial was valid, e.g. when it started
    recruiting or how its enrollment target moved. valid_to is NULL for the current version.
-#}
with

versions as (

    select * from {{ ref('trial_versions') }}

),

final as (

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

)

select * from final
