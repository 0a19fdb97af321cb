"""`dibs-tui demo` on a terminal, then `q`: the browser exits and the demo's server stops with it (the fast exit
of the browser must not skip the demo's own cleanup)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.test_quit_during_load import _drain, _until

DIBS = str(Path(sys.executable).parent / "dibs-tui")


def test_q_in_the_demo_stops_its_server(tmp_path: Path) -> None:
    pid_file = tmp_path / "server" / "data" / "postmaster.pid"
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color"}
    app = subprocess.Popen(
        [DIBS, "demo", "--dir", str(tmp_path)], stdin=slave, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    drawn = b""
    try:

        def painted() -> bool:
            nonlocal drawn
            drawn += _drain(master)
            return b"Tables" in drawn and pid_file.exists()

        _until(painted, "the demo's browser")
        os.write(master, b"q")

        def exited() -> bool:
            _drain(master)
            return app.poll() is not None

        _until(exited, "the demo to exit")
        assert app.returncode == 0
        assert not pid_file.exists(), "the demo's server is still running after q"
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        os.close(master)
        if pid_file.exists():  # never leave a server behind, even when the test fails
            subprocess.run([DIBS, "demo", "--stop", "--dir", str(tmp_path)], capture_output=True, check=False)
