{#-
    Trials to rebuild in an incremental build: those of the records whose link rows changed, and
    those the records left (`previous_trial_ids`). Every trial in a first or full build.
-#}
{% macro changed_trial_ids() -%}
    select trial_id from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}
    union
    select unnest(previous_trial_ids) as trial_id from {{ ref('int_trial_links') }}
    where {{ changed_since_last_build() }}
{%- endmacro %}

{#- Keep only the rows of the changed trials in an incremental build (every row otherwise). -#}
{% macro of_changed_trials(column='trial_id') -%}
    {%- if is_incremental() -%}
        {{ column }} in (select trial_id from changed_trials)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
