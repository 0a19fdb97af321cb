"""`dibs-tui diff`: changes grouped by table (text), the executable plan only (sql), or JSON for scripts."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..core.connect import ConnectionTarget, resolve
from ..core.conninfo import looks_like_conninfo
from ..core.diff import diff_database
from ..core.errors import DibsError
from ..core.terminal import json_safe_text, raw_stream, safe
from .common import exit_now, run_async, sessions_from_environment, target_for

if TYPE_CHECKING:
    from ..core.plan import Change, DiffResult

# Catalog sessions per side of a diff when DIBS_TUI_DIFF_CONNECTIONS sets them (a benchmark's knob); 0: chosen
# for each diff by `sessions_per_side`.
SESSIONS_PER_SIDE = sessions_from_environment("DIBS_TUI_DIFF_CONNECTIONS", default=0)


def sessions_per_side(target: ConnectionTarget, desired: Sequence[str | Path]) -> int:
    """One catalog session per side when the desired side is a database on the target's server, two otherwise.

    Both sides are read at once, so with both databases on one server its two reads already run side by
    side: two sessions each add two backends that warm their own catalog caches and scan the catalogs the
    split queries share, beside a client that decodes every row on one core. On one 2-core machine
    (bench/JOURNAL.md, session 9), one per side at 5,000 tables: 4.46 against 5.45 s, faster in 6 rounds of 6,
    server CPU 2.90 against 3.21 s (load 4.3); at 1,000 tables even (1.06 against 1.04 s, load 4.2). Another
    server has cores of its own, and each round trip of a read on one session waits in turn: two there."""
    if SESSIONS_PER_SIDE:
        return SESSIONS_PER_SIDE
    if len(desired) == 1 and isinstance(desired[0], str) and looks_like_conninfo(desired[0]):
        other = resolve(desired[0])
        if (other.hosts, other.ports) == (target.hosts, target.ports):
            return 1
    return 2


# By ChangeKind (a StrEnum: its members are these strings), spelled out so that the command connects before
# the model and the plan are imported (core/diff/__init__.py: _PLANNER).
MARKS = {"create": "+", "drop": "-", "alter": "~", "rename": ">"}


def desired_spec(args: argparse.Namespace, settings: Settings) -> list[str | Path]:
    """--desired beats the config file's schema paths."""
    given = getattr(args, "desired", None) or []
    spec = settings.desired_spec(given if isinstance(given, list) else [given])
    if spec:
        return spec
    raise DibsError(
        "no desired schema", hint="pass --desired PATH_OR_DSN, or name the schema files in dibs-tui.toml"
    )


def parse_renames(values: Sequence[str] | None) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for value in values or ():
        old, sep, new = value.partition("=")
        if not sep or not old or not new:
            raise DibsError(f"--accept-rename expects OLD=NEW, got {value!r}")
        out.append((old.strip(), new.strip()))
    return out


def compute(args: argparse.Namespace, settings: Settings, *, renames: bool = True) -> DiffResult:
    """The diff for `diff` and `check` (its catalogs come back frozen out of the cyclic GC's reach:
    core/gc_pause.py)."""
    target = target_for(args, settings)
    include, exclude = settings.include_schemas, settings.exclude_schemas
    accepted = parse_renames(getattr(args, "accept_rename", None)) if renames else []
    privileges = bool(getattr(args, "privileges", False))
    desired = desired_spec(args, settings)
    return run_async(
        diff_database(
            target,
            desired,
            include_schemas=include,
            exclude_schemas=exclude,
            accepted_renames=accepted,
            exclude_tables=settings.exclude_tables,
            privileges=privileges,
            read_privileges=privileges,  # one query less on each side when grants are not compared
            sessions_per_side=sessions_per_side(target, desired),
            suggest_renames=getattr(args, "format", None) != "sql",  # the SQL alone does not show them
        )
    )


def group_by_table(changes: Sequence[Change]) -> dict[str, list[Change]]:
    """Changes keyed by the table (or object) they belong to, in a stable order."""
    groups: dict[str, list[Change]] = {}
    for change in changes:
        if change.kept:
            continue  # said as a note (left_out_lines)
        table = change.table
        key = f"{table[0]}.{table[1]}" if table else str(change.object)
        groups.setdefault(key, []).append(change)
    return groups


def rename_lines(result: DiffResult, how: str = "accept with --accept-rename OLD=NEW") -> list[str]:
    """The rename suggestions under `possible renames ({how}):`, each with the --accept-rename that plans it;
    `check` lists them too: a drop and an add that are one rename fail the gate until the rename is
    accepted."""
    lines = [f"possible renames ({how}):"]
    for r in result.renames:
        old, new = r.accept_arg
        shown = new if r.old_schema else r.new  # a move names the other schema
        lines.append(
            f"  {r.kind} {safe(old)} -> {safe(shown)}  (confidence {r.confidence:.0%})  "
            f"--accept-rename {safe(old)}={safe(new)}"
        )
    return lines


