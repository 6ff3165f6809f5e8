"""Property tests: the parser and the criteria splitter never raise and keep their shapes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.pages import parse_page, split_criteria
from ingest.pages.record import RECORD_KEYS

PAGES = Path(__file__).resolve().parents[1] / "sample_data" / "pages"
SEEDS = [p.read_text(encoding="utf-8") for p in sorted(PAGES.glob("*.txt"))]
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CRITERIA_ALPHABET = st.sampled_from(
    list("abc XYZ 0123456789.;:,()\\\n\n  \t")
    + ["•", "‣", "⁃", "- ", "* ", "1. ", "(2) ", "b) ", "Inclusion Criteria:", "Exclusion criteria"]
)


def check_result(result: object) -> None:
    assert isinstance(result, dict)
    assert isinstance(result["ok"], bool)
    if result["ok"]:
        assert tuple(result["record"]) == RECORD_KEYS
        assert result["layout"]
        json.dumps(result)
    else:
        assert result["reason"] in {
            "empty_body",
            "binary_body",
            "too_large",
            "unrecognised_layout",
            "parse_error",
        }
        assert isinstance(result["error"], str)


@FAST
@given(st.text())
def test_parse_page_never_raises_on_any_text(body):
    check_result(parse_page(body))


@FAST
@given(
    st.text(),
    st.one_of(st.none(), st.text(max_size=60), st.just("https://www.clinconnect.io/trials/NCT06056921")),
)
def test_parse_page_never_raises_with_any_url(body, url):
    check_result(parse_page(body, url))


@FAST
@given(st.sampled_from(range(len(SEEDS))), st.floats(min_value=0, max_value=1))
def test_any_prefix_of_a_seed(n, frac):
    result = parse_page(SEEDS[n][: int(len(SEEDS[n]) * frac)])
    check_result(result)
    assert result.get("reason") != "parse_error", result


@FAST
@given(st.sampled_from(range(len(SEEDS))), st.randoms(use_true_random=False))
def test_seed_with_lines_shuffled(n, rnd):
    lines = SEEDS[n].splitlines()
    rnd.shuffle(lines)
    result = parse_page("\n".join(lines))
    check_result(result)
    assert result.get("reason") != "parse_error", result


@FAST
@given(st.sampled_from(range(len(SEEDS))), st.lists(st.integers(min_value=0, max_value=400), max_size=30))
def test_seed_with_lines_dropped(n, drop):
    lines = SEEDS[n].splitlines()
    kept = [line for i, line in enumerate(lines) if i not in set(drop)]
    result = parse_page("\n".join(kept))
    check_result(result)
    assert result.get("reason") != "parse_error", result


def check_criteria(got: object) -> None:
    assert isinstance(got, list)
    paths = set()
    for row in got:
        assert set(row) == {"kind", "path", "parent_path", "ordinal", "depth", "text"}
        assert row["kind"] in {"inclusion", "exclusion"}
        assert row["text"] and row["text"] == row["text"].strip()
        assert row["depth"] == row["path"].count(".")
        assert row["ordinal"] == int(row["path"].rsplit(".", 1)[-1])
        assert row["parent_path"] == (row["path"].rsplit(".", 1)[0] if row["depth"] else None)
        assert (row["kind"], row["path"]) not in paths
        paths.add((row["kind"], row["path"]))
    json.dumps(got)


@FAST
@given(st.text())
def test_split_criteria_never_raises_on_any_text(text):
    check_criteria(split_criteria(text))


@FAST
@given(st.lists(CRITERIA_ALPHABET, max_size=80).map("".join))
def test_split_criteria_on_bullet_soup(text):
    check_criteria(split_criteria(text))


@FAST
@given(st.sampled_from(range(len(SEEDS))), st.randoms(use_true_random=False))
def test_split_criteria_on_shuffled_seed_lines(n, rnd):
    lines = SEEDS[n].splitlines()
    rnd.shuffle(lines)
    check_criteria(split_criteria("\n".join(lines)))


HOSTILE = {
    "digits": "NCT ID: NCT06691152\nBasic Information\nRecruitment Status\n" + "1 " * 100_000 + "x",
    "ages": "ClinConnect Summary\nTrial Officials\nAges\n" + "1 to " * 40_000,
    "emails": "ClinConnect Summary\nTrial Officials\nContacts\nJohn\na@" + "b." * 100_000 + " ",
    "bullets": "Eligibility criteria\n" + "- " * 100_000,
    "renumbered": "Eligibility Criteria\n"
    + "\n".join(f"{i % 99 + 1}. a; {i % 99 + 2}. b" for i in range(10_000)),
    "indents": "\n".join(" " * (i % 300) + "• x" for i in range(5_000)),
    "tags": "<p>" * 50_000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_pages_stay_fast(name):
    """No regex or nesting walk may go quadratic on long lines (pages are parsed inside dbt)."""
    start = time.perf_counter()
    check_result(parse_page(HOSTILE[name]))
    check_criteria(split_criteria(HOSTILE[name]))
    assert time.perf_counter() - start < 5


def test_seed_throughput():
    """A loose floor under the ~300 pages/s/core target, so a slow regression shows up."""
    start, n = time.perf_counter(), 0
    while n < 100:
        for body in SEEDS:
            parse_page(body)
            n += 1
    assert n / (time.perf_counter() - start) > 100
