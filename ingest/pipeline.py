"""The nightly refresh as step functions: fetch → load → transform → validate → publish.

The Airflow DAG calls these one task at a time; `trialwh refresh` calls them in-process through
`refresh()`. Every step is keyed on the run date (the run's data interval), never on the clock, so
re-running a date repeats the same work.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ingest import settings

log = logging.getLogger(__name__)


class ValidationFailed(RuntimeError):
    """The build did not pass the data-quality suites; the published warehouse was left as it was."""


@dataclass(frozen=True)
class WarehousePaths:
    """Every file of one warehouse folder (see docs/ARCHITECTURE.md, "On disk")."""

    root: Path

    @property
    def raw(self) -> Path:
        override = os.environ.get("TRIALWH_RAW_DIR")
        return Path(override).resolve() if override else self.root / "raw"

    @property
    def build_db(self) -> Path:
        return self.root / "build" / settings.WAREHOUSE_FILE_NAME

    @property
    def build_analytics_db(self) -> Path:
        """The marts, history and mappings, built here by dbt and published as `published_db`."""
        return self.root / "build" / settings.ANALYTICS_FILE_NAME

    @property
    def published_db(self) -> Path:
        return self.root / settings.WAREHOUSE_FILE_NAME

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def dbt_target(self) -> Path:
        return self.root / "build" / "dbt_target"

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    def report_dir(self, run_id: str) -> Path:
        return self.reports / safe_run_id(run_id)


def warehouse_paths(warehouse_dir: str | Path | None = None) -> WarehousePaths:
    root = Path(warehouse_dir) if warehouse_dir else settings.default_warehouse_dir()
    return WarehousePaths(root.expanduser().resolve())


def safe_run_id(run_id: str) -> str:
    """Airflow run ids contain ':' and '+'; keep them readable but folder-safe."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", run_id)


def as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# ---------------------------------------------------------------- state (watermarks)


def read_state(paths: WarehousePaths) -> dict[str, Any]:
    if paths.state_file.exists():
        return json.loads(paths.state_file.read_text())
    return {"watermarks": {}}


def _write_state(paths: WarehousePaths, state: dict[str, Any]) -> None:
    paths.root.mkdir(parents=True, exist_ok=True)
    tmp = paths.state_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True))
    os.replace(tmp, paths.state_file)


# ---------------------------------------------------------------- steps


def source_names(sources_file: str | Path) -> list[str]:
    """Names of the configured sources: the DAG maps the fetch task over these."""
    from ingest.config import load_sources

    return [source.name for source in load_sources(sources_file)]


def fetch(
    sources_file: str | Path,
    source_name: str,
    run_date: date | str,
    warehouse_dir: str | Path,
    *,
    force: bool = False,
) -> dict:
    """Fetch one source for one run date into the immutable snapshot store, once.

    A run date whose manifest exists was fetched already: re-running that date reuses it (so an old
    day re-run changes nothing), unless `force`. Incremental sources ask only for what changed since
    the watermark of the last published run.
    """
    from ingest.config import load_sources
    from ingest.fetch import fetch_source
    from ingest.snapshots import partition_relpath

    paths = warehouse_paths(warehouse_dir)
    sources = {source.name: source for source in load_sources(sources_file)}
    if source_name not in sources:
        raise KeyError(f"source {source_name!r} is not in {sources_file}")
    source = sources[source_name]
    day = as_date(run_date)
    manifest = paths.raw / partition_relpath(source_name, day) / "manifest.jsonl"
    if manifest.exists() and not force:
        rows = sum(1 for line in manifest.read_text().splitlines() if line.strip())
        log.info("%s was fetched for %s already (%d rows): reusing it", source_name, day, rows)
        return {"source": source_name, "run_date": day.isoformat(), "fetched": rows, "reused": True}
    since = read_state(paths)["watermarks"].get(source_name) if source.kind == "ctgov_api" else None
    return fetch_source(source, day, paths.raw, since=since)


