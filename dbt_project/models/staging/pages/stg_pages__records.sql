with

documents as (

    select * from {{ ref('stg_pages__documents') }} as arriving
    -- pages no parser read, and pages that are not valid UTF-8, go to marts.quarantine instead
    where is_parsed and coalesce(is_valid_utf8, true)
    -- documents are immutable: extract each one once, in the build after the load that added it
    and {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id', 'arriving') }}

),

extracted as (

    select
        document_id,
        record_id,
        source_name,
        source_kind,
        source_url,
        document_key,
        snapshot_sha256,
        fetched_at,
        run_date,
        load_id,
        layout,

        record ->> '$.nct_id' as nct_id,
        coalesce(from_json(record -> '$.other_ids', '["VARCHAR"]'), []) as secondary_ids,
        record ->> '$.brief_title' as brief_title,
        record ->> '$.official_title' as official_title,
        record ->> '$.acronym' as acronym,

        record ->> '$.overall_status' as overall_status,
        record ->> '$.start_date' as start_date,
        record ->> '$.primary_completion_date' as primary_completion_date,
        record ->> '$.completion_date' as completion_date,
        record ->> '$.completion_date_type' as completion_date_type,
        record ->> '$.first_submitted_date' as first_submitted_date,
        record ->> '$.first_posted_date' as first_posted_date,
        record ->> '$.last_update_date' as last_update_date,
        record ->> '$.current_as_of' as current_as_of,

        record ->> '$.lead_sponsor' as lead_sponsor,
        coalesce(from_json(record -> '$.collaborators', '["VARCHAR"]'), []) as collaborators,

        coalesce(from_json(record -> '$.conditions', '["VARCHAR"]'), []) as conditions,
        coalesce(from_json(record -> '$.keywords', '["VARCHAR"]'), []) as keywords,
        record ->> '$.study_type' as study_type,
        coalesce(from_json(record -> '$.phases', '["VARCHAR"]'), []) as phases,
        (record ->> '$.enrollment')::integer as enrollment,
        record ->> '$.enrollment_type' as enrollment_type,
        record ->> '$.design.allocation' as allocation,
        record ->> '$.design.intervention_model' as intervention_model,
        record ->> '$.design.primary_purpose' as primary_purpose,
        record ->> '$.design.masking' as masking,

        record ->> '$.eligibility_text' as eligibility_text,
        record ->> '$.healthy_volunteers' as healthy_volunteers,
        record ->> '$.sex' as sex,
        record ->> '$.min_age' as min_age,
        record ->> '$.max_age' as max_age,

        record ->> '$.brief_summary' as brief_summary,
        record ->> '$.detailed_description' as detailed_description,
        coalesce(from_json(record -> '$.related_nct_ids', '["VARCHAR"]'), []) as related_nct_ids,
        coalesce(from_json(record -> '$.references[*].pmid', '["VARCHAR"]'), []) as reference_pmids,

        record -> '$.arms' as arms_json,
        record -> '$.interventions' as interventions_json,
        record -> '$.sites' as sites_json,
        record -> '$.contacts' as contacts_json,
        record -> '$.officials' as officials_json,
        record -> '$.outcomes' as outcomes_json,
        record -> '$.references' as references_json

    from documents

)

select * from extracted
