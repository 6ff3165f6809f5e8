with

records as (

    select * from {{ ref('stg_pages__records') }}
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id') }}

),

references_unnested as (

    select
        records.document_id,
        records.record_id,
        reference.ordinal as reference_ordinal,
        reference.item

    from records,
        unnest(
            from_json(records.references_json, '[{"pmid": "VARCHAR", "citation": "VARCHAR"}]')
        ) with ordinality as reference(item, ordinal)

),

renamed as (

    select
        document_id,
        record_id,
        reference_ordinal::integer as reference_ordinal,
        item.pmid as pmid,
        null::varchar as reference_type,
        item.citation as citation

    from references_unnested

)

select * from renamed
