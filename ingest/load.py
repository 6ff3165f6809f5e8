"""Load raw snapshots into the build warehouse's `raw` schema, set-based in DuckDB.

Manifests and payloads are read by DuckDB itself (`read_json`, `read_blob`), so loading scales with
the number of files rather than with Python loops.

- A document (one content version of one study file, API study or page) is stored once;
  `raw.sightings` records every fetch that saw it, so the warehouse knows which version a source
  showed last even when it reverts to content it had shown before.
- `raw.manifests` remembers every manifest loaded (by path and content hash): a run loads exactly
  the manifests it has not loaded before (its own, and those of any earlier run that fetched but
  never loaded), and every insert anti-joins on its key, so loading twice adds nothing. A manifest
  whose size and modification time are those it had when it was loaded is not hashed again (the
  bulk download's manifest alone is 320 MB at 500,000 studies).
- Every load that adds manifests gets the next `load_id`, stamped on its manifests, sightings and
  documents: dbt rebuilds only the records sighted in loads after the last build (`raw.build_log`).
- A load is done when its manifests are stored. The payloads are stored first, several batches at
  once, each batch committed on its own connection (one transaction for the whole load compressed
  and wrote them on one core); the fetches, sightings and manifests follow in one transaction. A
  load that stops before that leaves documents whose `load_id` no manifest has: the next load
  deletes them before anything else, then stores them again. dbt never runs after a failed load
  (the DAG's tasks and `trialwh refresh` stop there).
- The keys of fetches, sightings and documents are kept unique by those anti-joins, not by primary
  key constraints (dbt's source tests check `document_id`): a constraint is an ART index that every
  insert updates and every checkpoint writes again; without the three, a 500,000-study rebuild's
  load took 44-46 s instead of 48-50 s (BENCHMARKS.md item 67). Build files made before keep theirs.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import msgspec

from ingest.read_ahead import read_ahead
from ingest.settings import BUILD_ROW_GROUP_SIZE, connect_build_file

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger(__name__)

MANIFEST_COLUMNS = {
    "fetch_id": "VARCHAR",
    "source_name": "VARCHAR",
    "source_kind": "VARCHAR",
    "url": "VARCHAR",
    "document_key": "VARCHAR",
    "run_date": "DATE",
    "fetched_at": "TIMESTAMPTZ",
    "http_status": "INTEGER",
    "content_type": "VARCHAR",
    "sha256": "VARCHAR",
    "bytes": "BIGINT",
    "payload_path": "VARCHAR",
    "payload_format": "VARCHAR",
    "error": "VARCHAR",
}

DDL = f"""
create schema if not exists raw;
create table if not exists raw.fetches (
    {", ".join(f"{name} {kind}" for name, kind in MANIFEST_COLUMNS.items())}
);
create table if not exists raw.manifests (
    manifest_path varchar,
    manifest_sha256 varchar,
    source_name varchar,
    run_date date,
    rows_count integer,
    load_id integer,
    file_size bigint,
    file_mtime_ns bigint,
    primary key (manifest_path, manifest_sha256)
);
create table if not exists raw.sightings (
    document_id varchar,
    fetch_id varchar,
    source_name varchar,
    document_key varchar,
    run_date date,
    fetched_at timestamptz,
    load_id integer
);
create table if not exists raw.documents (
    document_id varchar,
    fetch_id varchar,
    source_name varchar,
    source_kind varchar,
    url varchar,
    document_key varchar,
    run_date date,
    fetched_at timestamptz,
    http_status integer,
    content_type varchar,
    sha256 varchar,
    content_sha256 varchar,
    bytes bigint,
    payload_path varchar,
    payload_format varchar,
    is_valid_utf8 boolean,
    is_valid_json boolean,
    body varchar,
    load_id integer
);
create table if not exists raw.build_log (
    step varchar,
    through_load_id integer,
    run_id varchar,
    finished_at timestamptz
);
-- build files written before load ids existed: their rows count as load 0
alter table raw.manifests add column if not exists load_id integer default 0;
alter table raw.manifests add column if not exists file_size bigint;
alter table raw.manifests add column if not exists file_mtime_ns bigint;
alter table raw.sightings add column if not exists load_id integer default 0;
alter table raw.documents add column if not exists load_id integer default 0;
-- build files from before the flag: NULL, as for every study file (see _BATCH_INSERT)
alter table raw.documents add column if not exists is_valid_json boolean;
"""

DOCUMENT_FORMATS = ("page", "ctgov_study")


def manifest_paths(raw_root: Path, up_to: date | None = None) -> list[Path]:
    """Every manifest under the raw root, optionally only those of run dates up to `up_to`."""
    paths = sorted(raw_root.glob("source=*/run_date=*/manifest.jsonl"))
    if up_to is None:
        return paths
    return [p for p in paths if date.fromisoformat(p.parent.name.removeprefix("run_date=")) <= up_to]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def load_pending(db_path: Path, raw_root: Path, up_to: date | None = None) -> dict:
    """Load every manifest (of run dates up to `up_to`) not loaded before, with its payloads."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    candidates = {str(p.relative_to(raw_root)): p for p in manifest_paths(raw_root, up_to)}
    with connect_build_file(db_path) as con:
        ensure_schema(con)
        discarded = _discard_unfinished_load(con)
        loaded, unchanged = set(), set()
        for relpath, digest, size, mtime_ns in con.execute(
            "select manifest_path, manifest_sha256, file_size, file_mtime_ns from raw.manifests"
        ).fetchall():
            loaded.add((relpath, digest))
            unchanged.add((relpath, size, mtime_ns))
        pending = {}
        for relpath, path in candidates.items():
            stat = path.stat()
            if (relpath, stat.st_size, stat.st_mtime_ns) in unchanged:
                continue
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if (relpath, digest) not in loaded:
                rows = sum(1 for line in data.decode().splitlines() if line.strip())
                pending[relpath] = (path, digest, stat, rows)
        before = _counts(con)
        load_id = None
        if pending:
            (load_id,) = con.execute("select coalesce(max(load_id), 0) + 1 from raw.manifests").fetchone()
            _read_fetches(con, [path for path, _, _, _ in pending.values()])
            _store_payloads(con, raw_root, load_id)  # committed batch by batch, not yet part of raw
            con.begin()  # the rest of the load, and the manifests that make it done, or nothing
            _insert_fetches(con)
            _insert_sightings(con, "single_sightings")
            _repair_invalid_utf8(con, raw_root)
            _load_api_pages(con, raw_root, load_id)
            con.executemany(
                """
                insert into raw.manifests (
                    manifest_path, manifest_sha256, source_name, run_date, rows_count, load_id,
                    file_size, file_mtime_ns
                ) values (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    (
                        relpath,
                        digest,
                        path.parent.parent.name.removeprefix("source="),
                        path.parent.name.removeprefix("run_date="),
                        rows,
                        load_id,
                        stat.st_size,
                        stat.st_mtime_ns,
                    )
                    for relpath, (path, digest, stat, rows) in pending.items()
                ],
            )
            con.commit()
        after = _counts(con)
    summary = {
        "up_to": up_to.isoformat() if up_to else None,
        "load_id": load_id,
        "manifests_loaded": len(pending),
        "manifests_already_loaded": len(candidates) - len(pending),
        "fetches_added": after["fetches"] - before["fetches"],
        "documents_added": after["documents"] - before["documents"],
        "documents_total": after["documents"],
        "invalid_utf8_documents": after["invalid_utf8"],
        "unfinished_documents_discarded": discarded,
    }
    log.info("loaded raw snapshots: %s", summary)
    return summary


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    fetches, documents, invalid = con.execute(
        """
        select (select count(*) from raw.fetches),
               (select count(*) from raw.documents),
               (select count(*) from raw.documents where not is_valid_utf8)
        """
    ).fetchone()
    return {"fetches": fetches, "documents": documents, "invalid_utf8": invalid}


def _discard_unfinished_load(con: duckdb.DuckDBPyConnection) -> int:
    """Delete the documents of a load that stopped before storing its manifests (see the module)."""
    (discarded,) = con.execute(
        """
        delete from raw.documents
        where load_id > (select coalesce(max(load_id), 0) from raw.manifests)
        """
    ).fetchone()
    if discarded:
        log.warning("discarded %d documents of a load that did not finish; they are loaded again", discarded)
    return discarded


def _read_fetches(con: duckdb.DuckDBPyConnection, manifests: list[Path]) -> None:
    columns = ", ".join(f"'{name}': '{kind}'" for name, kind in MANIFEST_COLUMNS.items())
    con.execute(
        f"""
        create or replace temp table new_fetches as
        select * from read_json(
            ?, format = 'newline_delimited', columns = {{{columns}}},
            filename = true, hive_partitioning = false
        )
        """,
        [[str(p) for p in manifests]],
    )


def _insert_fetches(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        insert into raw.fetches by name
        select distinct on (fetch_id) n.* exclude (filename) from new_fetches n
        where not exists (select 1 from raw.fetches f where f.fetch_id = n.fetch_id)
        """
    )


