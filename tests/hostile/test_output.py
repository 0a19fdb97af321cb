"""Hostile text in a database, a file or a connection string, through every CLI command's output.

Names, comments, enum labels, defaults, index names, meta rows, migration files and server messages carry
OSC 52 (set the clipboard), OSC 8 (links), ESC[2J, CSI, a C1 CSI (U+009B), BEL, backspace, carriage return
and bidi overrides. What must hold: no raw ESC, C1, BEL, backspace, CR or bidi control reaches stdout or
stderr; what was printed still names the object (escaped, not dropped); SQL we emit carries them only as
E'\\x1b' or U&"\\001B" escapes, and reads back to the same value on the real server.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.sql import quote_ident, quote_literal
from tests.pg import REPO, run_sql

OSC52 = "\x1b]52;c;SGVsbG8=\x07"
OSC8 = "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"
CLEAR = "\x1b[2J"
CSI = "\x1b[31m"
C1_CSI = "\x9b2J"
# Long text (comments, labels, defaults, file contents) and a name that fits in 63 bytes.
NASTY = f"n{OSC52}{OSC8}{CLEAR}{CSI}{C1_CSI}\x07\x08\r\u202eevil"
NAME = f"t\x1b]52;c;QQ==\x07{CLEAR}\x9b2J\x07\x08\r\u202ex"
# Raw bytes that must never reach a terminal (UTF-8): C0 but \t \n, DEL, C1 (C2 80-9F), bidi controls.
RAW = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]")


def assert_terminal_safe(data: bytes, where: str) -> None:
    found = RAW.search(data)
    assert found is None, f"{where}: raw {found.group()!r} at byte {found.start()}: {data[max(0, found.start() - 60) : found.start() + 20]!r}"


@pytest.mark.parametrize(
    "value",
    [NAME, NASTY, "a\x1b]52;c;QUFB\x07b", "x\x9b2J\u202ey", "back\\slash\x08'q", "tab\tnl\ncr\r", "\u2066iso\u2069"],
)
async def test_emitted_sql_escapes_control_characters_and_reads_back_the_same(db: str, value: str) -> None:
    literal, ident = quote_literal(value), quote_ident(value)
    assert_terminal_safe(literal.encode(), "literal")
    assert_terminal_safe(ident.encode(), "identifier")
    conn = await asyncpg.connect(db)
    try:
        assert await conn.fetchval(f"SELECT {literal}") == value
        name = value[:40]
        ident = quote_ident(name)
        await conn.execute(f"CREATE TABLE {ident} ({quote_ident(name + 'c')} int)")
        await conn.execute(f"COMMENT ON TABLE {ident} IS {literal}")
        row = await conn.fetchrow(
            "SELECT c.relname, obj_description(c.oid, 'pg_class') AS doc, a.attname FROM pg_class c "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = 1 WHERE c.relname = $1",
            name,
        )
    finally:
        await conn.close()
    assert row is not None and (row["relname"], row["doc"], row["attname"]) == (name, value, name + "c")
