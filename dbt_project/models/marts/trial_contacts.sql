with

links as (

    select * from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}

),

contacts as (

    {{ rows_of(ref('int_contacts_unioned'), 'record_id', 'links') }}

),

linked as (

    select
        contact_id,
        links.trial_id,
        contacts.record_id,
        contact_kind,
        site_ordinal,
        contact_ordinal as ordinal,
        name,
        role,
        role_raw,
        affiliation,
        phone,
        phone_ext,
        email

    from contacts
    inner join links on contacts.record_id = links.record_id

),

final as (

    select * from linked
    {{ parent_markers('links') }}

)

select * from final
