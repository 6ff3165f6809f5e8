with

source as (

    select * from {{ source('raw', 'sightings') }}

),

renamed as (

    select
        md5(concat_ws('|', document_id, fetch_id)) as sighting_id,
        document_id,
        fetch_id,
        md5(concat_ws('|', source_name, document_key)) as record_id,
        source_name,
        document_key,
        run_date,
        fetched_at,
        load_id

    from source

)

select * from renamed
