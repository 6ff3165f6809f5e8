"""Compile the criteria splitter with mypyc into the environment (`make setup` runs this).

A full rebuild splits half a million eligibility texts, and the splitter's per-line Python is
most of the largest dbt model's time; compiled, the same code splits ~30% faster. The compiled
module is a copy of `ingest/pages/criteria.py` under another name, `trialwh_native_criteria`,
installed in the interpreter's site-packages with the SHA-256 of the source it was built from:
`ingest.pages.splitter` uses it only while that source is unchanged, so an edited splitter is
never shadowed by a stale build, and a machine without a C compiler keeps the Python splitter.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ingest.pages.splitter import MODULE, SOURCE, source_sha256

SITE_PACKAGES = Path(sysconfig.get_paths()["platlib"])


def build(target_dir: Path, source: Path = SOURCE) -> Path:
    """Compile `source` as module `MODULE` into `target_dir`; returns the extension's path.

    Raises `RuntimeError` with mypyc's output when the type check or the C compiler fails.
    """
    with tempfile.TemporaryDirectory(prefix="trialwh-mypyc-") as tmp:
        work = Path(tmp)
        text = source.read_text(encoding="utf-8")
        (work / f"{MODULE}.py").write_text(
            f'{text}\n\nSOURCE_SHA256 = "{source_sha256(source)}"\n', encoding="utf-8"
        )
        # mypy reads the splitter's imports (ingest.pages.text) from the repository for their types
        env = {**os.environ, "MYPYPATH": str(source.parents[2])}
        cmd = [sys.executable, "-m", "mypyc", "--ignore-missing-imports", "--follow-imports=silent"]
        done = subprocess.run(
            [*cmd, f"{MODULE}.py"], cwd=work, env=env, capture_output=True, text=True, check=False
        )
        built = sorted(work.glob(f"{MODULE}.*.so")) + sorted(work.glob(f"{MODULE}.*.pyd"))
        if done.returncode != 0 or not built:
            raise RuntimeError(f"mypyc could not compile {source}:\n{done.stdout}{done.stderr}")
        target_dir.mkdir(parents=True, exist_ok=True)
        for old in target_dir.glob(f"{MODULE}.*"):
            old.unlink()
        target = target_dir / built[0].name
        shutil.copy2(built[0], target)
        return target


def main(
    target_dir: Annotated[
        Path, typer.Option(help="Where the compiled module goes (default: this interpreter's site-packages).")
    ] = SITE_PACKAGES,
    optional: Annotated[
        bool, typer.Option(help="Warn instead of failing when it cannot be compiled.")
    ] = False,
) -> None:
    """Compile the criteria splitter (ingest/pages/criteria.py) with mypyc."""
    try:
        target = build(target_dir)
    except (RuntimeError, OSError) as exc:
        if not optional:
            raise
        typer.echo(f"warning: the criteria splitter stays pure Python: {exc}", err=True)
        return
    typer.echo(f"compiled the criteria splitter: {target}")


if __name__ == "__main__":
    typer.run(main)
