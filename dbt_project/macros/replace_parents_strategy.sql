{#-
    Incremental strategy `replace_parents`, for tables whose rows belong to a parent (a record's
    arms, a trial's provenance): every parent in the new rows has all its old rows replaced. Rows
    whose `row_key` is NULL are markers (see `parent_markers`): they delete and are not inserted.
    Configure `parent_key` and `row_key` on the model.
-#}
{% macro get_incremental_replace_parents_sql(arg_dict) -%}
    {%- set parent_key = config.require('parent_key') -%}
    {%- set row_key = config.require('row_key') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ parent_key }} in (select {{ parent_key }} from {{ arg_dict['temp_relation'] }});

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
    where {{ row_key }} is not null
{%- endmacro %}
