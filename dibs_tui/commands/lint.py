"""`dibs-tui lint`: health findings for CI. Exit 0 when nothing is at or above --fail-on, 1 otherwise.

`--write-fixes` writes the fixes as a migration into the migrations folder (`--migrations`, else the
configured one), named and laid out like `generate`'s, so that `review`, `status` and `migrate` take it
as they take any other migration: one path from a finding to the database, the reviewed one.
"""

from __future__ import annotations

import argparse
import gc
import sys
from typing import Any

import asyncpg

from ..config import Settings
from ..core.errors import DibsError
from ..core.explore.health import CHECKS, Finding, HealthReport, Level, health_report
from ..core.explore.health_fix import fix_migration
from ..core.explore.source_lines import SourceLines
from ..core.model import Catalog
from ..core.sqlescape import escape_sql
from ..core.terminal import json_safe, prose_width, safe, wrap_prose
from .catalog_read import load, source_lines
from .common import exit_now, run_async, target_for
from .status import folder_to_write

LEVELS = {str(level): level for level in Level}


def run(args: argparse.Namespace, settings: Settings) -> int:
    unknown = sorted(set(args.only or ()) - set(CHECKS))
    if unknown:
        print(
            f"dibs-tui: no check named {safe(', '.join(unknown))} (checks: {', '.join(CHECKS)})",
            file=sys.stderr,
        )
        return 2
    gc.disable()  # one large acyclic catalog, then the process ends: the cyclic GC would only rescan it
    found: list[tuple[HealthReport, SourceLines]] = []

    async def check(conn: asyncpg.Connection, catalog: Catalog) -> None:
        lines = source_lines(settings, catalog)
        found.append(
            (
                await health_report(
                    conn,
                    catalog,
                    lines if lines.files_read() else None,
                    args.only,
                    unused_after_days=args.unused_after,
                ),
                lines,
            )
        )

    run_async(load(args, settings, check))
    report, lines = found[0]
    findings = list(report.findings)
    if args.format == "json":
        write_json(report_json(report, findings))
    else:
        sys.stdout.write(report_text(report, findings, prose_width(sys.stdout)))
    fail_on = LEVELS[args.fail_on]
    if args.write_fixes:
        _write_fixes(args, settings, [f for f in findings if f.level >= fail_on], lines)
    return exit_now(1 if any(f.level >= fail_on for f in findings) else 0)


def _write_fixes(
    args: argparse.Namespace, settings: Settings, findings: list[Finding], lines: SourceLines
) -> None:
    """With the meta updates `generate` would write for the same changes, placed by the schema files."""
    from ..core.generate import SourceIndex, source_index

    sources = source_index(lines.desired, settings.project_root) if lines.desired else SourceIndex()
    name, text = fix_migration(findings, catalog=lines.catalog, sources=sources)
    folder = folder_to_write(args, settings, target_for(args, settings))
    path = folder / f"{name}.sql"
    if path.exists():
        raise DibsError(f"{path} already exists")
    path.write_text(escape_sql(text), encoding="utf-8")
    print(f"wrote {path}; review it with: dibs-tui review {path}", file=sys.stderr)


def write_json(doc: dict[str, Any]) -> None:
    """As bytes, past the escaping stream but made terminal-safe so that it stays valid JSON (C1 and bidi
    characters as `\\u` escapes); orjson, because a large schema's report is megabytes (json.dumps with an
    indent takes its pure-Python path: 0.4 s at 5,000 tables)."""
    import orjson

    sys.stdout.flush()
    sys.stdout.buffer.write(json_safe(orjson.dumps(doc, option=orjson.OPT_INDENT_2)) + b"\n")


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "check": f.check,
        "level": str(f.level),
        "object": f.object,
        "message": f.message,
        "why": f.why,
        "fix": f.fix,
        "fix_is_template": f.fix_is_template,
        "source": None if f.source is None else {"file": f.source.file, "line": f.source.line},
    }


def report_json(report: HealthReport, findings: list[Finding]) -> dict[str, Any]:
    done, total = report.total_coverage
    return {
        "findings": [finding_json(f) for f in findings],
        "statistics_age": report.stats_age,
        "doc_coverage": {
            "documented": done,
            "total": total,
            "tables": [
                {"table": f"{c.table[0]}.{c.table[1]}", "documented": c.documented, "total": c.total}
                for c in report.coverage
            ],
        },
    }


def report_text(report: HealthReport, findings: list[Finding], width: int | None = None) -> str:
    """The findings, their prose wrapped to `width` (a terminal's; the SQL of a fix never is)."""
    out: list[str] = []
    for f in findings:
        where = f"  ({safe(str(f.source))})" if f.source else ""
        out += wrap_prose(f"{str(f.level).upper():<7} {f.check}  {safe(f.object)}{where}", width, 8)
        out += wrap_prose(f"        {safe(f.message)}", width)
        out += wrap_prose(f"        why: {f.why}", width, len("why: "))
        if f.fix:
            label = "fix (fill in):" if f.fix_is_template else "fix:"
            fix_lines = escape_sql(f.fix).splitlines()
            out.append(f"        {label} {fix_lines[0]}")
            out.extend(f"             {line}" for line in fix_lines[1:])
    done, total = report.total_coverage
    counts = {level: sum(1 for f in findings if f.level is level) for level in Level}
    summary = (
        f"{len(findings):,} finding{'s' if len(findings) != 1 else ''} ("
        + ", ".join(f"{level}: {counts[level]:,}" for level in reversed(Level))
        + ")"
        + f"; documentation {done:,} of {total:,} tables and columns"
        + (f" ({100 * done / total:.0f} %)" if total else "")
        + f"; index usage statistics {report.stats_age}"
    )
    return "\n".join([*out, *wrap_prose(summary, width, 4)]) + "\n"
