"""Counted on live data: for each statement whose outcome depends on the rows already there, how many rows it
fails on, changes or loses, with one example key.

Only tables the migration names are read (and, for a foreign key, the table it references). Expressions the
migration wrote are evaluated only when `expr_allowlist` lets them; every count runs in the review's
read-only transaction, bounded (`count_queries`). An empty table, a NOT VALID or NOT ENFORCED constraint and a
cast every value survives give no hazard.
"""

from __future__ import annotations

import copy
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import asyncpg

from ..sql import quote_ident
from ..sqlparse import statement_info
from ..sqltokens import GROUP_CHARS
from .count_catalog import catalog_constraint, index_columns
from .count_deletes import delete_hazards
from .count_domains import domain_hazards
from .count_drops import drop_cascades
from .count_exclusions import exclusion_hazards, overlapping_key_hazards
from .count_inserts import BATCH, batch_hazards, insert_hazards, inserts_following, rows_read_apart
from .count_keys import duplicate_hazards, orphan_hazards
from .count_new_columns import NewColumn, add_column_hazards, new_column, with_new_values
from .count_partitions import bound_hazards
from .count_queries import Failed, Target, count_rows, load_target, refusal_on
from .count_removals import drop_hazards, dropped_column_hazards, truncate_hazards
from .count_sequences import sequence_hazards
from .count_typed_tables import typed_table_alters
from .count_types import cast_hazards
from .count_updates import update_hazards
from .counted import RowCount, from_count, not_counted, observed, raised, unproven
from .expr_allowlist import columns_of, deparse
from .facts import Facts
from .names import key, regclass_text
from .report import Hazard
from .shapes import enum_name, rangevar_name, written

FAILS = "fails-on-existing-data"
# ALTER TABLE actions after which a unique key may no longer refuse what it refuses now
_KEYS_CHANGED = frozenset({"AT_DropConstraint", "AT_AlterColumnType", "AT_DropColumn"})
# A value's conversion refused for a label the live enum lacks (an earlier ADD VALUE of the file adds it)
_NOT_A_LABEL = re.compile(r'invalid input value for enum [^:]*: "(.*)"')


# The meta tables that say where each table, column and index is defined and what its doc says: generate's meta
# updates rewrite and delete their rows with every change, which is bookkeeping, not data a migration loses.
# The history tables (__dibs_migrations, _dibs_migrations) are counted: a row deleted there makes its migration
# pending again.
PROVENANCE_TABLES = frozenset({"__dibs_tables", "__dibs_columns", "__dibs_indices"})


def _parse(sql: str) -> Any:
    """The statement's tree; a long VALUES list's rows read apart are left out (`count_inserts` reads them)."""
    import pglast

    info = statement_info(sql)
    try:
        statements = pglast.parse_sql(info.parsed_text if info is not None else sql)
    except Exception:  # the rules report what does not parse
        return None
    return statements[0].stmt if len(statements) == 1 else None


def _not_enforced(target: Target, name: str) -> Hazard:
    """VALIDATE CONSTRAINT of a constraint NOT ENFORCED (PostgreSQL 18): refused whatever the rows."""
    return Hazard(
        "fails-on-schema",
        f"{name} of {target.shown} is NOT ENFORCED: PostgreSQL refuses to validate it (cannot validate NOT "
        f"ENFORCED constraint); ALTER CONSTRAINT {name} ENFORCED validates a foreign key, a CHECK is dropped and "
        "added again enforced",
        "observed",
    )


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


