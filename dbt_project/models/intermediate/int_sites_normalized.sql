with

records as (

    -- the records whose document arrived since the last build: one fetched again unchanged keeps its rows
    select * from {{ ref('int_trial_records_normalized') }}
    where {{ changed_since_last_build() }}
        and {{ document_changed_since_last_build(ref('int_record_versions')) }}

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

countries as (

    -- each stated country mapped once: 6.8 M sites at 500,000 studies name ~200 countries, and the
    -- key's regular expression per site took ~2 s of this model
    select
        stated.country as country_raw,
        coalesce(country_map.country, nullif(trim(stated.country), '')) as country

    from (select distinct country from unioned) as stated
    left join country_map
        on {{ normalized_key('strip_accents(stated.country)') }} = country_map.country_key

),

statuses as (

    {{ distinct_values_mapped('unioned', 'status', 'status_map', 'status_key', 'overall_status') }}

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
        countries.country,
        unioned.country as country_raw,
        statuses.mapped_value as status,
        unioned.status as status_raw,
        unioned.latitude,
        unioned.longitude

    from unioned
    inner join records
        on unioned.document_id = records.document_id
    left join countries
        on unioned.country = countries.country_raw
    left join statuses
        on unioned.status = statuses.stated_value

),

final as (

    select * from normalized
    {{ parent_markers('records') }}

)

select * from final
