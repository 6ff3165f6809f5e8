with

links as (

    select * from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}

),

interventions as (

    {{ rows_of(ref('int_interventions_unioned'), 'record_id', 'links') }}

),

linked as (

    select
        intervention_id,
        links.trial_id,
        interventions.record_id,
        intervention_ordinal as ordinal,
        intervention_type,
        intervention_type_raw,
        name,
        description,
        arm_labels,
        other_names

    from interventions
    inner join links on interventions.record_id = links.record_id

),

final as (

    select * from linked
    {{ parent_markers('links') }}

)

select * from final