class Counter:
    """Counts for one migration file, statement after statement (remembering what earlier ones did)."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.conn: asyncpg.Connection = facts.conn
        self.created: set[str] = set()
        self.updated: set[tuple[str, str]] = set()
        self.not_valid: dict[tuple[str, str], Any] = {}  # constraints this file adds NOT VALID
        self.domain_not_valid: dict[tuple[str, str], Any] = {}  # domain CHECKs this file adds NOT VALID
        self.targets: dict[str, Target] = {}
        self.enums: dict[str, tuple[str, ...]] = {}  # enums this file creates: their labels
        # Labels this file adds to an enum (ADD VALUE, which migrate commits before what follows): a live
        # enum's value of one does not convert when counted, but does when the statement runs
        self.labels_added: set[str] = set()
        self.insert_keys: dict[int, Any] = {}  # a table's unique keys, read for its first INSERT of the file
        self.index_keys: dict[str, list[str]] = {}  # indexes this file creates: their plain columns
        self.added: dict[tuple[str, str], NewColumn] = {}  # columns this file adds to live tables
        self.dropped: set[tuple[str, str]] = set()  # (table, constraint) this file drops; (table, "") a table
        # Tables whose rows or keys an earlier statement changes (an INSERT's conflicts are not counted there;
        # an UPDATE's columns are in `updated`),
        # and whether an earlier statement drops anything (a unique index, perhaps)
        self.changed: set[str] = set()
        self.drops = False
        # The file's statements and where the next to count is (review_sql keeps it): an INSERT looks ahead
        # for the INSERTs into its table that follow it, and their hazards wait here, in order
        self.later: tuple[Sequence[str], int] = ((), 0)
        self.batched: deque[tuple[str, list[Hazard]]] = deque()

    async def target(self, name: str, *, empty: bool = False, only: bool = False) -> Target | None:
        """The live table `name` as the migration writes it, with its inheritance children unless `only`
        (the statement says ONLY); None when it is new, absent, not a table, or empty (nothing to count)
        unless `empty` (a referenced table: every row referencing it is an orphan)."""
        seen_as = key(name)
        if seen_as in self.created:
            return None
        if seen_as not in self.targets:
            facts = await self.facts.table(name)
            children = [c for c in await self.facts.descendants(facts) if c.rows] if facts is not None else []
            if facts is None or (not facts.rows and not children and not empty):
                return None  # not remembered: a later statement may ask for it as a referenced table
            self.targets[seen_as] = await load_target(self.conn, facts, name, children)
        target = self.targets[seen_as]
        if only and target.partitioned:  # ONLY a partitioned table reaches no row: they are its partitions'
            return None
        target = target.alone if only and target.alone is not None else target
        return target if target.rows or empty else None

    def remember(self, kind: str, node: Any) -> None:
        """What this file creates that a later statement's count needs: an enum's labels, an index's columns."""
        if kind == "DeleteStmt" or (
            kind == "AlterTableStmt" and {enum_name(c.subtype) for c in node.cmds or ()} & _KEYS_CHANGED
        ):
            self.changed.add(key(rangevar_name(node.relation)))
        elif kind == "TruncateStmt":
            self.changed |= {key(rangevar_name(r)) for r in node.relations or ()}
        self.drops = self.drops or kind == "DropStmt"
        if kind == "CreateEnumStmt":
            self.enums[key(written(*(str(n.sval) for n in node.typeName)))] = tuple(
                str(v.sval) for v in node.vals or ()
            )
        elif kind == "AlterEnumStmt" and node.newVal and not node.oldVal:
            self.labels_added.add(str(node.newVal))
            enum = key(written(*(str(n.sval) for n in node.typeName)))
            if enum in self.enums:
                self.enums[enum] += (str(node.newVal),)
        elif kind == "IndexStmt" and node.idxname:
            self.index_keys[str(node.idxname)] = [str(e.name) for e in node.indexParams if e.name]
        elif kind == "DropStmt" and enum_name(node.removeType) == "OBJECT_TABLE":
            self.dropped |= {(key(written(*(str(p.sval) for p in o))), "") for o in node.objects or ()}
        elif kind == "AlterTableStmt":
            table = key(rangevar_name(node.relation))
            drops = [c for c in node.cmds or () if enum_name(c.subtype) == "AT_DropConstraint"]
            self.dropped |= {(table, str(c.name)) for c in drops}

    async def statement(self, sql: str) -> list[Hazard]:
        counted = self._counted_before(sql)
        return counted if counted is not None else await self._statement(sql)

    async def _statement(self, sql: str) -> list[Hazard]:
        node = _parse(sql)
        kind = type(node).__name__
        self.remember(kind, node)
        try:
            if kind in ("CreateStmt", "CreateTableAsStmt"):
                self.created.add(key(rangevar_name(node.relation if kind == "CreateStmt" else node.into.rel)))
                if kind == "CreateStmt" and node.partbound is not None and node.inhRelations:
                    return await bound_hazards(
                        self.facts, self.target, rangevar_name(node.inhRelations[0]), node.partbound
                    )
            elif kind in ("UpdateStmt", "DeleteStmt") and str(node.relation.relname) in PROVENANCE_TABLES:
                return []
            elif kind == "UpdateStmt":
                table = key(rangevar_name(node.relation))
                assigned = {str(t.name) for t in node.targetList or ()}
                self.updated |= {(table, c) for c in assigned}
                target = await self.target(rangevar_name(node.relation), only=not node.relation.inh)
                if target is None or self.fills_new_columns(target, assigned):
                    return []
                return await update_hazards(self.conn, target, node)
            elif kind == "AlterTableStmt":
                return await self.altered(node)
            elif kind == "IndexStmt" and node.unique:
                return await self.unique_index(node)
            elif kind == "IndexStmt":
                return await self.expression_index(node)
            elif kind == "AlterDomainStmt":
                return await domain_hazards(self.conn, self.target, node, self.domain_not_valid)
            elif kind == "InsertStmt":
                return await self.inserted(node, sql)
            elif kind in ("DropStmt", "DeleteStmt", "TruncateStmt"):
                handler = {"DropStmt": self.drop, "DeleteStmt": self.deleted, "TruncateStmt": self.truncated}[
                    kind
                ]
                return await handler(node)
            elif kind == "AlterSeqStmt":
                return await sequence_hazards(self.conn, node)
        except Failed as exc:
            label = _NOT_A_LABEL.search(exc.message)
            if label is not None and label.group(1) in self.labels_added:
                return []  # not counted: the rows there now are read without the label
            return [raised(FAILS, f"fails on the rows there now: {exc.message}")]
        return []

    async def inserted(self, node: Any, sql: str) -> list[Hazard]:
        """The constant keys an INSERT adds that the live rows hold, when no earlier statement of the file
        changes them: a DELETE before it may free them, a dropped index lift the key."""
        name = rangevar_name(node.relation)
        if str(node.relation.relname) in PROVENANCE_TABLES or self.drops or key(name) in self.changed:
            return []
        target = await self.target(name)
        if target is None:
            return []
        updated = {
            column for table, column in self.updated if table == key(name)
        }  # keys an UPDATE may change
        if len(sql) <= GROUP_CHARS:  # its rows all in its tree: looked up with the INSERTs that follow
            texts, start = self.later
            following = inserts_following(texts[start : start + BATCH - 1], node, _parse)
            said = await batch_hazards(
                self.conn, target, [node, *following.values()], updated, self.insert_keys
            )
            if said is not None:
                self.batched.extend(zip(following, said[1:], strict=True))
                return said[0]
        return await insert_hazards(self.conn, target, node, updated, rows_read_apart(sql), self.insert_keys)

    def _counted_before(self, sql: str) -> list[Hazard] | None:
        """Its hazards, when an INSERT before it counted it with its own (`inserted`) and nothing came since."""
        if not self.batched:
            return None
        text, hazards = self.batched.popleft()
        if text == sql:
            return hazards
        self.batched.clear()
        return None

    async def altered(self, node: Any) -> list[Hazard]:
        """ALTER TABLE; ALTER TYPE ... ATTRIBUTE ... CASCADE as the same ALTER TABLE on each typed table."""
        if enum_name(node.objtype) == "OBJECT_TABLE":
            return await self.alter_table(node)
        return [
            h for alter in await typed_table_alters(self.conn, node) for h in await self.alter_table(alter)
        ]

    async def alter_table(self, node: Any) -> list[Hazard]:
        name = rangevar_name(node.relation)
        hazards: list[Hazard] = []
        for cmd in node.cmds or ():
            if enum_name(cmd.subtype) == "AT_AttachPartition":
                attached = rangevar_name(cmd.def_.name)
                hazards += await bound_hazards(self.facts, self.target, name, cmd.def_.bound, attached)
            elif enum_name(cmd.subtype) == "AT_DropColumn" and enum_name(cmd.behavior) == "DROP_CASCADE":
                hazards += await drop_cascades(self.conn, await self.live_oids([name]), str(cmd.name))
        target = await self.target(name, only=not node.relation.inh)
        if target is None:
            return hazards + await self._validated_when_empty(name, node)
        for cmd in node.cmds or ():
            subtype = enum_name(cmd.subtype)
            if subtype == "AT_AddConstraint":
                hazards += await self.constraint(target, cmd.def_)
            elif subtype == "AT_ValidateConstraint":
                hazards += await self.validate(target, str(cmd.name))
            elif subtype == "AT_AlterConstraint" and cmd.def_.alterEnforceability and cmd.def_.is_enforced:
                hazards += await self.validate(target, str(cmd.def_.conname), enforcing=True)
            elif subtype == "AT_SetNotNull":
                hazards += await self.nulls(target, [str(cmd.name)], "SET NOT NULL fails")
            elif subtype == "AT_AddColumn":
                hazards += await self.added_column(target, name, cmd.def_)
            elif subtype == "AT_AlterColumnType":
                labels = self.enums.get(key(written(*(str(n.sval) for n in cmd.def_.typeName.names))))
                hazards += await cast_hazards(self.conn, target, str(cmd.name), cmd.def_, labels)
            elif subtype == "AT_DropColumn":
                hazards += await self.dropped_column(target, str(cmd.name))
        return hazards

    async def added_column(self, target: Target, name: str, column: Any) -> list[Hazard]:
        self.added[(key(name), str(column.colname))] = new_column(column)
        hazards = add_column_hazards(target, column)
        for con in column.constraints or ():
            if enum_name(con.contype) != "CONSTR_GENERATED":
                continue
            if con.generated_kind == "s":  # computed for every row by the ADD
                hazards += await self.computes(target, [con.raw_expr], f"the stored column {column.colname}")
            else:  # VIRTUAL: computed when read
                hazards += await self.read_breaks(target, con.raw_expr, str(column.colname))
        return hazards

    def fills_new_columns(self, target: Target, assigned: set[str]) -> bool:
        """An UPDATE (a backfill) of columns this file adds, the live table lacks: what it replaces is this
        migration's own NULL, DEFAULT or earlier UPDATE's value, no data of the live rows (and the live table
        cannot count them: the column is not there)."""
        table = key(target.shown)
        return bool(assigned) and all((table, c) in self.added and c not in target.columns for c in assigned)

    def new_columns(self, target: Target, columns: set[str] | list[str]) -> dict[str, NewColumn]:
        """The columns of `columns` this file adds to `target`, with what the rows there hold in them."""
        table = key(target.shown)
        found = {c: self.added[(table, c)] for c in columns if (table, c) in self.added}
        return {
            c: replace(n, unknown="an UPDATE earlier in this migration sets it")
            if (table, c) in self.updated
            else n
            for c, n in found.items()
        }

    async def nulls(self, target: Target, columns: list[str], consequence: str) -> list[Hazard]:
        if not target.rows or any((key(target.shown), c) in self.updated for c in columns):
            return []
        if new := self.new_columns(target, columns):  # every row holds the column's DEFAULT, or NULL
            if nulls := [c for c, n in new.items() if n.value is None and not n.unknown]:
                added = f"{', '.join(nulls)} {_plural(len(nulls), 'is', 'are')} added by this migration without a DEFAULT"
                return [
                    observed(
                        FAILS,
                        f"{added}: its {target.described} hold NULL: {consequence}",
                        RowCount(target.rows),
                    )
                ]
            columns = [c for c in columns if c not in new]
            if not columns:
                return []
        found = await count_rows(
            self.conn, target, " OR ".join(f"t.{quote_ident(c)} IS NULL" for c in columns)
        )
        shown = ", ".join(columns)
        if found.rows is None:
            return [not_counted(FAILS, f"NULLs in {target.shown}.{shown}", found.not_counted, consequence)]
        if not found.rows:
            return unproven(FAILS, f"NULL in {shown}", target.shown, found, consequence)
        verb = "have" if found.rows != 1 or found.sampled else "has"
        return [
            observed(
                FAILS,
                f"{found.rows_text()} of {target.shown} {verb} {shown} NULL: {consequence}{found.example_text()}",
                found,
            )
        ]

    async def constraint(self, target: Target, con: Any) -> list[Hazard]:
        contype = enum_name(con.contype)
        if con.skip_validation or (not con.is_enforced and contype in ("CONSTR_CHECK", "CONSTR_FOREIGN")):
            if con.conname:  # validated later, or made ENFORCED (which validates it)
                self.not_valid[(key(target.shown), str(con.conname))] = con
            return []
        if not target.rows:
            return []
        keys = [str(k.sval) for k in con.keys or ()]
        if contype == "CONSTR_CHECK":
            return await self.check(target, con.raw_expr)
        if contype == "CONSTR_FOREIGN":
            return await self.orphans(target, con)
        if contype == "CONSTR_NOTNULL":
            return await self.nulls(target, keys, "the NOT NULL constraint cannot be added")
        if contype == "CONSTR_PRIMARY" and con.indexname:  # USING INDEX: unique already, its NULLs refused
            name = str(con.indexname)
            columns = self.index_keys.get(name) or await index_columns(self.conn, target.oid, name)
            return await self.nulls(target, columns, "the primary key cannot be added") if columns else []
        if contype in ("CONSTR_UNIQUE", "CONSTR_PRIMARY") and not con.indexname:
            what = "primary key" if contype == "CONSTR_PRIMARY" else "unique key"
            hazards = (
                await overlapping_key_hazards(self.conn, target, keys, what)
                if con.without_overlaps and len(keys) > 1
                else await duplicate_hazards(
                    self.conn,
                    target,
                    [f"t.{quote_ident(k)}" for k in keys],
                    keys,
                    bool(con.nulls_not_distinct),
                    None,
                )
            )
            if contype == "CONSTR_PRIMARY":
                hazards += await self.nulls(target, keys, "the primary key cannot be added")
            return hazards
        if contype == "CONSTR_EXCLUSION":
            return await exclusion_hazards(self.conn, target, con)
        return []

    async def check(self, target: Target, expr: Any) -> list[Hazard]:
        text, why = deparse(expr), ""
        if new := self.new_columns(target, columns_of(expr)):  # counted with the value the rows get
            expr, why = await with_new_values(self.conn, copy.deepcopy(expr), new)
        why = why or await refusal_on(self.conn, expr) or target.unsafe(columns_of(expr))
        consequence = "the CHECK fails if any row violates it"
        if why:
            return [not_counted(FAILS, f"rows of {target.shown} violating CHECK ({text})", why, consequence)]
        found = await count_rows(self.conn, target, f"({deparse(expr)}) IS FALSE")
        return from_count(
            FAILS,
            found,
            target.shown,
            consequence,
            uncounted=f"rows violating CHECK ({text})",
            unseen=f"row violating CHECK ({text})",
            seen=f"{found.rows_text()} of {target.shown} violate CHECK ({text}){found.example_text()}",
        )

    async def orphans(self, target: Target, con: Any) -> list[Hazard]:
        referenced_name = rangevar_name(con.pktable)
        referenced = await self.target(referenced_name, empty=True)
        columns = [str(c.sval) for c in con.fk_attrs or ()]
        ref_columns = [str(c.sval) for c in con.pk_attrs or ()] or list(referenced.key if referenced else ())
        full = con.fk_matchtype == "f"
        return await orphan_hazards(
            self.conn,
            target,
            columns,
            referenced,
            referenced_name,
            ref_columns,
            full=full,
            period=bool(con.fk_with_period),
        )

    async def unique_index(self, node: Any) -> list[Hazard]:
        target = await self.target(rangevar_name(node.relation))
        if target is None or not target.rows:
            return []
        values, shown, read = [], [], set()
        for element in node.indexParams or ():
            if element.name:
                values.append(f"t.{quote_ident(str(element.name))}")
                shown.append(str(element.name))
                read.add(str(element.name))
            else:
                why = await refusal_on(self.conn, element.expr)
                if why:
                    return [
                        not_counted(FAILS, f"duplicates in {target.shown}", why, "the unique index fails")
                    ]
                values.append(deparse(element.expr))
                shown.append(values[-1])
                read |= columns_of(element.expr)
        where = None
        if node.whereClause is not None:
            if why := await refusal_on(self.conn, node.whereClause):
                return [not_counted(FAILS, f"duplicates in {target.shown}", why, "the unique index fails")]
            where = deparse(node.whereClause)
            read |= columns_of(node.whereClause)
        if why := target.unsafe(read):
            return [not_counted(FAILS, f"duplicates in {target.shown}", why, "the unique index fails")]
        found = await duplicate_hazards(
            self.conn, target, values, shown, bool(node.nulls_not_distinct), where
        )
        if node.concurrent:  # its failure commits the index as INVALID: a retry under its name fails on it
            index = f"the invalid index {node.idxname}" if node.idxname else "an invalid index"
            left = f"; CONCURRENTLY leaves {index} behind: drop it to retry"
            found = [replace(h, message=h.message + left) if h.count else h for h in found]
        return found

    async def expression_index(self, node: Any) -> list[Hazard]:
        """An index's expressions and predicate are computed for every row as it is built."""
        target = await self.target(rangevar_name(node.relation))
        if target is None:
            return []
        computed = [e.expr for e in node.indexParams or () if not e.name]
        if not computed and node.whereClause is None:
            return []
        return await self.computes(target, computed, "the index's expressions", where=node.whereClause)

    async def computes(
        self, target: Target, expressions: list[Any], what: str, *, where: Any = None
    ) -> list[Hazard]:
        """Expressions a statement computes for every row (a stored generated column, an index's keys): one
        that raises on a row there now (a division by zero, a cast) fails the statement, so each is evaluated
        over the rows, when the allowlist lets it, to see. A partial index's predicate is computed for every
        row and its keys only where it holds, as the server builds it."""
        for expr in [*expressions, *([where] if where is not None else [])]:
            if why := await refusal_on(self.conn, expr) or target.unsafe(columns_of(expr)):
                consequence = "the statement fails if it raises on any row"
                return [not_counted(FAILS, f"whether {what} computes on {target.shown}", why, consequence)]
        chosen = f"({deparse(where)}) IS TRUE" if where is not None else ""
        try:
            if chosen:
                await count_rows(self.conn, target, f"({chosen}) IS NULL")
            for expr in expressions:
                value = f"CASE WHEN {chosen} THEN ({deparse(expr)}) END" if chosen else f"({deparse(expr)})"
                await count_rows(self.conn, target, f"{value} IS NULL")
        except Failed as exc:  # the row is not named: the server stops at the first
            message = (
                f"computing {what} raises on a row of {target.shown} ({exc.message}): the statement fails"
            )
            return [raised(FAILS, message)]
        return []

    async def read_breaks(self, target: Target, expr: Any, column: str) -> list[Hazard]:
        """A virtual column is computed when read: one that raises on a row there now lets the ALTER pass and
        breaks every query that reads it (SELECT * too)."""
        if await refusal_on(self.conn, expr) or target.unsafe(columns_of(expr)):
            return []  # not evaluated, and the ALTER itself passes: nothing to say
        try:
            await count_rows(self.conn, target, f"({deparse(expr)}) IS NULL")
        except Failed as exc:
            message = (
                f"reading the virtual column {column} raises on a row of {target.shown} ({exc.message}): "
                "the ALTER passes, then every query that reads it (SELECT * too) fails on that row"
            )
            return [observed("backward-incompatible", message)]
        return []

    async def _validated_when_empty(self, name: str, node: Any) -> list[Hazard]:
        """An empty table has no row to count, but a VALIDATE of a NOT ENFORCED constraint, live or added by
        this file, is refused all the same (it was said only where the table held rows)."""
        kinds = ("AT_AddConstraint", "AT_ValidateConstraint")
        cmds = [cmd for cmd in node.cmds or () if enum_name(cmd.subtype) in kinds]
        if not cmds or (target := await self.target(name, empty=True, only=not node.relation.inh)) is None:
            return []
        hazards: list[Hazard] = []
        for (
            cmd
        ) in cmds:  # an ADD is remembered (NOT ENFORCED, NOT VALID), its rows not counted: there are none
            if enum_name(cmd.subtype) == "AT_AddConstraint":
                hazards += await self.constraint(target, cmd.def_)
            else:
                hazards += await self.validate(target, str(cmd.name))
        return hazards

    async def validate(self, target: Target, name: str, *, enforcing: bool = False) -> list[Hazard]:
        """VALIDATE CONSTRAINT, or (`enforcing`) ALTER CONSTRAINT ... ENFORCED, which validates a foreign key
        NOT ENFORCED (PostgreSQL 18) and leaves one enforced as it is."""
        pending = self.not_valid.pop((key(target.shown), name), None)
        # Only a CHECK or a foreign key is ever NOT ENFORCED: the parser leaves is_enforced unset on the others
        # (a NOT NULL added NOT VALID, PostgreSQL 18), which are enforced all the same.
        enforced = pending is not None and (
            pending.is_enforced or enum_name(pending.contype) not in ("CONSTR_CHECK", "CONSTR_FOREIGN")
        )
        if (
            pending is not None and enforced == enforcing
        ):  # VALIDATE of one NOT ENFORCED, ENFORCED of one NOT VALID
            self.not_valid[(key(target.shown), name)] = pending
            return [] if enforcing else [_not_enforced(target, name)]
        if pending is not None:
            pending.skip_validation = False
            pending.is_enforced = True
            return await self.constraint(target, pending)
        found = await catalog_constraint(self.conn, target.oid, name)
        if found is None or (enforcing and found.enforced):
            return []
        if not (enforcing or found.enforced):
            return [_not_enforced(target, name)]  # on an empty table too: no row is read to refuse it
        if not target.rows:
            return []
        if found.kind == "c":
            return await self.check(target, found.expression)
        if found.kind == "n":
            return await self.nulls(target, found.columns, "VALIDATE fails")
        if found.kind == "f" and found.referenced:
            referenced = await self.target(found.referenced, empty=True)
            ref = (found.referenced, found.ref_columns)
            return await orphan_hazards(
                self.conn, target, found.columns, referenced, *ref, full=found.match_full, period=found.period
            )
        return []

    async def dropped_column(self, target: Target, column: str) -> list[Hazard]:
        return await dropped_column_hazards(self.conn, target, column)

    async def drop(self, node: Any) -> list[Hazard]:
        return await drop_hazards(self.conn, node, self.target, self.live_oids)

    async def live_oids(self, names: list[str]) -> list[int]:
        """The live relations `names` resolve to (the session's path), those this file created left out."""
        found = []
        for name in names:
            if key(name) not in self.created:
                oid = await self.conn.fetchval(
                    "SELECT pg_catalog.to_regclass($1)::pg_catalog.oid::pg_catalog.int8", regclass_text(name)
                )
                found += [int(oid)] if oid is not None else []
        return found

    async def deleted(self, node: Any) -> list[Hazard]:
        target = await self.target(rangevar_name(node.relation), only=not node.relation.inh)
        return await delete_hazards(self.conn, target, node) if target is not None else []

    async def truncated(self, node: Any) -> list[Hazard]:
        return await truncate_hazards(self.facts, node, self.target, self.live_oids, self.dropped)
