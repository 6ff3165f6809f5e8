"""Audit step of write–audit–publish: Great Expectations (GX Core 1.x) suites on the marts.

The suites live in `expectations/<suite>.json`, one per validated relation, in GX's own suite format
plus three keys under `meta` that say what the suite reads:

- `meta.sql`: the query (a string, or a list of lines) that reads the relation from the warehouse,
  including the derived helper columns the expectations check (`phase_combination`, `start_year`,
  `dates_in_order`, ...). Reviewers see in one file what is read and what is expected of it.
- `meta.table`: the mart the suite is about (reported in `summary.json`).
- `meta.row_keys`: the columns that identify a failing row in the report (`record_id`, `trial_id`, ...).
- `meta.changed_in_load` (optional): the query's column holding the load of the build that wrote
  each row, for marts that rewrite fewer rows a night than changed (`criteria`).

The queries need no ORDER BY (sorting `criteria`'s 12 M rows took 7 s of its 10 s read): no
expectation here depends on row order, and `summary.json` lists failing rows sorted by their row
keys and example values sorted by their JSON text, the same every run.

The warehouse is opened read-only and each query's result is validated as a pandas DataFrame (GX's SQL
data sources return empty metric results on DuckDB). The run writes GX Data Docs (`index.html`) and
`summary.json` into the report folder.

What is read is bounded, because the marts are large (`criteria` has ~12 M rows at 500,000 studies):

- Only the columns whose values an expectation looks at (plus the row keys) are fetched: the suite's
  query is wrapped in `SELECT <those columns> FROM (<meta.sql>)`, and DuckDB pushes the projection
  down, so `t.*` in a suite file costs nothing for the columns no expectation reads (wide text such
  as `criteria.text`). The expectations on column names (`expect_table_columns_to_match_set`) run
  apart, as `<suite>.columns`, on a frame with the query's real column list and no rows: a contract
  column missing from the mart still fails the suite, and GX's row filters (a copy of the whole
  frame, two or so per expectation) copy only the columns read.
- Text columns reach pandas as one Arrow chunk each, not DuckDB's one per row group, because those
  row filters are several times slower over many chunks.
- Results come out of DuckDB through Arrow (text columns without a Python object per value), on
  two reader threads while GX validates (`_SuiteReads`); each suite's frame is released once it is
  validated, and a suite on a large mart is not read while another large frame is in memory.
- GX's per-batch md5 fingerprint of the whole frame (a batch marker, nothing checks it) is skipped.
- GX's column expectations see a frame of their column and the row keys (`_column_domains_narrowed`):
  the null filter GX applies before most of them then copies those columns, not the whole frame.
- GX's uniqueness check on a text column of 100,000 values or more groups it in DuckDB
  (`_text_duplicates_grouped_by_duckdb`), not in pandas' single-threaded factorize (6.3 s against
  1.8 s for `criteria`'s 12 M ids).
- A nightly run validates the rows that changed since the last publish (`changed_since_load_id`):
  a suite keyed by `record_id` reads the records whose link rows were rewritten after that load
  (`intermediate.int_trial_links.changed_in_load`), a suite keyed by `trial_id` those records'
  trials and the trials they left; a suite with `meta.changed_in_load` reads the rows that column
  dates after that load (the rows the builds since then wrote). A suite's mart is read by row id
  (`_rows_by_row_id`): the changed rows sit at the end of the mart, so the other row groups are
  skipped. The published rows were validated the night they changed; dbt's tests check the keys
  of the rows each build wrote, and every key on a full build.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import logging
import math
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.settings import EXPECTATIONS_DIR

if TYPE_CHECKING:
    import duckdb
    import pandas as pd
    import pyarrow as pa

# GX logs at INFO while it is imported ("Skipping registering function ..."), which Airflow's structlog
# set-up prints; GX's own warnings and errors still come through. Analytics stay off: no network here.
_GX_LOGGERS = ("great_expectations", "great_expectations._docs_decorators")
for _name in _GX_LOGGERS:
    logging.getLogger(_name).setLevel(logging.WARNING)
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

logger = logging.getLogger(__name__)

SUMMARY_FILE_NAME = "summary.json"
DATA_DOCS_SITE_NAME = "trialwh"
LATEST_LINK_NAME = "latest"
REPORT_MARKER_NAME = ".trialwh-report"
# summary.json lists at most this many failing rows and distinct unexpected values per expectation;
# `unexpected_count` is always the full count, and the Data Docs page shows the complete result.
MAX_FAILING_ROWS = 1000
MAX_UNEXPECTED_EXAMPLES = 20
# The files GX writes into a Data Docs site, removed before a rerun of the same run id writes again.
_DATA_DOCS_ENTRIES = ("index.html", "validations", "expectations", "static", SUMMARY_FILE_NAME)
_EXPECTATION_KEYS = {"type", "kwargs", "meta", "notes", "description", "id"}
# Expectations that look only at a relation's column names or row count, never at values: they need
# no column fetched. Any other expectation that names no column (a row condition, a custom query)
# makes its suite read every column, as before.
_SHAPE_ONLY_EXPECTATIONS = frozenset(
    {
        "expect_column_to_exist",
        "expect_table_column_count_to_be_between",
        "expect_table_column_count_to_equal",
        "expect_table_columns_to_match_ordered_list",
        "expect_table_columns_to_match_set",
        "expect_table_row_count_to_be_between",
        "expect_table_row_count_to_equal",
    }
)
_COLUMN_KWARGS = ("column", "column_A", "column_B")
# DuckDB types whose values come back identical to `.df()` after a trip through Arrow (checked by
# tests/test_validate.py); a query with any other type (ENUM, UUID, STRUCT, ...) is read with `.df()`.
_ARROW_SAFE_TYPE = re.compile(
    r"(VARCHAR|BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE"
    r"|DATE|TIMESTAMP|TIMESTAMP WITH TIME ZONE|DECIMAL\(\d+, ?\d+\))(\[\])*"
)


class SuiteDefinitionError(ValueError):
    """A suite file in expectations/ is not a valid suite (unknown expectation, bad kwargs, no SQL)."""


@dataclass(frozen=True)
class SuiteDefinition:
    """One `expectations/<name>.json`: what to read (SQL) and what to expect of it."""

    name: str
    table: str
    sql: str
    row_keys: tuple[str, ...]
    expectations: tuple[dict[str, Any], ...]
    meta: dict[str, Any] = field(default_factory=dict)
    notes: str | list[str] | None = None
    path: Path | None = None


@dataclass(frozen=True)
class ValidationReport:
    success: bool
    summary: dict[str, Any]
    summary_path: Path
    data_docs_index: Path


# --------------------------------------------------------------------------------------------------
# Suite files


def load_suite_definitions(expectations_dir: Path = EXPECTATIONS_DIR) -> list[SuiteDefinition]:
    """Every `*.json` suite in `expectations_dir`, sorted by name; raises SuiteDefinitionError."""
    paths = sorted(Path(expectations_dir).glob("*.json"))
    if not paths:
        raise SuiteDefinitionError(f"no expectation suites (*.json) in {expectations_dir}")
    suites = [_read_suite_file(path) for path in paths]
    names = [suite.name for suite in suites]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SuiteDefinitionError(f"suite names used twice in {expectations_dir}: {duplicates}")
    return suites


def _read_suite_file(path: Path) -> SuiteDefinition:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SuiteDefinitionError(f"{path}: not readable JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise SuiteDefinitionError(f"{path}: a suite file holds one JSON object")
    meta = data.get("meta") or {}
    name = data.get("name") or path.stem
    sql = meta.get("sql")
    if isinstance(sql, list):
        sql = "\n".join(sql)
    if not isinstance(sql, str) or not sql.strip():
        raise SuiteDefinitionError(f"{path}: meta.sql (the query that reads the relation) is required")
    row_keys = meta.get("row_keys")
    if not row_keys or not isinstance(row_keys, list) or not all(isinstance(k, str) for k in row_keys):
        raise SuiteDefinitionError(f"{path}: meta.row_keys must be a non-empty list of column names")
    expectations = data.get("expectations")
    if not isinstance(expectations, list) or not expectations:
        raise SuiteDefinitionError(f"{path}: `expectations` must be a non-empty list")
    for index, expectation in enumerate(expectations):
        unknown = set(expectation) - _EXPECTATION_KEYS if isinstance(expectation, dict) else None
        if unknown is None or "type" not in expectation or unknown:
            raise SuiteDefinitionError(
                f"{path}: expectation #{index} must be an object with `type`, `kwargs` and optionally "
                f"{sorted(_EXPECTATION_KEYS - {'type', 'kwargs'})}; got {expectation!r}"
            )
    return SuiteDefinition(
        name=name,
        table=meta.get("table") or name,
        sql=sql,
        row_keys=tuple(row_keys),
        expectations=tuple(expectations),
        meta=meta,
        notes=data.get("notes"),
        path=path,
    )


# --------------------------------------------------------------------------------------------------
# GX


def _import_gx():
    for name in _GX_LOGGERS:  # again: a logging set-up run after our import may have reset levels
        logging.getLogger(name).setLevel(logging.WARNING)
    import great_expectations as gx

    return gx


def _build_expectation_suite(gx, definition: SuiteDefinition):
    """The GX ExpectationSuite of a definition; unlike ExpectationSuite(...) a bad expectation raises."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    expectations = []
    for index, item in enumerate(definition.expectations):
        try:
            config = ExpectationConfiguration(
                type=item["type"],
                kwargs=dict(item.get("kwargs") or {}),
                meta=item.get("meta"),
                notes=item.get("notes"),
                description=item.get("description"),
            )
            expectations.append(config.to_domain_obj())
        except Exception as exc:  # GX raises several kinds (not found, pydantic validation, ...)
            raise SuiteDefinitionError(
                f"{definition.path or definition.name}: expectation #{index} ({item.get('type')}) "
                f"is not valid: {exc}"
            ) from exc
    meta = {k: v for k, v in definition.meta.items()}
    return gx.ExpectationSuite(
        name=definition.name, expectations=expectations, meta=meta, notes=definition.notes
    )


