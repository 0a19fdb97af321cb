"""Read-only SQLite browsing: the model from a real file, `schema` in each format, the browser, and the
commands that say they need PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Static

from dibs_tui.cli import main
from dibs_tui.config import Settings
from dibs_tui.core.model import ConstraintKind, Generated, Relation, RelationKind
from dibs_tui.core.sources import is_sqlite
from dibs_tui.core.sqlite_catalog import read_sqlite_catalog
from dibs_tui.ui.sqlite_app import POSTGRES_ONLY, SqliteApp
from dibs_tui.ui.widgets.details import relation_ddl
from dibs_tui.ui.widgets.table_list import TableList
from tests.sqlitedb import MARLIN_SHADOWS, MARLIN_TABLES, SAMPLE, build, build_marlin
from tests.ui_pilot import SIZE, loaded, screen_text, wait_for


@pytest.fixture
def marlin(tmp_path: Path) -> Path:
    return build_marlin(tmp_path / "marlin.db")


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return build(tmp_path / "sample.sqlite", SAMPLE)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- the model ----------------------------------------------------------------------------------------


def test_marlin_tables_foreign_keys_both_ways_and_triggers(marlin: Path) -> None:
    catalog = read_sqlite_catalog(marlin)
    assert catalog.dialect == "sqlite" and catalog.database == "marlin.db"
    assert catalog.server_version.startswith("SQLite 3.")
    kinds = {r.name: r.kind for r in catalog.relations}
    assert {n for n, k in kinds.items() if k is RelationKind.TABLE} == MARLIN_TABLES | MARLIN_SHADOWS
    files = catalog.relation("main", "files")
    assert files is not None
    assert [(c.name, c.type, c.not_null) for c in files.columns] == [
        ("id", "INTEGER", False),
        ("path", "TEXT", True),
        ("size", "INTEGER", False),
        ("mtime", "INTEGER", False),
        ("hash", "TEXT", False),
    ]
    assert files.primary_key is not None and files.primary_key.columns == ("id",)
    assert {c.columns for c in files.constraints if c.kind is ConstraintKind.UNIQUE} == {("path",)}
    assert {i.name for i in files.indexes} >= {"idx_files_path", "idx_files_hash"}
    # 0007 re-created files_fts_au_file: the stored text is the newest one
    triggers = {t.name: t.definition for t in files.triggers}
    assert set(triggers) == {"files_fts_ai_file", "files_fts_au_file", "files_fts_ad_file"}
    assert "INSERT OR REPLACE INTO files_fts" in triggers["files_fts_au_file"]
    # FKs out, and in (the model's referenced_by)
    file_tags = catalog.relation("main", "file_tags")
    assert file_tags is not None
    fks = {
        (c.columns, c.foreign_key.target_table, c.foreign_key.on_delete)
        for c in file_tags.foreign_keys
        if c.foreign_key
    }
    assert fks == {(("file_id",), "files", "CASCADE"), (("tag_id",), "tags", "CASCADE")}
    incoming = {(rel.name, con.columns) for rel, con in catalog.referenced_by[("main", "files")]}
    assert incoming == {
        ("attributes", ("file_id",)),
        ("collection_files", ("file_id",)),
        ("file_changes", ("file_id",)),
        ("file_tags", ("file_id",)),
        ("links", ("dst_file_id",)),
        ("links", ("src_file_id",)),
    }
    tags = catalog.relation("main", "tags")
    assert tags is not None and [c.name for c in tags.columns] == [
        "id",
        "name",
        "parent_id",
    ]  # 0006 dropped one


def test_marlin_fts5_table_groups_its_shadow_tables(marlin: Path) -> None:
    catalog = read_sqlite_catalog(marlin)
    fts = catalog.relation("main", "files_fts")
    assert fts is not None and fts.kind is RelationKind.VIRTUAL
    assert [c.name for c in fts.columns] == ["path", "tags_text", "attrs_text"]  # not fts5's hidden columns
    assert fts.definition is not None and "USING fts5(" in fts.definition
    parts = {r.name for r in catalog.relations if r.part_of == ("main", "files_fts")}
    assert parts == MARLIN_SHADOWS
    assert all(catalog.relation("main", n).part_of is None for n in MARLIN_TABLES)  # type: ignore[union-attr]


def test_marlin_history_table_is_read(marlin: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(marlin)
    conn.executemany(
        "INSERT INTO schema_version VALUES (?, ?)", [(1, "2025-01-02T03:04:05"), (2, "2025-02-01")]
    )
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    meta = read_sqlite_catalog(marlin).meta
    assert meta.tables_present == ("PRAGMA user_version", "schema_version")
    rows = [(m.name, m.source, m.applied_at.year if m.applied_at else None) for m in meta.migrations]
    assert rows == [
        ("user_version 2", "PRAGMA user_version", None),
        ("1", "schema_version", 2025),
        ("2", "schema_version", 2025),
    ]


def test_sample_indexes_checks_generated_columns_and_options(sample: Path) -> None:
    catalog = read_sqlite_catalog(sample)
    authors = catalog.relation("main", "authors")
    books = catalog.relation("main", "Books")
    assert authors is not None and books is not None
    expr = next(i for i in authors.indexes if i.name == "authors_email_lower")
    assert expr.unique and expr.columns == ("lower(email)", "name") and expr.options == ("", "DESC")
    partial = next(i for i in books.indexes if i.name == "books_cheap")
    assert partial.predicate == "price < 10" and partial.columns == ("price",)
    checks = {
        (c.name, c.columns, c.definition) for c in authors.constraints if c.kind is ConstraintKind.CHECK
    }
    assert checks == {
        ("authors_check1", ("born",), "CHECK (born > 1800)"),
        ("email_has_at", (), "CHECK (email LIKE '%@%')"),
    }
    assert authors.column("name").default == "'anonymous'"  # type: ignore[union-attr]
    cents = books.column("price_cents")
    length = books.column("title_len")
    assert cents is not None and cents.generated is Generated.STORED
    assert cents.generation_expression == "CAST(price * 100 AS INTEGER)"
    assert length is not None and length.generated is Generated.VIRTUAL
    assert books.options == ("WITHOUT ROWID",)
    assert catalog.relation("main", "events").options == ("STRICT",)  # type: ignore[union-attr]
    # `REFERENCES AUTHORS`: no column (the primary key) and another case than the table's
    fk = books.foreign_keys[0].foreign_key
    assert fk is not None and (fk.target_table, fk.target_columns) == ("authors", ("id",))
    assert [t.name for t in books.triggers] == ["books_touch"]  # `ON books` names `Books`
    view = catalog.relation("main", "cheap_books")
    assert view is not None and view.kind is RelationKind.VIEW
    assert [c.name for c in view.columns] == ["isbn", "title"]
    assert view.view_definition == "SELECT isbn, title FROM books WHERE price < 10"
    assert catalog.relation("main", "sqlite_sequence") is None  # SQLite's own tables are not the user's
    assert catalog.meta.migrations[0].name == "user_version 7"
    notes = {r.name for r in catalog.relations if r.part_of == ("main", "notes")}
    assert notes == {f"notes_{s}" for s in ("data", "idx", "content", "docsize", "config")}


def test_relation_ddl_is_the_stored_text(sample: Path) -> None:
    catalog = read_sqlite_catalog(sample)
    books = catalog.relation("main", "Books")
    assert books is not None
    ddl = relation_ddl(catalog, books)
    assert ddl.startswith("CREATE TABLE Books (\n    isbn TEXT PRIMARY KEY,")
    assert "CREATE INDEX books_cheap ON Books (price) WHERE price < 10;" in ddl
    assert "CREATE TRIGGER books_touch AFTER UPDATE ON books BEGIN SELECT 1; END;" in ddl


# --- the command line ---------------------------------------------------------------------------------


def test_schema_plain_on_marlin(marlin: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "schema", str(marlin), "--plain")
    assert code == 0 and err == ""
    assert out.startswith("SQLite database marlin.db (SQLite 3.")
    assert 'Virtual table "files_fts"\n  USING fts5(path, tags_text, attrs_text, content=' in out
    assert "Shadow tables: files_fts_config, files_fts_data, files_fts_docsize, files_fts_idx" in out
    assert 'Table "files_fts_data" (shadow table of files_fts)' in out
    assert '"file_tags_tag_id_fkey" FOREIGN KEY (tag_id) REFERENCES tags(id) ON DELETE CASCADE' in out
    assert "CREATE TRIGGER files_fts_au_file AFTER UPDATE OF path ON files" in out


def test_schema_sql_replays_into_an_empty_file(
    marlin: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "schema", f"sqlite:///{marlin}", "--sql")
    assert code == 0
    assert "CREATE VIRTUAL TABLE files_fts\nUSING fts5(" in out  # as written, comments included
    copy = build(tmp_path / "copy.db", out)
    assert {r.name for r in read_sqlite_catalog(copy).relations} == {
        r.name for r in read_sqlite_catalog(marlin).relations
    }


def test_schema_json_is_the_model(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "schema", str(sample), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["dialect"] == "sqlite"
    by_name = {r["name"]: r for r in doc["relations"]}
    assert by_name["notes"]["kind"] == "virtual table"
    assert by_name["notes_data"]["part_of"] == ["main", "notes"]
    assert by_name["Books"]["options"] == ["WITHOUT ROWID"]


@pytest.mark.parametrize(
    "argv",
    [
        ["diff", "{db}"],
        ["check", "{db}"],
        ["migrate", "{db}"],
        ["init", "{db}"],
        ["generate", "x", "{db}"],
        ["status", "{db}"],
        ["review", "{sql}", "{db}"],
    ],
    ids=lambda a: a[0],
)
def test_postgres_only_commands_say_so_in_one_line(
    argv: list[str], marlin: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = tmp_path / "m.sql"
    sql.write_text("SELECT 1;\n")
    args = [a.format(db=marlin, sql=sql) for a in argv]
    code, out, err = _run(capsys, *args)
    assert code == 1
    assert err.strip().splitlines() == [
        f"dibs-tui: error: {marlin} is a SQLite database: `{argv[0]}` works on PostgreSQL only "
        "(`open` and `schema` read SQLite files)"
    ]
    assert "Traceback" not in out + err


def test_database_url_may_name_a_sqlite_file(
    marlin: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{marlin}")
    code, out, _ = _run(capsys, "schema")
    assert code == 0 and out.startswith("SQLite database marlin.db")
    code, _, err = _run(capsys, "status")
    assert code == 1 and "is a SQLite database: `status` works on PostgreSQL only" in err


def test_which_arguments_name_sqlite_files(marlin: Path, tmp_path: Path) -> None:
    no_suffix = tmp_path / "data"
    no_suffix.write_bytes(marlin.read_bytes())
    assert is_sqlite(str(marlin)) == marlin
    assert is_sqlite(str(no_suffix)) == no_suffix  # by its first 16 bytes
    assert is_sqlite("sqlite:///rel/app.db") == Path("rel/app.db")
    assert is_sqlite("sqlite:////abs/app.db") == Path("/abs/app.db")
    assert is_sqlite("missing.sqlite3") == Path("missing.sqlite3")  # the opener says it is missing
    assert is_sqlite("postgresql://localhost/app.db") is None
    assert is_sqlite("host=localhost dbname=app.db") is None
    assert is_sqlite("postgresql://localhost/app") is None
    assert is_sqlite(None) is None


# --- the browser --------------------------------------------------------------------------------------


async def test_browser_shows_the_tables_and_groups_the_shadow_tables(marlin: Path) -> None:
    app = SqliteApp(marlin, Settings(project_root=marlin.parent), header_label="marlin.db")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        rows = [r for r in app.query_one(TableList).rows if isinstance(r, Relation)]
        names = [r.name for r in rows]
        assert set(names) == MARLIN_TABLES | MARLIN_SHADOWS | {"files_fts"}
        at = names.index("files_fts")
        assert {r.name for r in rows[at + 1 : at + 5]} == MARLIN_SHADOWS
        assert all(r.part_of == ("main", "files_fts") for r in rows[at + 1 : at + 5])
        text = screen_text(app)
        assert "SQLite" in text and "marlin.db" in text
        assert "    └ files_fts_config" in text  # indented under its virtual table
        assert "PostgreSQL" not in text.splitlines()[0]
        await pilot.press("d")
        await wait_for(pilot, lambda: any(POSTGRES_ONLY in str(n.message) for n in app._notifications))
        assert app.query_one("#tabs").active == "browse"  # type: ignore[attr-defined]


async def test_health_on_a_sqlite_file_says_it_needs_postgresql_and_connects_nowhere(marlin: Path) -> None:
    app = SqliteApp(marlin, Settings(project_root=marlin.parent), header_label="marlin.db")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("H")
        await wait_for(pilot, lambda: any(POSTGRES_ONLY in str(n.message) for n in app._notifications))
        assert "health" in POSTGRES_ONLY
        app.query_one("#tabs").active = "health"  # type: ignore[attr-defined]  # a click on the tab
        await wait_for(
            pilot,
            lambda: (
                app.query("#health-status")
                and POSTGRES_ONLY in str(app.query_one("#health-status", Static).render())
            ),
        )
        await pilot.pause(0.3)
        assert "connect" not in screen_text(app)  # no check tried to reach a server
        app.query_one("#tabs").active = "migrations"  # type: ignore[attr-defined]
        status = app.query_one("#migrations-status", Static)
        await wait_for(pilot, lambda: POSTGRES_ONLY in str(status.render()))  # not "press m"


async def test_browser_card_and_details_of_a_table(marlin: Path) -> None:
    app = SqliteApp(marlin, Settings(project_root=marlin.parent), header_label="marlin.db")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.go_to("main", "file_tags")
        await pilot.pause()
        assert [c.name for c in app.card.relation.columns] == ["file_id", "tag_id"]  # type: ignore[union-attr]
        details = app.details
        text = "\n".join(details.row_content(i).plain for i in range(details.row_count))
        assert "tag_id → tags(id)  ON DELETE CASCADE" in text
        assert "CREATE TABLE file_tags (" in text  # the stored DDL
        assert "TABLE main.file_tags" in text
        # No server to watch: the PostgreSQL browser's idle session (ui/server_watch.py) is never tried
        app.watch_server()  # as a (re)load calls it
        assert not app._watching and not [w for w in app.workers if w.group == "server-watch"]


async def test_browser_details_link_a_virtual_table_and_its_shadow_tables(marlin: Path) -> None:
    app = SqliteApp(marlin, Settings(project_root=marlin.parent), header_label="marlin.db")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)

        def details() -> dict[str, tuple[str, str] | None]:
            view = app.details
            lines = view.lines
            return {
                line.content.plain: (line.target.schema, line.target.table) if line.target else None
                for line in lines
            }

        assert app.go_to("main", "files_fts")
        await pilot.pause()
        shown = details()
        assert "VIRTUAL TABLE main.files_fts" in shown and "── Shadow tables (4)" in shown
        assert shown["└ files_fts_idx"] == ("main", "files_fts_idx")
        assert app.go_to("main", "files_fts_idx")
        await pilot.pause()
        shown = details()
        assert "SHADOW TABLE main.files_fts_idx OF main.files_fts" in shown
        assert shown["part of   → main.files_fts"] == ("main", "files_fts")


def test_rtree_shadow_tables_and_analyze_row_counts(tmp_path: Path) -> None:
    path = build(
        tmp_path / "geo.db",
        """
        CREATE VIRTUAL TABLE boxes USING rtree(id, min_x, max_x);
        CREATE TABLE boxes_notes (id INTEGER PRIMARY KEY, note TEXT);  -- a user table with a look-alike name
        CREATE TABLE points (id INTEGER PRIMARY KEY, x REAL);
        CREATE INDEX points_x ON points (x);
        INSERT INTO points (x) SELECT value FROM json_each('[1, 2, 3, 4, 5]');
        ANALYZE;
        """,
    )
    catalog = read_sqlite_catalog(path)
    parts = {r.name for r in catalog.relations if r.part_of == ("main", "boxes")}
    assert parts == {"boxes_node", "boxes_rowid", "boxes_parent"}
    assert catalog.relation("main", "boxes_notes").part_of is None  # type: ignore[union-attr]
    assert catalog.relation("main", "points").row_estimate == 5  # type: ignore[union-attr]
    assert catalog.relation("main", "boxes_notes").row_estimate == -1  # type: ignore[union-attr]


def test_schema_filters_on_a_sqlite_file(marlin: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "schema", str(marlin), "--schema", "main")
    assert code == 0 and 'Table "files"' in out
    code, out, err = _run(capsys, "schema", str(marlin), "--schema", "public")
    assert code == 1 and out == ""
    assert err.strip() == (
        f"dibs-tui: error: a SQLite file has one schema, main: the --schema filters leave nothing of {marlin}"
    )
