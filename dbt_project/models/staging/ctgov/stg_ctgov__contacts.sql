{#-
    People of each study document, as stated: central contacts, overall officials, and each
    location's contacts (with the position of their location). Roles stay in the registry's enums.
-#}
with

studies as (

    -- only the columns used: this CTE is read three times, and DuckDB materialises such a CTE
    select document_id, record_id, central_contact_list, official_list from {{ ref('stg_ctgov__studies') }} as arriving
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id', 'arriving') }}

),

sites as (

    -- the arriving documents' sites, appended by the same night's build: found by row id, not by
    -- reading every site's contact lists
    {{ rows_of(ref('stg_ctgov__sites'), 'document_id', 'studies') }}

),

central_contacts as (

    -- unnested in the select list, beside its ordinal: a lateral join (`from studies, unnest(...)`)
    -- read every column of the documents and took two to three times as long at 500,000 studies
    select
        document_id,
        record_id,
        'contact' as contact_kind,
        null::integer as site_ordinal,
        generate_subscripts(central_contact_list, 1) as contact_ordinal,
        unnest(central_contact_list) as item

    from studies

),

officials as (

    select
        document_id,
        record_id,
        'official' as contact_kind,
        null::integer as site_ordinal,
        generate_subscripts(official_list, 1) as contact_ordinal,
        unnest(official_list) as item

    from studies

),

site_contacts as (

    select
        document_id,
        record_id,
        'site_contact' as contact_kind,
        site_ordinal,
        generate_subscripts(contact_list, 1) as contact_ordinal,
        unnest(contact_list) as item

    from sites

),

unioned as (

    select * from central_contacts
    union all
    select * from officials
    union all
    select * from site_contacts

),

renamed as (

    select
        document_id,
        record_id,
        contact_kind,
        site_ordinal,
        contact_ordinal::integer as contact_ordinal,
        item.name as name,
        item.role as role,
        item.affiliation as affiliation,
        item.phone as phone,
        item.phoneExt as phone_ext,
        item.email as email

    from unioned

)

select * from renamed
