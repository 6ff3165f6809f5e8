{#-
    Interventions of the current version of every record, types mapped through the
    `intervention_type_map` seed. ClinicalTrials.gov states each intervention's arm groups; a page
    states the interventions of each arm, so a page intervention's arms are the arms that list it
    by name (as "Name" or "Type: Name"). Nothing is matched on anything looser than the name.
-#}
with

records as (

    -- the records whose document arrived since the last build: one fetched again unchanged keeps its rows
    select * from {{ ref('int_trial_records_normalized') }}
    where {{ changed_since_last_build() }}
        and {{ document_changed_since_last_build(ref('int_record_versions')) }}

),

ctgov_interventions as (

    {{ rows_of(ref('stg_ctgov__interventions'), 'document_id', 'records') }}

),

page_interventions as (

    {{ rows_of(ref('stg_pages__interventions'), 'document_id', 'records') }}

),

page_arms as (

    {{ rows_of(ref('stg_pages__arms'), 'document_id', 'records') }}

),

intervention_type_map as (select * from {{ ref('intervention_type_map') }}),

page_arm_interventions as (

    select
        page_arms.document_id,
        page_arms.arm_ordinal,
        page_arms.label,
        lower(trim(listed.intervention_name)) as listed_name

    from page_arms,
        unnest(page_arms.intervention_names) as listed(intervention_name)

),

page_intervention_arms as (

    select
        page_interventions.document_id,
        page_interventions.intervention_ordinal,
        list(page_arm_interventions.label order by page_arm_interventions.arm_ordinal)
            filter (where page_arm_interventions.label is not null) as arm_labels

    from page_interventions
    inner join page_arm_interventions
        on page_interventions.document_id = page_arm_interventions.document_id
        and page_arm_interventions.listed_name in (
            lower(trim(page_interventions.name)),
            lower(trim(page_interventions.intervention_type || ': ' || page_interventions.name))
        )
    group by 1, 2

),

pages_with_arms as (

    select
        page_interventions.*,
        coalesce(page_intervention_arms.arm_labels, []) as arm_labels,
        []::varchar[] as other_names

    from page_interventions
    left join page_intervention_arms
        on page_interventions.document_id = page_intervention_arms.document_id
        and page_interventions.intervention_ordinal = page_intervention_arms.intervention_ordinal

),

unioned as (

    select * from ctgov_interventions
    union all by name
    select * from pages_with_arms

),

intervention_types as (

    -- each stated intervention type mapped once (see int_sites_normalized)
    {{ distinct_values_mapped('unioned', 'intervention_type', 'intervention_type_map', 'intervention_type_key', 'intervention_type') }}

),

current_interventions as (

    select
        md5(concat_ws('|', unioned.record_id, unioned.intervention_ordinal)) as intervention_id,
        unioned.record_id,
        unioned.intervention_ordinal,
        intervention_types.mapped_value as intervention_type,
        unioned.intervention_type as intervention_type_raw,
        unioned.name,
        unioned.description,
        unioned.arm_labels,
        unioned.other_names

    from unioned
    inner join records
        on unioned.document_id = records.document_id
    left join intervention_types
        on unioned.intervention_type = intervention_types.stated_value

),

final as (

    select * from current_interventions
    {{ parent_markers('records') }}

)

select * from final
