with

links as (

    -- a record's rows follow from its document and its trial: the links rewritten since the last
    -- build whose record has a new document or a new trial, not those merely fetched again
    select * from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}
        and (len(previous_trial_ids) > 0 or {{ document_changed_since_last_build(ref('int_record_versions')) }})

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
