with

studies as (

    select * from {{ ref('stg_ctgov__studies') }}
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id') }}

),

arm_groups as (

    select
        studies.document_id,
        studies.record_id,
        arm_group.ordinal as arm_ordinal,
        arm_group.arm

    from studies,
        unnest(
            from_json(
                studies.arm_groups_json,
                '[{"label": "VARCHAR", "type": "VARCHAR", "description": "VARCHAR", "interventionNames": ["VARCHAR"]}]'
            )
        ) with ordinality as arm_group(arm, ordinal)

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
