"""The Migrations pane driven headless: states, hazards, shadow preview, apply with confirmation, failure,
generate with an editable name (nothing written on cancel)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.content import Content
from textual.widgets import Input, OptionList, Static

from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.migrations.apply import apply_pending
from dibs_tui.core.migrations.apply_outcome import MigrationFailed
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.migration_rows import segment_lines
from dibs_tui.ui.migrations_pane import GenerateScreen
from dibs_tui.ui.screens.confirm import ConfirmScreen
from tests.pg import browser_on_a_terminal, drain, execute, fetch, run_sql, until
from tests.ui_pilot import migrations_pane, tab_pane, wait_for

SIZE = (150, 45)


def text_of(widget: Static) -> str:
    return str(widget.render())


def project(db: str, tmp_path: Path) -> Path:
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    (folder / "20260101000000_initial.sql").write_text(
        "CREATE TABLE users (id int PRIMARY KEY, legacy text);\n"
    )
    asyncio.run(apply_pending(resolve(db), folder))
    run_sql(db, "INSERT INTO users VALUES (1, 'x'), (2, NULL)")
    (folder / "20260102000000_drop-legacy.sql").write_text(
        "ALTER TABLE users DROP COLUMN legacy;\nALTER TABLE users ADD COLUMN email text;\n"
    )
    return folder


def _app(db: str, tmp_path: Path, folder: Path, desired: str | None = None) -> DibsApp:
    """The browser on `db` with the project's migrations `folder` (and a desired schema to diff with)."""
    return DibsApp(
        resolve(db),
        Settings(project_root=tmp_path, migrations_dir=folder),
        desired=[desired] if desired else None,
        header_label="t",
    )


