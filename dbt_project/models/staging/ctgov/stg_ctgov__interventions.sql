with

studies as (

    select * from {{ ref('stg_ctgov__studies') }}
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id') }}

),

interventions as (

    select
        studies.document_id,
        studies.record_id,
        intervention.ordinal as intervention_ordinal,
        intervention.item

    from studies,
        unnest(
            from_json(
                studies.interventions_json,
                '[{"type": "VARCHAR", "name": "VARCHAR", "description": "VARCHAR", "armGroupLabels": ["VARCHAR"],
                   "otherNames": ["VARCHAR"]}]'
            )
        ) with ordinality as intervention(item, ordinal)

),

renamed as (

    select
        document_id,
        record_id,
        intervention_ordinal::integer as intervention_ordinal,
        item.type as intervention_type,
        item.name as name,
        item.description as description,
        coalesce(item.armGroupLabels, []) as arm_labels,
        coalesce(item.otherNames, []) as other_names

    from interventions

)

select * from renamed
