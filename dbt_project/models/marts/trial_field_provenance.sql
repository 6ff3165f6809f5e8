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
        {% for field in merged_trial_fields() -%}
        cast({{ field }} as varchar) as {{ field }}{{ "," if not loop.last }}
        {% endfor %}

    from records

),

field_values as (

    -- one row per record and stated field, in one pass (unpivot leaves out NULL values)
    unpivot ranked
    on {{ merged_trial_fields() | join(', ') }}
    into name field value value

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
        precedence_rank = min(precedence_rank) over (partition by trial_id, field) as is_chosen

    from field_values

),

final as (

    select * from provenance
    {{ parent_markers('changed_trials', 'trial_id') }}

)

select * from final
