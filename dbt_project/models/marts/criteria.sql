with

criteria as (

    select * from {{ ref('int_criteria_split') }}

),

final as (

    select
        criterion_id,
        trial_id,
        record_id,
        kind,
        ordinal,
        depth,
        criterion_path,
        parent_criterion_id,
        text

    from criteria

)

select * from final
