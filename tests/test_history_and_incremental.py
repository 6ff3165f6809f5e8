"""History from nightly runs, and incremental nights that only do new work and never duplicate."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import duckdb
import pytest

from ingest import pipeline
from tests.conftest import BIN, REPO, airflow_env, printed_result, query, run_cli, write_sources

pytestmark = pytest.mark.slow

SAMPLE_CTGOV = REPO / "sample_data" / "ctgov"
STUDY = "NCT06171568"  # NOT_YET_RECRUITING, 400 ESTIMATED in the bundled sample
MART_TABLES = [
    "trial_records",
    "trials",
    "arms",
    "criteria",
    "sites",
    "quarantine",
    "trial_links",
    "trial_field_provenance",
    "trial_conflicts",
    "trial_history",
]
# columns that record when a run fetched, which two separate runs cannot share
RUN_TIME_COLUMNS = {"fetched_at", "last_fetched_at", "stated_values"}


def refresh(sources: Path, warehouse: Path, run_date: str, check: bool = True):
    return run_cli(
        "refresh",
        "--sources",
        str(sources),
        "--warehouse",
        str(warehouse),
        "--run-date",
        run_date,
        check=check,
    )


def set_study(folder: Path, *, status: str, enrollment: int, enrollment_type: str) -> None:
    study = json.loads((SAMPLE_CTGOV / f"{STUDY}.json").read_text())
    study["protocolSection"]["statusModule"]["overallStatus"] = status
    study["protocolSection"]["designModule"]["enrollmentInfo"] = {
        "count": enrollment,
        "type": enrollment_type,
    }
    (folder / f"{STUDY}.json").write_text(json.dumps(study))


def columns_of(db: Path, schema_table: str, exclude: set[str] = frozenset()) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select column_name from information_schema.columns"
            " where table_schema || '.' || table_name = ? order by ordinal_position",
            [schema_table],
        ).fetchall()
    return [c for (c,) in rows if c not in exclude]


def table_rows(db: Path, schema_table: str, exclude: set[str] = frozenset()) -> list[tuple]:
    select = ", ".join(f'"{c}"::varchar' for c in columns_of(db, schema_table, exclude))
    with duckdb.connect(str(db), read_only=True) as con:
        return sorted(con.execute(f"select {select} from {schema_table}").fetchall(), key=repr)


def row_counts(db: Path) -> dict[str, int]:
    """Rows of every table of a build warehouse and of its marts file (published, once a publish took it)."""
    counts = {}
    marts = db.with_name("analytics.duckdb")
    for path in (db, marts if marts.exists() else db.parent.parent / "warehouse.duckdb"):
        with duckdb.connect(str(path), read_only=True) as con:
            tables = con.execute(
                "select table_schema || '.' || table_name from information_schema.tables"
                " where table_type = 'BASE TABLE'"
            ).fetchall()
            counts |= {t: con.execute(f"select count(*) from {t}").fetchone()[0] for (t,) in tables}
    return counts


def next_nights_marts(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """The marts file the next night builds on (copied back from the published one), open to edit."""
    pipeline.prepare_build(warehouse)
    return duckdb.connect(str(warehouse / "build" / "analytics.duckdb"))


@pytest.fixture(scope="module")
def three_nights(tmp_path_factory):
    """NOT_YET_RECRUITING → RECRUITING → COMPLETED (enrollment 400 estimated → 380 actual)."""
    tmp = tmp_path_factory.mktemp("history")
    folder = tmp / "ctgov"
    shutil.copytree(SAMPLE_CTGOV, folder)
    sources = write_sources(
        tmp / "sources.yml", [{"name": "ctgov", "kind": "ctgov_bulk", "path": str(folder)}]
    )
    warehouse = tmp / "wh"
    nights = [
        ("2026-11-01", "NOT_YET_RECRUITING", 400, "ESTIMATED"),
        ("2026-11-02", "RECRUITING", 400, "ESTIMATED"),
        ("2026-11-03", "COMPLETED", 380, "ACTUAL"),
    ]
    for run_date, status, enrollment, kind in nights:
        set_study(folder, status=status, enrollment=enrollment, enrollment_type=kind)
        refresh(sources, warehouse, run_date)
    return sources, warehouse


def history_of(db: Path, trial_id: str) -> list[tuple]:
    return query(
        db,
        """
        select overall_status, enrollment, enrollment_type, valid_from::varchar, valid_to::varchar, is_current
        from marts.trial_history where trial_id = ? order by valid_from
        """,
        [trial_id],
    )


def test_three_nights_give_three_versions_with_their_validity(three_nights):
    _, warehouse = three_nights
    assert history_of(warehouse / "warehouse.duckdb", STUDY) == [
        ("NOT_YET_RECRUITING", 400, "ESTIMATED", "2026-11-01", "2026-11-02", False),
        ("RECRUITING", 400, "ESTIMATED", "2026-11-02", "2026-11-03", False),
        ("COMPLETED", 380, "ACTUAL", "2026-11-03", None, True),
    ]
    # studies that did not change keep one version, valid since the first night
    assert history_of(warehouse / "warehouse.duckdb", "NCT02210780") == [
        ("COMPLETED", 194, "ACTUAL", "2026-11-01", None, True)
    ]


def test_full_rebuild_from_raw_snapshots_gives_the_same_marts(three_nights):
    sources, warehouse = three_nights
    published = warehouse / "warehouse.duckdb"
    before = {table: table_rows(published, f"marts.{table}") for table in MART_TABLES}
    run_cli("rebuild", "--sources", str(sources), "--warehouse", str(warehouse))
    after = {table: table_rows(published, f"marts.{table}") for table in MART_TABLES}
    assert after == before
    assert len(after["trial_history"]) == 15  # 13 studies, one of them in three versions


def test_rerunning_an_old_night_changes_nothing(three_nights):
    sources, warehouse = three_nights
    published = warehouse / "warehouse.duckdb"
    before = {table: table_rows(published, f"marts.{table}") for table in MART_TABLES}
    counts = row_counts(warehouse / "build" / "warehouse.duckdb")
    refresh(sources, warehouse, "2026-11-02")
    assert {table: table_rows(published, f"marts.{table}") for table in MART_TABLES} == before
    assert row_counts(warehouse / "build" / "warehouse.duckdb") == counts


@pytest.fixture
def one_night(tmp_path):
    folder = tmp_path / "ctgov"
    shutil.copytree(SAMPLE_CTGOV, folder)
    sources = write_sources(
        tmp_path / "sources.yml", [{"name": "ctgov", "kind": "ctgov_bulk", "path": str(folder)}]
    )
    warehouse = tmp_path / "wh"
    refresh(sources, warehouse, "2026-11-10")
    return folder, sources, warehouse


def test_an_unchanged_night_adds_no_rows(one_night):
    _, sources, warehouse = one_night
    build = warehouse / "build" / "warehouse.duckdb"
    before = row_counts(build)
    published = warehouse / "warehouse.duckdb"
    marts_before = {table: table_rows(published, f"marts.{table}", RUN_TIME_COLUMNS) for table in MART_TABLES}
    refresh(sources, warehouse, "2026-11-11")
    after = row_counts(build)
    # the fetch log records the second night's 13 fetches, the documents they saw and its manifest;
    # the build log that the night's load was built and published; nothing else grows
    assert after.pop("raw.fetches") == before.pop("raw.fetches") + 13
    assert after.pop("raw.sightings") == before.pop("raw.sightings") + 13
    assert after.pop("raw.manifests") == before.pop("raw.manifests") + 1
    assert after.pop("raw.build_log") == before.pop("raw.build_log") + 2
    assert after == before
    # the same rows; only "last fetched" moved on to the second night
    assert {t: table_rows(published, f"marts.{t}", RUN_TIME_COLUMNS) for t in MART_TABLES} == marts_before
    assert query(published, "select count(distinct fetched_at::date) from marts.trial_records") == [(1,)]
    assert query(build, "select count(*) from raw.sightings where run_date = '2026-11-11'") == [(13,)]


def test_a_night_loads_the_seeds_again_only_when_a_seed_table_is_not_from_these_files(one_night):
    _, sources, warehouse = one_night
    transformed = printed_result(refresh(sources, warehouse, "2026-11-11").stdout)["transform"]
    # 41 incremental models, 2 views and the snapshot; no seed, nor the 58 tests on seeds
    assert transformed["seeds_loaded"] is False
    assert transformed["dbt"] == {"success": 44, "pass": 133}
    # where the step's time went, in order; dbt's build of 177 nodes is the largest part
    phases = transformed["phases_s"]
    assert list(phases) == ["import_s", "plan_s", "dbt_s", "close_s", "record_s"]
    assert max(phases, key=phases.get) == "dbt_s" and min(phases.values()) >= 0
    digest = pipeline.seeds_digest()
    published = warehouse / "warehouse.duckdb"
    assert query(
        published,
        "select count(*) from duckdb_tables() where schema_name = 'mappings' and comment = ?",
        [digest],
    ) == [(16,)]

    # one seed table loaded from other files (a release that changed it, say)
    with next_nights_marts(warehouse) as con:
        con.execute("comment on table mappings.phase_map is 'an older release'")
    transformed = printed_result(refresh(sources, warehouse, "2026-11-12").stdout)["transform"]
    assert transformed["seeds_loaded"] is True
    assert transformed["dbt"] == {"success": 60, "pass": 191}
    assert query(published, "select comment from duckdb_tables() where table_name = 'phase_map'") == [
        (digest,)
    ]
    assert query(published, "select phase from mappings.phase_map where phase_key = 'phase ii'") == [
        ("PHASE2",)
    ]


def test_a_changed_study_changes_only_its_own_rows(one_night):
    folder, sources, warehouse = one_night
    published = warehouse / "warehouse.duckdb"
    keyed = {
        "trial_records": "trial_id",
        "trials": "trial_id",
        "arms": "trial_id",
        "sites": "trial_id",
        "criteria": "trial_id",
    }
    before = {t: table_rows(published, f"marts.{t}", RUN_TIME_COLUMNS) for t in keyed}
    set_study(folder, status="RECRUITING", enrollment=420, enrollment_type="ESTIMATED")
    refresh(sources, warehouse, "2026-11-11")
    assert query(
        published, "select overall_status, enrollment from marts.trials where trial_id = ?", [STUDY]
    ) == [("RECRUITING", 420)]
    for table in keyed:
        after = table_rows(published, f"marts.{table}", RUN_TIME_COLUMNS)
        changed = set(before[table]) ^ set(after)
        trial_col = columns_of(published, f"marts.{table}", RUN_TIME_COLUMNS).index("trial_id")
        assert {row[trial_col] for row in changed} <= {STUDY}, table
    assert query(
        build_db(warehouse), "select count(*) from raw.documents where document_key = ?", [f"{STUDY}.json"]
    ) == [(2,)]


def criteria_by_load(published: Path, trial_id: str) -> list[tuple]:
    """(changed_in_load, rows) of a trial's criteria: which build wrote them."""
    return query(
        published,
        "select changed_in_load, count(*) from marts.criteria where trial_id = ? group by 1 order by 1",
        [trial_id],
    )