def load(warehouse_dir: str | Path, run_date: date | str | None) -> dict:
    """Load every snapshot manifest up to the run date not loaded before (all of them when None)."""
    from ingest.load import load_pending

    paths = warehouse_paths(warehouse_dir)
    return load_pending(paths.build_db, paths.raw, as_date(run_date) if run_date else None)


def dbt_env(warehouse_dir: str | Path) -> dict[str, str]:
    """Environment dbt needs: which build files to write, and how (read by `dbt_project/profiles.yml`)."""
    paths = warehouse_paths(warehouse_dir)
    return {
        "TRIALWH_BUILD_DB": str(paths.build_db),
        "TRIALWH_ANALYTICS_DB": str(paths.build_analytics_db),
        "TRIALWH_BUILD_ROW_GROUP_SIZE": str(settings.BUILD_ROW_GROUP_SIZE),
        # written on each seed table (dbt_project.yml), so a night can tell the seeds are loaded
        "TRIALWH_SEEDS_DIGEST": seeds_digest(),
    }


SEEDS_DIR = settings.DBT_PROJECT_DIR / "seeds"


def seeds_digest() -> str:
    """One digest of everything the seed tables are loaded from: the CSV files, their YAML, the project."""
    import hashlib

    digest = hashlib.sha256()
    for path in [*sorted(SEEDS_DIR.iterdir()), settings.DBT_PROJECT_DIR / "dbt_project.yml"]:
        if path.is_file():
            digest.update(f"{path.name}\0{path.stat().st_size}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def seeds_loaded(analytics_db: Path, digest: str) -> bool:
    """Whether every seed table in the build's marts file was loaded from the seed files as they are.

    A night then leaves the seeds (16 tables and their 58 tests, ~1.3 s at 500,000 studies) out of
    its build: they would be loaded and tested again unchanged.
    """
    import duckdb

    if not analytics_db.is_file():
        return False
    names = {path.stem for path in SEEDS_DIR.glob("*.csv")}
    with duckdb.connect(str(analytics_db), read_only=True) as con:
        loaded = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'mappings' and comment = ?",
            [digest],
        ).fetchall()
    return names <= {name for (name,) in loaded}


def plan_transform(warehouse_dir: str | Path) -> dict[str, int]:
    """What the next dbt build covers: loads after `since_load_id`, up to `through_load_id`."""
    from ingest import build_log
    from ingest.publish import check_build_file

    _release_dbt_connections()
    paths = warehouse_paths(warehouse_dir)
    paths.build_db.parent.mkdir(parents=True, exist_ok=True)
    since = build_log.built_through(paths.build_db, "transform")
    check_build_file(paths.build_analytics_db, None if since == build_log.NOTHING_BUILT else since)
    return {"since_load_id": since, "through_load_id": build_log.latest_load_id(paths.build_db)}


def prepare_build(warehouse_dir: str | Path) -> dict:
    """Before a build: copy the published marts file back as the build file if a publish took it.

    Touches neither the raw files nor the build warehouse, so it runs beside fetch and load.
    """
    from ingest.publish import prepare_build as prepare

    paths = warehouse_paths(warehouse_dir)
    return prepare(paths.build_analytics_db, paths.published_db)


def prepare_next_build(warehouse_dir: str | Path) -> dict:
    """After a publish: copy the published marts file as the next build file, off the next night.

    The published data does not wait for it; a run whose copy failed copies at its start instead.
    """
    from ingest.publish import prepare_next_build as prepare_next

    paths = warehouse_paths(warehouse_dir)
    return prepare_next(paths.build_analytics_db, paths.published_db)


def record_transform(warehouse_dir: str | Path, through_load_id: int, run_id: str | None = None) -> None:
    """After a successful dbt build: the next build starts after `through_load_id`."""
    from ingest import build_log

    _release_dbt_connections()
    build_log.record_step(warehouse_paths(warehouse_dir).build_db, "transform", int(through_load_id), run_id)


