"""What a DELETE or a TRUNCATE ... CASCADE does to other tables' rows, counted on live data and checked against
what PostgreSQL 18 then does: the rows ON DELETE CASCADE removes (transitively), the rows ON DELETE SET NULL
changes, the rows a NO ACTION key still references further down (the server refuses), the tables a TRUNCATE ...
CASCADE empties."""

from __future__ import annotations

import pytest

from dibs_tui.core.review import count_cascades
from dibs_tui.core.review.report import Hazard
from tests.counting import FAILS, LOSS, counted, runs
from tests.pg import execute, fetch, review

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


async def test_a_sample_that_meets_no_referencing_row_says_it_proves_nothing(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One row of `direct` (NO ACTION) references a parent the DELETE removes, and one row of `pin` (NO ACTION) a
    child row its CASCADE removes, each among 4,000 rows: the server refuses the DELETE; counted through block
    samples too small to meet either, the review must say the samples prove nothing, not fall silent."""
    from dibs_tui.core.review import count_queries

    await execute(
        db,
        "CREATE TABLE parent (id int PRIMARY KEY); INSERT INTO parent SELECT generate_series(1, 4000);"
        "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent ON DELETE CASCADE);"
        "INSERT INTO child SELECT i, i FROM generate_series(1, 4000) i;"
        "CREATE TABLE pin (id int PRIMARY KEY, child_id int REFERENCES child);"
        "INSERT INTO pin SELECT i, 1 FROM generate_series(1, 3999) i; INSERT INTO pin VALUES (4000, 3001);"
        "CREATE TABLE direct (id int PRIMARY KEY, parent_id int REFERENCES parent);"
        "INSERT INTO direct SELECT i, 1 FROM generate_series(1, 3999) i; INSERT INTO direct VALUES (4000, 3001);"
        "ANALYZE parent, child, pin, direct;",
    )
    sql = "DELETE FROM parent WHERE id > 2000"
    assert not await runs(db, sql)
    monkeypatch.setattr(count_queries, "SAMPLE_ABOVE_BYTES", 0)
    monkeypatch.setattr(count_queries, "SAMPLE_ROWS", 1000)
    result = await review(db, sql)
    said = messages(counted(result, FAILS))
    assert len(said) == 2, result.to_text()
    assert said[0].startswith(
        "no row still referencing rows the DELETE removes through ON DELETE CASCADE (pin_child_id_fkey"
    ), said
    assert said[1].startswith(
        "no row the DELETE removes still referenced from direct (direct_parent_id_fkey"
    ), said
    assert all(" found in a sample of " in m and m.endswith("the DELETE fails") for m in said), said
