"""An extension moved to another schema and updated to another version: ALTER EXTENSION, never a drop (its
objects may be in use). One way only: PostgreSQL ships no downgrade scripts, so the reverse is not a case."""

from __future__ import annotations

from collections.abc import Callable

from tests.diffcases.harness import converge


def test_an_extension_moves_schema_and_updates_its_version(new_database: Callable[[], str]) -> None:
    outcome = converge(
        new_database,
        "CREATE SCHEMA a; CREATE SCHEMA b; CREATE EXTENSION citext WITH SCHEMA a VERSION '1.6';"
        "CREATE TABLE t (email a.citext); INSERT INTO t VALUES ('Kept');",
        "CREATE SCHEMA b; CREATE EXTENSION citext WITH SCHEMA b VERSION '1.8'; CREATE TABLE t (email b.citext);",
    )
    script = [s.sql for s in outcome.plan]
    assert "ALTER EXTENSION citext SET SCHEMA b;" in script
    assert "ALTER EXTENSION citext UPDATE TO '1.8';" in script
    assert script.index("ALTER EXTENSION citext SET SCHEMA b;") < script.index("DROP SCHEMA a;")
    assert not any(s.startswith("DROP EXTENSION") for s in script)
