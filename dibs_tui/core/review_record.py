"""The guard between review and apply: `review` and `generate` write down the live schema they saw, `migrate`
refuses when it moved since (another deploy, a manual change), saying what changed.

The record is a small text file beside the migration (`0005_add.sql` -> `0005_add.fingerprint`), not a comment
inside it: reviewing must not change the file it reviews (its checksum is what the history records), and a
file of its own survives git, shows in a code review as one line per object, and is dropped by deleting it.
It holds the migration's checksum when reviewed, the migrations already applied then, and the fingerprint
(core/fingerprint.py) with its digest. A record whose digest does not match its lines was edited by hand and
is refused: it no longer says what was seen.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from .connect import ConnectionTarget, connect
from .errors import DibsError
from .fingerprint import Fingerprint, FingerprintDiff, Scope, compare
from .migrations.files import MigrationFile

_TITLE = "# dibs-tui review record: the live schema this migration was reviewed against (migrate checks it)"
_FILE = "# migration sha256: "
_APPLIED = "# applied then: "
_DIGEST = "# fingerprint sha256: "
SUFFIX = ".fingerprint"


@dataclass(frozen=True)
class ReviewRecord:
    """What a review saw: the migration's checksum, the migrations applied then, the live fingerprint."""

    checksum: str
    applied: tuple[str, ...]
    fingerprint: Fingerprint


def record_path(migration: Path) -> Path:
    return migration.with_suffix(SUFFIX)


def _refuse_link(path: Path) -> None:
    """A record that is a symbolic link is refused: writing through it would overwrite whatever it points at
    (a folder from someone else's repository may hold one), and reading it would trust a file we did not write."""
    if path.is_symlink():
        raise DibsError(
            f"the review record {path} is a symbolic link: not followed",
            hint=f"delete {path.name}, then review the migration again",
        )


def write_record(migration: Path, record: ReviewRecord) -> Path:
    """Write the record beside the migration (a new file moved into place); returns its path."""
    path = record_path(migration)
    _refuse_link(path)
    header = [
        _TITLE,
        _FILE + record.checksum,
        _APPLIED + ",".join(record.applied),
        _DIGEST + record.fingerprint.digest,
    ]
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        partial.write_text("\n".join([*header, *record.fingerprint.lines]) + "\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise DibsError(f"cannot write the review record {path}: {exc.strerror or exc}") from None
    return path


def read_record(migration: Path) -> ReviewRecord | None:
    """The record beside the migration, None when there is none; a damaged or edited one is refused."""
    path = record_path(migration)
    _refuse_link(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise DibsError(f"cannot read the review record {path}: {exc}") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    fields = lines[:4]
    if (
        len(fields) < 4
        or fields[0] != _TITLE
        or not fields[1].startswith(_FILE)
        or not fields[2].startswith(_APPLIED)
        or not fields[3].startswith(_DIGEST)
    ):
        raise DibsError(
            f"the review record {path} is not one dibs-tui wrote",
            hint=f"review the migration again (dibs-tui review {migration}) or delete {path.name}",
        )
    body = tuple(lines[4:])
    digest = fields[3].removeprefix(_DIGEST)
    if list(body) != sorted(body) or hashlib.sha256("\n".join(body).encode()).hexdigest() != digest:
        raise DibsError(
            f"the review record {path} was changed after the review: its fingerprint does not match its digest",
            hint=f"review the migration again (dibs-tui review {migration}) to record the live schema as it is",
        )
    applied = tuple(a for a in fields[2].removeprefix(_APPLIED).split(",") if a)
    return ReviewRecord(fields[1].removeprefix(_FILE), applied, Fingerprint(body, digest))


@dataclass(frozen=True)
class GuardOutcome:
    """What `migrate` found comparing the live schema now with the first pending migration's review."""

    migration: str
    record: ReviewRecord | None
    moved: FingerprintDiff
    applied_since: tuple[str, ...]
    file_changed: bool
    # The migration's segments an earlier run committed ("segment 1 of 3 (...)"): part of any difference.
    partly_applied: str = ""

    @property
    def refuses(self) -> bool:
        return self.record is not None and (self.file_changed or bool(self.moved))

    def lines(self, limit: int = 40) -> list[str]:
        if self.record is None:
            return [
                f"guard: no review record for {self.migration}: the live schema is not checked against a review "
                "(dibs-tui review records one)"
            ]
        out: list[str] = []
        if self.applied_since:
            out.append(
                "guard: applied since the review, not by this run (another deploy or another tool): "
                + ", ".join(self.applied_since)
            )
        if self.file_changed:
            out.append(f"guard: {self.migration} changed since it was reviewed")
        if self.moved:
            out.append(f"guard: the live schema changed since {self.migration} was reviewed (- then, + now):")
            out += [f"    {line}" for line in self.moved.describe(limit)]
            if self.partly_applied:
                out.append(
                    f"guard: {self.migration} was partly applied by an earlier run ({self.partly_applied} "
                    "committed): the changes above include what it did; once they are all its own, review it "
                    "again to record the schema as that run left it, and migrate resumes"
                )
        if not out or not self.refuses:
            out.append(f"guard: the live schema is the one {self.migration} was reviewed against")
        return out


def _guard(first: MigrationFile, now: Fingerprint, applied_now: Sequence[str]) -> GuardOutcome:
    """Compare the live schema now with what the review of the first pending migration recorded."""
    record = read_record(first.path)
    if record is None:
        return GuardOutcome(first.name, None, FingerprintDiff((), ()), (), False)
    since = tuple(name for name in applied_now if name not in set(record.applied))
    return GuardOutcome(
        first.name, record, compare(record.fingerprint, now), since, record.checksum != first.checksum
    )


async def _applied_names(conn: asyncpg.Connection) -> tuple[str, ...]:
    """The migrations the history tables record as applied, in their order."""
    from .migrations.history import read_history

    return tuple(m.name for m in (await read_history(conn)).applied)


async def _live(
    target: ConnectionTarget, scope: Scope, what: str | None = None
) -> tuple[Fingerprint, tuple[str, ...]]:
    """The live schema's fingerprint and applied migrations; with `what` (the read, as a refusal names it), a
    lock in the way is a DibsError naming the session that held it (its deparse functions open every
    relation, so any one may be the one waited for); without, the driver's error is raised as it is."""
    from .migrations.apply_online import blockers_of
    from .session import lock_wait_error

    conn = await connect(target, read_only=True)
    try:
        async with blockers_of(target, conn.get_server_pid()) as watch:
            try:
                return await scope.of(conn), await _applied_names(conn)
            except (asyncpg.LockNotAvailableError, asyncpg.QueryCanceledError) as exc:
                refusal = None
                if what is not None:
                    refusal = await lock_wait_error(conn, what, exc, "nothing was done", watch.blockers)
                if refusal is None:
                    raise
                raise refusal from None
    finally:
        await conn.close()


async def take_record(target: ConnectionTarget, migration: Path, text: str, scope: Scope) -> Path:
    """Record the live schema as the review of `migration` (whose runnable text is `text`) sees it."""
    from .migrations.files import checksum

    now, applied = await _live(target, scope)
    return write_record(migration, ReviewRecord(checksum(text), applied, now))


async def check_guard(target: ConnectionTarget, first: MigrationFile, scope: Scope) -> GuardOutcome:
    """The guard for the first pending migration, read on a read-only connection to the live database."""
    now, applied = await _live(target, scope, "the guard's read of the live schema (its fingerprint)")
    return _guard(first, now, applied)
