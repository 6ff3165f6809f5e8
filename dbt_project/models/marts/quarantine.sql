{#-
    Documents that are not published, with the reason: pages no parser could read, study files that
    are not JSON, and any document whose bytes are not valid UTF-8 (`invalid_utf8`, even when the
    text decoded with replacement characters would parse: its values could be corrupted). Their raw
    payload stays in the snapshot store (`payload_path`) and in `raw.documents`; the rest of the run
    is published without them.
-#}
with

pages as (

    select * from {{ ref('stg_pages__documents') }}
    -- documents are immutable: each is judged once, in the build after the load that added it
    where {{ changed_since_last_build('load_id') }}
    and (not is_parsed or not coalesce(is_valid_utf8, true))

),

ctgov_documents as (

    select * from {{ source('ctgov', 'documents') }}
    where {{ changed_since_last_build('load_id') }}
    and payload_format = 'ctgov_study'

),

parsed_studies as (

    -- staging keeps each document's load id: only the documents judged in this build are read
    select document_id from {{ ref('stg_ctgov__studies') }}
    where {{ changed_since_last_build('load_id') }}
    and is_parsed

),

unparsed_documents as (

    -- not UTF-8, or not JSON: staging's parse is the check (the load checks only what it splits
    -- out of API pages), so a study document staging did not parse is one that is not JSON
    select * from ctgov_documents as arriving
    where not coalesce(arriving.is_valid_utf8, true)
    or not exists (select 1 from parsed_studies as parsed where parsed.document_id = arriving.document_id)

),

unpublished_pages as (

    select
        document_id,
        source_name,
        source_kind,
        document_key,
        run_date,
        source_url,
        snapshot_sha256,
        payload_path,
        fetched_at,
        case when not coalesce(is_valid_utf8, true) then 'invalid_utf8' else quarantine_reason end as reason,
        case
            when not coalesce(is_valid_utf8, true)
                then 'the payload is not valid UTF-8'
                    || case when is_parsed then ' (it would parse as ' || layout || ')' else '' end
            else parse_error
        end as error,
        layout,
        bytes

    from pages

),

unpublished_studies as (

    select
        document_id,
        source_name,
        source_kind,
        document_key,
        run_date,
        url as source_url,
        sha256 as snapshot_sha256,
        payload_path,
        fetched_at,
        case when not coalesce(is_valid_utf8, true) then 'invalid_utf8' else 'invalid_json' end as reason,
        case
            when not coalesce(is_valid_utf8, true) then 'the study payload is not valid UTF-8'
            else 'the study payload is not valid JSON'
        end as error,
        null::varchar as layout,
        bytes

    from unparsed_documents

),

final as (

    select * from unpublished_pages
    union all
    select * from unpublished_studies

)

select * from final