# Payloads are stored this many files at a time, one transaction each: a batch fills one row group
# of the build file, which DuckDB compresses and writes on the batch's own thread.
READ_BATCH_FILES = BUILD_ROW_GROUP_SIZE

DOCUMENT_COLUMNS = """
    document_id, fetch_id, source_name, source_kind, url, document_key, run_date, fetched_at, http_status,
    content_type, sha256, content_sha256, bytes, payload_path, payload_format
"""
_BATCH_INSERT = f"""
    insert into raw.documents by name
    select {", ".join("d." + c.strip() for c in DOCUMENT_COLUMNS.split(","))}, d.load_id,
           try(decode(blobs.content)) is not null as is_valid_utf8,
           -- not checked here: staging parses each study once and the quarantine takes those it could
           -- not parse (a check at load time parsed all 14 GB of a rebuild a second time)
           null::boolean as is_valid_json,
           try(decode(blobs.content)) as body
    from read_blob(?) as blobs
    join batch_documents as d on d.payload_path = replace(blobs.filename, ?, '')
"""


def _store_payloads(con: duckdb.DuckDBPyConnection, raw_root: Path, load_id: int) -> None:
    """One document per page or study payload not stored before, several batches at once.

    A page or study file's document id follows from its manifest row alone (source, key, content
    hash), so payloads already held are never read again: a night that re-fetches an unchanged bulk
    download only adds sightings. Each batch is read, checked and written by its own connection
    and committed on its own (see the module: the documents count once the manifests are stored).
    DuckDB's `read_blob` reads its list of files on one thread and a single transaction compressed
    every row group at its commit on one core; one batch per core keeps both cores busy (at 500,000
    studies, BENCHMARKS.md item 42).
    """
    con.execute(
        """
        create or replace temp table single_sightings as
        select sha256(concat_ws('|', source_name, document_key, sha256)) as document_id,
               * exclude (error, filename),
               sha256 as content_sha256,
               ?::integer as load_id
        from new_fetches
        where payload_path is not null and payload_format in ('page', 'ctgov_study')
        """,
        [load_id],
    )
    con.execute(
        f"""
        create or replace temp table documents_to_read as
        select *, (dense_rank() over (order by payload_path) - 1) // {READ_BATCH_FILES} as read_batch
        from (
            select distinct on (document_id) *
            from single_sightings s
            where not exists (select 1 from raw.documents d where d.document_id = s.document_id)
            order by document_id, fetched_at
        )
        """
    )
    prefix = str(raw_root) + "/"
    batches = [
        paths
        for (paths,) in con.execute(
            """
            select list(distinct ? || payload_path) from documents_to_read
            group by read_batch order by read_batch
            """,
            [prefix],
        ).fetchall()
    ]
    [(database, threads)] = con.execute("select current_database(), current_setting('threads')").fetchall()
    workers = max(1, min(int(threads), len(batches)))

    # Batches commit in their order, whichever finishes first: a table's row groups follow the commits,
    # and only the last batch is short. A short row group before full ones was merged with them by
    # the next checkpoint that appended to the table: the first nightly load after a rebuild rewrote
    # ~13,000 stored studies to add its 5,000 (0.9 s of its close; BENCHMARKS.md item 55).
    committed = [threading.Event() for _ in batches]

    def store(batch: int, documents: pa.Table) -> None:
        try:
            with con.cursor() as cursor:  # a connection of its own: its own transaction
                cursor.execute(f'use "{database}"')
                cursor.register("batch_documents", documents)
                cursor.begin()
                cursor.execute(_BATCH_INSERT, [batches[batch], prefix])
                if batch:
                    committed[batch - 1].wait()
                cursor.commit()
        finally:
            committed[batch].set()  # a failed batch fails the load; the next ones need not wait

    # While the batches in flight are stored, the disk reads the next one: cold, the reads alone took
    # about a third of a rebuild's load.
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="payload-readahead") as readahead,
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="payload-store") as storing,
    ):
        in_flight: list[Future] = []
        for batch in range(len(batches)):
            if batch + workers < len(batches):
                readahead.submit(read_ahead, batches[batch + workers])
            if len(in_flight) == workers:  # bounded: memory stays flat however large the load is
                in_flight.pop(0).result()
            # the batch's manifest rows, handed over as Arrow: other connections see no temp table
            documents = con.sql(
                "select * exclude (read_batch) from documents_to_read where read_batch = $batch",
                params={"batch": batch},
            ).to_arrow_table()
            in_flight.append(storing.submit(store, batch, documents))
        for future in in_flight:
            future.result()
    # `read_blob` skips a listed file that is not there: a payload the manifest names but the raw
    # store lost would otherwise leave its sightings pointing at no document
    missing = con.execute(
        """
        select count(*), list(payload_path order by payload_path)[:5] from documents_to_read r
        where not exists (select 1 from raw.documents d where d.document_id = r.document_id)
        """
    ).fetchall()
    [(count, examples)] = missing
    if count:
        raise FileNotFoundError(
            f"{count} payload file(s) named by the manifests are missing from {raw_root}, e.g. {examples}; "
            "nothing of this load was published (the next load discards what it stored)"
        )


