"""Hostile names and comments through `schema --json` written piece by piece: every piece is escaped on its
own, so what matters is that no control slips through where one piece ends and the next begins, and that no
relation is lost or repeated at those seams."""

from __future__ import annotations

import json

from dibs_tui.core.sql import quote_ident, quote_literal
from tests.hostile.test_output import NAME, NASTY, cli
from tests.pg import run_sql

TABLES = 40  # more than two of the writer's batches of 16


def test_schema_json_in_pieces_escapes_every_seam_and_loses_no_relation(db: str) -> None:
    names = [f"{NAME[:40]}{n}" for n in range(TABLES)]
    run_sql(
        db,
        "".join(
            f"CREATE TABLE {quote_ident(name)} ({quote_ident(NAME)} text DEFAULT {quote_literal(NASTY)}); "
            f"COMMENT ON TABLE {quote_ident(name)} IS {quote_literal(NASTY)};"
            for name in names
        ),
    )
    raw = cli("schema", db, "--json").stdout  # cli() asserts no raw control reached stdout or stderr
    assert b"\\u009b" in raw and b"\\u202e" in raw
    relations = json.loads(raw)["relations"]
    assert sorted(r["name"] for r in relations) == sorted(names)  # each once, none lost at a seam
    assert all(r["comment"] == NASTY for r in relations)
    assert all(r["columns"][0]["name"] == NAME and NASTY in r["columns"][0]["default"] for r in relations)