def transform(warehouse_dir: str | Path, *, select: str | None = None) -> dict:
    """`dbt build` (seeds, models, tests) on the build warehouse, in-process.

    The incremental models rebuild only the records sighted in loads after the last successful
    build (they read `raw.build_log` themselves); the log then records the newest load this build
    covered.
    """
    phases: dict[str, float] = {}
    lap = _stopwatch(phases)
    from dbt.cli.main import dbtRunner

    from ingest import build_log

    lap("import_s")
    paths = warehouse_paths(warehouse_dir)
    os.environ.update(dbt_env(warehouse_dir))
    plan = plan_transform(warehouse_dir)
    project = str(settings.DBT_PROJECT_DIR)
    _forget_other_checkouts_parse(paths.dbt_target, project)
    args = [
        "build",
        "--project-dir",
        project,
        "--profiles-dir",
        project,
        "--target-path",
        str(paths.dbt_target),
        "--log-path",
        str(paths.dbt_target / "logs"),
        # unit tests check the models' logic on fixed inputs: CI runs them (tests/test_dbt_unit_tests.py)
        "--exclude-resource-type",
        "unit_test",
    ]
    if select:
        args += ["--select", select]
    seeds_unchanged = plan["since_load_id"] != build_log.NOTHING_BUILT and seeds_loaded(
        paths.build_analytics_db, os.environ["TRIALWH_SEEDS_DIGEST"]
    )
    if seeds_unchanged:  # their tests go with them
        args += ["--exclude", "resource_type:seed"]
    threads = dbt_threads(plan)
    args += ["--threads", str(threads)]
    os.environ["TRIALWH_SINCE_LOAD_ID"] = str(plan["since_load_id"])
    lap("plan_s")
    try:
        result = dbtRunner().invoke(args)
    finally:
        del os.environ["TRIALWH_SINCE_LOAD_ID"]
    lap("dbt_s")
    _release_dbt_connections()  # closing the last connection checkpoints the files
    lap("close_s")
    statuses: dict[str, int] = {}
    for node in result.result or []:
        statuses[str(node.status)] = statuses.get(str(node.status), 0) + 1
    if not result.success:
        failed = [
            f"{node.node.unique_id}: {node.message}"
            for node in result.result or []
            if str(node.status) in {"error", "fail"}
        ]
        raise RuntimeError(f"dbt build failed: {failed or result.exception}")
    if not select:
        record_transform(warehouse_dir, plan["through_load_id"])
    lap("record_s")
    return {
        "dbt": statuses,
        "threads": threads,
        "seeds_loaded": not seeds_unchanged,
        **plan,
        "phases_s": phases,
    }


def _stopwatch(phases: dict[str, float]) -> Callable[[str], None]:
    """`lap(name)` records the seconds since the last lap (or the start) under `name`: where a
    step's time goes, for the benchmark's report."""
    last = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        phases[name] = round(now - last[0], 3)
        last[0] = now

    return lap


def _forget_other_checkouts_parse(target: Path, project: str) -> None:
    """Drop dbt's partial-parse file when it was written by a checkout in another folder.

    The file keeps each node's absolute path, and dbt reuses it whatever folder the project is in now:
    after a new release in a new folder, the seeds were looked for in the old one and the build
    failed. The folder that wrote it is kept beside it.
    """
    marker = target / "partial_parse.project_dir"  # none: written before the marker existed
    if not marker.is_file() or marker.read_text(encoding="utf-8") != project:
        (target / "partial_parse.msgpack").unlink(missing_ok=True)
    target.mkdir(parents=True, exist_ok=True)
    marker.write_text(project, encoding="utf-8")


FULL_BUILD_DBT_THREADS = 1
INCREMENT_DBT_THREADS = 4