def validated_rows(warehouse: Path, suite: str) -> int:
    summary = json.loads((warehouse / "reports" / "latest" / "summary.json").read_text())
    return {entry["suite"]: entry for entry in summary["suites"]}[suite]["rows"]


def test_a_night_rewrites_the_criteria_of_a_record_only_when_its_eligibility_text_changed(one_night):
    folder, sources, warehouse = one_night
    published = warehouse / "warehouse.duckdb"
    assert criteria_by_load(published, STUDY) == [(1, 1)]

    # status and enrollment changed: the study's criteria stay as the first load wrote them
    set_study(folder, status="RECRUITING", enrollment=420, enrollment_type="ESTIMATED")
    refresh(sources, warehouse, "2026-11-11")
    assert query(published, "select overall_status from marts.trials where trial_id = ?", [STUDY]) == [
        ("RECRUITING",)
    ]
    assert criteria_by_load(published, STUDY) == [(1, 1)]
    assert validated_rows(warehouse, "criteria") == 0  # validation reads the rows a night wrote

    # an exclusion criterion added: the study's criteria are split again, by the third load
    study = json.loads((folder / f"{STUDY}.json").read_text())
    eligibility = study["protocolSection"]["eligibilityModule"]
    eligibility["eligibilityCriteria"] += "\n\nExclusion Criteria:\n\n* Pregnancy or breastfeeding"
    (folder / f"{STUDY}.json").write_text(json.dumps(study))
    refresh(sources, warehouse, "2026-11-12")
    assert criteria_by_load(published, STUDY) == [(3, 2)]
    assert query(
        published,
        "select kind, text from marts.criteria where trial_id = ? and text like 'Pregnancy%'",
        [STUDY],
    ) == [("exclusion", "Pregnancy or breastfeeding")]
    assert query(published, "select count(*) from marts.criteria where changed_in_load <> 1") == [(2,)]
    assert validated_rows(warehouse, "criteria") == 2
    assert query(
        published, "select distinct eligibility_text_id from marts.criteria where trial_id = ?", [STUDY]
    ) == [(hashlib.md5(eligibility["eligibilityCriteria"].encode()).hexdigest(),)]


