"""Documents nobody can read are quarantined with a reason while the rest of the run is published.

One real `trialwh refresh` on the bundled pages and study files plus four bad pages: a page of no
known layout (a recipe), an empty file, a copy of a good page with invalid UTF-8 bytes (parseable
once decoded with replacement characters, quarantined all the same), and a 5 MB page; and one study
file cut off mid-way (not JSON).
"""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import REPO, RUN_DATE, SAMPLE_CTGOV, query, run_cli, write_sources

pytestmark = pytest.mark.slow

PAGES = REPO / "sample_data" / "pages"
RECIPE = """Grandma's Lemon Drizzle Cake

Ingredients

- 225g unsalted butter, softened
- 225g caster sugar
- 4 eggs
- 225g self-raising flour

Method

1. Heat the oven to 180C (160C fan).
2. Beat the butter and sugar until pale and creamy, then add the eggs one at a time.
3. Fold in the flour, pour into the tin and bake for 45 minutes.
"""


@pytest.fixture(scope="module")
def quarantine_run(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("quarantine")
    bad = root / "bad_pages"
    bad.mkdir()
    (bad / "recipe.txt").write_text(RECIPE, encoding="utf-8")
    (bad / "empty.txt").write_bytes(b"")
    veeva = next(PAGES.glob("003_*.txt")).read_bytes()
    latin1 = veeva.replace(b"Zhejiang University logo", b"Zhejiang Universit\xe9 logo \xff\xfe")
    assert latin1 != veeva
    (bad / "invalid_utf8.txt").write_bytes(latin1)
    study_page = next(PAGES.glob("000_*.txt")).read_bytes()
    huge = (study_page * (5 * 1024 * 1024 // len(study_page) + 1))[: 5 * 1024 * 1024]
    (bad / "huge.txt").write_bytes(huge)

    studies = root / "studies"
    shutil.copytree(SAMPLE_CTGOV, studies)
    good_study = (studies / "NCT02210780.json").read_bytes()
    (studies / "NCT99999990.json").write_bytes(good_study[: len(good_study) // 2])

    good_urls = [p.resolve().as_uri() for p in sorted(PAGES.glob("*.txt"))]
    bad_files = {
        "unrecognised_layout": bad / "recipe.txt",
        "empty_body": bad / "empty.txt",
        "invalid_utf8": bad / "invalid_utf8.txt",
        "too_large": bad / "huge.txt",
    }
    sources = write_sources(
        root / "sources.yml",
        [
            {"name": "pages", "kind": "pages", "urls": good_urls + [p.as_uri() for p in bad_files.values()]},
            {"name": "ctgov", "kind": "ctgov_bulk", "path": str(studies)},
        ],
    )
    warehouse = root / "wh"
    run_cli("refresh", "--sources", str(sources), "--warehouse", str(warehouse), "--run-date", RUN_DATE)
    bad_files["invalid_json"] = studies / "NCT99999990.json"
    return {"warehouse": warehouse, "published": warehouse / "warehouse.duckdb", "bad_files": bad_files}


def test_exactly_the_five_bad_documents_are_quarantined_with_their_reason(quarantine_run):
    rows = query(
        quarantine_run["published"], "select source_url, document_key, reason, error from marts.quarantine"
    )
    by_reason = {reason: (url, key, error) for url, key, reason, error in rows}
    assert len(rows) == 5
    assert set(by_reason) == set(quarantine_run["bad_files"])
    for reason, path in quarantine_run["bad_files"].items():
        url, key, error = by_reason[reason]
        assert (key if reason == "invalid_json" else url) == (
            path.name if reason == "invalid_json" else path.as_uri()
        )
        assert error
    assert "not valid UTF-8" in by_reason["invalid_utf8"][2]
    assert "limit" in by_reason["too_large"][2]
    assert by_reason["invalid_json"][2] == "the study payload is not valid JSON"
    # the load did not judge the study files: staging's parse did, and 13 of the 14 parse
    warehouse = quarantine_run["warehouse"] / "build" / "warehouse.duckdb"
    flags = "select payload_format, is_valid_json, count(*) from raw.documents group by all order by all"
    assert query(warehouse, flags) == [("ctgov_study", None, 14), ("page", None, 9)]
    parsed = "select is_parsed, count(*), count(nct_id) from staging.stg_ctgov__studies group by 1 order by 1"
    assert query(warehouse, parsed) == [(False, 1, 0), (True, 13, 13)]
    records = "select count(*) from intermediate.int_trial_records_unioned where record_origin = 'ctgov'"
    assert query(warehouse, records) == [(13,)]


def test_quarantined_payloads_stay_on_disk(quarantine_run):
    raw = quarantine_run["warehouse"] / "raw"
    rows = query(
        quarantine_run["published"], "select reason, payload_path, snapshot_sha256 from marts.quarantine"
    )
    for reason, payload_path, sha in rows:
        stored = raw / payload_path
        assert stored.is_file(), reason
        assert stored.read_bytes() == quarantine_run["bad_files"][reason].read_bytes()
        assert sha in payload_path
    # the raw document (in the build warehouse; analysts get the marts) keeps the invalid-UTF-8 flag
    # the quarantine decision rests on
    assert query(
        quarantine_run["published"].parent / "build" / "warehouse.duckdb",
        "select count(*) from raw.documents where not is_valid_utf8",
    ) == [(1,)]


def test_every_good_record_is_published(quarantine_run):
    published = quarantine_run["published"]
    assert query(
        published, "select record_origin, count(*) from marts.trial_records group by 1 order by 1"
    ) == [
        ("ctgov", 13),
        ("page", 5),
    ]
    good_pages = {p.resolve().as_uri() for p in PAGES.glob("*.txt")}
    published_pages = {
        url
        for (url,) in query(
            published, "select document_key from marts.trial_records where record_origin = 'page'"
        )
    }
    assert published_pages == good_pages
    bad_urls = [p.as_uri() for p in quarantine_run["bad_files"].values()]
    assert query(
        published,
        "select count(*) from marts.trial_records where document_key in (select unnest(?))",
        [bad_urls],
    ) == [(0,)]
    for table in (
        "arms",
        "sites",
        "criteria",
        "interventions",
        "trial_contacts",
        "outcomes",
        "trial_references",
    ):
        orphans = query(
            published,
            f"select count(*) from marts.{table}"
            " where record_id not in (select record_id from marts.trial_records)",
        )
        assert orphans == [(0,)], table
