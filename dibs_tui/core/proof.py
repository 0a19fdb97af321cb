"""Proof before apply: the pending migrations run first on a clone of the live schema in a sandbox (a
throwaway database under a restricted role, core/sandbox.py), and the result is compared with the desired
schema by the independent fingerprint (core/fingerprint.py).

The clone is the live catalog model rendered as DDL (core/diff/whole_schema.py: what the sandbox's role can
create), not a replay of the migration folder: it is the schema the migrations will actually meet, manual
changes included, and it needs no history that may be long, squashed or partly written by other tools. What
the clone leaves out or the model cannot render is not guessed at: the clone's fingerprint is compared with
the live one, and what it lacks is said (the proof does not cover it) and set aside from the comparison with
the desired schema.

Statements run one by one in autocommit, as the sandbox runs a desired schema: a migration that only fails
inside one transaction (an enum value added and used in the same one) is not caught here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg

from .connect import ConnectionTarget, connect
from .diff.deparse_drift import major_version, same_view_query
from .errors import DibsError, SourceError
from .fingerprint import (
    Fingerprint,
    FingerprintDiff,
    Scope,
    compare,
    without_joined_locality,
    without_kept,
    without_printing_drift,
)
from .migrations.apply_outcome import PendingMigration
from .migrations.files import is_transaction_control
from .sandbox_bound import SandboxFull
from .sandbox_statements import ExtensionDrop, prepare
from .shadow import (
    LocatedStatement,
    desired_shown,
    desired_statements,
    execute_statements,
    introspect_target,
    split_file,
)
from .sql import quote_ident

if TYPE_CHECKING:
    from .sandbox import Sandbox


@dataclass(frozen=True)
class Proof:
    """What running the pending migrations on the clone showed."""

    desired: str | None  # what the result was compared with, as the user named it; None: nothing configured
    failure: str | None = (
        None  # file:line:col: the server's message, for a migration that failed on the clone
    )
    differences: FingerprintDiff = field(default_factory=lambda: FingerprintDiff((), ()))
    clone_gaps: FingerprintDiff = field(default_factory=lambda: FingerprintDiff((), ()))
    where: str = ""
    # Why the migration could not be tried, which is not the same as failing: the sandbox role's lack of a
    # right (SET ROLE, a grant to a role it is not), or a statement on an object the clone cannot have.
    untried: str | None = None
    stood_in: tuple[str, ...] = ()  # functions the clone stands in for (core/diff/stand_in_functions.py)

    @property
    def proved(self) -> bool:
        return self.failure is None and not self.differences

    @property
    def only_grants(self) -> bool:
        """Every difference a grant or a default privilege: the desired schema grants what a migration
        generated without --privileges leaves out."""
        lines = (*self.differences.before, *self.differences.after)
        return bool(lines) and all(line.startswith(("grant ", "default privileges ")) for line in lines)

    def lines(self, limit: int = 40) -> list[str]:
        """What the screen shows, first line the verdict."""
        out: list[str] = []
        if self.failure is not None and self.untried:
            out.append(
                f"not proved: {self.untried} ({self.failure}): the proof could not try the pending migrations; "
                "this is not a failure of the migration"
            )
        elif self.failure is not None:
            out.append(f"not proved: a pending migration fails on a clone of the live schema: {self.failure}")
        elif self.differences:
            out.append(
                f"not proved: the result would still differ from {self.desired} (- result, + desired):"
            )
            out += [f"    {line}" for line in self.differences.describe(limit)]
        elif self.desired is None:
            out.append(
                "proved: the pending migrations apply on a clone of the live schema (no desired schema "
                "is configured to compare the result with)"
            )
        else:
            out.append(f"proved: the result matches {self.desired}")
        if self.where:
            out.append(f"    the clone ran on the {self.where}")
        if self.stood_in:
            one = len(self.stood_in) == 1
            out.append(
                f"    the clone stands in for {len(self.stood_in)} function{'' if one else 's'} a sandbox's "
                "restricted role may not create (LANGUAGE c, internal or an untrusted language: "
                f"{', '.join(self.stood_in)}): there {'it returns' if one else 'they return'} nothing, so the "
                f"proof does not cover what {'it computes' if one else 'they compute'}; everything else it does"
            )
        if self.clone_gaps:
            out.append(
                "    the clone lacks what a sandbox's restricted role may not create (event triggers, "
                "publications, foreign data wrappers, extensions that reach outside the database) or the catalog "
                "model cannot render; the proof does not cover it (- live only, + clone only):"
            )
            out += [f"    {line}" for line in self.clone_gaps.describe(limit)]
        return out


def _migration_statements(pending: Sequence[PendingMigration]) -> list[LocatedStatement]:
    """What is left to run of each migration: a partly applied one from the segment it resumes at."""
    return [
        LocatedStatement(str(item.file.path), s.text, s.line, s.column)
        for item in pending
        for segment in item.plan.segments[item.resume_at - 1 :]
        for s in segment.statements
        if not is_transaction_control(s.text)
    ]


def _clone_statements(ddl: str) -> list[LocatedStatement]:
    return split_file(Path("<clone of the live schema>"), ddl)


async def _run(sandbox: Sandbox, statements: list[LocatedStatement], acting_for: str = "") -> None:
    """The statements as the sandbox role runs them, a DROP EXTENSION of one the setting-up side created as that
    side (the role does not own it; sandbox_statements.steps)."""
    for step in prepare(statements, acting_for).steps(sandbox.created_extensions):
        if not isinstance(step, ExtensionDrop):
            await execute_statements(sandbox.connection, [step])
            continue
        try:
            await sandbox.drop_extensions(step.names, step.cascade)
        except asyncpg.PostgresError as exc:
            where = step.statement
            raise SourceError(
                where.file, where.line, where.column, getattr(exc, "message", str(exc))
            ) from exc


# The meta tables a generated migration upserts into, parents first (their foreign keys).
_META_ROWS = ("__dibs_tables", "__dibs_columns", "__dibs_indices")


def _refuse_older_shape(table: str, required: list[str], live: list[str]) -> None:
    """A live meta table of an older shape, without a column the clone's must fill, cannot lend its rows:
    the copy failed on the NOT NULL and migrate said 'apply stopped by an error outside the migration's
    statements', of a proof, before anything was applied."""
    missing = [c for c in required if c not in live]
    if missing:
        from .terminal import safe

        raise DibsError(
            f"the meta table {safe(table)} is of an older shape (no {', '.join(missing)} column): the proof "
            "cannot copy its rows into the clone; nothing was applied",
            hint="add the column to the live table as dibs-tui's meta tables have it, or apply without the "
            "proof (--no-prove)",
        )


