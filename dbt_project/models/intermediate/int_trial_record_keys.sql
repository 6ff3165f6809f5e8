{#-
    The keys `int_trial_links` matches records on, folded once per record version: folding the titles
    and sponsors of every record again each night was most of the nightly link decision.
-#}
with

records as (

    select
        record_id,
        changed_in_load,
        nct_id,
        lead_sponsor,
        brief_title,
        official_title,
        org_study_id,
        secondary_ids

    from {{ ref('int_trial_records_normalized') }}
    where {{ changed_since_last_build() }}

),

final as (

    select
        record_id,
        changed_in_load,
        nct_id,
        {{ normalized_key('lead_sponsor') }} as sponsor_key,
        list_sort(list_distinct(list_filter(
            [{{ normalized_title('brief_title') }}, {{ normalized_title('official_title') }}],
            lambda title: title is not null
        ))) as title_keys,
        list_sort(list_distinct(list_filter(
            list_concat([org_study_id], secondary_ids),
            lambda identifier: identifier is not null and not regexp_matches(identifier, '^NCT\d{8}$')
        ))) as identifiers

    from records

)

select * from final