def _insert_sightings(con: duckdb.DuckDBPyConnection, table: str) -> None:
    con.execute(
        f"""
        insert into raw.sightings by name
        select distinct on (document_id, fetch_id)
            document_id, fetch_id, source_name, document_key, run_date, fetched_at, load_id
        from {table} n
        where not exists (
            select 1 from raw.sightings s where s.document_id = n.document_id and s.fetch_id = n.fetch_id
        )
        """
    )


def _load_api_pages(con: duckdb.DuckDBPyConnection, raw_root: Path, load_id: int) -> None:
    """An API page holds many studies: each becomes its own document, keyed by its NCT ID."""
    pages = [
        p
        for (p,) in con.execute(
            """
            select distinct payload_path from new_fetches
            where payload_path is not null and payload_format = 'ctgov_api_page'
            """
        ).fetchall()
    ]
    if not pages:
        return
    con.register("api_studies", split_api_pages(raw_root, pages))  # `page` indexes `pages`
    try:
        con.execute(
            """
            create or replace temp table api_sightings as
            with studies as (
                select f.* exclude (document_key, payload_format, error, filename),
                       s.body,
                       s.is_valid_utf8,
                       s.is_valid_json,
                       -- a page that could not be split keeps its URL as its key
                       case when s.is_valid_json then json_extract_string(s.body, ?) else f.document_key end
                           as document_key,
                       'ctgov_study' as payload_format,
                       sha256(s.body) as content_sha256
                from new_fetches f
                join api_studies as s on f.payload_path = ?[s.page + 1]
                where f.payload_format = 'ctgov_api_page'
            )
            select sha256(concat_ws('|', source_name, document_key, content_sha256)) as document_id,
                   *,
                   ?::integer as load_id
            from studies
            """,
            ["$.protocolSection.identificationModule.nctId", pages, load_id],
        )
    finally:
        con.unregister("api_studies")
    _insert_sightings(con, "api_sightings")
    # A study two pages both hold is stored once, as first fetched. The rows are chosen by row id:
    # `distinct on` carried every body through its aggregate (0.6 s of a night's 5,000 studies).
    con.execute(
        f"""
        insert into raw.documents by name
        select {DOCUMENT_COLUMNS}, is_valid_utf8, is_valid_json, body, load_id
        from api_sightings
        where rowid in (
            select arg_min(rowid, fetched_at) from api_sightings n
            where not exists (select 1 from raw.documents d where d.document_id = n.document_id)
            group by document_id
        )
        """
    )


