with

studies as (

    select * from {{ ref('stg_ctgov__studies') }} as arriving
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id', 'arriving') }}

),

arm_groups as (

    -- unnested in the select list, beside its ordinal: a lateral join (`from studies, unnest(...)`)
    -- read every column of the documents and took two to three times as long at 500,000 studies
    select
        document_id,
        record_id,
        generate_subscripts(arm_group_list, 1) as arm_ordinal,
        unnest(arm_group_list) as arm

    from studies

),

renamed as (

    select
        document_id,
        record_id,
        arm_ordinal::integer as arm_ordinal,
        arm.label as label,
        arm.type as arm_type,
        arm.description as description,
        coalesce(arm.interventionNames, []) as intervention_names

    from arm_groups

)

select * from renamed
