"""Markdown tables of a results file, for BENCHMARKS.md.

python -m bench.report [bench/results.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.vocab import REPO


def _mb(v) -> str:
    return f"{v:,.0f} MB" if isinstance(v, int | float) else "-"


def report(r: dict) -> str:
    m, c = r["machine"], r["corpus"]
    t = r["targets"]
    code = r.get("code", {})
    out = [
        f"Measured {m['date'][:10]} on {m['cores']} cores, {m['ram_gb']} GB RAM, {m['cpu_model']} "
        f"({m['os']}; Python {m['python']}, DuckDB {m['duckdb']}, dbt-core {m['dbt_core']}, "
        f"GX {m['great_expectations']}, ctgforge {m['ctgforge']}); "
        f"code {code.get('commit', '?')[:7]} + {code.get('uncommitted_paths', '?')} uncommitted paths; "
        f"criteria splitter {code.get('criteria_splitter', 'python')}.",
        "",
        f"Corpus: {r['studies']:,} studies ({c['bytes'] / 1e9:.2f} GB, "
        f"mean {c['mean_study_bytes'] / 1024:.1f} KB, "
        f"{c['withheld']} withheld, {c['with_results']} with results), {c['pages']} pages, "
        f"{c['changed']} changed for the nightly run; generated in {c['generated_in_s']} s "
        f"({c['studies_per_s']:,.0f} studies/s, {c['workers']} processes).",
        "",
        "| figure | value | target (for 500,000 studies) | met |",
        "|---|---|---|---|",
    ]
    rows = [
        (
            "full_rebuild_s",
            f"{r['full_rebuild_s']:.1f} s ({r['rebuild_ms_per_study']:.2f} ms/study; "
            f"projected {r['projected_full_rebuild_500k_s']:,.0f} s at 500k)",
            "full_rebuild_s",
        ),
        (
            "scan_floor_s",
            f"{r['scan_floor_s']:.2f} s; rebuild / floor = {r['rebuild_vs_floor']}",
            "rebuild_vs_floor",
        ),
        ("peak_rss_mb", _mb(r["peak_rss_mb"]), "peak_rss_mb"),
        ("incremental_s", f"{r['incremental_s']:.1f} s", "incremental_s"),
        (
            "ctgforge_ratio",
            f"{r['ctgforge_ratio']} (peer {r['peer_ms_per_study']:.3f} ms/study, "
            f"failed on {r['peer']['result']['failed']} of {r['peer']['result']['studies']})",
            "ctgforge_ratio",
        ),
        ("pages_per_s", f"{r['pages_per_s']:.0f} pages/s on one core", "pages_per_s"),
    ]
    for name, value, key in rows:
        met = "void" if t[key].get("void") else "yes" if t[key]["met"] else "**no**"
        out.append(f"| `{name}` | {value} | {t[key]['target']} | {met} |")
    out += [
        "",
        "| step | wall | in-process | CPU | peak RSS | read from disk |",
        "|---|---|---|---|---|---|",
    ]
    # disk reads: recorded since the runs of 2026-11-23 ("-" in older results)
    fetched = [(s, f"{s['step']} (not in the target)") for s in r["fetch"].get("steps", [])]
    timed = []
    for group in ("rebuild", "incremental"):
        timed += [(s, s["step"]) for s in r[group]["steps"]]
        # the next build's copy, after the publish (recorded since the runs of 2026-11-25)
        timed += [
            (s, f"{s['step']} (after the publish, not in the target)")
            for s in r[group].get("after_publish", [])
        ]
    for s, label in fetched + timed:
        out.append(
            f"| {label} | {s['wall_s']:.1f} s | {s['inner_s']} s | {s['cpu_s']} s "
            f"| {_mb(s['peak_rss_mb'])} | {_mb(s.get('disk_read_mb'))} |"
        )
    return "\n".join(out)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "bench" / "results.json"
    print(report(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
