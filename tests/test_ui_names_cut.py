"""What the browser says of a relation at 80x24, read as a DBA reads it: two tables alike by name (a quarter's
archive, a partition) stay told apart where a name is cut, a type keeps what it is, and a view is not called a
table."""

from __future__ import annotations

from typing import Any

from textual.containers import Vertical
from textual.pilot import Pilot
from textual.widgets import RadioButton, Static

from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.explorer.export_screen import ExportScreen
from dibs_tui.ui.explorer.neighbourhood_screen import NeighbourhoodScreen
from dibs_tui.ui.widgets.table_card import ColumnList
from tests.pg import execute
from tests.ui_pilot import goto, loaded, make_app, rendered, wait_for

ALIKE = """
CREATE TABLE customer_payment_history_archive_partition_2024_q1 (id int PRIMARY KEY);
CREATE TABLE customer_payment_history_archive_partition_2024_q2 (id int PRIMARY KEY);
CREATE TABLE refs (id int PRIMARY KEY,
    q1_id int REFERENCES customer_payment_history_archive_partition_2024_q1,
    q2_id int REFERENCES customer_payment_history_archive_partition_2024_q2);
CREATE VIEW refs_view AS SELECT id FROM refs;
"""


def text_of(widget: object) -> list[str]:
    return ["".join(text for text, _ in line) for line in rendered(widget)]  # type: ignore[arg-type]


async def test_a_foreign_keys_target_too_long_for_the_card_is_cut_in_its_middle(db: str) -> None:
    """Both keys of refs said `→ customer_payment_history_a…`: cut at its end, the target lost the quarter
    that tells the two tables apart (and the referenced column)."""
    await execute(db, ALIKE)
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "refs")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "refs")
        lines = text_of(app.query_one(ColumnList))
        q1 = next(line for line in lines if "q1_id" in line)
        q2 = next(line for line in lines if "q2_id" in line)
        assert "→ customer_pay" in q1 and "…" in q1 and q1.rstrip().endswith("2024_q1.id"), q1
        assert q2.rstrip().endswith("2024_q2.id"), q2


async def _neighbourhood_shown(pilot: Pilot[Any], app: DibsApp) -> str:
    """The neighbourhood view (`n`) of the selected table, once drawn, as text."""
    await pilot.press("n")
    screen = app.screen
    assert isinstance(screen, NeighbourhoodScreen)
    await wait_for(pilot, lambda: screen.view.drawing is not None)
    await pilot.pause()
    return "\n".join(text_of(screen.view))


async def test_neighbourhood_boxes_cut_table_names_in_their_middle(db: str) -> None:
    """The two boxes right of refs both read `public.customer_payment_history_…`: which is which was lost.
    (The schema they share with refs is no longer said.)"""
    await execute(db, ALIKE)
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "refs")
        shown = await _neighbourhood_shown(pilot, app)
        assert "…artition_2024_q1│" in shown and "…artition_2024_q2│" in shown, shown
        assert "│customer_pay" in shown, shown


async def test_neighbourhood_boxes_name_tables_of_the_centres_schema_without_it(db: str) -> None:
    """In MusicBrainz (one schema, `musicbrainz`) every box at 80x24 read `musicbrai…ive_medium`,
    `musicbrai…ve_release`: the schema every box shares took half of each name. A table of another schema
    keeps its schema."""
    await execute(
        db,
        """
        CREATE SCHEMA musicbrainz;
        CREATE TABLE musicbrainz.alternative_release_type (id int PRIMARY KEY);
        CREATE TABLE musicbrainz.alternative_release (
            id int PRIMARY KEY, type int REFERENCES musicbrainz.alternative_release_type);
        CREATE TABLE musicbrainz.alternative_medium (
            id int PRIMARY KEY, alternative_release int REFERENCES musicbrainz.alternative_release);
        CREATE TABLE public.audit_trail (id int PRIMARY KEY, rel int REFERENCES musicbrainz.alternative_release);
        """,
    )
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "alternative_release")
        shown = await _neighbourhood_shown(pilot, app)
        assert "│alternative_release " in shown and "│alternative_medium " in shown, shown
        assert "│alternati…lease_type│" in shown, shown  # cut in its middle still, but not for the schema
        assert "│public.audit_trail " in shown, shown


