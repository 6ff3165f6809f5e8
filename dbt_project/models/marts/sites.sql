with

links as (

    select * from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}

),

sites as (

    {{ rows_of(ref('int_sites_normalized'), 'record_id', 'links') }}

),

linked as (

    select
        site_id,
        links.trial_id,
        sites.record_id,
        site_ordinal,
        facility,
        city,
        state,
        zip,
        country,
        country_raw,
        status,
        status_raw,
        latitude,
        longitude

    from sites
    inner join links on sites.record_id = links.record_id

),

final as (

    select * from linked
    {{ parent_markers('links') }}

)

select * from final
