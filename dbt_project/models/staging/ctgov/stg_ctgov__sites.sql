with

studies as (

    select * from {{ ref('stg_ctgov__studies') }}
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id') }}

),

locations as (

    select
        studies.document_id,
        studies.record_id,
        location.ordinal as site_ordinal,
        location.site

    from studies,
        unnest(
            from_json(
                studies.locations_json,
                '[{"facility": "VARCHAR", "status": "VARCHAR", "city": "VARCHAR", "state": "VARCHAR",
                   "zip": "VARCHAR", "country": "VARCHAR", "geoPoint": {"lat": "DOUBLE", "lon": "DOUBLE"},
                   "contacts": "JSON"}]'
            )
        ) with ordinality as location(site, ordinal)

),

renamed as (

    select
        document_id,
        record_id,
        site_ordinal::integer as site_ordinal,
        site.facility as facility,
        site.city as city,
        site.state as state,
        site.zip as zip,
        site.country as country,
        site.status as status,
        site.geoPoint.lat as latitude,
        site.geoPoint.lon as longitude,
        site.contacts as contacts_json

    from locations

)

select * from renamed
