"""Which criteria splitter runs: the mypyc build of `criteria.py` when it is current, else the source.

`python -m ingest.native_build` (run by `make setup`) compiles `criteria.py` into the module
`trialwh_native_criteria`, which carries the SHA-256 of the source it was built from. A build of
another source (the splitter edited since `make setup`) is ignored, so the two never disagree.
`TRIALWH_SPLITTER=python` makes every process, the splitter's workers too, use the source.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from ingest.pages import criteria

MODULE = "trialwh_native_criteria"
SOURCE = Path(criteria.__file__)


def source_sha256(path: Path = SOURCE) -> str:
    """The SHA-256 of the splitter's source, which the compiled module carries to prove it current."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def current_build(compiled: ModuleType | None) -> ModuleType | None:
    """`compiled` if it was built from the splitter's source as it is now, else None."""
    if compiled is None or getattr(compiled, "SOURCE_SHA256", None) != source_sha256():
        return None
    return compiled


def _import_compiled() -> ModuleType | None:
    try:
        return importlib.import_module(MODULE)
    except ImportError:
        return None


# TRIALWH_SPLITTER=python keeps the source's splitter (to compare the two, or to debug one)
_COMPILED = None if os.environ.get("TRIALWH_SPLITTER") == "python" else current_build(_import_compiled())

_SPLITTER = _COMPILED if _COMPILED is not None else criteria
IMPLEMENTATION = "compiled (mypyc)" if _COMPILED is not None else "python"
split_criteria: Callable[[str | None], list[dict]] = _SPLITTER.split_criteria
split_criteria_columns: Callable[[Sequence[str | None]], criteria.Columns] = _SPLITTER.split_criteria_columns
