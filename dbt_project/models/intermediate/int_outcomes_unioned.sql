with

records as (

    -- the records whose document arrived since the last build: one fetched again unchanged keeps its rows
    select * from {{ ref('int_trial_records_normalized') }}
    where {{ changed_since_last_build() }}
        and {{ document_changed_since_last_build(ref('int_record_versions')) }}

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