def _make_context(gx, docs_dir: Path):
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites={
            DATA_DOCS_SITE_NAME: {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


@contextlib.contextmanager
def _without_batch_fingerprint() -> Iterator[None]:
    """Skip GX's md5 fingerprint of each batch DataFrame while the suites run.

    `PandasExecutionEngine.get_batch_data_and_markers` hashes every frame smaller than the module
    constant `HASH_THRESHOLD` (pickling the whole frame when a column holds lists) only to store the
    digest as the batch marker `pandas_data_fingerprint`; nothing checks it. GX 1.24 has no option
    for it, and the constant is read at call time: this is the one place it is changed, and it is
    restored afterwards so that other GX users in the process are not affected.
    """
    from great_expectations.execution_engine import pandas_execution_engine

    previous = pandas_execution_engine.HASH_THRESHOLD
    pandas_execution_engine.HASH_THRESHOLD = 0  # `memory_usage().sum() < 0` is never true
    try:
        yield
    finally:
        pandas_execution_engine.HASH_THRESHOLD = previous


@contextlib.contextmanager
def _column_domains_narrowed(row_keys: Sequence[str]) -> Iterator[None]:
    """GX computes a column expectation on a frame of that column and the row keys only.

    GX's pandas engine gives every column metric the whole batch frame (`get_domain_records`), and
    most of them drop the column's nulls with a boolean filter first: a copy of every column,
    several per expectation. At 500,000 studies that copying was most of the time of the suites
    on wide frames (`trial_records`, 19 columns, 5.0 s; 1.6 s validated column by column). The
    selection shares the frame's arrays, and GX sees the same rows, index and row keys (the
    columns `unexpected_index_column_names` reports). A domain with a row condition, or naming a
    column the frame lacks, gets the whole frame as before. Like `_without_batch_fingerprint`, the
    engine is changed only while a suite runs.
    """
    from great_expectations.execution_engine.pandas_execution_engine import PandasExecutionEngine

    original = PandasExecutionEngine.get_domain_records
    keys = set(row_keys)

    def narrowed(self, domain_kwargs: dict) -> pd.DataFrame:
        data = original(self, domain_kwargs)
        if domain_kwargs.get("row_condition"):
            return data
        named = [domain_kwargs.get(key) for key in _COLUMN_KWARGS]
        named += list(domain_kwargs.get("column_list") or [])
        domain = {column for column in named if isinstance(column, str)}
        if not domain or not domain.issubset(data.columns):
            return data
        keep = [column for column in data.columns if column in domain or column in keys]
        return data if len(keep) == len(data.columns) else data[keep]

    PandasExecutionEngine.get_domain_records = narrowed  # type: ignore[method-assign]
    try:
        yield
    finally:
        PandasExecutionEngine.get_domain_records = original  # type: ignore[method-assign]


# Below this many values pandas' factorize is quicker than starting DuckDB (~0.3 ms against ~25 ms).
GROUP_DUPLICATES_MIN_ROWS = 100_000


def _text_duplicated(values: pa.ChunkedArray) -> Any:
    """Which values occur more than once (pandas' `duplicated(keep=False)`; nulls count as one value).

    DuckDB groups the values on all cores; `is_in` then marks the rows of the (usually no)
    repeated values.
    """
    import duckdb
    import pyarrow as pa
    import pyarrow.compute as pc

    with duckdb.connect() as con:
        con.register("column_values", pa.table({"value": values}))
        repeated = (
            con.sql("select value from column_values group by value having count(*) > 1")
            .to_arrow_table()
            .column("value")
        )
    if len(repeated) == 0:
        import numpy as np

        return np.zeros(len(values), dtype=bool)
    marked = pc.is_in(values, value_set=repeated.combine_chunks(), skip_nulls=False)
    return marked.to_numpy(zero_copy_only=False)


@contextlib.contextmanager
def _text_duplicates_grouped_by_duckdb() -> Iterator[None]:
    """GX's uniqueness check groups a text column in DuckDB, not in pandas' single-threaded factorize.

    `expect_column_values_to_be_unique` on pandas is `~column.duplicated(keep=False)`. For a column
    of Arrow strings pandas factorizes it first: 6.3 s for the 12 M `criterion_id`s at 500,000
    studies, the largest part of the `criteria` suite, against 1.8 s for DuckDB's group-by over the
    same Arrow array. Only text arrays of `GROUP_DUPLICATES_MIN_ROWS` values or more, with
    `keep=False`, take this path; other calls go to pandas.
    Like the other GX changes here, it holds only while the suites run.
    """
    import pyarrow as pa
    from pandas.core.arrays.arrow.array import ArrowExtensionArray

    original = ArrowExtensionArray.duplicated

    def duplicated(self, keep="first"):
        value_type = self._pa_array.type
        if (
            keep is not False
            or len(self) < GROUP_DUPLICATES_MIN_ROWS
            or not (pa.types.is_string(value_type) or pa.types.is_large_string(value_type))
        ):
            return original(self, keep=keep)
        return _text_duplicated(self._pa_array)

    ArrowExtensionArray.duplicated = duplicated  # type: ignore[method-assign]
    try:
        yield
    finally:
        ArrowExtensionArray.duplicated = original  # type: ignore[method-assign]


def _release_batches(datasource: Any) -> None:
    """Drop the frames GX keeps after a suite ran, so only one suite's data is in memory at a time.

    The pandas datasource keeps one execution engine, whose batch manager holds every batch it was
    given, twice (the Batch with its request's DataFrame, and the batch data by id), until the engine
    goes away; validated batches are never read again here.
    """
    batch_manager = datasource.get_execution_engine().batch_manager
    batch_manager.reset_batch_cache()
    batch_manager.batch_data_cache.clear()


# --------------------------------------------------------------------------------------------------
# Reading a suite's relation

# Relations with more rows than this are not read while another one this large is in memory (at
# 500,000 studies `criteria` has 12 M rows, `sites` 6.8 M; GX holds several copies of a frame).
READ_BESIDE_MAX_ROWS = 2_000_000


@dataclass
class _SuiteRead:
    """What a suite validates, read on the reading thread: its frame, or why it could not be read."""

    frame: pd.DataFrame | None = None
    columns: list[str] = field(default_factory=list)
    table_rows: int | None = None
    seconds: float = 0.0
    error: str | None = None

    @property
    def rows(self) -> int:
        """Rows of the frame while this read still holds it (none read: 0)."""
        return 0 if self.frame is None else len(self.frame)


def _read_suite(
    db_path: Path,
    definition: SuiteDefinition,
    count_table: bool,
    changed_since_load_id: int | None,
    changes_db: Path | None,
) -> _SuiteRead:
    """The frame of a suite's query (scoped to the changed rows), and the mart's row count if asked.

    A connection per suite: DuckDB keeps what a query used (the sort and hash tables of `criteria`,
    GBs at scale) until its database is closed, and that would otherwise sit beside every later
    frame and GX's copies of it. The result is turned into a frame only after the close, so what
    DuckDB held and the frame never add up either. A suite read beside this one holds the same
    instance open meanwhile (connections to one file in one process share it); never two large
    marts' reads (`_SuiteReads`).
    """
    import duckdb

    started = time.monotonic()
    with _connect_read_only(db_path) as con:
        try:
            links = CHANGED_LINKS
            if changes_db is not None:
                # Connections to one file in one process share a DuckDB instance, and so its attached
                # databases: the suite read beside this one may have attached the file already.
                with _ATTACHING:
                    con.execute(f"attach if not exists '{changes_db}' as {CHANGES_CATALOG} (read_only)")
                links = f"{CHANGES_CATALOG}.{CHANGED_LINKS}"
            query = scoped_sql(definition, changed_since_load_id, links)
            fetched, columns = _read_relation(con, definition, query)
            table_rows = (
                con.execute(f"select count(*) from {definition.table}").fetchone()[0] if count_table else None
            )
        except duckdb.Error as exc:
            logger.error("suite %s: reading %s failed: %s", definition.name, definition.table, exc)
            return _SuiteRead(error=f"{type(exc).__name__}: {exc}", seconds=time.monotonic() - started)
    frame = _suite_frame(fetched, definition)
    del fetched
    missing_keys = [key for key in definition.row_keys if key not in frame.columns]
    if missing_keys:
        return _SuiteRead(
            error=f"row key columns missing from the query: {missing_keys}",
            seconds=time.monotonic() - started,
        )
    return _SuiteRead(
        frame=frame,
        columns=columns,
        table_rows=table_rows,
        seconds=time.monotonic() - started,
    )


def _reading_order(db_path: Path, definitions: Sequence[SuiteDefinition]) -> tuple[list[int], dict[str, int]]:
    """The suites' order of reading, and DuckDB's estimate of each table's rows.

    The largest relation comes first (read while GX is imported), then the suites that run the most
    expectations: each reader takes them in this order (see `_SuiteReads`).
    """
    import duckdb

    sizes: dict[str, int] = {}
    with contextlib.suppress(duckdb.Error), _connect_read_only(db_path) as con:
        sizes = {
            f"{schema}.{table}": rows
            for schema, table, rows in con.execute(
                "select schema_name, table_name, estimated_size from duckdb_tables()"
            ).fetchall()
        }
    order = list(range(len(definitions)))
    if not order:
        return order, sizes
    largest = max(order, key=lambda index: sizes.get(definitions[index].table, 0))
    rest = sorted(
        (index for index in order if index != largest), key=lambda i: -len(definitions[i].expectations)
    )
    return [largest, *rest], sizes


class _SuiteReads:
    """Reads the suites' frames on two threads while GX validates, and hands them over as they come.

    The suites on large marts (more rows than READ_BESIDE_MAX_ROWS) are read one at a time, the
    next only once no large frame is left in memory; the others are read one ahead of GX on a second
    thread meanwhile. At 500,000 studies the main thread had waited ~8 s for `criteria`'s 12 M rows
    after GX's import, with one reader; now it validates the small suites while they are read.
    DuckDB and Arrow do the reading without the GIL.
    """

    def __init__(
        self, read: Callable[[int], _SuiteRead], order: Sequence[int], large: Collection[int]
    ) -> None:
        self._read = read
        self._large = [index for index in order if index in large]
        self._small = [index for index in order if index not in large]
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="suite-read")
        self._large_read = self._next(self._large)
        self._small_read = self._next(self._small)

    def _next(self, indexes: list[int]) -> Future[tuple[int, _SuiteRead]] | None:
        """Start reading the first suite of `indexes` (taking it off), if any is left."""
        if not indexes:
            return None
        index = indexes.pop(0)
        return self._pool.submit(lambda: (index, self._read(index)))

    def __iter__(self) -> Iterator[tuple[int, _SuiteRead]]:
        """(suite index, its read) as the reads finish; a large one first when both are ready."""
        while self._large_read is not None or self._small_read is not None:
            wait(
                [f for f in (self._large_read, self._small_read) if f is not None],
                return_when=FIRST_COMPLETED,
            )
            if self._large_read is not None and self._large_read.done():
                index, suite_read = self._large_read.result()
                frame_is_large = suite_read.rows > READ_BESIDE_MAX_ROWS
                # a night's few rows of a large mart: the next may be read now
                self._large_read = None if frame_is_large else self._next(self._large)
                yield index, suite_read
                if frame_is_large:  # its frame was validated and released
                    self._large_read = self._next(self._large)
            else:
                assert self._small_read is not None
                index, suite_read = self._small_read.result()
                self._small_read = self._next(self._small)
                yield index, suite_read

    def close(self) -> None:
        for future in (self._large_read, self._small_read):
            if future is not None:
                future.cancel()
        self._pool.shutdown(wait=True)


def _referenced_columns(expectation: dict[str, Any]) -> list[str] | None:
    """The columns whose values an expectation reads; None when that cannot be told from its kwargs."""
    kwargs = expectation.get("kwargs") or {}
    if expectation.get("type") in _SHAPE_ONLY_EXPECTATIONS:
        return []
    if kwargs.get("row_condition"):
        return None  # a condition may name any column
    columns = [kwargs[key] for key in _COLUMN_KWARGS if isinstance(kwargs.get(key), str)]
    column_list = kwargs.get("column_list")
    if isinstance(column_list, list):
        columns += [column for column in column_list if isinstance(column, str)]
    return columns or None


def _columns_to_read(definition: SuiteDefinition, columns: Sequence[str]) -> list[str]:
    """The query's columns to fetch for a suite, in query order: row keys and referenced columns.

    Every column when some expectation's columns cannot be told, or when the query repeats a name.
    A referenced column the query lacks is not fetched; GX then fails that expectation as before.
    """
    if len(set(columns)) != len(columns):
        return list(columns)
    wanted = set(definition.row_keys)
    for expectation in definition.expectations:
        referenced = _referenced_columns(expectation)
        if referenced is None:
            return list(columns)
        wanted.update(referenced)
    read = [column for column in columns if column in wanted]
    return read or list(columns)  # no row key in the query: read it whole, the key check reports it


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


CHANGED_LINKS = "intermediate.int_trial_links"
CHANGES_CATALOG = "build"  # the build warehouse, attached read-only when it is another file
_ATTACHING = threading.Lock()


def scoped_sql(
    definition: SuiteDefinition, changed_since_load_id: int | None, links: str = CHANGED_LINKS
) -> str:
    """The suite's query, restricted to the rows changed after `changed_since_load_id` (None: all)."""
    if changed_since_load_id is None or changed_since_load_id < 0:
        return definition.sql
    since = int(changed_since_load_id)
    changed = f"{links} where changed_in_load > {since}"
    written_in = definition.meta.get("changed_in_load")
    if written_in:
        where = f"{_quote(written_in)} > {since}"
    elif "record_id" in definition.row_keys:
        where = f"record_id IN (select record_id from {changed})"
    elif "trial_id" in definition.row_keys:
        left = f"select unnest(previous_trial_ids) from {changed}"
        where = f"trial_id IN (select trial_id from {changed} union {left})"
    else:
        return definition.sql
    inner = definition.sql.strip().rstrip(";")
    if not written_in:
        inner = _rows_by_row_id(inner, definition.table, where)
    return f"SELECT * FROM (\n{inner}\n) AS changed_rows\nWHERE {where}"


def _rows_by_row_id(sql: str, table: str, where: str) -> str:
    """The suite's query reading only its mart's rows that match `where`, found by row id.

    A night rewrites its changed rows at the end of each mart, so the ids are found on the key column
    alone and the rows fetched by id: DuckDB reads the other columns only from the row groups that
    hold them, where filtering the query's result read every row group of `sites` (6.8 M rows at
    500,000 studies). The fetch is a materialized CTE, planned apart from the query's own joins (as
    the dbt macro `rows_of`). Only a query that names its mart once, in its FROM, is rewritten;
    `scoped_sql` filters the result as well either way.
    """
    named = re.compile(rf"(?<![\w.]){re.escape(table)}(?![\w.])")
    read_from = re.compile(rf"\bFROM\s+{re.escape(table)}(?![\w.])", re.IGNORECASE)
    if len(named.findall(sql)) != 1 or len(read_from.findall(sql)) != 1:
        return sql
    found = (
        f"(WITH found_rows AS MATERIALIZED (SELECT * FROM {table} WHERE rowid IN "
        f"(SELECT rowid FROM {table} WHERE {where})) SELECT * FROM found_rows)"
    )
    return read_from.sub(lambda _: f"FROM {found}", sql, count=1)


def _read_relation(
    con: duckdb.DuckDBPyConnection, definition: SuiteDefinition, sql: str | None = None
) -> tuple[_Fetched, list[str]]:
    """The suite's query result as fetched (columns read only), and the query's column names.

    The query is bound first (a missing mart or column raises duckdb.Error here). Only the columns
    some expectation reads, and the row keys, are fetched (`_columns_to_read`); the expectations on
    column names are validated against the query's full list (`_split_suite`). `_suite_frame` turns
    the result into the frame GX validates, best after `con` is closed.
    """
    sql = sql or definition.sql
    relation = con.sql(sql)
    columns = list(relation.columns)
    types = [str(type_) for type_ in relation.types]
    read = _columns_to_read(definition, columns)
    query = sql
    if read != columns:
        inner = sql.strip().rstrip(";")
        query = f"SELECT {', '.join(_quote(c) for c in read)}\nFROM (\n{inner}\n) AS validated_relation"
    read_types = [types[columns.index(column)] for column in read]
    return _fetch(con, query, read, read_types), columns


def _suite_frame(fetched: _Fetched, definition: SuiteDefinition) -> pd.DataFrame:
    """The frame GX validates for a suite: the fetched result, bounded integer columns widened."""
    return _widen_bounded_columns(fetched.to_pandas(), definition)


# Integers up to this size are exact in a float64.
_FLOAT_EXACT_INT = 2**53


def _widen_bounded_columns(frame: pd.DataFrame, definition: SuiteDefinition) -> pd.DataFrame:
    """Integer columns that a `..._to_be_between` expectation bounds, as int64 or float64.

    GX compares bounds in one vectorised step only for int64 and float64 columns; for any other dtype
    (INTEGER's int32, or the nullable Int32/Int64 that DuckDB gives an integer column with NULLs) it
    calls a Python function per value: 7 s for the 12 M criteria ordinals. The values stay the same:
    int32 widens to int64, and a nullable integer column becomes float64 (NULL as NaN, which GX
    leaves out of the check as it did NULL) only when every value is exact as a float.
    """
    import numpy as np
    import pandas as pd

    bounded = {
        (expectation.get("kwargs") or {}).get("column")
        for expectation in definition.expectations
        if expectation["type"] == "expect_column_values_to_be_between"
    }
    for column in sorted(name for name in bounded if isinstance(name, str) and name in frame.columns):
        dtype = frame[column].dtype
        if isinstance(dtype, np.dtype) and dtype.kind in "iu" and dtype != np.int64:
            if dtype.kind == "i" or dtype.itemsize < 8:
                frame[column] = frame[column].astype(np.int64)
        elif isinstance(dtype, pd.core.dtypes.dtypes.BaseMaskedDtype) and dtype.kind in "iu":
            values = frame[column]
            if values.isna().all() or values.abs().max() <= _FLOAT_EXACT_INT:
                frame[column] = values.astype(np.float64)
    return frame


@dataclass
class _Fetched:
    """A query result as DuckDB handed it over, to be turned into pandas once DuckDB is closed.

    A connection keeps what its queries used (sort and hash tables, the blocks read: ~2.4 GB for
    `criteria` at 500,000 studies) until it is closed; converting after the close keeps that and
    the frame from adding up.
    """

    columns: list[str]
    types: list[str]
    arrow: pa.Table | None = None
    frame: pd.DataFrame | None = None  # `.df()`'s result, for types Arrow would change

    def to_pandas(self) -> pd.DataFrame:
        """Exactly what `.df()` gives for the query, without a Python object per text value.

        `.df()` turns each VARCHAR value into a Python str that pandas then packs back into Arrow
        strings: a slow, memory-hungry detour for millions of ids. Text columns convert straight
        from Arrow; the other columns go through DuckDB's own pandas conversion (an in-memory
        DuckDB reading the Arrow table in place), so dtypes and null handling stay those of `.df()`.
        """
        import duckdb
        import pandas as pd

        if self.frame is not None:
            return self.frame
        table, self.arrow = self.arrow, None
        # `.df()` gives a VARCHAR column with no value at all (empty, or only NULLs) as object dtype
        text = [
            column
            for column, type_ in zip(self.columns, self.types, strict=True)
            if type_ == "VARCHAR" and table.column(column).null_count < table.num_rows
        ]
        others = [column for column in self.columns if column not in text]
        converted = pd.DataFrame()
        if others:
            with duckdb.connect() as converter:
                converted = converter.from_arrow(table.select(others)).df()
        # each text column is released as soon as it is converted, not when the whole frame is built
        text_columns = {column: table.column(column) for column in text}
        del table
        data = {
            column: _one_chunk(text_columns.pop(column)).to_pandas() if column in text else converted[column]
            for column in self.columns
        }
        del converted
        return pd.DataFrame(data, copy=False)


def _fetch(
    con: duckdb.DuckDBPyConnection, query: str, columns: Sequence[str], types: Sequence[str]
) -> _Fetched:
    """Run `query`: an Arrow result, or `.df()` where a type is not known to survive Arrow unchanged."""
    fetched = _Fetched(columns=list(columns), types=list(types))
    if all(_ARROW_SAFE_TYPE.fullmatch(type_) for type_ in types):
        fetched.arrow = con.sql(query).to_arrow_table()
    else:
        fetched.frame = con.execute(query).df()
    return fetched


def _fetch_frame(
    con: duckdb.DuckDBPyConnection, query: str, columns: Sequence[str], types: Sequence[str]
) -> pd.DataFrame:
    """`query`'s result exactly as `.df()` gives it (see `_Fetched.to_pandas`)."""
    return _fetch(con, query, columns, types).to_pandas()


def _one_chunk(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """The column as one contiguous chunk, so GX's row filters copy it in one pass.

    DuckDB hands a result over in many Arrow chunks (one per row group of 10,240 rows when nothing
    reorders it), and pandas keeps them: every boolean-mask filter GX applies to the frame, two or
    so per expectation, then takes from each chunk in turn, several times slower than from one.
    A text column too large for one chunk's 32-bit offsets stays as it came.
    """
    import pyarrow as pa

    if column.num_chunks <= 1:
        return column
    try:
        return pa.chunked_array([column.combine_chunks()], type=column.type)
    except (pa.ArrowInvalid, pa.ArrowCapacityError):
        return column


# --------------------------------------------------------------------------------------------------
# The run


def validate_warehouse(
    db_path: Path,
    report_dir: Path,
    *,
    run_id: str,
    expectations_dir: Path = EXPECTATIONS_DIR,
    changed_since_load_id: int | None = None,
    changes_db: Path | None = None,
) -> ValidationReport:
    """Validate the marts of the DuckDB file `db_path` (opened read-only) against every suite.

    With `changed_since_load_id`, only the rows changed after that load are read (see the module's
    docstring), as `changes_db` (the build warehouse; default `db_path`) records them; None or a
    negative id validates every row.

    Writes GX Data Docs (`report_dir/index.html`) and `report_dir/summary.json`. A suite whose query
    fails (missing table or column) is reported as failed with its `error`; a suite file that is not
    valid raises SuiteDefinitionError before anything is read or written.
    """
    import pandas as pd

    started = time.monotonic()
    db_path = Path(db_path)
    report_dir = Path(report_dir)
    if not db_path.is_file():
        raise FileNotFoundError(f"warehouse file not found: {db_path}")

    definitions = load_suite_definitions(expectations_dir)
    scoped = changed_since_load_id is not None and changed_since_load_id >= 0
    parts = [_split_suite(definition, scoped=scoped) for definition in definitions]
    changes = Path(changes_db) if scoped and changes_db is not None and Path(changes_db) != db_path else None
    order, table_rows = _reading_order(db_path, definitions)

    def read(index: int) -> _SuiteRead:
        counted = parts[index][2] is not None
        return _read_suite(db_path, definitions[index], counted, changed_since_load_id, changes)

    large = {
        index
        for index, definition in enumerate(definitions)
        if table_rows.get(definition.table, 0) > READ_BESIDE_MAX_ROWS
    }
    # the first reads start while GX is imported
    reads = _SuiteReads(read, order, large)
    try:
        gx = _import_gx()
        from great_expectations.core.run_identifier import RunIdentifier

        gx_suites = [
            tuple(part and _build_expectation_suite(gx, part) for part in suite_parts)
            for suite_parts in parts
        ]

        report_dir.mkdir(parents=True, exist_ok=True)
        _clear_previous_report(report_dir, run_id)
        context = _make_context(gx, report_dir)
        datasource = context.data_sources.add_pandas(name="warehouse")
        validated_at = dt.datetime.now(dt.UTC)
        gx_run_id = RunIdentifier(run_name=run_id, run_time=validated_at)

        def run(part: SuiteDefinition, gx_suite, frame: pd.DataFrame) -> Any:
            return _run_suite(gx, context, datasource, part, gx_suite, frame, gx_run_id)

        summaries: dict[int, dict[str, Any]] = {}
        with _without_batch_fingerprint(), _text_duplicates_grouped_by_duckdb():
            for index, suite_read in reads:
                definition = definitions[index]
                (values, names, whole_table), (gx_values, gx_names, gx_whole) = parts[index], gx_suites[index]
                suite_started = time.monotonic()
                if suite_read.error is not None:
                    summaries[index] = _error_summary(definition, suite_read.error)
                    continue
                frame, suite_read.frame = suite_read.frame, None
                result = run(values, gx_values, frame)
                rows = len(frame)
                del frame
                _release_batches(datasource)
                summary = _suite_summary(definition, result, rows=rows)
                if names is not None:
                    named = pd.DataFrame(columns=suite_read.columns)  # the query's columns, no rows
                    _add_part(summary, _suite_summary(names, run(names, gx_names, named), rows=0))
                if whole_table is not None:
                    counted = pd.DataFrame(index=pd.RangeIndex(suite_read.table_rows))
                    whole = run(whole_table, gx_whole, counted)
                    _add_part(summary, _suite_summary(whole_table, whole, rows=suite_read.table_rows))
                    summary["table_rows"] = suite_read.table_rows
                summary["seconds"] = round(time.monotonic() - suite_started + suite_read.seconds, 3)
                summaries[index] = summary
    finally:
        reads.close()
    suite_summaries = [summaries[index] for index in range(len(definitions))]

    docs = context.build_data_docs(site_names=[DATA_DOCS_SITE_NAME])
    data_docs_index = report_dir / "index.html"
    if not data_docs_index.is_file():
        raise RuntimeError(f"GX did not write the Data Docs index: {docs}")

    success = all(suite["success"] for suite in suite_summaries)
    summary = {
        "run_id": run_id,
        "success": success,
        "validated_at": validated_at.isoformat(),
        "warehouse": str(db_path),
        "data_docs": str(data_docs_index),
        "duration_seconds": round(time.monotonic() - started, 3),
        "great_expectations_version": gx.__version__,
        "scope": (
            "every row"
            if changed_since_load_id is None or changed_since_load_id < 0
            else f"rows of records and trials changed after load {changed_since_load_id}"
        ),
        "changed_since_load_id": changed_since_load_id,
        "suites": suite_summaries,
    }
    summary_path = report_dir / SUMMARY_FILE_NAME
    tmp = summary_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(_plain(summary), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, summary_path)
    # Round-trip so that `.summary` is exactly what the file says (plain JSON types).
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    return ValidationReport(
        success=success, summary=summary, summary_path=summary_path, data_docs_index=data_docs_index
    )


_ROW_COUNT_EXPECTATIONS = frozenset(
    {"expect_table_row_count_to_be_between", "expect_table_row_count_to_equal"}
)
# Expectations about the relation's column names alone.
_COLUMN_NAME_EXPECTATIONS = _SHAPE_ONLY_EXPECTATIONS - _ROW_COUNT_EXPECTATIONS


def _split_suite(
    definition: SuiteDefinition, *, scoped: bool
) -> tuple[SuiteDefinition, SuiteDefinition | None, SuiteDefinition | None]:
    """A suite in the parts validated on different frames: values, column names, whole-table counts.

    - values: every expectation that looks at rows, run on the frame of the columns read;
    - column names (`<suite>.columns`): run on a frame with the query's columns and no rows. The
      frame of values holds only the columns some expectation reads: GX filters the whole frame
      (a copy of each column) two or so times per expectation, and columns kept only so that their
      names could be checked cost as much per filter as the ones read;
    - whole table (`<suite>.whole_table`, scoped runs only): row counts, which are about the whole
      mart, run on a frame of the mart's row count.
    """
    expectations = definition.expectations
    named = tuple(e for e in expectations if e["type"] in _COLUMN_NAME_EXPECTATIONS)
    counted = tuple(e for e in expectations if scoped and e["type"] in _ROW_COUNT_EXPECTATIONS)
    values = tuple(e for e in expectations if e not in named and e not in counted)
    names = named and replace(definition, name=f"{definition.name}.columns", expectations=named)
    whole = counted and replace(definition, name=f"{definition.name}.whole_table", expectations=counted)
    return replace(definition, expectations=values), names or None, whole or None


def _add_part(summary: dict[str, Any], part: dict[str, Any]) -> None:
    """Fold the summary of one part of a suite into the suite's summary."""
    summary.update(
        success=summary["success"] and part["success"],
        evaluated=summary["evaluated"] + part["evaluated"],
        failed=summary["failed"] + part["failed"],
    )


def _run_suite(gx, context, datasource, definition: SuiteDefinition, gx_suite, frame, gx_run_id):
    """One GX validation of `frame` against a suite, kept in the context for the Data Docs."""
    suite = context.suites.add(gx_suite)
    asset = datasource.add_dataframe_asset(name=definition.name)
    batch_definition = asset.add_batch_definition_whole_dataframe("whole_table")
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=definition.name, data=batch_definition, suite=suite)
    )
    with _column_domains_narrowed(definition.row_keys):
        return validation.run(
            batch_parameters={"dataframe": frame},
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": list(definition.row_keys),
            },
            run_id=gx_run_id,
        )


