{#-
    Registry vocabulary from every source mapped onto ClinicalTrials.gov's enums through the mapping
    seeds; dates and ages parsed. A value no mapping knows is kept in the enum's spelling
    (upper case, underscores) rather than dropped, so validation flags it and the seed can be
    extended; the raw form stays beside it.
-#}
with

records as (

    select * from {{ ref('int_trial_records_unioned') }}

),

status_map as (select * from {{ ref('status_map') }}),
phase_map as (select * from {{ ref('phase_map') }}),
sex_map as (select * from {{ ref('sex_map') }}),
healthy_volunteers_map as (select * from {{ ref('healthy_volunteers_map') }}),
enrollment_type_map as (select * from {{ ref('enrollment_type_map') }}),
study_type_map as (select * from {{ ref('study_type_map') }}),
age_unit_map as (select * from {{ ref('age_unit_map') }}),

phase_tokens as (

    select
        records.record_id,
        trim(token) as phase_token

    from records,
        unnest(records.phases) as stated(phase_text),
        unnest(regexp_split_to_array(stated.phase_text, '\s*(?:/|,|\+|&|\band\b)\s*')) as split(token)

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
            first_posted_date, last_update_date, current_as_of, min_age, max_age
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

)

select * from normalized
