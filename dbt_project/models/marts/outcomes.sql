with

links as (

    select * from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}

),

outcomes as (

    {{ rows_of(ref('int_outcomes_unioned'), 'record_id', 'links') }}

),

linked as (

    select
        outcome_id,
        links.trial_id,
        outcomes.record_id,
        outcome_kind as kind,
        outcome_ordinal as ordinal,
        measure,
        time_frame,
        description

    from outcomes
    inner join links on outcomes.record_id = links.record_id

),

final as (

    select * from linked
    {{ parent_markers('links') }}

)

select * from final