def _connect_read_only(db_path: Path):
    """A read-only connection; DuckDB refuses one while this process holds the file read-write.

    That happens when `dbt build` ran in this same process (the CLI's `trialwh refresh`): dbt-duckdb
    keeps its connection cached after the run. It is finished with it, so release it and retry once.
    Airflow runs each step in its own process and never gets here.
    """
    import duckdb

    try:
        return duckdb.connect(str(db_path), read_only=True)
    except duckdb.ConnectionException as exc:
        if "different configuration" not in str(exc):
            raise
        connections = sys.modules.get("dbt.adapters.duckdb.connections")
        manager = getattr(connections, "DuckDBConnectionManager", None)
        if manager is None:
            raise
        logger.info("releasing dbt-duckdb's cached connection to open %s read-only", db_path)
        manager.close_all_connections()
        gc.collect()
        try:
            return duckdb.connect(str(db_path), read_only=True)
        except duckdb.ConnectionException as again:
            raise RuntimeError(
                f"{db_path} is open read-write in this process; close that connection before "
                f"validating: {again}"
            ) from again


def _clear_previous_report(report_dir: Path, run_id: str) -> None:
    """A rerun of the same run id starts from an empty site, so the index lists only this run.

    Only a folder this function marked as a report folder is cleared: pointing `report_dir` at some
    other folder by mistake (the checkout, say, which has an `expectations/`) raises instead.
    """
    marker = report_dir / REPORT_MARKER_NAME
    existing = [name for name in _DATA_DOCS_ENTRIES if (report_dir / name).exists()]
    if existing and not marker.is_file():
        raise FileExistsError(
            f"{report_dir} already holds {existing} and is not a report folder of validate_warehouse "
            f"(no {REPORT_MARKER_NAME}); refusing to overwrite it"
        )
    for name in existing:
        target = report_dir / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink()
    marker.write_text(run_id + "\n", encoding="utf-8")


