{#-
    Every source's record in one shape, still as stated, keeping only the current version of each
    record (its newest capture): a record is one document of one source (one study file, one page URL).
-#}
with

ctgov_studies as (

    select * from {{ ref('stg_ctgov__studies') }}

),

page_records as (

    select * from {{ ref('stg_pages__records') }}

),

ctgov as (

    select
        * exclude (
            healthy_volunteers, arm_groups_json, interventions_json, locations_json, central_contacts_json,
            officials_json, outcomes_json, references_json
        ),
        healthy_volunteers::varchar as healthy_volunteers,
        'ctgov' as record_origin,
        null as layout,
        null as current_as_of,
        1 as source_precedence

    from ctgov_studies

),

pages as (

    select
        * exclude (
            arms_json, interventions_json, sites_json, contacts_json, officials_json, outcomes_json,
            references_json
        ),
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

    select * from unioned
    qualify row_number() over (
        partition by record_id order by fetched_at desc, document_id
    ) = 1

)

select * from current_versions
