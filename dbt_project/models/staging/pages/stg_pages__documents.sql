{#-
    One row per captured page with the parser's verdict. The parsing itself is Python
    (`ingest/pages`), called through the DuckDB function `parse_page` that the dbt-duckdb plugin
    `ingest.dbt_plugin` registers; the model is incremental, so each page is parsed once, the night it
    arrives.
-#}
with

source as (

    select * from {{ source('pages', 'documents') }} as arriving
    where {{ changed_since_last_build('load_id') }}
    and {{ not_yet_built('document_id', 'arriving') }}
    and payload_format = 'page'

),

parsed as (

    select
        *,
        parse_page(body, url)::json as parse_result

    from source

),

renamed as (

    select
        document_id,
        md5(concat_ws('|', source_name, document_key)) as record_id,
        source_name,
        source_kind,
        url as source_url,
        document_key,
        sha256 as snapshot_sha256,
        payload_path,
        fetched_at,
        run_date,
        load_id,
        bytes,
        is_valid_utf8,
        (parse_result ->> '$.ok')::boolean as is_parsed,
        parse_result ->> '$.layout' as layout,
        parse_result ->> '$.reason' as quarantine_reason,
        parse_result ->> '$.error' as parse_error,
        parse_result -> '$.record' as record

    from parsed

)

select * from renamed
