with

sites as (

    select * from {{ ref('int_sites_normalized') }}

),

final as (

    select
        site_id,
        trial_id,
        record_id,
        site_ordinal,
        facility,
        city,
        state,
        zip,
        country,
        status,
        status_raw,
        latitude,
        longitude

    from sites

)

select * from final
