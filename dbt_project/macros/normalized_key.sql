{#- Lookup key for the mapping seeds: lower case, punctuation and spacing folded to single spaces. -#}
{% macro normalized_key(expression) -%}
    nullif(trim(regexp_replace(lower({{ expression }}), '[^a-z0-9]+', ' ', 'g')), '')
{%- endmacro %}

{#- An unmapped value in the registry enums' spelling ("Almost done" → ALMOST_DONE), NULL when blank. -#}
{% macro enum_spelling(expression) -%}
    nullif(upper(trim(regexp_replace(trim({{ expression }}), '[^A-Za-z0-9]+', '_', 'g'), '_')), '')
{%- endmacro %}

{#-
    Title key for linking records without an NCT ID: case, punctuation and spacing folded, and a
    trailing acronym in parentheses ("… Lupus Nephritis in Children (CAR-T)") dropped.
-#}
{% macro normalized_title(expression) -%}
    nullif(trim(regexp_replace(
        lower(regexp_replace(trim({{ expression }}), '\s*\([^()]*\)\s*$', '')),
        '[^a-z0-9]+', ' ', 'g'
    )), '')
{%- endmacro %}
