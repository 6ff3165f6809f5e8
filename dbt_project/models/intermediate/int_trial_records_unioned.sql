{#-
    Every source's record in one shape, still as stated, keeping only the current version of each
    record (the one its source showed last, see int_record_versions): a record is one document of one
    source (one study file, one page URL).

    The long texts (summary, description, eligibility: ~6 KB a record) stay in staging: writing them
    again here and in int_trial_records_normalized took most of both models' time. trial_records
    joins them back by document; the criteria split finds its text by `eligibility_text_id`.
-#}
with

versions as (

    select * from {{ ref('int_record_versions') }}
    where {{ changed_since_last_build('changed_in_load') }}

),

ctgov_studies as (

    {{ rows_of(ref('stg_ctgov__studies'), 'document_id', 'versions') }}

),

page_records as (

    {{ rows_of(ref('stg_pages__records'), 'document_id', 'versions') }}

),

ctgov as (

    select
        * exclude (
            is_parsed, healthy_volunteers, arm_group_list, intervention_list, location_list,
            central_contact_list, official_list, outcomes_module, reference_list, {{ record_texts() }}
        ),
        md5(eligibility_text) as eligibility_text_id,
        healthy_volunteers::varchar as healthy_volunteers,
        'ctgov' as record_origin,
        null as layout,
        null as current_as_of,
        1 as source_precedence

    from ctgov_studies
    -- a body that is not JSON stays in staging for marts.quarantine; no record comes of it
    where is_parsed

),

pages as (

    select
        * exclude (
            arms_json, interventions_json, sites_json, contacts_json, officials_json, outcomes_json,
            references_json, {{ record_texts() }}
        ),
        md5(eligibility_text) as eligibility_text_id,
        'page' as record_origin,
        2 as source_precedence

    from page_records

),

unioned as (

    select * from ctgov
    union all by name
    select * from pages

),

current_versions as (

    select
        unioned.* exclude (fetched_at),
        versions.last_seen_at as fetched_at,
        versions.current_since as captured_on,
        versions.changed_in_load

    from unioned
    inner join versions
        on unioned.document_id = versions.document_id

)

select * from current_versions
