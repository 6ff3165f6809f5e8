{#-
    Documents no parser could read, with the reason. Their raw payload stays in the snapshot store
    (`payload_path`) and in `raw.documents`; the rest of the run is published without them.
-#}
with

pages as (

    select * from {{ ref('stg_pages__documents') }}
    where not is_parsed

),

ctgov_documents as (

    select * from {{ source('ctgov', 'documents') }}
    where payload_format = 'ctgov_study' and not json_valid(body)

),

unparsed_pages as (

    select
        document_id,
        source_name,
        source_url,
        snapshot_sha256,
        payload_path,
        fetched_at,
        quarantine_reason as reason,
        parse_error as error

    from pages

),

invalid_studies as (

    select
        document_id,
        source_name,
        url as source_url,
        sha256 as snapshot_sha256,
        payload_path,
        fetched_at,
        'invalid_json' as reason,
        'the study payload is not valid JSON' as error

    from ctgov_documents

),

final as (

    select * from unparsed_pages
    union all
    select * from invalid_studies

)

select * from final
