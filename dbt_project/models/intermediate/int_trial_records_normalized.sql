{#-
    Registry vocabulary from every source mapped onto ClinicalTrials.gov's enums through the mapping
    seeds; dates and ages parsed. A value no mapping knows is kept in the enum's spelling
    (upper case, underscores) rather than dropped, so validation flags it and the seed can be
    extended; the raw form stays beside it.

    Each distinct stated value (status, phase, date, age, ...) is mapped, parsed or measured once
    (`stated_phases` and the `*_stated` CTEs), and the records join the result on the value itself:
    505,000 records at 500,000 studies state 18,200 distinct dates and a few dozen values of each
    enum. Evaluated per record, the keys' regular expressions (in the join conditions) and the
    dates' formats made this model 9.1 s instead of 4.3 s (BENCHMARKS.md item 64); the distinct
    values are read by `union` and select-list `unnest`, not a lateral `unnest`, which DuckDB
    turns into a join back to every record.
-#}
{%- set enum_columns = [
    ('overall_status', 'status_map', 'status_key', 'overall_status'),
    ('study_type', 'study_type_map', 'study_type_key', 'study_type'),
    ('enrollment_type', 'enrollment_type_map', 'enrollment_type_key', 'enrollment_type'),
    ('sex', 'sex_map', 'sex_key', 'sex'),
    ('allocation', 'allocation_map', 'allocation_key', 'allocation'),
    ('intervention_model', 'intervention_model_map', 'intervention_model_key', 'intervention_model'),
    ('primary_purpose', 'primary_purpose_map', 'primary_purpose_key', 'primary_purpose'),
] -%}
{%- set date_columns = [
    'start_date', 'primary_completion_date', 'completion_date', 'first_submitted_date',
    'first_posted_date', 'last_update_date', 'current_as_of'
] -%}
{%- set typed_date_columns = [
    'start_date', 'primary_completion_date', 'completion_date', 'first_posted_date', 'last_update_date'
] -%}
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

record_phase_texts as (

    select
        record_id,
        unnest(phases) as phase_text

    from records

),

stated_phases as (

    select distinct phase_text from record_phase_texts

),

phase_tokens as (

    -- a stated phase that is a phase on its own ("N/A", "Not Applicable") is not split on its "/"
    select
        stated_phases.phase_text,
        trim(unnest(
            case
                when whole.phase_key is not null then [stated_phases.phase_text]
                else regexp_split_to_array(stated_phases.phase_text, '\s*(?:/|,|\+|&|\band\b)\s*')
            end
        )) as phase_token

    from stated_phases
    left join phase_map as whole
        on {{ normalized_key('stated_phases.phase_text') }} = whole.phase_key

),

phase_text_phases as (

    select
        phase_tokens.phase_text,
        coalesce(phase_map.phase, {{ enum_spelling('phase_tokens.phase_token') }}) as phase,
        coalesce(phase_map.phase_order, 99) as phase_order

    from phase_tokens
    left join phase_map
        on {{ normalized_key('phase_tokens.phase_token') }} = phase_map.phase_key
    where phase_tokens.phase_token <> ''

),

phases_mapped as (

    select
        record_phase_texts.record_id,
        phase_text_phases.phase,
        min(phase_text_phases.phase_order) as phase_order

    from record_phase_texts
    inner join phase_text_phases
        on record_phase_texts.phase_text = phase_text_phases.phase_text
    group by 1, 2

),

phases_per_record as (

    select
        record_id,
        list(phase order by phase_order) as phases

    from phases_mapped
    group by 1

),

{% for column, map, map_key, map_value in enum_columns %}
{{ column }}_stated as (

    {{ distinct_values_mapped('records', column, map, map_key, map_value) }}

),
{% endfor %}
healthy_volunteers_stated as (

    select
        stated.healthy_volunteers as stated_value,
        healthy_volunteers_map.healthy_volunteers::boolean as mapped_value

    from (select distinct healthy_volunteers from records) as stated
    left join healthy_volunteers_map
        on {{ normalized_key('stated.healthy_volunteers') }} = healthy_volunteers_map.healthy_volunteers_key

),

masking_stated as (

    -- "Double (Participant, Investigator)" is known by its masking alone when the roles are not
    select
        stated.masking as stated_value,
        coalesce(
            masking_map.masking,
            masking_without_roles_map.masking,
            {{ enum_spelling("split_part(stated.masking, '(', 1)") }}
        ) as mapped_value

    from (select distinct masking from records) as stated
    left join masking_map
        on {{ normalized_key('stated.masking') }} = masking_map.masking_key
    left join masking_map as masking_without_roles_map
        on {{ normalized_key("split_part(stated.masking, '(', 1)") }} = masking_without_roles_map.masking_key

),

date_type_stated as (

    select
        stated.date_type as stated_value,
        coalesce(date_type_map.date_type, {{ enum_spelling('stated.date_type') }}) as mapped_value

    from (
        {% for date_column in typed_date_columns -%}
        select {{ date_column }}_type as date_type from records
        {% if not loop.last %}union{% endif %}
        {% endfor -%}
    ) as stated
    left join date_type_map
        on {{ normalized_key('stated.date_type') }} = date_type_map.date_type_key

),

date_stated as (

    select
        stated.stated_date as stated_value,
        {{ parse_partial_date('stated.stated_date') }} as parsed_date,
        {{ partial_date_precision('stated.stated_date') }} as date_precision

    from (
        {% for date_column in date_columns -%}
        select {{ date_column }} as stated_date from records
        {% if not loop.last %}union{% endif %}
        {% endfor -%}
    ) as stated

),

age_stated as (

    select
        stated.stated_age as stated_value,
        {{ age_number('stated.stated_age', 'min') }} * age_unit.years_per_unit as min_years,
        {{ age_number('stated.stated_age', 'max') }} * age_unit.years_per_unit as max_years

    from (
        select min_age as stated_age from records
        union
        select max_age from records
    ) as stated
    left join age_unit_map as age_unit
        on {{ age_unit_key('stated.stated_age') }} = age_unit.age_unit_key

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

        overall_status_stated.mapped_value as overall_status,
        records.overall_status as overall_status_raw,
        phases_per_record.phases,
        records.phases as phases_raw,
        study_type_stated.mapped_value as study_type,
        enrollment_type_stated.mapped_value as enrollment_type,
        sex_stated.mapped_value as sex,
        healthy_volunteers_stated.mapped_value as healthy_volunteers,

        {% for date_column in date_columns -%}
        {{ date_column }}_stated.parsed_date as {{ date_column }},
        {{ date_column }}_stated.date_precision as {{ date_column }}_precision,
        {% endfor -%}

        {% for date_column in typed_date_columns -%}
        {{ date_column }}_type_stated.mapped_value as {{ date_column }}_type,
        {% endfor -%}

        allocation_stated.mapped_value as allocation,
        records.allocation as allocation_raw,
        intervention_model_stated.mapped_value as intervention_model,
        records.intervention_model as intervention_model_raw,
        primary_purpose_stated.mapped_value as primary_purpose,
        records.primary_purpose as primary_purpose_raw,
        masking_stated.mapped_value as masking,
        records.masking as masking_raw,

        records.min_age as min_age_raw,
        records.max_age as max_age_raw,
        min_age_stated.min_years as min_age_years,
        max_age_stated.max_years as max_age_years

    from records
    left join phases_per_record
        on records.record_id = phases_per_record.record_id
    {% for column in (enum_columns | map('first') | list) + ['healthy_volunteers', 'masking'] -%}
    left join {{ column }}_stated
        on records.{{ column }} = {{ column }}_stated.stated_value
    {% endfor -%}
    {% for date_column in date_columns -%}
    left join date_stated as {{ date_column }}_stated
        on records.{{ date_column }} = {{ date_column }}_stated.stated_value
    {% endfor -%}
    {% for date_column in typed_date_columns -%}
    left join date_type_stated as {{ date_column }}_type_stated
        on records.{{ date_column }}_type = {{ date_column }}_type_stated.stated_value
    {% endfor -%}
    left join age_stated as min_age_stated
        on records.min_age = min_age_stated.stated_value
    left join age_stated as max_age_stated
        on records.max_age = max_age_stated.stated_value

)

select * from normalized
