with

links as (

    select * from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}

),

criteria as (

    {{ rows_of(ref('int_criteria_split'), 'record_id', 'links') }}

),

linked as (

    select
        criterion_id,
        links.trial_id,
        criteria.record_id,
        kind,
        ordinal,
        depth,
        criterion_path,
        parent_criterion_id,
        text

    from criteria
    inner join links on criteria.record_id = links.record_id

),

final as (

    select * from linked
    {{ parent_markers('links') }}

)

select * from final
