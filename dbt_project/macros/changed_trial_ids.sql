{#-
    Trials to rebuild: those of the records whose link rows changed, and those the records left
    (`previous_trial_ids`). `changed` is the filter on int_trial_links: by default the model's own
    increment (every trial in a first or full build). `links` is int_trial_links' relation, for
    callers that must not `ref` it (a data test's filter, see get_where_subquery.sql).
-#}
{% macro changed_trial_ids(changed=none, links=none) -%}
    {%- set changed = changed or changed_since_last_build() -%}
    {%- set links = links or ref('int_trial_links') -%}
    select trial_id from {{ links }}
    where {{ changed }}
    union
    select unnest(previous_trial_ids) as trial_id from {{ links }}
    where {{ changed }}
{%- endmacro %}