def _error_summary(definition: SuiteDefinition, error: str) -> dict[str, Any]:
    return {
        "suite": definition.name,
        "table": definition.table,
        "success": False,
        "rows": None,
        "evaluated": 0,
        "error": error,
        "failed": [],
    }


def _suite_summary(definition: SuiteDefinition, result, *, rows: int) -> dict[str, Any]:
    """A GX result as the report states it; the caller adds the suite's `seconds`."""
    failed = [
        _failure_summary(definition, expectation_result)
        for expectation_result in result.results
        if not expectation_result.success
    ]
    return {
        "suite": definition.name,
        "table": definition.table,
        "success": bool(result.success),
        "rows": rows,
        "evaluated": len(result.results),
        "failed": failed,
    }


def _domain_columns(kwargs: dict[str, Any]) -> list[str]:
    if kwargs.get("column"):
        return [kwargs["column"]]
    if kwargs.get("column_A") and kwargs.get("column_B"):
        return [kwargs["column_A"], kwargs["column_B"]]
    return list(kwargs.get("column_list") or [])


def _failure_summary(definition: SuiteDefinition, expectation_result) -> dict[str, Any]:
    config = expectation_result.expectation_config
    kwargs = {k: v for k, v in dict(config.kwargs).items() if k not in {"result_format", "batch_id"}}
    result = dict(expectation_result.result or {})
    columns = _domain_columns(kwargs)
    index_list = result.get("unexpected_index_list") or []
    if not isinstance(index_list, list):
        index_list = []
    # The suites' queries have no order (sorting `criteria`'s 12 M rows took 7 s): the report is
    # made deterministic here instead, failing rows by their row keys (in `row_keys` order, then the
    # whole row) and examples by their JSON text.
    failing_rows = sorted(
        (_failing_row(definition.row_keys, columns, entry) for entry in index_list),
        key=lambda row: _sort_marker([*(row.get(key) for key in definition.row_keys), row]),
    )
    distinct = {_sort_marker(value): value for value in result.get("unexpected_list") or []}
    examples = [distinct[marker] for marker in sorted(distinct)[:MAX_UNEXPECTED_EXAMPLES]]

    exception = expectation_result.exception_info or {}
    if isinstance(exception, dict) and "raised_exception" not in exception:
        # Several exceptions come keyed by metric; keep the first message.
        exception = next((v for v in exception.values() if isinstance(v, dict)), {})
    failure: dict[str, Any] = {
        "expectation": config.type,
        "column": ", ".join(columns) or None,
        "kwargs": kwargs,
        "unexpected_count": result.get("unexpected_count"),
        "unexpected_examples": examples,
        "failing_rows": failing_rows[:MAX_FAILING_ROWS],
    }
    if len(failing_rows) > MAX_FAILING_ROWS:
        failure["failing_rows_truncated"] = True
    if "observed_value" in result:
        failure["observed_value"] = result["observed_value"]
    if result.get("details"):
        failure["details"] = result["details"]
    if isinstance(exception, dict) and exception.get("raised_exception"):
        failure["exception"] = exception.get("exception_message")
    if config.notes:
        failure["notes"] = config.notes
    return failure


