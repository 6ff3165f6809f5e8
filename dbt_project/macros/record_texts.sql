{#-
    The long free-text columns of a record, which the cleaned layer leaves in staging
    (int_trial_records_unioned) and trial_records joins back by document.
-#}
{% macro record_texts() -%}
    brief_summary, detailed_description, eligibility_text
{%- endmacro %}
