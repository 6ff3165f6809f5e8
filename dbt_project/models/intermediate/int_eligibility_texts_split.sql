{#-
    Each distinct eligibility text split once into its criteria, by the Python splitter
    `ingest.pages.split_criteria` (the DuckDB function `split_criteria_batches`, vectorised and
    spread over worker processes by `ingest.dbt_plugin`), so ClinicalTrials.gov records and pages
    share one implementation. Incremental on the text's hash: a night splits only the texts it has
    not seen before, not every record's again.
-#}
{%- set texts_per_batch = 64 -%}
with

records as (

    select document_id, eligibility_text_id from {{ ref('int_trial_records_normalized') }}
    where eligibility_text_id is not null and {{ changed_since_last_build() }}

),

new_texts as (

    -- one document per text not split before
    select
        eligibility_text_id,
        any_value(document_id) as document_id

    from records
    where {{ not_yet_built('eligibility_text_id', 'records') }}
    group by 1

),

staged_texts as (

    -- the texts themselves stay in staging (int_trial_records_unioned)
    {{ staged_record_texts('new_texts', 'eligibility_text') }}

),

numbered_texts as (

    select
        *,
        (row_number() over () - 1) // {{ texts_per_batch }} as batch_number

    from new_texts

),

batches as (

    -- the splitter is called with a batch of texts per value (see ingest.dbt_plugin)
    select
        list({
            'eligibility_text_id': numbered_texts.eligibility_text_id,
            'eligibility_text': staged_texts.eligibility_text
        }) as texts

    from numbered_texts
    inner join staged_texts on numbered_texts.document_id = staged_texts.document_id
    group by numbered_texts.batch_number

),

final as (

    select
        unnest(list_transform(texts, lambda text: text.eligibility_text_id)) as eligibility_text_id,
        unnest(split_criteria_batches(list_transform(texts, lambda text: text.eligibility_text))) as criteria

    from batches

)

select * from final