def left_out_lines(result: DiffResult) -> list[str]:
    """`note: …` how the desired side was loaded when it matters (another server, another major version),
    then `left out: public.alembic_version (Alembic history)` and `unmodelled: 2 rules on public.x (...)`: what
    the diff did not compare, one per line."""
    return (
        note_lines(result)
        + [f"left out: {item}" for item in result.left_out]
        + [f"unmodelled: {safe(str(item))}" for item in result.unmodelled]
    )


def note_lines(result: DiffResult) -> list[str]:
    """`note: …` how the desired side was loaded, then what the diff keeps on purpose (Change.kept)."""
    notes = [f"note: {safe(note)}" for note in result.notes]
    return notes + [f"note: {safe(c.kept_note)}" for c in result.changes if c.kept]


def render_text(result: DiffResult) -> str:
    if result.in_sync:
        done = f"in sync ({result.elapsed_s:.2f} s)"
        return "".join(line + "\n" for line in [*left_out_lines(result), done])
    lines: list[str] = left_out_lines(result)
    for group, changes in group_by_table(result.changes).items():
        lines.append(safe(group))
        for change in changes:
            name = change.object.sub or change.object.name
            detail = f": {change.summary}" if change.summary else ""
            flag = "  [destructive]" if change.destructive else ""
            lines.append(f"  {MARKS[change.kind]} {change.what} {safe(name)}{safe(detail)}{flag}")
    if result.renames:
        lines.append("")
        lines.extend(rename_lines(result))
    destructive = sum(1 for s in result.plan if s.destructive)
    lines.append("")
    lines.append(
        f"{counted(sum(1 for c in result.changes if not c.kept), 'change')}, "
        f"{counted(len(result.plan), 'statement')} ({destructive} destructive), "
        f"{result.elapsed_s:.2f} s"
    )
    lines.append("")
    lines.append(escaped_sql(result).rstrip("\n"))
    return "\n".join(lines) + "\n"


def escaped_sql(result: DiffResult) -> str:
    """The plan's script, safe for a terminal (imported when written, not before the diff's first connection)."""
    from ..core.sqlescape import escape_sql

    return escape_sql(result.sql())


def counted(count: int, word: str) -> str:
    """`1 change`, `2 changes`: the summaries `diff` and `check` print, as the Diff tab counts."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def as_json(result: DiffResult) -> dict[str, Any]:
    def ref(r: Any) -> dict[str, str]:
        return {"kind": r.kind, "schema": r.schema, "name": r.name, "sub": r.sub}

    return {
        "in_sync": result.in_sync,
        "elapsed_s": round(result.elapsed_s, 4),
        "changes": [
            {
                "kind": str(c.kind),
                "what": c.what,
                "object": ref(c.object),
                "old": c.old,
                "new": c.new,
                "destructive": c.destructive,
                "detail": c.detail,
                "kept": c.kept,
            }
            for c in result.changes
        ],
        "plan": [
            {
                "sql": s.sql,
                "change": str(s.change),
                "touches": [ref(t) for t in s.touches],
                "transactional": s.transactional,
                "destructive": s.destructive,
            }
            for s in result.plan
        ],
        "left_out": [{"schema": x.schema, "name": x.name, "why": x.why} for x in result.left_out],
        "notes": list(result.notes),
        "unmodelled": [
            {
                "kind": u.kind,
                "schema": u.schema,
                "relation": u.relation,
                "current": u.current,
                "desired": u.desired,
                "differs": u.differs,
            }
            for u in result.unmodelled
        ],
        "renames": [
            {
                "kind": r.kind,
                "schema": r.schema,
                "table": r.table,
                "old": r.old,
                "new": r.new,
                "old_schema": r.old_schema or r.schema,
                "confidence": r.confidence,
            }
            for r in result.renames
        ],
    }


def run(args: argparse.Namespace, settings: Settings) -> int:
    result = compute(args, settings)
    fmt = getattr(args, "format", "text") or "text"
    if fmt == "sql":
        sys.stderr.write("".join(line + "\n" for line in note_lines(result)))
        sys.stdout.write(escaped_sql(result))
    elif fmt == "json":
        raw_stream(sys.stdout).write(json_safe_text(json.dumps(as_json(result), indent=2)) + "\n")
    else:
        sys.stdout.write(render_text(result))
    return exit_now(0 if result.in_sync else 2)
