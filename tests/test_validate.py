"""The GX audit step on real DuckDB files built here with the marts contract (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import threading
import weakref
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import ingest.validate as validate_module
from ingest.validate import (
    _ARROW_SAFE_TYPE,
    SuiteDefinitionError,
    _column_domains_narrowed,
    _columns_to_read,
    _fetch_frame,
    _read_relation,
    _split_suite,
    _suite_frame,
    _text_duplicates_grouped_by_duckdb,
    _widen_bounded_columns,
    _without_batch_fingerprint,
    latest_report_link,
    load_suite_definitions,
    scoped_sql,
    validate_warehouse,
)

SHA = "a" * 64

MARTS_DDL = """
CREATE SCHEMA marts;
CREATE TABLE marts.trial_records (
    record_id VARCHAR, trial_id VARCHAR, source_name VARCHAR, source_url VARCHAR,
    snapshot_sha256 VARCHAR, fetched_at TIMESTAMP, nct_id VARCHAR, title VARCHAR,
    official_title VARCHAR, overall_status VARCHAR, phases VARCHAR[], enrollment INTEGER,
    enrollment_type VARCHAR, study_type VARCHAR, start_date DATE, primary_completion_date DATE,
    completion_date DATE, lead_sponsor VARCHAR, min_age_years DOUBLE, max_age_years DOUBLE,
    sex VARCHAR, healthy_volunteers BOOLEAN, conditions VARCHAR[]
);
CREATE TABLE marts.trials AS
    SELECT * EXCLUDE (record_id, source_name, source_url, snapshot_sha256, fetched_at)
    FROM marts.trial_records WHERE false;
