{#- Arms of the current version of every record, arm types mapped through the `arm_type_map` seed. -#}
with

records as (

    -- the records whose document arrived since the last build: one fetched again unchanged keeps its rows
    select * from {{ ref('int_trial_records_normalized') }}
    where {{ changed_since_last_build() }}
        and {{ document_changed_since_last_build(ref('int_record_versions')) }}

),

ctgov_arms as (

    {{ rows_of(ref('stg_ctgov__arms'), 'document_id', 'records') }}

),

page_arms as (

    {{ rows_of(ref('stg_pages__arms'), 'document_id', 'records') }}

),

arm_type_map as (select * from {{ ref('arm_type_map') }}),

unioned as (

    select * from ctgov_arms
    union all by name
    select * from page_arms

),

arm_types as (

    -- each stated arm type mapped once (see int_sites_normalized)
    {{ distinct_values_mapped('unioned', 'arm_type', 'arm_type_map', 'arm_type_key', 'arm_type') }}

),

current_arms as (

    select
        md5(concat_ws('|', unioned.record_id, unioned.arm_ordinal)) as arm_id,
        unioned.record_id,
        unioned.arm_ordinal,
        unioned.label,
        arm_types.mapped_value as arm_type,
        unioned.arm_type as arm_type_raw,
        unioned.description,
        unioned.intervention_names

    from unioned
    inner join records
        on unioned.document_id = records.document_id
    left join arm_types
        on unioned.arm_type = arm_types.stated_value

),

final as (

    select * from current_arms
    {{ parent_markers('records') }}

)

select * from final
