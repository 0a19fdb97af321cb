"""What a DELETE or a TRUNCATE ... CASCADE does to other tables' rows, counted on live data and checked against
what PostgreSQL 18 then does: the rows ON DELETE CASCADE removes (transitively), the rows ON DELETE SET NULL
changes, the rows a NO ACTION key still references further down (the server refuses), the tables a TRUNCATE ...
CASCADE empties."""

from __future__ import annotations

import re

import asyncpg
import pytest

from dibs_tui.core.review import count_cascades
from dibs_tui.core.review.report import Hazard
from tests.pg import execute, fetch
from tests.test_review_counts import FAILS, LOSS, counted, review, runs

# parent 1..4; child rows of parents 1, 2 (CASCADE); grandchild rows of child rows (CASCADE); note rows of
# parents 1, 3 (SET NULL); a grandchild of parent 4 only
TREE = (
    "CREATE TABLE parent (id int PRIMARY KEY, old bool);"
    "INSERT INTO parent VALUES (1, true), (2, true), (3, false), (4, false);"
    "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent ON DELETE CASCADE);"
    "INSERT INTO child VALUES (10, 1), (11, 1), (12, 2), (13, 4);"
    "CREATE TABLE grandchild (id int PRIMARY KEY, child_id int REFERENCES child ON DELETE CASCADE);"
    "INSERT INTO grandchild VALUES (100, 10), (101, 10), (102, 12), (103, 13);"
    "CREATE TABLE note (id int PRIMARY KEY, parent_id int REFERENCES parent ON DELETE SET NULL);"
    "INSERT INTO note VALUES (1000, 1), (1001, 3), (1002, NULL);"
)


def messages(hazards: list[Hazard]) -> list[str]:
    return sorted(h.message for h in hazards)


async def counts_of(dsn: str) -> dict[str, int]:
    rows = await fetch(
        dsn,
        "SELECT 'child' AS t, count(*) FROM child UNION ALL SELECT 'grandchild', count(*) FROM grandchild "
        "UNION ALL SELECT 'note_null', count(*) FROM note WHERE parent_id IS NULL",
    )
    return {r[0]: int(r[1]) for r in rows}


async def test_a_delete_counts_the_rows_cascades_remove_and_set_null_changes(db: str) -> None:
    await execute(db, TREE)
    sql = "DELETE FROM parent WHERE old"
    result = await review(db, sql)
    assert messages(counted(result, LOSS)) == [
        "deletes 2 rows of parent (e.g. (id)=(1))",
        "the DELETE also removes 3 rows of child (child_parent_id_fkey, ON DELETE CASCADE) (e.g. (id)=(10))",
        "the DELETE also removes 3 rows of grandchild (grandchild_child_id_fkey, ON DELETE CASCADE) "
        "(e.g. (id)=(100))",
        "the DELETE sets note.parent_id to NULL in 1 row (note_parent_id_fkey, ON DELETE SET NULL) "
        "(e.g. (id)=(1000))",
    ], result.to_text()
    assert counted(result, FAILS) == []
    before = await counts_of(db)
    assert await runs(db, sql)
    after = await counts_of(db)
    assert before["child"] - after["child"] == 3
    assert before["grandchild"] - after["grandchild"] == 3
    assert after["note_null"] - before["note_null"] == 1


async def test_a_delete_without_where_counts_every_referencing_row(db: str) -> None:
    await execute(db, TREE)
    result = await review(db, "DELETE FROM parent")
    by_table = {
        h.message.split(" of ")[1].split(" ")[0]: h.count
        for h in counted(result, LOSS)
        if "also" in h.message
    }
    assert by_table == {"child": 4, "grandchild": 4}, result.to_text()


async def test_a_no_action_key_below_a_cascade_makes_the_delete_fail(db: str) -> None:
    await execute(
        db,
        TREE
        + "CREATE TABLE pin (id int PRIMARY KEY, child_id int REFERENCES child); INSERT INTO pin VALUES (1, 12);",
    )
    sql = "DELETE FROM parent WHERE id = 2"
    result = await review(db, sql)
    [fails] = counted(result, FAILS)
    assert fails.message == (
        "1 row of pin still references rows the DELETE removes through ON DELETE CASCADE "
        "(pin_child_id_fkey, ON DELETE NO ACTION): the DELETE fails (e.g. (id)=(1))"
    ), result.to_text()
    assert not await runs(db, sql)
    assert counted(await review(db, "DELETE FROM parent WHERE id = 1"), FAILS) == []
    assert await runs(db, "DELETE FROM parent WHERE id = 1")


async def removed_by(dsn: str, sql: str, tables: list[str]) -> dict[str, int]:
    """The rows `sql` really removes from each of `tables`: run in a transaction rolled back."""
    conn = await asyncpg.connect(dsn)
    try:
        counts = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t}) AS {t}" for t in tables)
        tx = conn.transaction()
        await tx.start()
        before = await conn.fetchrow(counts)
        await conn.execute(sql)
        after = await conn.fetchrow(counts)
        await tx.rollback()
    finally:
        await conn.close()
    return {t: before[t] - after[t] for t in tables}


