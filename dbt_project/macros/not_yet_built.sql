{#-
    The filter of the models that build each row once, ever (immutable documents, distinct texts):
    on an incremental run, only keys not yet in the model's table; on a first or full-refresh build,
    every row. `arriving` names the relation the filtered query reads (its alias).

    An anti-join (`not exists`), not `not in`: `not in` must treat NULL keys specially, so DuckDB
    hashed every key of the model's table for the few arriving ones (0.35-0.9 s a model at 500,000
    studies, every night); `not exists` hashes the arriving keys and probes the table with them
    (0.02 s).
-#}
{% macro not_yet_built(key, arriving) -%}
    {%- if is_incremental() -%}
        not exists (select 1 from {{ this }} as built where built.{{ key }} = {{ arriving }}.{{ key }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
