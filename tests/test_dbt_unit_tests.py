"""The dbt unit tests (fixed inputs, expected rows) pass; nightly builds leave them to CI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from ingest import settings
from tests.conftest import BIN, REPO

UNIT_TESTS = {
    "test_phases_statuses_and_vocabularies_map_to_registry_enums",
    "test_partial_dates_keep_their_precision_and_ages_become_years",
    "test_design_values_and_date_qualifiers_map_to_registry_enums",
    "test_arm_types_map_to_registry_enums",
    "test_countries_map_to_one_spelling_and_site_statuses_to_enums",
    "test_titles_and_sponsors_fold_to_link_keys",
}


def test_unit_tests_pass_on_a_copy_of_the_build(cli_warehouse: Path, tmp_path: Path) -> None:
    build = tmp_path / "build"
    build.mkdir()
    shutil.copyfile(
        cli_warehouse / "build" / settings.WAREHOUSE_FILE_NAME, build / settings.WAREHOUSE_FILE_NAME
    )
    # the publish renamed the built marts file into place: the published file is that build
    shutil.copyfile(cli_warehouse / settings.WAREHOUSE_FILE_NAME, build / settings.ANALYTICS_FILE_NAME)
    target = tmp_path / "target"
    project = str(REPO / "dbt_project")
    result = subprocess.run(
        [
            str(BIN / "dbt"),
            "test",
            "--select",
            "test_type:unit",
            "--project-dir",
            project,
            "--profiles-dir",
            project,
            "--target-path",
            str(target),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={
            **_env(),
            "TRIALWH_BUILD_DB": str(build / settings.WAREHOUSE_FILE_NAME),
            "TRIALWH_ANALYTICS_DB": str(build / settings.ANALYTICS_FILE_NAME),
        },
    )
    assert result.returncode == 0, result.stdout[-4000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert {r["unique_id"].split(".")[-1] for r in results} == UNIT_TESTS
    assert {r["status"] for r in results} == {"pass"}


def test_the_nightly_build_ran_no_unit_tests(cli_warehouse: Path) -> None:
    results = json.loads((cli_warehouse / "build" / "dbt_target" / "run_results.json").read_text())["results"]
    kinds = {r["unique_id"].split(".")[0] for r in results}
    assert kinds == {"model", "seed", "snapshot", "test"}


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("TRIALWH_")}
