with

links as (

    select * from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}

),

records as (

    {{ rows_of(ref('int_trial_records_normalized'), 'record_id', 'links') }}

),

texts as (

    -- the long texts, which the cleaned layer leaves in staging
    {{ staged_record_texts('records') }}

),

site_counts as (

    select record_id, count(*) as sites_count
    from {{ ref('int_sites_normalized') }}
    where record_id in (select record_id from links)
    group by 1

),

arm_counts as (

    select record_id, count(*) as arms_count
    from {{ ref('int_arms_unioned') }}
    where record_id in (select record_id from links)
    group by 1

),

intervention_counts as (

    select record_id, count(*) as interventions_count
    from {{ ref('int_interventions_unioned') }}
    where record_id in (select record_id from links)
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
        records.captured_on,
        records.nct_id,
        records.secondary_ids,
        records.org_study_id,
        list_filter(
            list_concat([records.org_study_id], records.secondary_ids), lambda other_id: other_id is not null
        ) as other_ids,
        records.brief_title as title,
        records.official_title,
        records.acronym,
        records.overall_status,
        records.overall_status_raw,
        records.phases,
        records.phases_raw,
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
        records.first_submitted_date_precision,
        records.first_posted_date_precision,
        records.last_update_date_precision,
        records.current_as_of_precision,
        records.start_date_type,
        records.primary_completion_date_type,
        records.completion_date_type,
        records.first_posted_date_type,
        records.last_update_date_type,
        records.lead_sponsor,
        records.collaborators,
        records.lead_sponsor_class,
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
        records.who_masked,
        records.allocation_raw,
        records.intervention_model_raw,
        records.primary_purpose_raw,
        records.masking_raw,
        records.observational_model,
        records.time_perspective,
        records.std_ages,
        texts.eligibility_text,
        texts.brief_summary,
        texts.detailed_description,
        records.has_results,
        records.reference_pmids,
        records.related_nct_ids,
        coalesce(arm_counts.arms_count, 0) as arms_count,
        coalesce(site_counts.sites_count, 0) as sites_count,
        coalesce(intervention_counts.interventions_count, 0) as interventions_count

    from records
    inner join links on records.record_id = links.record_id
    left join texts on records.document_id = texts.document_id
    left join arm_counts on records.record_id = arm_counts.record_id
    left join site_counts on records.record_id = site_counts.record_id
    left join intervention_counts on records.record_id = intervention_counts.record_id

)

select * from final
