"""Hostile text through what the diff says of a change: a default's, a CHECK's and a foreign key's words
(`Change.summary`), a key handed over to a plain index under a passing name, a constraint kept valid (its note),
and the tables left out of the comparison. Each name, default and expression holds a newline followed by
`FORGED`, and the terminal escapes of test_output; the text, `--format json`, `check` and the Diff pane must
keep every one of them on its own line, escaped."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Static

from dibs_tui.core.connect import resolve
from dibs_tui.core.sql import quote_ident, quote_literal
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.diff_pane import DiffPane
from tests.hostile.test_output import CLEAR, NASTY, OSC8, OSC52, assert_terminal_safe, cli
from tests.hostile.test_screen import ESC, project, screen_text
from tests.pg import execute, fetch, run_sql
from tests.ui_pilot import wait_for

FORGED = "\nFORGED line"


def _q(name: str) -> str:
    return quote_ident(name + FORGED)


P, C, S, V = _q("p" + OSC52[:9]), _q("c"), _q("s"), _q("v")


def _schema(*, desired: bool) -> str:
    """The live side (desired=False) and the side a schema file asks for: every change below is one the
    summary or a note words."""
    on_delete = "SET NULL" if desired else "CASCADE"
    default = quote_literal(("new" if desired else "old") + NASTY + FORGED)
    check = (
        f"n > {1 if desired else 0} AND {V} <> {quote_literal(('y' if desired else 'x') + FORGED + CLEAR)}"
    )
    key = "" if desired else f", CONSTRAINT {_q('uk')} UNIQUE (k)"
    valid = " NOT VALID" if desired else ""
    return f"""
