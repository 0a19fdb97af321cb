"""A data migration of several MB is read holding one batch of parse trees at a time, not the whole file's: a
tree is about 35 times its text, so a 20 MB file of INSERTs held 650 MB of trees while it was split, and review,
migrate and generate's preflight each split it. One INSERT of 200,000 rows (8 MiB, a 1.2 GB tree) has its rows
read apart, a group at a time (core/sqltokens.py): checked, and counted against the live keys, never all held."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from dibs_tui.core.errors import SourceError
from dibs_tui.core.migrations.files import split_statements
from dibs_tui.core.sqlparse import statement_info
from dibs_tui.core.sqltokens import value_rows
from tests.pg import execute, review


def _inserts(megabytes: float, rows: int = 1) -> str:
    """INSERTs of `rows` rows each, about `megabytes` of them, one a line."""
    out: list[str] = []
    size, i = 0, 0
    while size < megabytes * 1024 * 1024:
        values = []
        for _ in range(rows):
            i += 1
            values.append(f"({i}, 'item number {i}', {i}.50, 'a note about item {i}')")
        line = f"INSERT INTO items (id, name, price, note) VALUES {', '.join(values)};\n"
        out.append(line)
        size += len(line)
    return "".join(out)


def _peak_and_kept(text: str) -> tuple[int, int, int]:
    """The statements split, the peak of memory allocated meanwhile, and what stays allocated once they are
    dropped (what a cache kept)."""
    tracemalloc.start()
    try:
        count = len(split_statements(text, "big.sql"))
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, peak, kept


def test_thousands_of_inserts_are_split_without_holding_every_tree() -> None:
    text = _inserts(3)
    count, peak, _ = _peak_and_kept(text)
    assert count == text.count("\n")
    assert peak < 30 * len(text), (
        f"{peak / 2**20:.0f} MiB to split {len(text) / 2**20:.1f} MiB"
    )  # was 87 times


def test_statements_of_8_kib_are_not_all_kept_with_their_trees() -> None:
    """The parse of recent statements is kept for the callers that ask about one again, but not 2,048 of 8 KiB
    each (560 MB of trees)."""
    text = _inserts(3, rows=100)
    count, _, kept = _peak_and_kept(text)
    assert count == text.count("\n")
    assert kept < 8 * len(text), (
        f"{kept / 2**20:.0f} MiB kept after {len(text) / 2**20:.1f} MiB"
    )  # was 37 times


@pytest.mark.parametrize("late", ["CREATE ROLE intruder", "INSERT INTO items VALUES (1,"])
def test_a_refusal_or_syntax_error_past_the_first_batch_returns_nothing(late: str) -> None:
    """The file is read batch by batch, but nothing is returned to run before the last statement was read."""
    text = _inserts(1) + late + ";\n" + _inserts(0.1)
    line = text[: text.index(late)].count("\n") + 1
    with pytest.raises(SourceError) as refused:
        split_statements(text, "big.sql")
    assert refused.value.line == line
    assert ("not allowed in a migration" in str(refused.value)) == late.startswith("CREATE ROLE")


def test_a_syntax_error_after_a_refused_statement_is_said_first(tmp_path: Path) -> None:
    """As when the file was parsed whole: what does not parse is said before what the door refuses."""
    text = "CREATE ROLE intruder;\n" + _inserts(1) + "INSERT INTO items VALUES (1,;\n"
    with pytest.raises(SourceError) as refused:
        split_statements(text, "big.sql")
    assert "syntax error" in str(refused.value)
    assert refused.value.line == text.count("\n")


def test_one_insert_of_a_hundred_thousand_rows_is_read_a_group_of_rows_at_a_time() -> None:
    text = _inserts(3, rows=50_000)
    count, peak, _ = _peak_and_kept(text)
    assert count == 1
    assert peak < 30 * len(text), (
        f"{peak / 2**20:.0f} MiB to split {len(text) / 2**20:.1f} MiB"
    )  # was 130 times
    [stmt] = split_statements(text, "big.sql")
    assert stmt.text == text.rstrip().removesuffix(";")  # what runs is the whole statement
    info = statement_info(stmt.text)
    assert info is not None and info.kind == "INSERT" and info.names == ("items",)
    assert len(info.body["selectStmt"]["SelectStmt"]["valuesLists"]) == 1  # the first row only


def test_a_syntax_error_in_a_row_read_apart_is_said_at_its_place() -> None:
    text = _inserts(1, rows=30_000)
    at = text.index("(20000, ")
    broken = text[:at] + "(20000, 'x',, 1, 'y')" + text[text.index(")", at) + 1 :]
    with pytest.raises(SourceError) as refused:
        split_statements(broken, "big.sql")
    assert 'syntax error at or near ","' in str(refused.value)
    assert (refused.value.line, refused.value.column) == (1, at + len("(20000, 'x',") + 1)


def test_rows_naming_a_table_and_a_view_s_rows_stay_in_the_tree() -> None:
    """A group of rows whose subquery reads a table is kept in the tree, where the trace's clone and the proof
    look for the tables a statement names; a view's rows are compared in its tree (the diff's drift check)."""
    rows = _inserts(1, rows=30_000).rstrip().removesuffix(";")
    late = rows + ", (0, (SELECT name FROM catalogue LIMIT 1), 1, 'x')"
    info = statement_info(late)
    assert info is not None and info.apart  # the groups before it read apart
    assert "'relname': 'catalogue'" in str(
        info.node["InsertStmt"]["selectStmt"]["SelectStmt"]["valuesLists"][-1]
    )
    view = "CREATE VIEW v AS " + rows[rows.index("VALUES") :]
    info = statement_info(view)
    assert info is not None and len(info.body["query"]["SelectStmt"]["valuesLists"]) == 30_000


async def test_the_keys_of_rows_read_apart_are_counted_against_the_live_table(db: str) -> None:
    """Keys the live table holds, in the first row and in groups of rows far into the list, are all counted."""
    await execute(
        db,
        "CREATE TABLE items (id bigint PRIMARY KEY, name text, price numeric, note text);"
        "INSERT INTO items VALUES (1, 'a', 1, 'b'), (25000, 'a', 1, 'b'), (29999, 'a', 1, 'b'), (90000, 'a', 1, 'b')",
    )
    result = await review(db, _inserts(1.5, rows=30_000))
    [stmt] = result.statements
    assert [h.message for h in stmt.hazards] == [
        "3 rows the INSERT adds are already in items (unique key items_pkey, e.g. (id)=(1)): the INSERT fails "
        "on a unique violation"
    ], result.to_text()


@pytest.mark.parametrize(
    ("sql", "rows"),
    [
        ("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y(')", ["(1, 'x')", "(2, 'y(')"]),
        (
            "INSERT INTO t VALUES (1, now()), (2, E'it\\'s)'), (3, $$)$$) ON CONFLICT (a) DO NOTHING",
            ["(1, now())", "(2, E'it\\'s)')", "(3, $$)$$)"],
        ),
        ("INSERT INTO t VALUES (1), /* ( */ (2)", ["(1)"]),  # a comment ends the list read apart
        ("INSERT INTO t SELECT * FROM (VALUES (1), (2)) v", []),
        ("INSERT INTO t VALUES (1) , (2) RETURNING (a)", ["(1)", "(2)"]),
        ("INSERT INTO t VALUES (1 -- )\n), (2)", ["(1 -- )\n)", "(2)"]),
        ('INSERT INTO "values" VALUES ("x"), (-1), (1/2)', ['("x")', "(-1)", "(1/2)"]),
    ],
)
def test_the_rows_of_a_values_list_are_found_without_the_parser(sql: str, rows: list[str]) -> None:
    assert [sql[a:b] for a, b in value_rows(sql, 0, len(sql))] == rows


def test_the_migrations_pane_shows_the_head_of_a_data_migration_and_says_what_is_left() -> None:
    """The pane highlighted the whole file on the app's loop (minutes for 20 MB, the pane frozen) and cut it
    into segments there too: it shows the first lines, says how many more there are, and leaves the segments
    to migrate --dry-run."""
    from dibs_tui.ui.migration_rows import segment_lines
    from dibs_tui.ui.review_marks import marked_sql

    text = _inserts(2)
    shown = str(marked_sql(text, None)).splitlines()
    assert len(shown) < 2_100, len(shown)
    assert shown[0].startswith("INSERT INTO items") and shown[-1].startswith("… ")
    assert f"{text.count(chr(10)) - len(shown) + 1:,} more lines not shown here" in shown[-1], shown[-1]
    assert segment_lines(text, Path("big.sql")) == [
        "not cut into segments here for a file of 2.0 MB: `dibs-tui migrate --dry-run` lists them"
    ]
    small = _inserts(0.01)
    assert str(marked_sql(small, None)).splitlines() == small.rstrip("\n").splitlines()


def test_an_insert_of_rows_over_the_statement_limit_is_read_and_anything_else_refused() -> None:
    """A migration's INSERT of 9 MiB of rows was refused by the 8 MiB limit a statement's tree is held to: its
    rows are read apart, so only what is parsed whole is held to it. A desired schema's (every row read by its
    door) and any other long statement still are refused."""
    from dibs_tui.core.sqlparse import parse_sql

    rows = _inserts(9.2, rows=250_000)
    assert len(rows) > 9 * 1024 * 1024 and rows.count("\n") == 1
    [stmt] = split_statements(rows, "big.sql")
    assert stmt.kind == "INSERT" and len(stmt.text) == len(rows) - 2
    with pytest.raises(SourceError, match=r"over the 8\.0 MiB limit for one statement"):
        parse_sql(rows, "desired.sql")
    selected = "INSERT INTO items SELECT " + " + ".join(["1"] * (5 * 1024 * 1024)) + ";\n"
    with pytest.raises(SourceError, match=r"over the 8\.0 MiB limit for one statement"):
        split_statements(selected, "big.sql")


def test_the_rows_of_a_long_copy_from_stdin_are_said_as_such_not_as_a_statement_too_long() -> None:
    """A pg_dump's COPY block of 9 MiB was 'statement of 9.0 MiB is over the 8.0 MiB limit' at its first row;
    it is refused as a short one is, at the COPY, saying what to do."""
    rows = "".join(f"{i}\titem {i}\t{i}.5\ta note about item {i}\n" for i in range(260_000))
    text = "CREATE TABLE made (id int);\nCOPY items (id, name, price, note) FROM stdin;\n" + rows + "\\.\n"
    assert len(rows) > 8 * 1024 * 1024
    with pytest.raises(SourceError) as refused:
        split_statements(text, "dump.sql")
    assert (refused.value.line, refused.value.column) == (2, 1)
    assert "COPY ... FROM stdin with its rows in the file" in str(refused.value), refused.value
