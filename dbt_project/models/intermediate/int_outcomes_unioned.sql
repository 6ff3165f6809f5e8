with

records as (

    select * from {{ ref('int_trial_records_normalized') }}
    where {{ changed_since_last_build() }}

),

ctgov_outcomes as (

    {{ rows_of(ref('stg_ctgov__outcomes'), 'document_id', 'records') }}

),

page_outcomes as (

    {{ rows_of(ref('stg_pages__outcomes'), 'document_id', 'records') }}

),

unioned as (

    select * from ctgov_outcomes
    union all by name
    select * from page_outcomes

),

current_outcomes as (

    select
        md5(concat_ws('|', unioned.record_id, unioned.outcome_kind, unioned.outcome_ordinal)) as outcome_id,
        unioned.record_id,
        lower(unioned.outcome_kind) as outcome_kind,
        unioned.outcome_ordinal,
        unioned.measure,
        unioned.time_frame,
        unioned.description

    from unioned
    inner join records
        on unioned.document_id = records.document_id

),

final as (

    select * from current_outcomes
    {{ parent_markers('records') }}

)

select * from final
