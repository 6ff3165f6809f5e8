"""Where the rebuild's time goes: py-spy stacks summarised, and EXPLAIN ANALYZE of the slowest models.

    python -m bench.analyze [--work var/bench/50000] [--models 6]

Reads what `bench.run --profile` left in the work folder (`profiles/*.txt`, py-spy's raw
collapsed stacks, and `rebuild_run_results.json`, dbt's per-node timings) and:

- ranks Python functions by self time and by inclusive time (all frames, and ingest's own);
- re-runs the slowest models' compiled SQL with `EXPLAIN ANALYZE` on a copy of the build
  warehouse (the page parser's DuckDB functions registered, as dbt's plugin does) and keeps the
  operator timings.

Writes `analysis.json` in the work folder and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import time
from collections import Counter
from pathlib import Path

from bench.vocab import REPO

_FRAME_RE = re.compile(r"^(?P<func>.+?) \((?P<file>[^:()]+)(?::(?P<line>\d+))?\)$")


def _short(frame: str) -> str:
    m = _FRAME_RE.match(frame.strip())
    if not m:
        return frame.strip()
    path = m.group("file")
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{m.group('func')} ({path})"


def stacks(path: Path, top: int = 25) -> dict:
    """Self and inclusive sample counts per function from py-spy's raw (collapsed) output."""
    self_count: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_short(f) for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        self_count[frames[-1]] += n
        for f in set(frames):
            incl[f] += n
            if "(ingest/" in f:
                ours[f] += n

    def ranked(c: Counter) -> list[dict]:
        return [{"function": f, "samples": s, "share": round(s / total, 3)} for f, s in c.most_common(top)]

    return {
        "samples": total,
        "self": ranked(self_count),
        "inclusive": ranked(incl),
        "ingest_inclusive": ranked(ours),
    }


def explain_models(work: Path, models: int) -> list[dict]:
    import duckdb

    from ingest.dbt_plugin import register_functions

    run_results = json.loads((work / "rebuild_run_results.json").read_text())
    slow = sorted(
        (r for r in run_results["results"] if r["unique_id"].startswith("model.")),
        key=lambda r: -(r.get("execution_time") or 0),
    )[:models]
    build = work / "warehouse" / "build" / "warehouse.duckdb"
    copy_dir = work / "explain"
    if copy_dir.exists():
        shutil.rmtree(copy_dir)
    copy_dir.mkdir()
    copy = copy_dir / "warehouse.duckdb"  # same file stem: the compiled SQL names the catalog "warehouse"
    shutil.copyfile(build, copy)
    compiled_root = work / "warehouse" / "build" / "dbt_target" / "compiled"
    out = []
    with duckdb.connect(str(copy)) as con:
        register_functions(con)
        con.execute("pragma enable_profiling = 'json'")
        for r in slow:
            name = r["unique_id"].split(".")[-1]
            files = list(compiled_root.rglob(f"{name}.sql"))
            if not files:
                continue
            sql = files[0].read_text()
            profile_path = copy_dir / f"{name}.profile.json"
            con.execute(f"pragma profiling_output = '{profile_path}'")
            t = time.perf_counter()
            con.execute(f"create or replace temp table explain_{name} as {sql}")
            wall = time.perf_counter() - t
            # read the profile now: every later statement overwrites the profiling output
            prof = json.loads(profile_path.read_text()) if profile_path.exists() else {}
            con.execute("pragma disable_profiling")
            rows = con.execute(f"select count(*) from explain_{name}").fetchone()[0]
            con.execute(f"drop table explain_{name}")
            con.execute("pragma enable_profiling = 'json'")
            out.append(
                {
                    "model": name,
                    "dbt_s": round(r.get("execution_time") or 0, 3),
                    "rerun_s": round(wall, 3),
                    "rows": rows,
                    **_query_facts(prof),
                    "top_operators": _operators(prof)[:8],
                    "profile": str(profile_path),
                }
            )
        con.execute("pragma disable_profiling")
    return out


def _operators(profile: dict) -> list[dict]:
    """Operator timings from DuckDB's JSON profile (its 2.x `operator` tree, or the older flat one)."""
    found: list[dict] = []

    def walk(node):
        name = node.get("type") or node.get("operator_type") or node.get("operator_name")
        timing = node.get("timing", node.get("operator_timing"))
        if name and timing is not None:
            extra = node.get("extra_info") or {}
            keep = (
                "Function",
                "Expression",
                "Expressions",
                "Table",
                "Join Type",
                "Conditions",
                "Aggregates",
                "Groups",
                "Partition By",
            )
            found.append(
                {
                    "operator": str(name).strip(),
                    "s": round(timing, 3),
                    "rows": node.get("intermediate_rows", node.get("operator_cardinality")),
                    "detail": {k: v for k, v in extra.items() if k in keep},
                }
            )
        for child in node.get("children", []):
            walk(child)

    for root in (
        profile.get("operator", [profile]) if isinstance(profile.get("operator"), list) else [profile]
    ):
        walk(root)
    return sorted(found, key=lambda o: -o["s"])


def _query_facts(profile: dict) -> dict:
    query, system = profile.get("query") or {}, profile.get("system") or {}
    return {
        "cpu_s": round(query.get("cpu_time") or 0, 3),
        "peak_buffer_memory_mb": round((system.get("peak_buffer_memory") or 0) / 2**20),
        "peak_temp_dir_mb": round((system.get("peak_temp_dir_size") or 0) / 2**20),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=REPO / "var" / "bench" / "50000")
    ap.add_argument("--models", type=int, default=6)
    args = ap.parse_args(argv)
    work = args.work.resolve()
    analysis: dict = {"profiles": {}}
    for prof in sorted((work / "profiles").glob("*.txt")):
        analysis["profiles"][prof.stem] = stacks(prof)
    analysis["models"] = explain_models(work, args.models)
    (work / "analysis.json").write_text(json.dumps(analysis, indent=1, default=str))
    for name, p in analysis["profiles"].items():
        print(f"== {name}: {p['samples']} samples; top self time")
        for row in p["self"][:12]:
            print(f"   {row['share']:>6.1%}  {row['function']}")
        print("   ingest (inclusive):")
        for row in p["ingest_inclusive"][:10]:
            print(f"   {row['share']:>6.1%}  {row['function']}")
    for m in analysis["models"]:
        print(
            f"== model {m['model']}: dbt {m['dbt_s']} s, rerun {m['rerun_s']} s (cpu {m['cpu_s']} s), "
            f"{m['rows']} rows, peak buffer memory {m['peak_buffer_memory_mb']} MB"
        )
        for op in m["top_operators"][:5]:
            print(
                f"   {op['s']:>8.3f} s  {op['operator']}  rows={op['rows']}  {json.dumps(op['detail'])[:160]}"
            )
    print(f"analysis: {work / 'analysis.json'}")


if __name__ == "__main__":
    main()
