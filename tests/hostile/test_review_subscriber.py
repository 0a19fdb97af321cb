"""Hostile names through the subscriber rules (core/review/subscriber_limits.py, sessions 28 and 29): a
subscribed table, its column and the column's domain named with a newline and terminal escapes. The review
names them from the catalog and from the migration's parse tree; in the CLI's lines and the Migrations pane's
details each hazard stays on its own line, escaped, and nothing of the migration runs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Static

from dibs_tui.core.connect import resolve
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.sql import quote_ident
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.migrations_pane import MigrationsPane
from tests.hostile.test_output import CLEAR, CSI, OSC52, cli
from tests.hostile.test_screen import ESC, project, screen_text, text_of
from tests.pg import fetch, run_sql
from tests.test_review_subscriptions import publisher
from tests.ui_pilot import wait_for

__all__ = ["publisher"]  # the fixture, used by name

FORGED = "\nFORGED line"
T = quote_ident("t" + FORGED + CLEAR)
Q = quote_ident("q" + CSI)
D = quote_ident("d" + FORGED + OSC52)
# The domain as the migration names it, quoted as core.sql does a name with control characters
DOMAIN_SAID = 'U&"d\\000AFORGED line\\001B]52;c;SGVsbG8=\\0007"'
MIGRATION = f"ALTER DOMAIN {D} SET NOT NULL;\nALTER DOMAIN {D} ADD CONSTRAINT c CHECK (VALUE > 0);\n"


@pytest.fixture
def hostile_subscriber(db: str, publisher: EmbeddedServer) -> Iterator[str]:
    """`db` subscribed to the publisher's table T, whose column Q has the domain D on this side."""
    source = f"pub_{db.rsplit('/', 1)[1]}"
    run_sql(publisher.dsn(), f"CREATE DATABASE {source}")
    published = publisher.dsn(source)
    run_sql(published, f"CREATE TABLE {T} (id int PRIMARY KEY, {Q} int); CREATE PUBLICATION p FOR TABLE {T}")
    run_sql(db, f"CREATE DOMAIN {D} AS int; CREATE TABLE {T} (id int PRIMARY KEY, {Q} {D})")
    run_sql(
        db,
        f"CREATE SUBSCRIPTION feed CONNECTION 'host=127.0.0.1 port={publisher.port} user=postgres "
        f"dbname={source}' PUBLICATION p",
    )
    try:
        yield db
    finally:
        run_sql(db, "ALTER SUBSCRIPTION feed DISABLE")
        run_sql(db, "ALTER SUBSCRIPTION feed SET (slot_name = NONE)")
        run_sql(db, "DROP SUBSCRIPTION feed")
        run_sql(published, "SELECT pg_drop_replication_slot('feed')")
        run_sql(publisher.dsn(), f"DROP DATABASE {source}")


def _no_forged_line(text: str, where: str) -> None:
    forged = [line for line in text.splitlines() if line.lstrip().startswith("FORGED")]
    assert not forged, f"{where}: a newline in a name started a line: {forged}"


def _untouched(db: str) -> None:
    """Neither of the migration's statements ran: the domain is nullable and has no CHECK."""
    [row] = asyncio.run(
        fetch(db, "SELECT typnotnull, (SELECT count(*) FROM pg_constraint WHERE contypid = t.oid) AS checks "
                  "FROM pg_type t WHERE typname = $1", "d" + FORGED + OSC52)
    )  # fmt: skip
    assert (row["typnotnull"], row["checks"]) == (False, 0)


def test_the_cli_names_a_hostile_subscribed_table_column_and_domain_escaped(
    hostile_subscriber: str, tmp_path: Path
) -> None:
    db = hostile_subscriber
    migration = tmp_path / "m.sql"
    migration.write_text(MIGRATION, encoding="utf-8")
    out = cli("review", str(migration), db).stdout.decode()
    assert ESC not in out
    _no_forged_line(out, "review")
    said = [line for line in out.splitlines() if "logical replication into" in line]
    assert len(said) == 2, out
    assert all('public."t\\nFORGED line\\x1b[2J"' in line for line in said), said
    assert all(DOMAIN_SAID in line for line in said), said
    assert all('"q\\x1b[31m"' in line for line in said), said
    _untouched(db)


async def test_the_migrations_pane_names_them_escaped(hostile_subscriber: str, tmp_path: Path) -> None:
    db = hostile_subscriber
    settings = project(tmp_path, {"20261207000001_domain.sql": MIGRATION})
    app = DibsApp(resolve(db), settings, header_label="t")
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        await pilot.press("m")
        details = app.query_one(MigrationsPane).query_one("#migrations-details", Static)
        await wait_for(pilot, lambda: text_of(details).count("logical replication into") == 2, limit=60)
        shown = text_of(details)
        assert 'public."t\\nFORGED line\\x1b[2J"' in shown and '"q\\x1b[31m"' in shown, shown
        assert DOMAIN_SAID in shown, shown
        _no_forged_line(shown, "the Migrations pane's details")
        assert ESC not in screen_text(app)
    await asyncio.to_thread(_untouched, db)
