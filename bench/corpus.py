"""Generate a registry-scale corpus: N studies (API v2 JSON, one file per study), pages, a nightly delta.

    python -m bench.corpus --n 50000 [--seed 20260101] [--out bench/corpus/50000] [--pages P] [--zip]

Writes, deterministically from (N, seed):

- `ctgov/NCT########.json`: one file per study, as the bulk download has it (`--zip`: `ctgov.zip`);
  ~1% are withheld-style minimal records (identification only);
- `pages/<layout>/*.txt`: P republished pages (default N/100, at least 10), rendered from studies in
  the five site layouts of `sample_data/pages/`, each checked with `ingest.pages.parse_page`;
  half carry the NCT ID in their file name (so the URL links them), half link by title;
- `delta/NCT########.json`: the nightly increment, 1% of the studies changed (new status,
  enrollment and LastUpdatePostDate = the nightly run date), served by the benchmark as a local
  replay of the ClinicalTrials.gov API;
- `corpus.json`: what was generated (counts, bytes, seconds, the expected changes).

Studies are generated in parallel (one process per core) and written with one `write` per file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import random
import shutil
import sys
import time
import zipfile
from datetime import date
from pathlib import Path

from bench.pages import LAYOUTS, render
from bench.studies import StudyMaker, nct_id, to_json
from bench.vocab import REPO, learn

GENERATOR_VERSION = 4
DEFAULT_SEED = 20260101
REBUILD_DATE = date(2026, 1, 1)  # run date of the full rebuild (the bulk download)
NIGHTLY_DATE = date(2026, 1, 2)  # run date of the nightly increment
WITHHELD_FRACTION = 0.01
CHANGED_FRACTION = 0.01
CHUNK = 1000


def default_out(n: int) -> Path:
    return REPO / "bench" / "corpus" / str(n)


def default_pages(n: int) -> int:
    return max(10, n // 100)


def plan(n: int, seed: int, pages: int, changed_fraction: float = CHANGED_FRACTION) -> dict:
    """Which studies are withheld, changed tonight, and republished as pages (deterministic)."""
    rng = random.Random(seed)
    withheld = set(rng.sample(range(n), round(n * WITHHELD_FRACTION)))
    full = [i for i in range(n) if i not in withheld]
    changed = sorted(rng.sample(full, max(1, round(n * changed_fraction))))
    paged = rng.sample(full, min(pages, len(full)))
    page_of = {}
    for k, i in enumerate(paged):
        layout = LAYOUTS[k % len(LAYOUTS)]
        page_of.setdefault(i, []).append((k, layout))
    return {"withheld": withheld, "changed": set(changed), "pages": page_of}


# ---------------------------------------------------------------------------- workers

_W: dict = {}


def _init(seed: int, out: str, plan_: dict, zipped: bool) -> None:
    _W.update(maker=StudyMaker(learn(), seed), seed=seed, out=Path(out), plan=plan_, zipped=zipped)


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _chunk(bounds: tuple[int, int]) -> dict:
    from ingest.pages import parse_page

    lo, hi = bounds
    maker: StudyMaker = _W["maker"]
    out: Path = _W["out"]
    p = _W["plan"]
    stats = {
        "studies": 0,
        "bytes": 0,
        "withheld": 0,
        "with_results": 0,
        "pages": 0,
        "page_bytes": 0,
        "changed": 0,
        "delta_bytes": 0,
        "bad_pages": [],
        "changes": [],
        "members": [],
    }
    for i in range(lo, hi):
        study = maker.study(i)
        nct = nct_id(i, _W["seed"])
        if i in p["changed"]:
            changed, change = maker.changed(study, random.Random(_W["seed"] * 7 + i), NIGHTLY_DATE)
            body = to_json(changed)
            _write(out / "delta" / f"{nct}.json", body)
            stats["changed"] += 1
            stats["delta_bytes"] += len(body)
            stats["changes"].append(change)
        for k, layout in p["pages"].get(i, ()):
            text = render(layout, study, seed=k)
            check = parse_page(text, None)
            if not check["ok"] or check["layout"] != layout:
                stats["bad_pages"].append(
                    {
                        "nct_id": nct,
                        "layout": layout,
                        "got": check.get("layout"),
                        "reason": check.get("reason"),
                        "error": check.get("error"),
                    }
                )
            data = text.encode("utf-8")
            name = f"{nct}.txt" if k % 2 == 0 else f"{k:06d}_{hashlib.sha1(data).hexdigest()[:16]}.txt"
            _write(out / "pages" / layout / name, data)
            stats["pages"] += 1
            stats["page_bytes"] += len(data)
        if i in p["withheld"]:
            study = maker.withheld(study)
            stats["withheld"] += 1
        body = to_json(study)
        stats["with_results"] += study["hasResults"]
        if _W["zipped"]:
            stats["members"].append((f"{nct}.json", body))
        else:
            _write(out / "ctgov" / f"{nct}.json", body)
        stats["studies"] += 1
        stats["bytes"] += len(body)
    return stats


# ---------------------------------------------------------------------------- main


def generate(
    n: int,
    seed: int = DEFAULT_SEED,
    out: Path | None = None,
    pages: int | None = None,
    zipped: bool = False,
    workers: int | None = None,
    force: bool = False,
    changed_fraction: float = CHANGED_FRACTION,
    quiet: bool = False,
) -> dict:
    out = Path(out or default_out(n)).resolve()
    pages = default_pages(n) if pages is None else pages
    workers = workers or os.cpu_count() or 1
    wanted = {
        "generator_version": GENERATOR_VERSION,
        "studies": n,
        "seed": seed,
        "pages": pages,
        "zipped": zipped,
        "changed_fraction": changed_fraction,
    }
    manifest_path = out / "corpus.json"
    if manifest_path.exists() and not force:
        have = json.loads(manifest_path.read_text())
        if all(have.get(k) == v for k, v in wanted.items()):
            if not quiet:
                print(f"corpus {out} is up to date ({n} studies, seed {seed}); --force regenerates it")
            return have
    if out.exists():
        shutil.rmtree(out)
    for sub in ("delta", *(f"pages/{layout}" for layout in LAYOUTS)):
        (out / sub).mkdir(parents=True, exist_ok=True)
    if not zipped:
        (out / "ctgov").mkdir()

    started = time.perf_counter()
    plan_ = plan(n, seed, pages, changed_fraction)
    planned = time.perf_counter()
    chunks = [(lo, min(n, lo + CHUNK)) for lo in range(0, n, CHUNK)]
    totals = {
        "studies": 0,
        "bytes": 0,
        "withheld": 0,
        "with_results": 0,
        "pages": 0,
        "page_bytes": 0,
        "changed": 0,
        "delta_bytes": 0,
    }
    bad_pages: list[dict] = []
    changes: list[dict] = []
    zf = zipfile.ZipFile(out / "ctgov.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=1) if zipped else None
    ctx = mp.get_context("fork")
    last = time.perf_counter()
    with ctx.Pool(workers, initializer=_init, initargs=(seed, str(out), plan_, zipped)) as pool:
        for stats in pool.imap(_chunk, chunks):
            for key in totals:
                totals[key] += stats[key]
            bad_pages += stats["bad_pages"]
            changes += stats["changes"]
            if zf is not None:
                for name, body in stats["members"]:
                    zf.writestr(name, body)
            now = time.perf_counter()
            if not quiet and now - last > 10:
                last = now
                rate = totals["studies"] / (now - started)
                print(
                    f"  {totals['studies']:,}/{n:,} studies ({rate:,.0f}/s, {totals['bytes'] / 1e9:.2f} GB)",
                    flush=True,
                )
    if zf is not None:
        zf.close()
    elapsed = time.perf_counter() - started
    manifest = {
        **wanted,
        "path": str(out),
        "ctgov": str(out / ("ctgov.zip" if zipped else "ctgov")),
        "pages_dir": str(out / "pages"),
        "delta_dir": str(out / "delta"),
        "rebuild_date": REBUILD_DATE.isoformat(),
        "nightly_date": NIGHTLY_DATE.isoformat(),
        "workers": workers,
        "generated_in_s": round(elapsed, 2),
        "plan_s": round(planned - started, 2),
        "studies_per_s": round(n / elapsed, 1) if elapsed else None,
        "layouts": {
            layout: sum(1 for v in plan_["pages"].values() for _, lay in v if lay == layout)
            for layout in LAYOUTS
        },
        **totals,
        "mean_study_bytes": round(totals["bytes"] / max(n, 1)),
        "bad_pages": bad_pages,
        "changes": sorted(changes, key=lambda c: c["nct_id"]),
    }
    manifest_path.write_text(json.dumps(manifest, indent=1))
    if not quiet:
        print(
            f"generated {n:,} studies ({totals['bytes'] / 1e9:.2f} GB, "
            f"mean {manifest['mean_study_bytes'] / 1024:.1f} KB, "
            f"{totals['withheld']} withheld, {totals['with_results']} with results), "
            f"{totals['pages']} pages, {totals['changed']} changed studies in {elapsed:.1f} s "
            f"({manifest['studies_per_s']:,.0f} studies/s on {workers} processes) -> {out}"
        )
        if bad_pages:
            print(f"WARNING: {len(bad_pages)} rendered pages did not parse to their layout: {bad_pages[:3]}")
    if bad_pages:
        raise SystemExit(f"{len(bad_pages)} rendered pages did not parse to ok with their layout")
    return manifest


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, required=True, help="number of studies")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", type=Path, help="corpus folder (default bench/corpus/<N>)")
    ap.add_argument("--pages", type=int, help="number of republished pages (default N/100, at least 10)")
    ap.add_argument("--zip", action="store_true", help="write ctgov.zip instead of one file per study")
    ap.add_argument("--workers", type=int, help="processes (default: one per core)")
    ap.add_argument("--changed-fraction", type=float, default=CHANGED_FRACTION)
    ap.add_argument("--force", action="store_true", help="regenerate even when corpus.json matches")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("--n must be positive")
    generate(
        args.n, args.seed, args.out, args.pages, args.zip, args.workers, args.force, args.changed_fraction
    )


if __name__ == "__main__":
    sys.exit(main())