async def _copy_meta(target: ConnectionTarget, clone: asyncpg.Connection, present: Sequence[str]) -> None:
    """The live meta tables' rows into the clone's (the columns both have): a generated migration's meta
    updates refer to rows earlier migrations wrote. Read with row security off, by qualified name."""
    from .session import catalog_settings
    from .session_limits import current_limits

    schema = current_limits().meta_schema
    live = await connect(target, read_only=True, extra_settings=catalog_settings())
    try:
        for name in (n for n in _META_ROWS if n in present):
            rows = await live.fetch(f"SELECT * FROM {quote_ident(schema)}.{quote_ident(name)}")
            columns = await clone.fetch(
                "SELECT attname::text, attnotnull AND NOT atthasdef AS required FROM pg_catalog.pg_attribute "
                "WHERE attnum > 0 AND NOT attisdropped AND attrelid = pg_catalog.to_regclass($1)",
                f"{quote_ident(schema)}.{quote_ident(name)}",
            )
            wanted = {r["attname"] for r in columns}
            if not rows or not wanted:
                continue
            names: list[str] = list(rows[0].keys())  # a Record iterates over its values
            _refuse_older_shape(f"{schema}.{name}", [r["attname"] for r in columns if r["required"]], names)
            kept = [c for c in names if c in wanted]
            records = [tuple(r[c] for c in kept) for r in rows]
            await clone.copy_records_to_table(name, records=records, columns=kept, schema_name=schema)
    finally:
        await live.close()


async def _desired_fingerprint(
    target: ConnectionTarget, desired: Sequence[str | Path], scope: Scope, reader: str
) -> Fingerprint:
    """The desired schema's fingerprint: another database read as it is, or files built in a sandbox, whose
    role is printed as `reader`, the live role that applies the migrations (diff/applied_by.py)."""
    from .sandbox import open_sandbox

    source = desired_statements(desired)
    if isinstance(source, ConnectionTarget):
        conn = await connect(source, read_only=True)
        try:
            return await scope.of(conn, owners=False)
        finally:
            await conn.close()
    statements, _ = source
    prepared = prepare(statements)
    async with open_sandbox(target, prepared.extensions, prepared.roles, prepared.created_roles) as sandbox:
        await execute_statements(
            sandbox.connection, prepared.runnable(sandbox.created_extensions), desired=True
        )
        loader = str(await sandbox.connection.fetchval("SELECT current_user"))
        return (await scope.of(sandbox.connection, owners=False)).with_role_as(loader, reader)


def _set_aside(differences: FingerprintDiff, gaps: FingerprintDiff) -> FingerprintDiff:
    """Differences the clone's own gaps explain: a live-only line the desired side has, a clone-only line the
    result kept."""
    missing, extra = set(gaps.before), set(gaps.after)
    return FingerprintDiff(
        tuple(line for line in differences.before if line not in extra),
        tuple(line for line in differences.after if line not in missing),
    )


