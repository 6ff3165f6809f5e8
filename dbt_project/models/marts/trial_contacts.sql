with

links as (

    -- a record's rows follow from its document and its trial: the links rewritten since the last
    -- build whose record has a new document or a new trial, not those merely fetched again
    select * from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}
        and (len(previous_trial_ids) > 0 or {{ document_changed_since_last_build(ref('int_record_versions')) }})

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
