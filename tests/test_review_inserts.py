"""An INSERT of a key the live rows hold: counted through the unique index, so that migrate refuses before its
first segment commits (it ran segments 1-2 and stopped on a unique violation in the third)."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from tests.pg import DIBS, execute, fetch, review

SETUP = (
    "CREATE TABLE lang (id int PRIMARY KEY, name text, code text UNIQUE);"
    "INSERT INTO lang VALUES (1, 'English', 'en'), (2, 'Italian', 'it');"
)


async def test_an_insert_of_a_key_there_now_fails_each_unique_key_said(db: str) -> None:
    await execute(db, SETUP)
    result = await review(
        db,
        "INSERT INTO lang (id, name, code) VALUES (1, 'Klingon', 'tlh'), (3, 'Elvish', 'it');\n"
        "INSERT INTO lang VALUES (2, 'again', 'xx');\n"
        "INSERT INTO lang (name, code) VALUES ('x', 'yy');\n"
        "INSERT INTO lang (id, name, code) VALUES (1, 'y', 'zz') ON CONFLICT DO NOTHING;\n"
        "INSERT INTO lang (id, name, code) VALUES (9, 'z', 'qq');\n",
    )
    said = [[h.message for h in s.hazards] for s in result.statements]
    assert said == [
        [
            "1 row the INSERT adds is already in lang (unique key lang_code_key, e.g. (code)=(it)): the INSERT "
            "fails on a unique violation",
            "1 row the INSERT adds is already in lang (unique key lang_pkey, e.g. (id)=(1)): the INSERT fails "
            "on a unique violation",
        ],
        [
            "1 row the INSERT adds is already in lang (unique key lang_pkey, e.g. (id)=(2)): the INSERT fails "
            "on a unique violation"
        ],
        [],
        [],
        [],
    ], result.to_text()
    assert {h.count for s in result.statements for h in s.hazards} == {1}


async def test_an_insert_overlapping_a_key_without_overlaps_fails(db: str) -> None:
    """PostgreSQL 18: a key WITHOUT OVERLAPS refuses a row whose period overlaps one of its key's there, equal or
    not; only an equal one was seen. One beside the periods there, or of another key, passes."""
    await execute(
        db,
        "CREATE EXTENSION btree_gist;"
        "CREATE TABLE price (film int, at daterange, rate int, PRIMARY KEY (film, at WITHOUT OVERLAPS));"
        "INSERT INTO price VALUES (1, '[2024-01-01,2025-01-01)', 5);",
    )
    overlapping = (
        "INSERT INTO price VALUES (1, '[2024-03-01,2024-04-01)', 4), (2, '[2024-03-01,2024-04-01)', 4)"
    )
    [fails] = [h for _, h in (await review(db, overlapping)).hazards]
    assert fails.message == (
        '1 row of price overlaps a row the INSERT adds (key price_pkey WITHOUT OVERLAPS, e.g. (film, at)=(1,"'
        '[2024-01-01,2025-01-01)")): the INSERT fails on a conflicting key'
    ), fails.message
    beside = "INSERT INTO price VALUES (1, '[2025-01-01,2025-04-01)', 4), (2, '[2024-03-01,2024-04-01)', 4)"
    assert (await review(db, beside)).hazards == []
    assert await fetch(db, f"{beside} RETURNING film") == [(1,), (2,)]


async def test_an_earlier_delete_or_drop_leaves_the_insert_uncounted(db: str) -> None:
    """What an earlier statement of the file does to the rows or keys is not known to the count: not said."""
    await execute(db, SETUP)
    for before in (
        "DELETE FROM lang WHERE id = 1;",
        "ALTER TABLE lang DROP CONSTRAINT lang_pkey;",
        "UPDATE lang SET id = 5 WHERE id = 1;",
    ):
        result = await review(db, f"{before}\nINSERT INTO lang VALUES (1, 'again', 'xx');\n")
        assert result.statements[1].hazards == (), result.to_text()


def test_migrate_refuses_before_its_first_segment_commits(db: str, tmp_path: Path) -> None:
    """The failure in the third segment is seen by the review: nothing runs, nothing is left half applied (an
    ADD COLUMN and an UPDATE of another column before it leave the key's count standing)."""
    asyncio.run(execute(db, SETUP))
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "001_code.sql").write_text(
        "ALTER TABLE lang ADD COLUMN iso text;\nCOMMIT;\nUPDATE lang SET iso = code;\nCOMMIT;\n"
        "INSERT INTO lang (id, name, code) VALUES (1, 'Klingon', 'tlh');\n"
    )
    done = subprocess.run(
        [DIBS, "migrate", db, "--migrations", folder, "--yes", "--no-prove"], capture_output=True, text=True
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "refusing to apply 001_code: line 5 fails on what is there now: 1 row the INSERT adds" in done.stderr
    )
    assert "segments 1-2 of 3 (statements 1-2, lines 1-3) would commit first" in done.stderr
    columns = asyncio.run(
        fetch(db, "SELECT attname::text AS a FROM pg_attribute WHERE attrelid = 'lang'::regclass")
    )
    assert "iso" not in {r["a"] for r in columns}


async def test_a_key_with_control_characters_is_said_escaped(db: str) -> None:
    await execute(db, "CREATE TABLE k (code text PRIMARY KEY); INSERT INTO k VALUES (E'a\\x1b[31mb');")
    result = await review(db, "INSERT INTO k VALUES (E'a\\x1b[31mb');")
    [hazard] = result.statements[0].hazards
    assert "\x1b" not in hazard.message and "\\x1b[31m" in hazard.message, hazard.message
