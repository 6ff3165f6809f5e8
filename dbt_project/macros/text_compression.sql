{#-
    Compression for the models that write free text (the anchor `&long_texts` in dbt_project.yml): zstd
    instead of DuckDB's automatic choice while the model writes, then the automatic choice again.
-#}
{% macro compress_long_texts() -%}
    set force_compression = 'zstd'
{%- endmacro %}

{% macro compress_automatically() -%}
    reset force_compression
{%- endmacro %}