# A comment tree: 1 -> 2 -> 3 -> 4, 2 -> 5, 6 alone; votes on comments 3, 4 and 6; flags (SET NULL) on 5 and 6
COMMENTS = (
    "CREATE TABLE comments (id int PRIMARY KEY, parent_id int REFERENCES comments ON DELETE CASCADE);"
    "INSERT INTO comments VALUES (1, NULL), (2, 1), (3, 2), (4, 3), (5, 2), (6, NULL);"
    "CREATE TABLE votes (id int PRIMARY KEY, comment_id int REFERENCES comments ON DELETE CASCADE);"
    "INSERT INTO votes VALUES (1, 3), (2, 4), (3, 6);"
    "CREATE TABLE flags (id int PRIMARY KEY, comment_id int REFERENCES comments ON DELETE SET NULL);"
    "INSERT INTO flags VALUES (1, 5), (2, 6);"
)


async def test_a_self_referencing_cascade_is_counted_recursively(db: str) -> None:
    await execute(db, COMMENTS)
    sql = "DELETE FROM comments WHERE id = 1"
    result = await review(db, sql)
    assert messages(counted(result, LOSS)) == [
        "deletes 1 row of comments (e.g. (id)=(1))",
        "the DELETE also removes 2 rows of votes (votes_comment_id_fkey, ON DELETE CASCADE, recursively) "
        "(e.g. (id)=(1))",
        "the DELETE also removes 4 rows of comments (comments_parent_id_fkey, ON DELETE CASCADE, "
        "recursively) (e.g. (id)=(2))",
        "the DELETE sets flags.comment_id to NULL in 1 row (flags_comment_id_fkey, ON DELETE SET NULL) "
        "(e.g. (id)=(1))",
    ], result.to_text()
    assert await removed_by(db, sql, ["comments", "votes"]) == {"comments": 5, "votes": 2}
    # A subtree: comment 3 takes 4 with it, and 4's vote
    sub = await review(db, "DELETE FROM comments WHERE id = 3")
    assert sorted((h.message.split(" (")[0], h.count) for h in counted(sub, LOSS) if "also" in h.message) == [
        ("the DELETE also removes 1 row of comments", 1),
        ("the DELETE also removes 2 rows of votes", 2),
    ], sub.to_text()
    assert await removed_by(db, "DELETE FROM comments WHERE id = 3", ["comments", "votes"]) == {
        "comments": 2,
        "votes": 2,
    }


async def test_a_cycle_of_cascading_keys_is_counted_and_ends(db: str) -> None:
    """a -> b -> c -> a, each ON DELETE CASCADE: a1's removal reaches a2 through c1; a3's comes back to a3
    (a cycle of rows). The count ends and equals what the DELETE removes."""
    await execute(
        db,
        "CREATE TABLE a (id int PRIMARY KEY, c_id int); CREATE TABLE b (id int PRIMARY KEY, "
        "a_id int REFERENCES a ON DELETE CASCADE); CREATE TABLE c (id int PRIMARY KEY, "
        "b_id int REFERENCES b ON DELETE CASCADE);"
        "INSERT INTO a VALUES (1, NULL), (2, 1), (3, 3); INSERT INTO b VALUES (1, 1), (2, 2), (3, 3);"
        "INSERT INTO c VALUES (1, 1), (2, 2), (3, 3);"
        "ALTER TABLE a ADD FOREIGN KEY (c_id) REFERENCES c ON DELETE CASCADE;"
        "CREATE TABLE pin (id int PRIMARY KEY, c_id int REFERENCES c); INSERT INTO pin VALUES (1, 2);",
    )
    sql = "DELETE FROM a WHERE id = 1"
    result = await review(db, sql)
    also = sorted((h.message.split(" (")[0], h.count) for h in counted(result, LOSS) if "also" in h.message)
    assert also == [
        ("the DELETE also removes 1 row of a", 1),
        ("the DELETE also removes 2 rows of b", 2),
        ("the DELETE also removes 2 rows of c", 2),
    ], result.to_text()
    [fails] = counted(result, FAILS)
    assert fails.message == (
        "1 row of pin still references rows the DELETE removes through ON DELETE CASCADE, recursively "
        "(pin_c_id_fkey, ON DELETE NO ACTION): the DELETE fails (e.g. (id)=(1))"
    )
    assert not await runs(db, sql)
    await execute(db, "DELETE FROM pin")
    assert counted(await review(db, sql), FAILS) == []
    assert await removed_by(db, sql, ["a", "b", "c"]) == {"a": 2, "b": 2, "c": 2}
    looped = await review(db, "DELETE FROM a WHERE id = 3")
    assert sorted(h.count for h in counted(looped, LOSS) if "also" in h.message) == [1, 1], looped.to_text()
    assert await removed_by(db, "DELETE FROM a WHERE id = 3", ["a", "b", "c"]) == {"a": 1, "b": 1, "c": 1}


