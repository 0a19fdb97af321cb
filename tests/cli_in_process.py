"""A command run in-process (`cli.main`), as a test would run the console script: what it printed and its exit
code. A new interpreter per command imported the core again each time (about a second of a slow core, three
times in a generate-migrate-check test); tests/test_cli.py runs the process itself (its re-exec without
secrets, exit codes, Ctrl-C), so a test about what a command does needs no process of its own."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from dibs_tui.cli import main


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _empty_stdin() -> Iterator[None]:
    """Standard input at its end, as a process started with /dev/null as its input has it."""
    saved = sys.stdin
    with open(os.devnull, encoding="utf-8") as devnull:
        sys.stdin = devnull
        try:
            yield
        finally:
            sys.stdin = saved


def run_cli(*args: str, cwd: Path | None = None) -> Ran:
    """`dibs-tui ARGS` in `cwd` with its output a pipe's: not a terminal, UTF-8 text over a binary buffer (the
    JSON writers write bytes)."""
    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True) for _ in range(2))
    with contextlib.ExitStack() as stack:
        if cwd is not None:
            stack.enter_context(contextlib.chdir(cwd))
        stack.enter_context(_empty_stdin())
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        code = _main_beside_a_running_loop(list(args))
    return Ran(code, *(_written(stream) for stream in (out, err)))


def _main_beside_a_running_loop(argv: list[str]) -> int:
    """`cli.main` runs its own event loop (`asyncio.run`), which cannot start on a thread whose loop runs (an
    async test's): there it runs on a thread of its own while the test waits, as `subprocess.run` blocked it."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return main(argv)
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(main, argv).result()


def _written(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")
