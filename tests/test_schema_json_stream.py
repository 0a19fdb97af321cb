"""`schema --json` is written piece by piece: the same bytes as the model encoded whole, never held whole."""

from __future__ import annotations

import asyncio
import dataclasses

import asyncpg
import orjson

from dibs_tui.commands.schema_output import write_json
from dibs_tui.core.introspect.read import load_catalog
from dibs_tui.core.model import Catalog
from dibs_tui.core.terminal import json_safe
from tests.pg import run_sql
from tests.realschemas import load_real

TABLES = 100


async def _catalog(dsn: str) -> Catalog:
    conn = await asyncpg.connect(dsn)
    try:
        return await load_catalog(conn)
    finally:
        await conn.close()


def test_streamed_document_is_the_catalog_encoded_whole_and_is_never_held_whole(db: str) -> None:
    # Comments holding a C1 control (CSI) and a bidi override: a terminal acts on both unless escaped.
    run_sql(
        db,
        "".join(
            f"CREATE TABLE t{n} (id int PRIMARY KEY, v text DEFAULT 'x'); "
            f"CREATE INDEX t{n}_v ON t{n} (v); "
            f"COMMENT ON TABLE t{n} IS E'csi \\u009b[2J bidi \\u202e {n}';"
            for n in range(TABLES)
        ),
    )
    catalog = asyncio.run(_catalog(db))
    pieces: list[bytes] = []
    write_json(catalog, pieces.append)
    document = b"".join(pieces)

    whole = orjson.dumps({f.name: getattr(catalog, f.name) for f in dataclasses.fields(catalog)})
    assert document == json_safe(whole)
    assert len(orjson.loads(document)["relations"]) == TABLES
    text = document.decode("utf-8")
    assert "\x9b" not in text and "\u202e" not in text
    assert "\\u009b" in text and "\\u202e" in text
    # Written relation by relation (in small batches): no piece is more than a fraction of the document.
    assert max(len(p) for p in pieces) < len(document) / 4


def test_streamed_document_equals_orjsons_own_encoding_of_every_kind_on_pagila(db: str) -> None:
    # Each dataclass goes through write_json's per-class field readers; orjson's own encoding of the same
    # model (enums, domains, views, functions, triggers, sequences, dependencies) is the reference.
    load_real(db, "pagila")
    catalog = asyncio.run(_catalog(db))
    pieces: list[bytes] = []
    write_json(catalog, pieces.append)

    whole = orjson.dumps({f.name: getattr(catalog, f.name) for f in dataclasses.fields(catalog)})
    assert b"".join(pieces) == json_safe(whole)
    assert catalog.enums and catalog.domains and catalog.functions and catalog.dependencies
    assert any(r.triggers for r in catalog.relations) and any(r.view_definition for r in catalog.relations)