def _alike_across_versions(gaps: FingerprintDiff, live: str, clone: str) -> FingerprintDiff:
    """`gaps` (the clone's, or the result's against the desired side) but what a live server older than 18 and
    a clone on the embedded 18 only print or keep otherwise: a NOT NULL constraint (18's, with its name; both
    sides' column lines say `not null`), a statistics object's default target (-1 before 17), a view's query
    (15 qualifies its columns: diff/deparse_drift.py), an extension's default version. Else the proof said it
    did not cover every view and NOT NULL of a live 15, and refused a partition it made as its parent's where
    the files attach it, or btree_gist 1.7 where the files left it 1.8."""
    older = min(major_version(live) or 18, major_version(clone) or 18)
    if older >= 18:
        return gaps
    before = [line for line in gaps.before if not _NOT_NULL_LINE.match(line)]
    after = [line for line in gaps.after if not _NOT_NULL_LINE.match(line)]

    def index(lines: list[str]) -> tuple[set[str], dict[str, str]]:
        views = {found[1]: found[2] for line in lines if (found := _VIEW_LINE.match(line))}
        return {_plain(line) for line in lines}, views

    def alike(line: str, other: tuple[set[str], dict[str, str]]) -> bool:
        plain, views = other
        mine = _VIEW_LINE.match(line)
        return _plain(line) in plain or (
            mine is not None
            and mine[1] in views
            and same_view_query(_unescaped(mine[2]), _unescaped(views[mine[1]]), across=True)
        )

    before_index, after_index = index(before), index(after)
    return FingerprintDiff(
        tuple(line for line in before if not alike(line, after_index)),
        tuple(line for line in after if not alike(line, before_index)),
    )


_NOT_NULL_LINE = re.compile(r'constraint (?:[^\s"]|"(?:[^"]|"")*")+ \(not null\)')
_VIEW_LINE = re.compile(r"(relation .*? kind [vm] .*?) as (.*)", re.DOTALL)


def _plain(line: str) -> str:
    """A line without what another major version gives otherwise: a statistics object's default target, an
    extension's default version (the diff keeps it, compare_schemas), the quotes a name takes where it is a
    keyword (`json` is one from 16: quote_ident writes synapse's event_json.json as "json" on 18)."""
    line = _SIMPLE_QUOTED.sub(r"\1", line)
    if line.startswith("extension "):
        return _EXTENSION_VERSION.sub("", line, count=1)
    return line.removesuffix(" target -1") if line.startswith("statistics ") else line


_EXTENSION_VERSION = re.compile(r" version \S+")
_SIMPLE_QUOTED = re.compile(r'"([a-z_][a-z0-9_$]*)"')


def _unescaped(text: str) -> str:
    """A definition as fingerprint._one_line wrote it on one line, with its newlines again."""
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m[1], m[1]), text)


# What the server says of a statement on an object the clone lacks by design (its gaps: a sandbox's role may not
# create an event trigger, a publication, a foreign-data wrapper or server).
_NOT_THERE = re.compile(
    r'(event trigger|publication|foreign-data wrapper|server) "((?:[^"]|"")+)" does not exist'
)


def _why_untried(failure: DibsError, gaps: FingerprintDiff) -> str | None:
    """Why a pending statement that failed on the clone was not tried there, or None: it failed."""
    if isinstance(failure, SandboxFull):  # a seed's own rows, as for the bound on time below
        return "a statement wrote past the bound of the sandbox on the live server (sandbox_max_size)"
    error = failure.__context__  # the server's error, which the SourceError carrying it was raised from
    if isinstance(error, asyncpg.InsufficientPrivilegeError):
        return "the sandbox's restricted role may not run a statement the applier may"
    if isinstance(
        error, TimeoutError
    ):  # a data migration's own work (a seed of millions of rows), not a fault
        return "a statement ran past the sandbox's bound on one statement (shadow.LOAD_STEP_TIMEOUT)"
    found = _NOT_THERE.fullmatch(str(error)) if isinstance(error, asyncpg.UndefinedObjectError) else None
    if found is not None:
        kind, name = found[1], found[2]
        if any(line.startswith((f"{kind} {name} ", f"{kind} {quote_ident(name)} ")) for line in gaps.before):
            return f"the clone lacks the {kind} a statement acts on (listed below)"
    found = _NO_RELATION.fullmatch(str(error)) if isinstance(error, asyncpg.UndefinedTableError) else None
    if found is not None and any(_foreign_table_named(line, found[1]) for line in gaps.before):
        return "the clone lacks the foreign table a statement acts on (its server is not there; listed below)"
    return None


