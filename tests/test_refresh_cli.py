"""`trialwh refresh` / `query` / `where` on real files, and write–audit–publish when validation fails."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import RUN_DATE, SAMPLE_SOURCES, printed_result, query, run_cli, write_sources

pytestmark = pytest.mark.slow


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_refresh_publishes_the_samples(cli_warehouse):
    published = cli_warehouse / "warehouse.duckdb"
    assert query(published, "select count(*) from marts.trials") == [(18,)]
    assert query(
        published,
        "select overall_status, enrollment, enrollment_type from marts.trials where trial_id = 'NCT06171568'",
    ) == [("NOT_YET_RECRUITING", 400, "ESTIMATED")]


def test_query_prints_rows_from_the_published_warehouse(cli_warehouse):
    result = run_cli(
        "query",
        "select nct_id, enrollment from marts.trials"
        " where nct_id in ('NCT02210780', 'NCT06691152') order by 1",
        "--warehouse",
        str(cli_warehouse),
        "--format",
        "json",
    )
    assert json.loads(result.stdout) == [
        {"nct_id": "NCT02210780", "enrollment": 194},
        {"nct_id": "NCT06691152", "enrollment": 18},
    ]


def test_query_is_read_only(cli_warehouse):
    result = run_cli("query", "delete from marts.trials", "--warehouse", str(cli_warehouse), check=False)
    assert result.returncode != 0
    assert "read-only" in (result.stderr + result.stdout).lower()
    assert query(cli_warehouse / "warehouse.duckdb", "select count(*) from marts.trials") == [(18,)]


def test_where_names_the_warehouse_and_report(cli_warehouse):
    result = run_cli("where", "--warehouse", str(cli_warehouse))
    assert f"published warehouse: {cli_warehouse / 'warehouse.duckdb'}" in result.stdout
    assert "index.html" in result.stdout


def test_refreshing_the_same_run_date_again_adds_nothing(tmp_path):
    warehouse = tmp_path / "wh"
    args = [
        "refresh",
        "--sources",
        str(SAMPLE_SOURCES),
        "--warehouse",
        str(warehouse),
        "--run-date",
        RUN_DATE,
    ]
    first_run = printed_result(run_cli(*args).stdout)
    counts_sql = "select (select count(*) from raw.documents), (select count(*) from raw.fetches)"
    build = warehouse / "build" / "warehouse.duckdb"
    first = query(build, counts_sql)
    second_run = printed_result(run_cli(*args).stdout)
    assert query(build, counts_sql) == first == [(18, 18)]
    # dbt's threads follow the build: one for the first (full) build, four for the increment after it
    assert (first_run["transform"]["since_load_id"], first_run["transform"]["threads"]) == (-1, 1)
    assert (second_run["transform"]["since_load_id"], second_run["transform"]["threads"]) == (1, 4)
    # the first run had nothing to copy before its build; each copied the published file for the
    # next build after its publish, and the second run built on the first one's copy
    assert first_run["prepare_build"]["reason"].startswith("nothing published yet")
    assert second_run["prepare_build"]["reason"].startswith("the build file is kept")
    published_bytes = [run["publish"]["bytes"] for run in (first_run, second_run)]
    assert [run["prepare_next_build"]["bytes"] for run in (first_run, second_run)] == published_bytes
    assert (warehouse / "build" / "analytics.duckdb").read_bytes() == (
        warehouse / "warehouse.duckdb"
    ).read_bytes()


def test_failed_validation_leaves_the_published_warehouse_untouched(tmp_path, copy_of_samples):
    warehouse = tmp_path / "wh"
    good = write_sources(
        tmp_path / "good.yml", [{"name": "ctgov", "kind": "ctgov_bulk", "path": str(copy_of_samples)}]
    )
    run_cli("refresh", "--sources", str(good), "--warehouse", str(warehouse), "--run-date", "2026-11-19")
    published = warehouse / "warehouse.duckdb"
    before = _sha(published)

    study = json.loads((copy_of_samples / "NCT02210780.json").read_text())
    protocol = study["protocolSection"]
    protocol["identificationModule"]["nctId"] = "NCT99999991"
    protocol["designModule"]["enrollmentInfo"]["count"] = -5
    protocol["designModule"]["phases"] = ["PHASE7"]
    protocol["statusModule"]["startDateStruct"] = {"date": "2020-06-01", "type": "ACTUAL"}
    protocol["statusModule"]["primaryCompletionDateStruct"] = {"date": "2019-01-01", "type": "ACTUAL"}
    protocol["statusModule"]["completionDateStruct"] = {"date": "2019-01-01", "type": "ACTUAL"}
    (copy_of_samples / "NCT99999991.json").write_text(json.dumps(study))

    result = run_cli(
        "refresh",
        "--sources",
        str(good),
        "--warehouse",
        str(warehouse),
        "--run-date",
        "2026-11-20",
        check=False,
    )
    assert result.returncode == 2
    assert "validation failed, nothing published" in result.stderr
    assert _sha(published) == before
    assert query(published, "select count(*) from marts.trials where nct_id = 'NCT99999991'") == [(0,)]
    # the failed build stays the build file: the next night builds on it, not on a copy of the published one
    assert (warehouse / "build" / "analytics.duckdb").exists()

    summary = json.loads((warehouse / "reports" / "cli__2026-11-20" / "summary.json").read_text())
    assert summary["success"] is False
    bad_record = query(
        warehouse / "build" / "analytics.duckdb",
        "select record_id from marts.trial_records where nct_id = 'NCT99999991'",
    )[0][0]
    failures = {
        (suite["suite"], failure["column"]): (failure["expectation"], failure["failing_rows"])
        for suite in summary["suites"]
        for failure in suite["failed"]
    }
    bad = {"record_id": bad_record, "nct_id": "NCT99999991"}
    assert failures == {
        ("trial_record_phases", "phase"): ("expect_column_values_to_be_in_set", [{**bad, "value": "PHASE7"}]),
        ("trial_records", "phase_combination"): (
            "expect_column_values_to_be_in_set",
            [{**bad, "value": "PHASE7"}],
        ),
        ("trial_records", "enrollment"): ("expect_column_values_to_be_between", [{**bad, "value": -5}]),
        ("trial_records", "dates_in_order"): ("expect_column_values_to_be_in_set", [{**bad, "value": False}]),
        ("trials", "phase_combination"): (
            "expect_column_values_to_be_in_set",
            [{"trial_id": "NCT99999991", "nct_id": "NCT99999991", "value": "PHASE7"}],
        ),
        ("trials", "enrollment"): (
            "expect_column_values_to_be_between",
            [{"trial_id": "NCT99999991", "nct_id": "NCT99999991", "value": -5}],
        ),
        ("trials", "dates_in_order"): (
            "expect_column_values_to_be_in_set",
            [{"trial_id": "NCT99999991", "nct_id": "NCT99999991", "value": False}],
        ),
    }


def test_a_warehouse_last_built_from_another_checkout_builds_from_this_one(tmp_path):
    """dbt's partial-parse file (in the warehouse's `build/dbt_target`) holds the project's paths:
    reused by a checkout in another folder (a new release, a removed worktree), dbt looked for the
    seeds in the old folder and the night failed."""
    import shutil
    import subprocess

    from ingest import pipeline, settings
    from tests.conftest import BIN, airflow_env

    warehouse = tmp_path / "warehouse"
    other = tmp_path / "old-release" / "dbt_project"
    shutil.copytree(settings.DBT_PROJECT_DIR, other, ignore=shutil.ignore_patterns("target", "logs"))
    target = pipeline.warehouse_paths(warehouse).dbt_target
    parse = [BIN / "dbt", "parse", "--project-dir", other, "--profiles-dir", other, "--target-path", target]
    env = airflow_env(**pipeline.dbt_env(warehouse))
    subprocess.run([str(arg) for arg in parse], env=env, check=True, capture_output=True, timeout=300)
    assert (target / "partial_parse.msgpack").is_file()
    shutil.rmtree(other.parent)  # that checkout is gone

    refresh = ["refresh", "--sources", str(SAMPLE_SOURCES), "--warehouse", str(warehouse)]
    run_cli(*refresh, "--run-date", RUN_DATE)
    assert query(warehouse / "warehouse.duckdb", "select count(*) from marts.trials") == [(18,)]
