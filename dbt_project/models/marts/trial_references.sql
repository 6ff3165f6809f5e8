with

links as (

    select * from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}

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