CREATE TABLE marts.arms (
    arm_id VARCHAR, trial_id VARCHAR, record_id VARCHAR, label VARCHAR, arm_type VARCHAR,
    description VARCHAR, intervention_names VARCHAR[]
);
CREATE TABLE marts.criteria (
    criterion_id VARCHAR, trial_id VARCHAR, record_id VARCHAR, kind VARCHAR, ordinal INTEGER,
    parent_criterion_id VARCHAR, text VARCHAR, eligibility_text_id VARCHAR, changed_in_load INTEGER
);
CREATE TABLE marts.sites (
    site_id VARCHAR, trial_id VARCHAR, record_id VARCHAR, facility VARCHAR, city VARCHAR, state VARCHAR,
    zip VARCHAR, country VARCHAR, status VARCHAR, latitude DOUBLE, longitude DOUBLE
);
"""

RECORD_COLUMNS = (
    "record_id, trial_id, source_name, source_url, snapshot_sha256, fetched_at, nct_id, title, "
    "official_title, overall_status, phases, enrollment, enrollment_type, study_type, start_date, "
    "primary_completion_date, completion_date, lead_sponsor, min_age_years, max_age_years, sex, "
    "healthy_volunteers, conditions"
)


def record(record_id: str, nct_id: str | None, **overrides) -> dict:
    row = {
        "record_id": record_id,
        "trial_id": nct_id or f"trial-{record_id}",
        "source_name": "ctgov_sample",
        "source_url": f"file:///samples/{nct_id}.json",
        "snapshot_sha256": SHA,
        "fetched_at": "2026-11-20 02:00:00",
        "nct_id": nct_id,
        "title": f"Trial {nct_id}",
        "official_title": None,
        "overall_status": "COMPLETED",
        "phases": ["PHASE2"],
        "enrollment": 194,
        "enrollment_type": "ACTUAL",
        "study_type": "INTERVENTIONAL",
        "start_date": "2014-08-05",
        "primary_completion_date": "2015-09-15",
        "completion_date": "2015-09-15",
        "lead_sponsor": "Sponsor",
        "min_age_years": 18.0,
        "max_age_years": 64.0,
        "sex": "ALL",
        "healthy_volunteers": False,
        "conditions": ["Asthma"],
    }
    row.update(overrides)
    return row


GOOD_RECORDS = [
    record("rec-nct02210780", "NCT02210780"),
    record(
        "rec-nct03418623",
        "NCT03418623",
        phases=["PHASE2", "PHASE1"],
        enrollment=24,
        start_date="2018-03-08",
        primary_completion_date="2020-03-13",
        completion_date="2020-03-13",
        min_age_years=21.0,
        max_age_years=40.0,
        overall_status="RECRUITING",
        enrollment_type="ESTIMATED",
    ),
    # A page that states almost nothing: every optional field null or empty passes.
    record(
        "rec-sparse",
        "NCT00465816",
        title=None,
        overall_status=None,
        phases=[],
        enrollment=None,
        enrollment_type=None,
        study_type=None,
        start_date=None,
        primary_completion_date=None,
        completion_date="2001-01-01",
        lead_sponsor=None,
        min_age_years=None,
        max_age_years=30.0,
        sex=None,
        healthy_volunteers=None,
        conditions=[],
    ),
    record("rec-nophases", "NCT04207047", phases=None, overall_status="UNKNOWN", max_age_years=None),
]

# Each planted bad record, and the (suite, expectation, column) that must name it.
BAD_RECORDS = {
    "rec-negative": (
        record("rec-negative", "NCT90000001", enrollment=-5),
        ("trial_records", "expect_column_values_to_be_between", "enrollment"),
    ),
    "rec-dates": (
        record(
            "rec-dates",
            "NCT90000002",
            start_date="2016-01-01",
            primary_completion_date="2015-06-01",
            completion_date="2015-01-01",
        ),
        ("trial_records", "expect_column_values_to_be_in_set", "dates_in_order"),
    ),
    "rec-phase7": (
        record("rec-phase7", "NCT90000003", phases=["PHASE7"]),
        ("trial_record_phases", "expect_column_values_to_be_in_set", "phase"),
    ),
    "rec-phase13": (
        record("rec-phase13", "NCT90000004", phases=["PHASE3", "PHASE1"]),
        ("trial_records", "expect_column_values_to_be_in_set", "phase_combination"),
    ),
    "rec-dup": (
        record("rec-dup", "NCT90000005"),
        ("trial_records", "expect_column_values_to_be_unique", "record_id"),
    ),
    "rec-ages": (
        record("rec-ages", "NCT90000006", min_age_years=65.0, max_age_years=18.0),
        (
            "trial_records",
            "expect_column_pair_values_a_to_be_greater_than_b",
            "max_age_years, min_age_years",
        ),
    ),
    "rec-status": (
        record("rec-status", "NCT90000007", overall_status="Recruiting", sex="BOTH"),
        ("trial_records", "expect_column_values_to_be_in_set", "overall_status"),
    ),
}


def _insert_records(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    columns = [c.strip() for c in RECORD_COLUMNS.split(",")]
    placeholders = ", ".join("?" for _ in columns)
    con.executemany(
        f"INSERT INTO marts.trial_records ({RECORD_COLUMNS}) VALUES ({placeholders})",
        [[row[c] for c in columns] for row in rows],
    )


def build_warehouse(path: Path, *, bad: bool = False, drop_sites: bool = False) -> Path:
    records = list(GOOD_RECORDS)
    if bad:
        records += [row for row, _ in BAD_RECORDS.values()]
        records.append(record("rec-dup", "NCT90000005", title="the same record id twice"))
    with duckdb.connect(str(path)) as con:
        con.execute(MARTS_DDL)
        _insert_records(con, records)
        # One row per trial: the first record of each trial_id.
        con.execute(
            """
            INSERT INTO marts.trials
            SELECT * EXCLUDE (record_id, source_name, source_url, snapshot_sha256, fetched_at, rn)
            FROM (SELECT *, row_number() OVER (PARTITION BY trial_id ORDER BY record_id) AS rn
                  FROM marts.trial_records) WHERE rn = 1
            """
        )
        con.execute(
            """
            INSERT INTO marts.arms VALUES
              ('arm-1', 'NCT02210780', 'rec-nct02210780', 'Drug A', 'EXPERIMENTAL', 'twice daily',
               ['Drug A']),
              ('arm-2', 'NCT02210780', 'rec-nct02210780', 'Placebo', 'PLACEBO_COMPARATOR', NULL, []),
              ('arm-3', 'NCT03418623', 'rec-nct03418623', 'Cohort', NULL, NULL, NULL)
            """
        )
        con.execute(
            """
            INSERT INTO marts.criteria VALUES
              ('crit-1', 'NCT02210780', 'rec-nct02210780', 'inclusion', 1, NULL, 'Adults aged 18 to 64',
               'text-1', 1),
              ('crit-2', 'NCT02210780', 'rec-nct02210780', 'inclusion', 1, 'crit-1', 'Asthma diagnosis',
               'text-1', 1),
              ('crit-3', 'NCT02210780', 'rec-nct02210780', 'exclusion', 1, NULL, 'Pregnancy', 'text-1', 1)
            """
        )
        con.execute(
            """
            INSERT INTO marts.sites VALUES
              ('site-1', 'NCT02210780', 'rec-nct02210780', 'Clinic', 'Boston', 'MA', '02115', 'United States',
               'COMPLETED', 42.36, -71.06),
              ('site-2', 'NCT03418623', 'rec-nct03418623', 'Hospital', 'Lyon', NULL, NULL, 'France',
               NULL, NULL, NULL)
            """
        )
        con.execute(
            """
            CREATE TABLE marts.trial_links AS
                SELECT record_id, trial_id, 'nct_id' AS link_rule,
                       'the record states ' || nct_id AS link_evidence,
                       source_name, source_url, nct_id AS stated_nct_id
                FROM marts.trial_records;
            CREATE TABLE marts.trial_history AS
                SELECT 'v-' || trial_id AS trial_version_id, trial_id, nct_id, overall_status, enrollment,
                       DATE '2026-11-01' AS valid_from, NULL::DATE AS valid_to, true AS is_current
                FROM marts.trials;
            """
        )
        if bad:
            con.execute(
                """
                INSERT INTO marts.criteria VALUES
                  ('crit-bad', 'NCT02210780', 'rec-nct02210780', 'maybe', 0, 'crit-missing', 'Unclear',
                   'text-1', 1);
                INSERT INTO marts.sites VALUES
                  ('site-bad', 'NCT02210780', 'rec-nct02210780', 'Nowhere', NULL, NULL, NULL, NULL, NULL,
                   95.0, -200.0);
                INSERT INTO marts.arms VALUES
                  ('arm-orphan', 'NCT99999999', 'rec-gone', 'Orphan', NULL, NULL, NULL);
                """
            )
        if drop_sites:
            con.execute("DROP TABLE marts.sites")
    return path


def _fingerprint(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_mtime_ns, stat.st_size


def _failures(summary: dict) -> dict[tuple[str, str, str | None], dict]:
    return {
        (suite["suite"], failure["expectation"], failure["column"]): failure
        for suite in summary["suites"]
        for failure in suite["failed"]
    }


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("good")
    db = build_warehouse(tmp / "warehouse.duckdb")
    before = _fingerprint(db)
    files_before = sorted(p.name for p in tmp.iterdir())
    report = validate_warehouse(db, tmp / "reports" / "run-good", run_id="run-good")
    return report, db, before, files_before


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad")
    db = build_warehouse(tmp / "warehouse.duckdb", bad=True)
    return validate_warehouse(db, tmp / "reports" / "run-bad", run_id="run-bad")


def test_shipped_suites_cover_every_mart():
    definitions = load_suite_definitions()
    tables = {definition.table for definition in definitions}
    assert tables == {
        "marts.trial_records",
        "marts.trials",
        "marts.arms",
        "marts.criteria",
        "marts.sites",
        "marts.trial_links",
        "marts.trial_history",
    }
    by_name = {definition.name: definition for definition in definitions}
    assert {"trial_records", "trials", "arms", "criteria", "sites", "trial_record_phases"} <= set(by_name)
    assert by_name["trial_records"].row_keys[0] == "record_id"
    assert by_name["trials"].row_keys[0] == "trial_id"
    assert "phase_combination" in by_name["trial_records"].sql


def test_good_warehouse_passes_every_suite(good_run):
    report, _, _, _ = good_run
    failed = {
        suite["suite"]: suite.get("error") or [(f["expectation"], f["column"]) for f in suite["failed"]]
        for suite in report.summary["suites"]
        if not suite["success"]
    }
    assert failed == {}
    assert report.success is True
    assert report.summary["success"] is True
    assert report.summary["run_id"] == "run-good"
    assert {suite["suite"] for suite in report.summary["suites"]} == {
        "trial_records",
        "trial_record_phases",
        "trials",
        "arms",
        "criteria",
        "sites",
        "trial_links",
        "trial_history",
    }
    for suite in report.summary["suites"]:
        assert suite["evaluated"] >= 2, suite
        assert suite["failed"] == []
    assert json.loads(report.summary_path.read_text()) == report.summary


def test_good_run_writes_data_docs_naming_the_suites(good_run):
    report, _, _, _ = good_run
    assert report.data_docs_index == report.summary_path.parent / "index.html"
    html = report.data_docs_index.read_text(encoding="utf-8")
    for name in ("trial_records", "trial_record_phases", "trials", "arms", "criteria", "sites"):
        assert name in html
    assert list((report.data_docs_index.parent / "validations").rglob("*.html"))


def test_warehouse_is_opened_read_only(good_run):
    _, db, before, files_before = good_run
    assert _fingerprint(db) == before
    # no WAL or other file appeared beside the warehouse
    assert sorted(p.name for p in db.parent.iterdir() if p.name != "reports") == files_before


def test_planted_bad_rows_fail_with_their_record_ids(bad_run):
    report = bad_run
    assert report.success is False
    summary = json.loads(report.summary_path.read_text())
    assert summary["success"] is False
    failures = _failures(summary)
    for record_id, (_, key) in BAD_RECORDS.items():
        assert key in failures, f"{key} did not fail; failed: {sorted(failures, key=str)}"
        rows = failures[key]["failing_rows"]
        assert record_id in {row["record_id"] for row in rows}, (key, rows)
        # nothing good is blamed
        assert not {row["record_id"] for row in rows} & {r["record_id"] for r in GOOD_RECORDS}

    negative = failures[("trial_records", "expect_column_values_to_be_between", "enrollment")]
    assert negative["unexpected_count"] == 1
    assert negative["failing_rows"] == [{"record_id": "rec-negative", "nct_id": "NCT90000001", "value": -5}]
    assert negative["unexpected_examples"] == [-5]
    assert negative["kwargs"] == {"column": "enrollment", "min_value": 0, "max_value": 1000000}

    phase7 = failures[("trial_record_phases", "expect_column_values_to_be_in_set", "phase")]
    assert phase7["failing_rows"] == [{"record_id": "rec-phase7", "nct_id": "NCT90000003", "value": "PHASE7"}]
    combos = failures[("trial_records", "expect_column_values_to_be_in_set", "phase_combination")]
    assert {row["value"] for row in combos["failing_rows"]} == {"PHASE1+PHASE3", "PHASE7"}
    dup = failures[("trial_records", "expect_column_values_to_be_unique", "record_id")]
    assert [row["record_id"] for row in dup["failing_rows"]] == ["rec-dup", "rec-dup"]
    ages = failures[
        ("trial_records", "expect_column_pair_values_a_to_be_greater_than_b", "max_age_years, min_age_years")
    ]
    assert ages["failing_rows"][0]["value"] == {"max_age_years": 18.0, "min_age_years": 65.0}
    sex = failures[("trial_records", "expect_column_values_to_be_in_set", "sex")]
    assert sex["unexpected_examples"] == ["BOTH"]

    # the trials mart carries the same checks, keyed by trial_id
    trial_dates = failures[("trials", "expect_column_values_to_be_in_set", "dates_in_order")]
    assert [row["trial_id"] for row in trial_dates["failing_rows"]] == ["NCT90000002"]


def test_child_marts_fail_on_their_keys(bad_run):
    failures = _failures(bad_run.summary)
    kind = failures[("criteria", "expect_column_values_to_be_in_set", "kind")]
    assert kind["failing_rows"] == [
        {"criterion_id": "crit-bad", "record_id": "rec-nct02210780", "value": "maybe"}
    ]
    assert failures[("criteria", "expect_column_values_to_be_between", "ordinal")]["unexpected_count"] == 1
    assert ("criteria", "expect_column_values_to_be_in_set", "parent_exists") in failures
    lat = failures[("sites", "expect_column_values_to_be_between", "latitude")]
    assert lat["failing_rows"] == [{"site_id": "site-bad", "record_id": "rec-nct02210780", "value": 95.0}]
    assert ("sites", "expect_column_values_to_be_between", "longitude") in failures
    orphan = failures[("arms", "expect_column_values_to_be_in_set", "trial_exists")]
    assert [row["arm_id"] for row in orphan["failing_rows"]] == ["arm-orphan"]
    suites = {suite["suite"]: suite for suite in bad_run.summary["suites"]}
    assert suites["trial_record_phases"]["success"] is False
    html = bad_run.data_docs_index.read_text(encoding="utf-8")
    assert "trial_records" in html


def test_rerun_of_a_run_id_replaces_its_report(good_run):
    report, db, before, _ = good_run
    report_dir = report.summary_path.parent
    again = validate_warehouse(db, report_dir, run_id="run-good")
    assert again.success is True
    assert again.summary["validated_at"] > report.summary["validated_at"]
    pages = sorted(page.name for page in (report_dir / "validations").rglob("*.html"))
    # one page per GX validation: a suite's values and, apart, its column names
    parts = [part for suite in load_suite_definitions() for part in _split_suite(suite, scoped=False) if part]
    assert pages == sorted(f"warehouse-{part.name}.html" for part in parts)
    assert "warehouse-criteria.columns.html" in pages
    assert len(pages) == 13
    assert _fingerprint(db) == before


def test_releases_dbt_duckdb_connection_left_open_in_this_process(tmp_path, monkeypatch):
    """`trialwh refresh` runs dbt in-process; dbt-duckdb keeps the build file open read-write."""
    db = build_warehouse(tmp_path / "warehouse.duckdb")
    writer = {"con": duckdb.connect(str(db))}

    class FakeConnectionManager:  # stands in for dbt.adapters.duckdb.connections.DuckDBConnectionManager
        @classmethod
        def close_all_connections(cls):
            writer.pop("con").close()

    fake_module = type(sys)("dbt.adapters.duckdb.connections")
    fake_module.DuckDBConnectionManager = FakeConnectionManager
    monkeypatch.setitem(sys.modules, "dbt.adapters.duckdb.connections", fake_module)
    report = validate_warehouse(db, tmp_path / "reports" / "r", run_id="r")
    assert report.success is True
    assert writer == {}


def test_missing_mart_is_reported_not_raised(tmp_path):
    db = build_warehouse(tmp_path / "warehouse.duckdb", drop_sites=True)
    report = validate_warehouse(db, tmp_path / "reports" / "run-x", run_id="run-x")
    assert report.success is False
    suites = {suite["suite"]: suite for suite in report.summary["suites"]}
    assert suites["sites"]["success"] is False
    assert "sites" in suites["sites"]["error"]
    assert suites["trial_records"]["success"] is True
    assert report.data_docs_index.is_file()


def test_invalid_suite_file_raises_before_reading(tmp_path):
    expectations = tmp_path / "expectations"
    expectations.mkdir()
    (expectations / "x.json").write_text(
        json.dumps(
            {
                "name": "x",
                "meta": {"table": "marts.x", "row_keys": ["id"], "sql": "SELECT 1 AS id"},
                "expectations": [{"type": "expect_column_values_to_be_purple", "kwargs": {"column": "id"}}],
            }
        )
    )
    db = build_warehouse(tmp_path / "warehouse.duckdb")
    with pytest.raises(SuiteDefinitionError, match="expect_column_values_to_be_purple"):
        validate_warehouse(db, tmp_path / "reports" / "r", run_id="r", expectations_dir=expectations)
    assert not (tmp_path / "reports").exists()


def test_refuses_to_clear_a_folder_it_did_not_write(tmp_path):
    db = build_warehouse(tmp_path / "warehouse.duckdb")
    checkout = tmp_path / "checkout"
    (checkout / "expectations").mkdir(parents=True)
    (checkout / "expectations" / "trials.json").write_text("{}")
    with pytest.raises(FileExistsError, match="refusing"):
        validate_warehouse(db, checkout, run_id="oops")
    assert (checkout / "expectations" / "trials.json").read_text() == "{}"


def test_latest_report_link_points_at_newest_run(tmp_path):
    reports = tmp_path / "reports"
    assert latest_report_link(reports) is None
    for name, stamp in [("run-b", "2026-11-20T02:00:00+00:00"), ("run-a", "2026-11-21T02:00:00+00:00")]:
        (reports / name).mkdir(parents=True)
        (reports / name / "summary.json").write_text(json.dumps({"validated_at": stamp}))
    (reports / "not-a-run").mkdir()
    assert latest_report_link(reports) == reports / "run-a"
    latest = reports / "latest"
    assert latest.is_symlink() and os.readlink(latest) == "run-a"
    assert json.loads((latest / "summary.json").read_text())["validated_at"].startswith("2026-11-21")

    (reports / "run-c").mkdir()
    (reports / "run-c" / "summary.json").write_text(json.dumps({"validated_at": "2026-11-22T02:00:00Z"}))
    assert latest_report_link(reports) == reports / "run-c"
    assert os.readlink(latest) == "run-c"
    assert sorted(p.name for p in reports.iterdir()) == ["latest", "not-a-run", "run-a", "run-b", "run-c"]


# --------------------------------------------------------------------------------------------------
# What is read: only referenced columns, through Arrow, one suite's frame at a time


def _suite(name: str):
    return {definition.name: definition for definition in load_suite_definitions()}[name]


def test_only_referenced_columns_are_fetched_and_the_query_columns_named(tmp_path):
    db = build_warehouse(tmp_path / "warehouse.duckdb", bad=True)
    criteria = _suite("criteria")
    with duckdb.connect(str(db), read_only=True) as con:
        full = con.execute(criteria.sql).df()
        fetched, columns = _read_relation(con, criteria)
    # converted after the connection is closed: what DuckDB held is gone by then
    frame = _suite_frame(fetched, criteria)
    # the query's columns, in its order, for GX's column-set check
    assert columns == list(full.columns)
    read = ["criterion_id", "trial_id", "record_id", "kind", "ordinal", "trial_exists", "record_exists"]
    read.append("parent_exists")
    assert _columns_to_read(criteria, list(full.columns)) == read
    # the wide text and the columns no expectation reads are not fetched at all
    assert list(frame.columns) == read
    # the columns read are what reading the whole query gives: values, order, dtypes, except the
    # bounded `ordinal`, widened from int32 to int64 so that GX compares it vectorised
    assert str(full["ordinal"].dtype) == "int32"
    assert str(frame["ordinal"].dtype) == "int64"
    pd.testing.assert_frame_equal(frame[read], full[read].astype({"ordinal": "int64"}))
    assert frame["criterion_id"].tolist() == ["crit-1", "crit-2", "crit-3", "crit-bad"]
    assert frame["ordinal"].tolist() == [1, 1, 1, 0]


def test_bounded_integer_columns_are_widened_without_changing_a_value():
    suite = replace(
        _suite("criteria"),
        expectations=tuple(
            {"type": "expect_column_values_to_be_between", "kwargs": {"column": column, "min_value": 0}}
            for column in ("small", "year", "huge", "empty", "text")
        ),
    )
    frame = pd.DataFrame(
        {
            "small": pd.array([1, 2, 3], dtype="int32"),
            "year": pd.array([1999, None, 2024], dtype="Int64"),
            "huge": pd.array([2**60, None, 1], dtype="Int64"),
            "empty": pd.array([None, None, None], dtype="Int32"),
            "text": ["a", "b", "c"],
            "unbounded": pd.array([7, 8, 9], dtype="int16"),
        }
    )
    widened = _widen_bounded_columns(frame.copy(), suite)
    assert {column: str(dtype) for column, dtype in widened.dtypes.items()} == {
        "small": "int64",
        "year": "float64",
        "huge": "Int64",  # not exact as a float: left as DuckDB gave it
        "empty": "float64",
        "text": str(frame["text"].dtype),
        "unbounded": "int16",  # no bound checks it
    }
    assert widened["small"].tolist() == [1, 2, 3]
    assert widened["year"].tolist()[0::2] == [1999.0, 2024.0]
    assert pd.isna(widened["year"][1]) and widened["empty"].isna().all()
    assert widened["huge"].tolist()[0] == 2**60


def test_columns_to_read_falls_back_to_every_column_when_it_cannot_tell():
    columns = ["id", "a", "b", "c", "helper"]
    base = replace(
        _suite("criteria"),
        row_keys=("id",),
        expectations=(
            {"type": "expect_table_columns_to_match_set", "kwargs": {"column_set": ["id", "a", "b", "c"]}},
            {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "helper"}},
            {
                "type": "expect_column_pair_values_a_to_be_greater_than_b",
                "kwargs": {"column_A": "b", "column_B": "a"},
            },
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "not_in_query"}},
        ),
    )
    assert _columns_to_read(base, columns) == ["id", "a", "b", "helper"]
    with_condition = replace(
        base,
        expectations=(
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {
                    "column": "a",
                    "row_condition": 'col("c") > 1',
                    "condition_parser": "great_expectations",
                },
            },
        ),
    )
    assert _columns_to_read(with_condition, columns) == columns
    unknown_table_level = replace(
        base,
        expectations=({"type": "unexpected_rows_expectation", "kwargs": {"unexpected_rows_query": "..."}},),
    )
    assert _columns_to_read(unknown_table_level, columns) == columns
    assert _columns_to_read(base, ["id", "a", "a"]) == ["id", "a", "a"]  # a repeated name: read it whole
    assert _columns_to_read(replace(base, row_keys=("gone",)), ["x"]) == ["x"]


@pytest.mark.parametrize("where", ["true", "false"])
def test_fetch_frame_gives_what_duckdb_df_gives(where):
    """Text through Arrow, the rest through DuckDB's own conversion: the same frame as `.df()`."""
    con = duckdb.connect()
    con.execute("CREATE TYPE mood AS ENUM ('calm', 'busy')")
    con.execute(
        """
        CREATE TABLE t AS SELECT * FROM (VALUES
          ('a', 1, 1, true, true, DATE '2020-01-02', TIMESTAMP '2020-01-01 01:02:03',
           TIMESTAMPTZ '2020-01-01 00:00:00+00', 1.5::DOUBLE, 2.25::DECIMAL(10, 2), ['x', 'y'], 7::BIGINT),
          (NULL, 2, NULL, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
          ('ü', 3, 3, true, false, DATE '1999-12-31', NULL, NULL, -0.5, NULL, [], 8)
        ) AS v(s, i, i_null, b, b_null, d, ts, tz, f, dec, l, big)
        """
    )
    query = f"SELECT * FROM t WHERE {where} ORDER BY i"
    relation = con.sql(query)
    columns, types = relation.columns, [str(type_) for type_ in relation.types]
    assert all(_ARROW_SAFE_TYPE.fullmatch(type_) for type_ in types), types  # the Arrow path is taken
    pd.testing.assert_frame_equal(_fetch_frame(con, query, columns, types), con.execute(query).df())
    # types that do not survive the Arrow round trip unchanged are read with .df() itself
    only_nulls = f"SELECT i, NULL::VARCHAR AS nothing FROM t WHERE {where} ORDER BY i"
    frame = _fetch_frame(con, only_nulls, ["i", "nothing"], ["INTEGER", "VARCHAR"])
    pd.testing.assert_frame_equal(frame, con.execute(only_nulls).df())
    odd = (
        "SELECT s, 'calm'::mood AS e, '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID AS u, {'k': i} AS st "
        f"FROM t WHERE {where} ORDER BY i"
    )
    relation = con.sql(odd)
    frame = _fetch_frame(con, odd, relation.columns, [str(type_) for type_ in relation.types])
    pd.testing.assert_frame_equal(frame, con.execute(odd).df())
    con.close()


