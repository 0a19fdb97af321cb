"""The Tables pane's rows by name, folds and all, and the cursor put on any table by `select` (go-to): the whole
list is copied from the listing's order schema by schema and a table's row is worked out from its place there,
so both are checked against the rows grouped here, from pg_catalog's names in list order."""

from __future__ import annotations

from dibs_tui.core.model import Relation
from dibs_tui.ui.widgets.table_list import SchemaRow, TableList
from tests.pg import execute, fetch
from tests.ui_pilot import loaded, make_app, wait_for

SCHEMAS = """
CREATE SCHEMA "B";
CREATE SCHEMA a;
CREATE SCHEMA zz;
CREATE TABLE a."Upper" (id int);
CREATE TABLE a.lower (id int);
CREATE TABLE a._under (id int);
CREATE TABLE a."with space" (id int);
CREATE TABLE a.parted (id int) PARTITION BY RANGE (id);
CREATE TABLE a.parted_1 PARTITION OF a.parted FOR VALUES FROM (0) TO (10);
CREATE VIEW a.v AS SELECT 1 AS one;
CREATE TABLE "B".t (id int);
CREATE TABLE zz.only (id int);
CREATE TABLE public.p1 (id int);
CREATE TABLE public.p2 (id int);
"""


def _expected(
    names: list[tuple[str, str]], folded: set[str], hidden: frozenset[tuple[str, str]] = frozenset()
) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for schema in sorted({s for s, _ in names}):
        rows.append(("schema", schema))
        if schema not in folded:
            rows += [(schema, name) for s, name in names if s == schema and (s, name) not in hidden]
    return rows


def _rows(table_list: TableList) -> list[tuple[str, ...]]:
    return [("schema", r.schema) if isinstance(r, SchemaRow) else r.key for r in table_list.rows]


async def test_whole_list_rows_and_select_agree_with_the_names_grouped_by_schema(db: str) -> None:
    await execute(db, SCHEMAS)
    listed = await fetch(
        db,
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p', 'v') AND n.nspname IN ('a', 'B', 'zz', 'public') "
        'ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C"',
    )
    names = [(row[0], row[1]) for row in listed]
    async with make_app(db).run_test(size=(120, 36)) as pilot:
        app = await loaded(pilot)
        pane = app.tables_pane
        table_list = pane.table_list
        # a.parted_1 is folded under a.parted until a key or a go-to shows it
        assert _rows(table_list) == _expected(names, set(), frozenset({("a", "parted_1")}))
        for key in reversed(names):  # every table, from wherever the cursor was
            assert pane.select(key)
            current = table_list.current()
            assert isinstance(current, Relation) and current.key == key
        table_list.move_cursor(0)
        await pilot.press("space")  # fold "B"
        await wait_for(pilot, lambda: "B" in pane.collapsed)
        assert _rows(table_list) == _expected(names, {"B"})
        for key in names:  # a table in the folded schema unfolds it
            assert pane.select(key)
            current = table_list.current()
            assert isinstance(current, Relation) and current.key == key
        assert _rows(table_list) == _expected(names, set())


async def test_names_only_listing_finds_each_relation_by_its_key_as_the_catalogs_index_does(db: str) -> None:
    """The names listed while the full catalog loads keep no dict of keys: every listed relation is found in
    the list's order (names that sort apart in Python and in the server, a partition beside its parent), and
    a name not listed is not."""
    import asyncpg

    from dibs_tui.core.introspect.read import list_relations
    from dibs_tui.ui.listing import Listing

    await execute(db, SCHEMAS)
    conn = await asyncpg.connect(db)
    try:
        listed = await list_relations(conn)
    finally:
        await conn.close()
    names_only = Listing(listed, names_only=True)
    for relation in listed.relations:
        assert names_only.relation(relation.key) is listed.relation(*relation.key) is relation
    for missing in [("a", "nope"), ("nope", "t"), ("a", "upper"), ("B", "T"), ("zz", "onl"), ("zz", "onlyy")]:
        assert names_only.relation(missing) is None


PARTITIONED = """
CREATE TABLE m (id int, d date) PARTITION BY RANGE (d);
CREATE TABLE m_2020 PARTITION OF m FOR VALUES FROM ('2020-01-01') TO ('2021-01-01') PARTITION BY LIST (id);
CREATE TABLE m_2020_a PARTITION OF m_2020 FOR VALUES IN (1);
CREATE TABLE m_2020_b PARTITION OF m_2020 FOR VALUES IN (2);
CREATE TABLE m_2021 PARTITION OF m FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
CREATE TABLE m_x (id int);
CREATE TABLE ma (id int);
CREATE SCHEMA other;
CREATE TABLE other.m_2022 PARTITION OF public.m FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
INSERT INTO m VALUES (1, '2020-05-01'), (2, '2020-06-01'), (3, '2021-02-01');
"""


