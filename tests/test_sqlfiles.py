"""The SQL-file loader: exact positions and docs on hand-written cases, and no surprises on real schemas."""

from __future__ import annotations

from pathlib import Path

import pytest

from dibs_tui.core.errors import DibsError, SourceError
from dibs_tui.core.sqlfiles import Place, load_sql_files, load_sql_text
from tests.pg import REAL

SAMPLE = """\\set ON_ERROR_STOP 1
-- Users of the system.
-- They log in with an email.
CREATE TABLE users (
    -- Surrogate key.
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "Display Name" text NOT NULL, -- shown in the UI
    email text CONSTRAINT users_email_key UNIQUE,
    CONSTRAINT users_name_len CHECK (length("Display Name") < 200)
);

CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN NEW.id := NEW.id; RETURN NEW; END; -- semicolons inside the body
$body$;

ALTER TABLE users ADD COLUMN nickname text, ADD CONSTRAINT nick_len CHECK (length(nickname) < 30);
  CREATE UNIQUE INDEX users_lower_email ON users (lower(email));
COMMENT ON COLUMN users.nickname IS 'What friends call them; [bold]not markup[/]';
COMMENT ON TABLE users IS 'loses to the -- block above the table';
"""


def test_statements_keep_their_text_and_start() -> None:
    loaded = load_sql_text(SAMPLE, "schema.sql")
    starts = [(s.line, s.column, s.keywords) for s in loaded.statements]
    assert starts == [
        (4, 1, "CREATE TABLE"),
        (12, 1, "CREATE FUNCTION"),
        (16, 1, "ALTER TABLE"),
        (17, 3, "CREATE UNIQUE"),
        (18, 1, "COMMENT ON"),
        (19, 1, "COMMENT ON"),
    ]
    function = loaded.statements[1].text
    assert function.startswith("CREATE FUNCTION touch()") and function.endswith("$body$")
    assert "RETURN NEW; END;" in function
    assert loaded.notes == ["schema.sql:1: skipped psql meta-command \\set ON_ERROR_STOP 1"]


def test_definitions_positions_and_docs() -> None:
    loaded = load_sql_text(SAMPLE, "schema.sql")
    assert loaded.table("public", "users") == Place(
        "schema.sql", 4, 1, "Users of the system.\nThey log in with an email."
    )
    assert loaded.column("public", "users", "id") == Place("schema.sql", 6, 5, "Surrogate key.")
    assert loaded.column("public", "users", "Display Name") == Place("schema.sql", 7, 5, "shown in the UI")
    assert loaded.column("public", "users", "email") == Place("schema.sql", 8, 5, None)
    assert loaded.column("public", "users", "nickname") == Place(
        "schema.sql", 16, 30, "What friends call them; [bold]not markup[/]"
    )
    assert set(loaded.constraints) == {
        ("public", "users", "users_email_key"),
        ("public", "users", "users_name_len"),
        ("public", "users", "nick_len"),
    }
    assert loaded.constraints[("public", "users", "nick_len")].line == 16
    assert loaded.index("public", "users_lower_email") == Place("schema.sql", 17, 3, None)
    assert loaded.index_tables[("public", "users_lower_email")] == ("public", "users")


def test_search_path_and_qualified_names() -> None:
    loaded = load_sql_text(
        "CREATE SCHEMA app;\nSET search_path TO app, public;\nCREATE TABLE t (a int);\n"
        "CREATE TABLE public.u (b int);\nCREATE INDEX t_a ON t (a);\n"
    )
    assert set(loaded.tables) == {("app", "t"), ("public", "u")}
    assert ("app", "t", "a") in loaded.columns and ("public", "u", "b") in loaded.columns
    assert loaded.index_tables[("app", "t_a")] == ("app", "t")


def test_folder_in_name_order_and_provenance_relative_to_root(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    (folder / "02_b.sql").write_text("CREATE TABLE b (id int);\n")
    (folder / "01_a.sql").write_text("\n\nCREATE TABLE a (id int);\n")
    (folder / "notes.txt").write_text("CREATE TABLE ignored (id int);\n")
    loaded = load_sql_files([folder])
    assert [Path(f).name for f in loaded.files] == ["01_a.sql", "02_b.sql"]
    assert [s.text for s in loaded.statements] == ["CREATE TABLE a (id int)", "CREATE TABLE b (id int)"]
    provenance = loaded.tables[("public", "a")].provenance(tmp_path)
    assert provenance.source is not None
    assert (provenance.source.file, provenance.source.line) == ("db/01_a.sql", 3)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("SELECT 1;\nSELECT 'never closed;\n", 2, 8),
        ("CREATE FUNCTION f() RETURNS int AS $$\nSELECT 1;\n", 1, 36),
        ('CREATE TABLE "open (id int);', 1, 14),
        ("SELECT 1; /* comment\n", 1, 11),
    ],
)
def test_unterminated_input_is_file_line_col(text: str, line: int, column: int) -> None:
    with pytest.raises(SourceError) as info:
        load_sql_text(text, "bad.sql")
    assert (info.value.line, info.value.column) == (line, column)
    assert str(info.value).startswith(f"bad.sql:{line}:{column}: unterminated")


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DibsError, match="desired schema not found"):
        load_sql_files([tmp_path / "nope.sql"])


