"""The bench steps' DuckDB diagnostics: BENCH_DUCKDB_LOG writes DuckDB's own log for every connection.

It is how a night's checkpoints were timed table by table (BENCHMARKS.md item 69), so it must log
what a checkpoint wrote. Each case runs in a child process: the hook replaces `duckdb.connect`.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = """
import sys
import duckdb
from bench.step import _limit_duckdb

print(_limit_duckdb())
con = duckdb.connect(sys.argv[1])
con.execute("create table trials as select range as trial_id from range(25000)")
con.execute("checkpoint")
con.close()
"""


def _run_child(tmp_path: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "scratch.duckdb")],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_duckdb_log_records_each_row_group_a_checkpoint_writes(tmp_path: Path) -> None:
    logs = tmp_path / "duckdb-log"
    printed = _run_child(tmp_path, {"BENCH_DUCKDB_LOG": str(logs)})

    assert printed == f"{{'log': '{logs}'}}"
    [connection] = list(logs.iterdir())  # one folder per connection the step opened
    with (connection / "duckdb_log_entries.csv").open(newline="") as handle:
        entries = list(csv.DictReader(handle))
    checkpoints = [e["message"] for e in entries if e["type"] == "Checkpoint"]
    written = [message for message in checkpoints if "'table': trials" in message]
    # 25,000 rows in DuckDB's default row groups of 122,880: one row group, checkpointed once
    assert len(written) == 1
    assert "count=25000" in written[0]
    assert any(e["type"] == "QueryLog" and e["message"] == "checkpoint" for e in entries)


def test_without_diagnostics_connections_are_left_alone(tmp_path: Path) -> None:
    names = [f"BENCH_DUCKDB_{name}" for name in ("MEMORY_LIMIT", "TEMP_LIMIT", "CONFIG", "LOG")]
    printed = _run_child(tmp_path, dict.fromkeys(names, ""))

    assert printed == "None"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scratch.duckdb"]