def dbt_threads(plan: dict[str, int]) -> int:
    """dbt's threads for a build: `TRIALWH_DBT_THREADS`, else by what the build covers.

    Measured at 500,000 studies: a nightly increment's many small models take 22.4 s with two
    threads against 28.1 s with one, and 15.0 s with three against 15.7 s with two (one thread's
    Python runs while the others' DuckDB queries do); four were faster than three in eight of nine
    paired night replays, by 0.1-1.5 s; a full build's few large ones, each using every core
    already, take 30 s longer with two (BENCHMARKS.md).
    """
    from ingest import build_log

    configured = os.environ.get("TRIALWH_DBT_THREADS", "").strip()
    if configured:
        if not configured.isdigit() or int(configured) < 1:
            raise ValueError(f"TRIALWH_DBT_THREADS must be a whole number, 1 or more, not {configured!r}")
        return int(configured)
    if plan["since_load_id"] == build_log.NOTHING_BUILT:
        return FULL_BUILD_DBT_THREADS
    return INCREMENT_DBT_THREADS


def _release_dbt_connections() -> None:
    """dbt-duckdb keeps its read-write connection cached in-process; later steps open the file too.

    `airflow dags test` runs the Cosmos dbt tasks and the tasks after them in one process, so the
    steps that open the build file after dbt release it first (a no-op where dbt never ran).
    """
    connections = sys.modules.get("dbt.adapters.duckdb.connections")
    if connections is not None:
        connections.DuckDBConnectionManager.close_all_connections()


def validate(warehouse_dir: str | Path, run_id: str) -> dict:
    """Great Expectations suites on the built marts; raises ValidationFailed with the report's path.

    Only the records and trials changed since the last publish are checked: the published rows were
    checked on the night they changed.
    """
    from ingest import build_log
    from ingest.validate import latest_report_link, validate_warehouse

    _release_dbt_connections()
    paths = warehouse_paths(warehouse_dir)
    since = build_log.built_through(paths.build_db, "publish")
    report = validate_warehouse(
        paths.build_analytics_db,
        paths.report_dir(run_id),
        run_id=run_id,
        changed_since_load_id=since,
        changes_db=paths.build_db,
    )
    latest_report_link(paths.reports)
    summary = {
        "success": report.success,
        "data_docs": str(report.data_docs_index),
        "summary": str(report.summary_path),
        "failed": [
            f"{suite['table']}: {failure['expectation']} {failure.get('column') or ''}".strip()
            for suite in report.summary["suites"]
            for failure in suite["failed"]
        ],
    }
    if not report.success:
        raise ValidationFailed(
            f"validation failed, nothing published ({len(summary['failed'])} expectations): "
            f"{'; '.join(summary['failed'])}. Report: {report.data_docs_index}"
        )
    return summary


def publish(warehouse_dir: str | Path, run_date: date | str, sources_file: str | Path | None = None) -> dict:
    """Atomically publish the validated build, then advance incremental watermarks to this run."""
    from ingest import build_log
    from ingest.publish import publish_build, published_file

    paths = warehouse_paths(warehouse_dir)
    through = build_log.built_through(paths.build_db, "transform")
    if (
        not paths.build_analytics_db.exists()
        and paths.published_db.exists()
        and build_log.built_through(paths.build_db, "publish") < through
    ):
        # a retry: the publish renamed the validated file, then failed before logging it (only a
        # publish takes the build file between validation and here)
        result = published_file(paths.published_db)
    else:
        result = publish_build(paths.build_analytics_db, paths.published_db)
    build_log.record_step(paths.build_db, "publish", through)
    if sources_file is not None:
        from ingest.config import load_sources

        state = read_state(paths)
        for source in load_sources(sources_file):
            if source.kind == "ctgov_api":
                state["watermarks"][source.name] = as_date(run_date).isoformat()
        _write_state(paths, state)
    result.update(published_counts(paths.published_db))
    return result


