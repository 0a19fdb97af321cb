"""Review a migration statement by statement: the locks it takes, rewrites, data loss, steps that will fail on
the data that is there now, and statements that cannot run in a transaction.

Hazard kinds (stable vocabulary, used in JSON): access-exclusive-lock, table-rewrite, data-loss,
fails-on-existing-data, blocking-index-build, constraint-without-not-valid, non-transactional,
backward-incompatible.

Counts come from the live database with bounded queries inside one read-only transaction: exact counts up to
EXACT_COUNT_LIMIT rows (else the pg_class.reltuples estimate, said so), every data check under a
statement_timeout of CHECK_TIMEOUT (a check that times out is reported as unknown, never as safe). A table
created earlier in the same file carries no lock, rewrite or index hazard; data-dependent hazards are raised
only when the data present triggers them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from .connect import ConnectionTarget, connect
from .migrations import is_transaction_control, runs_outside_transaction, split_statements, strip_comments
from .review_shapes import Shape, shape_of
from .session import current_limits
from .sql import quote_literal

HAZARD_KINDS = (
    "access-exclusive-lock",
    "table-rewrite",
    "data-loss",
    "fails-on-existing-data",
    "blocking-index-build",
    "constraint-without-not-valid",
    "non-transactional",
    "backward-incompatible",
)
LARGE_TABLE_ROWS = 10_000  # an index build over more rows blocks writes long enough to matter
EXACT_COUNT_LIMIT = 100_000  # above this, row counts are the planner's estimate
CHECK_TIMEOUT = "2s"

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_NAME = rf"{_IDENT}(?:\s*\.\s*{_IDENT})*"
_VOLATILE_DEFAULT = re.compile(
    r"\bDEFAULT\b.*\b(clock_timestamp|random|gen_random_uuid|uuid_generate_v\w*|nextval|timeofday|"
    r"statement_timestamp)\s*\(",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Hazard:
    kind: str
    message: str


@dataclass(frozen=True)
class ReviewedStatement:
    sql: str
    line: int
    hazards: tuple[Hazard, ...] = ()
    transactional: bool = True
    lock: str = (
        ""  # the strongest table lock it takes, e.g. "ACCESS EXCLUSIVE on issues" ("" for none/unknown)
    )


@dataclass(frozen=True)
class Review:
    file: str
    statements: tuple[ReviewedStatement, ...]

    @property
    def hazards(self) -> list[tuple[ReviewedStatement, Hazard]]:
        return [(s, h) for s in self.statements for h in s.hazards]

    def to_json(self) -> str:
        return json.dumps(
            {
                "statements": [
                    {
                        "sql": s.sql,
                        "line": s.line,
                        "hazards": [{"kind": h.kind, "message": h.message} for h in s.hazards],
                    }
                    for s in self.statements
                ]
            },
            indent=2,
        )

    def to_text(self) -> str:
        out: list[str] = []
        for s in self.statements:
            first = s.sql.strip().splitlines()[0] if s.sql.strip() else ""
            more = " …" if "\n" in s.sql.strip() else ""
            out.append(f"{self.file}:{s.line}: {first}{more}")
            if s.lock:
                out.append(f"    lock: {s.lock}")
            out += [f"    ! {h.kind}: {h.message}" for h in s.hazards]
        count = len(self.hazards)
        out.append(f"{len(self.statements)} statements, {count} hazard{'s' if count != 1 else ''}")
        return "\n".join(out)


def _unquote(part: str) -> str:
    part = part.strip()
    if part.startswith('"'):
        return part[1:-1].replace('""', '"')
    return part.lower()


def _parts(name: str) -> list[str]:
    return [_unquote(p) for p in re.findall(_IDENT, name)]


def _key(name: str) -> str:
    parts = _parts(name)
    return ".".join(parts[1:] if len(parts) == 2 and parts[0] == "public" else parts)


def _split_top_level(text: str) -> list[str]:
    """Split at commas outside parentheses and quotes."""
    out, depth, start, quote = [], 0, 0, ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:i].strip())
            start = i + 1
    out.append(text[start:].strip())
    return [p for p in out if p]


def _paren(text: str, start: int) -> tuple[str, int]:
    """The content of the parenthesis opening at or after `start`, and the index after it."""
    i = text.index("(", start)
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return text[i + 1 : j], j + 1
    return text[i + 1 :], len(text)


def _columns(text: str) -> list[str]:
    return [_unquote(c) for c in _split_top_level(text)]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class TableFacts:
    oid: int
    qualified: str  # quoted schema.table, safe to splice
    rows: int
    estimated: bool

    def describe(self) -> str:
        if self.estimated:
            return f"~{self.rows:,} rows, a pg_class.reltuples estimate"
        return f"{self.rows:,} row{'s' if self.rows != 1 else ''}"


@dataclass
class _Facts:
    """Cached, bounded look-ups against the live database (inside the review's read-only transaction)."""

    conn: asyncpg.Connection
    tables: dict[str, TableFacts | None] = field(default_factory=dict)

    async def scalar(self, sql: str, *args: Any) -> Any:
        """One bounded query; None when it times out or fails (the caller says 'unknown')."""
        try:
            async with self.conn.transaction():
                return await self.conn.fetchval(sql, *args)
        except (asyncpg.PostgresError, asyncpg.InterfaceError):
            return None

    async def table(self, name: str) -> TableFacts | None:
        key = _key(name)
        if key in self.tables:
            return self.tables[key]
        row = await self.conn.fetchrow(
            # Names resolve on the session's path, as the migration's would; functions and operators: pg_catalog's
            """SELECT c.oid::pg_catalog.int8 AS oid,
                      pg_catalog.concat(pg_catalog.quote_ident(n.nspname), '.', pg_catalog.quote_ident(c.relname)) AS q,
                      c.reltuples::pg_catalog.int8 AS estimate, c.relkind::pg_catalog.text AS kind
               FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
               WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1)""",
            ".".join(_ident(p) for p in _parts(name)),
        )
        facts = None
        if row is not None and row["kind"] in ("r", "p", "m"):
            estimated = row["estimate"] > EXACT_COUNT_LIMIT
            rows = row["estimate"]
            if not estimated:
                exact = await self.scalar(
                    f"SELECT pg_catalog.count(*) FROM (SELECT 1 FROM {row['q']} LIMIT {EXACT_COUNT_LIMIT + 1}) s"
                )
                if exact is None or exact > EXACT_COUNT_LIMIT:
                    estimated, rows = True, max(rows, EXACT_COUNT_LIMIT)
                else:
                    rows = exact
            facts = TableFacts(row["oid"], row["q"], max(rows, 0), estimated)
        self.tables[key] = facts
        return facts

    async def column_type(self, table: TableFacts, column: str) -> str | None:
        value = await self.conn.fetchval(
            "SELECT pg_catalog.format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute "
            "WHERE attrelid OPERATOR(pg_catalog.=) $1::pg_catalog.oid AND attname OPERATOR(pg_catalog.=) $2 "
            "AND NOT attisdropped",
            table.oid,
            column,
        )
        return str(value) if value is not None else None

    async def count_where(self, table: TableFacts, condition: str) -> int | None:
        """Rows matching `condition`; None when the count did not finish within CHECK_TIMEOUT."""
        value = await self.scalar(f"SELECT pg_catalog.count(*) FROM {table.qualified} WHERE {condition}")
        return int(value) if value is not None else None

    async def duplicates(self, table: TableFacts, columns: list[str]) -> int | None:
        """How many value groups occur more than once (rows with a NULL key never clash)."""
        cols = ", ".join(_ident(c) for c in columns)
        not_null = " AND ".join(f"{_ident(c)} IS NOT NULL" for c in columns)
        value = await self.scalar(
            f"SELECT pg_catalog.count(*) FROM (SELECT 1 FROM {table.qualified} WHERE {not_null} GROUP BY {cols} "
            "HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1) d"
        )
        return int(value) if value is not None else None

    async def primary_key(self, table: TableFacts) -> list[str]:
        value = await self.conn.fetchval(
            "SELECT pg_catalog.array_agg(a.attname::pg_catalog.text ORDER BY k.n) FROM pg_catalog.pg_constraint c "
            "CROSS JOIN LATERAL pg_catalog.unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.conrelid "
            "AND a.attnum OPERATOR(pg_catalog.=) k.attnum "
            "WHERE c.conrelid OPERATOR(pg_catalog.=) $1::pg_catalog.oid AND c.contype OPERATOR(pg_catalog.=) 'p'",
            table.oid,
        )
        return list(value or [])


class _Reviewer:
    def __init__(self, facts: _Facts) -> None:
        self.facts = facts
        self.created: set[str] = set()
        self.updated: dict[tuple[str, str], int] = {}  # (table, column) -> line of an UPDATE that sets it

    async def existing(self, name: str) -> TableFacts | None:
        """Facts for a table that exists and was not created earlier in this file."""
        if _key(name) in self.created:
            return None
        return await self.facts.table(name)

    async def statement(self, sql: str, line: int) -> list[Hazard]:
        flat = strip_comments(sql)
        hazards: list[Hazard] = []
        if runs_outside_transaction(sql):
            hazards.append(
                Hazard(
                    "non-transactional",
                    "runs alone, committed on its own (PostgreSQL refuses it in a transaction block, or, "
                    "for ADD VALUE, the new label is unusable until committed): this migration is not atomic",
                )
            )
        shape = shape_of(sql)
        if shape.action == "create-table":
            self.created.add(_key(shape.table))
        elif shape.action == "create-index":
            hazards += await self.create_index(shape)
        elif shape.action == "drop-tables":
            hazards += await self.drop_tables(shape.verb, list(shape.tables))
        elif shape.action == "drop-index" and not shape.concurrent:
            for name in shape.tables:
                hazards += await self.drop_index(name)
        elif shape.action == "alter-table" and (
            m := re.match(
                rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?({_NAME})\s+(.*)",
                flat,
                re.IGNORECASE | re.DOTALL,
            )
        ):
            for action in _split_top_level(m.group(2)):
                hazards += await self.alter_action(shape.table, action, line)
        elif shape.action == "rename-object":
            hazards.append(
                Hazard(
                    "backward-incompatible",
                    "renames or moves an object that running clients may still use by its old name",
                )
            )
        elif shape.action == "update":
            for column in shape.set_columns:
                self.updated[(_key(shape.table), column)] = line
        return hazards

    def lock(self, table: TableFacts, name: str, what: str = "") -> Hazard:
        return Hazard(
            "access-exclusive-lock",
            f"takes ACCESS EXCLUSIVE on {name} ({table.describe()}): blocks "
            f"reads and writes{what} until the transaction commits",
        )

    async def create_index(self, shape: Shape) -> list[Hazard]:
        name = shape.table
        table = await self.existing(name)
        if table is None:
            return []
        hazards: list[Hazard] = []
        if not shape.concurrent and table.rows >= LARGE_TABLE_ROWS:
            hazards.append(
                Hazard(
                    "blocking-index-build",
                    f"builds an index on {name} ({table.describe()}) "
                    "without CONCURRENTLY: its SHARE lock blocks writes for the whole build",
                )
            )
        if shape.unique and table.rows and shape.columns:
            hazards += await self.duplicate_hazard(table, name, list(shape.columns))
        return hazards

    async def duplicate_hazard(self, table: TableFacts, name: str, columns: list[str]) -> list[Hazard]:
        dups = await self.facts.duplicates(table, columns)
        cols = ", ".join(columns)
        if dups is None:
            return [
                Hazard(
                    "fails-on-existing-data",
                    f"could not check {name} ({cols}) for duplicates within "
                    f"{CHECK_TIMEOUT} ({table.describe()}): fails if any exist",
                )
            ]
        if dups:
            return [
                Hazard(
                    "fails-on-existing-data",
                    f"{dups:,} duplicate value group{'s' if dups != 1 else ''} "
                    f"in {name} ({cols}): the unique index cannot be built",
                )
            ]
        return []

    async def drop_tables(self, verb: str, names: list[str]) -> list[Hazard]:
        hazards: list[Hazard] = []
        for name in names:
            table = await self.existing(name)
            if table is None or not table.rows:
                continue
            action = "drops" if verb == "DROP" else "empties"
            hazards.append(Hazard("data-loss", f"{action} {name} and its {table.describe()}"))
            hazards.append(self.lock(table, name))
        return hazards

    async def drop_index(self, name: str) -> list[Hazard]:
        owner = await self.facts.conn.fetchval(
            "SELECT indrelid::pg_catalog.regclass::pg_catalog.text FROM pg_catalog.pg_index "
            "WHERE indexrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1)",
            ".".join(_ident(p) for p in _parts(name)),
        )
        table = await self.existing(owner) if owner else None
        if table is None or not table.rows:
            return []
        return [self.lock(table, owner, " (use DROP INDEX CONCURRENTLY)")]

    async def alter_action(self, name: str, action: str, line: int) -> list[Hazard]:
        upper = action.upper()
        table = await self.existing(name)
        if table is None:
            return []
        hazards: list[Hazard] = []
        has_rows = table.rows > 0
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
        if m := re.match(
            rf"ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?({_IDENT})\s+(.*)",
            action,
            re.IGNORECASE | re.DOTALL,
        ):
            return self.add_column(table, name, _unquote(m.group(1)), m.group(2))
        m = re.match(rf"DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?({_IDENT})", action, re.IGNORECASE)
        if m and m.group(1).upper() != "CONSTRAINT":
            return await self.drop_column(table, name, _unquote(m.group(1)))
        if m := re.match(rf"ALTER\s+(?:COLUMN\s+)?({_IDENT})\s+(.*)", action, re.IGNORECASE | re.DOTALL):
            return await self.alter_column(table, name, _unquote(m.group(1)), m.group(2), line)
        if re.match(
            r"VALIDATE\s+CONSTRAINT|SET\s+STATISTICS|(ENABLE|DISABLE)\s+(ALWAYS\s+|REPLICA\s+)?TRIGGER|"
            r"CLUSTER\s+ON|SET\s+WITHOUT\s+CLUSTER|OWNER\s+TO",
            upper,
        ):
            return []
        if has_rows:
            hazards.append(self.lock(table, name))
        return hazards

    def add_column(self, table: TableFacts, name: str, column: str, definition: str) -> list[Hazard]:
        if not table.rows:
            return []
        upper = definition.upper()
        hazards = [self.lock(table, name)]
        identity = "GENERATED" in upper or re.match(r"(BIG|SMALL)?SERIAL\b", upper.strip())
        if "NOT NULL" in upper and "DEFAULT" not in upper and not identity:
            hazards.append(
                Hazard(
                    "fails-on-existing-data",
                    f"adds {column} NOT NULL without a DEFAULT to {name} "
                    f"({table.describe()}): existing rows would be NULL",
                )
            )
        if identity or _VOLATILE_DEFAULT.search(definition) or "STORED" in upper:
            hazards.append(
                Hazard(
                    "table-rewrite",
                    f"{column}'s value is computed per row: rewrites {name} ({table.describe()})",
                )
            )
        if re.search(r"\b(UNIQUE|PRIMARY\s+KEY)\b", upper) and table.rows >= LARGE_TABLE_ROWS:
            hazards.append(
                Hazard(
                    "blocking-index-build",
                    f"builds a unique index on {name} ({table.describe()}) while holding ACCESS EXCLUSIVE",
                )
            )
        return hazards

    async def drop_column(self, table: TableFacts, name: str, column: str) -> list[Hazard]:
        hazards = [
            Hazard(
                "backward-incompatible", f"drops {name}.{column}: running clients that read or write it break"
            )
        ]
        if not table.rows:
            return hazards
        hazards.append(self.lock(table, name))
        non_null = await self.facts.count_where(table, f"{_ident(column)} IS NOT NULL")
        if non_null is None:
            hazards.append(
                Hazard(
                    "data-loss",
                    f"drops {name}.{column} from {table.describe()} (non-null values not counted "
                    f"within {CHECK_TIMEOUT})",
                )
            )
        elif non_null:
            hazards.append(
                Hazard(
                    "data-loss",
                    f"drops {name}.{column}: {non_null:,} non-null value"
                    f"{'s' if non_null != 1 else ''} in {table.describe()}",
                )
            )
        return hazards

    async def alter_column(
        self, table: TableFacts, name: str, column: str, rest: str, line: int
    ) -> list[Hazard]:
        upper = rest.upper().strip()
        hazards: list[Hazard] = []
        if upper.startswith("DROP NOT NULL"):
            return [
                Hazard(
                    "backward-incompatible",
                    f"{name}.{column} may now be NULL: clients that assume a value break",
                )
            ] + ([self.lock(table, name)] if table.rows else [])
        if not table.rows:
            return []
        hazards.append(self.lock(table, name, " (and scans it)" if "NOT NULL" in upper else ""))
        if upper.startswith("SET NOT NULL"):
            nulls = await self.facts.count_where(table, f"{_ident(column)} IS NULL")
            fixed_at = self.updated.get((_key(name), column))
            if nulls is None:
                hazards.append(
                    Hazard(
                        "fails-on-existing-data",
                        f"could not count NULLs in {name}.{column} "
                        f"({table.describe()}): SET NOT NULL fails if any exist",
                    )
                )
            elif nulls and fixed_at is None:
                hazards.append(
                    Hazard(
                        "fails-on-existing-data",
                        f"{nulls:,} row{'s' if nulls != 1 else ''} of "
                        f"{name} {'have' if nulls != 1 else 'has'} {column} NULL: SET NOT NULL fails",
                    )
                )
        elif m := re.match(
            r"(?:SET\s+DATA\s+)?TYPE\s+(.+?)(\s+COLLATE\s+.+?)?(\s+USING\s+(.*))?$",
            rest.strip(),
            re.IGNORECASE | re.DOTALL,
        ):
            new_type = m.group(1).strip()
            old_type = await self.facts.column_type(table, column)
            if old_type is None or not _binary_coercible(old_type, new_type):
                hazards.append(
                    Hazard(
                        "table-rewrite",
                        f"{name}.{column} {old_type or '?'} -> {new_type}: rewrites "
                        f"{name} ({table.describe()}) and rebuilds its indexes",
                    )
                )
            if m.group(3) is None:
                bad = await self.facts.count_where(
                    table,
                    f"{_ident(column)} IS NOT NULL AND NOT pg_input_is_valid({_ident(column)}::text, "
                    f"{quote_literal(new_type)})",
                )
                if bad:
                    hazards.append(
                        Hazard(
                            "fails-on-existing-data",
                            f"{bad:,} value{'s' if bad != 1 else ''} of "
                            f"{name}.{column} do not fit {new_type}",
                        )
                    )
        return hazards

    async def add_constraint(self, table: TableFacts, name: str, action: str) -> list[Hazard]:
        upper = action.upper()
        hazards: list[Hazard] = []
        if not table.rows:
            return []
        not_valid = bool(re.search(r"\bNOT\s+VALID\s*$", upper))
        if m := re.search(r"\bCHECK\s*\(", action, re.IGNORECASE):
            expression, _ = _paren(action, m.start())
            if not not_valid:
                hazards.append(
                    Hazard(
                        "constraint-without-not-valid",
                        f"CHECK without NOT VALID scans {name} "
                        f"({table.describe()}) under ACCESS EXCLUSIVE; add NOT VALID, then VALIDATE",
                    )
                )
                hazards.append(self.lock(table, name))
                bad = await self.facts.count_where(table, f"NOT ({expression})")
                if bad:
                    hazards.append(
                        Hazard(
                            "fails-on-existing-data",
                            f"{bad:,} row{'s' if bad != 1 else ''} of {name} violate CHECK ({expression})",
                        )
                    )
        elif m := re.search(
            rf"\bFOREIGN\s+KEY\s*\(([^)]*)\)\s*REFERENCES\s+({_NAME})\s*(\(([^)]*)\))?", action, re.IGNORECASE
        ):
            if not not_valid:
                hazards.append(
                    Hazard(
                        "constraint-without-not-valid",
                        f"FOREIGN KEY without NOT VALID checks every "
                        f"row of {name} ({table.describe()}) while blocking writes to both tables; "
                        "add NOT VALID, then VALIDATE",
                    )
                )
                hazards += await self.orphans(table, name, _columns(m.group(1)), m.group(2), m.group(4))
        elif m := re.search(
            r"\b(UNIQUE|PRIMARY\s+KEY)\s*(?:NULLS\s+(?:NOT\s+)?DISTINCT\s*)?\(", action, re.IGNORECASE
        ):
            hazards.append(self.lock(table, name))
            if "USING INDEX" in upper:
                return hazards
            if table.rows >= LARGE_TABLE_ROWS:
                hazards.append(
                    Hazard(
                        "blocking-index-build",
                        f"builds its index on {name} ({table.describe()}) "
                        "under ACCESS EXCLUSIVE: build it CONCURRENTLY first, then ADD ... USING "
                        "INDEX",
                    )
                )
            columns = _columns(_paren(action, m.end() - 1)[0])
            hazards += await self.duplicate_hazard(table, name, columns)
            if m.group(1).upper().startswith("PRIMARY"):
                nulls = await self.facts.count_where(
                    table, " OR ".join(f"{_ident(c)} IS NULL" for c in columns)
                )
                if nulls:
                    hazards.append(
                        Hazard(
                            "fails-on-existing-data",
                            f"{nulls:,} rows of {name} have a NULL in "
                            f"({', '.join(columns)}): the primary key cannot be added",
                        )
                    )
        else:
            hazards.append(self.lock(table, name))
        return hazards

    async def orphans(
        self, table: TableFacts, name: str, columns: list[str], target: str, target_columns: str | None
    ) -> list[Hazard]:
        referenced = await self.facts.table(target)
        if referenced is None:
            return []
        ref_cols = _columns(target_columns) if target_columns else await self.facts.primary_key(referenced)
        if len(ref_cols) != len(columns):
            return []
        match = " AND ".join(
            f"r.{_ident(rc)} = t.{_ident(c)}" for c, rc in zip(columns, ref_cols, strict=True)
        )
        present = " AND ".join(f"t.{_ident(c)} IS NOT NULL" for c in columns)
        count = await self.facts.scalar(
            f"SELECT pg_catalog.count(*) FROM {table.qualified} t WHERE {present} AND NOT EXISTS "
            f"(SELECT 1 FROM {referenced.qualified} r WHERE {match})"
        )
        if count:
            return [
                Hazard(
                    "fails-on-existing-data",
                    f"{count:,} row{'s' if count != 1 else ''} of {name} reference "
                    f"no row of {target}: the foreign key cannot be added",
                )
            ]
        return []


def lock_taken(sql: str) -> str:
    """The strongest table lock a statement takes, as PostgreSQL documents it per command and ALTER form."""
    return shape_of(sql).lock


_VARCHAR = re.compile(r"(?:character varying|varchar)\s*(?:\((\d+)\))?$", re.IGNORECASE)
_NUMERIC = re.compile(r"(?:numeric|decimal)\s*(?:\((\d+)\s*(?:,\s*(\d+))?\))?$", re.IGNORECASE)


def _binary_coercible(old: str, new: str) -> bool:
    """Type changes PostgreSQL makes without rewriting the table (widening varchar, numeric precision)."""
    old, new = old.strip().lower(), new.strip().lower()
    if old == new:
        return True
    if new == "text" and _VARCHAR.match(old):
        return True
    if (mo := _VARCHAR.match(old)) and (mn := _VARCHAR.match(new)):
        return mn.group(1) is None or (mo.group(1) is not None and int(mn.group(1)) >= int(mo.group(1)))
    if (mo := _NUMERIC.match(old)) and (mn := _NUMERIC.match(new)):
        if mn.group(1) is None:
            return True
        return (
            mo.group(1) is not None
            and int(mn.group(1)) >= int(mo.group(1))
            and (mo.group(2) or "0") == (mn.group(2) or "0")
        )
    return False


async def review_sql(conn: asyncpg.Connection, text: str, file: str = "<sql>") -> Review:
    """Review the statements of `text` against the database `conn` is connected to. Changes nothing."""
    reviewer = _Reviewer(_Facts(conn))
    reviewed: list[ReviewedStatement] = []
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        # Bounded; no other owner's row-level security policy runs as us (that table's facts are unknown).
        await conn.execute(
            f"SET LOCAL statement_timeout = '{CHECK_TIMEOUT}'; SET LOCAL row_security = off; "
            f"SET LOCAL lock_timeout = '{current_limits().lock_timeout.strip()}'"
        )
        for stmt in split_statements(text, file):
            if is_transaction_control(stmt.text):
                continue
            hazards = await reviewer.statement(stmt.text, stmt.line)
            transactional = not any(h.kind == "non-transactional" for h in hazards)
            reviewed.append(
                ReviewedStatement(
                    stmt.text, stmt.line, tuple(_unique(hazards)), transactional, lock_taken(stmt.text)
                )
            )
    return Review(file, tuple(reviewed))


def _unique(hazards: list[Hazard]) -> list[Hazard]:
    seen: set[Hazard] = set()
    return [h for h in hazards if not (h in seen or seen.add(h))]  # type: ignore[func-returns-value]


async def review_file(target: ConnectionTarget, path: Path, *, shown_as: str | None = None) -> Review:
    try:
        text = path.read_text(encoding="utf-8")  # noqa: ASYNC240 - one small file
    except OSError as exc:
        from .errors import DibsError

        raise DibsError(f"cannot read {path}: {exc.strerror}") from None
    conn = await connect(target, read_only=True)
    try:
        return await review_sql(conn, text, shown_as or str(path))
    finally:
        await conn.close()
