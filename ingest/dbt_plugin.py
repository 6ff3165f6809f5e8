"""dbt-duckdb plugin: registers the page parser as DuckDB functions so staging models stay SQL.

Enabled in `dbt_project/profiles.yml` (`plugins: [{module: ingest.dbt_plugin}]`). Raw text stays the
input of the staging models; the functions return JSON that the models unpack with DuckDB's JSON
functions.
"""

from __future__ import annotations

import json

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection


def parse_page_json(body: str | None, url: str | None) -> str:
    """`parse_page` as JSON text; a NULL body is reported as an empty one."""
    from ingest.pages import parse_page

    return json.dumps(parse_page(body or "", url), ensure_ascii=False)


def split_criteria_json(text: str | None) -> str:
    from ingest.pages import split_criteria

    return json.dumps(split_criteria(text), ensure_ascii=False)


def register_functions(conn: DuckDBPyConnection) -> None:
    """Register the parser functions on a DuckDB connection (also used outside dbt, e.g. tests)."""
    existing = {
        name
        for (name,) in conn.execute(
            "select function_name from duckdb_functions() where function_type = 'scalar'"
        ).fetchall()
    }
    for name, fn in (("parse_page", parse_page_json), ("split_criteria", split_criteria_json)):
        if name not in existing:
            conn.create_function(
                name,
                fn,
                ["VARCHAR", "VARCHAR"][: fn.__code__.co_argcount],
                "VARCHAR",
                null_handling="special",
                side_effects=False,
            )


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register_functions(conn)
