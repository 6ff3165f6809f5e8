"""dbt-duckdb plugin: registers the text parsers as DuckDB functions so the models stay SQL.

Enabled in `dbt_project/profiles.yml` (`plugins: [{module: ingest.dbt_plugin}]`). Raw text stays the
input of the models; the functions return JSON that the models unpack with DuckDB's JSON functions.
Both are vectorised (DuckDB passes a whole Arrow vector per call) and spread large vectors over worker
processes (`ingest.parallel`), so parsing uses every core rather than one under the GIL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from json.encoder import encode_basestring

import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from ingest.parallel import map_arrow, map_batch


def parse_pages_json(pairs: Sequence[tuple[str | None, str | None]]) -> list[str]:
    """`parse_page` of each (body, url) as JSON text; a NULL body is reported as an empty one."""
    from ingest.pages import parse_page

    return [json.dumps(parse_page(body or "", url), ensure_ascii=False) for body, url in pairs]


_CRITERIA_KEYS = ("kind", "path", "parent_path", "ordinal", "depth", "text")


def _criteria_json(rows: list[dict]) -> str:
    """`json.dumps(rows, ensure_ascii=False)` for criteria rows, written out directly.

    Same text, character for character (strings go through the encoder's own `encode_basestring`),
    but about 40% cheaper than the generic encoder, which cost nearly half as much as splitting.
    The splitter builds every row from one dict literal, so checking the first row's keys tells
    whether this layout applies; anything else takes the generic path.
    """
    if not rows or tuple(rows[0]) != _CRITERIA_KEYS:
        return json.dumps(rows, ensure_ascii=False)
    esc = encode_basestring
    return (
        "["
        + ", ".join(
            f'{{"kind": {esc(r["kind"])}, "path": {esc(r["path"])}, "parent_path": '
            f"{'null' if r['parent_path'] is None else esc(r['parent_path'])}, "
            f'"ordinal": {int(r["ordinal"])}, "depth": {int(r["depth"])}, "text": {esc(r["text"])}}}'
            for r in rows
        )
        + "]"
    )


def split_criteria_json(texts: Sequence[str | None]) -> list[str]:
    """`split_criteria` of each text as JSON text (`[]` for NULL or blank text)."""
    from ingest.pages import split_criteria

    return [_criteria_json(split_criteria(text)) for text in texts]


def _parse_page_vector(bodies: pa.Array, urls: pa.Array) -> pa.Array:
    pairs = list(zip(bodies.to_pylist(), urls.to_pylist(), strict=True))
    return pa.array(map_batch(parse_pages_json, pairs), type=pa.string())


def split_criteria_arrow(texts: pa.Array) -> pa.Array:
    """`split_criteria_json` from an Arrow array of texts to one of JSON texts (run in a worker)."""
    return pa.array(split_criteria_json(texts.to_pylist()), type=pa.string())


def _split_criteria_vector(texts: pa.Array) -> pa.Array:
    return map_arrow(split_criteria_arrow, texts)


_FUNCTIONS = (
    ("parse_page", _parse_page_vector, ["VARCHAR", "VARCHAR"]),
    ("split_criteria", _split_criteria_vector, ["VARCHAR"]),
)


def register_functions(conn: DuckDBPyConnection) -> None:
    """Register the parser functions on a DuckDB connection (also used outside dbt, e.g. tests)."""
    existing = {
        name
        for (name,) in conn.execute(
            "select function_name from duckdb_functions() where function_type = 'scalar'"
        ).fetchall()
    }
    for name, fn, parameters in _FUNCTIONS:
        if name not in existing:
            conn.create_function(
                name,
                fn,
                parameters,
                "VARCHAR",
                type="arrow",
                null_handling="special",
                side_effects=False,
            )


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register_functions(conn)
