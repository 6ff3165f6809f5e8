{#-
    Registry vocabulary from every source mapped onto ClinicalTrials.gov's enums through the mapping
    seeds; dates and ages parsed. A value no mapping knows is kept in the enum's spelling
    (upper case, underscores) rather than dropped, so validation flags it and the seed can be
    extended; the raw form stays beside it.
-#}
with

records as (

    select * from {{ ref('int_trial_records_unioned') }}
    where {{ changed_since_last_build() }}

),

status_map as (select * from {{ ref('status_map') }}),
phase_map as (select * from {{ ref('phase_map') }}),
sex_map as (select * from {{ ref('sex_map') }}),
healthy_volunteers_map as (select * from {{ ref('healthy_volunteers_map') }}),
enrollment_type_map as (select * from {{ ref('enrollment_type_map') }}),
study_type_map as (select * from {{ ref('study_type_map') }}),
age_unit_map as (select * from {{ ref('age_unit_map') }}),
date_type_map as (select * from {{ ref('date_type_map') }}),
allocation_map as (select * from {{ ref('allocation_map') }}),
intervention_model_map as (select * from {{ ref('intervention_model_map') }}),
primary_purpose_map as (select * from {{ ref('primary_purpose_map') }}),
masking_map as (select * from {{ ref('masking_map') }}),

stated_phases as (

    -- a stated phase that is a phase on its own ("N/A", "Not Applicable") is not split on its "/"
    select
        records.record_id,
        stated.phase_text,
        case
            when whole.phase_key is not null then [stated.phase_text]
            else regexp_split_to_array(stated.phase_text, '\s*(?:/|,|\+|&|\band\b)\s*')
        end as tokens

    from records,
        unnest(records.phases) as stated(phase_text)
    left join phase_map as whole
        on {{ normalized_key('stated.phase_text') }} = whole.phase_key

),

phase_tokens as (

    select
        stated_phases.record_id,
        trim(token) as phase_token

    from stated_phases,
        unnest(stated_phases.tokens) as split(token)

),

phases_mapped as (

    select
        phase_tokens.record_id,
        coalesce(phase_map.phase, {{ enum_spelling('phase_tokens.phase_token') }}) as phase,
        min(coalesce(phase_map.phase_order, 99)) as phase_order

    from phase_tokens
    left join phase_map
        on {{ normalized_key('phase_tokens.phase_token') }} = phase_map.phase_key
    where phase_tokens.phase_token <> ''
    group by 1, 2

),

phases_per_record as (

    select
        record_id,
        list(phase order by phase_order) as phases

    from phases_mapped
    group by 1

),

normalized as (

    select
        records.* exclude (
            overall_status, phases, study_type, enrollment_type, sex, healthy_volunteers,
            start_date, primary_completion_date, completion_date, first_submitted_date,
            first_posted_date, last_update_date, current_as_of, min_age, max_age,
            start_date_type, primary_completion_date_type, completion_date_type,
            first_posted_date_type, last_update_date_type,
            allocation, intervention_model, primary_purpose, masking
        ),

        coalesce(status_map.overall_status, {{ enum_spelling('records.overall_status') }}) as overall_status,
        records.overall_status as overall_status_raw,
        phases_per_record.phases,
        records.phases as phases_raw,
        coalesce(study_type_map.study_type, {{ enum_spelling('records.study_type') }}) as study_type,
        coalesce(enrollment_type_map.enrollment_type, {{ enum_spelling('records.enrollment_type') }}) as enrollment_type,
        coalesce(sex_map.sex, {{ enum_spelling('records.sex') }}) as sex,
        healthy_volunteers_map.healthy_volunteers::boolean as healthy_volunteers,

        {% for date_column in [
            'start_date', 'primary_completion_date', 'completion_date', 'first_submitted_date',
            'first_posted_date', 'last_update_date', 'current_as_of'
        ] -%}
        {{ parse_partial_date('records.' ~ date_column) }} as {{ date_column }},
        {{ partial_date_precision('records.' ~ date_column) }} as {{ date_column }}_precision,
        {% endfor -%}

        {% for date_column in [
            'start_date', 'primary_completion_date', 'completion_date', 'first_posted_date', 'last_update_date'
        ] -%}
        coalesce(
            {{ date_column }}_type_map.date_type, {{ enum_spelling('records.' ~ date_column ~ '_type') }}
        ) as {{ date_column }}_type,
        {% endfor -%}

        coalesce(allocation_map.allocation, {{ enum_spelling('records.allocation') }}) as allocation,
        records.allocation as allocation_raw,
        coalesce(intervention_model_map.intervention_model, {{ enum_spelling('records.intervention_model') }})
            as intervention_model,
        records.intervention_model as intervention_model_raw,
        coalesce(primary_purpose_map.primary_purpose, {{ enum_spelling('records.primary_purpose') }})
            as primary_purpose,
        records.primary_purpose as primary_purpose_raw,
        coalesce(
            masking_map.masking,
            masking_without_roles_map.masking,
            {{ enum_spelling("split_part(records.masking, '(', 1)") }}
        ) as masking,
        records.masking as masking_raw,

        records.min_age as min_age_raw,
        records.max_age as max_age_raw,
        {{ age_number('records.min_age', 'min') }} * min_unit.years_per_unit as min_age_years,
        {{ age_number('records.max_age', 'max') }} * max_unit.years_per_unit as max_age_years

    from records
    left join status_map
        on {{ normalized_key('records.overall_status') }} = status_map.status_key
    left join phases_per_record
        on records.record_id = phases_per_record.record_id
    left join study_type_map
        on {{ normalized_key('records.study_type') }} = study_type_map.study_type_key
    left join enrollment_type_map
        on {{ normalized_key('records.enrollment_type') }} = enrollment_type_map.enrollment_type_key
    left join sex_map
        on {{ normalized_key('records.sex') }} = sex_map.sex_key
    left join healthy_volunteers_map
        on {{ normalized_key('records.healthy_volunteers') }} = healthy_volunteers_map.healthy_volunteers_key
    left join age_unit_map as min_unit
        on {{ age_unit_key('records.min_age') }} = min_unit.age_unit_key
    left join age_unit_map as max_unit
        on {{ age_unit_key('records.max_age') }} = max_unit.age_unit_key
    {% for date_column in [
        'start_date', 'primary_completion_date', 'completion_date', 'first_posted_date', 'last_update_date'
    ] -%}
    left join date_type_map as {{ date_column }}_type_map
        on {{ normalized_key('records.' ~ date_column ~ '_type') }} = {{ date_column }}_type_map.date_type_key
    {% endfor -%}
    left join allocation_map
        on {{ normalized_key('records.allocation') }} = allocation_map.allocation_key
    left join intervention_model_map
        on {{ normalized_key('records.intervention_model') }} = intervention_model_map.intervention_model_key
    left join primary_purpose_map
        on {{ normalized_key('records.primary_purpose') }} = primary_purpose_map.primary_purpose_key
    left join masking_map
        on {{ normalized_key('records.masking') }} = masking_map.masking_key
    left join masking_map as masking_without_roles_map
        on {{ normalized_key("split_part(records.masking, '(', 1)") }}
            = masking_without_roles_map.masking_key

)

select * from normalized