def test_missing_contract_column_fails_the_suite_although_it_is_not_read(tmp_path):
    """`criteria.text` is never fetched (no expectation reads it), yet dropping it fails the contract."""
    db = build_warehouse(tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute("ALTER TABLE marts.criteria DROP COLUMN text")
    report = validate_warehouse(db, tmp_path / "reports" / "r", run_id="r")
    assert report.success is False
    suites = {suite["suite"]: suite for suite in report.summary["suites"]}
    assert [name for name, suite in suites.items() if not suite["success"]] == ["criteria"]
    [failure] = suites["criteria"]["failed"]
    assert failure["expectation"] == "expect_table_columns_to_match_set"
    assert failure["details"]["mismatched"]["missing"] == ["text"]
    assert "text" not in failure["observed_value"]
    assert "criterion_id" in failure["observed_value"]
    assert suites["criteria"]["rows"] == 3


def test_expectation_on_a_column_the_query_lacks_still_fails(tmp_path):
    expectations = tmp_path / "expectations"
    expectations.mkdir()
    (expectations / "x.json").write_text(
        json.dumps(
            {
                "name": "x",
                "meta": {
                    "table": "marts.arms",
                    "row_keys": ["arm_id"],
                    "sql": "SELECT a.* FROM marts.arms AS a ORDER BY a.arm_id",
                },
                "expectations": [
                    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "arm_id"}},
                    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "no_such_column"}},
                ],
            }
        )
    )
    db = build_warehouse(tmp_path / "warehouse.duckdb")
    report = validate_warehouse(db, tmp_path / "reports" / "r", run_id="r", expectations_dir=expectations)
    [suite] = report.summary["suites"]
    assert suite["success"] is False
    assert [(f["expectation"], f["column"]) for f in suite["failed"]] == [
        ("expect_column_values_to_not_be_null", "no_such_column")
    ]
    assert "no_such_column" in suite["failed"][0]["exception"]


