"""`generate --concurrently`: the plan's index builds and drops on tables that exist now, written CONCURRENTLY.

A plain CREATE INDEX holds SHARE on its table for the whole build (no INSERT, UPDATE or DELETE meanwhile) and a
DROP INDEX takes ACCESS EXCLUSIVE; written CONCURRENTLY, writes go on. The price: such a statement cannot run
in a transaction, so migrate runs it alone and the migration is no longer atomic (each segment commits on its
own; a rerun resumes after the last committed one), and a failed concurrent build leaves an INVALID index that
migrate names. The choice is the user's, per migration: it is decided when the file is written, which is then
applied to every database (a development one's row counts say nothing of production's).

Left as they are: indexes of tables the plan creates or drops (nobody writes to them yet), of partitioned
tables (PostgreSQL refuses CONCURRENTLY there) and of partitions (their indexes attach to their parent's), and
DROP INDEX ... CASCADE or IF EXISTS forms.

The same choice makes the plan's NOT VALID + VALIDATE split real. A constraint added NOT VALID and then
validated in the same transaction gains nothing: the ADD's lock (and an earlier DROP's ACCESS EXCLUSIVE) is
held until commit, so writes wait through the whole scan. Under --concurrently each `ALTER TABLE ... VALIDATE
CONSTRAINT` of a live table is written in a BEGIN ... COMMIT block of its own, which migrate runs as a segment
of its own: what comes before it (the ADD ... NOT VALID) has committed, and the scan holds SHARE UPDATE
EXCLUSIVE only, which lets INSERT, UPDATE and DELETE go on. The plan's order is kept: what follows a VALIDATE
runs in the segment after it. `ALTER DOMAIN ... VALIDATE CONSTRAINT` is written so too, but PostgreSQL 18
takes SHARE on every table using the domain while it checks them: writes wait there, reads go on; what the
block gains is that no earlier lock is still held, and that its failure keeps what committed before it. A VALIDATE that fails
(a row violates the constraint) rolls back only itself: the constraint stays, NOT VALID (enforced on new
rows, not yet on the old ones), migrate says so, and a rerun once the rows are corrected resumes at it.

A foreign key or CHECK the plan adds valid to a live table (a new one, not one it makes again, which the plan
already splits) is split so too: its ADD written NOT VALID (catalog only; the plain ADD scans every row under
SHARE ROW EXCLUSIVE, which blocks writes), its VALIDATE CONSTRAINT in a block of its own after it. A foreign
key the plan makes ENFORCED in place (PostgreSQL 18's ALTER CONSTRAINT ... ENFORCED, which checks every row
under ACCESS EXCLUSIVE) is dropped and added NOT VALID instead, then validated so. A NOT NULL the plan adds to a
live table's column (PostgreSQL 18) is split the same way (_not_null_apart)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .migrations.files import validation
from .model import Catalog, ObjectRef, RelationKind
from .object_names import make_object_name, not_null_name
from .plan import PlannedStatement
from .sql import qualified, quote_ident, quote_literal
from .sqlparse import statement_info

_CREATE = re.compile(r"CREATE (UNIQUE )?INDEX (?!CONCURRENTLY )")
_DROP = re.compile(r"DROP INDEX (?!CONCURRENTLY |IF EXISTS )[^;]*;$")
# A foreign key's deferral as the server writes it at the end of its definition (before NOT VALID)
_DEFERRAL = re.compile(r" DEFERRABLE(?: INITIALLY DEFERRED)?$")

IN_TRANSACTION = "in the transaction"
ALONE = "alone"  # outside any transaction, in autocommit
OWN_BLOCK = "own block"  # a BEGIN ... COMMIT block of its own


def written_concurrently(plan: Sequence[PlannedStatement], current: Catalog) -> list[tuple[str, str]]:
    """Each statement of `plan` as the migration writes it, and how it runs: IN_TRANSACTION (with its
    neighbours), ALONE (autocommit) or OWN_BLOCK (a transaction of its own, after what precedes it commits)."""
    remade = {
        (ref.schema, ref.name)
        for s in plan
        if s.sql.startswith(("CREATE TABLE ", "DROP TABLE "))
        for ref in s.touches
        if ref.kind == "table"
    }
    made_types = {
        (ref.schema, ref.name) for s in plan if s.sql.startswith("CREATE DOMAIN ") for ref in s.touches
    }
    out: list[tuple[str, str]] = []
    for statement in plan:
        as_planned = IN_TRANSACTION if statement.transactional else ALONE
        if validation(statement.sql) is not None:
            live = _live_domain(statement, current, made_types) or _live_table_of(statement, current, remade)
            out.append((statement.sql, OWN_BLOCK if live else as_planned))
            continue
        table = next((ref for ref in statement.touches if ref.kind == "table"), None)
        if table is None or not _live_table(table, current) or (table.schema, table.name) in remade:
            out.append((statement.sql, as_planned))
        elif _CREATE.match(statement.sql) and " ON ONLY " not in statement.sql:
            out.append(
                (_CREATE.sub(lambda m: f"CREATE {m[1] or ''}INDEX CONCURRENTLY ", statement.sql, 1), ALONE)
            )
        elif (apart := _enforced_apart(statement.sql, current, table)) is not None:
            *made, validate = apart
            out += [*((sql, as_planned) for sql in made), (validate, OWN_BLOCK)]
        elif (not_null := _not_null_apart(statement.sql, current, table)) is not None:
            out += [(not_null[0], as_planned), (not_null[1], OWN_BLOCK)]
        elif (split := split_check(statement.sql)) is not None:
            add, validate = split
            out += [
                (add, as_planned),
                (f"ALTER TABLE {qualified(table.schema, table.name)} {validate}", OWN_BLOCK),
            ]
        elif _DROP.match(statement.sql) and not statement.sql.rstrip(";").upper().endswith("CASCADE"):
            out.append((statement.sql.replace("DROP INDEX ", "DROP INDEX CONCURRENTLY ", 1), ALONE))
        else:
            out.append((statement.sql, as_planned))
    return out


def split_check(sql: str) -> tuple[str, str] | None:
    """A foreign key or CHECK added valid (it scans the rows under the ADD's lock): the ADD written NOT VALID
    (no scan, catalog only) and the `VALIDATE CONSTRAINT <name>;` that follows it in a block of its own. None
    for anything else (NOT ENFORCED has nothing to validate; NOT VALID stays as the plan wrote it)."""
    info = statement_info(sql)
    if info is None or info.node_type != "AlterTableStmt" or len(info.body.get("cmds", ())) != 1:
        return None
    cmd = info.body["cmds"][0].get("AlterTableCmd", {})
    con = cmd.get("def", {}).get("Constraint", {}) if cmd.get("subtype") == "AT_AddConstraint" else {}
    if con.get("contype") not in ("CONSTR_FOREIGN", "CONSTR_CHECK") or not con.get("conname"):
        return None
    if not con.get("initially_valid") or not con.get("is_enforced") or con.get("skip_validation"):
        return None
    return (
        f"{sql.rstrip().removesuffix(';')} NOT VALID;",
        f"VALIDATE CONSTRAINT {quote_ident(con['conname'])};",
    )


def _enforced_apart(sql: str, current: Catalog, table: ObjectRef) -> list[str] | None:
    """`ALTER CONSTRAINT k ENFORCED` of a live table's foreign key NOT ENFORCED (PostgreSQL 18) checks every
    row under ACCESS EXCLUSIVE on the table: written as the key dropped and added NOT VALID (its comment
    written again), then its VALIDATE CONSTRAINT (last), for a block of its own. None for anything else."""
    made = _made_enforced(sql)
    rel = current.relation(table.schema, table.name) if made is not None else None
    con = next((c for c in rel.constraints if made and c.name == made[0]), None) if rel is not None else None
    if made is None or con is None or con.foreign_key is None or con.enforced:
        return None
    table_name, key = qualified(table.schema, table.name), quote_ident(con.name)
    definition = con.definition.removesuffix(" NOT ENFORCED")
    if made[1] is not None:  # its deferral changed in the same ALTER CONSTRAINT: added with the new one
        definition = _DEFERRAL.sub("", definition.removesuffix(" NOT VALID")) + made[1]
    out = [f"ALTER TABLE {table_name} DROP CONSTRAINT {key}, ADD CONSTRAINT {key} {definition} NOT VALID;"]
    if con.comment:
        out.append(f"COMMENT ON CONSTRAINT {key} ON {table_name} IS {quote_literal(con.comment)};")
    return [*out, f"ALTER TABLE {table_name} VALIDATE CONSTRAINT {key};"]


def _not_null_apart(sql: str, current: Catalog, table: ObjectRef) -> tuple[str, str] | None:
    """PostgreSQL 18: a NOT NULL added to a live table's column (SET NOT NULL, or ADD CONSTRAINT name NOT NULL
    col) reads every row under ACCESS EXCLUSIVE. Written as ADD CONSTRAINT name NOT NULL col NOT VALID (catalog
    only) and its VALIDATE CONSTRAINT for a block of its own (SHARE UPDATE EXCLUSIVE: writes go on), under the
    name SET NOT NULL would give it. Chosen over the older servers' trick (a CHECK (col IS NOT NULL) added NOT
    VALID, validated, SET NOT NULL proving itself from it, the CHECK dropped): PostgreSQL 18's NOT NULL takes
    NOT VALID itself, in two statements, with no constraint made only to be dropped. None for anything else,
    on an older server, or where a constraint of the table holds that name."""
    info = statement_info(sql)
    major = current.server_version.split(".")[0]
    if info is None or info.node_type != "AlterTableStmt" or len(info.body.get("cmds", ())) != 1:
        return None
    if not major.isdigit() or int(major) < 18:
        return None
    cmd = info.body["cmds"][0].get("AlterTableCmd", {})
    con = cmd.get("def", {}).get("Constraint", {}) if cmd.get("subtype") == "AT_AddConstraint" else {}
    if cmd.get("subtype") == "AT_SetNotNull":
        column, name = str(cmd["name"]), make_object_name(table.name, str(cmd["name"]), "not_null")
    elif con.get("contype") == "CONSTR_NOTNULL" and con.get("conname") and not con.get("skip_validation"):
        column, name = str(con["keys"][0]["String"]["sval"]), str(con["conname"])
    else:
        return None
    rel = current.relation(table.schema, table.name)
    taken = {c.name for c in rel.constraints} if rel is not None else set()
    taken |= {not_null_name(current, rel, c) for c in rel.columns if c.not_null} if rel is not None else set()
    if rel is None or name in taken:
        return None
    table_name, named = qualified(table.schema, table.name), quote_ident(name)
    no_inherit = " NO INHERIT" if con.get("is_no_inherit") else ""
    return (
        f"ALTER TABLE {table_name} ADD CONSTRAINT {named} NOT NULL {quote_ident(column)}{no_inherit} NOT VALID;",
        f"ALTER TABLE {table_name} VALIDATE CONSTRAINT {named};",
    )


def _made_enforced(sql: str) -> tuple[str, str | None] | None:
    """The constraint an `ALTER TABLE ... ALTER CONSTRAINT k [DEFERRABLE ...] ENFORCED;` (that alone) makes
    enforced, and the deferral it gives it as a definition ends with it (` DEFERRABLE INITIALLY DEFERRED`, ``
    for NOT DEFERRABLE), None where it keeps its own."""
    info = statement_info(sql)
    if info is None or info.node_type != "AlterTableStmt" or len(info.body.get("cmds", ())) != 1:
        return None
    cmd = info.body["cmds"][0].get("AlterTableCmd", {})
    alter = (
        cmd.get("def", {}).get("ATAlterConstraint", {}) if cmd.get("subtype") == "AT_AlterConstraint" else {}
    )
    if not alter.get("alterEnforceability") or not alter.get("is_enforced"):
        return None
    deferral = None
    if alter.get("alterDeferrability"):
        deferral = " DEFERRABLE" if alter.get("deferrable") else ""
        deferral += " INITIALLY DEFERRED" if alter.get("initdeferred") else ""
    return str(alter["conname"]), deferral


def _live_table_of(statement: PlannedStatement, current: Catalog, remade: set[tuple[str, str]]) -> bool:
    """An ALTER TABLE's table exists now and the plan neither creates nor drops it (a partition's too: its
    VALIDATE scans its rows as a plain table's does)."""
    table = next((ref for ref in statement.touches if ref.kind == "table"), None)
    return (
        table is not None
        and current.relation(table.schema, table.name) is not None
        and (table.schema, table.name) not in remade
    )


def _live_domain(statement: PlannedStatement, current: Catalog, made: set[tuple[str, str]]) -> bool:
    """An ALTER DOMAIN's domain exists now and the plan does not create it again."""
    if not statement.sql.startswith("ALTER DOMAIN "):
        return False
    domain = next((ref for ref in statement.touches if ref.kind == "type"), None)
    return (
        domain is not None
        and (domain.schema, domain.name) not in made
        and any((d.schema, d.name) == (domain.schema, domain.name) for d in current.domains)
    )


def _live_table(ref: ObjectRef, current: Catalog) -> bool:
    """A plain table of the live database, not a partition."""
    rel = current.relation(ref.schema, ref.name)
    return rel is not None and rel.kind is RelationKind.TABLE and rel.partition_of is None