async def test_a_cycle_below_the_table_named_is_counted_in_full(db: str) -> None:
    """r -> b -> c -> b: the cycle does not pass through the table the DELETE names (the levels of EXISTS the
    acyclic count nests stopped at MAX_DEPTH and missed the rest of the chain)."""
    await execute(
        db,
        "CREATE TABLE r (id int PRIMARY KEY); INSERT INTO r VALUES (1), (2);"
        "CREATE TABLE b (id int PRIMARY KEY, r_id int REFERENCES r ON DELETE CASCADE, c_id int);"
        "CREATE TABLE c (id int PRIMARY KEY, b_id int REFERENCES b ON DELETE CASCADE);"
        "INSERT INTO b SELECT i, CASE WHEN i = 1 THEN 1 END, NULL FROM generate_series(1, 12) i;"
        "INSERT INTO c SELECT i, i FROM generate_series(1, 12) i;"
        "UPDATE b SET c_id = id - 1 WHERE id > 1;"
        "ALTER TABLE b ADD FOREIGN KEY (c_id) REFERENCES c ON DELETE CASCADE;",
    )
    sql = "DELETE FROM r WHERE id = 1"
    result = await review(db, sql)
    also = sorted((h.message.split(" (")[0], h.count) for h in counted(result, LOSS) if "also" in h.message)
    assert also == [
        ("the DELETE also removes 12 rows of b", 12),
        ("the DELETE also removes 12 rows of c", 12),
    ], result.to_text()
    assert await removed_by(db, sql, ["b", "c"]) == {"b": 12, "c": 12}


async def test_a_tree_in_a_partitioned_table_is_counted_across_its_partitions(db: str) -> None:
    """Rows are named by partition and ctid: the same ctid in two partitions is two rows."""
    await execute(
        db,
        "CREATE TABLE pt (id int PRIMARY KEY, up int REFERENCES pt ON DELETE CASCADE) PARTITION BY RANGE (id);"
        "CREATE TABLE pt1 PARTITION OF pt FOR VALUES FROM (0) TO (100);"
        "CREATE TABLE pt2 PARTITION OF pt FOR VALUES FROM (100) TO (200);"
        "INSERT INTO pt VALUES (1, NULL), (101, 1), (2, 101), (102, 2), (103, NULL), (3, 103);",
    )
    sql = "DELETE FROM pt WHERE id = 1"
    result = await review(db, sql)
    [also] = [h for h in counted(result, LOSS) if "also removes" in h.message]
    assert also.count == 3 and "(pt_up_fkey, ON DELETE CASCADE, recursively)" in also.message, result.to_text()
    assert await removed_by(db, sql, ["pt"]) == {"pt": 4}


