"""How many threads `ingest.pipeline.transform` gives dbt."""

from __future__ import annotations

import pytest

from ingest.build_log import NOTHING_BUILT
from ingest.pipeline import dbt_threads


@pytest.mark.parametrize(
    ("configured", "since_load_id", "threads"),
    [
        (None, NOTHING_BUILT, 1),  # a full build: one thread
        (None, 7, 4),  # a nightly increment: four
        ("", 7, 4),
        ("2", NOTHING_BUILT, 2),  # TRIALWH_DBT_THREADS wins either way
        (" 1 ", 7, 1),
    ],
)
def test_threads_follow_the_build_unless_configured(monkeypatch, configured, since_load_id, threads):
    if configured is None:
        monkeypatch.delenv("TRIALWH_DBT_THREADS", raising=False)
    else:
        monkeypatch.setenv("TRIALWH_DBT_THREADS", configured)
    assert dbt_threads({"since_load_id": since_load_id, "through_load_id": 9}) == threads


@pytest.mark.parametrize("configured", ["0", "-2", "two"])
def test_a_bad_thread_count_is_refused(monkeypatch, configured):
    monkeypatch.setenv("TRIALWH_DBT_THREADS", configured)
    with pytest.raises(ValueError, match="TRIALWH_DBT_THREADS"):
        dbt_threads({"since_load_id": 7, "through_load_id": 9})