class _ApiPage(msgspec.Struct):
    """What the load needs of an API page: its studies, each kept as the bytes the page held."""

    studies: list[msgspec.Raw]


_API_PAGE_DECODER = msgspec.json.Decoder(_ApiPage)


def split_api_pages(raw_root: Path, payload_paths: list[str]) -> pa.Table:
    """Every study of these API pages as the exact text the page held: `page` (an index into
    `payload_paths`), `body`, and `is_valid_utf8` / `is_valid_json`.

    msgspec splits a page in one pass without building its studies as objects, and the bodies go to
    DuckDB as one Arrow buffer per page (checked as UTF-8 by Arrow, no Python string per study);
    DuckDB then extracts keys and hashes set-based. Splitting in SQL (`json_extract` to `json[]`,
    `unnest`) parsed every study and wrote it out again. A page that cannot be split (not JSON, no
    `studies` list; the fetch stores none such, but a raw file can be damaged) becomes one row of its
    whole text, flagged not JSON, so that the quarantine shows it and the load goes on.
    """
    import numpy as np
    import pyarrow as pa

    # Arrays are made from their buffers: `pa.array` of a Python list would import pandas (0.25 s).
    def pages_column(index: int, length: int) -> pa.Array:
        values = np.full(length, index, dtype=np.int32)
        return pa.Array.from_buffers(pa.int32(), length, [None, pa.py_buffer(values)])

    def flags(values: list[bool]) -> pa.Array:
        bits = np.packbits(np.array(values, dtype=bool), bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])

    def texts(parts: list[bytes]) -> pa.Array:
        offsets = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum([len(part) for part in parts], out=offsets[1:])
        return pa.LargeStringArray.from_buffers(
            len(parts), pa.py_buffer(offsets), pa.py_buffer(b"".join(parts))
        )

    batches = []
    for index, relpath in enumerate(payload_paths):
        data = (raw_root / relpath).read_bytes()
        try:
            studies = list(_API_PAGE_DECODER.decode(data).studies)
            valid_json = [True] * len(studies)
        except msgspec.DecodeError as exc:
            log.warning("API page %s cannot be split into studies (%s): quarantined whole", relpath, exc)
            studies, valid_json = [data], [False]
        try:
            bodies = texts(studies)
            bodies.validate(full=True)  # msgspec's syntax check skips over string contents
            valid_utf8 = [True] * len(studies)
        except pa.ArrowInvalid:
            raw = [bytes(study) for study in studies]
            studies = [part.decode("utf-8", errors="replace").encode() for part in raw]
            valid_utf8 = [kept == part for kept, part in zip(studies, raw, strict=True)]
            bodies = texts(studies)
        batches.append(
            pa.RecordBatch.from_arrays(
                [
                    pages_column(index, len(studies)),
                    bodies,
                    flags(valid_utf8),
                    flags(valid_json),
                ],
                names=["page", "body", "is_valid_utf8", "is_valid_json"],
            )
        )
    schema = pa.schema(
        [
            ("page", pa.int32()),
            ("body", pa.large_string()),
            ("is_valid_utf8", pa.bool_()),
            ("is_valid_json", pa.bool_()),
        ]
    )
    return pa.Table.from_batches(batches, schema=schema)


def _repair_invalid_utf8(con: duckdb.DuckDBPyConnection, raw_root: Path) -> None:
    """Keep a payload that is not valid UTF-8: decode it with replacement characters, flagged."""
    broken = con.execute(
        "select document_id, payload_path from raw.documents where body is null and not is_valid_utf8"
    ).fetchall()
    for document_id, payload_path in broken:
        text = (raw_root / payload_path).read_bytes().decode("utf-8", errors="replace")
        con.execute(
            "update raw.documents set body = $text where document_id = $document_id",
            {"text": text, "document_id": document_id},
        )
