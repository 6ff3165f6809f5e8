{#-
    The trials this build rebuilt (every trial in a first build): what the history snapshot
    `trial_versions` compares, so a night checks the trials that can have changed, not all of them.
    A view has no increment of its own: the build's `since_load_id()` says what changed.
-#}
with

changed_trials as (

    {{ changed_trial_ids("changed_in_load > " ~ since_load_id()) }}

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