def test_a_night_rewrites_the_lists_of_a_record_only_when_its_document_or_trial_changed(one_night):
    folder, sources, warehouse = one_night
    published = warehouse / "warehouse.duckdb"
    # plant a mark on every arm and site of the build, as an unchanged night must leave them
    with next_nights_marts(warehouse) as con:
        con.execute("update marts.arms set label = 'as written'")
        con.execute("update marts.sites set facility = 'as written'")
    with duckdb.connect(str(build_db(warehouse))) as con:
        con.execute("update intermediate.int_arms_unioned set label = 'as written'")

    # all 13 studies are fetched again; one of them (2 arms, 42 sites) changed its status
    changed = "NCT02210780"
    study = json.loads((SAMPLE_CTGOV / f"{changed}.json").read_text())
    study["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
    (folder / f"{changed}.json").write_text(json.dumps(study))
    refresh(sources, warehouse, "2026-11-11")
    marked = """
        select trial_id = ? as is_changed, count(*), count(*) filter (where {column} = 'as written')
        from marts.{table} group by 1 order by 1
    """
    # the changed study's lists were written again from its document, the others' left alone
    assert query(published, marked.format(table="arms", column="label"), [changed]) == [
        (False, 17, 17),
        (True, 2, 0),
    ]
    assert query(published, marked.format(table="sites", column="facility"), [changed]) == [
        (False, 552, 552),
        (True, 42, 0),
    ]
    assert query(published, "select label from marts.arms where trial_id = ? order by 1", [changed]) == [
        ("Dupilumab 300 mg qw",),
        ("Placebo qw",),
    ]
    # and so were its arms in the cleaned layer, read again from staging
    assert query(
        build_db(warehouse),
        "select count(*), count(*) filter (where label = 'as written') from intermediate.int_arms_unioned",
    ) == [(19, 17)]


def test_a_build_file_from_before_record_versions_kept_their_document_load_gains_it(one_night):
    folder, sources, warehouse = one_night
    with duckdb.connect(str(build_db(warehouse))) as con:
        con.execute("alter table intermediate.int_record_versions drop column document_changed_in_load")
    set_study(folder, status="RECRUITING", enrollment=420, enrollment_type="ESTIMATED")
    refresh(sources, warehouse, "2026-11-11")
    # the 13 studies sighted again count as new documents once, so their lists are written again
    assert query(
        build_db(warehouse),
        "select document_changed_in_load, count(*) from intermediate.int_record_versions group by 1",
    ) == [(2, 13)]
    assert query(
        warehouse / "warehouse.duckdb", "select overall_status from marts.trials where trial_id = ?", [STUDY]
    ) == [("RECRUITING",)]
    # the next night compares documents again: none changed, none counts as new
    refresh(sources, warehouse, "2026-11-12")
    assert query(
        build_db(warehouse),
        "select document_changed_in_load, count(*) from intermediate.int_record_versions group by 1",
    ) == [(2, 13)]


def test_a_marts_file_from_before_criteria_kept_their_text_gains_the_columns(one_night):
    folder, sources, warehouse = one_night
    published = warehouse / "warehouse.duckdb"
    with next_nights_marts(warehouse) as con:
        con.execute("alter table marts.criteria drop column changed_in_load")
        con.execute("alter table marts.criteria drop column eligibility_text_id")
        (total,) = con.execute("select count(*) from marts.criteria").fetchone()

    set_study(folder, status="RECRUITING", enrollment=420, enrollment_type="ESTIMATED")
    refresh(sources, warehouse, "2026-11-11")
    # the columns came with a rewrite of every criterion: no row is left without them
    assert query(
        published,
        "select changed_in_load, count(*), count(eligibility_text_id) from marts.criteria group by 1",
    ) == [(2, total, total)]
    # from then on a night compares texts: an unchanged one writes none
    refresh(sources, warehouse, "2026-11-12")
    assert query(published, "select changed_in_load, count(*) from marts.criteria group by 1") == [(2, total)]
    assert validated_rows(warehouse, "criteria") == 0


class ApiReplay:
    """ClinicalTrials.gov's /api/v2/studies on 127.0.0.1: two pages of bundled studies, token-paged."""

    PAGES = [["NCT02210780", "NCT03418623"], ["NCT06171568"]]

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.plant_bad_study = False
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                replay.requests.append(unquote(self.path))
                token = parse_qs(urlsplit(self.path).query).get("pageToken", ["0"])[0]
                body = json.dumps(replay.page(int(token))).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v2/studies"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page(self, index: int) -> dict:
        studies = []
        for nct_id in self.PAGES[index]:
            study = json.loads((SAMPLE_CTGOV / f"{nct_id}.json").read_text())
            if self.plant_bad_study and nct_id == "NCT03418623":
                study["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = -5
            studies.append(study)
        page = {"studies": studies}
        if index + 1 < len(self.PAGES):
            page["nextPageToken"] = str(index + 1)
        return page


@pytest.fixture
def api_server():
    replay = ApiReplay()
    yield replay
    replay.server.shutdown()


def build_db(warehouse: Path) -> Path:
    return warehouse / "build" / "warehouse.duckdb"


def test_killed_between_load_and_publish_then_rerun_equals_a_clean_run(tmp_path):
    sources = write_sources(
        tmp_path / "sources.yml",
        [
            {"name": "ctgov", "kind": "ctgov_bulk", "path": str(SAMPLE_CTGOV)},
        ],
    )
    killed = tmp_path / "killed"
    process = subprocess.Popen(
        [
            str(BIN / "trialwh"),
            "refresh",
            "--sources",
            str(sources),
            "--warehouse",
            str(killed),
            "--run-date",
            "2026-11-12",
        ],
        env=airflow_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # dbt's target folder appears once loading is committed and the build has started
    deadline = time.monotonic() + 300
    while not (killed / "build" / "dbt_target").exists():
        assert process.poll() is None and time.monotonic() < deadline, "refresh ended before dbt started"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (killed / "warehouse.duckdb").exists()
    refresh(sources, killed, "2026-11-12")

    clean = tmp_path / "clean"
    refresh(sources, clean, "2026-11-12")
    for table in MART_TABLES:
        assert table_rows(killed / "warehouse.duckdb", f"marts.{table}", RUN_TIME_COLUMNS) == table_rows(
            clean / "warehouse.duckdb", f"marts.{table}", RUN_TIME_COLUMNS
        ), table
    assert query(build_db(killed), "select count(*) from raw.documents") == [(13,)]


def test_api_watermark_advances_only_when_a_run_publishes(tmp_path, api_server):
    sources = write_sources(
        tmp_path / "sources.yml",
        [
            {
                "name": "api",
                "kind": "ctgov_api",
                "base_url": api_server.url,
                "params": {"query.cond": "lupus"},
                "page_size": 2,
                "rate_limit_per_second": 100,
            },
        ],
    )
    warehouse = tmp_path / "wh"
    state = warehouse / "state.json"

    refresh(sources, warehouse, "2026-11-13")
    assert json.loads(state.read_text())["watermarks"] == {"api": "2026-11-13"}
    assert "filter.advanced" not in api_server.requests[0]

    api_server.plant_bad_study = True
    result = refresh(sources, warehouse, "2026-11-14", check=False)
    assert result.returncode == 2
    assert "AREA[LastUpdatePostDate]RANGE[2026-11-13,MAX]" in api_server.requests[-1]
    assert json.loads(state.read_text())["watermarks"] == {"api": "2026-11-13"}

    api_server.plant_bad_study = False
    refresh(sources, warehouse, "2026-11-15")
    assert "AREA[LastUpdatePostDate]RANGE[2026-11-13,MAX]" in api_server.requests[-1]
    assert json.loads(state.read_text())["watermarks"] == {"api": "2026-11-15"}
