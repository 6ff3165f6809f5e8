"""`trialwh`: the warehouse from a terminal — refresh it, query it, debug a page."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ingest import settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

WarehouseOption = Annotated[
    Path | None,
    typer.Option("--warehouse", help="Warehouse folder (default: var/warehouse in the checkout)."),
]


@app.command()
def refresh(
    sources: Annotated[
        Path, typer.Option("--sources", help="Sources YAML file.", exists=True, dir_okay=False)
    ] = settings.DEFAULT_SOURCES_FILE,
    warehouse: WarehouseOption = None,
    run_date: Annotated[
        str | None, typer.Option("--run-date", help="Run date YYYY-MM-DD (default: today).")
    ] = None,
) -> None:
    """Fetch, load, build, validate and publish DIR/warehouse.duckdb, the steps the DAG runs."""
    from ingest.pipeline import ValidationFailed
    from ingest.pipeline import refresh as run_refresh

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        result = run_refresh(sources, warehouse, date.fromisoformat(run_date) if run_date else None)
    except ValidationFailed as failure:
        typer.secho(str(failure), fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from failure
    published = result["publish"]
    typer.echo(json.dumps(result, indent=2, default=str))
    typer.secho(
        f"published {published['published']}: {published['trials']} trials, "
        f"{published['trial_records']} records, {published['quarantine']} quarantined",
        fg=typer.colors.GREEN,
    )
    typer.echo(f"data-quality report: {result['validate']['data_docs']}")


@app.command()
def rebuild(
    sources: Annotated[
        Path,
        typer.Option("--sources", help="Sources YAML file (for watermarks).", exists=True, dir_okay=False),
    ] = settings.DEFAULT_SOURCES_FILE,
    warehouse: WarehouseOption = None,
) -> None:
    """Rebuild the warehouse from its raw snapshots alone (every run date replayed), then publish."""
    from ingest.pipeline import ValidationFailed
    from ingest.pipeline import rebuild as run_rebuild

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        result = run_rebuild(sources, warehouse)
    except ValidationFailed as failure:
        typer.secho(str(failure), fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from failure
    typer.echo(json.dumps(result, indent=2, default=str))


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL to run, read-only, on the published warehouse.")],
    warehouse: WarehouseOption = None,
    output: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """Run read-only SQL on the published warehouse and print the rows."""
    from ingest.pipeline import warehouse_paths
    from ingest.publish import connect_published

    with connect_published(warehouse_paths(warehouse).published_db) as con:
        relation = con.sql(sql)
        if relation is None:
            return
        if output == "json":
            columns = relation.columns
            rows = [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]
            typer.echo(json.dumps(rows, indent=2, default=str, ensure_ascii=False))
        elif output == "csv":
            import csv
            import sys

            writer = csv.writer(sys.stdout)
            writer.writerow(relation.columns)
            writer.writerows(relation.fetchall())
        else:
            relation.show(max_width=200, max_rows=10_000)


@app.command()
def parse(
    file: Annotated[Path, typer.Argument(help="A saved trial page, text or HTML.", exists=True)],
    url: Annotated[str | None, typer.Option("--url", help="Where the page came from.")] = None,
) -> None:
    """Print what the page parser reads from one page, as JSON."""
    from ingest.pages import parse_page

    body = file.read_bytes().decode("utf-8", errors="replace")
    typer.echo(json.dumps(parse_page(body, url), indent=2, ensure_ascii=False))


@app.command()
def where(warehouse: WarehouseOption = None) -> None:
    """Where the published warehouse and the latest data-quality report are."""
    from ingest.pipeline import warehouse_paths

    paths = warehouse_paths(warehouse)
    latest = paths.reports / "latest" / "index.html"
    typer.echo(
        f"published warehouse: {paths.published_db}" + ("" if paths.published_db.exists() else " (not yet)")
    )
    typer.echo(f"data-quality report: {latest.resolve() if latest.exists() else latest}")
    typer.echo('query it with: trialwh query "select * from marts.trials"')


if __name__ == "__main__":
    app()
