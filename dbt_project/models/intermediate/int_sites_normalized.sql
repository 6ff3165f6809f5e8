with

records as (

    select * from {{ ref('int_trial_records_normalized') }}
    where {{ changed_since_last_build() }}

),

ctgov_sites as (

    {{ rows_of(ref('stg_ctgov__sites'), 'document_id', 'records') }}

),

page_sites as (

    {{ rows_of(ref('stg_pages__sites'), 'document_id', 'records') }}

),

country_map as (select * from {{ ref('country_map') }}),
status_map as (select * from {{ ref('status_map') }}),

unioned as (

    select * from ctgov_sites
    union all by name
    select * from page_sites

),

normalized as (

    select
        md5(concat_ws('|', unioned.record_id, unioned.site_ordinal)) as site_id,
        unioned.record_id,
        unioned.site_ordinal,
        unioned.facility,
        unioned.city,
        unioned.state,
        unioned.zip,
        coalesce(country_map.country, nullif(trim(unioned.country), '')) as country,
        unioned.country as country_raw,
        coalesce(status_map.overall_status, {{ enum_spelling('unioned.status') }}) as status,
        unioned.status as status_raw,
        unioned.latitude,
        unioned.longitude

    from unioned
    inner join records
        on unioned.document_id = records.document_id
    left join country_map
        on {{ normalized_key('strip_accents(unioned.country)') }} = country_map.country_key
    left join status_map
        on {{ normalized_key('unioned.status') }} = status_map.status_key

),

final as (

    select * from normalized
    {{ parent_markers('records') }}

)

select * from final
