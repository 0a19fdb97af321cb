"""The Health tab: findings grouped by level and check, the highlighted one's why, source and fix on the
right, `o` opens its source line in the editor; after a reload the tab checks the new catalog."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widgets import Static, TabbedContent

from dibs_tui.ui.health_pane import HealthPane
from dibs_tui.ui.migrations_pane import MigrationsPane
from dibs_tui.ui.screens.confirm import ConfirmScreen
from tests.pg import execute
from tests.ui_pilot import META, fake_editor, loaded, make_app, project, shop, tab_pane, wait_for

__all__ = ["project", "shop"]


async def test_findings_grouped_with_why_source_and_fix_and_o_opens_the_source(
    shop: str, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await execute(shop, META)
    script, record = fake_editor(tmp_path)
    monkeypatch.setenv("VISUAL", str(script))
    monkeypatch.delenv("EDITOR", raising=False)
    path = str((project / "db" / "schema.sql").resolve())
    app = make_app(shop, project, editor_template=f"{script} --line {{line}} {{file}}")
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        pane = await tab_pane(pilot, "H", HealthPane)
        assert app.query_one(TabbedContent).active == "health"
        await wait_for(pilot, lambda: pane.report is not None)
        assert pane.report is not None
        # every finding once, under a heading of its level and check; the most severe groups first
        findings = [f for f in pane.rows if f is not None]
        assert sorted(findings, key=id) == sorted(pane.report.findings, key=id)
        heading = None
        groups: list[tuple[int, str]] = []
        options = pane.findings_list
        for i, finding in enumerate(pane.rows):
            if finding is None:
                heading = str(options.get_option_at_index(i).prompt)
                assert options.get_option_at_index(i).disabled
                continue
            assert heading is not None and finding.check in heading and str(finding.level).upper() in heading
            if not groups or groups[-1] != (finding.level, finding.check):
                groups.append((finding.level, finding.check))
        assert len(groups) == len(set(groups))
        # the status line counts each level as the CLI does
        status = str(pane.query_one("#health-status", Static).render())
        counts = {
            level: sum(1 for f in findings if f.level is level) for level in {f.level for f in findings}
        }
        assert status.startswith("Health  error: ")
        assert all(f"{level}: {n:,}" in status for level, n in counts.items())
        assert [level for level, _ in groups] == sorted((level for level, _ in groups), reverse=True)
        # the FK without an index: why, and the fix below
        index = next(i for i, f in enumerate(pane.rows) if f is not None and f.check == "fk-without-index")
        options.highlighted = index
        await pilot.pause()
        details = str(pane.query_one("#health-details", Static).render())
        assert "why" in details and pane.rows[index].why[:30] in details  # type: ignore[union-attr]
        assert "CREATE INDEX" in str(pane.query_one("#health-fix", Static).render())
        # a finding on customers, whose source the meta rows give: o opens it at its line
        located = next(
            i
            for i, f in enumerate(pane.rows)
            if f is not None and f.source is not None and "customers" in f.object
        )
        options.highlighted = located
        await pilot.pause()
        assert "db/schema.sql" in str(pane.query_one("#health-details", Static).render())
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))  # the config's command: asked
        await pilot.press("y")
        await wait_for(pilot, record.exists)
        argv = record.read_text().splitlines()
        assert argv[0] == "--line" and argv[2] == path
        # a table added and the catalog reloaded while the tab is shown: checked again, the new table is in
        await execute(shop, "CREATE TABLE lonely (n int)")
        await pilot.press("b", "r", "H")
        await wait_for(
            pilot,
            lambda: (
                pane.report is not None and any(f.object == "public.lonely" for f in pane.report.findings)
            ),
        )


async def test_two_foreign_keys_of_one_table_read_apart_at_80_columns(db: str) -> None:
    """Names cut at the list's edge kept their start (`public.attachments.attachments_…`): two foreign keys of
    one table looked alike. A row keeps the name's distinctive end and its `[f]`."""
    await execute(
        db,
        """
        CREATE TABLE users (id bigint PRIMARY KEY);
        CREATE TABLE issues (id bigint PRIMARY KEY);
        CREATE TABLE attachments (
            id bigint PRIMARY KEY,
            issue_id bigint NOT NULL REFERENCES issues (id),
            uploaded_by bigint NOT NULL REFERENCES users (id)
        );
        """,
    )
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        pane = await tab_pane(pilot, "H", HealthPane)
        await wait_for(pilot, lambda: pane.report is not None)
        await pilot.pause()
        options = pane.findings_list
        drawn = options.render_lines(Region(0, 0, options.outer_size.width, options.outer_size.height))
        rows = [strip.text.strip("▊▎ ") for strip in drawn]
        fks = [row for row in rows if row.startswith("attach") and "fkey" in row]
        assert len(fks) == 2, rows
        # the table's name begins the row, the key's columns end it, and the fix mark is there
        assert fks[0].endswith("issue_id_fkey  [f]") and fks[1].endswith("ed_by_fkey  [f]"), fks
        assert all(row.startswith("attachments.a") for row in fks), fks


