"""dbt-duckdb plugin: registers the text parsers as DuckDB functions so the models stay SQL.

Enabled in `dbt_project/profiles.yml` (`plugins: [{module: ingest.dbt_plugin}]`). Raw text stays the
input of the models. `parse_page` returns JSON that the models unpack with DuckDB's JSON functions;
`split_criteria` returns its rows typed, as a list of structs; `split_criteria_batches` does the same
for each text of a list of texts (the form a rebuild uses, see `_FUNCTIONS`).
Both are vectorised (DuckDB passes a whole Arrow vector per call) and spread large vectors over worker
processes (`ingest.parallel`), so parsing uses every core rather than one under the GIL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from ingest.parallel import map_arrow, map_batch


def parse_pages_json(pairs: Sequence[tuple[str | None, str | None]]) -> list[str]:
    """`parse_page` of each (body, url) as JSON text; a NULL body is reported as an empty one."""
    from ingest.pages import parse_page

    return [json.dumps(parse_page(body or "", url), ensure_ascii=False) for body, url in pairs]


# The criteria rows of `split_criteria` as DuckDB receives them: a list of structs per text, the
# type `int_eligibility_texts_split` stores (no JSON between the splitter and the table).
CRITERIA_FIELDS = (
    ("kind", pa.string()),
    ("path", pa.string()),
    ("parent_path", pa.string()),
    ("ordinal", pa.int32()),
    ("depth", pa.int32()),
    ("text", pa.string()),
)
CRITERIA_TYPE = pa.list_(pa.struct(list(CRITERIA_FIELDS)))
_SQL_TYPES = {pa.string(): "VARCHAR", pa.int32(): "INTEGER"}
CRITERIA_SQL_TYPE = f"STRUCT({', '.join(f'{name} {_SQL_TYPES[kind]}' for name, kind in CRITERIA_FIELDS)})[]"


def split_criteria_arrow(texts: pa.Array) -> pa.Array:
    """`split_criteria` of each text of an Arrow array, as an Arrow list of criteria structs.

    Runs in a worker process. The splitter gathers its rows column by column
    (`split_criteria_columns`), and Arrow makes each field's array from a flat list in one call:
    with the compiled splitter that costs less than Arrow reading a dict per row, and writing the
    rows out as JSON for DuckDB to parse again cost more than either.
    """
    from ingest.pages.splitter import split_criteria_columns

    offsets, *columns = split_criteria_columns(texts.to_pylist())
    fields = list(CRITERIA_TYPE.value_type)
    rows = pa.StructArray.from_arrays(
        [pa.array(values, type=field.type) for values, field in zip(columns, fields, strict=True)],
        fields=fields,
    )
    return pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), rows, type=CRITERIA_TYPE)


def split_criteria_batches_arrow(batches: pa.Array) -> pa.Array:
    """`split_criteria_arrow` of each batch (a list of texts): one list of criteria lists per batch."""
    import pyarrow.compute as pc

    criteria = split_criteria_arrow(batches.flatten())
    offsets = pc.subtract(batches.offsets, batches.offsets[0])
    mask = batches.is_null() if batches.null_count else None
    return pa.ListArray.from_arrays(offsets, criteria, type=pa.list_(CRITERIA_TYPE), mask=mask)


def _parse_page_vector(bodies: pa.Array, urls: pa.Array) -> pa.Array:
    pairs = list(zip(bodies.to_pylist(), urls.to_pylist(), strict=True))
    return pa.array(map_batch(parse_pages_json, pairs), type=pa.string())


def _split_criteria_vector(texts: pa.Array) -> pa.Array:
    return map_arrow(split_criteria_arrow, texts)


def _split_criteria_batches_vector(batches: pa.Array) -> pa.Array:
    return map_arrow(split_criteria_batches_arrow, batches)


_FUNCTIONS = (
    ("parse_page", _parse_page_vector, ["VARCHAR", "VARCHAR"], "VARCHAR"),
    ("split_criteria", _split_criteria_vector, ["VARCHAR"], CRITERIA_SQL_TYPE),
    # DuckDB calls a function with a vector of values (at most 2,048) and waits for its result: with
    # one text per value the workers sat idle between many small calls. A batch of texts per value
    # gives them tens of times more texts per call.
    ("split_criteria_batches", _split_criteria_batches_vector, ["VARCHAR[]"], f"{CRITERIA_SQL_TYPE}[]"),
)


def register_functions(conn: DuckDBPyConnection) -> None:
    """Register the parser functions on a DuckDB connection (also used outside dbt, e.g. tests)."""
    existing = {
        name
        for (name,) in conn.execute(
            "select function_name from duckdb_functions() where function_type = 'scalar'"
        ).fetchall()
    }
    for name, fn, parameters, returns in _FUNCTIONS:
        if name not in existing:
            conn.create_function(
                name,
                fn,
                parameters,
                returns,
                type="arrow",
                null_handling="special",
                side_effects=False,
            )


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register_functions(conn)
