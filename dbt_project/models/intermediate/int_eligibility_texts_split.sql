{#-
    Each distinct eligibility text split once into its criteria, by the Python splitter
    `ingest.pages.split_criteria` (the DuckDB function `split_criteria`, vectorised and spread over
    worker processes by `ingest.dbt_plugin`), so ClinicalTrials.gov records and pages share one
    implementation. Incremental on the text's hash: a night splits only the texts it has not seen
    before, not every record's again.
-#}
with

records as (

    select * from {{ ref('int_trial_records_normalized') }}
    where eligibility_text is not null and {{ changed_since_last_build() }}

),

texts as (

    select
        md5(eligibility_text) as eligibility_text_id,
        any_value(eligibility_text) as eligibility_text

    from records
    group by 1

),

new_texts as (

    select * from texts
    where {{ not_yet_built('eligibility_text_id') }}

),

final as (

    select
        eligibility_text_id,
        split_criteria(eligibility_text) as criteria

    from new_texts

)

select * from final
