with

records as (

    select * from {{ ref('int_trial_records_normalized') }}

),

links as (

    select * from {{ ref('int_trial_links') }}

),

site_counts as (

    select record_id, count(*) as sites_count
    from {{ ref('int_sites_normalized') }}
    group by 1

),

arm_counts as (

    select record_id, count(*) as arms_count
    from {{ ref('int_arms_unioned') }}
    group by 1

),

final as (

    select
        records.record_id,
        links.trial_id,
        links.link_rule,
        links.link_evidence,
        records.source_name,
        records.source_kind,
        records.record_origin,
        records.layout,
        records.source_url,
        records.document_key,
        records.snapshot_sha256,
        records.fetched_at,
        records.nct_id,
        records.secondary_ids,
        records.brief_title as title,
        records.official_title,
        records.acronym,
        records.overall_status,
        records.overall_status_raw,
        records.phases,
        records.enrollment,
        records.enrollment_type,
        records.study_type,
        records.start_date,
        records.start_date_precision,
        records.primary_completion_date,
        records.primary_completion_date_precision,
        records.completion_date,
        records.completion_date_precision,
        records.first_submitted_date,
        records.first_posted_date,
        records.last_update_date,
        records.current_as_of,
        records.lead_sponsor,
        records.collaborators,
        records.min_age_years,
        records.max_age_years,
        records.min_age_raw,
        records.max_age_raw,
        records.sex,
        records.healthy_volunteers,
        records.conditions,
        records.keywords,
        records.allocation,
        records.intervention_model,
        records.primary_purpose,
        records.masking,
        records.brief_summary,
        coalesce(arm_counts.arms_count, 0) as arms_count,
        coalesce(site_counts.sites_count, 0) as sites_count

    from records
    inner join links on records.record_id = links.record_id
    left join arm_counts on records.record_id = arm_counts.record_id
    left join site_counts on records.record_id = site_counts.record_id

)

select * from final