async def test_details_title_names_a_views_kind(db: str) -> None:
    """A view's Details were titled `Details · table`."""
    await execute(db, ALIKE)
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        details = app.query_one("#details", Vertical)
        await goto(pilot, "refs_view")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "refs_view")
        await wait_for(pilot, lambda: str(details.border_title) == "Details · view")
        await goto(pilot, "refs")
        await wait_for(pilot, lambda: str(details.border_title) == "Details · table")


LONG_NAMES = """
CREATE TABLE invoices (
    id uuid PRIMARY KEY,
    an_exceptionally_long_column_name_for_tax int,
    created_at timestamp(6) with time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL,
    code character varying(255)
);
"""


async def test_a_narrow_card_keeps_each_columns_type_readable(db: str) -> None:
    """At 80x24 a 28-cell name column left `timestamp(6…` of a type: with time zone or without was lost,
    and the length of a varchar. The name takes half the row at most (cut in its middle) and a type too long
    for the row is written with PostgreSQL's short alias; a wide card still writes the long spelling."""
    await execute(db, LONG_NAMES)
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "invoices")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "invoices")
        lines = text_of(app.query_one(ColumnList))
        assert any("timestamptz(6) NOT" in line for line in lines), lines
        assert any("created_at" not in line and "timestamp(6) NOT" in line for line in lines), lines
        assert any(line.rstrip().endswith(("varchar(255)", "character varying(255)")) for line in lines), (
            lines
        )
        assert any("an_excepti" in line and "…" in line and "for_tax integer" in line for line in lines), (
            lines
        )
        await pilot.resize_terminal(200, 45)
        await pilot.pause()
        await wait_for(pilot, lambda: any("with time zone" in line for line in text_of(app.card.column_list)))
        lines = text_of(app.card.column_list)
        assert any("timestamp(6) without time zone NOT NULL" in line for line in lines), lines
        assert any("character varying(255)" in line for line in lines), lines


async def test_the_export_dialogs_depths_stay_told_apart_around_a_long_name(db: str) -> None:
    """At 80x24 the three scopes around refs' q1 table read `around public.customer_payment_history_a…`:
    the depth, written after the name, was cut off every one of them."""
    await execute(db, ALIKE)
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "customer_payment_history_archive_partition_2024_q1")
        await wait_for(
            pilot, lambda: app.card.relation is not None and app.card.relation.name.endswith("_q1")
        )
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        await pilot.pause()
        drawn = ["".join(text_of(b)[0]).strip() for b in screen.query_one("#export-scope").query(RadioButton)]
        assert [line[4:34] for line in drawn[1:]] == [
            f"depth {depth} around public.customer" for depth in (1, 2, 3)
        ], drawn


async def test_column_details_say_each_fact_once(db: str) -> None:
    """A serial primary key's Details said `null NOT NULL`, `default nextval(...)` and then `flags PK DEFAULT
    nextval(...)`; a NOT NULL column `null NOT NULL` and `flags NOT NULL`. The flags line keeps PK and
    UNIQUE, which no other line says."""
    await execute(
        db, "CREATE TABLE things (id serial PRIMARY KEY, code text NOT NULL UNIQUE, note text NOT NULL);"
    )
    async with make_app(db).run_test(size=(120, 36)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "things")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "things")
        await pilot.press("l")
        shown: dict[str, list[str]] = {}
        for column in ("id", "code", "note"):
            await wait_for(pilot, lambda c=column: app.details_ref is not None and app.details_ref.sub == c)
            await pilot.pause()
            shown[column] = [" ".join(line.split()) for line in text_of(app.details)]
            await pilot.press("j")
        assert "flags PK" in shown["id"] and sum("nextval" in line for line in shown["id"]) == 1, shown
        assert "flags UNIQUE" in shown["code"] and "null NOT NULL" in shown["code"], shown
        assert not any(line.startswith("flags") for line in shown["note"]), shown


