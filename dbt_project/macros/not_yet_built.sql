{#-
    The filter of the models that build each row once, ever (immutable documents, distinct texts):
    on an incremental run, only keys not yet in the model's table; on a first or full-refresh build,
    every row.
-#}
{% macro not_yet_built(key='document_id') -%}
    {%- if is_incremental() -%}
        {{ key }} not in (select {{ key }} from {{ this }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
