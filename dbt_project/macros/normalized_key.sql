{#- Lookup key for the mapping seeds: lower case, punctuation and spacing folded to single spaces. -#}
{% macro normalized_key(expression) -%}
    nullif(trim(regexp_replace(lower({{ expression }}), '[^a-z0-9]+', ' ', 'g')), '')
{%- endmacro %}
