with

records as (

    select * from {{ ref('stg_pages__records') }} as arriving
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id', 'arriving') }}

),

parsed_references as (

    select
        document_id,
        record_id,
        from_json(references_json, '[{"pmid": "VARCHAR", "citation": "VARCHAR"}]') as items

    from records

),

references_unnested as (

    -- unnested in the select list, beside its ordinal, as in the ClinicalTrials.gov staging models
    -- (a lateral join, `from records, unnest(...)`, read every column of every record)
    select
        document_id,
        record_id,
        generate_subscripts(items, 1) as reference_ordinal,
        unnest(items) as item

    from parsed_references

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
