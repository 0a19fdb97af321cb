"""Hostile SQLite files: escape sequences in names and stored SQL, damaged and impostor files, files that
must not be written, a missing virtual-table module, a broken view, names that would break a PRAGMA, and
2,000 tables."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from dibs_tui.cli import main
from dibs_tui.config import Settings
from dibs_tui.core.model import RelationKind
from dibs_tui.core.sqlite_catalog import read_sqlite_catalog
from dibs_tui.ui.sqlite_app import SqliteApp
from dibs_tui.ui.widgets.tables_pane import TableList
from tests.sqlitedb import SAMPLE, build, build_marlin, fingerprint
from tests.ui_pilot import SIZE, loaded, screen_text, wait_for

ESC_TABLE = "evil\x1b[2J\x1b]0;owned\x07table"
ESC_COLUMN = "c\x1b]52;c;cm0gLXJmIH4=\x07ol"
BIDI_VIEW = "view\u202egnp.exe"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(code: int, out: str, err: str) -> str:
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err and "internal error" not in err, err
    return lines[0]


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.db"
    q = '"' + ESC_TABLE + '"'
    build(
        path,
        f"""
        CREATE TABLE {q} (id INTEGER PRIMARY KEY, "{ESC_COLUMN}" TEXT DEFAULT 'x\x1b[5m' -- \x1b[31m red
        );
        CREATE INDEX "ix\r\x1b[1A" ON {q} (id);
        CREATE VIEW "{BIDI_VIEW}" AS SELECT id FROM {q};
        """,
    )
    return path


@pytest.mark.parametrize("fmt", ["--plain", "--sql", "--json"])
def test_terminal_escapes_in_names_and_stored_sql_are_escaped(
    hostile: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "schema", str(hostile), fmt)
    assert code == 0 and err == ""
    for raw in ("\x1b", "\x07", "\r", "\u202e"):
        assert raw not in out, repr(raw)
    if fmt == "--json":  # not lost: the JSON holds the names exactly
        names = {r["name"] for r in json.loads(out)["relations"]}
        assert names == {ESC_TABLE, BIDI_VIEW}
    else:  # not lost: shown as visible escapes
        assert "evil\\x1b[2J\\x1b]0;owned\\x07table" in out
        assert "view\\u202egnp.exe" in out


async def test_terminal_escapes_are_escaped_in_the_browser(hostile: Path) -> None:
    app = SqliteApp(hostile, Settings(project_root=hostile.parent), header_label="hostile.db")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        text = screen_text(app)
        assert "\x1b" not in text and "\u202e" not in text
        assert "evil\\x1b[2J" in text


def test_a_damaged_file_that_claims_to_be_sqlite_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 32)
    line = _one_line_error(*_run(capsys, "schema", str(garbage)))
    assert line == f"dibs-tui: error: {garbage} is damaged: SQLite says 'file is not a database'"
    truncated = tmp_path / "truncated.db"
    good = build_marlin(tmp_path / "marlin.db").read_bytes()
    truncated.write_bytes(good[:100] + b"\xff" * 8000)
    line = _one_line_error(*_run(capsys, "schema", str(truncated), "--sql"))
    assert line.startswith(f"dibs-tui: error: {truncated} is damaged: SQLite says ")
    assert garbage.read_bytes()[:16] == b"SQLite format 3\x00"  # not "repaired"


def test_a_db_file_that_is_not_sqlite_is_named_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    impostor = tmp_path / "notes.db"
    impostor.write_text("PGDMP this is a pg_dump archive, not SQLite\n")
    before = fingerprint(impostor)
    line = _one_line_error(*_run(capsys, "schema", str(impostor), "--json"))
    assert (
        line
        == f"dibs-tui: error: {impostor} is not a SQLite database (it does not start with 'SQLite format 3')"
    )
    assert fingerprint(impostor) == before
    missing = tmp_path / "missing.sqlite"
    line = _one_line_error(*_run(capsys, "schema", str(missing)))
    assert line == f"dibs-tui: error: no such SQLite file: {missing}"
    assert not missing.exists()  # not created by opening it


def test_an_empty_file_is_an_empty_database_and_stays_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    code, out, _ = _run(capsys, "schema", str(empty))
    assert code == 0 and out.startswith("SQLite database empty.db")
    assert empty.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]


@pytest.mark.parametrize("journal", ["wal", "delete"])
async def test_browsing_never_writes_the_file_nor_leaves_a_journal_beside_it(
    tmp_path: Path, journal: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = build_marlin(tmp_path / "marlin.db")  # Marlin's migrations turn WAL on
    if journal == "delete":
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.close()
    header_mode = path.read_bytes()[18]
    assert header_mode == (2 if journal == "wal" else 1)
    before = fingerprint(path)
    assert before[2] == ["marlin.db"]
    for fmt in ("--plain", "--sql", "--json"):
        assert main(["schema", str(path), fmt]) == 0
    capsys.readouterr()
    app = SqliteApp(path, Settings(project_root=tmp_path), header_label="marlin.db")
    async with app.run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        first = app.catalog
        await pilot.press("r")  # a refresh reads it again
        await wait_for(pilot, lambda: app.catalog is not first)  # read whole, not still reading at the end
    assert fingerprint(path) == before  # same bytes, same mtime, nothing beside it (-wal, -shm, -journal)


def test_a_wal_file_in_use_is_read_through_its_log_and_left_alone(tmp_path: Path) -> None:
    path = build_marlin(tmp_path / "marlin.db")
    writer = sqlite3.connect(path)  # another program, with a change still only in the -wal
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("CREATE TABLE only_in_the_log (x)")
        writer.commit()
        main_bytes = path.read_bytes()
        catalog = read_sqlite_catalog(path)
        assert catalog.relation("main", "only_in_the_log") is not None
        assert path.read_bytes() == main_bytes
    finally:
        writer.close()


def test_a_virtual_table_whose_module_is_missing_still_loads(tmp_path: Path) -> None:
    path = build(tmp_path / "ext.db", "CREATE TABLE plain (x);")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "INSERT INTO sqlite_master VALUES ('table', 'spell', 'spell', 0, "
        "'CREATE VIRTUAL TABLE spell USING spellfix1(word)')"
    )
    conn.commit()
    conn.close()
    catalog = read_sqlite_catalog(path)
    spell = catalog.relation("main", "spell")
    assert spell is not None and spell.kind is RelationKind.VIRTUAL and spell.columns == ()
    assert spell.definition == "CREATE VIRTUAL TABLE spell USING spellfix1(word)"
    assert [c.name for c in catalog.relation("main", "plain").columns] == ["x"]  # type: ignore[union-attr]


def test_a_view_over_a_dropped_table_still_loads(tmp_path: Path) -> None:
    path = build(
        tmp_path / "v.db", "CREATE TABLE t (x); CREATE VIEW v AS SELECT x FROM t; CREATE TABLE u (y);"
    )
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA legacy_alter_table = ON")
    conn.execute("DROP TABLE t")
    conn.close()
    catalog = read_sqlite_catalog(path)
    view = catalog.relation("main", "v")
    assert view is not None and view.columns == () and view.view_definition == "SELECT x FROM t"
    assert [c.name for c in catalog.relation("main", "u").columns] == ["y"]  # type: ignore[union-attr]


def test_names_that_would_break_a_pragma_are_read_as_names(tmp_path: Path) -> None:
    sneaky = 'x"); DROP TABLE victim; --'
    path = build(
        tmp_path / "names.db",
        f'CREATE TABLE victim (v); CREATE TABLE "{sneaky.replace(chr(34), chr(34) * 2)}" '
        f'("a""b" INTEGER PRIMARY KEY, [c d] TEXT UNIQUE, v REFERENCES victim);',
    )
    before = fingerprint(path)
    catalog = read_sqlite_catalog(path)
    table = catalog.relation("main", sneaky)
    assert table is not None
    assert [c.name for c in table.columns] == ['a"b', "c d", "v"]
    assert table.primary_key is not None and table.primary_key.columns == ('a"b',)
    assert catalog.relation("main", "victim") is not None
    assert fingerprint(path) == before


@pytest.fixture(scope="module")
def two_thousand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 tables, each with a unique key, a CHECK, an FK to the one before, an expression partial index
    and a trigger (SQLite takes some seconds of its own to create them: built once for the module)."""
    statements = []
    for i in range(2000):
        parent = f", parent_id INTEGER REFERENCES t{i - 1:04}(id)" if i else ""
        statements.append(
            f"CREATE TABLE t{i:04} (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
            f"n INTEGER CHECK (n >= 0){parent});"
            f"CREATE INDEX t{i:04}_lower ON t{i:04} (lower(name)) WHERE n > 0;"
            f"CREATE TRIGGER t{i:04}_touch AFTER UPDATE ON t{i:04} BEGIN SELECT 1; END;"
        )
    return build(tmp_path_factory.mktemp("big") / "big.db", "BEGIN;\n" + "\n".join(statements) + "\nCOMMIT;")


def test_two_thousand_tables_load_whole(two_thousand: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = read_sqlite_catalog(two_thousand)
    assert len(catalog.relations) == 2000
    t1999 = catalog.relation("main", "t1999")
    assert t1999 is not None and t1999.indexes[0].predicate == "n > 0" and t1999.triggers
    assert len(catalog.referenced_by[("main", "t1000")]) == 1
    # About 1.1 s of CPU on a 2-core machine; one query per PRAGMA for all tables, not one per table.
    code, out, _ = _run(capsys, "schema", str(two_thousand))
    assert code == 0 and out.count('Table "t') == 2000


async def test_two_thousand_tables_in_the_browser(two_thousand: Path) -> None:
    app = SqliteApp(two_thousand, Settings(project_root=two_thousand.parent), header_label="big.db")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert len(app.query_one(TableList).rows) == 2001  # the schema row and every table


def test_sample_is_not_written_by_reading(tmp_path: Path) -> None:
    path = build(tmp_path / "sample.db", SAMPLE)
    before = fingerprint(path)
    read_sqlite_catalog(path)
    assert fingerprint(path) == before


def test_the_browser_refuses_a_damaged_file_before_drawing(tmp_path: Path) -> None:
    from dibs_tui.commands.open import open_sqlite
    from dibs_tui.core.errors import DibsError

    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"SQLite format 3\x00" + b"\x00\xff" * 2048)
    before = fingerprint(garbage)
    with pytest.raises(DibsError) as caught:
        open_sqlite(garbage, Settings(project_root=tmp_path))  # would block in app.run() if it got that far
    assert str(caught.value) == f"{garbage} is damaged: SQLite says 'file is not a database'"
    assert fingerprint(garbage) == before
