{#- Per record: the trial it belongs to, the rule that linked it and the evidence. -#}
with

links as (

    select * from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}

),

records as (

    select record_id, source_name, source_url, nct_id from {{ ref('int_trial_records_normalized') }}

),

final as (

    select
        links.record_id,
        links.trial_id,
        links.link_rule,
        links.link_evidence,
        records.source_name,
        records.source_url,
        records.nct_id as stated_nct_id

    from links
    inner join records
        on links.record_id = records.record_id

)

select * from final