def test_batch_fingerprint_is_skipped_and_the_gx_constant_restored(good_run):
    from great_expectations.execution_engine import pandas_execution_engine

    report, _, _, _ = good_run
    pages = list((report.data_docs_index.parent / "validations").rglob("*.html"))
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "ge_load_time" in html  # the batch markers are still rendered...
        assert "pandas_data_fingerprint" not in html  # ...without the md5 of the whole frame
    assert pandas_execution_engine.HASH_THRESHOLD == 1e9
    with pytest.raises(RuntimeError), _without_batch_fingerprint():
        assert pandas_execution_engine.HASH_THRESHOLD == 0
        raise RuntimeError("a failing suite run")
    assert pandas_execution_engine.HASH_THRESHOLD == 1e9


def test_column_expectations_see_their_column_and_the_row_keys_only():
    """GX's column metrics get a frame of the column(s) and the row keys; anything else the whole
    frame; the engine is itself again afterwards, also after a failing run."""
    from great_expectations.execution_engine import PandasExecutionEngine
    from great_expectations.execution_engine.pandas_batch_data import PandasBatchData

    engine = PandasExecutionEngine()
    frame = pd.DataFrame({"key": ["x", "y"], "a": [1, 2], "b": [None, "z"], "c": [3, 4]})
    engine.load_batch_data("batch", PandasBatchData(engine, frame))

    def columns(domain_kwargs: dict) -> list[str]:
        return list(engine.get_domain_records(domain_kwargs).columns)

    with _column_domains_narrowed(["key"]):
        assert columns({"column": "b"}) == ["key", "b"]
        assert columns({"column_A": "c", "column_B": "a"}) == ["key", "a", "c"]
        assert columns({"column_list": ["b", "a"]}) == ["key", "a", "b"]
        narrowed = engine.get_domain_records({"column": "b"})
        assert narrowed["b"].isna().tolist() == [True, False] and narrowed["b"].iloc[1] == "z"
        assert narrowed.index.tolist() == [0, 1]
        # a column the frame lacks (GX then fails the expectation), a row condition, the table
        assert columns({"column": "missing"}) == ["key", "a", "b", "c"]
        assert columns({"column": "b", "row_condition": "a>1", "condition_parser": "pandas"}) == [
            "key",
            "a",
            "b",
            "c",
        ]
        assert columns({}) == ["key", "a", "b", "c"]
    assert columns({"column": "b"}) == ["key", "a", "b", "c"]
    with pytest.raises(RuntimeError), _column_domains_narrowed(["key"]):
        raise RuntimeError("a failing suite run")
    assert columns({"column": "b"}) == ["key", "a", "b", "c"]


