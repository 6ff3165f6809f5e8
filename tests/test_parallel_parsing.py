"""The DuckDB parser functions give the same rows in-process and over worker processes."""

from __future__ import annotations

import json

import duckdb
import pytest

from ingest import parallel
from ingest.dbt_plugin import register_functions
from ingest.pages import parse_page, split_criteria
from tests.conftest import REPO, SAMPLE_CTGOV

PAGES = REPO / "sample_data" / "pages"


def _sample_texts() -> list[str]:
    texts = []
    for path in sorted(SAMPLE_CTGOV.glob("NCT*.json")):
        study = json.loads(path.read_text(encoding="utf-8"))
        text = study["protocolSection"].get("eligibilityModule", {}).get("eligibilityCriteria")
        if text:
            texts.append(text)
    return texts


def _split_in_duckdb(texts: list[str | None]) -> list[list[dict]]:
    con = duckdb.connect()
    register_functions(con)
    con.execute("create table t (i integer, text varchar)")
    con.executemany("insert into t values (?, ?)", list(enumerate(texts)))
    rows = con.execute("select i, split_criteria(text) from t order by i").fetchall()
    return [value for _, value in rows]


@pytest.fixture
def two_workers(monkeypatch):
    monkeypatch.setenv("TRIALWH_PARSE_WORKERS", "2")


def test_a_large_vector_goes_to_worker_processes_and_matches_the_splitter(two_workers):
    samples = _sample_texts()
    assert len(samples) == 11  # the withheld-style record has no eligibility module
    # Distinct texts, so a worker that returned another chunk's rows would be caught.
    texts: list[str | None] = [
        f"Inclusion Criteria:\n\n* Cohort {i}\n\n{samples[i % 11]}" for i in range(1500)
    ]
    texts[7] = None
    texts[8] = "   "

    got = _split_in_duckdb(texts)

    assert parallel._pool is not None, "a 1,500-row vector should have used the process pool"
    assert len(got) == 1500
    assert got[7] == [] and got[8] == []
    for i in (0, 1, 511, 512, 1023, 1499):
        assert got[i] == split_criteria(texts[i])
    first = got[0][0]
    assert first == {
        "kind": "inclusion",
        "path": "1",
        "parent_path": None,
        "ordinal": 1,
        "depth": 0,
        "text": "Cohort 0",
    }
    assert got[1499][0]["text"] == "Cohort 1499"
    assert sum(len(rows) for rows in got) == sum(len(split_criteria(t)) for t in texts)


def test_a_chunked_arrow_vector_comes_back_in_order_from_the_workers(two_workers):
    """DuckDB may hand over a chunked array: each worker gets a compact slice, order is kept."""
    import pyarrow as pa

    from ingest.dbt_plugin import CRITERIA_TYPE, split_criteria_arrow

    texts = [f"Exclusion Criteria:\n1. Condition {i}\n2. Other {i}" for i in range(1300)]
    chunked = pa.chunked_array([texts[:700], texts[700:]])

    got = parallel.map_arrow(split_criteria_arrow, chunked)

    assert parallel._pool is not None
    assert got.type == CRITERIA_TYPE and len(got) == 1300
    assert got.to_pylist() == [split_criteria(text) for text in texts]
    assert got[1299].as_py()[1] == {
        "kind": "exclusion",
        "path": "2",
        "parent_path": None,
        "ordinal": 2,
        "depth": 0,
        "text": "Other 1299",
    }


def test_a_small_vector_is_split_in_process(monkeypatch):
    monkeypatch.setenv("TRIALWH_PARSE_WORKERS", "2")
    monkeypatch.setattr(parallel, "_pool", None)
    got = _split_in_duckdb(["Exclusion Criteria:\n1. Pregnant\n2. Active infection"])
    assert parallel._pool is None
    assert [(r["kind"], r["path"], r["text"]) for r in got[0]] == [
        ("exclusion", "1", "Pregnant"),
        ("exclusion", "2", "Active infection"),
    ]


def test_parse_page_over_workers_keeps_each_page_with_its_url(two_workers):
    pages = sorted(PAGES.glob("*.txt"))
    expected = {path.name: parse_page(path.read_text(encoding="utf-8"), None) for path in pages}
    con = duckdb.connect()
    register_functions(con)
    con.execute("create table p (i integer, name varchar, body varchar)")
    con.executemany(
        "insert into p values (?, ?, ?)",
        [(i, pages[i % 5].name, pages[i % 5].read_text(encoding="utf-8")) for i in range(600)],
    )
    rows = con.execute("select i, name, parse_page(body, null) from p order by i").fetchall()

    assert parallel._pool is not None
    assert len(rows) == 600
    layouts = [json.loads(value)["layout"] for _, _, value in rows[:5]]
    assert layouts == ["study_page", "sourced_summary", "ctgov_classic", "veeva", "clinconnect"]
    for _, name, value in rows:
        assert json.loads(value) == json.loads(json.dumps(expected[name], ensure_ascii=False))


def test_batches_of_texts_are_split_like_single_texts_and_cut_by_their_texts(two_workers):
    """`split_criteria_batches`: a list of texts per value, cut into worker tasks by text count."""
    samples = _sample_texts()
    texts = [f"Inclusion Criteria:\n\n* Batch text {i}\n\n{samples[i % 11]}" for i in range(1300)]
    texts[5] = None
    con = duckdb.connect()
    register_functions(con)
    con.execute("create table t (i integer, text varchar)")
    con.executemany("insert into t values (?, ?)", list(enumerate(texts)))
    # batches of 100 texts, and one NULL batch: 14 values, 1,300 texts
    rows = con.execute(
        """
        with batches as (
            select i // 100 as batch, list(text order by i) as texts from t group by 1
            union all select 99, null
        )
        select batch, texts, split_criteria_batches(texts) from batches order by batch
        """
    ).fetchall()

    assert parallel._pool is not None, "1,300 texts in 14 values should have used the process pool"
    assert [batch for batch, _, _ in rows] == [*range(13), 99]
    assert rows[-1][2] is None
    got = [criteria for _, _, split in rows[:-1] for criteria in split]
    assert len(got) == 1300
    assert got[5] == []
    assert got == [split_criteria(text) for text in texts]
    assert got[1299][0]["text"] == "Batch text 1299"
    # 14 values holding 1,300 texts are cut into tasks of about CHUNK_ITEMS texts each
    import pyarrow as pa

    lists = pa.array([texts[i : i + 100] for i in range(0, 1300, 100)])
    assert parallel._chunk_bounds(lists) == [0, 3, 6, 9, 12, 13]
    assert parallel._chunk_bounds(pa.array(texts)) == [0, 256, 512, 768, 1024, 1280, 1300]
