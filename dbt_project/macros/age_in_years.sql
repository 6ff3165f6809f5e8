{#-
    Age limits as registries and sites write them: "18 Years", "6 Months", "6" (years), "5+ years old",
    "18 to 70 years old". `bound` picks the lower or upper limit of a range; an open range ("5+",
    "65 and older") has no upper limit. Units are converted through the `age_unit_map` seed.
-#}
{% macro age_number(expression, bound) -%}
    case
        when regexp_matches(lower({{ expression }}), '\d+(\.\d+)?\s*(to|-|–)\s*\d+')
            then try_cast(regexp_extract(
                lower({{ expression }}),
                '(\d+(?:\.\d+)?)\s*(?:to|-|–)\s*(\d+(?:\.\d+)?)',
                {{ 1 if bound == 'min' else 2 }}
            ) as double)
        {% if bound == 'max' -%}
        when regexp_matches(lower({{ expression }}), '\d\s*\+|and (older|over|above)|or (older|over|above)')
            then null
        {%- endif %}
        else try_cast(regexp_extract({{ expression }}, '(\d+(?:\.\d+)?)', 1) as double)
    end
{%- endmacro %}

{% macro age_unit_key(expression) -%}
    coalesce(
        nullif(regexp_extract(lower({{ expression }}), '(years?|yrs?|months?|mo|weeks?|wk|days?|hours?|minutes?)\b', 1), ''),
        'years'
    )
{%- endmacro %}
