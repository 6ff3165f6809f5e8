"""Smoke test of the registry-scale benchmark harness: `make bench N=2000` end to end, in tmp.

The benchmark's figures are not asserted against their targets here (that is what BENCHMARKS.md
records); this checks that the harness runs the real pipeline on a generated corpus and that what
it writes is complete and consistent with the warehouse it published.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

import duckdb
import pytest

from bench.run import FLOOR_CACHED_MIN

REPO = Path(__file__).resolve().parent.parent
N = 2000
PAGES = 20  # the generator's default: N / 100, at least 10
CHANGED = 20  # 1% of the studies change before the nightly run
WITHHELD = 20  # 1% withheld-style minimal records
HEADLINE = (
    "studies",
    "full_rebuild_s",
    "incremental_s",
    "scan_floor_s",
    "peak_rss_mb",
    "ctgforge_ratio",
    "pages_per_s",
)
COMMITTED_RESULTS = REPO / "bench" / "results.json"


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench")
    results = tmp / "results.json"
    committed_before = _digest(COMMITTED_RESULTS)
    env = dict(os.environ, BENCH_CORPUS=str(tmp / "corpus"), BENCH_WORK=str(tmp / "work"))
    proc = subprocess.run(
        ["make", "--no-print-directory", "bench", f"N={N}", f"RESULTS={results}", "KEEP=1"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=2400,
    )
    assert proc.returncode == 0, f"make bench failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    assert _digest(COMMITTED_RESULTS) == committed_before, "the smoke run overwrote bench/results.json"
    return {"results": json.loads(results.read_text()), "tmp": tmp, "stdout": proc.stdout, "env": env}


pytestmark = pytest.mark.slow


def test_headline_figures_are_present_numeric_and_positive(bench_run):
    r = bench_run["results"]
    assert r["studies"] == N
    for key in HEADLINE:
        assert key in r, key
        assert isinstance(r[key], int | float) and not isinstance(r[key], bool), (key, r[key])
        assert r[key] > 0, (key, r[key])
    assert set(r["targets"]) == {
        "full_rebuild_s",
        "rebuild_vs_floor",
        "peak_rss_mb",
        "incremental_s",
        "pages_per_s",
        "ctgforge_ratio",
    }
    assert r["machine"]["cores"] >= 1 and r["machine"]["ram_gb"] > 0 and r["machine"]["cpu_model"]
    assert r["code"]["criteria_splitter"] == "compiled (mypyc)"  # make setup built it (ingest.native_build)
    # the table is printed too
    for key in HEADLINE[1:]:
        assert key in bench_run["stdout"]


def test_rebuild_runs_the_four_steps_each_in_its_own_process(bench_run):
    r = bench_run["results"]
    steps = r["rebuild"]["steps"]
    assert [s["kind"] for s in steps] == ["load", "transform", "validate", "publish"]
    assert r["full_rebuild_s"] == pytest.approx(sum(s["wall_s"] for s in steps), abs=0.05)
    assert r["peak_rss_mb"] == max(s["peak_rss_mb"] for s in steps)
    for s in steps:
        assert s["ok"] and s["wall_s"] > 0 and s["peak_rss_mb"] > 0 and s["cpu_s"] > 0
    # each step's own disk writes: dbt writes the marts file, the publish renames it (copies nothing)
    marts_mb = r["rebuild"]["analytics_db_bytes"] / 2**20
    assert steps[0]["disk_write_mb"] > 0 and steps[1]["disk_write_mb"] > marts_mb / 2
    assert steps[3]["disk_write_mb"] < marts_mb / 10
    load = steps[0]["result"]
    assert load["documents_added"] == N + PAGES and load["documents_total"] == N + PAGES
    assert r["rebuild"]["dbt"]["nodes"] > 0 and r["rebuild"]["dbt"]["slowest"]
    assert steps[2]["result"]["success"] is True and steps[2]["result"]["failed"] == []


def test_rebuild_published_every_study_and_page(bench_run):
    counts = bench_run["results"]["checks"]["rebuild_counts"]
    assert counts["trial_records"] == N + PAGES
    assert counts["quarantine"] == 0
    assert N <= counts["trials"] <= N + PAGES
    assert counts["arms"] > N and counts["criteria"] > N and counts["sites"] > N


def test_nightly_increment_publishes_the_changed_studies(bench_run):
    r = bench_run["results"]
    inc = r["incremental"]
    assert inc["changed_studies"] == CHANGED
    kinds = [s["kind"] for s in inc["steps"]]
    assert kinds == ["fetch", "fetch", "load", "prepare_build", "transform", "validate", "publish"]
    # the rebuild's last step copied the published file for this night's build, after its publish
    # and outside its time; the night's own prepare_build, beside fetch and load, kept that copy
    rebuilt_bytes = r["rebuild"]["steps"][-1]["result"]["bytes"]
    [after_rebuild] = r["rebuild"]["after_publish"]
    assert after_rebuild["step"] == "rebuild_prepare_next_build"
    assert after_rebuild["result"]["copied"] is True and after_rebuild["result"]["bytes"] == rebuilt_bytes
    assert r["full_rebuild_s"] == pytest.approx(sum(s["wall_s"] for s in r["rebuild"]["steps"]), abs=0.01)
    prepare = inc["steps"][3]
    assert prepare["beside"] == ["nightly_fetch_api", "nightly_fetch_pages", "nightly_load"]
    assert prepare["result"]["copied"] is False
    assert prepare["result"]["reason"].startswith("the build file is kept")
    # and the night, once published, copied its own file for the next night
    [after_night] = inc["after_publish"]
    assert after_night["step"] == "nightly_prepare_next_build" and after_night["result"]["copied"] is True
    assert after_night["result"]["bytes"] == inc["steps"][-1]["result"]["bytes"]
    # the two sources are fetched at once; the rest follow one another
    fetches = inc["steps"][:2]
    assert [s["step"] for s in fetches] == ["nightly_fetch_api", "nightly_fetch_pages"]
    assert fetches[0]["beside"] == fetches[1]["beside"] == ["nightly_fetch_api", "nightly_fetch_pages"]
    chain = max(s["wall_s"] for s in fetches) + sum(s["wall_s"] for s in inc["steps"][2:] if s is not prepare)
    assert chain + prepare["waited_s"] - 0.1 <= r["incremental_s"] <= chain + prepare["waited_s"] + 1.0
    api_fetch = inc["steps"][0]["result"]
    assert api_fetch["fetched"] == 1 and api_fetch["errors"] == 0  # one API page of 20 studies
    assert any("LastUpdatePostDate" in q for q in inc["api_requests"])  # incremental on the watermark
    assert inc["steps"][2]["result"]["documents_added"] == CHANGED  # the pages were already held

    published = bench_run["tmp"] / "work" / "warehouse" / "warehouse.duckdb"
    manifest = json.loads((bench_run["tmp"] / "corpus" / "corpus.json").read_text())
    with duckdb.connect(str(published), read_only=True) as con:
        by_source = dict(
            con.execute("select source_name, count(*) from marts.trial_records group by 1").fetchall()
        )
        assert by_source == {"ctgov-bulk": N, "bench-pages": PAGES, "ctgov-api": CHANGED}
        assert con.execute("select count(distinct nct_id) from marts.trials").fetchone()[0] == N
        for change in manifest["changes"]:
            status = con.execute(
                "select overall_status from marts.trials where nct_id = ?", [change["nct_id"]]
            ).fetchone()
            assert status == (change["new_status"],), change
    assert r["checks"]["changed_status_visible_in_trials"] == CHANGED


def test_the_nights_data_tests_read_the_rows_of_the_records_it_sighted(bench_run):
    """dbt's `unique` test of a list mart, compiled by the night, reads the arms of the 20 changed
    studies' API records and the 20 pages fetched again, found by row id, not the whole table."""
    warehouse = bench_run["tmp"] / "work" / "warehouse"
    compiled = next((warehouse / "build" / "dbt_target" / "compiled").rglob("unique_arms_arm_id.sql"))
    sql = compiled.read_text()
    subquery = re.search(r"\(select \* from (\S+) where (rowid in .*?)\) dbt_subquery", sql, re.S)
    assert subquery, sql
    relation, where = subquery.groups()
    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse / 'build' / 'warehouse.duckdb'}' as warehouse (read_only)")
        con.execute(f"attach '{warehouse / 'warehouse.duckdb'}' as analytics (read_only)")  # published
        con.execute("set search_path = 'warehouse.main'")
        tested = con.execute(f"select arm_id from {relation} where {where} order by 1").fetchall()
        sighted = con.execute(
            """
            select arm_id from analytics.marts.arms
            inner join analytics.marts.trial_records using (record_id)
            where source_name in ('ctgov-api', 'bench-pages')
            order by 1
            """
        ).fetchall()
        (all_arms,) = con.execute("select count(*) from analytics.marts.arms").fetchone()
    assert tested == sighted
    assert 20 < len(tested) < all_arms / 10


