with

links as (

    -- a record's rows follow from its document and its trial: the links rewritten since the last
    -- build whose record has a new document or a new trial, not those merely fetched again
    select * from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}
        and (len(previous_trial_ids) > 0 or {{ document_changed_since_last_build(ref('int_record_versions')) }})

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
