{#-
    Which record wins a trial's field: ClinicalTrials.gov (API or bulk) before republished pages,
    then the newest capture, then the record id so ties break the same way on every build. The
    newest capture is the record whose current content was first seen on the latest run date
    (`captured_on`), and among those the one fetched last: a night re-fetches unchanged pages too,
    and its fetches run side by side, so the fetch time alone would let an unchanged page seen
    that night outrank a page first captured that night, depending on which fetch finished first.
-#}
{% macro record_precedence_order() -%}
    case record_origin when 'ctgov' then 1 else 2 end, captured_on desc, fetched_at desc, record_id
{%- endmacro %}

{#- The trial fields merged field by field from a trial's records (trials, provenance, conflicts). -#}
{% macro merged_trial_fields() -%}
    {{ return([
        'nct_id', 'title', 'official_title', 'acronym', 'overall_status', 'phases', 'enrollment',
        'enrollment_type', 'study_type', 'start_date', 'start_date_precision', 'primary_completion_date',
        'primary_completion_date_precision', 'completion_date', 'completion_date_precision',
        'last_update_date', 'lead_sponsor', 'min_age_years', 'max_age_years', 'sex',
        'healthy_volunteers', 'conditions', 'arms_count', 'sites_count'
    ]) }}
{%- endmacro %}
