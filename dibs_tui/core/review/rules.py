"""The hazards of each statement shape: locks, rewrites, data loss and steps that fail on the data there now,
worked out from the statement's shape and the live database's facts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..migrations.files import alone_if_partitioned, runs_outside_transaction
from ..sql import quote_ident
from ..sqlparse import statement_info, strip_comments
from .dropped_keys import keys_dropped_with
from .facts import Facts, TableFacts
from .names import IDENT, NAME, key, regclass_text, split_top_level, unquote
from .replication import replication_hazards
from .report import Cost, Hazard, concurrent_way, runs_alone
from .shapes import Shape, action_locks, shape_of, typed_table_actions
from .type_changes import binary_coercible

if TYPE_CHECKING:
    from .observed import Costing

_VOLATILE_DEFAULT = re.compile(
    r"\bDEFAULT\b.*\b(clock_timestamp|random|gen_random_uuid|uuid_generate_v\w*|uuidv4|uuidv7|nextval|"
    r"timeofday|statement_timestamp)\s*\(",
    re.IGNORECASE,
)
_STORED_OR_IDENTITY = re.compile(r"\bGENERATED\b.*(\bAS\s+IDENTITY\b|\bSTORED\b)", re.IGNORECASE | re.DOTALL)


# Said of a new constraint's check on a table small enough (core/review/facts.py: QUICK_CHECK_ROWS, _BYTES)
_QUICK = "milliseconds at this size, so NOT VALID and a later VALIDATE would spare nothing"


def _adds_enum_label(sql: str) -> bool:
    """ALTER TYPE ... ADD VALUE: PostgreSQL (12 and later) runs it in a transaction; only using the new label
    before commit fails, which the trace shows."""
    info = statement_info(sql)
    return info is not None and info.node_type == "AlterEnumStmt"


class Reviewer:
    def __init__(self, facts: Facts, costing: Costing | None = None) -> None:
        self.facts = facts
        self.costing = costing
        self.created: set[str] = set()
        self.only_statement = False  # the file has this one statement (core/review/run.py says)
        self.later: list[str] = []  # the file's statements after the one reviewed (core/review/run.py sets)

    async def existing(self, name: str) -> TableFacts | None:
        """Facts for a table that exists and was not created earlier in this file."""
        if key(name) in self.created:
            return None
        return await self.facts.table(name)

    async def statement(
        self, sql: str, line: int, added_again: Mapping[tuple[str, str], int] | None = None
    ) -> list[Hazard]:
        """`added_again`: the (table, column) pairs this statement drops that a later statement of the same
        transaction adds again, with that statement's line (`core.review.run`)."""
        hazards: list[Hazard] = []
        if runs_outside_transaction(sql) and not _adds_enum_label(sql):
            said = runs_alone(
                False, only_statement=self.only_statement, if_partitioned=alone_if_partitioned(sql)
            )
            hazards.append(Hazard("non-transactional", said))
        shape = shape_of(sql)
        if shape.action == "create-table":
            self.created.add(key(shape.table))
        elif shape.action == "create-index":
            hazards += await self.create_index(shape)
        elif shape.action == "vacuum-full":
            for name in shape.tables:
                hazards += await self.rewrite(name, "VACUUM FULL")
        elif shape.action == "reindex" and not shape.concurrent:
            hazards += await self.reindex(shape)
        elif shape.action == "drop-tables":
            hazards += await self.drop_tables(shape.verb, list(shape.tables), sql)
        elif shape.action == "drop-index" and not shape.concurrent:
            for name in shape.tables:
                hazards += await self.drop_index(name)
        elif shape.action == "alter-table" and (
            m := re.match(
                rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?({NAME})\s+(.*)",
                strip_comments(sql),  # only here: a data migration's 8 MiB INSERT is 1.5 million tokens
                re.IGNORECASE | re.DOTALL,
            )
        ):
            actions, locks = split_top_level(m.group(2)), action_locks(sql)
            if len(locks) != len(actions):  # the text split other than the parse tree: no lock to go by
                locks = ("",) * len(actions)
            for action, mode in zip(actions, locks, strict=True):
                found = await self.alter_action(shape.table, action, added_again or {})
                if mode and mode != "ACCESS EXCLUSIVE":  # the server's own lock level for this action
                    own = f"takes ACCESS EXCLUSIVE on {shape.table} ("
                    found = [h for h in found if not h.message.startswith(own)]
                hazards += found
        elif shape.action in ("lock-table", "rename-object", "alter-typed-tables"):
            hazards += await self.lock_rename_or_type(shape, sql)
        return hazards + await replication_hazards(self.facts, sql, self.created, self.later)

    async def typed_tables(self, composite: str, sql: str) -> list[Hazard]:
        """ALTER TYPE ... ATTRIBUTE ... CASCADE alters each table of the type as ALTER TABLE ... COLUMN would
        (locked, rewritten where the new type is not binary coercible): said per table the same way. An
        action without CASCADE reaches none (the server refuses it while such a table exists)."""
        cascaded = typed_table_actions(sql)
        hazards: list[Hazard] = []
        for table in await self._tables_of_type(composite):
            for action in cascaded:
                hazards += await self.alter_action(table, action, {})
        return hazards

    async def _tables_of_type(self, composite: str) -> list[str]:
        rows = await self.facts.conn.fetch(
            "SELECT c.oid::pg_catalog.regclass::pg_catalog.text FROM pg_catalog.pg_class c WHERE c.reloftype "
            "OPERATOR(pg_catalog.=) pg_catalog.to_regtype($1) ORDER BY 1",
            regclass_text(composite),
        )
        return [str(table) for (table,) in rows]

    async def lock_taken(self, sql: str) -> str:
        """The strongest table lock the statement takes; an ALTER TYPE ... CASCADE's none where no table is of
        the type (it alters the type alone); a DROP INDEX's on the index's table, which the shape cannot name."""
        shape = shape_of(sql)
        typed = shape.action in ("alter-typed-tables", "rename-object") and shape.table
        if typed and not await self._tables_of_type(shape.table):
            return ""
        if shape.action == "drop-index" and not shape.concurrent and shape.tables:  # its table's
            owner = await self._index_table(shape.tables[0])
            return f"ACCESS EXCLUSIVE on {owner}" if owner else ""
        return shape.lock

    async def lock_rename_or_type(self, shape: Shape, sql: str) -> list[Hazard]:
        if shape.action == "lock-table":
            return await self.lock_table(shape)
        if shape.action == "alter-typed-tables":
            return await self.typed_tables(shape.table, sql)
        renamed = Hazard(
            "backward-incompatible",
            "renames or moves an object that running clients may still use by its old name",
        )
        return [renamed, *(await self.typed_tables(shape.table, sql) if shape.table else [])]

    def lock(self, table: TableFacts, name: str, what: str = "") -> Hazard:
        return Hazard(
            "access-exclusive-lock",
            f"takes ACCESS EXCLUSIVE on {name} ({table.describe()}): blocks "
            f"reads and writes{what} until the transaction commits",
        )

    async def lock_table(self, shape: Shape) -> list[Hazard]:
        """An explicit LOCK held until commit: ACCESS EXCLUSIVE blocks reads too, SHARE, SHARE ROW EXCLUSIVE
        and EXCLUSIVE every writer (the weaker modes block no reader or writer)."""
        hazards = []
        for name in shape.tables:
            table = await self.existing(name)
            if table is None or not table.reached:
                continue
            if shape.verb == "ACCESS EXCLUSIVE":
                hazards.append(self.lock(table, name))
            elif shape.verb in ("SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE"):
                hazards.append(
                    Hazard(
                        "write-blocking-lock",
                        f"takes {shape.verb} on {name} ({table.describe()}): blocks every INSERT, UPDATE and "
                        "DELETE on it (reads go on) until the transaction commits",
                    )
                )
        return hazards

    async def rewrite(self, name: str, how: str) -> list[Hazard]:
        table = await self.existing(name)
        if table is None or not table.reached:
            return []
        cost = await self.costing.rewrite(table) if self.costing else None
        return [
            Hazard("table-rewrite", f"{how} rewrites {name} ({table.describe()}) and its indexes", cost=cost)
        ]

    async def blocking_build(self, table: TableFacts, name: str, what: str, sql: str) -> Hazard:
        """Always said, with the size it scans: a short build on a busy table still stops its writers."""
        cost = await self.costing.build(table) if self.costing else None
        return Hazard(
            "blocking-index-build",
            f"{what} on {name} ({table.describe()}) without CONCURRENTLY: its SHARE lock blocks writes for the "
            f"whole build{concurrent_way(sql)}",
            cost=cost,
        )

    async def reindex(self, shape: Shape) -> list[Hazard]:
        name = shape.table
        if shape.of_index:
            name = await self.facts.conn.fetchval(
                "SELECT indrelid::pg_catalog.regclass::pg_catalog.text FROM pg_catalog.pg_index "
                "WHERE indexrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1)",
                regclass_text(shape.table),
            )
        table = await self.existing(name) if name else None
        if table is None:
            return []
        return [await self.blocking_build(table, name, "rebuilds indexes", "REINDEX")]

    async def create_index(self, shape: Shape) -> list[Hazard]:
        name = shape.table
        table = await self.existing(name)
        if table is None or shape.concurrent:
            return []
        return [await self.blocking_build(table, name, "builds an index", "CREATE INDEX")]

    async def drop_tables(self, verb: str, names: list[str], sql: str) -> list[Hazard]:
        hazards: list[Hazard] = []
        for name in names:
            table = await self.existing(name)
            if table is not None and table.reached:
                hazards.append(self.lock(table, name))
        if verb == "DROP":
            info = statement_info(sql)
            cascade = info is not None and info.body.get("behavior") == "DROP_CASCADE"
            kept = [n for n in names if key(n) not in self.created]
            hazards += await keys_dropped_with(self.facts, kept, cascade)
        return hazards

    async def _index_table(self, index: str) -> str:
        """The table of `index` (as regclass prints it); "" where there is none."""
        return str(
            await self.facts.conn.fetchval(
                "SELECT indrelid::pg_catalog.regclass::pg_catalog.text FROM pg_catalog.pg_index "
                "WHERE indexrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1)",
                regclass_text(index),
            )
            or ""
        )

    async def drop_index(self, name: str) -> list[Hazard]:
        owner = await self._index_table(name)
        table = await self.existing(owner) if owner else None
        if table is None or not table.reached:
            return []
        return [self.lock(table, owner, " (use DROP INDEX CONCURRENTLY)")]

    async def alter_action(
        self, name: str, action: str, added_again: Mapping[tuple[str, str], int]
    ) -> list[Hazard]:
        upper = action.upper()
        table = await self.existing(name)
        if table is None:
            return []
        hazards: list[Hazard] = []
        has_rows = table.reached > 0
        if re.match(r"(RENAME|SET\s+SCHEMA)\b", upper):
            if not re.match(r"RENAME\s+CONSTRAINT\b", upper):
                hazards.append(
                    Hazard(
                        "backward-incompatible",
                        f"{action.split(' TO ')[0].lower()} on {name}: "
                        "running clients that use the old name break",
                    )
                )
            if has_rows:
                hazards.append(self.lock(table, name))
            return hazards
        if re.match(
            r"ADD\s+(CONSTRAINT\s+\S+\s+)?(CHECK|FOREIGN\s+KEY|UNIQUE|PRIMARY\s+KEY|EXCLUDE)\b", upper
        ):
            return await self.add_constraint(table, name, action)
        if m := re.match(rf"ADD\s+CONSTRAINT\s+({IDENT})\s+NOT\s+NULL\s+({IDENT})", action, re.IGNORECASE):
            return await self.add_not_null(table, name, m, upper) if has_rows else []  # NULLs: counted live
        if re.match(r"SET\s+(UN)?LOGGED\b", upper):
            return [self.lock(table, name), *await self.rewrite(name, action.strip().upper())]
        if m := re.match(
            rf"ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?({IDENT})\s+(.*)",
            action,
            re.IGNORECASE | re.DOTALL,
        ):
            return self.add_column(table, name, unquote(m.group(1)), m.group(2))
        m = re.match(rf"DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?({IDENT})", action, re.IGNORECASE)
        if m and m.group(1).upper() != "CONSTRAINT":
            column = unquote(m.group(1))
            return await self.drop_column(table, name, column, added_again.get((name, column)))
        if m := re.match(rf"ALTER\s+(?:COLUMN\s+)?({IDENT})\s+(.*)", action, re.IGNORECASE | re.DOTALL):
            return await (
                self.alter_constraint(table, name, m.group(2))  # ALTER CONSTRAINT name ...
                if m.group(1).upper() == "CONSTRAINT"
                else self.alter_column(table, name, unquote(m.group(1)), m.group(2))
            )
        if m := re.match(rf"(ATTACH|DETACH)\s+PARTITION\s+({NAME})(.*)", action, re.IGNORECASE | re.DOTALL):
            return await self.partition_locks(name, m.group(2), m.group(1).upper(), m.group(3).upper())
        if m := re.match(r"(ENABLE|FORCE)\s+ROW\s+LEVEL\s+SECURITY\b", upper):
            return await self.row_security(table, name, m.group(1)) + (
                [self.lock(table, name)] if has_rows else []
            )
        if re.match(
            r"VALIDATE\s+CONSTRAINT|SET\s+STATISTICS|(ENABLE|DISABLE)\s+(ALWAYS\s+|REPLICA\s+)?TRIGGER|"
            r"CLUSTER\s+ON|SET\s+WITHOUT\s+CLUSTER",
            upper,
        ):
            return []
        if has_rows:
            hazards.append(self.lock(table, name))
        return hazards

    async def alter_constraint(self, table: TableFacts, name: str, rest: str) -> list[Hazard]:
        """ALTER CONSTRAINT ... ENFORCED of a foreign key NOT ENFORCED (PostgreSQL 18) checks every row under
        ACCESS EXCLUSIVE, and blocks writes to the table it references; NOT ENFORCED of one enforced drops its
        triggers there under ACCESS EXCLUSIVE. Anything else (no switch) holds ACCESS EXCLUSIVE on the table."""
        if not table.reached:
            return []
        m = re.match(rf"({IDENT})\s+(.*)", rest, re.DOTALL)
        words = re.sub(r"\s+", " ", m.group(2).upper()) if m is not None else ""
        enforcing = bool(re.search(r"(?<!NOT )\bENFORCED\b", words))
        if m is None or not (enforcing or "NOT ENFORCED" in words):
            return [self.lock(table, name)]
        referenced = await self.facts.scalar(
            "SELECT c.confrelid::pg_catalog.regclass::pg_catalog.text FROM pg_catalog.pg_constraint c "
            "WHERE c.conrelid OPERATOR(pg_catalog.=) $1::pg_catalog.oid AND c.conname OPERATOR(pg_catalog.=) $2 "
            "AND c.contype OPERATOR(pg_catalog.=) 'f' AND ((pg_catalog.to_jsonb(c) OPERATOR(pg_catalog.->>) "
            "'conenforced') IS DISTINCT FROM 'false') OPERATOR(pg_catalog.<>) $3",
            table.oid,
            unquote(m.group(1)),
            enforcing,
        )
        if referenced is None:
            return [self.lock(table, name)]
        if not enforcing:
            return [
                self.lock(table, name),
                Hazard(
                    "access-exclusive-lock",
                    f"takes ACCESS EXCLUSIVE on {referenced} (the key's triggers there dropped): blocks reads and "
                    "writes until the transaction commits",
                ),
            ]
        return [
            self.lock(table, name, " for the whole read of every row it checks against the key, and"),
            Hazard(
                "write-blocking-lock",
                f"takes SHARE ROW EXCLUSIVE on {referenced}: blocks every INSERT, UPDATE and DELETE on it (reads "
                "go on) until the transaction commits",
            ),
        ]

    async def row_security(self, table: TableFacts, name: str, verb: str) -> list[Hazard]:
        """ENABLE ROW LEVEL SECURITY: clients but the owner, superusers and BYPASSRLS roles see only what the
        policies allow; FORCE: the owner too. Nothing where the table has it already."""
        column = "relrowsecurity" if verb == "ENABLE" else "relforcerowsecurity"
        if await self.facts.scalar(
            f"SELECT {column} FROM pg_catalog.pg_class WHERE oid OPERATOR(pg_catalog.=) $1::pg_catalog.oid",
            table.oid,
        ):
            return []
        who = (
            "roles other than its owner, superusers and BYPASSRLS roles now read and write"
            if verb == "ENABLE"
            else "its owner too (FORCE, once row level security is enabled) now reads and writes"
        )
        return [
            Hazard(
                "backward-incompatible",
                f"row level security on {name}: {who} only the rows its policies allow (none where no policy "
                "applies): clients that saw every row see fewer, or none",
            )
        ]

    async def partition_locks(self, parent: str, partition: str, verb: str, rest: str) -> list[Hazard]:
        """ATTACH takes ACCESS EXCLUSIVE on the table attached and the default partition (SHARE UPDATE EXCLUSIVE
        on the parent); DETACH on the parent, the partition and the default one; CONCURRENTLY or FINALIZE on
        none of them."""
        default = await self.facts.conn.fetchval(
            "SELECT partdefid::pg_catalog.regclass::pg_catalog.text FROM pg_catalog.pg_partitioned_table "
            "WHERE partrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1) AND partdefid OPERATOR(pg_catalog.<>) 0",
            regclass_text(parent),
        )
        if verb == "DETACH" and re.search(r"\bCONCURRENTLY\b", rest) and default:
            return [
                Hazard(
                    "fails-on-existing-data",
                    f"{parent} has a default partition ({default}): PostgreSQL refuses DETACH PARTITION ... "
                    "CONCURRENTLY while it has one",
                )
            ]
        if re.search(r"\b(CONCURRENTLY|FINALIZE)\b", rest):
            return []
        names = [parent] if verb == "DETACH" else []
        hazards = []
        for name in [*names, partition, *([default] if default else [])]:
            table = await self.existing(name)
            if table is not None and table.reached:
                hazards.append(self.lock(table, name))
        return hazards

    def add_column(self, table: TableFacts, name: str, column: str, definition: str) -> list[Hazard]:
        if not table.reached:
            return []
        upper = definition.upper()
        hazards = [self.lock(table, name)]
        identity = _STORED_OR_IDENTITY.search(definition) or re.match(r"(BIG|SMALL)?SERIAL\b", upper.strip())
        if identity or _VOLATILE_DEFAULT.search(definition):
            hazards.append(
                Hazard(
                    "table-rewrite",
                    f"{column}'s value is computed per row: rewrites {name} ({table.describe()})",
                )
            )
        if re.search(r"\b(UNIQUE|PRIMARY\s+KEY)\b", upper):
            hazards.append(
                Hazard(
                    "blocking-index-build",
                    f"builds a unique index on {name} ({table.describe()}) while holding ACCESS EXCLUSIVE",
                )
            )
        return hazards

    async def drop_column(
        self, table: TableFacts, name: str, column: str, again_at: int | None = None
    ) -> list[Hazard]:
        """`again_at`: the line of a later statement of the same transaction that adds the column again (the
        diff does so around a retyped column a generated column reads): no client sees it missing, only at
        its new place."""
        broken = (
            f"drops {name}.{column}: running clients that read or write it break"
            if again_at is None
            else f"drops {name}.{column} and adds it again at line {again_at}, in the same transaction: clients "
            "never see it missing, but it is now the table's last column (SELECT * and COPY without a column "
            "list see another order)"
        )
        hazards = [Hazard("backward-incompatible", broken)]
        if not table.reached:
            return hazards
        hazards.append(self.lock(table, name))
        return hazards

    async def alter_column(self, table: TableFacts, name: str, column: str, rest: str) -> list[Hazard]:
        upper = rest.upper().strip()
        hazards: list[Hazard] = []
        if upper.startswith("DROP DEFAULT") and await self.facts.not_null(table, column):
            return [
                Hazard(
                    "backward-incompatible",
                    f"{name}.{column} is NOT NULL and loses its default: inserts that leave it out now fail",
                )
            ] + ([self.lock(table, name)] if table.reached else [])
        if upper.startswith("DROP NOT NULL"):
            return [
                Hazard(
                    "backward-incompatible",
                    f"{name}.{column} may now be NULL: clients that assume a value break",
                )
            ] + ([self.lock(table, name)] if table.reached else [])
        if not table.reached:
            return []
        scans = "NOT NULL" in upper and not await self.facts.proven_not_null(table, column)
        hazards.append(self.lock(table, name, " (and scans it)" if scans else ""))
        if scans and upper.startswith("SET NOT NULL"):
            hazards.extend(await self.not_null_not_valid(table, name, column, "SET NOT NULL"))
        if upper.startswith("SET EXPRESSION") and await self.facts.generated(table, column) == "s":
            # a stored column's values computed again for every row; a virtual one's are computed when read
            hazards.append(
                Hazard(
                    "table-rewrite",
                    f"rewrites {name} ({table.describe()}) and rebuilds its indexes: {column} is a stored "
                    "generated column, its new expression computed for every row",
                )
            )
        if m := re.match(
            r"(?:SET\s+DATA\s+)?TYPE\s+(.+?)(\s+COLLATE\s+.+?)?(\s+USING\s+(.*))?$",
            rest.strip(),
            re.IGNORECASE | re.DOTALL,
        ):
            new_type = m.group(1).strip()
            old_type = await self.facts.column_type(table, column)
            spelled = await self.facts.type_spelling(new_type) or new_type  # int8 is bigint
            utc = await self.facts.scalar("SELECT pg_catalog.current_setting('TimeZone')") in _UTC_ZONES
            # USING an expression other than the column (or its cast) computes every row: the same type too
            using = _USING_COLUMN.fullmatch((m.group(4) or "").strip())
            computed = m.group(4) is not None and (using is None or unquote(using.group(1)) != column)
            if old_type is None or computed or not binary_coercible(old_type, spelled, utc=utc):
                hazards.append(
                    Hazard(
                        "table-rewrite",
                        f"{name}.{column} {old_type or '?'} -> {new_type}: rewrites "
                        f"{name} ({table.describe()}) and rebuilds its indexes",
                    )
                )
        return hazards

    async def add_not_null(self, table: TableFacts, name: str, m: re.Match[str], upper: str) -> list[Hazard]:
        """ADD CONSTRAINT c NOT NULL col (PostgreSQL 18): NOT VALID or proven, its lock alone; else it scans."""
        column = unquote(m.group(2))
        if re.search(r"\bNOT\s+VALID\s*$", upper) or await self.facts.proven_not_null(table, column):
            return [self.lock(table, name)]
        what = "ADD CONSTRAINT ... NOT NULL"
        return [
            self.lock(table, name, " (and scans it)"),
            *await self.not_null_not_valid(table, name, column, what, unquote(m.group(1))),
        ]

    async def not_null_not_valid(
        self, table: TableFacts, name: str, column: str, what: str, constraint: str | None = None
    ) -> list[Hazard]:
        """PostgreSQL 18's way past a NOT NULL's scan under ACCESS EXCLUSIVE, on a table where the scan is not
        milliseconds: ADD CONSTRAINT ... NOT NULL ... NOT VALID, then VALIDATE CONSTRAINT (SHARE UPDATE
        EXCLUSIVE). Not the older servers' CHECK (col IS NOT NULL) trick: three steps and a constraint made
        only to be dropped, where PostgreSQL 18's NOT NULL takes NOT VALID itself."""
        if await self.facts.quick_check_bytes(table) is not None:
            return []
        default = await self.facts.not_null_name(table, column)
        if default is None:
            return []
        constraint = constraint or default
        named, column = quote_ident(constraint), quote_ident(column)
        return [
            Hazard(
                "constraint-without-not-valid",
                f"{what} reads every row of {name} ({table.describe()}) under ACCESS EXCLUSIVE; add it "
                f"NOT VALID (ADD CONSTRAINT {named} NOT NULL {column} NOT VALID), then VALIDATE CONSTRAINT "
                f"{named}, which reads them under SHARE UPDATE EXCLUSIVE: writes go on",
            )
        ]

    async def add_constraint(self, table: TableFacts, name: str, action: str) -> list[Hazard]:
        upper = action.upper()
        hazards: list[Hazard] = []
        if not table.reached:
            return []
        # NOT ENFORCED (PostgreSQL 18): the server neither checks the rows nor later writes
        not_valid = bool(re.search(r"\bNOT\s+(VALID|ENFORCED)\s*$", upper))
        if re.search(r"\bCHECK\s*\(", action, re.IGNORECASE):
            if not_valid:
                return hazards
            if (size := await self.facts.quick_check_bytes(table)) is not None:
                return [
                    Hazard(
                        "access-exclusive-lock",
                        f"takes ACCESS EXCLUSIVE on {name} ({table.describe()}) and reads every row to check "
                        f"it: {_QUICK}; blocks reads and writes until the transaction commits",
                        cost=Cost(size),
                    )
                ]
            hazards.append(
                Hazard(
                    "constraint-without-not-valid",
                    f"CHECK without NOT VALID scans {name} "
                    f"({table.describe()}) under ACCESS EXCLUSIVE; add NOT VALID, then VALIDATE",
                )
            )
            hazards.append(self.lock(table, name))
        elif m := re.search(
            rf"\bFOREIGN\s+KEY\s*\(([^)]*)\)\s*REFERENCES\s+({NAME})\s*(\(([^)]*)\))?", action, re.IGNORECASE
        ):
            if not_valid:
                return hazards
            if (size := await self.facts.quick_check_bytes(table)) is not None:
                return [
                    Hazard(
                        "write-blocking-lock",
                        f"takes SHARE ROW EXCLUSIVE on {name} ({table.describe()}) and on {m.group(2)}, and "
                        f"checks every row of {name} against {m.group(2)}: {_QUICK}; blocks every INSERT, "
                        "UPDATE and DELETE on both (reads go on) until the transaction commits",
                        cost=Cost(size),
                    )
                ]
            hazards.append(
                Hazard(
                    "constraint-without-not-valid",
                    f"FOREIGN KEY without NOT VALID checks every "
                    f"row of {name} ({table.describe()}) while blocking writes to both tables; "
                    "add NOT VALID, then VALIDATE",
                )
            )
        elif re.search(
            r"\b(UNIQUE|PRIMARY\s+KEY)\s*(?:NULLS\s+(?:NOT\s+)?DISTINCT\s*)?\(", action, re.IGNORECASE
        ):
            hazards.append(self.lock(table, name))
            if "USING INDEX" in upper:
                return hazards
            cost = await self.costing.build(table) if self.costing else None
            hazards.append(
                Hazard(
                    "blocking-index-build",
                    f"builds its index on {name} ({table.describe()}) "
                    "under ACCESS EXCLUSIVE: build it CONCURRENTLY first, then ADD ... USING "
                    "INDEX",
                    cost=cost,
                )
            )
        else:
            hazards.append(self.lock(table, name))
        return hazards


# Zones whose offset is always zero: there PostgreSQL changes timestamp <-> timestamptz without a rewrite (the
# values stay the same); any other zone rewrites the table
_UTC_ZONES = frozenset(
    {"UTC", "Etc/UTC", "UCT", "Etc/UCT", "GMT", "Etc/GMT", "GMT0", "Etc/GMT0", "GMT+0", "Etc/GMT+0", "GMT-0",
     "Etc/GMT-0", "Greenwich", "Etc/Greenwich", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu"}
)  # fmt: skip
_USING_COLUMN = re.compile(rf"(?:{IDENT}\s*\.\s*)?({IDENT})(?:\s*::\s*[\w\s.\"(),\[\]]+)?", re.DOTALL)
