"""How much a sandbox on the live server may write: its database's size watched, its load ended past a bound.

Within its 120 s (`shadow.LOAD_STEP_TIMEOUT`) one statement of a file (`INSERT INTO t SELECT
generate_series(1, 1e9)`, a CREATE TABLE AS, a COPY) can write gigabytes into the shadow database on the
production primary: its disk filled, the WAL streamed to every replica. temp_file_limit would bound a backend's
writes, but only a superuser may set it (`_set_up` sets it on the role when we are one: it bounds the temporary
files of a sort or a hash, which the database's size does not show). So a second connection, the setting-up
side's, reads the database's size while the sandbox lives and ends the role's backend once the growth since it
was made passes `sandbox_max_size` plus 16 kB for each relation in it: an empty table with its key, toast table,
sequence and two indexes takes about 58 kB (7 pg_class rows), so a schema of 100,000 empty tables is not taken
for a write. The backend is terminated rather than cancelled: a DO block may catch query_canceled and go on.
Where we may list the server's temporary files (superuser, pg_monitor: pg_ls_tmpdir), the load's backend's are
counted too: as a CREATEROLE role, as on a managed server, no temp_file_limit bounds a sort that spills
gigabytes (a FROM generate_series(...) is spilled whole before its first row is used). Without that right
they are not watched.

The size is read every 0.2 s, or ten times as long as the last reading took (pg_database_size stats every
file of the database), so the watch costs a tenth of a core at most; between two readings a statement writes
as fast as the disk lets it, which is what can pass the bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections.abc import Iterator

import asyncpg

from .connect import ConnectionTarget, connect
from .errors import ConnectError, DibsError, SourceError
from .session_limits import current_limits

PER_RELATION = 16 * 1024
_LEAST_WAIT = 0.2

# The loading connection whose backend a watch ended -> what to say (the statement it ran is the caller's).
_ENDED: weakref.WeakKeyDictionary[asyncpg.Connection, str] = weakref.WeakKeyDictionary()


class SandboxFull(SourceError):
    """A statement wrote past the bound of a sandbox on the live server."""


def size_text(size: int) -> str:
    """Bytes as MB below 10 GB (a bound of "1GB" reached says 1,047 MB, not 1 GB), else GB."""
    return f"{size / (1 << 20):,.0f} MB" if size < 10 << 30 else f"{size / (1 << 30):,.1f} GB"


def ended_by_bound(conn: asyncpg.Connection) -> str | None:
    """Why the watch ended `conn`'s backend (the size reached, the setting to raise); None if it did not."""
    return _ENDED.get(conn)


BOUND_HINT = (
    'raise sandbox_max_size in dibs-tui.toml if the schema\'s own rows are that large, or set sandbox = "embedded": '
    "an embedded sandbox writes nothing to the live server, and has no such bound"
)


class SizeWatch:
    """The watch of one sandbox: `open` begins it, `stop` ends it."""

    def __init__(self, conn: asyncpg.Connection, role: str, loading: asyncpg.Connection, bound: int) -> None:
        self._conn = conn  # the setting-up side's, in the shadow database
        self._role = role
        self._loading = loading
        self._bound = bound
        self._start = 0
        self._task: asyncio.Task[None] | None = None
        self._temp = ""  # the name the load's backend's temporary files start with, when we may list them

    @classmethod
    async def open(
        cls, setting_up: ConnectionTarget | None, role: str, loading: asyncpg.Connection
    ) -> SizeWatch:
        """The watch of the shadow database `setting_up` logs in to, begun: its empty size read."""
        assert setting_up is not None  # a sandbox on the live server has its setting-up side's login
        watch = cls(await connect(setting_up), role, loading, current_limits().sandbox_max_size)
        try:
            if await watch._conn.fetchval(
                "SELECT pg_catalog.has_function_privilege('pg_catalog.pg_ls_tmpdir()', 'EXECUTE')"
            ):
                watch._temp = f"pgsql_tmp{loading.get_server_pid()}."
            watch._start, _ = await watch._read()
        except BaseException:
            watch.stop()
            raise
        watch._task = asyncio.ensure_future(watch._watch())
        return watch

    @classmethod
    async def open_if_free(
        cls,
        setting_up: ConnectionTarget | None,
        role: str,
        loading: asyncpg.Connection,
        where: str,
        notes: list[str],
    ) -> SizeWatch | None:
        """`open`; None, said in `notes`, where the setting-up login may hold no session beside the one that
        set the sandbox up (CONNECTION LIMIT 1): the caller drops the sandbox and loads on an embedded server,
        which writes nothing to the live one."""
        try:
            return await cls.open(setting_up, role, loading)
        except ConnectError as exc:
            if not exc.no_free_slot:
                raise
        notes.append(
            f"the login at {where} may hold no session beside the sandbox's to watch its size (CONNECTION "
            "LIMIT): the desired schema was loaded on an embedded server instead"
        )
        return None

    async def _read(self) -> tuple[int, int]:
        """The bytes written (the database, and the backend's temporary files where watched), and the number of
        relations."""
        temp = (
            " + (SELECT coalesce(pg_catalog.sum(size), 0)::pg_catalog.int8 FROM pg_catalog.pg_ls_tmpdir()"
            " WHERE pg_catalog.starts_with(name, $1))"
        )
        row = await self._conn.fetchrow(
            f"SELECT pg_catalog.pg_database_size(pg_catalog.current_database()){temp if self._temp else ''} AS size,"
            " (SELECT pg_catalog.count(*) FROM pg_catalog.pg_class) AS relations",
            *([self._temp] if self._temp else []),
        )
        assert row is not None
        return int(row["size"]), int(row["relations"])

    async def _watch(self) -> None:
        with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            while True:
                began = time.monotonic()
                size, relations = await self._read()
                if size - self._start > self._bound + PER_RELATION * relations:
                    await self._end(size)
                    return
                await asyncio.sleep(max(_LEAST_WAIT, 10 * (time.monotonic() - began)))

    async def _end(self, size: int) -> None:
        _ENDED[self._loading] = (
            "wrote past the bound of the sandbox on the live server: the shadow database"
            f"{' and its temporary files' if self._temp else ''} reached "
            f"{size_text(size)}, more than sandbox_max_size ({size_text(self._bound)}) beyond its empty size; "
            "the statement was stopped and nothing of the load is kept"
        )
        await self._conn.execute(
            "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity"
            " WHERE datname = pg_catalog.current_database() AND usename = $1",
            self._role,
        )

    @contextlib.contextmanager
    def said(self) -> Iterator[None]:
        """An error that the end of the load caused, said as the bound reached where the runner did not place
        it at its statement (a trace's clone, a replay)."""
        try:
            yield
        except Exception as exc:
            bound = ended_by_bound(self._loading)
            if bound is None or isinstance(exc, SandboxFull):
                raise
            raise DibsError(f"a statement {bound}", hint=BOUND_HINT) from exc

    def stop(self) -> None:
        """Ends the watch and its connection without an await: a cancelled load's cleanup starts before any."""
        if self._task is not None:
            self._task.cancel()
        self._conn.terminate()
