with

records as (

    select * from {{ ref('stg_pages__records') }}
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id') }}

),

sites as (

    select
        records.document_id,
        records.record_id,
        site.ordinal as site_ordinal,
        site.item

    from records,
        unnest(
            from_json(
                records.sites_json,
                '[{"facility": "VARCHAR", "city": "VARCHAR", "state": "VARCHAR", "zip": "VARCHAR",
                   "country": "VARCHAR", "status": "VARCHAR"}]'
            )
        ) with ordinality as site(item, ordinal)

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