async def test_partitions_fold_under_their_table_and_unfold_by_key_and_by_go_to(db: str) -> None:
    """A table partitioned by day listed its thousands of partitions between the tables. They are folded
    under it (a sub-partitioned partition's under that one), right / left unfold and fold them, a go-to to a
    folded partition unfolds what holds it, and each row's place agrees with the pane's worked-out index. A
    partition in another schema is listed at that schema's top."""
    await execute(db, PARTITIONED)
    async with make_app(db).run_test(size=(120, 36)) as pilot:
        app = await loaded(pilot)
        pane = app.tables_pane
        table_list = pane.table_list
        table_list.focus()

        def shown() -> list[tuple[str, ...]]:
            rows = _rows(table_list)
            for index, row in enumerate(rows):  # the index worked out from the listing's order agrees
                if row[0] != "schema":
                    assert pane._index_of((row[0], row[1])) == index
            return rows

        def text(key: tuple[str, str]) -> str:
            index = next(i for i, r in enumerate(table_list.rows) if isinstance(r, Relation) and r.key == key)
            return table_list.row_content(index).plain

        folded = [("schema", "other"), ("other", "m_2022"), ("schema", "public")]
        assert shown() == [*folded, ("public", "m"), ("public", "m_x"), ("public", "ma")]
        assert pane._index_of(("public", "m_2020")) is None
        assert text(("public", "m")).startswith(" ▸◫ m ") and text(("public", "m_x")).startswith("  ▤ m_x")
        assert text(("other", "m_2022")).startswith("  ⊟ m_2022")

        assert pane.select(("public", "m"))
        await pilot.press("right")
        await wait_for(pilot, lambda: ("public", "m_2021") in shown())
        assert shown() == [
            *folded,
            ("public", "m"),
            ("public", "m_2020"),
            ("public", "m_2021"),
            ("public", "m_x"),
            ("public", "ma"),
        ]
        assert text(("public", "m")).startswith(" ▾◫ m ")
        assert text(("public", "m_2020")).startswith(" ▸  ⊟ m_2020") and text(
            ("public", "m_2021")
        ).startswith("    ⊟ m_2021")

        await pilot.press("down", "right")  # m_2020's own partitions
        await wait_for(pilot, lambda: ("public", "m_2020_a") in shown())
        await pilot.press("down", "left")  # from m_2020_a: its parent folds, the cursor on it
        await wait_for(pilot, lambda: ("public", "m_2020_a") not in shown())
        current = table_list.current()
        assert isinstance(current, Relation) and current.key == ("public", "m_2020")
        await pilot.press("left")  # from m_2020, folded: m folds
        await wait_for(pilot, lambda: ("public", "m_2020") not in shown())
        current = table_list.current()
        assert isinstance(current, Relation) and current.key == ("public", "m")

        assert pane.select(("public", "m_2020_b"))  # go-to: m and m_2020 unfold
        current = table_list.current()
        assert isinstance(current, Relation) and current.key == ("public", "m_2020_b")
        assert ("public", "m_2020_a") in shown() and text(("public", "m_2020_b")).startswith(
            "      ⊟ m_2020_b"
        )


async def test_minus_folds_every_schema_and_plus_unfolds_them(db: str) -> None:
    """A schema per tenant: thousands of schemas of the same few tables. `-` lists the schemas alone, the
    cursor on its table's schema; `+` lists every table again, the cursor back on that table."""
    await execute(
        db,
        "".join(
            f"CREATE SCHEMA t{i}; CREATE TABLE t{i}.users (id int); CREATE TABLE t{i}.orders (id int);"
            for i in range(30)
        ),
    )
    async with make_app(db).run_test(size=(120, 36)) as pilot:
        app = await loaded(pilot)
        pane = app.tables_pane
        table_list = pane.table_list
        table_list.focus()
        assert pane.select(("t12", "users"))
        await pilot.press("minus")
        await wait_for(pilot, lambda: len(table_list.rows) == 30)  # t0 ... t29
        assert all(isinstance(row, SchemaRow) and row.collapsed for row in table_list.rows)
        current = table_list.current()
        assert isinstance(current, SchemaRow) and current.schema == "t12"
        await pilot.press("down", "enter")  # t13 unfolds alone
        await wait_for(pilot, lambda: len(table_list.rows) == 32)
        await pilot.press("up", "plus")
        await wait_for(pilot, lambda: not pane.collapsed)
        assert len(table_list.rows) == 30 + 60


async def test_a_partition_chosen_in_a_filtered_list_stays_in_view_when_the_filter_is_cleared(
    db: str,
) -> None:
    await execute(db, PARTITIONED)
    async with make_app(db).run_test(size=(120, 36)) as pilot:
        app = await loaded(pilot)
        pane = app.tables_pane
        table_list = pane.table_list
        await pilot.press("slash", *"m_2020_b", "enter")
        await wait_for(pilot, lambda: pane._matches is not None)
        current = table_list.current()
        assert isinstance(current, Relation) and current.key == ("public", "m_2020_b")
        table_list.focus()
        await pilot.press("escape")  # the filter cleared: the list whole, folded, but not over the choice
        await wait_for(pilot, lambda: pane._matches is None)
        current = table_list.current()
        assert isinstance(current, Relation) and current.key == ("public", "m_2020_b")
        assert ("public", "m_2021") in _rows(table_list)  # m unfolded on the way