def test_floor_peer_and_pages_measure_the_same_corpus(bench_run):
    r = bench_run["results"]
    floor = r["floor"]["result"]
    assert floor["rows"] == N and floor["read_blob_rows"] == N
    assert r["rebuild_vs_floor"] == pytest.approx(r["full_rebuild_s"] / r["scan_floor_s"], rel=0.01)
    # the first run read the 2,000 files, so the second found them page-cached: a true floor. A
    # kernel that pages out idle file pages (DAMON, see BENCHMARKS.md) may drop a few in between
    # (98.3% in one CI run); the bench calls a floor warm from FLOOR_CACHED_MIN on
    assert floor["cache_sample_files"] == N and len(floor["cached_before_runs"]) == 2
    assert floor["cached_before_runs"][1] >= FLOOR_CACHED_MIN
    assert r["targets"]["rebuild_vs_floor"]["void"] is False
    assert r["targets"]["rebuild_vs_floor"]["basis"] == f"measured at {N:,} studies"
    peer = r["peer"]["result"]
    assert peer["studies"] == N
    assert peer["failed"] == peer["failed_withheld_style"] == WITHHELD  # the peer raises on minimal records
    assert peer["flattened"] == N - WITHHELD and peer["frame_shape"][0] == N - WITHHELD
    assert r["ctgforge_ratio"] == pytest.approx(peer["ms_per_study"] / r["rebuild_ms_per_study"], rel=0.01)
    pages = r["pages"]["result"]
    assert pages["pages"] == PAGES and pages["not_ok_or_wrong_layout"] == 0


