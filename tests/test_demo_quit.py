"""`dibs-tui demo` on a terminal, then `q`: the browser exits and the demo's server stops with it (the fast exit
of the browser must not skip the demo's own cleanup)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.pg import DIBS, browser_on_a_terminal, drain, quit_browser, until


def test_q_in_the_demo_stops_its_server(tmp_path: Path) -> None:
    pid_file = tmp_path / "server" / "data" / "postmaster.pid"
    drawn = b""
    try:
        with browser_on_a_terminal("demo", "--dir", str(tmp_path)) as (app, master):

            def painted() -> bool:
                nonlocal drawn
                drawn += drain(master)
                return b"Tables" in drawn and pid_file.exists()

            until(painted, "the demo's browser")
            quit_browser(app, master)
            assert not pid_file.exists(), "the demo's server is still running after q"
    finally:
        if pid_file.exists():  # never leave a server behind, even when the test fails
            subprocess.run([DIBS, "demo", "--stop", "--dir", str(tmp_path)], capture_output=True, check=False)
