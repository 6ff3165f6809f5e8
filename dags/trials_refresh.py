"""
### trials_refresh

Nightly refresh of the clinical-trial registry warehouse.

1. **fetch** — one mapped task per configured source: every payload is snapshotted immutably
   (content-addressed) with a manifest row per fetch.
2. **load** — the run date's snapshots into the build warehouse's `raw` schema.
   **prepare_build** runs beside fetch and load: it copies the published marts file as the build
   file only if the last run's **prepare_next_build** did not (a kept build file is reused).
3. **dbt** — seeds, staging → intermediate → marts, one task per model and per test (Cosmos),
   incremental: the models rebuild only the records sighted in the loads the last logged build did
   not cover (they read the build log themselves, so the project is parsed once, not per night),
   `plan_build` notes the newest load, and `record_build` logs the build once every dbt task passed.
4. **validate** — Great Expectations suites on the marts; writes Data Docs and `summary.json`.
5. **publish** — only if validation passed: the build file is renamed over the analysts' file
   (atomic; nothing is copied while the new data waits).
6. **prepare_next_build** — after the publish, the published file is copied as the next night's
   build file (and dropped from the page cache), so that 4 GB copy is not on the next night's path.
   If it fails, the data is published all the same and the next run's prepare_build copies instead.

Every task that writes DuckDB runs in the one-slot `duckdb_writer` pool. Params choose the
sources file and the warehouse folder. Tasks are keyed on the run's data interval, so a rerun of a
date repeats that date's work and adds nothing twice.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, get_current_context, task
from pendulum import datetime, duration

from ingest import settings  # paths only: cheap to import at parse time

DEFAULT_ARGS = {
    "owner": "trialwh",
    "retries": 2,
    "retry_delay": duration(minutes=5),
    "retry_exponential_backoff": True,
}


def _run_date() -> str:
    """The run's date from its data interval (falling back to run_after for manual runs), never now()."""
    context = get_current_context()
    moment = context.get("data_interval_end") or context["dag_run"].run_after
    return moment.date().isoformat()


def _dbt_task_group():
    """Cosmos renders each dbt seed, model and test as its own task, all in the DuckDB pool."""
    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import InvocationMode, LoadMode

    dbt_dir = settings.DBT_PROJECT_DIR
    return DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(dbt_project_path=dbt_dir, install_dbt_deps=False),
        profile_config=ProfileConfig(
            profile_name="trialwh", target_name="build", profiles_yml_filepath=dbt_dir / "profiles.yml"
        ),
        # dbt runs in-process (dbtRunner) from this environment's dbt-core: no subprocess per task.
        execution_config=ExecutionConfig(invocation_mode=InvocationMode.DBT_RUNNER),
        render_config=RenderConfig(load_method=LoadMode.DBT_LS),
        operator_args={
            "pool": settings.DUCKDB_POOL,
            "append_env": True,
            "env": {
                # unit tests check the models' logic on fixed inputs: CI runs them, nights need not
                "DBT_EXCLUDE_RESOURCE_TYPES": "unit_test",
                "TRIALWH_BUILD_DB": "{{ params.warehouse_dir }}/build/" + settings.WAREHOUSE_FILE_NAME,
                "TRIALWH_ANALYTICS_DB": "{{ params.warehouse_dir }}/build/" + settings.ANALYTICS_FILE_NAME,
                "TRIALWH_BUILD_ROW_GROUP_SIZE": str(settings.BUILD_ROW_GROUP_SIZE),
            },
        },
    )


@dag(
    dag_id="trials_refresh",
    schedule="0 3 * * *",
    start_date=datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["trialwh", "clinical-trials", "nightly"],
    doc_md=__doc__,
    params={
        "sources_file": Param(str(settings.DEFAULT_SOURCES_FILE), type="string", description="Sources YAML."),
        "warehouse_dir": Param(
            str(settings.default_warehouse_dir()), type="string", description="Warehouse folder."
        ),
    },
)
def trials_refresh():
    @task
    def list_sources(params: dict | None = None) -> list[str]:
        from ingest.pipeline import source_names

        return source_names(params["sources_file"])

    @task  # the sources at once: each fetch writes only its own partition of the snapshot store
    def fetch(source_name: str, params: dict | None = None) -> dict:
        from ingest.pipeline import fetch as fetch_step

        return fetch_step(params["sources_file"], source_name, _run_date(), params["warehouse_dir"])

    @task(pool=settings.DUCKDB_POOL)
    def load(fetched: list[dict], params: dict | None = None) -> dict:
        from ingest.pipeline import load as load_step

        return load_step(params["warehouse_dir"], _run_date())

    @task
    def prepare_build(params: dict | None = None) -> dict:
        """A file copy outside the DuckDB pool: no DuckDB task of this run touches the file yet."""
        from ingest.pipeline import prepare_build as prepare_step

        return prepare_step(params["warehouse_dir"])

    @task
    def prepare_next_build(published: dict, params: dict | None = None) -> dict:
        """After the publish, outside the DuckDB pool: no task of this run writes DuckDB any more."""
        from ingest.pipeline import prepare_next_build as prepare_next_step

        return prepare_next_step(params["warehouse_dir"])

    @task(pool=settings.DUCKDB_POOL)
    def plan_build(loaded: dict, params: dict | None = None) -> dict:
        from ingest.pipeline import plan_transform

        return plan_transform(params["warehouse_dir"])

    @task(pool=settings.DUCKDB_POOL)
    def record_build(plan: dict, params: dict | None = None, run_id: str | None = None) -> None:
        from ingest.pipeline import record_transform

        record_transform(params["warehouse_dir"], plan["through_load_id"], run_id)

    @task(pool=settings.DUCKDB_POOL, retries=0)
    def validate(params: dict | None = None, run_id: str | None = None) -> dict:
        from ingest.pipeline import validate as validate_step

        return validate_step(params["warehouse_dir"], run_id)

    @task(pool=settings.DUCKDB_POOL)
    def publish(validated: dict, params: dict | None = None) -> dict:
        from ingest.pipeline import publish as publish_step

        return publish_step(params["warehouse_dir"], _run_date(), params["sources_file"])

    fetched = fetch.expand(source_name=list_sources())
    loaded = load(fetched)
    planned = plan_build(loaded)
    dbt = _dbt_task_group()
    recorded = record_build(planned)
    validated = validate()
    [planned, prepare_build()] >> dbt >> recorded >> validated
    prepare_next_build(publish(validated))


trials_refresh()