def _sort_marker(value: Any) -> str:
    """A value's JSON text (keys sorted), to order values of any type the same way every run."""
    return json.dumps(_plain(value), sort_keys=True)


def _failing_row(row_keys: Iterable[str], columns: list[str], entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):  # GX gives a bare row index when it has no index columns
        return {"row_index": entry}
    row = {key: entry.get(key) for key in row_keys}
    if len(columns) == 1:
        row["value"] = entry.get(columns[0])
    elif columns:
        row["value"] = {column: entry.get(column) for column in columns}
    return row


def _plain(value: Any) -> Any:
    """Plain JSON values from what GX results carry: numpy/pandas scalars, dates, NaN, tuples."""
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _plain(float(value))
    for method in ("item", "tolist"):  # numpy scalars, then numpy arrays
        convert = getattr(value, method, None)
        if callable(convert):
            try:
                return _plain(convert())
            except (TypeError, ValueError):
                continue
    isoformat = getattr(value, "isoformat", None)  # pandas Timestamp
    if callable(isoformat):
        return isoformat()
    to_json_dict = getattr(value, "to_json_dict", None)  # GX objects
    if callable(to_json_dict):
        return _plain(to_json_dict())
    return str(value)


# --------------------------------------------------------------------------------------------------
# reports/latest


