{#-
    People of each study document, as stated: central contacts, overall officials, and each
    location's contacts (with the position of their location). Roles stay in the registry's enums.
-#}
with

studies as (

    -- only the columns used: this CTE is read three times, and DuckDB materialises such a CTE
    select document_id, record_id, central_contacts_json, officials_json from {{ ref('stg_ctgov__studies') }}
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id') }}

),

sites as (

    select * from {{ ref('stg_ctgov__sites') }}
    where document_id in (select document_id from studies)

),

central_contacts as (

    select
        studies.document_id,
        studies.record_id,
        'contact' as contact_kind,
        null::integer as site_ordinal,
        contact.ordinal as contact_ordinal,
        contact.item

    from studies,
        unnest(
            from_json(
                studies.central_contacts_json,
                '[{"name": "VARCHAR", "role": "VARCHAR", "affiliation": "VARCHAR", "phone": "VARCHAR",
                   "phoneExt": "VARCHAR", "email": "VARCHAR"}]'
            )
        ) with ordinality as contact(item, ordinal)

),

officials as (

    select
        studies.document_id,
        studies.record_id,
        'official' as contact_kind,
        null::integer as site_ordinal,
        official.ordinal as contact_ordinal,
        official.item

    from studies,
        unnest(
            from_json(
                studies.officials_json,
                '[{"name": "VARCHAR", "role": "VARCHAR", "affiliation": "VARCHAR", "phone": "VARCHAR",
                   "phoneExt": "VARCHAR", "email": "VARCHAR"}]'
            )
        ) with ordinality as official(item, ordinal)

),

site_contacts as (

    select
        sites.document_id,
        sites.record_id,
        'site_contact' as contact_kind,
        sites.site_ordinal,
        contact.ordinal as contact_ordinal,
        contact.item

    from sites,
        unnest(
            from_json(
                sites.contacts_json,
                '[{"name": "VARCHAR", "role": "VARCHAR", "affiliation": "VARCHAR", "phone": "VARCHAR",
                   "phoneExt": "VARCHAR", "email": "VARCHAR"}]'
            )
        ) with ordinality as contact(item, ordinal)

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