def test_corpus_has_the_promised_shape(bench_run):
    corpus = bench_run["tmp"] / "corpus"
    manifest = json.loads((corpus / "corpus.json").read_text())
    assert manifest["studies"] == N and manifest["withheld"] == WITHHELD and manifest["changed"] == CHANGED
    assert manifest["layouts"] == {
        layout: PAGES // 5
        for layout in ("study_page", "sourced_summary", "ctgov_classic", "veeva", "clinconnect")
    }
    assert manifest["bad_pages"] == []
    files = sorted((corpus / "ctgov").glob("NCT*.json"))
    assert len(files) == N
    assert len(list((corpus / "delta").glob("NCT*.json"))) == CHANGED
    sizes = [f.stat().st_size for f in files]
    assert 15_000 < sum(sizes) / N < 45_000  # ~28 KB a study, like the registry's bulk download


def test_corpus_generation_is_deterministic_by_seed(tmp_path):
    from bench.corpus import generate

    def fingerprint(out: Path) -> dict[str, str]:
        return {
            str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != "corpus.json"
        }

    a = generate(60, seed=7, out=tmp_path / "a", pages=10, workers=2, quiet=True)
    b = generate(60, seed=7, out=tmp_path / "b", pages=10, workers=1, quiet=True)
    generate(60, seed=8, out=tmp_path / "c", pages=10, workers=2, quiet=True)
    assert fingerprint(tmp_path / "a") == fingerprint(tmp_path / "b")
    assert fingerprint(tmp_path / "a") != fingerprint(tmp_path / "c")
    assert a["bytes"] == b["bytes"] and a["withheld"] == 1 and a["pages"] == 10


