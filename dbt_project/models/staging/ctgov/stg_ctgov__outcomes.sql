with

studies as (

    -- only the columns used: this CTE is read three times, and DuckDB materialises such a CTE
    select document_id, record_id, outcomes_module from {{ ref('stg_ctgov__studies') }} as arriving
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id', 'arriving') }}

),

outcome_lists as (

    select document_id, record_id, 'primary' as outcome_kind, outcomes_module.primaryOutcomes as outcomes
    from studies
    union all
    select document_id, record_id, 'secondary' as outcome_kind, outcomes_module.secondaryOutcomes as outcomes
    from studies
    union all
    select document_id, record_id, 'other' as outcome_kind, outcomes_module.otherOutcomes as outcomes
    from studies

),

outcomes as (

    -- unnested in the select list, beside its ordinal: a lateral join (`from outcome_lists,
    -- unnest(...)`) took two to three times as long at 500,000 studies
    select
        document_id,
        record_id,
        outcome_kind,
        generate_subscripts(outcomes, 1) as outcome_ordinal,
        unnest(outcomes) as item

    from outcome_lists

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
