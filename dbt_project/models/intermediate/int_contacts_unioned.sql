{#-
    Contacts and officials of the current version of every record, roles mapped through the
    `contact_role_map` seed (the raw role stays beside it).
-#}
with

records as (

    -- the records whose document arrived since the last build: one fetched again unchanged keeps its rows
    select * from {{ ref('int_trial_records_normalized') }}
    where {{ changed_since_last_build() }}
        and {{ document_changed_since_last_build(ref('int_record_versions')) }}

),

ctgov_contacts as (

    {{ rows_of(ref('stg_ctgov__contacts'), 'document_id', 'records') }}

),

page_contacts as (

    {{ rows_of(ref('stg_pages__contacts'), 'document_id', 'records') }}

),

contact_role_map as (select * from {{ ref('contact_role_map') }}),

unioned as (

    select * from ctgov_contacts
    union all by name
    select * from page_contacts

),

roles as (

    -- each stated role mapped once (see int_sites_normalized)
    {{ distinct_values_mapped('unioned', 'role', 'contact_role_map', 'contact_role_key', 'contact_role') }}

),

current_contacts as (

    select
        md5(concat_ws(
            '|', unioned.record_id, unioned.contact_kind, coalesce(unioned.site_ordinal, 0), unioned.contact_ordinal
        )) as contact_id,
        unioned.record_id,
        unioned.contact_kind,
        unioned.site_ordinal,
        unioned.contact_ordinal,
        unioned.name,
        roles.mapped_value as role,
        unioned.role as role_raw,
        unioned.affiliation,
        unioned.phone,
        unioned.phone_ext,
        unioned.email

    from unioned
    inner join records
        on unioned.document_id = records.document_id
    left join roles
        on unioned.role = roles.stated_value

),

final as (

    select * from current_contacts
    {{ parent_markers('records') }}

)

select * from final
