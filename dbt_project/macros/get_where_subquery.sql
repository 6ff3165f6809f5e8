{#-
    Data tests of a nightly build check only the rows that build wrote (dbt's documented hook for
    custom `where` logic). dbt_project.yml sets `where: __rows_of_this_build__` on every data test;
    this macro turns it into the filter that fits the tested model's increment:

    - ClinicalTrials.gov staging (each document appended once): the documents of later loads;
    - models rewritten per record (`unique_key` or `parent_key` record_id): the records whose
      version or link changed in this build;
    - models rewritten per trial (`parent_key` trial_id): the trials those records belong or
      belonged to (as `changed_trial_ids`);
    - models whose rows carry the load that wrote them, a documented `changed_in_load` (`criteria`,
      which rewrites fewer records than changed) or `load_id` column (`stg_raw__sightings`, a view of
      the fetch log, whose primary key keeps a new sighting from repeating an old one): the rows of
      a later load;
    - anything else (views, tables, texts keyed on their hash): every row.

    On an incremental table the filter finds the rows' ids on its own columns first and the test
    reads its columns for those row ids only (as `rows_of`): the rows a build wrote are at the end
    of the table, so DuckDB skips the row groups before the lowest id instead of reading the tested
    column whole (`unique` on `int_sites_normalized.site_id` read 174 MB from disk a cold night).

    Every tested key embeds its parent (a criterion's id hashes its record id), and a build rewrites
    all rows of each parent it touches, so a duplicate can only arise among the rows it wrote. A
    first build or a full refresh tests every row.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where == '__rows_of_this_build__' -%}
        {%- set node_id = model.get('attached_node') -%}
        {%- set where = rows_of_this_build(node_id) -%}
        {%- if where and graph.nodes[node_id].config.materialized == 'incremental' -%}
            {#- as `rows_of`: the filter reads its key column, the test the rows it found by row id -#}
            {%- set where = row_ids_where(relation, where) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{#- The filter for the rows a build wrote into `node_id` ('' when that is every row). -#}
{% macro rows_of_this_build(node_id) -%}
    {%- if not execute or flags.FULL_REFRESH or not node_id -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set since = since_load_id() -%}
    {%- if since < 0 -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set node = graph.nodes[node_id] -%}
    {%- set config = node.config -%}
    {%- if node.resource_type != 'model' -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- for written_in in ['changed_in_load', 'load_id'] -%}
        {%- if written_in in node.columns -%}
            {%- do return(written_in ~ ' > ' ~ since) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if config.materialized != 'incremental' -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- if config.incremental_strategy == 'replace_parents' -%}
        {%- set key = config.get('parent_key') -%}
    {%- else -%}
        {%- set key = config.get('unique_key') -%}
    {%- endif -%}
    {%- set changed = 'changed_in_load > ' ~ since -%}
    {%- set links = _relation_of('model.trialwh.int_trial_links') -%}
    {%- if config.incremental_strategy == 'append' or key == 'document_id' -%}
        {%- do return(
            'document_id in (select document_id from ' ~ _relation_of('source.trialwh.ctgov.documents')
            ~ ' where load_id > ' ~ since ~ ')'
        ) -%}
    {%- elif key == 'record_id' -%}
        {%- do return(
            'record_id in (select record_id from ' ~ _relation_of('model.trialwh.int_record_versions')
            ~ ' where ' ~ changed ~ ' union select record_id from ' ~ links ~ ' where ' ~ changed ~ ')'
        ) -%}
    {%- elif key == 'trial_id' -%}
        {%- do return('trial_id in (' ~ changed_trial_ids(changed, links) ~ ')') -%}
    {%- endif -%}
    {%- do return('') -%}
{%- endmacro %}


{#- A node's relation, looked up without `ref`: a test must not depend on a second model. -#}
{% macro _relation_of(unique_id) -%}
    {%- set node = graph.sources[unique_id] if unique_id.startswith('source.') else graph.nodes[unique_id] -%}
    {%- do return(api.Relation.create(
        database=node.database, schema=node.schema, identifier=node.identifier or node.alias
    )) -%}
{%- endmacro %}
