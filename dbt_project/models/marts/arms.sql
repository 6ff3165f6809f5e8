with

links as (

    select * from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}

),

arms as (

    {{ rows_of(ref('int_arms_unioned'), 'record_id', 'links') }}

),

linked as (

    select
        arm_id,
        links.trial_id,
        arms.record_id,
        arm_ordinal,
        label,
        arm_type,
        arm_type_raw,
        description,
        intervention_names

    from arms
    inner join links on arms.record_id = links.record_id

),

final as (

    select * from linked
    {{ parent_markers('links') }}

)

select * from final
