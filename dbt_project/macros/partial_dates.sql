{#-
    Registries state dates at day, month or year precision ("2024-10-30", "2024-10", "May 1, 2025",
    "Sep 25, 2023", "June 2025", "2024"). A partial date is stored as its first day, with its precision
    beside it, so nothing is invented and comparisons still work.
-#}
{% macro parse_partial_date(expression) -%}
    coalesce(
        try_strptime(trim({{ expression }}), '%Y-%m-%d'),
        try_strptime(trim({{ expression }}), '%Y-%m'),
        try_strptime(trim({{ expression }}), '%B %d, %Y'),
        try_strptime(trim({{ expression }}), '%b %d, %Y'),
        try_strptime(trim({{ expression }}), '%B %d %Y'),
        try_strptime(trim({{ expression }}), '%b %d %Y'),
        try_strptime(trim({{ expression }}), '%d %B %Y'),
        try_strptime(trim({{ expression }}), '%d %b %Y'),
        try_strptime(trim({{ expression }}), '%B %Y'),
        try_strptime(trim({{ expression }}), '%b %Y'),
        try_strptime(trim({{ expression }}), '%B, %Y'),
        try_strptime(trim({{ expression }}), '%Y')
    )::date
{%- endmacro %}

{% macro partial_date_precision(expression) -%}
    case
        when {{ parse_partial_date(expression) }} is null then null
        when regexp_matches(trim({{ expression }}), '^\d{4}$') then 'year'
        when regexp_matches(trim({{ expression }}), '^\d{4}-\d{1,2}$') then 'month'
        when regexp_matches(trim({{ expression }}), '^[A-Za-z]+,? \d{4}$') then 'month'
        else 'day'
    end
{%- endmacro %}
