{#-
    The long free-text columns of a record, which the cleaned layer leaves in staging
    (int_trial_records_unioned) and trial_records joins back by document.
-#}
{% macro record_texts() -%}
    brief_summary, detailed_description, eligibility_text
{%- endmacro %}

{#-
    Those texts as staging holds them, one row per document (ClinicalTrials.gov study or page) of
    `keys` (a relation with a `document_id` column), found by row id in an incremental build.
-#}
{% macro staged_record_texts(keys, columns=record_texts()) -%}
    select document_id, {{ columns }}
    from ({{ rows_of(ref('stg_ctgov__studies'), 'document_id', keys) }})
    union all
    select document_id, {{ columns }}
    from ({{ rows_of(ref('stg_pages__records'), 'document_id', keys) }})
{%- endmacro %}