CREATE SCHEMA {S};
CREATE TABLE {S}.alembic_version (version_num text PRIMARY KEY);
CREATE TABLE {P} (id int PRIMARY KEY);
CREATE TABLE {C} (
    id int PRIMARY KEY,
    p int CONSTRAINT {_q("fk")} REFERENCES {P} ON DELETE {on_delete},
    {V} text DEFAULT {default},
    n int CONSTRAINT {_q("ck" + OSC8[:12])} CHECK ({check}),
    k int{key},
    w int
);
{f"CREATE UNIQUE INDEX {_q('uk')} ON {C} (k);" if desired else ""}
ALTER TABLE {C} ADD CONSTRAINT {_q("kv")} CHECK (w > 0){valid};
"""


def _no_forged_line(text: str, where: str) -> None:
    forged = [line for line in text.splitlines() if line.lstrip().startswith("FORGED")]
    assert not forged, f"{where}: a newline in the database's text started a line: {forged}"


def _hostile(db: str, tmp_path: Path) -> Path:
    run_sql(db, _schema(desired=False) + f"INSERT INTO {P} VALUES (1); INSERT INTO {C} VALUES (1, 1);")
    desired = tmp_path / "schema.sql"
    desired.write_text(_schema(desired=True), encoding="utf-8")
    return desired


def test_the_change_summaries_notes_and_left_out_tables_forge_no_line(db: str, tmp_path: Path) -> None:
    desired = _hostile(db, tmp_path)
    text = cli("diff", db, "--desired", str(desired))
    assert text.returncode == 2, text.stderr
    out = text.stdout.decode()
    # Above the plan: every line is ours. (In the plan's SQL a string constant keeps its newlines, as a
    # function body needs them; a name there is written U&"...\\000A...".)
    _no_forged_line(out.split(" statements (")[0] + text.stderr.decode(), "diff")
    assert 'U&"fk\\000AFORGED line"' in out
    # The summaries are there, escaped: the default's old and new value, the CHECK's, the foreign key's action.
    assert "ON DELETE CASCADE -> ON DELETE SET NULL" in out, out
    assert "old" in out and "\\x1b]52;c;SGVsbG8=" in out
    assert "kv\\nFORGED line" in out  # the kept-valid note, its name escaped
    assert "s\\nFORGED line.alembic_version" in out  # left out, escaped
    checked = cli("check", db, "--desired", str(desired))
    assert checked.returncode == 1, checked.stderr
    _no_forged_line((checked.stdout + checked.stderr).decode(), "check")
    assert b"s\\nFORGED line.alembic_version" in checked.stdout
    raw = cli("diff", db, "--desired", str(desired), "--format", "json").stdout
    result = json.loads(raw)
    olds = {c["object"]["sub"]: c["old"] for c in result["changes"] if c["object"]["sub"]}
    assert any(old and "old" + NASTY + FORGED in old for old in olds.values()), olds  # the value kept whole
    assert result["left_out"][0]["schema"] == "s" + FORGED
    # The plan applied: the live rows are kept and nothing is left to do.
    assert (
        cli("generate", "x", db, "--desired", str(desired), "--migrations", str(tmp_path / "m")).returncode
        == 0
    )
    (written,) = (tmp_path / "m").glob("*.sql")
    assert_terminal_safe(written.read_bytes(), "the migration")
    run_sql(db, written.read_text(encoding="utf-8"))
    assert [r["id"] for r in _rows(db)] == [1]
    assert cli("check", db, "--desired", str(desired)).returncode == 0


def _rows(db: str) -> list[dict[str, int]]:
    import asyncio

    return [dict(r) for r in asyncio.run(fetch(db, f"SELECT id FROM {C}"))]


async def test_the_diff_pane_shows_each_summary_and_note_on_one_line(db: str, tmp_path: Path) -> None:
    await execute(db, _schema(desired=False))
    settings = project(tmp_path, {}, schema=_schema(desired=True))
    app = DibsApp(resolve(db), settings, header_label="t")
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        await pilot.press("d")
        pane = app.query_one(DiffPane)
        await wait_for(pilot, lambda: pane.result is not None, limit=60)
        await pilot.pause()
        rows = pane.changes_list
        assert rows.virtual_size.height == rows.option_count  # one line each, newlines escaped
        labels = [str(rows.get_option_at_index(i).prompt) for i in range(rows.option_count)]
        assert any("ON DELETE CASCADE -> ON DELETE SET NULL" in label for label in labels), labels
        screen = screen_text(app)
        assert ESC not in screen and "\x9b" not in screen and "\u202e" not in screen
        _no_forged_line("\n".join(labels), "the Diff pane's changes")
        # The definitions and the plan are SQL: a string constant keeps its newline there, a name never.
        assert 'U&"v\\000AFORGED line" text DEFAULT' in screen


async def test_a_rename_suggestion_between_names_with_newlines_shows_each_on_one_line(
    db: str, tmp_path: Path
) -> None:
    old, new = "a" + FORGED + CLEAR, "b" + FORGED
    await execute(db, f"CREATE TABLE {quote_ident(old)} (id int PRIMARY KEY, note text, made date)")
    desired = f"CREATE TABLE {quote_ident(new)} (id int PRIMARY KEY, note text, made date);\n"
    app = DibsApp(resolve(db), project(tmp_path, {}, schema=desired), header_label="t")
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        await pilot.press("d")
        pane = app.query_one(DiffPane)
        await wait_for(pilot, lambda: pane.result is not None, limit=60)
        assert pane.result is not None and pane.result.renames, pane.result
        rows = pane.changes_list
        index = next(
            i for i in range(rows.option_count) if "Rename" in str(rows.get_option_at_index(i).prompt)
        )
        rows.highlighted = index + 1  # the suggestion, under its heading
        await pilot.pause()
        panel = str(pane.query_one("#diff-old", Static).render()) + str(
            pane.query_one("#diff-new", Static).render()
        )
        assert "a\\nFORGED line\\x1b[2J" in panel and "b\\nFORGED line" in panel, panel
        _no_forged_line(panel, "the rename's old and new names")
        assert ESC not in screen_text(app)


def test_generates_warning_of_a_row_that_fails_names_its_key_on_one_line(db: str, tmp_path: Path) -> None:
    """generate's preflight says which live row makes a statement fail, by its key: the key's value holds a
    newline and an escape."""
    key = quote_literal("a" + FORGED + OSC52)
    run_sql(db, f"CREATE TABLE t (k text PRIMARY KEY, n int); INSERT INTO t VALUES ({key}, NULL);")
    desired = tmp_path / "schema.sql"
    desired.write_text("CREATE TABLE t (k text PRIMARY KEY, n int NOT NULL);\n")
    result = cli("generate", "tighten", db, "--desired", str(desired), "--migrations", str(tmp_path / "m"))
    said = (result.stdout + result.stderr).decode()
    assert "this migration will fail at" in said, said
    assert '(k)=("a\\nFORGED line\\x1b]52' in said, said
    _no_forged_line(said, "generate's preflight")
