"""An independent fingerprint of a database's schema: every object kind, modelled or not, as sorted lines of
text and their hash. It rests on pg_catalog alone (fingerprint_sql.py), not on the catalog model, so it sees
what the model cannot: a proof that a migration reached the desired schema, and a record of the live schema a
review saw, compared again before apply.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from .fingerprint_sql import FINGERPRINT_SQL
from .sandbox import catalog_path
from .sql import quote_ident
from .tool_tables import schema_lines_left_out, why_left_out

# Lines naming a role that owns something: they differ between a live database and a sandbox whose
# throwaway role owns everything, so a comparison across the two leaves them out.
_OWNER_PREFIX = "owner "


@dataclass(frozen=True)
class Fingerprint:
    """The schema as sorted lines (names, never OIDs) and the SHA-256 of those lines."""

    lines: tuple[str, ...]
    digest: str
    # The schemas whose own lines were left out as a tool's (they hold a left-out table alone): the same schema
    # empty on the other side is no difference (compare)
    tool_schemas: tuple[str, ...] = ()

    @classmethod
    def of(cls, lines: Sequence[str], tool_schemas: Sequence[str] = ()) -> Fingerprint:
        ordered = tuple(sorted(lines))
        return cls(ordered, hashlib.sha256("\n".join(ordered).encode()).hexdigest(), tuple(tool_schemas))

    def with_role_as(self, role: str, as_role: str) -> Fingerprint:
        """The lines naming `role` (a sandbox's: letters, digits and _, never quoted) name `as_role` instead:
        a schema file's "the role that runs it" (diff/applied_by.py) printed as the role that applies it."""
        if not as_role or role == as_role:
            return self
        word, shown = re.compile(rf"\b{re.escape(role)}\b"), quote_ident(as_role)
        return Fingerprint.of([word.sub(lambda _: shown, line) for line in self.lines], self.tool_schemas)


@dataclass(frozen=True)
class FingerprintDiff:
    """Lines found on one side only: `before` what the first fingerprint had, `after` what the second has."""

    before: tuple[str, ...]
    after: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.before or self.after)

    def describe(self, limit: int = 40) -> list[str]:
        """`- line` for what went away, `+ line` for what appeared, at most `limit` of them and a count; each cut
        to a screen's worth."""
        marked = [f"- {_short(line)}" for line in self.before] + [f"+ {_short(line)}" for line in self.after]
        if len(marked) > limit:
            return [*marked[:limit], f"... and {len(marked) - limit} more"]
        return marked


def _short(line: str, width: int = 400) -> str:
    """A long line (a 2 MB comment, a function body) cut for the screen, with its full length."""
    return line if len(line) <= width else f"{line[:width]}... ({len(line):,} characters)"


def compare(before: Fingerprint, after: Fingerprint) -> FingerprintDiff:
    """What differs between two fingerprints, line by line. A schema one side left out as a tool's is no
    difference where the other has it empty: the plan makes it for the tool (and keeps it, tool_tables)."""
    left, right = set(before.lines), set(after.lines)
    left -= schema_lines_left_out(before.lines, set(after.tool_schemas) - set(before.tool_schemas))
    right -= schema_lines_left_out(after.lines, set(before.tool_schemas) - set(after.tool_schemas))
    return FingerprintDiff(
        tuple(line for line in before.lines if line not in right and line in left),
        tuple(line for line in after.lines if line not in left and line in right),
    )


def without_kept(diff: FingerprintDiff) -> FingerprintDiff:
    """`diff` but what the diff keeps on purpose (Change.kept), which a proof or a convergence check that counted
    would fail on for ever: a constraint valid on the first side that the second has NOT VALID, alike otherwise
    (it holds all NOT VALID promises: PlanState.keep_valid), and a child's constraint its own and inherited on
    the first side, inherited only on the second (it checks the same rows, and no statement makes it inherited
    only: compare_constraints._own_and_inherited)."""
    first = {line for line in diff.before if line.startswith("constraint ")}
    loosened = {
        x
        for x in diff.after
        if (x.endswith(" NOT VALID") and x.removesuffix(" NOT VALID") in first) or f"{x} and local" in first
    }
    if not loosened:
        return diff
    kept = {x.removesuffix(" NOT VALID") for x in loosened} | {f"{x} and local" for x in loosened}
    return FingerprintDiff(
        tuple(x for x in diff.before if x not in kept), tuple(x for x in diff.after if x not in loosened)
    )


_INHERIT = re.compile(r"^ALTER TABLE (\S+) INHERIT ", re.M)
_ADD_COLUMN = re.compile(r"^ALTER TABLE (\S+) ADD COLUMN (\S+) ", re.M)
_DROP_ONLY = re.compile(
    r"^ALTER TABLE ONLY (\S+) (?:ALTER COLUMN \S+ DROP NOT NULL, )?DROP COLUMN ([^\s;]+)", re.M
)
_INHERITS_LINE = re.compile(r"inherits (\S+) from (\S+) #")
_FINGERPRINT_COLUMN = re.compile(
    r"(?:column (\S+)\.([^. ]+) |constraint (\S+) \(not null\) (?:\"(?:[^\"]|\"\")*\"|[^ ]+): NOT NULL (\S+)(?: |$))"
)


