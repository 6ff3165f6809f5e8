with

arms as (

    select * from {{ ref('int_arms_unioned') }}

),

final as (

    select
        arm_id,
        trial_id,
        record_id,
        arm_ordinal,
        label,
        arm_type,
        description,
        intervention_names

    from arms

)

select * from final
