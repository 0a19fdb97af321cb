"""`dibs-tui demo`: the embedded PostgreSQL 18 server, the Acme Tracker demo database, and the browser on it.

The demo lives in one folder (the user cache dir, or --dir): `server/` holds the embedded server's files,
`project/` the sample project whose lines the meta tables point at. Both are built once and reused; --reset
rebuilds them. Off a terminal (or with --print) nothing is drawn: the command prints where everything is and
how to connect. The server stops on exit unless --keep; `demo --stop` stops one left running.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import asyncpg
import platformdirs

from ..config import Settings, load_settings
from ..core.connect import mask_dsn, resolve
from ..core.embedded import EmbeddedServer, bin_path
from ..core.errors import DibsError
from ..demo.build import DemoInfo, build_demo


def demo_root(args: argparse.Namespace) -> Path:
    """--dir, else the per-user cache folder (e.g. ~/.cache/dibs-tui/demo)."""
    given: Path | None = getattr(args, "dir", None)
    return (given or Path(platformdirs.user_cache_dir("dibs-tui")) / "demo").expanduser().resolve()


def dibs_tui_command() -> str:
    """How another shell calls this tool: `dibs-tui` when that is on PATH, else the script's full path (after
    `make demo` it sits in the checkout's .venv/bin, which is not on PATH)."""
    script = Path(sys.executable).parent / "dibs-tui"
    found = shutil.which("dibs-tui")
    if not script.is_file() or (found is not None and Path(found).resolve() == script.resolve()):
        return "dibs-tui"
    return str(script)


def _report(info: DemoInfo, server: EmbeddedServer, *, still_running: bool) -> str:
    dsn = mask_dsn(info.dsn)
    state = f"built in {info.seconds:.1f} s" if info.built else "reused; --reset rebuilds it"
    pending = ", ".join(info.pending) or "none"
    lines = [
        f"Demo database:  {dsn}  ({state})",
        f"Project:        {info.project_dir}",
        f"                schema db/schema.sql, {len(info.applied)} applied migrations, pending: {pending}",
        f"Server:         {server.root} (embedded PostgreSQL 18, log {server.log})",
    ]
    command = dibs_tui_command()
    if still_running:
        lines += [
            "The server is still running. Connect with:",
            f"  {bin_path('psql')} '{dsn}'",
            f"  cd {info.project_dir} && DATABASE_URL='{dsn}' {command}",
            f"  (then {command} status, diff, review, migrate there)",
            f"Stop it with: {command} demo --stop{_dir_option(server)}",
        ]
    else:
        lines.append(
            f"The server stops now; `{command} demo --print --keep` leaves it running to connect to."
        )
    return "\n".join(lines)


def _dir_option(server: EmbeddedServer) -> str:
    """` --dir PATH` when the demo is not in the default folder."""
    default = Path(platformdirs.user_cache_dir("dibs-tui")).resolve() / "demo"
    return "" if server.root.parent == default else f" --dir {server.root.parent}"


def _stop(server: EmbeddedServer) -> int:
    if not server.is_running():
        print(f"No demo server is running in {server.root}.")
        return 0
    server.start()  # join it, then release it as its last user: that stops it
    server.stop()
    print(f"Stopped the demo server in {server.root}.")
    return 0


def _open(info: DemoInfo) -> int:
    from .open import open_browser

    settings: Settings = load_settings(info.project_dir)
    return open_browser(resolve(info.dsn), settings)


def _build(server: EmbeddedServer, project_dir: Path, *, reset: bool) -> DemoInfo:
    try:
        return build_demo(server.dsn("postgres"), project_dir=project_dir, reset=reset)
    except (asyncpg.PostgresError, OSError) as exc:
        raise DibsError(
            f"could not build the demo database: {exc}", hint="dibs-tui demo --reset starts over"
        ) from None


def run(args: argparse.Namespace, settings: Settings) -> int:
    root = demo_root(args)
    server = EmbeddedServer(root / "server")
    if getattr(args, "stop", False):
        return _stop(server)
    if args.reset:
        server.destroy()
    server.start()
    draw = sys.stdout.isatty() and not args.print_only
    try:
        info = _build(server, root / "project", reset=args.reset)
        if draw:
            code = _open(info)
            if args.keep:
                print(_report(info, server, still_running=True))
            return code
        print(_report(info, server, still_running=args.keep))
        return 0
    finally:
        server.stop(keep_running=args.keep)
