"""Nightly increments across records: a change in one record relinks another, and rows disappear.

The marts are rebuilt per changed record and per trial those records belong or belonged to
(macros/changed_since_last_build.sql). These nights check the cases a per-record increment can get
wrong: a page that loses its title link when the registry record is retitled (and regains it), a
trial left with no records, and a record that loses all its arms and sites. After each night the
published marts must equal a full rebuild from the raw snapshots.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, query, run_cli, write_sources
from tests.test_history_and_incremental import MART_TABLES, table_rows
from tests.test_identity_and_provenance import study_page

pytestmark = pytest.mark.slow

STUDY = "NCT06171568"
TITLE = "Anti-CD19 CAR-T Cells for Refractory Lupus Nephritis in Adults"
OTHER_TITLE = "Anti-BCMA CAR-T Cells for Refractory Myasthenia Gravis"


def write_study(folder: Path, *, title: str, with_arms_and_sites: bool) -> str:
    study = json.loads((REPO / "sample_data" / "ctgov" / f"{STUDY}.json").read_text())
    protocol = study["protocolSection"]
    protocol["identificationModule"].update(briefTitle=title, officialTitle=title)
    if not with_arms_and_sites:
        protocol["armsInterventionsModule"].pop("armGroups", None)
        protocol.get("contactsLocationsModule", {}).pop("locations", None)
    (folder / f"{STUDY}.json").write_text(json.dumps(study))
    return protocol["sponsorCollaboratorsModule"]["leadSponsor"]["name"]


def rebuilt_marts(sources: Path, warehouse: Path, tmp: Path) -> dict[str, list[tuple]]:
    """The marts a full rebuild from a copy of the raw snapshots gives."""
    copy = tmp / "rebuilt"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(warehouse / "raw", copy / "raw")
    run_cli("rebuild", "--sources", str(sources), "--warehouse", str(copy))
    return marts(copy / "warehouse.duckdb")


def marts(db: Path) -> dict[str, list[tuple]]:
    return {
        table: table_rows(db, f"marts.{table}") for table in MART_TABLES + ["interventions", "trial_contacts"]
    }


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("relinks")
    registry = tmp / "ctgov"
    registry.mkdir()
    sponsor = write_study(registry, title=TITLE, with_arms_and_sites=True)
    page = tmp / "republished.txt"
    page.write_text(study_page(title=TITLE, nct_id=None, sponsor=sponsor))
    sources = write_sources(
        tmp / "sources.yml",
        [
            {"name": "registry", "kind": "ctgov_bulk", "path": str(registry)},
            {"name": "pages", "kind": "pages", "urls": [page.as_uri()]},
        ],
    )
    return tmp, registry, sources, tmp / "wh", sponsor


def links(db: Path) -> list[tuple]:
    return query(
        db, "select record_origin, trial_id, link_rule from marts.trial_records order by record_origin"
    )


def trials(db: Path) -> list[tuple]:
    return query(db, "select trial_id, records_count, arms_count, sites_count from marts.trials order by 1")


def test_relinks_and_emptied_records_match_a_full_rebuild(nights):
    tmp, registry, sources, warehouse, _ = nights
    published = warehouse / "warehouse.duckdb"

    # night 1: the page has no NCT ID; its title and sponsor link it to the registry record
    run_cli("refresh", "--sources", str(sources), "--warehouse", str(warehouse), "--run-date", "2026-11-01")
    assert links(published) == [("ctgov", STUDY, "nct_id"), ("page", STUDY, "title")]
    (arms_before,) = query(published, "select count(*) from marts.arms where trial_id = ?", [STUDY])[0]
    (sites_before,) = query(published, "select count(*) from marts.sites where trial_id = ?", [STUDY])[0]
    assert arms_before > 0 and sites_before > 0
    assert [row[:2] for row in trials(published)] == [(STUDY, 2)]

    # night 2: the registry record is retitled and loses its arms and sites; the page is unchanged
    write_study(registry, title=OTHER_TITLE, with_arms_and_sites=False)
    run_cli("refresh", "--sources", str(sources), "--warehouse", str(warehouse), "--run-date", "2026-11-02")
    ((unlinked,),) = query(published, "select trial_id from marts.trial_records where record_origin = 'page'")
    assert unlinked.startswith("UNLINKED-")
    assert links(published) == [("ctgov", STUDY, "nct_id"), ("page", unlinked, "unlinked")]
    assert query(
        published,
        "select count(*) from marts.arms where record_id in "
        "(select record_id from marts.trial_records where record_origin = 'ctgov')",
    ) == [(0,)]
    assert query(published, "select count(*) from marts.sites where trial_id = ?", [STUDY]) == [(0,)]
    # the page's arms and sites moved with it to its own trial
    assert query(published, "select count(*) from marts.arms where trial_id = ?", [unlinked]) != [(0,)]
    assert [row[:2] for row in trials(published)] == [(STUDY, 1), (unlinked, 1)]
    assert query(published, "select distinct trial_id from marts.trial_field_provenance order by 1") == [
        (STUDY,),
        (unlinked,),
    ]
    assert marts(published) == rebuilt_marts(sources, warehouse, tmp)

    # night 3: the title is back; the page links again and its own trial is gone
    write_study(registry, title=TITLE, with_arms_and_sites=True)
    run_cli("refresh", "--sources", str(sources), "--warehouse", str(warehouse), "--run-date", "2026-11-03")
    assert links(published) == [("ctgov", STUDY, "nct_id"), ("page", STUDY, "title")]
    assert [row[:2] for row in trials(published)] == [(STUDY, 2)]
    assert query(published, "select count(*) from marts.trial_conflicts where trial_id = ?", [unlinked]) == [
        (0,)
    ]
    assert query(published, "select count(*) from marts.arms where trial_id = ?", [STUDY]) == [(arms_before,)]
    assert marts(published) == rebuilt_marts(sources, warehouse, tmp)


def test_a_night_validates_only_what_changed(nights):
    tmp, _, _, warehouse, _ = nights
    summary = json.loads((warehouse / "reports" / "latest" / "summary.json").read_text())
    assert summary["scope"].startswith("rows of records and trials changed after load")
    by_suite = {suite["suite"]: suite for suite in summary["suites"]}
    # night 3 rewrote both records' links (the page relinked, the registry record changed)
    assert by_suite["trial_records"]["rows"] == 2
    assert by_suite["trials"]["table_rows"] == 1
