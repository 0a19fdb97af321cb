"""`generate --concurrently`: the plan's index builds and drops on tables that exist now, written CONCURRENTLY.

A plain CREATE INDEX holds SHARE on its table for the whole build (no INSERT, UPDATE or DELETE meanwhile) and a
DROP INDEX takes ACCESS EXCLUSIVE; written CONCURRENTLY, writes go on. The price: such a statement cannot run
in a transaction, so migrate runs it alone and the migration is no longer atomic (each segment commits on its
own; a rerun resumes after the last committed one), and a failed concurrent build leaves an INVALID index that
migrate names. The choice is the user's, per migration: it is decided when the file is written, which is then
applied to every database (a development one's row counts say nothing of production's).

Left as they are: indexes of tables the plan creates or drops (nobody writes to them yet), of partitioned
tables (PostgreSQL refuses CONCURRENTLY there) and of partitions (their indexes attach to their parent's), and
DROP INDEX ... CASCADE or IF EXISTS forms."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .model import Catalog, ObjectRef, RelationKind
from .plan import PlannedStatement

_CREATE = re.compile(r"CREATE (UNIQUE )?INDEX (?!CONCURRENTLY )")
_DROP = re.compile(r"DROP INDEX (?!CONCURRENTLY |IF EXISTS )[^;]*;$")


def written_concurrently(plan: Sequence[PlannedStatement], current: Catalog) -> list[tuple[str, bool]]:
    """Each statement of `plan` as the migration writes it, and whether it runs in the migration's transaction."""
    remade = {
        (ref.schema, ref.name)
        for s in plan
        if s.sql.startswith(("CREATE TABLE ", "DROP TABLE "))
        for ref in s.touches
        if ref.kind == "table"
    }
    out: list[tuple[str, bool]] = []
    for statement in plan:
        table = next((ref for ref in statement.touches if ref.kind == "table"), None)
        if table is None or not _live_table(table, current) or (table.schema, table.name) in remade:
            out.append((statement.sql, statement.transactional))
        elif _CREATE.match(statement.sql) and " ON ONLY " not in statement.sql:
            out.append(
                (_CREATE.sub(lambda m: f"CREATE {m[1] or ''}INDEX CONCURRENTLY ", statement.sql, 1), False)
            )
        elif _DROP.match(statement.sql) and not statement.sql.rstrip(";").upper().endswith("CASCADE"):
            out.append((statement.sql.replace("DROP INDEX ", "DROP INDEX CONCURRENTLY ", 1), False))
        else:
            out.append((statement.sql, statement.transactional))
    return out


def _live_table(ref: ObjectRef, current: Catalog) -> bool:
    """A plain table of the live database, not a partition."""
    rel = current.relation(ref.schema, ref.name)
    return rel is not None and rel.kind is RelationKind.TABLE and rel.partition_of is None
