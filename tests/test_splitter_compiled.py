"""The mypyc build of the criteria splitter: `make setup` makes it, and it splits like the source."""

from __future__ import annotations

import importlib
import random
import types
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.studies import StudyMaker
from bench.vocab import learn
from ingest.native_build import build
from ingest.pages import criteria, splitter
from tests.test_pages_properties import CRITERIA_ALPHABET, FAST
from tests.test_parallel_parsing import _sample_texts

# `make setup` compiles it (ingest/native_build.py); a machine without a C compiler fails here
compiled = importlib.import_module(splitter.MODULE)


def test_make_setup_compiled_the_splitter_from_the_source_as_it_is() -> None:
    assert splitter.source_sha256() == compiled.SOURCE_SHA256
    assert Path(compiled.__file__).suffix == ".so"
    assert splitter.IMPLEMENTATION == "compiled (mypyc)"
    assert splitter.split_criteria is compiled.split_criteria
    assert splitter.split_criteria is not criteria.split_criteria


def test_the_compiled_splitter_splits_the_sample_and_generated_texts_as_the_source_does() -> None:
    maker = StudyMaker(learn(), seed=20260101)
    texts = _sample_texts() + [maker.eligibility(random.Random(i)) for i in range(400)]
    assert len(texts) == 411
    got = [compiled.split_criteria(text) for text in texts]
    assert got == [criteria.split_criteria(text) for text in texts]
    # NCT00465816, the first sample: its first criterion and how many there are
    assert got[0][0] == {
        "kind": "inclusion",
        "path": "1",
        "parent_path": None,
        "ordinal": 1,
        "depth": 0,
        "text": "Male or females 12 -24 years old",
    }
    assert len(got[0]) == 11
    # the columns the DuckDB function builds its Arrow arrays from hold the same rows
    offsets, kinds, paths, parents, ordinals, depths, bodies = compiled.split_criteria_columns(texts)
    assert (offsets[0], offsets[1], offsets[-1]) == (0, 11, sum(len(rows) for rows in got))
    assert compiled.split_criteria_columns(texts) == criteria.split_criteria_columns(texts)
    flat = [row for rows in got for row in rows]
    assert [row["path"] for row in flat] == paths
    assert [row["text"] for row in flat] == bodies
    assert [(row["kind"], row["parent_path"], row["ordinal"], row["depth"]) for row in flat] == list(
        zip(kinds, parents, ordinals, depths, strict=True)
    )


@FAST
@given(st.lists(CRITERIA_ALPHABET, max_size=80).map("".join))
def test_the_compiled_splitter_agrees_with_the_source_on_any_text(text: str) -> None:
    assert compiled.split_criteria(text) == criteria.split_criteria(text)


def test_a_build_of_another_source_is_not_used() -> None:
    stale = types.SimpleNamespace(SOURCE_SHA256="0" * 64, split_criteria=lambda text: [])
    assert splitter.current_build(stale) is None
    assert splitter.current_build(None) is None
    assert splitter.current_build(compiled) is compiled


def test_a_splitter_that_does_not_type_check_is_refused_with_mypys_message(tmp_path: Path) -> None:
    source = tmp_path / "pkg" / "sub" / "criteria.py"
    source.parent.mkdir(parents=True)
    source.write_text('def split_criteria(text: str) -> int:\n    return "not a number"\n')
    expected = r"Incompatible return value type \(got \"str\", expected \"int\"\)"
    with pytest.raises(RuntimeError, match=expected):
        build(tmp_path / "out", source=source)
    assert not (tmp_path / "out").exists()
