"""Run one measured unit of work in this (fresh) process and write what it returned as JSON.

    python -m bench.step SPEC.json

SPEC holds `{"kind": ..., "kwargs": {...}, "out": "result.json"}`. Pipeline kinds call the real step
functions of `ingest.pipeline` (fetch, load, transform, validate, publish); the others measure the
DuckDB scan floor, the ctgforge peer and page parsing. The parent (`bench.run`) times the process
from spawn to exit and reads its peak RSS from `os.wait4`, so every step's memory is its own.
"""

from __future__ import annotations

import itertools
import json
import os
import resource
import sys
import time
import traceback
from pathlib import Path


def _pipeline(kind: str, kwargs: dict):
    from ingest import pipeline

    return getattr(pipeline, kind)(**kwargs)


CACHE_SAMPLE_FILES = 2000


def cached_fraction(files: list[str]) -> float | None:
    """The share of the files' bytes in the page cache (util-linux `fincore`), None without it."""
    import shutil
    import subprocess

    fincore = shutil.which("fincore")
    if not fincore or not files:
        return None
    listed = subprocess.run(
        [fincore, "--bytes", "--noheadings", "--raw", "--output", "RES,SIZE", *files],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    resident = size = 0
    for line in listed.splitlines():
        res, total = (int(value) for value in line.split())
        resident, size = resident + min(res, total), size + total  # whole pages: a tail counts 4 KB
    return round(resident / size, 4) if size else None


def floor(glob: str, repeats: int = 2, threads: int | None = None) -> dict:
    """DuckDB alone: count the study objects in the raw files, `repeats` times (the last one is warm).

    Before each run, how much of a sample of the files sits in the page cache is recorded: a "warm"
    run that found the files evicted (a machine whose cache holds other things) is no floor.
    """
    import glob as globbing

    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"set threads = {int(threads)}")
    runs, cached = [], []
    files = sorted(globbing.glob(glob))
    sample = files[:: max(1, len(files) // CACHE_SAMPLE_FILES)][:CACHE_SAMPLE_FILES]
    query = (
        "select count(*) from read_json(?, format = 'auto', maximum_object_size = 104857600, "
        "ignore_errors = true)"
    )
    rows = None
    for _ in range(repeats):
        cached.append(cached_fraction(sample))
        t = time.perf_counter()
        rows = con.execute(query, [glob]).fetchone()[0]
        runs.append(round(time.perf_counter() - t, 3))
    t = time.perf_counter()
    blob_rows, blob_bytes = con.execute(
        "select count(*), sum(octet_length(content)) from read_blob(?)", [glob]
    ).fetchone()
    blob_s = time.perf_counter() - t
    return {
        "query": query.replace("?", f"'{glob}'"),
        "rows": rows,
        "runs_s": runs,
        "warm_s": min(runs),
        # share of a sample of the files in the page cache before each run, and before the warm one
        "cached_before_runs": cached,
        "warm_cached": cached[runs.index(min(runs))],
        "cache_sample_files": len(sample),
        "read_blob_s": round(blob_s, 3),
        "read_blob_rows": blob_rows,
        "bytes": blob_bytes,
        "threads": con.execute("select current_setting('threads')").fetchone()[0],
        "duckdb": duckdb.__version__,
    }


def peer(files: list[str]) -> dict:
    """ctgforge on the same study files: read, json.loads, flatten_core per study, then to_dataframe.

    Studies ctgforge rejects (it raises on minimal records such as withheld studies) are counted
    by exception type and kept in the time: the peer spent it, and produced nothing for them.
    """
    import ctgforge
    from ctgforge.export import to_dataframe, to_property_graph
    from ctgforge.flatten import flatten_core

    trials = []
    failures: dict[str, int] = {}
    failed_withheld = failed_other = 0
    examples: list[dict] = []
    t0 = time.perf_counter()
    for path in files:
        with open(path, "rb") as fh:
            raw = json.loads(fh.read())
        try:
            trials.append(flatten_core(raw))
        except Exception as exc:  # noqa: BLE001 - counting what the peer raises is the point
            name = type(exc).__name__
            failures[name] = failures.get(name, 0) + 1
            minimal = "statusModule" not in raw.get("protocolSection", {})
            failed_withheld += minimal
            failed_other += not minimal
            if len(examples) < 5:
                examples.append(
                    {
                        "file": os.path.basename(path),
                        "error": f"{name}: {str(exc).splitlines()[0]}",
                        "withheld_style": minimal,
                    }
                )
    t1 = time.perf_counter()
    frame = to_dataframe(trials)
    t2 = time.perf_counter()
    nodes, edges = to_property_graph(trials)
    t3 = time.perf_counter()
    flatten_s, frame_s, graph_s = t1 - t0, t2 - t1, t3 - t2
    total = flatten_s + frame_s
    return {
        "package": "ctgforge",
        "version": _version("ctgforge"),
        "module": ctgforge.__name__,
        "studies": len(files),
        "flattened": len(trials),
        "failed": len(files) - len(trials),
        "failed_withheld_style": failed_withheld,
        "failed_other": failed_other,
        "failures_by_exception": failures,
        "failure_examples": examples,
        "flatten_s": round(flatten_s, 3),
        "to_dataframe_s": round(frame_s, 3),
        "to_property_graph_s": round(graph_s, 3),
        "frame_shape": list(frame.shape),
        "graph_nodes": len(nodes),
        "graph_edges": len(edges),
        "seconds": round(total, 3),
        "ms_per_study": round(total * 1000 / max(len(files), 1), 4),
        "ms_per_flattened_study": round(total * 1000 / max(len(trials), 1), 4),
        "measured": (
            "read file + json.loads + flatten_core per study, then to_dataframe (graph export not counted)"
        ),
    }


def pages(files: list[tuple[str, str]], warmup: int = 20) -> dict:
    """parse_page over the generated pages in this one process: pages per second on one core."""
    from ingest.pages import parse_page

    bodies = [(Path(p).read_text(encoding="utf-8"), layout, p) for p, layout in files]
    for body, _, _ in bodies[:warmup]:
        parse_page(body, None)
    wrong: list[dict] = []
    c0, t0 = time.process_time(), time.perf_counter()
    for body, layout, path in bodies:
        r = parse_page(body, None)
        if not r["ok"] or r["layout"] != layout:
            wrong.append(
                {
                    "page": os.path.basename(path),
                    "expected": layout,
                    "got": r.get("layout"),
                    "reason": r.get("reason"),
                }
            )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "pages": len(bodies),
        "seconds": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "pages_per_s": round(len(bodies) / wall, 1),
        "pages_per_cpu_s": round(len(bodies) / cpu, 1),
        "ms_per_page": round(wall * 1000 / max(len(bodies), 1), 3),
        "mean_page_bytes": round(sum(len(b.encode()) for b, _, _ in bodies) / max(len(bodies), 1)),
        "not_ok_or_wrong_layout": len(wrong),
        "wrong_examples": wrong[:5],
    }


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


KINDS = {"floor": floor, "peer": peer, "pages": pages}


def pipeline_digest() -> dict:
    """HEAD and a digest of the pipeline's files as this step saw them (others may edit meanwhile)."""
    import hashlib
    import subprocess

    repo = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for folder in ("ingest", "dbt_project/models", "dbt_project/macros", "dbt_project/seeds", "expectations"):
        for f in sorted((repo / folder).rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts:
                digest.update(f.relative_to(repo).as_posix().encode())
                digest.update(f.read_bytes())
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        head = None
    return {"commit": head, "pipeline_sha256": digest.hexdigest()}


def _vmhwm_mb() -> float | None:
    """This process's own RSS high-water mark (VmHWM).

    ru_maxrss is not enough: Linux carries the parent's high-water mark over exec into the child's
    ru_maxrss, so a small step spawned by a large parent would report the parent's memory.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _limit_duckdb() -> dict | None:
    """BENCH_DUCKDB_MEMORY_LIMIT / _TEMP_LIMIT / _CONFIG / _LOG: for every DuckDB connection of this step.

    Off by default (the pipeline's own settings are measured). A run at a size that may not fit
    (500,000 studies) sets them so one step cannot take the whole shared machine.
    """
    config = {}
    if os.environ.get("BENCH_DUCKDB_MEMORY_LIMIT"):
        config["memory_limit"] = os.environ["BENCH_DUCKDB_MEMORY_LIMIT"]
    if os.environ.get("BENCH_DUCKDB_TEMP_LIMIT"):
        config["max_temp_directory_size"] = os.environ["BENCH_DUCKDB_TEMP_LIMIT"]
    if os.environ.get("BENCH_DUCKDB_CONFIG"):  # a diagnostic: other settings, as JSON
        config.update(json.loads(os.environ["BENCH_DUCKDB_CONFIG"]))
    # a diagnostic: DuckDB's own log (queries, commits, each row group a checkpoint writes) as CSV
    # files in this folder, one subfolder per connection; DuckDB takes it only once a database is open
    log_dir = os.environ.get("BENCH_DUCKDB_LOG")
    if not config and not log_dir:
        return None
    import duckdb

    original = duckdb.connect
    opened = itertools.count()  # numbers this step's connections, for their log folders

    def connect(database=":memory:", read_only=False, config=None, **kwargs):
        merged = {**limits, **(config or {})}
        con = original(database, read_only=read_only, config=merged, **kwargs)
        if log_dir:
            path = Path(log_dir) / f"{os.getpid()}-{next(opened)}"
            con.execute(
                "call enable_logging(level = 'debug', storage = 'file', storage_config = {'path': ?})",
                [str(path)],
            )
        return con

    limits = config
    duckdb.connect = connect
    return {**config, "log": log_dir} if log_dir else config


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[1]).read_text())
    limits = _limit_duckdb()
    out = Path(spec["out"])
    kind, kwargs = spec["kind"], spec.get("kwargs", {})
    t0, c0 = time.perf_counter(), time.process_time()
    record: dict = {"kind": kind, "duckdb_limits": limits, "code": pipeline_digest()}
    try:
        fn = KINDS.get(kind)
        result = fn(**kwargs) if fn else _pipeline(kind, kwargs)
        record.update(ok=True, result=result)
    except BaseException as exc:  # noqa: BLE001 - the parent reports it
        record.update(ok=False, error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
    record["inner_s"] = round(time.perf_counter() - t0, 3)
    record["inner_cpu_s"] = round(time.process_time() - c0, 3)
    record["self_maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    record["vmhwm_mb"] = _vmhwm_mb()
    out.write_text(json.dumps(record, default=str, indent=1))
    return 0 if record["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
