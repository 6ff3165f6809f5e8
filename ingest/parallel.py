"""A process pool for the text parsers that DuckDB calls as vectorised functions.

DuckDB hands a Python function a whole vector of values at once (an Arrow array) but runs Python under
one GIL, so parsing 500,000 eligibility texts would use one core. Batches large enough to be worth it
go to a pool of worker processes instead; small ones (tests, a nightly increment of a few rows) stay in
this process, which costs nothing to start.
"""

from __future__ import annotations

import atexit
import itertools
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

import pyarrow as pa

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a batch is parsed in-process: starting workers takes ~0.3 s.
MIN_PARALLEL_ITEMS = 512
# Items per task sent to a worker: large enough that pickling is noise, small enough to balance.
CHUNK_ITEMS = 256

_pool: ProcessPoolExecutor | None = None
_pool_pid: int | None = None


def worker_count() -> int:
    """Workers to use: TRIALWH_PARSE_WORKERS, else the cores this process may run on."""
    configured = os.environ.get("TRIALWH_PARSE_WORKERS")
    if configured:
        return max(1, int(configured))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _get_pool(workers: int) -> ProcessPoolExecutor:
    global _pool, _pool_pid
    if _pool is None or _pool_pid != os.getpid():
        # forkserver: the caller is a multi-threaded process (DuckDB, Airflow); forking it is unsafe.
        _pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"))
        _pool_pid = os.getpid()
        atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
    return _pool


def map_batch(fn: Callable[[Sequence[T]], list[R]], items: Sequence[T]) -> list[R]:
    """`fn(items)`, spread over worker processes when the batch is large; order is kept.

    `fn` takes a list and returns one result per item; it must be importable by name (a module-level
    function), since workers receive it by reference.
    """
    workers = worker_count()
    if workers == 1 or len(items) < MIN_PARALLEL_ITEMS:
        return fn(items)
    chunks = [items[i : i + CHUNK_ITEMS] for i in range(0, len(items), CHUNK_ITEMS)]
    results: list[R] = []
    for part in _get_pool(workers).map(fn, chunks):
        results.extend(part)
    return results


def _item_count(values: pa.Array) -> int:
    """Items to parse in an array: its values, or the elements of its lists."""
    if pa.types.is_list(values.type):
        return len(values.flatten())
    return len(values)


def _chunk_bounds(values: pa.Array) -> list[int]:
    """Where to cut an array into tasks of about CHUNK_ITEMS items (a list counts its elements)."""
    if not pa.types.is_list(values.type):
        return [*range(0, len(values), CHUNK_ITEMS), len(values)]
    bounds, items = [0], 0
    for i, length in enumerate(values.value_lengths().to_pylist(), start=1):
        items += length or 0
        if items >= CHUNK_ITEMS:
            bounds.append(i)
            items = 0
    if bounds[-1] != len(values):
        bounds.append(len(values))
    return bounds


def map_arrow(fn: Callable[[pa.Array], pa.Array], values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`fn(values)` for an Arrow array, spread over worker processes when it is large; order is kept.

    Slices of the array go to the workers and Arrow arrays come back: both pickle as their buffers,
    so this process neither builds a Python object per value nor pickles one, and keeps its core
    for DuckDB. An array of lists (a batch of texts per value) is cut by the texts it holds, so
    the tasks stay small however long its lists are. `fn` must be a module-level function, as for
    `map_batch`.
    """
    workers = worker_count()
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if workers == 1 or _item_count(values) < MIN_PARALLEL_ITEMS:
        return fn(values)
    bounds = _chunk_bounds(values)
    # a slice pickles its parent's whole buffers: concatenating it alone copies out its own values
    chunks = [
        pa.concat_arrays([values.slice(start, end - start)]) for start, end in itertools.pairwise(bounds)
    ]
    return pa.concat_arrays(list(_get_pool(workers).map(fn, chunks)))