def without_joined_locality(
    diff: FingerprintDiff, statements: Sequence[str], desired: Fingerprint
) -> FingerprintDiff:
    """The difference left once " and local" is ignored on tables the statements join to a parent (ALTER TABLE
    ... INHERIT), and on the columns of a parent's descendants that they give the parent (ADD COLUMN merges
    them) or drop from it ONLY (the children keep theirs, made local). INHERIT needs the child to have every
    parent column already, and PostgreSQL has no statement that makes a column (or its NOT NULL) inherited
    only, so those stay "inherited and local" where a table created with INHERITS has them inherited only: the
    proof refused every migration that made a table inherit. Every other line must still agree."""
    joined = {m[1] for s in statements for m in _INHERIT.finditer(s)}
    merged = _merged_columns(statements, desired)
    if not joined and not merged:
        return diff

    def plain(line: str) -> str:
        found = _FINGERPRINT_COLUMN.match(line)
        if found is None:
            return line
        table, column = (found[1], found[2]) if found[1] else (found[3], found[4])
        if table not in joined and (table, column) not in merged:
            return line
        return line.removesuffix(" and local")

    before, after = {plain(x) for x in diff.before}, {plain(x) for x in diff.after}
    return FingerprintDiff(
        tuple(x for x in diff.before if plain(x) not in after),
        tuple(x for x in diff.after if plain(x) not in before),
    )


def _merged_columns(statements: Sequence[str], desired: Fingerprint) -> set[tuple[str, str]]:
    """(table, column) of each descendant of a table the statements add a column to or drop one from ONLY, by
    the desired inheritance (a child that also inherits the column from another parent keeps it local)."""
    children: dict[str, list[str]] = {}
    for line in desired.lines:
        if found := _INHERITS_LINE.match(line):
            children.setdefault(found[2], []).append(found[1])
    out: set[tuple[str, str]] = set()
    for statement in statements:
        for found in (*_ADD_COLUMN.finditer(statement), *_DROP_ONLY.finditer(statement)):
            below = list(children.get(found[1], ()))
            while below:
                table = below.pop()
                out.add((table, found[2]))
                below += children.get(table, ())
    return out


_CAST_EACH = re.compile(r"ARRAY\[((?:\('(?:[^']|'')*'::[\w ]+\)::[\w ]+(?:, )?)+)\]")
_ELEMENT = re.compile(r"\(('(?:[^']|'')*'::[\w ]+)\)::([\w ]+)")


def _cast_outside(line: str) -> str:
    """`ARRAY[('a'::varchar)::text, ...]`, a varchar IN list's array as a plan made again reads it back, written
    as the server first printed it: `(ARRAY['a'::varchar, ...])::text[]` (diff/deparse_drift.py)."""

    def one(found: re.Match[str]) -> str:
        elements = _ELEMENT.findall(found[1])
        if len({cast for _, cast in elements}) != 1:
            return found[0]
        return f"(ARRAY[{', '.join(e for e, _ in elements)}])::{elements[0][1]}[]"

    return _CAST_EACH.sub(one, line)


# A set operation's later arm: `NULL::integer AS int4`, the name the server gives a cast NULL read back; the
# columns are named by the first arm, so the name is printed but never used.
_NULL_NAMED = re.compile(r"(NULL::[\w ]+(?:\[\])?) AS \w+")


def _printed_alike(line: str) -> str:
    return _NULL_NAMED.sub(r"\1", _cast_outside(line))


def without_printing_drift(diff: FingerprintDiff) -> FingerprintDiff:
    """`diff` but the lines alike once each side's IN list arrays and set operations' NULLs are written alike:
    the drifts the diff takes as no difference (diff/deparse_drift.py), which a migration that makes such an
    object from the desired side's text cannot avoid. Without this a proof refused every migration that adds a
    CHECK of a varchar IN list (Rails' and Django's enums) as leaving a schema other than the desired one."""
    before, after = {_printed_alike(x) for x in diff.before}, {_printed_alike(x) for x in diff.after}
    return FingerprintDiff(
        tuple(x for x in diff.before if _printed_alike(x) not in after),
        tuple(x for x in diff.after if _printed_alike(x) not in before),
    )


@dataclass(frozen=True)
class Scope:
    """Which part of a database a fingerprint covers: the project's schema filters and left-out tables."""

    include_schemas: tuple[str, ...] = ()
    exclude_schemas: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()

    async def of(self, conn: asyncpg.Connection, *, owners: bool = True) -> Fingerprint:
        return await fingerprint(
            conn,
            include=self.include_schemas,
            exclude=self.exclude_schemas,
            left_out=self.left_out,
            owners=owners,
        )


def _one_line(text: str) -> str:
    """A definition's newlines written as \\n, so one object stays one line of the fingerprint."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


async def fingerprint(
    conn: asyncpg.Connection,
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    left_out: Sequence[str] = (),
    owners: bool = True,
) -> Fingerprint:
    """The fingerprint of the schemas `include` names (all user schemas when empty) minus `exclude`.

    Other tools' tables, dibs-tui's meta tables and the tables `left_out` patterns name (see
    tool_tables.why_left_out) are left out with everything that belongs to them. `owners=False` drops the
    lines naming owners, for comparing a sandbox with a database whose objects another role owns.
    """
    async with catalog_path(conn):
        rows = await conn.fetch(FINGERPRINT_SQL, list(include), list(exclude))
    holding: set[str] = set()
    lines = []
    for schema, table, line in rows:
        if line is None or not (owners or not line.startswith(_OWNER_PREFIX)):
            continue
        if schema is not None and why_left_out(schema, table, left_out) is not None:
            holding.add(schema)
        else:
            lines.append(_one_line(line))
    if (
        holding
    ):  # a schema that holds nothing but a tool's table is the tool's (tool_tables.with_their_schemas)
        tools = schema_lines_left_out(lines, holding)
        lines = [line for line in lines if line not in tools]
        return Fingerprint.of(lines, sorted(s for s in holding if f"schema {quote_ident(s)}" in tools))
    return Fingerprint.of(lines)