_NO_RELATION = re.compile(r'relation "((?:[^"]|"")+)" does not exist')


def _foreign_table_named(gap: str, name: str) -> bool:
    """A live-only line of a foreign table (`relation s.t kind f ...`) of the name the server's error gives."""
    head, _, rest = gap.partition(" kind f ")
    return bool(rest) and head.startswith("relation ") and (head[9:] == name or head.endswith("." + name))


def _clone_untried(failure: DibsError, left_out: tuple[str, ...]) -> str | None:
    """Why the clone could not be built, where that is no fault of the live schema: an object the sandbox's
    role may not make (what no stand-in covers), or one that needs an extension a sandbox may not load."""
    error = failure.__context__  # the server's error, which the SourceError carrying it was raised from
    if isinstance(error, asyncpg.InsufficientPrivilegeError):
        return "the sandbox's restricted role may not make an object of the live schema in the clone"
    undefined = (asyncpg.UndefinedFunctionError, asyncpg.UndefinedObjectError, asyncpg.UndefinedTableError)
    if left_out and isinstance(error, undefined):
        many = len(left_out) > 1
        return (
            f"the clone lacks the extension{'s' if many else ''} {', '.join(left_out)} (a sandbox may not load "
            f"{'them: they reach' if many else 'it: it reaches'} outside the database), which an object of the "
            "live schema needs"
        )
    return None


async def prove(
    target: ConnectionTarget,
    pending: Sequence[PendingMigration],
    desired: Sequence[str | Path],
    scope: Scope,
) -> Proof:
    """Run `pending` on a clone of the live schema and compare the result with `desired` (when given).

    Nothing runs on the live database: it is read (catalog and fingerprint) on a read-only connection.
    """
    from .diff.whole_schema import sandbox_clone_sql
    from .sandbox import open_sandbox

    live = await introspect_target(
        target, include_schemas=scope.include_schemas, exclude_schemas=scope.exclude_schemas
    )
    conn = await connect(target, read_only=True)
    try:
        live_print = await scope.of(conn, owners=False)
    finally:
        await conn.close()
    built = sandbox_clone_sql(live)
    ddl, stood_in = built.sql, built.stood_in
    if live.meta.tables_present:  # generated migrations keep the meta tables up to date
        from .meta import meta_tables_ddl
        from .session_limits import current_limits

        ddl += "\n" + meta_tables_ddl(current_limits().meta_schema)
    clone = _clone_statements(ddl)
    migrations = _migration_statements(pending)
    both = (prepare(clone), prepare(migrations))
    extensions = {e.name: e for p in both for e in p.extensions}
    roles = sorted({r for p in both for r in p.roles})
    named = desired_shown(desired) if desired else None
    async with open_sandbox(target, tuple(extensions.values()), roles) as sandbox:
        where = sandbox.info.where
        try:
            await _run(sandbox, clone)
        except DibsError as exc:
            if (refused := _clone_untried(exc, built.extensions_left_out)) is not None:
                return Proof(named, failure=str(exc), where=where, untried=refused, stood_in=stood_in)
            raise DibsError(
                f"the proof could not build a clone of the live schema: {exc}",
                hint="--no-prove applies without the proof",
            ) from None
        await _copy_meta(target, sandbox.connection, live.meta.tables_present)
        where_version = sandbox.info.server_version
        gaps = _alike_across_versions(
            compare(live_print, await scope.of(sandbox.connection, owners=False)),
            live.server_version,
            where_version,
        )
        try:
            await _run(sandbox, migrations, live.reader)
        except DibsError as exc:
            # The server's error stays the context of the SourceError that carries it.
            untried = _why_untried(exc, gaps)
            return Proof(
                named, failure=str(exc), clone_gaps=gaps, where=where, untried=untried, stood_in=stood_in
            )
        role = str(await sandbox.connection.fetchval("SELECT current_user"))
        result = (await scope.of(sandbox.connection, owners=False)).with_role_as(role, live.reader)
    if not desired:
        return Proof(None, clone_gaps=gaps, where=where, stood_in=stood_in)
    wanted = await _desired_fingerprint(target, desired, scope, live.reader)
    # a constraint valid on the clone and NOT VALID in the desired schema is no difference: the diff keeps it
    differences = without_printing_drift(
        without_kept(
            without_joined_locality(
                _set_aside(compare(result, wanted), gaps), [s.text for s in migrations], wanted
            )
        )
    )
    # The clone's NOT NULLs are named by its own DDL (a live 15 keeps no names for them), the desired side's by
    # the files: names and own-or-inherited are no difference the live server could hold.
    differences = _alike_across_versions(differences, live.server_version, where_version)
    return Proof(named, differences=differences, clone_gaps=gaps, where=where, stood_in=stood_in)
