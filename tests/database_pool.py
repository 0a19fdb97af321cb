"""The session server's fresh test databases, made one step ahead and dropped after, on a thread of their own.

A test used to wait for its own CREATE DATABASE (a checkpoint each, slow on a loaded machine), its DROP and
four connections of the fixtures' own; here one thread keeps two databases ready while the tests run, drops
the used ones in between and answers the fixtures' catalog questions on a connection it keeps open. Each
database is handed out once. Names are `t<n>`: no test's pattern (`dibs_shadow_%`, `dibs_sandbox_%`) sees them.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import asyncpg

from dibs_tui.core.embedded import EmbeddedServer

T = TypeVar("T")
AHEAD = 2  # databases kept ready: a convergence test takes two


class DatabasePool:
    def __init__(self, server: EmbeddedServer, template: str) -> None:
        self._server = server
        self._template = template
        self._names = (f"t{n}" for n in itertools.count())
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="test-databases", daemon=True)
        self._thread.start()
        self._call(self._open())

    def _call(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result()

    async def _open(self) -> None:
        self._admin = await asyncpg.connect(self._server.dsn())  # quick questions, never behind a CREATE
        self._maker = await asyncpg.connect(self._server.dsn())
        self._ready: asyncio.Queue[str | BaseException] = asyncio.Queue()
        self._drops: list[str] = []
        self._wake = asyncio.Event()
        self._failure: BaseException | None = None
        self._worker = asyncio.create_task(self._work())

    async def _work(self) -> None:
        """Fill the ready queue first (a test may be waiting), then drop what tests are done with."""
        try:
            while True:
                if self._ready.qsize() < AHEAD:
                    name = next(self._names)
                    await self._on_maker(
                        f'CREATE DATABASE "{name}" TEMPLATE "{self._template}" STRATEGY FILE_COPY'
                    )
                    self._ready.put_nowait(name)
                elif self._drops:
                    name = self._drops.pop(0)
                    await self._on_maker(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                else:
                    self._wake.clear()
                    await self._wake.wait()
        except Exception as exc:  # said to the test that waits, and to every later one
            self._failure = exc
            self._ready.put_nowait(exc)

    async def _on_maker(self, sql: str) -> None:
        """`sql` on the kept connection, opened again once if a test ended it (a backend terminated, a crash
        that restarted every backend): one test's doing must not fail every later test's fixture."""
        try:
            await self._maker.execute(sql)
        except (asyncpg.ConnectionDoesNotExistError, asyncpg.InterfaceError):
            self._maker = await asyncpg.connect(self._server.dsn())
            await self._maker.execute(sql)

    async def _take(self) -> str:
        if self._failure is not None:
            raise self._failure
        item = await self._ready.get()
        self._wake.set()
        if isinstance(item, BaseException):
            raise item
        return item

    def take(self) -> str:
        """The name of a fresh empty database no one else was given; `drop` it when done."""
        return self._call(self._take())

    def drop(self, names: list[str]) -> None:
        """Drop these databases soon, in the background (WITH FORCE: a session left on them is ended)."""

        def queue() -> None:
            self._drops.extend(names)
            self._wake.set()

        self._loop.call_soon_threadsafe(queue)

    def fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        """A query on the pool's own connection to the `postgres` database (opened again once if it was ended)."""

        async def run() -> list[asyncpg.Record]:
            try:
                return await self._admin.fetch(query, *args)
            except (asyncpg.ConnectionDoesNotExistError, asyncpg.InterfaceError):
                self._admin = await asyncpg.connect(self._server.dsn())
                return await self._admin.fetch(query, *args)

        return self._call(run())

    def close(self) -> None:
        async def end() -> None:
            self._worker.cancel()
            for conn in (self._admin, self._maker):
                conn.terminate()

        self._call(end())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