def test_narrowed_column_domains_report_what_the_whole_frame_reports(bad_run, tmp_path, monkeypatch):
    """Every planted failure, its failing rows and examples, are the same as GX finds them on the
    whole frame."""

    def without_timings(value):
        if isinstance(value, dict):
            dropped = {"seconds", "duration_seconds", "validated_at", "warehouse", "data_docs", "run_id"}
            return {key: without_timings(item) for key, item in value.items() if key not in dropped}
        if isinstance(value, list):
            return [without_timings(item) for item in value]
        return value

    monkeypatch.setattr(
        validate_module, "_column_domains_narrowed", lambda row_keys: contextlib.nullcontext()
    )
    db = build_warehouse(tmp_path / "warehouse.duckdb", bad=True)
    whole = validate_warehouse(db, tmp_path / "reports" / "whole", run_id="whole")
    failed = sum(len(suite["failed"]) for suite in bad_run.summary["suites"])
    assert failed == 22
    assert without_timings(whole.summary) == without_timings(bad_run.summary)


@pytest.fixture
def grouped(monkeypatch) -> list[int]:
    """The length of each column whose duplicates DuckDB grouped, in call order."""
    lengths: list[int] = []
    group = validate_module._text_duplicated
    monkeypatch.setattr(
        validate_module, "_text_duplicated", lambda values: lengths.append(len(values)) or group(values)
    )
    return lengths


