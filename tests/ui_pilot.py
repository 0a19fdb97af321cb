"""What the browser's Pilot tests share: the shop schema and the meta rows that point into a project, the app
made on a test database, waiting for its workers, and reading what it draws."""

from __future__ import annotations

import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from textual.css.query import NoMatches
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget

from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.core.model import Relation
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.migrations_pane import MigrationsPane
from dibs_tui.ui.screens.error import ErrorScreen
from dibs_tui.ui.screens.finder import FinderScreen
from dibs_tui.ui.widgets.tables_pane import TableList
from tests.pg import run_sql

SIZE = (120, 36)
W = TypeVar("W", bound=Widget)

SHOP = """
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, email text UNIQUE);
COMMENT ON TABLE customers IS 'People who buy things';
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers(id),
    total numeric(12,2) DEFAULT 0
);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id serial PRIMARY KEY, order_id bigint REFERENCES public.orders(id),
                               customer_id bigint);
CREATE VIEW order_totals AS SELECT customer_id, sum(total) AS total FROM orders GROUP BY customer_id;
"""


@pytest.fixture
def shop(db: str) -> str:
    run_sql(db, SHOP)
    return db


def make_app(dsn: str, root: Path | None = None, **settings: object) -> DibsApp:
    return DibsApp(
        resolve(dsn),
        Settings(project_root=root or Path.cwd(), **settings),  # type: ignore[arg-type]
        header_label="dibs_test",
    )


def holds(condition: Callable[[], object]) -> bool:
    """Whether `condition()` holds; a widget it queries that is not there (yet, or again) is its not holding:
    a pane mounted by a key's action or a tab's activation, a screen composed after a push, the footer's keys
    mounted again whenever the bindings change, all come a few messages after the key's press returns."""
    try:
        return bool(condition())
    except NoMatches:
        return False


async def wait_for(pilot: Pilot[Any], condition: Callable[[], object], limit: float = 30.0) -> None:
    """Let the app work (workers, timers) until `condition()` holds (see `holds`)."""
    waited = 0.0
    while not holds(condition):
        await pilot.pause(0.05)
        waited += 0.05
        if waited > limit:
            screen = pilot.app.screen
            why = screen.message if isinstance(screen, ErrorScreen) else type(screen).__name__
            raise AssertionError(f"the app never reached the expected state (screen: {why})")


async def loaded(pilot: Pilot[int]) -> DibsApp:
    app = pilot.app
    assert isinstance(app, DibsApp)
    await wait_for(pilot, lambda: app.catalog is not None and app.card.relation is not None)
    await pilot.pause()
    return app


async def tab_pane(pilot: Pilot[Any], key: str, kind: type[W]) -> W:
    """`key` pressed, then its tab's pane once it is mounted: the Diff, Migrations and Health panes are
    mounted by the key's action or the tab's activation (ui/tab_actions.py), which may come after the press
    returns on a loaded machine (a query_one right after it raised NoMatches)."""
    await pilot.press(key)
    return await mounted(pilot, kind)


async def mounted(pilot: Pilot[Any], kind: type[W]) -> W:
    """The app's one widget of `kind`, once it is mounted (see `tab_pane`)."""
    await wait_for(pilot, lambda: pilot.app.query(kind))
    return pilot.app.query_one(kind)


async def migrations_pane(pilot: Pilot[Any]) -> MigrationsPane:
    """Once the catalog is in, `m` opens the Migrations tab: its pane once its list is loaded."""
    app = pilot.app
    assert isinstance(app, DibsApp)
    await wait_for(pilot, lambda: app.catalog is not None)
    pane = await tab_pane(pilot, "m", MigrationsPane)
    await wait_for(pilot, lambda: pane.loaded)
    return pane


def shown_tables(app: DibsApp) -> list[str]:
    rows = app.query_one(TableList).rows
    return [f"{r.schema}.{r.name}" for r in rows if isinstance(r, Relation)]


def card_key(app: DibsApp) -> tuple[str, str] | None:
    relation = app.card.relation
    return relation.key if relation else None


def card_column(app: DibsApp) -> str | None:
    column = app.card.column_list.current()
    return column.name if column else None


def rendered(widget: Widget) -> list[list[tuple[str, str | None]]]:
    """The widget's lines as (text, link URL) segments, exactly as the compositor would draw them."""
    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return [[(seg.text, seg.style.link if seg.style else None) for seg in strip] for strip in strips]


def screen_text(app: DibsApp) -> str:
    lines = []
    for widget in app.screen.walk_children(Widget):
        if widget.display and widget.size.area:
            lines.extend("".join(text for text, _ in line) for line in rendered(widget))
    return "\n".join(lines)


async def palette_offers(pilot: Pilot[int], text: str) -> None:
    """Wait until the command palette's highlighted hit holds `text`: its providers search as tasks and show
    their hits in batches (a quarter of a second apart), later on a loaded machine; enter before that picks
    nothing."""
    from textual.command import CommandList, CommandPalette

    def offered() -> bool:
        screen = pilot.app.screen
        if not isinstance(screen, CommandPalette) or not screen.query(CommandList):
            return False
        hits = screen.query_one(CommandList)
        option = hits.highlighted_option
        return option is not None and text in str(option.prompt)

    await wait_for(pilot, offered)


async def goto(pilot: Pilot[int], query: str) -> None:
    await pilot.press("t")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FinderScreen))
    await pilot.press(*query, "enter")
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, FinderScreen))
    await pilot.pause()


META = """
CREATE TABLE __dibs_tables (table_name text PRIMARY KEY, source_file text NOT NULL, source_line int NOT NULL,
    source_column int, doc_comment text, created_by_migration text, modified_by_migration text,
    created_at timestamptz DEFAULT now(), modified_at timestamptz DEFAULT now());
CREATE TABLE __dibs_columns (table_name text NOT NULL, column_name text NOT NULL, source_file text NOT NULL,
    source_line int NOT NULL, source_column int, doc_comment text, rust_type text, sql_type text,
    is_nullable boolean, default_value text, is_primary_key boolean DEFAULT false,
    is_unique boolean DEFAULT false, is_indexed boolean DEFAULT false, fk_references_table text,
    fk_references_column text, created_by_migration text, modified_by_migration text,
    created_at timestamptz DEFAULT now(), modified_at timestamptz DEFAULT now(),
    PRIMARY KEY (table_name, column_name));
INSERT INTO __dibs_tables (table_name, source_file, source_line, doc_comment, created_by_migration)
VALUES ('customers', 'db/schema.sql', 2, 'People who buy things', '20260110_initial');
INSERT INTO __dibs_columns (table_name, column_name, source_file, source_line, source_column,
                            created_by_migration, modified_by_migration)
VALUES ('customers', 'id', 'db/schema.sql', 3, 5, '20260110_initial', NULL),
       ('customers', 'name', 'db/schema.sql', 4, 5, '20260110_initial', '20260117_rename-name');
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "schema.sql").write_text(
        "-- People who buy things\nCREATE TABLE customers (\n    id bigint PRIMARY KEY,\n"
        "    name text NOT NULL,\n    email text UNIQUE\n);\n"
    )
    return tmp_path


def fake_editor(tmp_path: Path, name: str = "fake-editor") -> tuple[Path, Path]:
    """An executable that records its argv, one argument a line (a real process, not a mock)."""
    record = tmp_path / "argv.txt"
    (tmp_path / "bin").mkdir(exist_ok=True)
    script = tmp_path / "bin" / name
    script.write_text(
        f"#!{sys.executable}\nimport sys\nopen({str(record)!r}, 'w').write('\\n'.join(sys.argv[1:]))\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script, record


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
