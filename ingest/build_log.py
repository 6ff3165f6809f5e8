"""Which loads the build has transformed and published, so each night touches only what changed.

Every load gets a `load_id` (ingest.load). After a successful dbt build the pipeline records the
highest load id it covered (`transform`), after a publish the same for `publish`. dbt rebuilds the
records sighted in loads after the last `transform`; validation checks the rows changed after the
last `publish`, so a night whose validation failed is checked again the next night.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ingest.load import ensure_schema
from ingest.settings import connect_build_file

NOTHING_BUILT = -1  # below every load id: "everything changed"


@contextmanager
def _build_file(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The build warehouse, with the raw schema (and its build log) in place."""
    with connect_build_file(db_path) as con:
        ensure_schema(con)
        yield con


def latest_load_id(db_path: Path) -> int:
    """The newest load in the build file (0 when nothing was loaded)."""
    with _build_file(db_path) as con:
        return con.execute("select coalesce(max(load_id), 0) from raw.manifests").fetchone()[0]


def built_through(db_path: Path, step: str) -> int:
    """The highest load id the last successful `step` covered, or NOTHING_BUILT."""
    if not db_path.exists():
        return NOTHING_BUILT
    with _build_file(db_path) as con:
        (value,) = con.execute(
            "select max(through_load_id) from raw.build_log where step = ?", [step]
        ).fetchone()
    return NOTHING_BUILT if value is None else value


def record_step(db_path: Path, step: str, through_load_id: int, run_id: str | None = None) -> None:
    """Log that `step` covered the loads up to `through_load_id`; a re-run adds nothing."""
    with _build_file(db_path) as con:
        con.execute(
            """
            insert into raw.build_log
            select ?, ?, ?, now()
            where not exists (select 1 from raw.build_log where step = ? and through_load_id = ?)
            """,
            [step, through_load_id, run_id, step, through_load_id],
        )