def _line_of(place: Place) -> str:
    return Path(place.file).read_text().splitlines()[place.line - 1]


@pytest.mark.parametrize(
    ("files", "tables"),
    [
        (["plue/schema.sql"], 50),
        (["delta/DB_DOCUMENTATION.extracted.sql"], 7),
        (["pagila/pagila-schema.sql"], 79),  # 71 tables + 7 views + 1 materialized view
        (["lago/structure.sql"], 173),  # 139 tables + 33 views + 1 materialized view
        (["musicbrainz/CreateTables.sql", "musicbrainz/CreateViews.sql"], 385),
    ],
)
def test_real_schemas_locate_every_table_on_its_own_line(files: list[str], tables: int) -> None:
    loaded = load_sql_files([REAL / f for f in files])
    assert len(loaded.tables) == tables
    for (_, name), place in loaded.tables.items():
        assert name.lower() in _line_of(place).lower(), (name, place)
    for (_, table, column), place in list(loaded.columns.items())[:500]:
        assert column.lower() in _line_of(place).lower(), (table, column, place)


def test_keys_by_column_set_view_columns_and_partitions() -> None:
    loaded = load_sql_text(
        "CREATE TABLE t (\n  id int PRIMARY KEY,\n  code text UNIQUE,\n  a int, b int,\n"
        "  UNIQUE NULLS NOT DISTINCT (a, b)\n);\n"
        "ALTER TABLE t ADD CONSTRAINT t_ab_pk2 UNIQUE (b, a);\n"
        "CREATE VIEW v AS SELECT id, code AS label, (SELECT 1) AS one, count(*) total FROM t GROUP BY 1, 2;\n"
        "CREATE TABLE log (at date) PARTITION BY RANGE (at);\n"
        "CREATE TABLE log_2026 PARTITION OF log FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');\n"
    )
    assert loaded.keys[("public", "t", "p", ("id",))].line == 2
    assert loaded.keys[("public", "t", "u", ("code",))].line == 3
    assert loaded.keys[("public", "t", "u", ("a", "b"))].line == 5
    assert loaded.keys[("public", "t", "u", ("b", "a"))].line == 7
    view_columns = {c: p.column for (_, t, c), p in loaded.columns.items() if t == "v"}
    assert view_columns == {"id": 25, "label": 37, "one": 58, "total": 72}
    assert loaded.partition_parents[("public", "log_2026")] == ("public", "log")


def test_table_level_keys_are_not_columns() -> None:
    loaded = load_sql_text(
        "CREATE TABLE m (a int, b int, PRIMARY KEY (a, b), FOREIGN KEY (b) REFERENCES m2 (x), CHECK (a > 0));\n"
    )
    assert {c for (_, _, c) in loaded.columns} == {"a", "b"}
    assert ("public", "m", "p", ("a", "b")) in loaded.keys


def test_begin_atomic_bodies_stay_one_statement() -> None:
    loaded = load_sql_text(
        "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 1 ELSE 2 END;\n"
        "  SELECT 2;\nEND;\nCREATE TABLE after_it (id int);\n"
    )
    assert [s.keywords for s in loaded.statements] == ["CREATE FUNCTION", "CREATE TABLE"]
    assert loaded.statements[0].text.endswith("SELECT 2;\nEND")
    assert loaded.table("public", "after_it") is not None


def test_generate_locates_implicitly_named_key_indexes(tmp_path: Path) -> None:
    from dibs_tui.core.generate import source_index
    from dibs_tui.core.model import Constraint, ConstraintKind, Relation, RelationKind

    loaded = load_sql_text(
        "CREATE TABLE u (\n  id int PRIMARY KEY,\n  email text UNIQUE\n);\n", str(tmp_path / "s.sql")
    )
    sources = source_index(loaded, tmp_path)
    rel = Relation(
        "public",
        "u",
        RelationKind.TABLE,
        constraints=(
            Constraint(
                "u_pkey", ConstraintKind.PRIMARY_KEY, ("id",), "PRIMARY KEY (id)", index_name="u_pkey"
            ),
            Constraint(
                "u_email_key", ConstraintKind.UNIQUE, ("email",), "UNIQUE (email)", index_name="u_email_key"
            ),
        ),
    )
    pkey, email = sources.index(rel, "u_pkey"), sources.index(rel, "u_email_key")
    assert (
        pkey is not None and pkey.source is not None and (pkey.source.file, pkey.source.line) == ("s.sql", 2)
    )
    assert email is not None and email.source is not None and email.source.line == 3
