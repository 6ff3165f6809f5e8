{#-
    Every stated value of every merged field of every trial, one row per record and field, with the
    record's precedence and whether it supplied the value shown in `trials`.
-#}
with

changed_trials as (

    {{ changed_trial_ids() }}

),

records as (

    {{ rows_of(ref('trial_records'), 'trial_id', 'changed_trials') }}

),

ranked as (

    select
        trial_id,
        record_id,
        source_name,
        source_url,
        record_origin,
        fetched_at,
        row_number() over (partition by trial_id order by {{ record_precedence_order() }}) as precedence_rank,
        count(*) over (partition by trial_id) as trial_records_count,
        {% for field in merged_trial_fields() -%}
        cast({{ field }} as varchar) as {{ field }}{{ "," if not loop.last }}
        {% endfor %}

    from records

),

single_record_chosen as (

    -- a trial of one record (~99% of them at 500,000 studies): that record supplies every field it
    -- states, with no window to compute
    select
        * exclude (trial_records_count),
        {% for field in merged_trial_fields() -%}
        case when {{ field }} is not null then true end as {{ field }}__is_chosen{{ "," if not loop.last }}
        {% endfor %}

    from ranked
    where trial_records_count = 1

),

shared_chosen as (

    -- which record supplies each field: the first in precedence order that states it (NULL where
    -- the record states nothing, so that the unpivot leaves the pair out). One window per trial
    -- here, on the records, instead of one per trial and field on the unpivoted rows (~22 per
    -- record), which took half of this model's time at 500,000 studies.
    select
        * exclude (trial_records_count),
        {% for field in merged_trial_fields() -%}
        case
            when {{ field }} is not null
                then precedence_rank = min(precedence_rank) filter (where {{ field }} is not null)
                    over (partition by trial_id)
        end as {{ field }}__is_chosen{{ "," if not loop.last }}
        {% endfor %}

    from ranked
    where trial_records_count > 1

),

chosen as (

    select * from single_record_chosen
    union all
    select * from shared_chosen

),

field_values as (

    -- one row per record and stated field, in one pass (unpivot leaves out NULL values)
    unpivot chosen
    on
        {% for field in merged_trial_fields() -%}
        ({{ field }}, {{ field }}__is_chosen) as {{ field }}{{ "," if not loop.last }}
        {% endfor %}
    into name field value value, is_chosen

),

provenance as (

    select
        md5(concat_ws('|', trial_id, field, record_id)) as provenance_id,
        trial_id,
        field,
        value,
        record_id,
        source_name,
        source_url,
        record_origin,
        fetched_at,
        precedence_rank,
        is_chosen

    from field_values

),

final as (

    select * from provenance
    {{ parent_markers('changed_trials', 'trial_id') }}

)

select * from final
