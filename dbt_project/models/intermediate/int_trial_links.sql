{#-
    Which trial each record belongs to, by which rule, on what evidence.

    1. nct_id: the record states an NCT ID (page header, identifiers, the URL path) — it decides.
    2. identifier: no NCT ID, but another identifier (org study id, secondary id) of exactly one
       registry-identified trial.
    3. title: no NCT ID, but its normalised brief or official title equals a title of exactly one
       NCT-identified trial, and the lead sponsors do not contradict each other.
    4. unlinked: none of the above — the record is its own trial until a better record arrives.
    Shared eligibility text or investigators never link records: different trials reuse them.

    Links are decided over all records every build (a changed record can link or unlink others), but
    only rows that changed are rewritten: the record changed, or its link did. Those rows get the
    build's newest load as `changed_in_load`, and `previous_trial_ids` keeps the trials they left,
    so the trial marts rebuild exactly the trials whose records moved.
-#}
with

record_keys as (

    select * from {{ ref('int_trial_record_keys') }}

),

identified_titles as (

    select distinct
        record_keys.nct_id,
        record_keys.sponsor_key,
        unnest(record_keys.title_keys) as title_key

    from record_keys
    where record_keys.nct_id is not null

),

identified_identifiers as (

    select distinct
        record_keys.nct_id,
        unnest(record_keys.identifiers) as identifier

    from record_keys
    where record_keys.nct_id is not null

),

unidentified as (

    select * from record_keys
    where nct_id is null

),

title_candidates as (

    select
        unidentified.record_id,
        identified_titles.nct_id,
        identified_titles.title_key,
        unidentified.sponsor_key is not null
            and identified_titles.sponsor_key is not null as sponsor_agrees

    from unidentified,
        unnest(unidentified.title_keys) as keys(title_key)
    inner join identified_titles
        on keys.title_key = identified_titles.title_key
    where unidentified.sponsor_key is null
        or identified_titles.sponsor_key is null
        or unidentified.sponsor_key = identified_titles.sponsor_key

),

title_links as (

    select
        record_id,
        min(nct_id) as nct_id,
        count(distinct nct_id) as candidate_trials,
        min(title_key) as title_key,
        bool_or(sponsor_agrees) as sponsor_agrees

    from title_candidates
    group by record_id

),

identifier_candidates as (

    select
        unidentified.record_id,
        identified_identifiers.nct_id,
        identified_identifiers.identifier

    from unidentified,
        unnest(unidentified.identifiers) as ids(identifier)
    inner join identified_identifiers
        on ids.identifier = identified_identifiers.identifier

),

identifier_links as (

    select
        record_id,
        min(nct_id) as nct_id,
        count(distinct nct_id) as candidate_trials,
        min(identifier) as identifier

    from identifier_candidates
    group by record_id

),

links as (

    select
        record_keys.record_id,
        case
            when record_keys.nct_id is not null then record_keys.nct_id
            when identifier_links.candidate_trials = 1 then identifier_links.nct_id
            when title_links.candidate_trials = 1 then title_links.nct_id
            else 'UNLINKED-' || left(record_keys.record_id, 12)
        end as trial_id,
        case
            when record_keys.nct_id is not null then 'nct_id'
            when identifier_links.candidate_trials = 1 then 'identifier'
            when title_links.candidate_trials = 1 then 'title'
            else 'unlinked'
        end as link_rule,
        case
            when record_keys.nct_id is not null
                then 'the record states ' || record_keys.nct_id
            when identifier_links.candidate_trials = 1
                then 'identifier ' || identifier_links.identifier || ' is also stated by ' || identifier_links.nct_id
            when title_links.candidate_trials = 1
                then 'title "' || title_links.title_key || '" matches ' || title_links.nct_id
                    || case when title_links.sponsor_agrees then ' and so does the lead sponsor' else '' end
            when title_links.candidate_trials > 1
                then 'title "' || title_links.title_key || '" matches ' || title_links.candidate_trials
                    || ' trials: ambiguous, not linked'
            when identifier_links.candidate_trials > 1
                then 'identifier ' || identifier_links.identifier || ' matches '
                    || identifier_links.candidate_trials || ' trials: ambiguous, not linked'
            else 'no NCT ID, identifier or title in common with an identified trial'
        end as link_evidence

    from record_keys
    left join title_links
        on record_keys.record_id = title_links.record_id
    left join identifier_links
        on record_keys.record_id = identifier_links.record_id

),

{% if is_incremental() -%}
previous_links as (

    select * from {{ this }}

),

{% endif -%}

final as (

    select
        links.*,
        (select max(changed_in_load) from record_keys) as changed_in_load,
        {% if is_incremental() -%}
        list_distinct(list_concat(
            case
                when {{ changed_since_last_build('previous_links.changed_in_load') }}
                    then previous_links.previous_trial_ids
                else []
            end,
            case
                when previous_links.trial_id <> links.trial_id then [previous_links.trial_id]
                else []
            end
        )) as previous_trial_ids
        {%- else -%}
        []::varchar[] as previous_trial_ids
        {%- endif %}

    from links
    {% if is_incremental() -%}
    inner join record_keys
        on links.record_id = record_keys.record_id
    left join previous_links
        on links.record_id = previous_links.record_id
    where {{ changed_since_last_build('record_keys.changed_in_load') }}
        -- rewritten by a build that did not finish: rewrite again so the marts catch up
        or {{ changed_since_last_build('previous_links.changed_in_load') }}
        or previous_links.record_id is null
        or previous_links.trial_id <> links.trial_id
        or previous_links.link_rule <> links.link_rule
        or previous_links.link_evidence <> links.link_evidence
    {%- endif %}

)

select * from final