@pytest.mark.parametrize("text_type", ["string", "large_string"])
def test_text_duplicates_grouped_by_duckdb_mark_what_pandas_marks(text_type, grouped, monkeypatch):
    """Every occurrence of a repeated value is marked, nulls counting as one value; other calls
    (`keep="first"`, numbers, columns under the threshold) are pandas' own; pandas is itself again
    afterwards, also after a failing run."""
    import pyarrow as pa

    monkeypatch.setattr(validate_module, "GROUP_DUPLICATES_MIN_ROWS", 3)

    def series(values, value_type):
        return pd.Series(pd.array(values, dtype=pd.ArrowDtype(value_type)))

    text = getattr(pa, text_type)()
    repeated = series(["a", "b", "a", None, "c", None, "a"], text)
    single_null = series(["a", None, "b"], text)
    numbers = series([1, 2, 1], pa.int64())
    pandas_marks = [
        repeated.duplicated(keep=False).tolist(),
        single_null.duplicated(keep=False).tolist(),
    ]
    with _text_duplicates_grouped_by_duckdb():
        grouped_marks = [
            repeated.duplicated(keep=False).tolist(),
            single_null.duplicated(keep=False).tolist(),
        ]
        assert grouped_marks[0] == [True, False, True, True, False, True, True]
        assert grouped_marks[1] == [False, False, False]
        assert repeated.duplicated(keep="first").tolist() == [False, False, True, False, False, True, True]
        assert numbers.duplicated(keep=False).tolist() == [True, False, True]
        assert series(["a", "a"], text).duplicated(keep=False).tolist() == [True, True]  # under 3 values
    assert grouped_marks == pandas_marks
    assert grouped == [7, 3]  # the two text columns of 3 values or more, with keep=False

    from pandas.core.arrays.arrow.array import ArrowExtensionArray

    original = ArrowExtensionArray.duplicated
    with pytest.raises(RuntimeError), _text_duplicates_grouped_by_duckdb():
        assert ArrowExtensionArray.duplicated is not original
        raise RuntimeError("a failing suite run")
    assert ArrowExtensionArray.duplicated is original


