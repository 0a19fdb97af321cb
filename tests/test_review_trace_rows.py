"""A data migration's INSERTs of rows into one table are traced together, one round trip a batch (175,000
one-row INSERTs were six round trips each): what each statement is said to have done stays what tracing it alone
says, a failing row and a trigger's lock included."""

from __future__ import annotations

from pathlib import Path

from dibs_tui.core.connect import resolve
from dibs_tui.core.review.report import Review
from dibs_tui.core.review.run import review_file
from tests.pg import execute

SCHEMA = """
CREATE TABLE items (id int PRIMARY KEY, name text);
CREATE TABLE other (id int);
INSERT INTO items VALUES (0, 'live');
"""


async def _review(db: str, tmp_path: Path, sql: str) -> Review:
    await execute(db, SCHEMA)
    path = tmp_path / "m.sql"
    path.write_text(sql)
    return await review_file(resolve(db), path)


def _inserts(ids: range) -> str:
    return "".join(f"INSERT INTO items (id, name) VALUES ({i}, 'item {i}');\n" for i in ids)


async def test_rows_then_a_schema_change_are_each_said_as_alone(db: str, tmp_path: Path) -> None:
    review = await _review(
        db, tmp_path, _inserts(range(1, 1201)) + "ALTER TABLE items ADD COLUMN note text;\n"
    )
    *inserts, alter = review.statements
    assert len(inserts) == 1200 and {s.trace for s in inserts} == {"ran"}, {s.trace for s in inserts}
    assert not any(s.hazards for s in inserts), [s.hazards for s in inserts if s.hazards][:3]
    assert alter.trace == "ran" and alter.lock == "ACCESS EXCLUSIVE on public.items", alter
    assert [h.kind for h in alter.hazards] == ["access-exclusive-lock"], alter.hazards


async def test_a_row_that_fails_in_the_clone_is_said_at_its_own_line(db: str, tmp_path: Path) -> None:
    """The batch fails on the file's own duplicate key: it is traced again one statement at a time, so the
    second INSERT of id 5 is the one said to fail, and every other ran."""
    review = await _review(
        db, tmp_path, _inserts(range(1, 11)) + _inserts(range(5, 6)) + _inserts(range(11, 21))
    )
    failed = [(s.line, s.trace) for s in review.statements if s.trace != "ran"]
    assert len(failed) == 1 and failed[0][0] == 11, failed
    assert failed[0][1].startswith('failed: duplicate key value violates unique constraint "items_pkey"'), (
        failed
    )


async def test_a_lock_a_later_row_takes_is_said_of_that_row(db: str, tmp_path: Path) -> None:
    """A trigger locks another table for one row only: the batch, observed once, would lay it on its first
    statement; it did more than add rows, so each is traced alone and the third INSERT is the one said to lock."""
    await execute(
        db,
        "CREATE TABLE items (id int PRIMARY KEY, name text); CREATE TABLE other (id int);"
        "CREATE FUNCTION lock_other() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.id = 3 THEN LOCK TABLE other IN ACCESS EXCLUSIVE MODE; END IF; RETURN NEW; END $$;"
        "CREATE TRIGGER lock_other BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION lock_other();",
    )
    path = tmp_path / "m.sql"
    path.write_text(_inserts(range(1, 6)) + "SELECT count(*) FROM other;\n")  # other, in the clone too
    review = await review_file(resolve(db), path)
    locks = [(s.line, s.lock) for s in review.statements if s.lock.startswith("ACCESS EXCLUSIVE")]
    assert locks == [(3, "ACCESS EXCLUSIVE on public.other")], [(s.line, s.lock) for s in review.statements]


async def test_keys_taken_are_counted_for_each_insert_of_a_batch(db: str, tmp_path: Path) -> None:
    """The INSERTs' keys are looked up together, a batch at a time: each INSERT still says its own rows the
    live table holds (id 0 is there), at its own line, and no other does."""
    await execute(db, SCHEMA + "INSERT INTO items SELECT g, 'live' FROM generate_series(1000, 1100) g;")
    sql = (
        _inserts(range(1, 150))
        + "INSERT INTO items (id, name) VALUES (0, 'again');\n"
        + _inserts(range(150, 260))
    )
    sql += "INSERT INTO items (id, name) VALUES (1050, 'again'), (1051, 'again'), (7000, 'new');\n"
    path = tmp_path / "m.sql"
    path.write_text(sql)
    review = await review_file(resolve(db), path, traced=False)
    said = [
        (s.line, h.message)
        for s in review.statements
        for h in s.hazards
        if h.kind == "fails-on-existing-data"
    ]
    assert said == [
        (150, "1 row the INSERT adds is already in items (unique key items_pkey, e.g. (id)=(0)): the INSERT "
         "fails on a unique violation"),
        (261, "2 rows the INSERT adds are already in items (unique key items_pkey, e.g. (id)=(1050)): the INSERT "
         "fails on a unique violation"),
    ], said  # fmt: skip
