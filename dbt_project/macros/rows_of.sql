{#-
    `select *` of the rows of `relation` whose `key` is among the `key` values of `keys` (a CTE or
    table), in an incremental build; every row in a first or full build (the join after it picks).

    A night's keys are few, and the rows it needs were mostly written by the same night's loads and
    builds, at the end of their tables. So the row ids are found on the key column alone first, and
    the rows fetched by row id: DuckDB then reads only the row groups between the lowest and highest
    id instead of every column of every row (a join on the wide staged studies read all 500,000 of
    them for 5,000 changed ones).
-#}
{% macro rows_of(relation, key, keys) -%}
    select * from {{ relation }}
    {%- if is_incremental() %}
    where rowid in (
        select rowid from {{ relation }}
        where {{ key }} in (select {{ key }} from {{ keys }})
    )
    {%- endif %}
{%- endmacro %}