def test_uniqueness_grouped_by_duckdb_reports_what_pandas_reports(tmp_path, grouped, monkeypatch):
    """The planted duplicates fail with the same rows, counts and examples as pandas finds them."""
    db = build_warehouse(tmp_path / "warehouse.duckdb", bad=True)
    monkeypatch.setattr(validate_module, "GROUP_DUPLICATES_MIN_ROWS", 1)
    by_duckdb = validate_warehouse(db, tmp_path / "reports" / "duckdb", run_id="duckdb")
    # every uniqueness expectation of the shipped suites (all on text ids) went through DuckDB
    unique_checks = [
        expectation
        for definition in load_suite_definitions()
        for expectation in definition.expectations
        if expectation["type"] == "expect_column_values_to_be_unique"
    ]
    assert len(grouped) == len(unique_checks) == 8
    monkeypatch.setattr(validate_module, "_text_duplicates_grouped_by_duckdb", contextlib.nullcontext)
    by_pandas = validate_warehouse(db, tmp_path / "reports" / "pandas", run_id="pandas")
    unique = "expect_column_values_to_be_unique"
    failures = {key: failure for key, failure in _failures(by_duckdb.summary).items() if key[1] == unique}
    assert failures == {
        key: failure for key, failure in _failures(by_pandas.summary).items() if key[1] == unique
    }
    assert [row["record_id"] for row in failures[("trial_records", unique, "record_id")]["failing_rows"]] == [
        "rec-dup",
        "rec-dup",
    ]


@pytest.mark.parametrize("beside_max_rows", [0, 11, validate_module.READ_BESIDE_MAX_ROWS])
def test_suites_are_read_one_ahead_never_two_large_frames_at_once(tmp_path, monkeypatch, beside_max_rows):
    """Suites are read while GX validates others, but a suite on a mart of more rows than
    READ_BESIDE_MAX_ROWS never while another frame that large is in memory; the largest relation is
    read first; each connection closes before its frame is built, and every frame is released once
    its suite is validated."""
    db = build_warehouse(tmp_path / "warehouse.duckdb", bad=True)
    monkeypatch.setattr(validate_module, "READ_BESIDE_MAX_ROWS", beside_max_rows)
    with duckdb.connect(str(db), read_only=True) as con:
        table_rows = {
            f"{schema}.{table}": rows
            for schema, table, rows in con.execute(
                "select schema_name, table_name, estimated_size from duckdb_tables()"
            ).fetchall()
        }
    frames: list[tuple[str, int, weakref.ref]] = []
    reads: list[tuple[str, list[tuple[str, int]]]] = []  # suite read, and the frames alive then
    read_relation, suite_frame = validate_module._read_relation, validate_module._suite_frame
    closed_before_conversion: list[bool] = []

    def recording_read(con, definition, sql=None):
        reads.append((definition.name, [(name, rows) for name, rows, ref in frames if ref() is not None]))
        fetched, columns = read_relation(con, definition, sql)
        connections[threading.get_ident()] = con  # two threads read
        return fetched, columns

    def recording_frame(fetched, definition):
        # the suite's connection is closed before its result becomes a frame
        with pytest.raises(duckdb.ConnectionException):
            connections[threading.get_ident()].execute("select 1")
        closed_before_conversion.append(True)
        frame = suite_frame(fetched, definition)
        frames.append((definition.name, len(frame), weakref.ref(frame)))
        return frame

    connections: dict[int, duckdb.DuckDBPyConnection] = {}
    monkeypatch.setattr(validate_module, "_read_relation", recording_read)
    monkeypatch.setattr(validate_module, "_suite_frame", recording_frame)
    report = validate_warehouse(db, tmp_path / "reports" / "r", run_id="r")
    suites = {suite["suite"]: suite for suite in report.summary["suites"]}
    assert len(frames) == len(suites) == len(closed_before_conversion) == 8
    # the report lists the suites in their files' order, whatever the order of reading
    assert list(suites) == sorted(suites)
    # the largest relation of this warehouse is read first, while GX is imported (beside the first
    # suite on a smaller mart when it is large: two readers)
    assert max(table_rows.items(), key=lambda item: item[1]) == ("marts.trial_links", 12)
    large = {name for name, suite in suites.items() if table_rows[suite["table"]] > beside_max_rows}
    assert [name for name, _ in reads if name in large][:1] == (["trial_links"] if large else [])
    assert (reads[0][0] == "trial_links") if not large else ("trial_links" in {name for name, _ in reads[:2]})
    if beside_max_rows == 11:  # both readers: large marts one at a time, small ones beside them
        assert "trial_links" in large and 0 < len(large) < len(suites)
    for name, alive in reads:
        for _, rows in alive:
            assert min(rows, table_rows[suites[name]["table"]]) <= beside_max_rows, (name, alive)
    read_beside = [name for name, alive in reads if alive]
    if beside_max_rows > 11:  # the default: no mart here is large
        assert len(read_beside) == 7  # every suite but the first was read beside its predecessor
    elif beside_max_rows:
        assert len(read_beside) >= 6  # all but the first of each reader, at least
    else:
        # only beside an empty frame or before an empty table (here: trial_history's frame is empty)
        assert all(
            table_rows[suites[name]["table"]] == 0 or all(rows == 0 for _, rows in alive)
            for name, alive in reads
            if alive
        )
    assert [name for name, _, ref in frames if ref() is not None] == []


