{#-
    The part of a ClinicalTrials.gov API v2 study (docs/ctg-oas-v2.yaml) that staging reads, as a
    json_transform schema. Scalars are read as VARCHAR and cast in the model, as the `->>` path
    operators did. The nested lists (arms, sites and their contacts, outcomes, ...) are read typed
    in the same pass, for the models beside `stg_ctgov__studies` to unnest: kept as JSON text, they
    were written out as text and parsed a second time by each of those models.
-#}
{% macro ctgov_study_schema() -%}
{%- set person = {
    "name": "VARCHAR",
    "role": "VARCHAR",
    "affiliation": "VARCHAR",
    "phone": "VARCHAR",
    "phoneExt": "VARCHAR",
    "email": "VARCHAR",
} -%}
{%- set outcome = {"measure": "VARCHAR", "description": "VARCHAR", "timeFrame": "VARCHAR"} -%}
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
        "referencesModule": {"references": [{"pmid": "VARCHAR", "type": "VARCHAR", "citation": "VARCHAR"}]},
        "armsInterventionsModule": {
            "armGroups": [
                {"label": "VARCHAR", "type": "VARCHAR", "description": "VARCHAR", "interventionNames": ["VARCHAR"]}
            ],
            "interventions": [
                {
                    "type": "VARCHAR",
                    "name": "VARCHAR",
                    "description": "VARCHAR",
                    "armGroupLabels": ["VARCHAR"],
                    "otherNames": ["VARCHAR"],
                }
            ],
        },
        "contactsLocationsModule": {
            "locations": [
                {
                    "facility": "VARCHAR",
                    "status": "VARCHAR",
                    "city": "VARCHAR",
                    "state": "VARCHAR",
                    "zip": "VARCHAR",
                    "country": "VARCHAR",
                    "geoPoint": {"lat": "DOUBLE", "lon": "DOUBLE"},
                    "contacts": [person],
                }
            ],
            "centralContacts": [person],
            "overallOfficials": [person],
        },
        "outcomesModule": {
            "primaryOutcomes": [outcome],
            "secondaryOutcomes": [outcome],
            "otherOutcomes": [outcome],
        },
    },
}) }}
{%- endmacro %}
