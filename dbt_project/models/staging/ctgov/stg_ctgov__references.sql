with

studies as (

    select * from {{ ref('stg_ctgov__studies') }} as arriving
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id', 'arriving') }}

),

references_unnested as (

    -- unnested in the select list, beside its ordinal: a lateral join (`from studies, unnest(...)`)
    -- read every column of the documents and took two to three times as long at 500,000 studies
    select
        document_id,
        record_id,
        generate_subscripts(reference_list, 1) as reference_ordinal,
        unnest(reference_list) as item

    from studies

),

renamed as (

    select
        document_id,
        record_id,
        reference_ordinal::integer as reference_ordinal,
        item.pmid as pmid,
        item.type as reference_type,
        item.citation as citation

    from references_unnested

)

select * from renamed