async def test_a_schema_every_finding_shares_is_said_once_not_on_each_row(db: str) -> None:
    """In MusicBrainz (one schema, `musicbrainz`) the 281 rows of fk-without-index at 80 columns read
    `musicbrainz.a…ium_fk_medium`: the schema they all share left one letter of the table. It is said once
    in the status line; where the findings span schemas, each row keeps its own."""
    await execute(
        db,
        """
        CREATE SCHEMA musicbrainz;
        CREATE TABLE musicbrainz.medium (id int PRIMARY KEY);
        CREATE TABLE musicbrainz.alternative_medium (
            id int PRIMARY KEY, medium int REFERENCES musicbrainz.medium);
        COMMENT ON TABLE musicbrainz.medium IS 'a medium';
        COMMENT ON COLUMN musicbrainz.medium.id IS 'its id';
        """,
    )
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        pane = await tab_pane(pilot, "H", HealthPane)
        await wait_for(pilot, lambda: pane.report is not None)
        await pilot.pause()

        def rows() -> list[str]:
            options = pane.findings_list
            drawn = options.render_lines(Region(0, 0, options.outer_size.width, options.outer_size.height))
            return [strip.text.strip("▊▎ ") for strip in drawn]

        assert any(row.startswith("alternative_me") and row.endswith("medium_fkey  [f]") for row in rows())
        assert not any(row.startswith("musicbrainz.") for row in rows()), rows()
        assert "findings in schema musicbrainz" in str(pane.query_one("#health-status", Static).render())
        await execute(db, "CREATE TABLE public.loose (note text)")  # no primary key: a finding in public
        await pilot.press("b", "r", "H")  # the catalog read again, then checked
        await wait_for(
            pilot,
            lambda: pane.report is not None and "public.loose" in {f.object for f in pane.report.findings},
        )
        await pilot.pause()
        assert any(row.startswith("musicbrainz.") for row in rows()), rows()
        assert any(row.startswith("public.loose") for row in rows()), rows()
        assert "findings in schema" not in str(pane.query_one("#health-status", Static).render())


async def test_a_check_that_cannot_connect_says_which_key_tries_again(db: str, tmp_path: Path) -> None:
    """The server refusing new connections once the catalog is read: the Health tab said `cannot check:
    ...` and the Migrations tab the connection error, with no word of what to do after fixing it."""
    await execute(db, "CREATE TABLE t (id int PRIMARY KEY);")
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        name = db.rsplit("/", 1)[-1]
        await execute(db.rsplit("/", 1)[0] + "/postgres", f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            status = (await tab_pane(pilot, "H", HealthPane)).query_one("#health-status", Static)
            await wait_for(pilot, lambda: "cannot check" in str(status.render()))
            assert str(status.render()).endswith("(r checks again)"), str(status.render())
            migrations = (await tab_pane(pilot, "m", MigrationsPane)).query_one("#migrations-status", Static)
            await wait_for(pilot, lambda: "cannot connect" in str(migrations.render()))
            assert str(migrations.render()).endswith("(r reads it again)"), str(migrations.render())
        finally:
            await execute(
                db.rsplit("/", 1)[0] + "/postgres", f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'
            )


async def test_r_reads_the_catalog_again_so_a_fix_made_meanwhile_is_seen(db: str) -> None:
    """A DBA adds the missing index in psql and presses `r` (Re-check) in the Health tab: the checks ran
    again on the catalog read at start, and the finding stayed. `r` reads the catalog again, then checks."""
    await execute(
        db,
        """
        CREATE TABLE users (id bigint PRIMARY KEY);
        CREATE TABLE issues (id bigint PRIMARY KEY, reporter_id bigint REFERENCES users);
        """,
    )
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        pane = await tab_pane(pilot, "H", HealthPane)
        await wait_for(pilot, lambda: pane.report is not None)
        assert pane.report is not None
        first = pane.report
        assert "fk-without-index" in {f.check for f in first.findings}
        await execute(db, "CREATE INDEX issues_reporter_id_idx ON issues (reporter_id)")
        await pilot.press("r")
        await wait_for(pilot, lambda: pane.report is not first and pane.report is not None)
        assert "fk-without-index" not in {f.check for f in pane.report.findings}
