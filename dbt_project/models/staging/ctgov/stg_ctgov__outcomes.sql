with

studies as (

    select * from {{ ref('stg_ctgov__studies') }}
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id') }}

),

outcome_lists as (

    select document_id, record_id, 'primary' as outcome_kind, outcomes_json -> '$.primaryOutcomes' as outcomes
    from studies
    union all
    select document_id, record_id, 'secondary' as outcome_kind, outcomes_json -> '$.secondaryOutcomes' as outcomes
    from studies
    union all
    select document_id, record_id, 'other' as outcome_kind, outcomes_json -> '$.otherOutcomes' as outcomes
    from studies

),

outcomes as (

    select
        outcome_lists.document_id,
        outcome_lists.record_id,
        outcome_lists.outcome_kind,
        outcome.ordinal as outcome_ordinal,
        outcome.item

    from outcome_lists,
        unnest(
            from_json(
                outcome_lists.outcomes,
                '[{"measure": "VARCHAR", "description": "VARCHAR", "timeFrame": "VARCHAR"}]'
            )
        ) with ordinality as outcome(item, ordinal)

),

renamed as (

    select
        document_id,
        record_id,
        outcome_kind,
        outcome_ordinal::integer as outcome_ordinal,
        item.measure as measure,
        item.timeFrame as time_frame,
        item.description as description

    from outcomes

)

select * from renamed
