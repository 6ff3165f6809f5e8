{#-
    One row per trial. Each field comes from the best record that states it: ClinicalTrials.gov
    (API or bulk) before republished pages, and among equals the newest capture.
-#}
{%- set merged_fields = [
    'nct_id', 'title', 'official_title', 'acronym', 'overall_status', 'phases', 'enrollment',
    'enrollment_type', 'study_type', 'start_date', 'start_date_precision', 'primary_completion_date',
    'primary_completion_date_precision', 'completion_date', 'completion_date_precision',
    'last_update_date', 'lead_sponsor', 'min_age_years', 'max_age_years', 'sex',
    'healthy_volunteers', 'conditions', 'arms_count', 'sites_count'
] -%}

with

records as (

    select * from {{ ref('trial_records') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by trial_id
            order by case record_origin when 'ctgov' then 1 else 2 end, fetched_at desc, record_id
        ) as precedence_rank

    from records

),

merged as (

    select
        trial_id,
        {% for field in merged_fields -%}
        first({{ field }} order by precedence_rank) filter (where {{ field }} is not null) as {{ field }},
        {% endfor -%}
        count(*) as records_count,
        list(distinct source_name order by source_name) as source_names,
        max(fetched_at) as last_fetched_at

    from ranked
    group by trial_id

),

final as (

    select * from merged

)

select * from final