def test_a_floor_that_read_evicted_files_voids_the_ratio(tmp_path):
    from bench.run import floor_is_warm
    from bench.step import cached_fraction

    files = []
    for i in range(3):
        path = tmp_path / f"NCT0000000{i}.json"
        path.write_bytes(b'{"protocolSection": {}}' * 40_000)
        path.read_bytes()
        files.append(str(path))
    assert cached_fraction(files) == 1.0
    for path in files[:2]:  # evicted: written back, then dropped from the page cache
        fd = os.open(path, os.O_RDONLY)
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
    assert cached_fraction(files) == pytest.approx(1 / 3, abs=0.01)
    assert floor_is_warm({"warm_cached": 1 / 3}) is False
    assert floor_is_warm({"warm_cached": 0.95}) is True
    assert floor_is_warm({"runs_s": [3.1, 1.2]}) is True  # recorded before the check existed


def test_a_kept_rebuild_replays_the_same_night(bench_run):
    """`make bench-night` runs the nightly increment again on the state the rebuild published."""
    tmp, work = bench_run["tmp"], bench_run["tmp"] / "work"
    results = tmp / "results.json"
    results_before = _digest(results)
    proc = subprocess.run(
        ["make", "--no-print-directory", "bench-night", f"N={N}"],
        cwd=REPO,
        env=bench_run["env"],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, f"make bench-night failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    assert _digest(results) == results_before  # a replay is for profiling: the results stay the run's
    replay = json.loads((work / "night_replay.json").read_text())
    steps = {s["step"]: s for s in replay["steps"]}
    assert [s["kind"] for s in replay["steps"]] == [
        "fetch", "fetch", "load", "prepare_build", "transform", "validate", "publish"
    ]  # fmt: skip
    # the night started from the rebuild: the API page and the changed studies are new again
    assert steps["nightly_fetch_api"]["result"]["stored_new"] == 1
    assert steps["nightly_load"]["result"]["load_id"] == 2
    assert steps["nightly_load"]["result"]["documents_added"] == CHANGED
    # the kept state holds the rebuild's copy for the next build: the replay's night keeps it
    assert steps["nightly_prepare_build"]["result"]["copied"] is False
    assert replay["after_publish"][0]["result"]["copied"] is True
    assert f"nightly run: {replay['incremental_s']:.1f} s" in proc.stdout
    manifest = json.loads((tmp / "corpus" / "corpus.json").read_text())
    with duckdb.connect(str(work / "warehouse" / "warehouse.duckdb"), read_only=True) as con:
        by_source = dict(
            con.execute("select source_name, count(*) from marts.trial_records group by 1").fetchall()
        )
        assert by_source == {"ctgov-bulk": N, "bench-pages": PAGES, "ctgov-api": CHANGED}
        statuses = dict(con.execute("select nct_id, overall_status from marts.trials").fetchall())
    assert all(statuses[c["nct_id"]] == c["new_status"] for c in manifest["changes"])
    # the kept rebuild is unchanged by the replay: its published file still shows the old statuses
    with duckdb.connect(str(work / "night_start" / "published.duckdb"), read_only=True) as con:
        before = dict(con.execute("select nct_id, overall_status from marts.trials").fetchall())
    assert all(before[c["nct_id"]] == c["old_status"] for c in manifest["changes"])
    assert any(c["old_status"] != c["new_status"] for c in manifest["changes"])