def _changes_db(path: Path, changed: dict[str, tuple[str, list[str]]]) -> Path:
    """A build warehouse whose int_trial_links says which records load 2 changed (and their trials)."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE SCHEMA intermediate;"
            "CREATE TABLE intermediate.int_trial_links"
            " (record_id VARCHAR, trial_id VARCHAR, changed_in_load INTEGER, previous_trial_ids VARCHAR[])"
        )
        con.execute("INSERT INTO intermediate.int_trial_links VALUES ('rec-unchanged', 'NCT00000000', 1, [])")
        for record_id, (trial_id, left) in changed.items():
            con.execute(
                "INSERT INTO intermediate.int_trial_links VALUES (?, ?, 2, ?)", [record_id, trial_id, left]
            )
    return path


# 2: the marts of more than two rows are large, and their scoped frames of a row or two are not, so
# a large mart is read beside the others (two readers attaching the build file on one DuckDB instance)
@pytest.mark.parametrize("beside_max_rows", [validate_module.READ_BESIDE_MAX_ROWS, 2])
def test_a_scoped_run_reads_only_the_changed_rows_and_counts_whole_marts(
    tmp_path, monkeypatch, beside_max_rows
):
    monkeypatch.setattr(validate_module, "READ_BESIDE_MAX_ROWS", beside_max_rows)
    db = build_warehouse(tmp_path / "analytics.duckdb", bad=True)
    # the bad rows were published (and failed) before load 1; load 2 changed one good record only
    good_only = _changes_db(tmp_path / "build_a.duckdb", {"rec-nct03418623": ("NCT03418623", [])})
    # Connections to one file in one process share a DuckDB instance and its attached files. Suites
    # read beside each other meet that; a connection held open here makes every read meet it.
    with duckdb.connect(str(db), read_only=True):
        report = validate_warehouse(
            db, tmp_path / "reports" / "a", run_id="a", changed_since_load_id=1, changes_db=good_only
        )
    assert report.success is True, report.summary
    suites = {suite["suite"]: suite for suite in report.summary["suites"]}
    assert report.summary["scope"] == "rows of records and trials changed after load 1"
    assert suites["trial_records"]["rows"] == 1
    assert suites["criteria"]["rows"] == 0  # the bad criterion belongs to an unchanged record
    assert suites["sites"]["rows"] == 1
    with duckdb.connect(str(db), read_only=True) as con:
        (total,) = con.execute("select count(*) from marts.trial_records").fetchone()
    assert suites["trial_records"]["table_rows"] == total > 1

    # a changed bad record is read and fails, named by its id
    with_bad = _changes_db(tmp_path / "build_b.duckdb", {"rec-negative": ("NCT90000001", ["NCT02210780"])})
    report = validate_warehouse(
        db, tmp_path / "reports" / "b", run_id="b", changed_since_load_id=1, changes_db=with_bad
    )
    assert report.success is False
    failures = _failures(report.summary)
    assert ("trial_records", "expect_column_values_to_be_between", "enrollment") in failures
    suites = {suite["suite"]: suite for suite in report.summary["suites"]}
    assert suites["trial_records"]["rows"] == 1
    # the trial the record left is validated too
    assert suites["trials"]["rows"] == 2

    # criteria are read by the load that wrote them: a record's criteria are often left as they were
    with duckdb.connect(str(db)) as con:
        con.execute(
            "INSERT INTO marts.criteria VALUES ('crit-new', 'NCT02210780', 'rec-nct02210780', 'maybe', 1,"
            " 'crit-1', 'Written by load 2', 'text-2', 2)"
        )
    report = validate_warehouse(
        db, tmp_path / "reports" / "c", run_id="c", changed_since_load_id=1, changes_db=good_only
    )
    suites = {suite["suite"]: suite for suite in report.summary["suites"]}
    assert suites["criteria"]["rows"] == 1
    failures = _failures(report.summary)
    assert failures[("criteria", "expect_column_values_to_be_in_set", "kind")]["failing_rows"] == [
        {"criterion_id": "crit-new", "record_id": "rec-nct02210780", "value": "maybe"}
    ]
    # its parent was written by load 1: not a criterion of the same build
    parent = failures[("criteria", "expect_column_values_to_be_in_set", "parent_exists")]
    assert parent["unexpected_count"] == 1


def test_failing_rows_and_examples_are_reported_in_key_and_value_order(tmp_path):
    """The suites' queries have no ORDER BY: the report orders what failed, whatever the row order."""
    db = build_warehouse(tmp_path / "warehouse.duckdb", bad=True)
    with duckdb.connect(str(db)) as con:
        con.execute(
            """
            INSERT INTO marts.criteria VALUES
              ('crit-zz', 'NCT02210780', 'rec-nct02210780', 'zzz', 1, NULL, 'Stored first, sorts last',
               'text-1', 1),
              ('crit-aa', 'NCT02210780', 'rec-nct02210780', 'aaa', 1, NULL, 'Stored last, sorts first',
               'text-1', 1);
            """
        )
        stored = [key for (key,) in con.execute("SELECT criterion_id FROM marts.criteria").fetchall()]
    assert stored[-3:] == ["crit-bad", "crit-zz", "crit-aa"]
    report = validate_warehouse(db, tmp_path / "reports" / "r", run_id="r")
    kind = _failures(report.summary)[("criteria", "expect_column_values_to_be_in_set", "kind")]
    assert kind["unexpected_count"] == 3
    assert [(row["criterion_id"], row["value"]) for row in kind["failing_rows"]] == [
        ("crit-aa", "aaa"),
        ("crit-bad", "maybe"),
        ("crit-zz", "zzz"),
    ]
    assert kind["unexpected_examples"] == ["aaa", "maybe", "zzz"]
    # by the suite's row keys in their order (record_id, then nct_id), not by nct_id, which comes
    # first alphabetically: rec-phase13 (NCT90000004) before rec-phase7 (NCT90000003)
    combos = _failures(report.summary)[
        ("trial_records", "expect_column_values_to_be_in_set", "phase_combination")
    ]
    assert [(row["record_id"], row["nct_id"]) for row in combos["failing_rows"]] == [
        ("rec-phase13", "NCT90000004"),
        ("rec-phase7", "NCT90000003"),
    ]


def test_a_scoped_query_fetches_its_marts_changed_rows_by_row_id(tmp_path):
    """The night's rows are found on the key column and fetched by row id; a query that names its
    mart twice is only filtered on its result. Both give the rows of the changed record."""
    db = build_warehouse(tmp_path / "analytics.duckdb", bad=True)
    changes = _changes_db(tmp_path / "build.duckdb", {"rec-nct03418623": ("NCT03418623", [])})
    sites = next(d for d in load_suite_definitions() if d.name == "sites")
    named_twice = replace(sites, sql=sites.sql + " WHERE c.site_id IN (SELECT site_id FROM marts.sites)")
    by_row_id = scoped_sql(sites, 1, "build.intermediate.int_trial_links")
    filtered = scoped_sql(named_twice, 1, "build.intermediate.int_trial_links")
    assert "found_rows AS MATERIALIZED" in by_row_id and "rowid IN" in by_row_id
    assert "found_rows" not in filtered
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute(f"attach '{changes}' as build (read_only)")
        read = [
            con.execute(f"select record_id, site_id from ({sql}) order by all").fetchall()
            for sql in (by_row_id, filtered)
        ]
        (sites_total,) = con.execute("select count(*) from marts.sites").fetchone()
    assert read[0] == read[1] == [("rec-nct03418623", "site-2")]
    assert sites_total > 1
