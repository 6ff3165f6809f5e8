{#-
    The part of a ClinicalTrials.gov API v2 study (docs/ctg-oas-v2.yaml) that staging reads, as a
    json_transform schema. Scalars are read as VARCHAR and cast in the model, as the `->>` path
    operators did; nested lists that other staging models unnest stay JSON.
-#}
{% macro ctgov_study_schema() -%}
{{ tojson({
    "hasResults": "VARCHAR",
    "protocolSection": {
        "identificationModule": {
            "nctId": "VARCHAR",
            "orgStudyIdInfo": {"id": "VARCHAR"},
            "secondaryIdInfos": [{"id": "VARCHAR"}],
            "briefTitle": "VARCHAR",
            "officialTitle": "VARCHAR",
            "acronym": "VARCHAR",
        },
        "statusModule": {
            "overallStatus": "VARCHAR",
            "startDateStruct": {"date": "VARCHAR", "type": "VARCHAR"},
            "primaryCompletionDateStruct": {"date": "VARCHAR", "type": "VARCHAR"},
            "completionDateStruct": {"date": "VARCHAR", "type": "VARCHAR"},
            "studyFirstSubmitDate": "VARCHAR",
            "studyFirstPostDateStruct": {"date": "VARCHAR", "type": "VARCHAR"},
            "lastUpdatePostDateStruct": {"date": "VARCHAR", "type": "VARCHAR"},
            "statusVerifiedDate": "VARCHAR",
        },
        "sponsorCollaboratorsModule": {
            "leadSponsor": {"name": "VARCHAR", "class": "VARCHAR"},
            "collaborators": [{"name": "VARCHAR"}],
        },
        "conditionsModule": {"conditions": ["VARCHAR"], "keywords": ["VARCHAR"]},
        "designModule": {
            "studyType": "VARCHAR",
            "phases": ["VARCHAR"],
            "enrollmentInfo": {"count": "VARCHAR", "type": "VARCHAR"},
            "designInfo": {
                "allocation": "VARCHAR",
                "interventionModel": "VARCHAR",
                "primaryPurpose": "VARCHAR",
                "maskingInfo": {"masking": "VARCHAR", "whoMasked": ["VARCHAR"]},
                "observationalModel": "VARCHAR",
                "timePerspective": "VARCHAR",
            },
        },
        "eligibilityModule": {
            "eligibilityCriteria": "VARCHAR",
            "healthyVolunteers": "VARCHAR",
            "sex": "VARCHAR",
            "minimumAge": "VARCHAR",
            "maximumAge": "VARCHAR",
            "stdAges": ["VARCHAR"],
        },
        "descriptionModule": {"briefSummary": "VARCHAR", "detailedDescription": "VARCHAR"},
        "referencesModule": {"references": "JSON"},
        "armsInterventionsModule": {"armGroups": "JSON", "interventions": "JSON"},
        "contactsLocationsModule": {
            "locations": "JSON",
            "centralContacts": "JSON",
            "overallOfficials": "JSON",
        },
        "outcomesModule": "JSON",
    },
}) }}
{%- endmacro %}