async def test_list_hazards_preview_and_apply_with_confirmation(db: str, tmp_path: Path) -> None:
    folder = await asyncio.to_thread(project, db, tmp_path)
    app = _app(db, tmp_path, folder)
    async with app.run_test(size=SIZE) as pilot:
        pane = await migrations_pane(pilot)
        options = pane.query_one("#migrations-list", OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert "20260101000000_initial  applied" in labels[0] and " ms" in labels[0]
        assert "20260102000000_drop-legacy  pending" in labels[1]
        details = pane.query_one("#migrations-details", Static)
        await wait_for(pilot, lambda: "Changes:" in text_of(details) and "computing" not in text_of(details))
        shown = text_of(details)
        assert "data-loss (observed): drops users.legacy: 1 non-null value in 2 rows" in shown
        assert "▲ line 1: ALTER TABLE users DROP COLUMN legacy" in shown  # hazards under their statement
        assert "lock: ACCESS EXCLUSIVE on public.users (observed)" in shown
        assert text_of(pane.query_one("#migrations-sql", Static)).startswith("▲")  # marked in the SQL
        assert "- column users.legacy" in shown and "+ column users.email" in shown
        assert "DROP COLUMN legacy" in text_of(pane.query_one("#migrations-sql", Static))

        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#no"))
        assert "data-loss" in app.screen.question
        assert "proved: the pending migrations apply on a clone of the live schema" in app.screen.question
        await pilot.press("y")
        await wait_for(
            pilot, lambda: pane.statuses and all(s.state.value == "applied" for s in pane.statuses)
        )
        # The migration just applied stays highlighted: it too shows what it changed, replayed in a shadow
        # database (the list went back to the first migration).
        assert options.highlighted_option is not None
        assert options.highlighted_option.id == "20260102000000_drop-legacy"
        await wait_for(
            pilot, lambda: "- column users.legacy" in text_of(details) and "applied" in text_of(details)
        )
        assert "Hazards:" not in text_of(details)
    columns = [
        r["attname"]
        for r in await fetch(
            db,
            "SELECT attname::text FROM pg_attribute WHERE attrelid = 'users'::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum",
        )
    ]
    assert columns == ["id", "email"]


async def test_apply_refused_when_the_live_schema_moved_since_the_review(db: str, tmp_path: Path) -> None:
    """The guard in the pane: the review recorded the live schema, a manual change followed, `m` refuses and
    says what changed; nothing is asked and nothing runs."""
    from dibs_tui.core.fingerprint import Scope
    from dibs_tui.core.review_record import take_record

    folder = await asyncio.to_thread(project, db, tmp_path)
    pending = folder / "20260102000000_drop-legacy.sql"
    await take_record(resolve(db), pending, pending.read_text(), Scope())
    await execute(db, "CREATE TABLE hand_made (a int)")
    app = _app(db, tmp_path, folder)
    async with app.run_test(size=SIZE) as pilot:
        pane = await migrations_pane(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: pane.last_error is not None)
        assert (
            "refusing to apply: the live schema or the migration is not what the review saw"
            in pane.last_error
        )
        assert "+ relation public.hand_made kind r" in pane.last_error
        assert not isinstance(app.screen, ConfirmScreen)
        assert [s.state.value for s in pane.statuses] == ["applied", "pending"]
    assert len(await fetch(db, "SELECT * FROM __dibs_migrations")) == 1


async def test_failure_is_shown_with_the_statement_and_nothing_applied(db: str, tmp_path: Path) -> None:
    """A failure the review cannot foresee (it does not count an INSERT ... SELECT's conflicts): asked, run,
    failed, shown with its statement, nothing recorded."""
    folder = await asyncio.to_thread(project, db, tmp_path)
    (folder / "20260102000000_drop-legacy.sql").write_text("INSERT INTO users\n  SELECT 1, 'again';\n")
    app = _app(db, tmp_path, folder)
    async with app.run_test(size=SIZE) as pilot:
        pane = await migrations_pane(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#no"))
        await pilot.press("y")
        await wait_for(pilot, lambda: pane.last_error is not None)
        await wait_for(
            pilot, lambda: "duplicate key value" in text_of(pane.query_one("#migrations-details", Static))
        )
        assert "20260102000000_drop-legacy.sql:1: ERROR" in pane.last_error
        assert [s.state.value for s in pane.statuses] == ["applied", "pending"]
    assert len(await fetch(db, "SELECT * FROM __dibs_migrations")) == 1


async def test_a_migration_its_review_sees_failing_is_refused_not_asked(db: str, tmp_path: Path) -> None:
    """ADD COLUMN ... NOT NULL over two rows: the review counts them, so the pane does not ask to run what
    will fail (holding ACCESS EXCLUSIVE until the failure); it says which line and why, and nothing runs."""
    folder = await asyncio.to_thread(project, db, tmp_path)
    (folder / "20260102000000_drop-legacy.sql").write_text(
        "ALTER TABLE users\n  ADD COLUMN n int NOT NULL;\n"
    )
    app = _app(db, tmp_path, folder)
    async with app.run_test(size=SIZE) as pilot:
        pane = await migrations_pane(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: pane.last_error is not None)
        assert not isinstance(app.screen, ConfirmScreen)
        assert pane.last_error.startswith(
            "refusing to apply 20260102000000_drop-legacy: line 1 fails on what is there now: "
        ), pane.last_error
        assert "it would hold its locks until then and roll back" in pane.last_error
        assert [s.state.value for s in pane.statuses] == ["applied", "pending"]
    columns = await fetch(
        db, "SELECT attname FROM pg_attribute WHERE attrelid = 'users'::regclass AND attnum > 0"
    )
    assert [r["attname"] for r in columns] == ["id", "legacy"]


async def test_generate_shows_sql_and_writes_only_on_confirm(
    db: str, new_database: Callable[[], str], tmp_path: Path
) -> None:
    folder = tmp_path / "db" / "migrations"
    desired = await asyncio.to_thread(new_database)
    await asyncio.to_thread(run_sql, desired, "CREATE TABLE invoices (id int PRIMARY KEY);")
    app = _app(db, tmp_path, folder, desired)
    async with app.run_test(size=SIZE) as pilot:
        pane = await migrations_pane(pilot)
        await pilot.press("n")
        await wait_for(
            pilot, lambda: isinstance(app.screen, GenerateScreen) and app.screen.query("#generate-sql")
        )
        assert app.screen.query_one("#generate-name", Input).value == "create-invoices"
        assert "CREATE TABLE" in text_of(app.screen.query_one("#generate-sql", Static))
        await pilot.press("escape")
        await wait_for(pilot, lambda: "cancelled" in text_of(pane.query_one("#migrations-status", Static)))
        assert not folder.exists() or not list(folder.iterdir())
        await pilot.press("n")
        await wait_for(
            pilot, lambda: isinstance(app.screen, GenerateScreen) and app.screen.query("#generate-sql")
        )
        name_input = app.screen.query_one("#generate-name", Input)
        name_input.value = "Add Invoices"
        name_input.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: folder.exists() and list(folder.glob("*_add-invoices.sql")))
        written = next(folder.glob("*_add-invoices.sql"))
        assert f"-- Migration: {written.stem}" in written.read_text()
        await wait_for(pilot, lambda: [s.state.value for s in pane.statuses] == ["pending"])


async def test_the_apply_question_fits_80x24_its_start_shown_and_the_rest_scrolled_to(
    db: str, tmp_path: Path
) -> None:
    folder = await asyncio.to_thread(project, db, tmp_path)
    (folder / "20260103000000_many.sql").write_text(
        "".join(
            f"ALTER TABLE users ADD COLUMN c{i} int;\nCREATE INDEX CONCURRENTLY i{i} ON users (c{i});\n"
            for i in range(12)
        )
    )
    app = _app(db, tmp_path, folder)
    async with app.run_test(size=(80, 24)) as pilot:
        await migrations_pane(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#no"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        dialog = screen.query_one("#confirm-dialog")
        body = screen.query_one("#confirm-body")
        assert screen.region.contains_region(dialog.region)  # the question and its buttons on the screen
        assert all(dialog.region.contains_region(screen.query_one(b).region) for b in ("#yes", "#no"))
        assert body.scroll_y == 0 and body.max_scroll_y > 0  # its first line shown, the rest below
        await pilot.press("end")  # keys scroll the question while the buttons keep the focus
        assert body.scroll_y == body.max_scroll_y
        assert screen.focused is screen.query_one("#no")
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
    assert len(await fetch(db, "SELECT 1 FROM pg_indexes WHERE indexname LIKE 'i%'")) == 0


async def test_a_migration_named_with_brackets_is_named_whole_in_the_notes(db: str, tmp_path: Path) -> None:
    """Notes quote migration names literally: `[JIRA-12]` is part of a name, not markup to drop."""
    await execute(db, "CREATE TABLE a (id int)")
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    (folder / "001_[JIRA-12]_a.sql").write_text("CREATE TABLE a (id int);\n")
    (folder / "002_b.sql").write_text("CREATE TABLE b (id int);\n")
    app = _app(db, tmp_path, folder)
    async with app.run_test(size=SIZE) as pilot:
        await migrations_pane(pilot)
        await pilot.press("B")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#no"))
        await pilot.press("y")
        await wait_for(pilot, lambda: any("recorded 1 migration" in n.message for n in app._notifications))
        note = next(n for n in app._notifications if "recorded 1 migration" in n.message)
        shown = (
            Content.from_markup(note.message).plain if note.markup else note.message
        )  # as the toast shows it
        assert "up to 001_[JIRA-12]_a as applied" in shown


async def test_generate_keeps_the_rename_accepted_in_the_diff_pane(
    db: str, new_database: Callable[[], str], tmp_path: Path
) -> None:
    """A column rename accepted with `a` in the Diff tab is what `n` writes: RENAME, never DROP and ADD."""
    from dibs_tui.ui.diff_pane import DiffPane

    folder = tmp_path / "db" / "migrations"
    desired = await asyncio.to_thread(new_database)
    await asyncio.to_thread(run_sql, desired, "CREATE TABLE users (id int PRIMARY KEY, email text);")
    await execute(
        db, "CREATE TABLE users (id int PRIMARY KEY, mail text); INSERT INTO users VALUES (1, 'a@x');"
    )
    app = _app(db, tmp_path, folder, desired)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        diff = await tab_pane(pilot, "d", DiffPane)
        await wait_for(pilot, lambda: diff.result is not None and diff.result.renames)
        rows = diff.query_one("#diff-changes", OptionList)
        rows.highlighted = next(
            i
            for i in range(rows.option_count)
            if "users.mail -> email" in str(rows.get_option_at_index(i).prompt)
        )
        await pilot.press("a")
        await wait_for(
            pilot, lambda: "RENAME COLUMN mail TO email" in text_of(diff.query_one("#diff-plan", Static))
        )
        await migrations_pane(pilot)
        await pilot.press("n")
        await wait_for(
            pilot, lambda: isinstance(app.screen, GenerateScreen) and app.screen.query("#generate-sql")
        )
        sql = text_of(app.screen.query_one("#generate-sql", Static))
        assert "RENAME COLUMN mail TO email" in sql and "DROP COLUMN mail" not in sql
        await pilot.press("escape")
    assert (await fetch(db, "SELECT mail FROM users"))[0]["mail"] == "a@x"


async def test_g_and_G_move_to_the_first_and_last_migration_and_g_still_re_diffs_in_the_diff_tab(
    db: str, new_database: Callable[[], str], tmp_path: Path
) -> None:
    """README: `g`/`G` move in any list; in the Diff tab `g` is its re-diff."""
    from dibs_tui.ui.diff_pane import DiffPane

    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    for i in range(1, 4):
        (folder / f"2026010{i}000000_m{i}.sql").write_text(f"CREATE TABLE m{i} (id int);\n")
    desired = await asyncio.to_thread(new_database)
    app = _app(db, tmp_path, folder, desired)
    async with app.run_test(size=SIZE) as pilot:
        pane = await migrations_pane(pilot)
        await pilot.press("G")
        assert pane.migrations_list.highlighted == 2
        await pilot.press("g")
        assert pane.migrations_list.highlighted == 0
        diff = await tab_pane(pilot, "d", DiffPane)
        await wait_for(pilot, lambda: diff.result is not None)
        first = diff.result
        await pilot.press("g")
        await wait_for(pilot, lambda: diff.result is not None and diff.result is not first)


SANDBOXES = (
    "SELECT datname::text FROM pg_database WHERE datname LIKE 'dibs\\_shadow\\_%'"
    " UNION ALL SELECT rolname::text FROM pg_roles WHERE rolname LIKE 'dibs\\_sandbox\\_%'"
)


async def _sandboxes(server: EmbeddedServer) -> set[str]:
    return {r[0] for r in await fetch(server.dsn(), SANDBOXES)}


@pytest.mark.parametrize("state", ["applied", "pending"])
async def test_q_while_a_migration_runs_in_a_sandbox_drops_the_sandbox_before_it_returns(
    db: str, tmp_path: Path, pg_server: EmbeddedServer, state: str
) -> None:
    """The highlighted migration runs in sandbox databases (a slow one here): an applied one replayed, a
    pending one also traced by its review on a thread. `q` meanwhile: once the app has returned, no sandbox
    database or role is left. The review's thread ran on after the app, its sandbox with it (the process
    waited for it at its exit: seconds)."""
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    slow = folder / "20260101000000_slow.sql"
    slow.write_text("CREATE TABLE t (id int);\nSELECT pg_sleep(0.1);\n")
    if state == "applied":
        await apply_pending(resolve(db), folder)
    slow.write_text("CREATE TABLE t (id int);\nSELECT pg_sleep(30);\n")
    before = await _sandboxes(pg_server)
    app = _app(db, tmp_path, folder)
    async with app.run_test(size=SIZE) as pilot:
        await migrations_pane(pilot)
        made: set[str] = set()
        for _ in range(400):
            made = await _sandboxes(pg_server) - before
            if len(made) >= 2:
                break
            await pilot.pause(0.05)
        assert len(made) >= 2, made  # a sandbox's database and role, running the migration
        await pilot.pause(0.3)
        started = time.monotonic()
        await pilot.press("q")
    assert await _sandboxes(pg_server) - before == set()
    assert time.monotonic() - started < 10  # not the 30 s of the statement


def test_a_closed_terminal_during_a_review_drops_its_sandbox(
    db: str, tmp_path: Path, pg_server: EmbeddedServer
) -> None:
    """The terminal closed (SIGHUP) while a pending migration was traced in a sandbox: the process died at
    once and the sandbox's database and role stayed on the server (for a day, until a later load's sweep).
    The app now ends as on q, and drops them first."""
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    (folder / "20260101000000_slow.sql").write_text("CREATE TABLE t (id int);\nSELECT pg_sleep(30);\n")
    before = asyncio.run(_sandboxes(pg_server))
    with browser_on_a_terminal("--project-root", str(tmp_path), "open", db) as (app, master):
        drawn = b""

        def painted() -> bool:
            nonlocal drawn
            drawn += drain(master)
            return b"Tables" in drawn

        until(painted, "the browser")
        os.write(master, b"m")  # the Migrations tab: the pending migration is reviewed, traced in a sandbox

        def sandbox_made() -> bool:
            drain(master)
            return len(asyncio.run(_sandboxes(pg_server)) - before) >= 2

        until(sandbox_made, "the review's sandbox")
        app.send_signal(signal.SIGHUP)

        def ended() -> bool:
            drain(master)
            return app.poll() is not None

        until(ended, "the app to end")
    assert asyncio.run(_sandboxes(pg_server)) - before == set()


def _rows_drawn(options: OptionList) -> list[str]:
    """The list's first two rows as drawn on the screen, inside its border and padding."""
    from textual.geometry import Region

    lines = options.render_lines(Region(0, 0, *options.outer_size))
    inner = options.content_region.x - options.region.x
    return ["".join(seg.text for seg in line)[inner:].rstrip(" ▎▊") for line in lines[1:3]]


async def test_at_80x24_each_migration_shows_its_state_whole_and_its_name_cut_in_the_middle(
    db: str, tmp_path: Path
) -> None:
    """At 80 columns the list cut every row at its end: `✓ 20260110090000_initial-schema  ap…`. The time
    goes first, then the name is cut in its middle; the state always shows whole."""
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    first = "20260101000000_create-users-teams-and-their-memberships"
    second = "20260102000000_add-email-verification-to-users"
    (folder / f"{first}.sql").write_text("CREATE TABLE users (id int PRIMARY KEY);\n")
    await apply_pending(resolve(db), folder)
    (folder / f"{second}.sql").write_text("ALTER TABLE users ADD COLUMN email text;\n")
    app = _app(db, tmp_path, folder)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await migrations_pane(pilot)
        await pilot.pause()
        options = pane.migrations_list
        drawn = _rows_drawn(options)
        assert options.outer_size.width < 45  # the list is narrow at 80 columns: these rows are cut
        # The whole version, then the words after it cut in their middle (12 of its 14 digits were left)
        assert drawn[0].startswith("✓ 20260101000000_cr") and drawn[0].endswith("ships  applied"), drawn
        assert drawn[1].startswith("• 20260102000000_ad") and drawn[1].endswith("users  pending"), drawn
        assert all("…" in line for line in drawn), drawn  # cut in the middle of the name, not at the state
    app = _app(db, tmp_path, folder)
    async with app.run_test(size=(300, 50)) as pilot:  # wide enough: the whole row, its time too (>99 ms)
        pane = await migrations_pane(pilot)
        await pilot.pause()
        drawn = _rows_drawn(pane.migrations_list)
        assert drawn[0].startswith(f"✓ {first}  applied  20") and drawn[0].endswith(" ms"), drawn
        assert drawn[1] == f"• {second}  pending", drawn


async def test_a_partly_applied_migration_is_listed_as_partial(db: str, tmp_path: Path) -> None:
    """A migration whose first segments committed and a later one failed was listed as pending, even after a
    reload, while `status` says partial: the list, its summary and the details now say partial too."""
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    (folder / "20260101000000_two_parts.sql").write_text(
        "CREATE TABLE t (id int PRIMARY KEY, v text);\nINSERT INTO t VALUES (1, NULL);\n"
        "CREATE INDEX CONCURRENTLY t_v ON t (v);\nALTER TABLE t ALTER COLUMN v SET NOT NULL;\n"
    )
    with pytest.raises(MigrationFailed):  # the last segment fails on the NULL; the first two stay committed
        await apply_pending(resolve(db), folder)
    app = _app(db, tmp_path, folder)
    async with app.run_test(size=SIZE) as pilot:
        pane = await migrations_pane(pilot)
        options = pane.query_one("#migrations-list", OptionList)
        label = str(options.get_option_at_index(0).prompt)
        assert label.startswith("◐ 20260101000000_two_parts") and label.rstrip().endswith("partial"), label
        status = text_of(pane.query_one("#migrations-status", Static))
        assert "1 partial" in status and "pending" not in status.split("(")[0], status
        details = text_of(pane.query_one("#migrations-details", Static))
        assert details.startswith("20260101000000_two_parts: partly applied"), details


async def test_j_and_k_stop_at_the_ends_of_the_migrations_and_diff_lists(
    db: str, new_database: Callable[[], str], tmp_path: Path
) -> None:
    """Both lists wrapped round (Textual's OptionList): `j` on the last migration went back to the first, where
    the tables, columns and details lists stop. Every list stops now."""
    from dibs_tui.ui.diff_pane import DiffPane

    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    for i in range(1, 4):
        (folder / f"2026010{i}000000_m{i}.sql").write_text(f"CREATE TABLE m{i} (id int);\n")
    desired = await asyncio.to_thread(new_database)
    await execute(desired, "CREATE TABLE a (id int); CREATE TABLE b (id int);")
    app = _app(db, tmp_path, folder, desired)
    async with app.run_test(size=SIZE) as pilot:
        pane = await migrations_pane(pilot)
        migrations = pane.migrations_list
        await pilot.press("G", "j", "down")
        assert migrations.highlighted == 2
        await pilot.press("g", "k", "up")
        assert migrations.highlighted == 0
        await pilot.press("j")
        assert migrations.highlighted == 1
        diff = await tab_pane(pilot, "d", DiffPane)
        await wait_for(pilot, lambda: diff.result is not None)
        changes = diff.changes_list
        changes.focus()
        await pilot.pause()
        enabled = [i for i in range(changes.option_count) if not changes.get_option_at_index(i).disabled]
        assert len(enabled) >= 2, enabled
        await pilot.press("G", "j", "j")
        assert changes.highlighted == enabled[-1]
        await pilot.press("home", "k", "k")
        assert changes.highlighted == enabled[0]


async def test_the_help_lists_each_move_of_the_migrations_list_once_with_all_its_keys(
    db: str, tmp_path: Path
) -> None:
    """The help listed `↓ Down` and `j Down` as two keys, `↑`/`k`, `home`/`g` and `end`/`G` too, where the
    tables list says `↓, j Down`: Textual's bindings and ours were two entries of one move."""
    from dibs_tui.ui.app_help import help_entries

    app = _app(db, tmp_path, await asyncio.to_thread(project, db, tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        pane = await migrations_pane(pilot)
        pane.migrations_list.focus()
        await pilot.pause()
        _, entries = help_entries(app)
        moves = {(keys, what) for owner, keys, what, _ in entries if owner == "Migrations"}
        for what in ("Down", "Up", "First", "Last"):
            assert len([m for m in moves if m[1] == what]) == 1, sorted(moves)
        assert {("↓, j", "Down"), ("↑, k", "Up"), ("home, g", "First"), ("end, G", "Last")} <= moves, moves


def test_a_lone_concurrent_index_is_shown_as_run_alone(tmp_path: Path) -> None:
    """The details' Segments said 'one transaction' for a file of one CREATE INDEX CONCURRENTLY."""
    path = tmp_path / "m.sql"
    assert segment_lines("CREATE INDEX CONCURRENTLY t_v ON t (v);\n", path) == ["alone, autocommit"]
    assert segment_lines("ALTER TYPE mood ADD VALUE 'x';\n", path) == [
        "alone, autocommit (the new enum label can only be used once committed)"
    ]
    assert segment_lines("CREATE TABLE t (id int);\nCREATE TABLE u (id int);\n", path) == []


async def test_m_and_b_on_an_empty_folder_say_it_holds_no_migration(db: str, tmp_path: Path) -> None:
    """With no migration file, `m` said `every migration is applied` and `B` asked to highlight a migration
    that the list cannot show: both name the folder and say it is empty."""
    await execute(db, "CREATE TABLE users (id int PRIMARY KEY);")
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    app = _app(db, tmp_path, folder)
    async with app.run_test(size=(80, 24)) as pilot:
        await migrations_pane(pilot)
        for key in ("m", "B"):
            app.clear_notifications()
            await pilot.press(key)
            await wait_for(pilot, lambda: bool(app._notifications))
            (told,) = [n.message for n in app._notifications]
            assert f"{folder} holds no migration file" in told and "applied" not in told, told
            assert "Highlight" not in told, told


async def test_a_publication_on_a_server_without_logical_wal_is_said_in_the_details(
    db: str, tmp_path: Path
) -> None:
    """The review's note of the live server's wal_level (core/review/run.py) is shown before `m` applies."""
    await execute(db, "CREATE TABLE t (id int PRIMARY KEY);")
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    (folder / "20260101000000_pub.sql").write_text("CREATE PUBLICATION pub FOR TABLE t;\n")
    app = _app(db, tmp_path, folder)
    async with app.run_test(size=SIZE) as pilot:
        pane = await migrations_pane(pilot)
        details = pane.query_one("#migrations-details", Static)
        await wait_for(pilot, lambda: "Hazards:" in text_of(details))
        assert "this server's wal_level is replica: a publication is made, but publishes" in text_of(details)
