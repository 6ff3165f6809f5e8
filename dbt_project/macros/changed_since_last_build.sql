{#-
    The nightly increment. The pipeline passes `since_load_id`: the newest load the last successful
    build covered (ingest/build_log.py). An incremental model then rebuilds only the rows of records
    sighted in later loads (their `changed_in_load`), and of the trials those records belong or
    belonged to. A first build, a full refresh, or a run without the variable builds everything.
-#}
{% macro changed_since_last_build(column='changed_in_load') -%}
    {%- if is_incremental() -%}
        {{ column }} > {{ var('since_load_id', -1) | int }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#-
    Marker rows for the `replace_parents` strategy: in an incremental build, one row per changed
    parent (record or trial) with every other column NULL, so a parent left with no rows (a record
    that lost its last arm) still has its old rows deleted.
-#}
{% macro parent_markers(parents, parent_key='record_id') -%}
    {%- if is_incremental() %}
    union all by name
    select {{ parent_key }} from {{ parents }}
    {%- endif -%}
{%- endmacro %}
