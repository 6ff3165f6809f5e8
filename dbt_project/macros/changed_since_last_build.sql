{#-
    The nightly increment. A build covers the loads after the newest one the last successful build
    covered: `raw.build_log`, written by the pipeline (ingest/build_log.py) once a whole build has
    passed, so every model and test of one build reads the same value. An incremental model then
    rebuilds only the rows of records sighted in later loads (their `changed_in_load`), and of the
    trials those records belong or belonged to. A first build or a full refresh builds everything.

    The value is read when the build runs, not passed as a variable: a variable that changes every
    night would make dbt parse the whole project again in every run (and in every Cosmos task).
    `--vars '{since_load_id: N}'` still overrides it by hand. `ingest.pipeline.transform` has read
    the log before it starts dbt and passes the value as `TRIALWH_SINCE_LOAD_ID` (read at run time
    only, so no parse depends on it): otherwise every model and test queried the log again, 175
    queries a night. Cosmos' tasks, which do not pass it, query the log.
-#}
{% macro since_load_id() -%}
    {%- if var('since_load_id', none) is not none -%}
        {%- do return(var('since_load_id') | int) -%}
    {%- endif -%}
    {%- if not execute -%}
        {%- do return(-1) -%}
    {%- endif -%}
    {%- set planned = env_var('TRIALWH_SINCE_LOAD_ID', '') -%}
    {%- if planned != '' -%}
        {%- do return(planned | int) -%}
    {%- endif -%}
    {%- set built = run_query(
        "select coalesce(max(through_load_id), -1) from raw.build_log where step = 'transform'"
    ) -%}
    {%- do return(built.columns[0].values()[0] | int) -%}
{%- endmacro %}

{% macro changed_since_last_build(column='changed_in_load') -%}
    {%- if is_incremental() -%}
        {{ column }} > {{ since_load_id() }}
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

{#-
    In an incremental build, `column` is a record whose current document arrived in a later load
    (`versions`: int_record_versions, passed in so the calling model depends on it), not a record
    merely fetched again. A first build or a full refresh: every record.
-#}
{% macro document_changed_since_last_build(versions, column='record_id') -%}
    {%- if is_incremental() -%}
        {{ column }} in (
            select record_id from {{ versions }}
            where document_changed_in_load > {{ since_load_id() }}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
