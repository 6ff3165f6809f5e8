with

links as (

    -- a record's rows follow from its document and its trial: the links rewritten since the last
    -- build whose record has a new document or a new trial, not those merely fetched again
    select * from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}
        and (len(previous_trial_ids) > 0 or {{ document_changed_since_last_build(ref('int_record_versions')) }})

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