async def test_a_card_row_ends_with_one_cut_not_two(db: str) -> None:
    """With its `:line` column the demo's issues card read `project_id bigint NOT NULL → pro…… :120`: the
    target cut in its middle to a floor wider than the row had, then the row cut again at its end."""
    await execute(
        db,
        "CREATE TABLE projects (id int PRIMARY KEY);"
        "CREATE TABLE issues (id int PRIMARY KEY, a_long_column1 int NOT NULL REFERENCES projects,"
        " another_column int NOT NULL REFERENCES projects);"
        "COMMENT ON COLUMN issues.another_column IS 'Who owns it';",
    )
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "issues")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "issues")
        rows = [line for line in text_of(app.query_one(ColumnList)) if "_column" in line]
        assert len(rows) == 2 and all(row.count("…") <= 1 for row in rows), rows
        assert all("→ p" in row for row in rows), rows


async def test_the_cards_title_cuts_a_long_name_in_its_middle_and_again_on_resize(db: str) -> None:
    """At 80x24 the card of `customer_payment_history_archive_partition_2024_q1` was titled
    `customer_payment_history_archive_partition_…`: Textual cut the title at its end, and the quarter went."""
    await execute(db, ALIKE)
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "customer_payment_history_archive_partition_2024_q1")
        await wait_for(
            pilot, lambda: app.card.relation is not None and app.card.relation.name.endswith("_q1")
        )
        title = str(app.card.border_title)
        assert title.startswith("customer_pay") and "…" in title and title.endswith("partition_2024_q1"), (
            title
        )
        assert len(title) <= app.card.size.width - 4
        await pilot.resize_terminal(200, 45)
        name = "customer_payment_history_archive_partition_2024_q1"
        await wait_for(pilot, lambda: str(app.card.border_title) == name)


async def test_a_key_column_with_a_default_keeps_its_target_on_a_narrow_card(db: str) -> None:
    """At 80x24 `status_id integer NOT NULL DEFAULT 1 → …` left one cell of its target: the default, written
    before the arrow, took the row. The target goes first now (cut in its middle if it must), the default
    cut or left to the Details; a column with room keeps both."""
    await execute(
        db,
        "CREATE TABLE order_fulfilment_statuses (id int PRIMARY KEY); CREATE TABLE units (id int PRIMARY KEY);"
        "CREATE TABLE shipments (id int PRIMARY KEY,"
        " status_id int NOT NULL DEFAULT 1 REFERENCES order_fulfilment_statuses,"
        " unit_id int DEFAULT 1 REFERENCES units);",
    )
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "shipments")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "shipments")
        lines = text_of(app.query_one(ColumnList))
        status = next(line for line in lines if "status_id" in line)
        assert "→ order" in status and status.rstrip().endswith("tuses.id"), status
        short = next(line for line in lines if "unit_id" in line)
        assert "integer DEFAULT 1 → units.id" in short, short
        await pilot.resize_terminal(200, 45)
        await wait_for(
            pilot,
            lambda: any(
                "NOT NULL DEFAULT 1 → order_fulfilment_statuses.id" in line
                for line in text_of(app.card.column_list)
            ),
        )


