with

links as (

    -- a record's rows follow from its document and its trial: the links rewritten since the last
    -- build whose record has a new document or a new trial, not those merely fetched again
    select * from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}
        and (len(previous_trial_ids) > 0 or {{ document_changed_since_last_build(ref('int_record_versions')) }})

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