def latest_report_link(reports_root: Path) -> Path | None:
    """Point `reports_root/latest` at the newest run folder (by its summary's `validated_at`).

    A run folder is a sub-folder holding `summary.json`. `latest` is a relative symlink, replaced
    atomically; where symlinks are not possible it is a small text file holding the folder's name.
    Returns the newest run folder, or None when there is none yet.
    """
    reports_root = Path(reports_root)
    if not reports_root.is_dir():
        return None
    runs: list[tuple[dt.datetime, float, str, Path]] = []
    for entry in reports_root.iterdir():
        if entry.name == LATEST_LINK_NAME or entry.is_symlink() or not entry.is_dir():
            continue
        summary_path = entry / SUMMARY_FILE_NAME
        if not summary_path.is_file():
            continue
        validated_at = _validated_at(summary_path)
        runs.append((validated_at, summary_path.stat().st_mtime, entry.name, entry))
    if not runs:
        return None
    newest = max(runs)[3]

    link = reports_root / LATEST_LINK_NAME
    tmp = reports_root / f".{LATEST_LINK_NAME}.{os.getpid()}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    try:
        os.symlink(newest.name, tmp, target_is_directory=True)
    except OSError:
        tmp.write_text(newest.name + "\n", encoding="utf-8")
    if link.is_dir() and not link.is_symlink():
        tmp.unlink()
        raise FileExistsError(f"{link} is a real folder, not the link this function maintains")
    os.replace(tmp, link)
    return newest


def _validated_at(summary_path: Path) -> dt.datetime:
    try:
        text = json.loads(summary_path.read_text(encoding="utf-8")).get("validated_at")
        stamp = dt.datetime.fromisoformat(text)
    except (OSError, ValueError, TypeError, AttributeError):
        return dt.datetime.fromtimestamp(summary_path.stat().st_mtime, dt.UTC)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
