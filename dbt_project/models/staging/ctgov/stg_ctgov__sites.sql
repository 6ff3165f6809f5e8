with

studies as (

    select * from {{ ref('stg_ctgov__studies') }} as arriving
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id', 'arriving') }}

),

locations as (

    -- unnested in the select list, beside its ordinal: a lateral join (`from studies, unnest(...)`)
    -- read every column of the documents and took two to three times as long at 500,000 studies
    select
        document_id,
        record_id,
        generate_subscripts(location_list, 1) as site_ordinal,
        unnest(location_list) as site

    from studies

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
        site.contacts as contact_list

    from locations

)

select * from renamed
