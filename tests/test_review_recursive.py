"""A DELETE whose ON DELETE CASCADE keys loop (a tree, a cycle of keys), counted on the live rows with one WITH
RECURSIVE query and checked against what PostgreSQL 18 removes (run in a transaction rolled back): in full,
sampled, and past the time limit."""

from __future__ import annotations

import asyncpg
import pytest

from tests.counting import FAILS, LOSS, counted, runs
from tests.pg import execute, review
from tests.test_review_cascades import messages


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
    assert also.count == 3 and "(pt_up_fkey, ON DELETE CASCADE, recursively)" in also.message, (
        result.to_text()
    )
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


async def test_a_sampled_recursive_count_that_finds_no_referencing_row_says_it_proves_nothing(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One pin (ON DELETE NO ACTION) on one reply of 4,000 rows: the server refuses the DELETE; a block sample of
    the tree reads too few rows to meet it, and a sample that found nothing must not read as all clear."""
    from dibs_tui.core.review import count_queries, count_recursive

    await execute(
        db,
        "CREATE TABLE node (id int PRIMARY KEY, up int REFERENCES node ON DELETE CASCADE);"
        "INSERT INTO node SELECT i, NULL FROM generate_series(1, 2000) i;"
        "INSERT INTO node SELECT i + 2000, i FROM generate_series(1, 2000) i; ANALYZE node;"
        "CREATE TABLE pin (id int PRIMARY KEY, node_id int REFERENCES node); INSERT INTO pin VALUES (1, 2001);",
    )
    sql = "DELETE FROM node WHERE id <= 2000"
    assert not await runs(db, sql)
    monkeypatch.setattr(count_recursive, "SAMPLE_ABOVE_BYTES", 0)
    monkeypatch.setattr(count_queries, "SAMPLE_ROWS", 1000)
    result = await review(db, sql)
    [fails] = counted(result, FAILS)
    assert fails.estimated_from and fails.estimated_from < 4000, result.to_text()
    assert fails.message.startswith(
        "no row of pin still referencing rows it removes (pin_node_id_fkey, ON DELETE NO ACTION) found in a "
        "sample of "
    ), fails.message
    assert fails.message.endswith("the DELETE fails"), fails.message
