{#-
    The trials this build rebuilt (every trial in a first build): what the history snapshot
    `trial_versions` compares, so a night checks the trials that can have changed, not all of them.
-#}
with

links as (

    select * from {{ ref('int_trial_links') }}
    where changed_in_load > {{ var('since_load_id', -1) | int }}

),

changed_trials as (

    select trial_id from links
    union
    select unnest(previous_trial_ids) as trial_id from links

),

trials as (

    select * from {{ ref('trials') }}

),

final as (

    select trials.*
    from trials
    inner join changed_trials
        on trials.trial_id = changed_trials.trial_id

)

select * from final
