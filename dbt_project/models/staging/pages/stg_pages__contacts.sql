{#- People a page lists: its contacts (`contact`) and its officials / investigators (`official`). -#}
with

records as (

    select * from {{ ref('stg_pages__records') }} as arriving
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id', 'arriving') }}

),

parsed_people as (

    select
        document_id,
        record_id,
        from_json(
            contacts_json,
            '[{"name": "VARCHAR", "role": "VARCHAR", "affiliation": "VARCHAR", "phone": "VARCHAR",
               "email": "VARCHAR"}]'
        ) as contacts,
        from_json(
            officials_json,
            '[{"name": "VARCHAR", "role": "VARCHAR", "affiliation": "VARCHAR", "phone": "VARCHAR",
               "email": "VARCHAR"}]'
        ) as officials

    from records

),

people as (

    -- unnested in the select list, beside its ordinal, as in the ClinicalTrials.gov staging models
    -- (a lateral join, `from records, unnest(...)`, read every column of every record)
    select
        document_id,
        record_id,
        'contact' as contact_kind,
        generate_subscripts(contacts, 1) as contact_ordinal,
        unnest(contacts) as item

    from parsed_people

    union all

    select
        document_id,
        record_id,
        'official' as contact_kind,
        generate_subscripts(officials, 1) as contact_ordinal,
        unnest(officials) as item

    from parsed_people

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
