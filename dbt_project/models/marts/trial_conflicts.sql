{#-
    Fields on which a trial's sources disagree (enrollment 24 on one site and 18 on another, another
    status), with every value, where it came from and when, and the value `trials` shows.
-#}
with

changed_trials as (

    {{ changed_trial_ids() }}

),

provenance as (

    {{ rows_of(ref('trial_field_provenance'), 'trial_id', 'changed_trials') }}

),

shared_trials as (

    -- only a trial stated by more than one record can disagree with itself (~1% of the trials at
    -- 500,000 studies): the grouping below then reads their rows, not the other trials' 11 M
    select distinct trial_id
    from provenance
    where precedence_rank > 1

),

shared_provenance as (

    select provenance.*
    from provenance
    semi join shared_trials
        on provenance.trial_id = shared_trials.trial_id

),

disagreements as (

    select
        trial_id,
        field

    from shared_provenance
    group by trial_id, field
    having count(distinct value) > 1

),

conflicts as (

    select
        md5(concat_ws('|', provenance.trial_id, provenance.field)) as conflict_id,
        provenance.trial_id,
        provenance.field,
        count(distinct provenance.value) as distinct_values,
        max(case when provenance.is_chosen then provenance.value end) as chosen_value,
        max(case when provenance.is_chosen then provenance.record_id end) as chosen_record_id,
        list(
            {
                'value': provenance.value,
                'record_id': provenance.record_id,
                'source_name': provenance.source_name,
                'source_url': provenance.source_url,
                'fetched_at': provenance.fetched_at,
                'is_chosen': provenance.is_chosen
            }
            order by provenance.precedence_rank
        ) as stated_values

    from shared_provenance as provenance
    inner join disagreements
        on provenance.trial_id = disagreements.trial_id
        and provenance.field = disagreements.field
    group by provenance.trial_id, provenance.field

),

final as (

    select * from conflicts
    {{ parent_markers('changed_trials', 'trial_id') }}

)

select * from final
