"""`airflow dags test trials_refresh` on the bundled samples, then the published marts analysts read."""

from __future__ import annotations

import json
import shutil
import stat
from datetime import date

import pytest

from tests.conftest import SAMPLE_CTGOV, query, run_dag, write_sources

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def published(airflow_warehouse):
    return airflow_warehouse / "warehouse.duckdb"


def test_published_file_is_read_only_and_build_copy_is_separate(airflow_warehouse, published):
    assert published.exists()
    assert not published.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert (airflow_warehouse / "build" / "warehouse.duckdb").exists()
    # the publish renamed the built marts file into place; prepare_next_build then copied it back,
    # a writable file of its own for the next night
    next_build = airflow_warehouse / "build" / "analytics.duckdb"
    assert next_build.stat().st_ino != published.stat().st_ino
    assert next_build.stat().st_mode & stat.S_IWUSR
    assert next_build.read_bytes() == published.read_bytes()


def test_every_sample_document_is_a_record(published):
    counts = dict(query(published, "select record_origin, count(*) from marts.trial_records group by 1"))
    assert counts == {"ctgov": 13, "page": 5}
    assert query(published, "select count(*) from marts.quarantine") == [(0,)]


def test_nct02210780_matches_its_json(published):
    row = query(
        published,
        """
        select overall_status, phases, enrollment, enrollment_type, start_date, completion_date,
               arms_count, sites_count, lead_sponsor, sex, min_age_years, max_age_years,
               healthy_volunteers, conditions
        from marts.trial_records where nct_id = 'NCT02210780'
        """,
    )
    assert row == [
        (
            "COMPLETED",
            ["PHASE2"],
            194,
            "ACTUAL",
            date(2014, 8, 5),
            date(2015, 9, 15),
            2,
            42,
            "Regeneron Pharmaceuticals",
            "ALL",
            18.0,
            64.0,
            False,
            ["Atopic Dermatitis"],
        )
    ]
    assert query(published, "select count(*) from marts.arms where trial_id = 'NCT02210780'") == [(2,)]
    assert query(published, "select count(*) from marts.sites where trial_id = 'NCT02210780'") == [(42,)]


def test_seed_000_page_reaches_the_marts(published):
    row = query(
        published,
        """
        select t.overall_status, t.phases, t.enrollment, t.start_date, t.completion_date, t.study_type,
               r.layout
        from marts.trials t join marts.trial_records r on r.trial_id = t.trial_id
        where t.trial_id = 'NCT06691152'
        """,
    )
    assert row == [
        ("RECRUITING", ["PHASE1"], 18, date(2024, 10, 30), date(2027, 9, 30), "INTERVENTIONAL", "study_page")
    ]
    criteria = dict(
        query(
            published,
            """
            select kind, count(*) from marts.criteria
            where trial_id = 'NCT06691152' and parent_criterion_id is null group by 1
            """,
        )
    )
    assert criteria == {"inclusion": 7, "exclusion": 13}


def test_run_wrote_a_passing_data_quality_report(airflow_warehouse):
    reports = [p for p in (airflow_warehouse / "reports").iterdir() if p.is_dir() and p.name != "latest"]
    assert len(reports) == 1
    summary = json.loads((reports[0] / "summary.json").read_text())
    assert summary["success"] is True
    assert {suite["table"] for suite in summary["suites"]} >= {
        "marts.trial_records",
        "marts.trials",
        "marts.arms",
        "marts.criteria",
        "marts.sites",
    }
    assert (reports[0] / "index.html").exists()
    assert (airflow_warehouse / "reports" / "latest" / "summary.json").exists()


def test_snapshots_and_manifests_are_partitioned_by_source_and_run_date(airflow_warehouse):
    raw = airflow_warehouse / "raw"
    manifests = sorted(p.relative_to(raw).parts[0] for p in raw.glob("source=*/run_date=*/manifest.jsonl"))
    assert manifests == ["source=sample-ctgov", "source=sample-pages"]
    payloads = [p for p in raw.glob("source=*/run_date=*/*") if p.name != "manifest.jsonl"]
    assert len(payloads) == 18
    assert all(not p.stat().st_mode & stat.S_IWUSR for p in payloads)


@pytest.fixture(scope="module")
def two_dag_nights(tmp_path_factory):
    """The DAG on two nights; between them NCT06171568 starts recruiting with a new target."""
    tmp = tmp_path_factory.mktemp("dag-nights")
    folder = tmp / "ctgov"
    shutil.copytree(SAMPLE_CTGOV, folder)
    sources = write_sources(
        tmp / "sources.yml", [{"name": "ctgov", "kind": "ctgov_bulk", "path": str(folder)}]
    )
    warehouse = tmp / "wh"
    run_dag(warehouse, sources, "2026-11-01")
    first = query(warehouse / "warehouse.duckdb", "select count(*) from marts.trial_records")
    study = json.loads((folder / "NCT06171568.json").read_text())
    study["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    study["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = 420
    (folder / "NCT06171568.json").write_text(json.dumps(study))
    run_dag(warehouse, sources, "2026-11-02")
    return warehouse, first


def test_dag_nights_build_history_without_duplicates(two_dag_nights):
    warehouse, first_night_records = two_dag_nights
    published = warehouse / "warehouse.duckdb"
    assert query(
        published,
        """
        select overall_status, enrollment, valid_from::varchar, valid_to::varchar from marts.trial_history
        where trial_id = 'NCT06171568' order by valid_from
        """,
    ) == [
        ("NOT_YET_RECRUITING", 400, "2026-11-01", "2026-11-02"),
        ("RECRUITING", 420, "2026-11-02", None),
    ]
    assert query(published, "select count(*) from marts.trial_records") == first_night_records == [(13,)]
    build = warehouse / "build" / "warehouse.duckdb"
    assert query(build, "select count(*) from raw.documents") == [(14,)]
    assert query(published, "select count(*), count(distinct trial_id) from marts.trial_history") == [
        (14, 13)
    ]
    # each night's dbt build was planned from the loads the last build had not covered and logged
    # after its last dbt task, and each publish after it
    assert query(build, "select step, through_load_id from raw.build_log order by finished_at") == [
        ("transform", 1),
        ("publish", 1),
        ("transform", 2),
        ("publish", 2),
    ]
    # analysts get the marts, the history and the mappings, not the build's raw and staging layers
    assert query(published, "select distinct schema_name from duckdb_tables() order by 1") == [
        ("mappings",),
        ("marts",),
        ("snapshots",),
    ]
