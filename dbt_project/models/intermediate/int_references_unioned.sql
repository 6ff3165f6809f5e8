with

records as (

    -- the records whose document arrived since the last build: one fetched again unchanged keeps its rows
    select * from {{ ref('int_trial_records_normalized') }}
    where {{ changed_since_last_build() }}
        and {{ document_changed_since_last_build(ref('int_record_versions')) }}

),

ctgov_references as (

    {{ rows_of(ref('stg_ctgov__references'), 'document_id', 'records') }}

),

page_references as (

    {{ rows_of(ref('stg_pages__references'), 'document_id', 'records') }}

),

unioned as (

    select * from ctgov_references
    union all by name
    select * from page_references

),

current_references as (

    select
        md5(concat_ws('|', unioned.record_id, unioned.reference_ordinal)) as reference_id,
        unioned.record_id,
        unioned.reference_ordinal,
        unioned.pmid,
        unioned.reference_type,
        unioned.citation

    from unioned
    inner join records
        on unioned.document_id = records.document_id

),

final as (

    select * from current_references
    {{ parent_markers('records') }}

)

select * from final