async def test_a_partitions_card_keeps_its_column_count_at_80_columns(db: str) -> None:
    """At 80x24 a partition's facts read `public  partition of public.measurements_by_region · rows…`: the
    header cut the line at its end and the column count went. The parent's name is cut in its middle now, or
    left to the Details where the card has no room for it, and the line is drawn again for the card's width.
    The Details' heading names the partition before its parent, as CREATE TABLE ... PARTITION OF reads."""
    await execute(
        db,
        "CREATE TABLE measurements_by_region (id int, region text, taken_at timestamptz)"
        " PARTITION BY LIST (region);"
        "CREATE TABLE measurements_by_region_emea PARTITION OF measurements_by_region FOR VALUES IN ('emea');",
    )
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "measurements_by_region_emea")
        await wait_for(
            pilot, lambda: app.card.relation is not None and app.card.relation.name.endswith("emea")
        )
        await pilot.pause()
        header = app.query_one("#card-header", Static)

        def facts() -> str:
            return next(line for line in str(header.render()).splitlines() if line.startswith("public  "))

        assert facts().endswith(" · rows unknown · 3 columns"), facts()
        assert len(facts()) <= header.size.width, (facts(), header.size)  # not cut again at its end
        # The Details' heading named the parent first and cut the partition's own name off the pane
        await wait_for(pilot, lambda: bool(app.details.lines))
        heading = text_of(app.details)[:2]
        assert heading[0].strip() == "PARTITION public.measurements_by_region_emea", (
            heading
        )  # its parent wraps
        assert heading[1].strip() == "OF public.measurements_by_region", heading
        await pilot.resize_terminal(200, 45)
        whole = "public  partition of public.measurements_by_region · rows unknown · 3 columns"
        await wait_for(pilot, lambda: facts() == whole)


def test_a_detail_with_no_room_for_a_readable_part_is_left_out_not_cut_to_a_stub() -> None:
    """A long foreign key's change beside its name in the Diff list showed `……` (two cells of detail and the
    cut's own): a detail that gets fewer than a handful of cells goes, the name stays whole; with room, it is cut
    at its end."""
    from textual.content import Content

    from dibs_tui.ui.widgets.mark_list import fitted_row

    row = fitted_row(
        Content("  ~ foreign key "),
        Content("issues_reporter_id_fkey"),
        Content("  REFERENCES public.users(id) ON DELETE SET NULL -> REFERENCES public.users(id)"),
        Content(""),
    )
    tight = row.fit(len("  ~ foreign key issues_reporter_id_fkey") + 5).plain
    assert tight == "  ~ foreign key issues_reporter_id_fkey", tight
    roomy = row.fit(len("  ~ foreign key issues_reporter_id_fkey") + 20).plain
    assert roomy.startswith("  ~ foreign key issues_reporter_id_fkey  REFERENCES") and roomy.endswith("…"), (
        roomy
    )


async def test_the_column_finder_cuts_a_long_path_in_its_middle_and_keeps_its_type(db: str) -> None:
    """At 80x24 `c` listed `public.customer_payment_history_archive_partition_2024_q1.an_exceptionally_lo…`:
    the column's end and its type were cut off at the edge."""
    from dibs_tui.ui.screens.finder import FinderScreen, ResultList

    await execute(
        db,
        "CREATE TABLE customer_payment_history_archive_partition_2024_q1"
        " (id int PRIMARY KEY, an_exceptionally_long_column_name_for_tax_rate numeric(12,4));",
    )
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, FinderScreen))
        await pilot.press(*"tax_rate")
        results = pilot.app.screen.query_one(ResultList)
        await wait_for(pilot, lambda: results.row_count == 1)
        await pilot.pause()
        row = text_of(results)[0].rstrip()
        assert row.endswith("for_tax_rate numeric(12,4)") and "public.customer" in row and "…" in row, row


async def test_a_table_never_analysed_says_so_within_the_details_at_80_columns(db: str) -> None:
    """Every table of a schema just loaded read `rows      not estimated yet: never analysed (A` at 80x24, what
    would estimate it past the pane's edge."""
    await execute(db, "CREATE TABLE fresh (id int PRIMARY KEY)")
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "fresh")
        await wait_for(
            pilot, lambda: any(line.content.plain.startswith("rows") for line in app.details.lines)
        )
        await pilot.pause()
        said = next(line.content.plain for line in app.details.lines if line.content.plain.startswith("rows"))
        assert "never analysed" in said and "ANALYZE" in said, said
        assert any(said in line for line in text_of(app.details)), text_of(app.details)  # drawn whole
