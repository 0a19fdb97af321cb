"""`dibs-tui init`: create the meta tables and record the current schema as migration `initial`."""

from __future__ import annotations

import argparse

from ..config import Settings
from ..core.bootstrap import InitPlan, apply_init, plan_init
from ..core.connect import connect
from ..core.errors import DibsError
from ..core.sqlfiles import load_sql_files
from .common import run_async, stdin_is_a_terminal, target_for


def _confirm(plan: InitPlan, where: str) -> bool:
    if not stdin_is_a_terminal():
        raise DibsError("init writes to the database: pass --yes to confirm when not on a terminal")
    answer = input(f"{where}: {plan.summary()}. Proceed? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def run(args: argparse.Namespace, settings: Settings) -> int:
    target = target_for(args, settings)
    paths = args.schema_paths or list(settings.schema_paths)
    sources = load_sql_files(paths) if paths else None
    if sources is not None and not sources.files:  # a mistyped or not yet filled folder
        raise DibsError(
            f"the schema folder {', '.join(str(p) for p in paths)} holds no .sql file; nothing was written",
            hint="name the folder that holds the schema files: init records where each table is defined in them",
        )

    async def go() -> int:
        conn = await connect(target, read_only=False)
        try:
            plan = await plan_init(conn, sources, settings.project_root)
            if plan.nothing_to_do:
                print(f"{target.masked}: {plan.summary()}")
                return 0
            if not args.yes and not _confirm(plan, target.masked):
                print("nothing written")
                return 1
            await apply_init(conn, plan)
            print(f"{target.masked}: done: {plan.summary()}")
            return 0
        finally:
            await conn.close()

    code = run_async(go())
    if code == 0 and getattr(args, "baseline", None) is not None:
        from .baseline import run_baseline

        return run_baseline(args, settings)
    return code
