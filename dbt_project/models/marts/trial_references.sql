with

links as (

    -- a record's rows follow from its document and its trial: the links rewritten since the last
    -- build whose record has a new document or a new trial, not those merely fetched again
    select * from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}
        and (len(previous_trial_ids) > 0 or {{ document_changed_since_last_build(ref('int_record_versions')) }})

),

trial_references as (

    {{ rows_of(ref('int_references_unioned'), 'record_id', 'links') }}

),

linked as (

    select
        reference_id,
        links.trial_id,
        trial_references.record_id,
        reference_ordinal as ordinal,
        pmid,
        reference_type,
        citation

    from trial_references
    inner join links on trial_references.record_id = links.record_id

),

final as (

    select * from linked
    {{ parent_markers('links') }}

)

select * from final
