with

records as (

    select * from {{ ref('int_trial_records_normalized') }}

),

ctgov_arms as (

    select * from {{ ref('stg_ctgov__arms') }}

),

page_arms as (

    select * from {{ ref('stg_pages__arms') }}

),

unioned as (

    select * from ctgov_arms
    union all by name
    select * from page_arms

),

current_arms as (

    select
        md5(concat_ws('|', unioned.record_id, unioned.arm_ordinal)) as arm_id,
        unioned.record_id,
        unioned.arm_ordinal,
        unioned.label,
        upper(regexp_replace(trim(unioned.arm_type), '[^A-Za-z]+', '_', 'g')) as arm_type,
        unioned.description,
        unioned.intervention_names

    from unioned
    inner join records
        on unioned.document_id = records.document_id

)

select * from current_arms
