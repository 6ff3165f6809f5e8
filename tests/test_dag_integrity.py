"""The DAG as Airflow's DagBag sees it: it imports cleanly and is configured as the platform expects."""

from __future__ import annotations

import os

import pytest

from tests.conftest import REPO, airflow_env


@pytest.fixture(scope="module")
def dagbag():
    os.environ.update(airflow_env())
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO / "dags"))


@pytest.fixture(scope="module")
def dag(dagbag):
    return dagbag.get_dag("trials_refresh")


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert list(dagbag.dag_ids) == ["trials_refresh"]


def test_schedule_catchup_and_tags(dag):
    assert dag.schedule == "0 3 * * *"
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert set(dag.tags) == {"trialwh", "clinical-trials", "nightly"}
    assert "### trials_refresh" in dag.doc_md


def test_params_default_to_the_bundled_samples(dag):
    assert dag.params["sources_file"] == str(REPO / "sources" / "sample.yml")
    assert dag.params["warehouse_dir"].endswith("var/warehouse")


def test_every_task_retries(dag):
    retries = {task.task_id: task.retries for task in dag.tasks}
    assert retries.pop("validate") == 0  # a failed validation is a verdict, not a glitch to retry
    assert set(retries.values()) == {2}


def test_every_duckdb_writer_is_in_the_one_slot_pool(dag):
    writers = {"load", "plan_build", "record_build", "validate", "publish"}
    writers |= {t.task_id for t in dag.tasks if t.task_id.startswith("dbt.")}
    assert {dag.get_task(task_id).pool for task_id in writers} == {"duckdb_writer"}
    file_copies = ("prepare_build", "prepare_next_build")
    assert {dag.get_task(task_id).pool for task_id in ("list_sources", "fetch", *file_copies)} == {
        "default_pool"
    }


def test_the_build_file_is_prepared_beside_fetch_and_load_before_dbt(dag):
    prepare = dag.get_task("prepare_build")
    assert prepare.upstream_list == []
    downstream = {t.task_id for t in prepare.get_flat_relatives(upstream=False)}
    assert {"dbt.status_map.seed", "dbt.trials.run", "validate", "publish"} <= downstream
    assert not {"fetch", "load", "plan_build"} & downstream


def test_the_next_build_file_is_copied_once_the_data_is_published(dag):
    prepare_next = dag.get_task("prepare_next_build")
    assert [t.task_id for t in prepare_next.upstream_list] == ["publish"]
    assert prepare_next.downstream_list == []
    assert dag.get_task("publish").downstream_list == [prepare_next]


def test_fetch_is_mapped_over_sources_and_dbt_is_rendered_per_model(dag):
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    assert isinstance(dag.get_task("fetch"), MappedOperator)
    dbt_tasks = {t.task_id for t in dag.tasks if t.task_id.startswith("dbt.")}
    for model in ("trial_records", "trials", "arms", "criteria", "sites", "stg_ctgov__studies"):
        assert {f"dbt.{model}.run", f"dbt.{model}.test"} <= dbt_tasks
    assert {"dbt.status_map.seed", "dbt.status_map.test"} <= dbt_tasks
    load = dag.get_task("load")
    assert "dbt.status_map.seed" in {t.task_id for t in load.get_flat_relatives(upstream=False)}
    assert "publish" in {t.task_id for t in dag.get_task("validate").downstream_list}


def test_dbt_builds_only_what_the_planned_loads_changed(dag):
    plan, record = dag.get_task("plan_build"), dag.get_task("record_build")
    assert "dbt.status_map.seed" in {t.task_id for t in plan.get_flat_relatives(upstream=False)}
    # the build is logged only after every model and test passed, and before validation
    upstream_of_record = {t.task_id for t in record.get_flat_relatives(upstream=True)}
    assert {"dbt.trials.run", "dbt.trials.test", "dbt.criteria.test"} <= upstream_of_record
    assert "validate" in {t.task_id for t in record.downstream_list}
    # the models read the build log themselves: no per-night variable makes dbt parse again
    assert not dag.get_task("dbt.trials.run").vars
