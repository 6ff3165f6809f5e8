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

{#-
    Each distinct value of `column` in `relation` once (`stated_value`), mapped through a seed
    (`mapped_value`; a value the seed does not know in the enum spelling). For the many rows that
    state a few distinct values: the model joins its rows to this on the value, instead of
    evaluating the key's regular expression on every row.
-#}
{% macro distinct_values_mapped(relation, column, map, map_key, map_value) -%}
    select
        stated.{{ column }} as stated_value,
        coalesce({{ map }}.{{ map_value }}, {{ enum_spelling('stated.' ~ column) }}) as mapped_value

    from (select distinct {{ column }} from {{ relation }}) as stated
    left join {{ map }}
        on {{ normalized_key('stated.' ~ column) }} = {{ map }}.{{ map_key }}
{%- endmacro %}
