with

studies as (

    select * from {{ ref('stg_ctgov__studies') }} as arriving
    -- documents are immutable: unnest each one once, the night it arrives
    where {{ changed_since_last_build('load_id') }} and {{ not_yet_built('document_id', 'arriving') }}

),

interventions as (

    -- unnested in the select list, beside its ordinal: a lateral join (`from studies, unnest(...)`)
    -- read every column of the documents and took two to three times as long at 500,000 studies
    select
        document_id,
        record_id,
        generate_subscripts(intervention_list, 1) as intervention_ordinal,
        unnest(intervention_list) as item

    from studies

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
