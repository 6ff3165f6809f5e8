{#-
    Trials to rebuild: those of the records whose link rows changed, and those the records left
    (`previous_trial_ids`). `changed` is the filter on int_trial_links: by default the model's own
    increment (every trial in a first or full build).
-#}
{% macro changed_trial_ids(changed=none) -%}
    {%- set changed = changed or changed_since_last_build() -%}
    select trial_id from {{ ref('int_trial_links') }}
    where {{ changed }}
    union
    select unnest(previous_trial_ids) as trial_id from {{ ref('int_trial_links') }}
    where {{ changed }}
{%- endmacro %}