COUNTED_MARTS = (
    "trial_records",
    "trials",
    "arms",
    "criteria",
    "sites",
    "interventions",
    "trial_contacts",
    "outcomes",
    "trial_references",
    "trial_links",
    "trial_conflicts",
    "trial_history",
    "quarantine",
)


def published_counts(published_db: Path) -> dict[str, int]:
    """Row counts analysts will see, including how many documents were quarantined."""
    from ingest.publish import connect_published

    with connect_published(published_db) as con:
        return {
            table: con.execute(f"select count(*) from marts.{table}").fetchone()[0] for table in COUNTED_MARTS
        }


def run_dates(warehouse_dir: str | Path) -> list[date]:
    """Run dates that have raw snapshots, oldest first."""
    from ingest.load import manifest_paths

    paths = warehouse_paths(warehouse_dir)
    days = {p.parent.name.removeprefix("run_date=") for p in manifest_paths(paths.raw)}
    return [date.fromisoformat(day) for day in sorted(days)]


def rebuild(
    sources_file: str | Path | None = None,
    warehouse_dir: str | Path | None = None,
    run_id: str | None = None,
) -> dict:
    """Rebuild the warehouse from the immutable raw snapshots alone, then validate and publish.

    Run dates are replayed oldest first (load that day, build), so the history snapshot sees each
    day as the nightly runs did and the rebuilt marts equal the incrementally built ones.
    """
    sources_file = Path(sources_file or settings.DEFAULT_SOURCES_FILE)
    paths = warehouse_paths(warehouse_dir)
    days = run_dates(paths.root)
    if not days:
        raise FileNotFoundError(f"no raw snapshots under {paths.raw}: nothing to rebuild from")
    for db in (paths.build_db, paths.build_analytics_db):
        for stale in (db, db.with_name(db.name + ".wal")):
            stale.unlink(missing_ok=True)
    replayed = []
    for day in days:
        loaded = load(paths.root, day)
        transform(paths.root)
        replayed.append({"run_date": day.isoformat(), "documents_added": loaded["documents_added"]})
    run_id = run_id or f"rebuild__{days[-1].isoformat()}"
    validated = validate(paths.root, run_id)
    published = publish(paths.root, days[-1], sources_file)
    return {
        "run_id": run_id,
        "replayed": replayed,
        "validate": validated,
        "publish": published,
        "prepare_next_build": prepare_next_build(paths.root),
    }


def refresh(
    sources_file: str | Path | None = None,
    warehouse_dir: str | Path | None = None,
    run_date: date | str | None = None,
    run_id: str | None = None,
) -> dict:
    """The whole nightly refresh in-process, the same steps the DAG runs."""
    from concurrent.futures import ThreadPoolExecutor

    sources_file = Path(sources_file or settings.DEFAULT_SOURCES_FILE)
    paths = warehouse_paths(warehouse_dir)
    day = as_date(run_date or date.today())
    run_id = run_id or f"cli__{day.isoformat()}"
    names = source_names(sources_file)
    # the copy shares no file with fetch and load; each source's fetch writes its own partition
    with ThreadPoolExecutor(max_workers=1 + len(names)) as pool:
        preparing = pool.submit(prepare_build, paths.root)
        fetching = [pool.submit(fetch, sources_file, name, day, paths.root) for name in names]
        fetched = [each.result() for each in fetching]
        loaded = load(paths.root, day)
        prepared = preparing.result()
    transformed = transform(paths.root)
    validated = validate(paths.root, run_id)
    published = publish(paths.root, day, sources_file)
    return {
        "run_id": run_id,
        "run_date": day.isoformat(),
        "fetch": fetched,
        "load": loaded,
        "prepare_build": prepared,
        "transform": transformed,
        "validate": validated,
        "publish": published,
        "prepare_next_build": prepare_next_build(paths.root),
    }
