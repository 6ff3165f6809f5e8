{#- People a page lists: its contacts (`contact`) and its officials / investigators (`official`). -#}
with

records as (

    select * from {{ ref('stg_pages__records') }}
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id') }}

),

people as (

    select
        records.document_id,
        records.record_id,
        'contact' as contact_kind,
        person.ordinal as contact_ordinal,
        person.item

    from records,
        unnest(
            from_json(
                records.contacts_json,
                '[{"name": "VARCHAR", "role": "VARCHAR", "affiliation": "VARCHAR", "phone": "VARCHAR",
                   "email": "VARCHAR"}]'
            )
        ) with ordinality as person(item, ordinal)

    union all

    select
        records.document_id,
        records.record_id,
        'official' as contact_kind,
        person.ordinal as contact_ordinal,
        person.item

    from records,
        unnest(
            from_json(
                records.officials_json,
                '[{"name": "VARCHAR", "role": "VARCHAR", "affiliation": "VARCHAR", "phone": "VARCHAR",
                   "email": "VARCHAR"}]'
            )
        ) with ordinality as person(item, ordinal)

),

renamed as (

    select
        document_id,
        record_id,
        contact_kind,
        null::integer as site_ordinal,
        contact_ordinal::integer as contact_ordinal,
        item.name as name,
        item.role as role,
        item.affiliation as affiliation,
        item.phone as phone,
        null::varchar as phone_ext,
        item.email as email

    from people

)

select * from renamed
