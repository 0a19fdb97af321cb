"""`schema --json` is written piece by piece: the same bytes as the model encoded whole, never held whole."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import asyncpg
import orjson
import pytest

from dibs_tui.commands import schema_output
from dibs_tui.commands.schema_output import StreamedJson, write_json
from dibs_tui.core.introspect.read import load_catalog
from dibs_tui.core.meta import meta_tables_ddl
from dibs_tui.core.model import Catalog, Dependency
from dibs_tui.core.model_dependencies import Dependencies
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


def _orjsons_own(catalog: Catalog) -> bytes:
    """orjson's own encoding of the catalog's fields, the reference: a read's dependencies (kept as two lists
    of refs, core.model_dependencies) as the list of their Dependency objects, the server's casts (sets) as
    sorted lists."""

    def as_list(value: object) -> list[Dependency] | list[object]:
        if isinstance(value, Dependencies):
            return list(value)
        if isinstance(value, frozenset):
            return sorted(value)
        raise TypeError(type(value).__name__)

    return orjson.dumps(
        {f.name: getattr(catalog, f.name) for f in dataclasses.fields(catalog)}, default=as_list
    )


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
    pieces: list[bytes | memoryview] = []
    write_json(catalog, pieces.append)
    document = b"".join(pieces)

    whole = _orjsons_own(catalog)
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
    pieces: list[bytes | memoryview] = []
    write_json(catalog, pieces.append)

    whole = _orjsons_own(catalog)
    assert b"".join(pieces) == json_safe(whole)
    assert catalog.enums and catalog.domains and catalog.functions and catalog.dependencies
    assert any(r.triggers for r in catalog.relations) and any(r.view_definition for r in catalog.relations)


class _Collected(StreamedJson):
    def __init__(self) -> None:
        self.pieces: list[bytes | memoryview] = []
        super().__init__(self.pieces.append)


class _Counted(StreamedJson):
    """A document written to a stream, counting the pieces this process writes."""

    def __init__(self, write: Callable[[bytes | memoryview], object], flush: Callable[[], object]) -> None:
        self.pieces: list[bytes | memoryview] = []
        super().__init__(lambda piece: (self.pieces.append(piece), write(piece)), flush)


async def _streamed(dsn: str, document: _Collected | _Counted) -> tuple[Catalog, int]:
    """The catalog read over two sessions as `schema` reads it, `document.head` running beside the read;
    and how many pieces the head had written once the read and the head were done."""
    conns = [await asyncpg.connect(dsn) for _ in range(2)]
    try:
        heads: list[asyncio.Future[None]] = []
        catalog = await load_catalog(
            conns[0],
            extra_connections=conns[1:],
            started=lambda builder: heads.append(asyncio.ensure_future(document.head(builder))),
        )
        await asyncio.gather(*heads)
        return catalog, len(document.pieces)
    finally:
        for conn in conns:
            await conn.close()


def _whole(catalog: Catalog) -> bytes:
    pieces: list[bytes | memoryview] = []
    write_json(catalog, pieces.append)
    return b"".join(pieces)


def test_head_written_beside_the_read_then_the_rest_make_the_whole_document(db: str) -> None:
    # No meta tables: the fields up to the relations go out while the read's last queries run, when it leaves
    # time for that (here it does: eight queries follow the relations on the second session).
    load_real(db, "pagila")
    document = _Collected()
    catalog, head_pieces = asyncio.run(_streamed(db, document))
    document.rest(catalog)

    early = b"".join(document.pieces[:head_pieces])
    assert b'"functions":' not in early and (not early or early.endswith(b"]"))
    assert b"".join(document.pieces) == _whole(catalog)


def test_with_meta_tables_the_document_is_written_once_the_catalog_is_whole(db: str) -> None:
    run_sql(db, meta_tables_ddl() + "CREATE TABLE t (id int PRIMARY KEY);")
    run_sql(
        db, "INSERT INTO __dibs_tables (table_name, source_file, source_line) VALUES ('t', 'db/t.sql', 1)"
    )
    document = _Collected()
    catalog, head_pieces = asyncio.run(_streamed(db, document))
    document.rest(catalog)

    assert head_pieces == 0  # provenance goes on the relations once the whole catalog is read
    assert b"".join(document.pieces) == _whole(catalog)
    assert b'"db/t.sql"' in b"".join(document.pieces)


def test_a_large_head_is_written_by_a_forked_writer_and_the_rest_after_it(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pagila's head counts as large here: the copy writes it, but for its last relations, while this process
    # assembles the catalog. This process's buffer holds all it writes until it flushes, so what is in the
    # file before is the copy's.
    monkeypatch.setattr(schema_output, "_FORKED_FROM", 1)
    load_real(db, "pagila")
    out = tmp_path / "schema.json"
    with out.open("wb", buffering=1 << 26) as stream:
        document = _Counted(stream.write, stream.flush)
        catalog, head_pieces = asyncio.run(_streamed(db, document))
        assert head_pieces == 0  # not in this process
        assert document.wait() == 0
        whole = _whole(catalog)
        head = out.read_bytes()
        assert whole.startswith(head) and b'"relations":[{' in head
        assert head.count(b'"kind":"') < whole[: whole.index(b',"functions":')].count(b'"kind":"')
        document.rest(catalog)
    assert out.read_bytes() == whole


def test_a_closed_output_found_by_the_forked_writer_is_the_commands_broken_pipe(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema_output, "_FORKED_FROM", 1)
    load_real(db, "pagila")
    read_end, write_end = os.pipe()
    os.close(read_end)
    with os.fdopen(write_end, "wb") as stream:
        document = _Counted(stream.write, stream.flush)
        catalog, _ = asyncio.run(_streamed(db, document))
        with pytest.raises(BrokenPipeError):
            document.rest(catalog)
