with

source as (

    select * from {{ source('ctgov', 'documents') }}
    -- invalid JSON and invalid UTF-8 go to marts.quarantine instead
    where payload_format = 'ctgov_study' and json_valid(body) and coalesce(is_valid_utf8, true)
    {% if is_incremental() %}
    and document_id not in (select document_id from {{ this }})
    {% endif %}

),

parsed as (

    select
        *,
        body::json -> '$.protocolSection' as protocol

    from source

),

renamed as (

    select
        ---------- keys and lineage
        document_id,
        md5(concat_ws('|', source_name, document_key)) as record_id,
        source_name,
        source_kind,
        url as source_url,
        document_key,
        sha256 as snapshot_sha256,
        fetched_at,
        run_date,

        ---------- identification
        protocol ->> '$.identificationModule.nctId' as nct_id,
        protocol ->> '$.identificationModule.orgStudyIdInfo.id' as org_study_id,
        coalesce(
            from_json(protocol -> '$.identificationModule.secondaryIdInfos[*].id', '["VARCHAR"]'),
            []
        ) as secondary_ids,
        protocol ->> '$.identificationModule.briefTitle' as brief_title,
        protocol ->> '$.identificationModule.officialTitle' as official_title,
        protocol ->> '$.identificationModule.acronym' as acronym,

        ---------- status and dates (as stated; parsed in the cleaned layer)
        protocol ->> '$.statusModule.overallStatus' as overall_status,
        protocol ->> '$.statusModule.startDateStruct.date' as start_date,
        protocol ->> '$.statusModule.startDateStruct.type' as start_date_type,
        protocol ->> '$.statusModule.primaryCompletionDateStruct.date' as primary_completion_date,
        protocol ->> '$.statusModule.primaryCompletionDateStruct.type' as primary_completion_date_type,
        protocol ->> '$.statusModule.completionDateStruct.date' as completion_date,
        protocol ->> '$.statusModule.completionDateStruct.type' as completion_date_type,
        protocol ->> '$.statusModule.studyFirstSubmitDate' as first_submitted_date,
        protocol ->> '$.statusModule.studyFirstPostDateStruct.date' as first_posted_date,
        protocol ->> '$.statusModule.studyFirstPostDateStruct.type' as first_posted_date_type,
        protocol ->> '$.statusModule.lastUpdatePostDateStruct.date' as last_update_date,
        protocol ->> '$.statusModule.lastUpdatePostDateStruct.type' as last_update_date_type,
        protocol ->> '$.statusModule.statusVerifiedDate' as status_verified_date,

        ---------- sponsors
        protocol ->> '$.sponsorCollaboratorsModule.leadSponsor.name' as lead_sponsor,
        protocol ->> '$.sponsorCollaboratorsModule.leadSponsor.class' as lead_sponsor_class,
        coalesce(
            from_json(protocol -> '$.sponsorCollaboratorsModule.collaborators[*].name', '["VARCHAR"]'),
            []
        ) as collaborators,

        ---------- conditions and design
        coalesce(from_json(protocol -> '$.conditionsModule.conditions', '["VARCHAR"]'), []) as conditions,
        coalesce(from_json(protocol -> '$.conditionsModule.keywords', '["VARCHAR"]'), []) as keywords,
        protocol ->> '$.designModule.studyType' as study_type,
        coalesce(from_json(protocol -> '$.designModule.phases', '["VARCHAR"]'), []) as phases,
        (protocol ->> '$.designModule.enrollmentInfo.count')::integer as enrollment,
        protocol ->> '$.designModule.enrollmentInfo.type' as enrollment_type,
        protocol ->> '$.designModule.designInfo.allocation' as allocation,
        protocol ->> '$.designModule.designInfo.interventionModel' as intervention_model,
        protocol ->> '$.designModule.designInfo.primaryPurpose' as primary_purpose,
        protocol ->> '$.designModule.designInfo.maskingInfo.masking' as masking,
        coalesce(
            from_json(protocol -> '$.designModule.designInfo.maskingInfo.whoMasked', '["VARCHAR"]'),
            []
        ) as who_masked,
        protocol ->> '$.designModule.designInfo.observationalModel' as observational_model,
        protocol ->> '$.designModule.designInfo.timePerspective' as time_perspective,

        ---------- eligibility
        protocol ->> '$.eligibilityModule.eligibilityCriteria' as eligibility_text,
        (protocol ->> '$.eligibilityModule.healthyVolunteers')::boolean as healthy_volunteers,
        protocol ->> '$.eligibilityModule.sex' as sex,
        protocol ->> '$.eligibilityModule.minimumAge' as min_age,
        protocol ->> '$.eligibilityModule.maximumAge' as max_age,
        coalesce(from_json(protocol -> '$.eligibilityModule.stdAges', '["VARCHAR"]'), []) as std_ages,

        ---------- descriptions
        protocol ->> '$.descriptionModule.briefSummary' as brief_summary,
        protocol ->> '$.descriptionModule.detailedDescription' as detailed_description,
        (body::json ->> '$.hasResults')::boolean as has_results,
        coalesce(
            from_json(protocol -> '$.referencesModule.references[*].pmid', '["VARCHAR"]'),
            []
        ) as reference_pmids,

        ---------- nested lists, unnested by the models beside this one
        protocol -> '$.armsInterventionsModule.armGroups' as arm_groups_json,
        protocol -> '$.armsInterventionsModule.interventions' as interventions_json,
        protocol -> '$.contactsLocationsModule.locations' as locations_json,
        protocol -> '$.contactsLocationsModule.centralContacts' as central_contacts_json,
        protocol -> '$.contactsLocationsModule.overallOfficials' as officials_json,
        protocol -> '$.outcomesModule' as outcomes_json,
        protocol -> '$.referencesModule.references' as references_json

    from parsed

)

select * from renamed