async def test_a_recursive_count_on_a_large_table_is_sampled_and_said_so(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the sampling threshold the root's rows are read through a sample and every figure scaled from it."""
    from dibs_tui.core.review import count_recursive

    await execute(
        db,
        "CREATE TABLE node (id int PRIMARY KEY, up int REFERENCES node ON DELETE CASCADE);"
        "INSERT INTO node SELECT i, NULL FROM generate_series(1, 2000) i;"
        "INSERT INTO node SELECT i + 2000, i FROM generate_series(1, 2000) i; ANALYZE node;",
    )
    monkeypatch.setattr(count_recursive, "SAMPLE_ABOVE_BYTES", 0)
    result = await review(db, "DELETE FROM node WHERE id <= 2000")
    [also] = [h for h in counted(result, LOSS) if "also removes" in h.message]
    assert also.estimated_from and "estimated from" in also.message, result.to_text()
    assert also.count and 1000 <= also.count <= 3000  # 2,000 exactly; a block sample scales its share


async def test_a_sampled_recursive_count_leaves_out_the_rows_the_where_removes_itself(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replies as old as their parent: the DELETE's WHERE removes them itself. A sample holds only some of them,
    so the rows the recursion adds are told apart by the WHERE, not by the sample (else they are counted
    twice: ~8,750 for 5,000 here)."""
    from dibs_tui.core.review import count_queries, count_recursive

    await execute(
        db,
        "CREATE TABLE node (id int PRIMARY KEY, up int REFERENCES node ON DELETE CASCADE);"
        "CREATE INDEX ON node (up);"
        "INSERT INTO node SELECT i, NULL FROM generate_series(1, 20000) i;"
        "INSERT INTO node SELECT i + 20000, i FROM generate_series(1, 20000) i; ANALYZE node;",
    )
    sql = "DELETE FROM node WHERE id <= 10000 OR id BETWEEN 20001 AND 25000"  # the replies to 1..5,000 too
    assert await removed_by(db, sql, ["node"]) == {"node": 20_000}  # 15,000 by the WHERE, 5,000 more
    monkeypatch.setattr(count_recursive, "SAMPLE_ABOVE_BYTES", 0)
    monkeypatch.setattr(count_queries, "SAMPLE_ROWS", 10_000)
    result = await review(db, sql)
    [also] = [h for h in counted(result, LOSS) if "also removes" in h.message]
    assert also.estimated_from and also.estimated_from < 20_000, result.to_text()
    assert also.count and 3_500 <= also.count <= 6_500, result.to_text()


async def test_a_recursive_count_that_runs_out_of_time_says_so(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chain of 50,000 rows, each removing the next: within the time limit counted, past it in full and on the
    sample (here the whole table), the review says it did not count, and why."""
    from dibs_tui.core.review import count_queries, count_recursive

    await execute(
        db,
        "CREATE TABLE node (id int PRIMARY KEY, up int REFERENCES node ON DELETE CASCADE);"
        "CREATE INDEX ON node (up);"  # without it each level is a scan of the table: 20,000 of them
        "INSERT INTO node SELECT i, NULLIF(i - 1, 0) FROM generate_series(1, 50000) i; ANALYZE node;",
    )
    # Within the real limit a subtree of 19,999 rows is counted in full (an anti-join over the recursive CTE,
    # scanned once per row, took 36 s for 20,000)
    deep = await review(db, "DELETE FROM node WHERE id = 30001")
    [counted_in_full] = [h for h in counted(deep, LOSS) if "recursively" in h.message]
    assert counted_in_full.count == 19_999 and counted_in_full.estimated_from is None, deep.to_text()
    monkeypatch.setattr(count_queries, "CHECK_TIMEOUT", "20ms")
    monkeypatch.setattr(count_recursive, "CHECK_TIMEOUT", "20ms")
    result = await review(db, "DELETE FROM node WHERE id = 1")
    [gone] = [h for h in counted(result, LOSS) if "recursively" in h.message]
    assert gone.count is None and gone.not_counted == "did not finish within 20ms, even on a sample", (
        result.to_text()
    )
    assert "node_up_fkey, ON DELETE CASCADE" in gone.message


async def test_truncate_cascade_says_what_else_it_empties(db: str) -> None:
    await execute(db, TREE)
    sql = "TRUNCATE parent CASCADE"
    result = await review(db, sql)
    also = sorted(
        (h.message.split(":")[0], h.count) for h in counted(result, LOSS) if "also empties" in h.message
    )
    assert also == [
        ("the TRUNCATE ... CASCADE also empties child", 4),
        ("the TRUNCATE ... CASCADE also empties grandchild", 4),
        ("the TRUNCATE ... CASCADE also empties note", 3),
    ], result.to_text()
    assert not [
        h
        for h in counted(await review(db, "TRUNCATE parent, child, grandchild, note"), LOSS)
        if "also" in h.message
    ]
    assert await runs(db, sql)
    assert await counts_of(db) == {"child": 0, "grandchild": 0, "note_null": 0}


async def test_a_truncate_of_a_referenced_table_says_it_fails_whatever_the_rows(db: str) -> None:
    """Without CASCADE the server refuses a TRUNCATE while a table it does not empty has a key to one it does,
    rows or none: said from the catalog, with each such table's rows, and checked against the server."""
    await execute(db, TREE + "CREATE TABLE empty_ref (id int, parent_id int REFERENCES parent);")
    refusals = [(h.message, h.count) for h in counted(await review(db, "TRUNCATE parent"), FAILS)]
    assert sorted(refusals) == [
        (
            "the TRUNCATE fails: child references parent (child_parent_id_fkey) and is not truncated with it, "
            "which holds 4 rows: add child to the TRUNCATE, or use TRUNCATE ... CASCADE, which empties it too",
            None,
        ),
        (
            "the TRUNCATE fails: empty_ref references parent (empty_ref_parent_id_fkey) and is not truncated "
            "with it, which holds 0 rows: add empty_ref to the TRUNCATE, or use TRUNCATE ... CASCADE, which "
            "empties it too",
            None,
        ),
        (
            "the TRUNCATE fails: note references parent (note_parent_id_fkey) and is not truncated with it, "
            "which holds 3 rows: add note to the TRUNCATE, or use TRUNCATE ... CASCADE, which empties it too",
            None,
        ),
    ]
    assert not await runs(db, "TRUNCATE parent")
    # Named together, grandchild (a key to child) is still left out; then nothing is
    partial = "TRUNCATE parent, child, note, empty_ref"
    [left_out] = counted(await review(db, partial), FAILS)
    assert left_out.message.startswith(
        "the TRUNCATE fails: grandchild references child (grandchild_child_id_fkey)"
    )
    assert not await runs(db, partial)
    # A key an earlier statement of the file drops does not stop it
    dropped = "ALTER TABLE empty_ref DROP CONSTRAINT empty_ref_parent_id_fkey;\nTRUNCATE parent, child, note, grandchild;"
    assert counted(await review(db, dropped), FAILS) == []
    whole = "TRUNCATE parent, child, grandchild, note, empty_ref"
    assert counted(await review(db, whole), FAILS) == []
    assert await runs(db, whole)


async def test_a_truncate_of_a_partition_referenced_through_its_parent_fails(db: str) -> None:
    """The keys the server checks: to the partition or its parent, NOT ENFORCED ones too once the table has a
    trigger (relhastriggers) or is partitioned, none on a table without one."""
    await execute(
        db,
        "CREATE TABLE pp (id int PRIMARY KEY) PARTITION BY RANGE (id);"
        "CREATE TABLE pp1 PARTITION OF pp FOR VALUES FROM (0) TO (10); INSERT INTO pp VALUES (1);"
        "CREATE TABLE held (id int, pp_id int REFERENCES pp); INSERT INTO held VALUES (1, 1);"
        # NOT ENFORCED: it has no trigger, but pp1 has held's, and the server then checks every key to it
        "CREATE TABLE loose (id int, pp_id int REFERENCES pp NOT ENFORCED); INSERT INTO loose VALUES (1, 1);"
        "CREATE TABLE solo (id int PRIMARY KEY); CREATE TABLE solo_ref (id int, solo_id int REFERENCES solo "
        "NOT ENFORCED);",  # solo has no trigger: the server does not look
    )
    for sql in ("TRUNCATE pp1", "TRUNCATE pp"):
        fails = counted(await review(db, sql), FAILS)
        assert [f.message.split(" and is")[0] for f in fails] == [
            "the TRUNCATE fails: held references pp (held_pp_id_fkey)",
            "the TRUNCATE fails: loose references pp (loose_pp_id_fkey)",
        ], sql
        assert "which holds 1 row:" in fails[0].message
        assert not await runs(db, sql)
    [loose] = counted(await review(db, "TRUNCATE pp, held"), FAILS)
    assert loose.message.startswith("the TRUNCATE fails: loose references pp")
    assert not await runs(db, "TRUNCATE pp, held")
    assert counted(await review(db, "TRUNCATE solo"), FAILS) == []
    assert await runs(db, "TRUNCATE solo")
    # Named too, loose still stops it (no trigger: the server does not count it as truncated); CASCADE does not
    [named] = counted(await review(db, "TRUNCATE pp, held, loose"), FAILS)
    assert named.message == (
        "the TRUNCATE fails: loose references pp (loose_pp_id_fkey), and though named in it is not counted as "
        "truncated with it (the server counts only a table with a trigger, and a NOT ENFORCED key gives it "
        "none), which holds 1 row: use TRUNCATE ... CASCADE"
    )
    assert not await runs(db, "TRUNCATE pp, held, loose")
    cascade = await review(db, "TRUNCATE pp CASCADE")
    assert counted(cascade, FAILS) == []
    assert sorted(h.message.split(":")[0] for h in counted(cascade, LOSS) if "also empties" in h.message) == [
        "the TRUNCATE ... CASCADE also empties held",
        "the TRUNCATE ... CASCADE also empties loose",  # through its NOT ENFORCED key
    ], cascade.to_text()
    assert await runs(db, "TRUNCATE pp CASCADE")
    assert (await fetch(db, "SELECT count(*) AS n FROM loose"))[0]["n"] == 0


async def test_the_walk_is_bounded(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A chain longer than MAX_DEPTH: the levels within it are counted, and the review says it stopped."""
    monkeypatch.setattr(count_cascades, "MAX_DEPTH", 2)
    chain = "CREATE TABLE c0 (id int PRIMARY KEY); INSERT INTO c0 VALUES (1);"
    for i in range(1, 5):
        chain += (
            f"CREATE TABLE c{i} (id int PRIMARY KEY, up int REFERENCES c{i - 1} ON DELETE CASCADE);"
            f"INSERT INTO c{i} VALUES (1, 1);"
        )
    await execute(db, chain)
    result = await review(db, "DELETE FROM c0")
    hazards = counted(result, LOSS)
    assert [h.count for h in hazards if "also removes" in h.message] == [1, 1], result.to_text()
    assert any(h.not_counted == "keys followed 2 levels deep" for h in hazards)
    monkeypatch.setattr(count_cascades, "MAX_DEPTH", 4)  # c4 is the last: nothing further, nothing said
    hazards = counted(await review(db, "DELETE FROM c0"), LOSS)
    assert [h.count for h in hazards if "also removes" in h.message] == [1, 1, 1, 1]
    assert not [h for h in hazards if h.not_counted]


async def test_drop_cascade_says_the_views_and_keys_it_takes_along(db: str) -> None:
    await execute(
        db,
        TREE + "CREATE VIEW old_parents AS SELECT id FROM parent WHERE old;"
        "CREATE VIEW older AS SELECT id FROM old_parents;"
        "CREATE MATERIALIZED VIEW parent_ids AS SELECT id FROM parent;"
        "CREATE VIEW unrelated AS SELECT id FROM grandchild;"
        "CREATE TABLE inbox (id int); CREATE VIEW inbox_ids AS SELECT id FROM inbox;"
        "CREATE RULE copy AS ON INSERT TO inbox DO ALSO INSERT INTO parent VALUES (NEW.id, false);",
    )
    sql = "DROP TABLE parent CASCADE"  # drops the rule on inbox, not inbox nor the view that reads it
    result = await review(db, sql)
    said = sorted(h.message.split(" (")[0] for _, h in result.hazards if h.message.startswith("the CASCADE"))
    assert said == [
        "the CASCADE also drops materialized view parent_ids and its 4 rows",
        "the CASCADE also drops rule copy on table public.inbox",
        "the CASCADE also drops the foreign key child_parent_id_fkey of child: its rows stay, no longer checked",
        "the CASCADE also drops the foreign key note_parent_id_fkey of note: its rows stay, no longer checked",
        "the CASCADE also drops view old_parents: the clients that read it break",
        "the CASCADE also drops view older: the clients that read it break",
    ], result.to_text()
    assert await runs(db, sql)
    left = await fetch(
        db,
        "SELECT (SELECT count(*) FROM child) AS child, to_regclass('older') IS NULL AS v, "
        "to_regclass('parent_ids') IS NULL AS m, to_regclass('unrelated') IS NOT NULL AS kept, "
        "(SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'child'::regclass) AS keys, "
        "to_regclass('inbox_ids') IS NOT NULL AS inbox",
    )
    assert tuple(left[0]) == (4, True, True, True, 0, True)
    # Dropped together, a table's key to another named table is not 'taken along'; without CASCADE, nothing is.
    both = await review(db, "DROP TABLE child, grandchild CASCADE")
    assert [h.message for _, h in both.hazards if "CASCADE also" in h.message] == [
        "the CASCADE also drops view unrelated: the clients that read it break"
    ]
    assert not [h for _, h in (await review(db, "DROP TABLE child")).hazards if "CASCADE" in h.message]


async def test_an_update_of_a_referenced_key_fails_or_changes_the_rows_that_reference_it(db: str) -> None:
    await execute(db, TREE)
    refused = "UPDATE parent SET id = id + 100 WHERE id < 3"
    result = await review(db, refused)
    assert sorted(h.message for h in counted(result, FAILS)) == [
        "1 row of parent whose key the UPDATE changes is still referenced from note (note_parent_id_fkey, "
        "ON UPDATE NO ACTION): the UPDATE fails (e.g. (id)=(1))",
        "2 rows of parent whose key the UPDATE changes are still referenced from child (child_parent_id_fkey, "
        "ON UPDATE NO ACTION): the UPDATE fails (e.g. (id)=(1))",
    ], result.to_text()
    assert not await runs(db, refused)
    unreferenced = (
        "UPDATE parent SET id = id + 100 WHERE id = 3"  # only a SET NULL-on-delete note refers to 3
    )
    assert [h.message for h in counted(await review(db, unreferenced), FAILS)] == [
        "1 row of parent whose key the UPDATE changes is still referenced from note (note_parent_id_fkey, "
        "ON UPDATE NO ACTION): the UPDATE fails (e.g. (id)=(3))"
    ]
    assert counted(await review(db, "UPDATE parent SET old = NOT old, id = id WHERE id < 3"), FAILS) == []
    assert await runs(db, "UPDATE parent SET old = NOT old, id = id WHERE id < 3")
    await execute(
        db,
        "CREATE TABLE tag (id int PRIMARY KEY, name text UNIQUE); INSERT INTO tag VALUES (1, 'a'), (2, 'b');"
        "CREATE TABLE tagged (id int, tag_name text REFERENCES tag (name) ON UPDATE CASCADE);"
        "INSERT INTO tagged VALUES (1, 'a'), (2, 'a'), (3, 'b');"
        "CREATE TABLE pinned (id int, tag_name text REFERENCES tag (name) ON UPDATE SET NULL);"
        "INSERT INTO pinned VALUES (1, 'a');",
    )
    renamed = "UPDATE tag SET name = upper(name) WHERE id = 1"
    result = await review(db, renamed)
    assert sorted(h.message for h in counted(result, LOSS) if "also sets" in h.message) == [
        "the UPDATE also sets pinned.tag_name to NULL in 1 row (pinned_tag_name_fkey, ON UPDATE SET NULL) "
        "(e.g. ctid (0,1))",
        "the UPDATE also sets tagged.tag_name to the new key in 2 rows (tagged_tag_name_fkey, ON UPDATE CASCADE) "
        "(e.g. ctid (0,1))",
    ], result.to_text()
    assert counted(result, FAILS) == []
    assert await runs(db, renamed)
    after = await fetch(db, "SELECT count(*) FILTER (WHERE tag_name = 'A') AS a FROM tagged")
    assert after[0]["a"] == 2


async def test_a_delete_from_a_partition_follows_the_keys_that_reference_its_partitioned_table(
    db: str,
) -> None:
    await execute(
        db,
        "CREATE TABLE pp (id int PRIMARY KEY) PARTITION BY RANGE (id);"
        "CREATE TABLE pp1 PARTITION OF pp FOR VALUES FROM (0) TO (10);"
        "CREATE TABLE pp2 PARTITION OF pp FOR VALUES FROM (10) TO (20);"
        "INSERT INTO pp VALUES (1), (2), (11);"
        "CREATE TABLE gone (id int PRIMARY KEY, pp_id int REFERENCES pp ON DELETE CASCADE) PARTITION BY HASH (id);"
        "CREATE TABLE gone0 PARTITION OF gone FOR VALUES WITH (MODULUS 2, REMAINDER 0);"
        "CREATE TABLE gone1 PARTITION OF gone FOR VALUES WITH (MODULUS 2, REMAINDER 1);"
        "INSERT INTO gone VALUES (1, 1), (2, 1), (3, 11);"
        "CREATE TABLE held (id int PRIMARY KEY, pp_id int REFERENCES pp) PARTITION BY HASH (id);"
        "CREATE TABLE held0 PARTITION OF held FOR VALUES WITH (MODULUS 2, REMAINDER 0);"
        "CREATE TABLE held1 PARTITION OF held FOR VALUES WITH (MODULUS 2, REMAINDER 1);"
        "INSERT INTO held VALUES (1, 2);",
    )
    cascades = "DELETE FROM pp1 WHERE id = 1"
    result = await review(db, cascades)
    assert [h.count for h in counted(result, LOSS) if "also removes" in h.message] == [2], result.to_text()
    assert counted(result, FAILS) == []
    assert await runs(db, cascades)
    assert (await fetch(db, "SELECT count(*) AS n FROM gone"))[0]["n"] == 1
    refused = "DELETE FROM pp1 WHERE id = 2"
    [fails] = counted(await review(db, refused), FAILS)  # once, not again per partition of held
    assert fails.message.startswith(
        "1 row of pp1 the DELETE removes is still referenced from held (held_pp_id_fkey"
    )
    assert not await runs(db, refused)


async def test_drop_column_cascade_says_the_views_that_read_the_column(db: str) -> None:
    await execute(
        db,
        TREE + "CREATE VIEW flags AS SELECT id, old FROM parent; CREATE VIEW ids AS SELECT id FROM parent;"
        "CREATE VIEW flag_count AS SELECT count(*) FILTER (WHERE old) AS n FROM flags;"
        "CREATE TABLE empty (id int); CREATE VIEW empty_ids AS SELECT id FROM empty;",
    )
    sql = "ALTER TABLE parent DROP COLUMN old CASCADE"
    result = await review(db, sql)
    assert sorted(h.message for _, h in result.hazards if "CASCADE also" in h.message) == [
        "the CASCADE also drops view flag_count: the clients that read it break",
        "the CASCADE also drops view flags: the clients that read it break",
    ], result.to_text()
    # An empty table's column: no rows to count, its views still go
    assert [
        h.message
        for _, h in (await review(db, "ALTER TABLE empty DROP COLUMN id CASCADE")).hazards
        if "CASCADE also" in h.message
    ] == ["the CASCADE also drops view empty_ids: the clients that read it break"]
    keyed = await review(db, "ALTER TABLE parent DROP COLUMN id CASCADE")
    assert sorted(h.message.split(":")[0] for _, h in keyed.hazards if "CASCADE also" in h.message) == [
        "the CASCADE also drops the foreign key child_parent_id_fkey of child",
        "the CASCADE also drops the foreign key note_parent_id_fkey of note",
        "the CASCADE also drops view flag_count",
        "the CASCADE also drops view flags",
        "the CASCADE also drops view ids",
    ], keyed.to_text()
    assert await runs(db, sql)
    gone = await fetch(
        db,
        "SELECT to_regclass('flags') IS NULL AND to_regclass('flag_count') IS NULL AS g, "
        "to_regclass('ids') IS NOT NULL AS kept",
    )
    assert tuple(gone[0]) == (True, True)


async def test_drop_table_cascade_names_every_kind_of_object_it_takes_along(db: str) -> None:
    """Policies, rules and triggers of other tables, another table's DEFAULT on its sequence, a function whose
    body reads it, a column of its row type, a table inheriting from it, its publication: each said by kind and
    name, and each gone once the DROP runs; the other tables and their rows stay."""
    await execute(
        db,
        "CREATE TABLE a (id serial PRIMARY KEY, v int); INSERT INTO a (v) VALUES (1), (2);"
        "CREATE TABLE b (id int DEFAULT nextval('a_id_seq') PRIMARY KEY, a_id int); INSERT INTO b VALUES (1, 1);"
        "ALTER TABLE b ENABLE ROW LEVEL SECURITY;"
        "CREATE POLICY seen ON b USING (EXISTS (SELECT 1 FROM a WHERE a.id = b.a_id));"
        "CREATE RULE mirror AS ON INSERT TO b DO ALSO INSERT INTO a (v) VALUES (NEW.a_id);"
        "CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;"
        "CREATE CONSTRAINT TRIGGER watch AFTER INSERT ON b FROM a FOR EACH ROW EXECUTE FUNCTION noop();"
        "CREATE FUNCTION a_count() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM a; END;"
        "CREATE TABLE kid (extra int) INHERITS (a); INSERT INTO kid (v, extra) VALUES (3, 3);"
        "CREATE TABLE holder (id int, snap a); INSERT INTO holder VALUES (1, ROW(1, 1));"
        "CREATE PUBLICATION pub FOR TABLE a;",
    )
    sql = "DROP TABLE a CASCADE"
    result = await review(db, sql)
    said = sorted(
        re.sub(r" \([0-9.]+ kB\)", "", h.message) for _, h in result.hazards if " also " in h.message
    )
    assert said == [
        "the CASCADE also drops column snap of table public.holder (it depends on type public.a): its values "
        "are lost",
        "the CASCADE also drops default value for column id of table public.b (it depends on sequence "
        "public.a_id_seq): an INSERT that leaves the column out then stores NULL",
        "the CASCADE also drops function public.a_count() (it depends on table public.a): its callers fail",
        "the CASCADE also drops policy seen on table public.b (it depends on table public.a): row-level "
        "security changes, the rows it let through are hidden",
        "the CASCADE also drops rule mirror on table public.b (it depends on table public.a): what it did on "
        "the table's writes stops",
        "the CASCADE also drops table kid and its 1 row (it depends on table public.a)",
        "the DROP also drops trigger watch on table public.b (it depends on table public.a): it no longer fires",
        "the DROP also removes publication of table public.a in publication pub: its subscribers stop "
        "receiving it",
    ], result.to_text()
    assert await runs(db, sql)
    left = await fetch(
        db,
        "SELECT (SELECT count(*) FROM b) AS b, (SELECT count(*) FROM pg_attrdef WHERE adrelid = 'b'::regclass) "
        "AS defaults, (SELECT count(*) FROM pg_policy) AS policies, (SELECT count(*) FROM pg_rewrite "
        "WHERE ev_class = 'b'::regclass) AS rules, (SELECT count(*) FROM pg_trigger WHERE tgname = 'watch') "
        "AS triggers, to_regprocedure('a_count()') IS NULL AS fn, to_regclass('kid') IS NULL AS kid, "
        "(SELECT count(*) FROM pg_attribute WHERE attrelid = 'holder'::regclass AND attname = 'snap' "
        "AND NOT attisdropped) AS snap, (SELECT count(*) FROM pg_publication_rel) AS members",
    )
    assert dict(left[0]) == {
        "b": 1,
        "defaults": 0,
        "policies": 0,
        "rules": 0,
        "triggers": 0,
        "fn": True,
        "kid": True,
        "snap": 0,
        "members": 0,
    }


async def test_drop_column_cascade_names_what_goes_with_the_column(db: str) -> None:
    await execute(
        db,
        "CREATE TABLE t (id int PRIMARY KEY, v int, g int GENERATED ALWAYS AS (v * 2) STORED, w int);"
        "INSERT INTO t VALUES (1, 1, DEFAULT, 1);"
        "CREATE INDEX t_v ON t (v); CREATE INDEX t_w ON t (w); CREATE STATISTICS t_vw ON v, w FROM t;"
        "CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;"
        "CREATE TRIGGER t_v_changed AFTER UPDATE OF v ON t FOR EACH ROW EXECUTE FUNCTION noop();"
        "ALTER TABLE t ENABLE ROW LEVEL SECURITY; CREATE POLICY small ON t AS RESTRICTIVE USING (v < 10);"
        "CREATE PUBLICATION tp FOR TABLE t (id, v);",
    )
    sql = "ALTER TABLE t DROP COLUMN v CASCADE"
    result = await review(db, sql)
    said = sorted(h.message for _, h in result.hazards if " also " in h.message)
    assert said == [
        "the CASCADE also drops column g of table public.t (generated from column v of table public.t): its "
        "values are lost",
        "the CASCADE also drops policy small on table public.t (it depends on column v of table public.t): "
        "row-level security changes, the rows it held back are shown",
        "the CASCADE also drops trigger t_v_changed on table public.t (it depends on column v of table "
        "public.t): it no longer fires",
        "the DROP also drops index public.t_v (it depends on column v of table public.t): no longer there for "
        "queries",
        "the DROP also drops statistics object public.t_vw (it depends on column v of table public.t): the "
        "planner's estimates lose it",
        "the DROP also removes publication of table public.t in publication tp: its subscribers stop "
        "receiving it",
    ], result.to_text()
    assert await runs(db, sql)
    left = await fetch(
        db,
        "SELECT (SELECT array_agg(attname ORDER BY attnum) FROM pg_attribute WHERE attrelid = 't'::regclass "
        "AND attnum > 0 AND NOT attisdropped)::text[] AS columns, to_regclass('t_v') IS NULL AS index, "
        "to_regclass('t_w') IS NOT NULL AS kept, (SELECT count(*) FROM pg_statistic_ext) AS stats, "
        "(SELECT count(*) FROM pg_trigger WHERE tgname = 't_v_changed') AS triggers, "
        "(SELECT count(*) FROM pg_policy) AS policies, (SELECT count(*) FROM pg_publication_rel) AS members",
    )
    assert dict(left[0]) == {
        "columns": ["id", "w"],
        "index": True,
        "kept": True,
        "stats": 0,
        "triggers": 0,
        "policies": 0,
        "members": 0,
    }
