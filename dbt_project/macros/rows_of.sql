{#-
    `select *` of the rows of `relation` whose `key` is among the `key` values of `keys` (a CTE or
    table), in an incremental build; every row in a first or full build (the join after it picks).

    A night's keys are few, and the rows it needs were mostly written by the same night's loads and
    builds, at the end of their tables. So the row ids are found on the key column alone first, and
    the rows fetched by row id: DuckDB then reads only the row groups between the lowest and highest
    id instead of every column of every row (a join on the wide staged studies read all 500,000 of
    them for 5,000 changed ones).

    The fetch is a materialized CTE of its own, which DuckDB plans apart from the query around it.
    Inline, the optimizer moved the model's next join (`inner join links`) below the fetch and
    made the wide table the join's build side: the row-id filter then came too late to skip row
    groups, and `arms` read 280 MB cold at 500,000 studies for 11,920 rows (78 MB with the fence;
    BENCHMARKS.md item 59).
-#}
{% macro rows_of(relation, key, keys) -%}
    {%- if is_incremental() -%}
    with found_rows as materialized (
        select * from {{ relation }}
        where {{ row_ids_where(relation, key ~ ' in (select ' ~ key ~ ' from ' ~ keys ~ ')') }}
    )
    select * from found_rows
    {%- else -%}
    select * from {{ relation }}
    {%- endif %}
{%- endmacro %}


{#- The rows of `relation` that match `condition`, as a filter on their row ids: the condition reads
    its own columns, the query around it only the row groups that hold the ids it found. -#}
{% macro row_ids_where(relation, condition) -%}
    rowid in (select rowid from {{ relation }} where {{ condition }})
{%- endmacro %}
