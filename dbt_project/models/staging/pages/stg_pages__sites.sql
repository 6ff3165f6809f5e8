with

records as (

    select * from {{ ref('stg_pages__records') }} as arriving
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id', 'arriving') }}

),

parsed_sites as (

    select
        document_id,
        record_id,
        from_json(
            sites_json,
            '[{"facility": "VARCHAR", "city": "VARCHAR", "state": "VARCHAR", "zip": "VARCHAR",
               "country": "VARCHAR", "status": "VARCHAR"}]'
        ) as items

    from records

),

sites as (

    -- unnested in the select list, beside its ordinal, as in the ClinicalTrials.gov staging models
    -- (a lateral join, `from records, unnest(...)`, read every column of every record)
    select
        document_id,
        record_id,
        generate_subscripts(items, 1) as site_ordinal,
        unnest(items) as item

    from parsed_sites

),

renamed as (

    select
        document_id,
        record_id,
        site_ordinal::integer as site_ordinal,
        item.facility as facility,
        item.city as city,
        item.state as state,
        item.zip as zip,
        item.country as country,
        item.status as status,
        null::double as latitude,
        null::double as longitude

    from sites

)

select * from renamed
