with

source as (

    select * from {{ source('ctgov', 'documents') }} as arriving
    -- invalid JSON and invalid UTF-8 go to marts.quarantine instead
    -- documents are immutable: parse each one once, in the build after the load that added it
    where {{ changed_since_last_build('load_id') }}
    and {{ not_yet_built('document_id', 'arriving') }}
    and payload_format = 'ctgov_study' and coalesce(is_valid_json, true) and coalesce(is_valid_utf8, true)

),

parsed as (

    -- One parse per body: json_transform reads the document once into a typed struct (a path
    -- operator per field would re-read the JSON text for every column). Values the schema does not
    -- expect (an object where a string is due, a missing module) come back NULL; nested lists come
    -- back typed for the models beside this one to unnest. This parse is also the JSON check: a body
    -- that does not parse comes back NULL (is_parsed), and marts.quarantine lists it. Not filtered
    -- here: DuckDB pushes such a filter below the parse and parses every body twice.
    select
        *,
        try(json_transform(body, '{{ ctgov_study_schema() }}')) as study

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
        load_id,
        study is not null as is_parsed,

        ---------- identification
        study.protocolSection.identificationModule.nctId as nct_id,
        study.protocolSection.identificationModule.orgStudyIdInfo.id as org_study_id,
        coalesce(
            list_transform(study.protocolSection.identificationModule.secondaryIdInfos, lambda x: x.id),
            []
        ) as secondary_ids,
        study.protocolSection.identificationModule.briefTitle as brief_title,
        study.protocolSection.identificationModule.officialTitle as official_title,
        study.protocolSection.identificationModule.acronym as acronym,

        ---------- status and dates (as stated; parsed in the cleaned layer)
        study.protocolSection.statusModule.overallStatus as overall_status,
        study.protocolSection.statusModule.startDateStruct.date as start_date,
        study.protocolSection.statusModule.startDateStruct.type as start_date_type,
        study.protocolSection.statusModule.primaryCompletionDateStruct.date as primary_completion_date,
        study.protocolSection.statusModule.primaryCompletionDateStruct.type as primary_completion_date_type,
        study.protocolSection.statusModule.completionDateStruct.date as completion_date,
        study.protocolSection.statusModule.completionDateStruct.type as completion_date_type,
        study.protocolSection.statusModule.studyFirstSubmitDate as first_submitted_date,
        study.protocolSection.statusModule.studyFirstPostDateStruct.date as first_posted_date,
        study.protocolSection.statusModule.studyFirstPostDateStruct.type as first_posted_date_type,
        study.protocolSection.statusModule.lastUpdatePostDateStruct.date as last_update_date,
        study.protocolSection.statusModule.lastUpdatePostDateStruct.type as last_update_date_type,
        study.protocolSection.statusModule.statusVerifiedDate as status_verified_date,

        ---------- sponsors
        study.protocolSection.sponsorCollaboratorsModule.leadSponsor.name as lead_sponsor,
        study.protocolSection.sponsorCollaboratorsModule.leadSponsor.class as lead_sponsor_class,
        coalesce(
            list_transform(study.protocolSection.sponsorCollaboratorsModule.collaborators, lambda x: x.name),
            []
        ) as collaborators,

        ---------- conditions and design
        coalesce(study.protocolSection.conditionsModule.conditions, []) as conditions,
        coalesce(study.protocolSection.conditionsModule.keywords, []) as keywords,
        study.protocolSection.designModule.studyType as study_type,
        coalesce(study.protocolSection.designModule.phases, []) as phases,
        study.protocolSection.designModule.enrollmentInfo.count::integer as enrollment,
        study.protocolSection.designModule.enrollmentInfo.type as enrollment_type,
        study.protocolSection.designModule.designInfo.allocation as allocation,
        study.protocolSection.designModule.designInfo.interventionModel as intervention_model,
        study.protocolSection.designModule.designInfo.primaryPurpose as primary_purpose,
        study.protocolSection.designModule.designInfo.maskingInfo.masking as masking,
        coalesce(study.protocolSection.designModule.designInfo.maskingInfo.whoMasked, []) as who_masked,
        study.protocolSection.designModule.designInfo.observationalModel as observational_model,
        study.protocolSection.designModule.designInfo.timePerspective as time_perspective,

        ---------- eligibility
        study.protocolSection.eligibilityModule.eligibilityCriteria as eligibility_text,
        study.protocolSection.eligibilityModule.healthyVolunteers::boolean as healthy_volunteers,
        study.protocolSection.eligibilityModule.sex as sex,
        study.protocolSection.eligibilityModule.minimumAge as min_age,
        study.protocolSection.eligibilityModule.maximumAge as max_age,
        coalesce(study.protocolSection.eligibilityModule.stdAges, []) as std_ages,

        ---------- descriptions
        study.protocolSection.descriptionModule.briefSummary as brief_summary,
        study.protocolSection.descriptionModule.detailedDescription as detailed_description,
        study.hasResults::boolean as has_results,
        coalesce(
            list_filter(
                list_transform(study.protocolSection.referencesModule.references, lambda reference: reference.pmid),
                lambda pmid: pmid is not null
            ),
            []
        ) as reference_pmids,

        ---------- nested lists, typed, unnested by the models beside this one
        study.protocolSection.armsInterventionsModule.armGroups as arm_group_list,
        study.protocolSection.armsInterventionsModule.interventions as intervention_list,
        study.protocolSection.contactsLocationsModule.locations as location_list,
        study.protocolSection.contactsLocationsModule.centralContacts as central_contact_list,
        study.protocolSection.contactsLocationsModule.overallOfficials as official_list,
        study.protocolSection.outcomesModule as outcomes_module,
        study.protocolSection.referencesModule.references as reference_list

    from parsed

)

select * from renamed
