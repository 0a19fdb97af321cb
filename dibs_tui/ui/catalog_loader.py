"""Reading a PostgreSQL catalog for the browser, on the loader's thread: the relations' names first (the list
paints while the rest loads), then everything over two connections; one relation alone for the first card.

A thread, not a process: a process would have to hand the model back, and unpickling it in the app costs
about as much CPU as the read it moves (5,000 tables: 1.1 s to unpickle, 1.3-1.9 s to pickle, against 1.8 s for
the whole read and build; 20,000: 3.6 and 5.7 s; bench/JOURNAL.md, session 6)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..core.connect import ConnectionTarget, connect, connect_all
from ..core.errors import ConnectError, DibsError
from ..core.model import Catalog, QualifiedName
from .highlight import load_highlighter

if TYPE_CHECKING:
    from ..core.introspect.build import Builder

CLOSE_TIMEOUT = 0.2  # seconds a connection's goodbye may take before its socket is simply closed
FIRST_SCREEN = 200  # relations listed first, before the whole list (more than a tall terminal shows)
FIRST_SCREEN_WAIT = 0.3  # seconds the first screenful may take before only the whole list is waited for
# Relations listed from which the list is made again of the read's own relations before the assembly
# (`_relist`): below it memory is no limit (5,000 tables: 101 MiB of 120) and the second list costs a sort and
# a rebuild of the rows.
RELIST_FROM = 20_000


class CardReads:
    """Card reads that share the whole read's session. A role limited to one session (CONNECTION LIMIT 1) has
    none for the card while the whole read holds it, and the card waited for the whole read (5,000 tables:
    seconds). Its relation is read on that session instead, as soon as the session is between two queries:
    while the first card is waited for, between the whole read's queries and portions (inside its
    transaction, on a savepoint: the same snapshot), or while it waits for another session's lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held = False
        self._asked: list[tuple[QualifiedName, concurrent.futures.Future[Catalog]]] = []

    def ask(self, key: QualifiedName) -> concurrent.futures.Future[Catalog] | None:
        """The relation, read on the whole read's session; None when no read holds one."""
        with self._lock:
            if not self._held:
                return None
            future: concurrent.futures.Future[Catalog] = concurrent.futures.Future()
            self._asked.append((key, future))
            return future

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """While the whole read holds its session; what is still asked after it is cancelled (the catalog is
        on screen, or the app closing)."""
        with self._lock:
            self._held = True
        try:
            yield
        finally:
            with self._lock:
                self._held, asked, self._asked = False, self._asked, []
            for _, future in asked:
                future.cancel()

    async def serve(self, conn: Any) -> None:
        """Read what was asked, on `conn`. A card's failure (a lock past lock_timeout) goes to its card; one the
        whole read meets too (the session lost, the read cancelled) to the card and on to the whole read: a
        card's future left running kept its worker waiting for ever."""
        import asyncpg  # the driver: none of the first frame's business (tests/test_startup_imports.py)

        from ..core.introspect.read import load_relations
        from ..core.session import bounded_read

        with self._lock:
            asked, self._asked = self._asked, []
        for key, future in asked:
            if not future.set_running_or_notify_cancel():
                continue
            try:
                read = load_relations(conn, [key])
                future.set_result(await bounded_read(conn, read, "this table's own read"))
            except BaseException as exc:
                future.set_exception(exc)
                if not isinstance(exc, (DibsError, asyncpg.PostgresError)):
                    raise


async def fetch_catalog(
    target: ConnectionTarget,
    settings: Settings,
    marks: dict[str, float],
    on_loaded: Callable[[Catalog], None],
    *,
    on_listed: Callable[[Catalog, bool], None],
    on_progress: Callable[[int, int], object],
    wants_listing: Callable[[], bool],
    first_card_ready: threading.Event,
    first_card_wait: float,
    card_reads: CardReads,
    free_a_session: Callable[[], object] = lambda: None,
    on_meta: Callable[[bool], object] = lambda present: None,
) -> None:
    """Hand the catalog to `on_loaded` (kept out of asyncio.run's task: 3.11 may repr() it on exit) before
    the sessions close: the screen does not wait for the server to end their backends (15 ms at 5,000 tables).
    When `wants_listing()` (no catalog on screen yet), `on_listed(names, complete)` gets the first screenful
    of names (`complete` when that is all of them), then, once the first card's relation is loaded alone (or
    `first_card_wait` passed: the reads do not compete for the CPU), the whole catalog is read and the whole
    list beside it, on the second connection before that one's queries. A read that meets another session's
    lock says who holds it each second, through the reporter of the run (ui/loader_runs.py), and is made again
    once the lock is gone (core/lock_wait.py). A card that finds no session of its own is read on this one
    (`card_reads`). `on_meta(present)` is told whether the database has meta tables before the first list
    (tables of their names in the meta schema), and again once the read has read them, before its last
    queries end."""
    # Imported here, on the loader's thread once the first frame is drawn: the introspection modules (eleven,
    # the driver's model builders) and the driver itself are none of the first frame's business.
    from ..core.introspect.live import refuse_unknown_schemas
    from ..core.introspect.read import first_relations, list_relations, load_catalog
    from ..core.lock_wait import read_through_locks
    from ..core.meta import has_meta_tables
    from ..core.native_heap import give_back, hold_thresholds
    from ..core.session import bounded_read, catalog_settings, prepare_catalog_session, read_budget

    hold_thresholds()  # the read gives back the large blocks it frees (ctypes: not on the first frame's path)

    # Catalog sessions (core.session): search_path pinned to pg_catalog, lock and statement timeouts; a read
    # that meets a lock steps out of the queue after 1 s at most and is made again (core/lock_wait.py).
    limits = settings.session_limits()
    bounds = catalog_settings(limits, stepping=True)
    conn = await _first_session(target, bounds, free_a_session)
    marks["connected"] = time.perf_counter()
    # Two more connections, opened while the list loads: the catalog queries run in three groups at once
    # (core/introspect/read.py's _GROUPS: the constraints' chain of queries beside the columns').
    others = [asyncio.ensure_future(connect(target, extra_settings=bounds)) for _ in range(2)]
    extra: list[Any] = []
    listed = 0  # relations in the list on screen, by the first read
    relisted: list[asyncio.Future[None]] = []
    meta_told: list[asyncio.Future[None]] = []  # `_tell_meta`, for the read's last attempt
    builders: list[Builder] = []
    schemas = {"include_schemas": settings.include_schemas, "exclude_schemas": settings.exclude_schemas}

    list_beside: Callable[[Any], Awaitable[None]] | None = None  # the whole list, beside the full read

    def relist_when_large() -> None:
        if listed >= RELIST_FROM and builders and not relisted:
            relisted.append(asyncio.ensure_future(_relist(builders[0], on_listed)))

    def started(builder: Builder) -> None:  # at each attempt of the read: the last one's builder
        for task in (*relisted, *meta_told):
            task.cancel()
        relisted.clear()
        builders[:] = [builder]
        meta_told[:] = [asyncio.ensure_future(_tell_meta(builder, on_meta))]
        relist_when_large()

    async def list_whole(on: Any) -> None:
        nonlocal listed, list_beside
        list_beside = None  # once: a read made again after a lock does not list again
        whole = await bounded_read(on, list_relations(on, **schemas))
        listed = len(whole.relations)
        on_listed(whole, True)
        relist_when_large()

    with card_reads.held():
        handed_over = False
        try:
            if wants_listing():
                # The meta column settled before the first list is drawn: the Tables pane takes its width once,
                # not again in the middle of the read (a whole layout of the screen, 40-100 ms of its CPU)
                on_meta(await bounded_read(conn, has_meta_tables(conn, limits.meta_schema)))
                # A screenful first (the whole list reads all of pg_class: 0.8 s at 100,000 tables), so that the
                # list and the first card's read start at once; the whole list once the first card is in.
                first = await bounded_read(
                    conn, first_relations(conn, FIRST_SCREEN, give_up_after=FIRST_SCREEN_WAIT, **schemas)
                )
                complete = first is not None and len(first.relations) < FIRST_SCREEN
                if first is not None:
                    on_listed(first, complete)
                    await _wait_for(first_card_ready, first_card_wait, lambda: card_reads.serve(conn))
                    # On the second connection before its queries (they end before the first connection's):
                    # the full read does not wait for it (5,000 tables: about 50 ms).
                    list_beside = None if complete else list_whole
                else:  # only the whole list will show: the first card waits for it
                    await list_whole(conn)
                    await _wait_for(first_card_ready, first_card_wait, lambda: card_reads.serve(conn))
            for other in others:
                with contextlib.suppress(DibsError):  # one connection is enough to go on with
                    extra.append(await other)
            if list_beside is not None and not extra:
                await list_beside(conn)
                list_beside = None
            # The full read's statement_timeout, scaled to the catalog unless the user set one (core.session).
            await bounded_read(
                conn, asyncio.gather(*(prepare_catalog_session(c, limits) for c in (conn, *extra)))
            )
            catalog = await bounded_read(
                conn,
                read_through_locks(
                    conn,
                    lambda: load_catalog(
                        conn,
                        include_schemas=settings.include_schemas,
                        exclude_schemas=settings.exclude_schemas,
                        extra_connections=extra,
                        progress=on_progress,
                        started=started,
                        before_extra=list_beside,
                        between=card_reads.serve,
                    ),
                    budget=read_budget(limits),
                    meanwhile=lambda: card_reads.serve(conn),
                ),
            )
            refuse_unknown_schemas(settings.include_schemas, catalog.database, catalog)  # the screen says it
            give_back()  # what the read freed, before the browser indexes and lists the catalog (core.native_heap)
            on_loaded(catalog)
            handed_over = True
            del catalog
        finally:
            for task in (*relisted, *meta_told):
                task.cancel()
            for other in others:
                other.cancel()
                with contextlib.suppress(BaseException):  # opened but not used (the listing failed): close it
                    if (opened := await other) not in extra:
                        await opened.close()
            await _close_all([conn, *extra], handed_over)


async def _first_session(
    target: ConnectionTarget, bounds: dict[str, str], free_a_session: Callable[[], object]
) -> Any:
    """The read's first session. Refused for want of a free one (a role limited to one session, CONNECTION
    LIMIT 1, whose only one the browser's idle watch holds): `free_a_session` ends the watch, whose slot is
    then waited for; the read's end starts the watch again."""
    try:
        return await connect(target, extra_settings=bounds)
    except ConnectError as exc:
        if not exc.no_free_slot:
            raise
    free_a_session()
    return await connect(target, extra_settings=bounds, wait_for_slot=True)


async def _relist(builder: Builder, on_listed: Callable[[Catalog, bool], None]) -> None:
    """The list on screen made again of the read's own relations, once they are built and before the catalog
    is assembled: the first list's relations (26 MiB at 100,000 tables) are let go then, and the assembly,
    where the browser's memory peaks, reuses their memory (bench/JOURNAL.md, memory, session 11). A read that
    fails says so through `load_catalog`: the list on screen then stays as it is."""
    try:
        head = await builder.head()
    except Exception:  # load_catalog raises the same failure, and the load reports it
        return
    on_listed(head, True)


async def _tell_meta(builder: Builder, on_meta: Callable[[bool], object]) -> None:
    """Whether the database has meta tables, once the read has read them (before its last queries): the list's
    meta column, and with it the Tables pane's width, is settled then. Settled as the catalog came in, the width
    changed there and the screen's whole layout was made again on the read's serial tail, after its last rows
    (40-90 ms of the screen's CPU at 5,000 tables)."""
    snapshot = await builder.meta_snapshot()
    if snapshot is not None:
        on_meta(bool(snapshot.tables_present))


async def _wait_for(event: threading.Event, seconds: float, meanwhile: Callable[[], Awaitable[None]]) -> None:
    """Wait for another thread's event without blocking this loop (a cancellation must get through), running
    `meanwhile` each hundredth of a second."""
    deadline = time.perf_counter() + seconds
    while not event.is_set() and time.perf_counter() < deadline:  # set by another thread
        await meanwhile()
        await asyncio.sleep(0.01)


async def _close(conn: Any) -> None:
    """Close politely, but not for long: after a cancelled read the app is closing (the server ends the
    backend when the socket goes). A goodbye that takes longer is no failure: asyncpg has then closed the socket
    itself, and re-raises the TimeoutError, which failed a whole 100,000-table load that had been read (the
    backend took over 0.2 s to end on a loaded machine)."""
    with contextlib.suppress(TimeoutError):
        await conn.close(timeout=CLOSE_TIMEOUT)


async def fetch_relation(
    target: ConnectionTarget,
    settings: Settings,
    key: QualifiedName,
    on_loaded: Callable[[Catalog], None],
    card_reads: CardReads,
) -> None:
    """One relation alone, handed to `on_loaded` before its sessions close (the card and the full read do not
    wait for the server to end them): over two connections opened at once (the user types are read beside the
    relation's own queries), while a thread loads the highlighter its card's DDL is drawn with; on the whole
    read's session where the server has none for it (`CardReads`)."""
    from ..core.introspect.read import load_relations
    from ..core.session import bounded_read, catalog_settings

    # Out of a lock's queue after 1 s at most: the card says who holds the lock, the whole read waits for it.
    bounds = catalog_settings(settings.session_limits(), stepping=True)
    try:
        conns = await connect_all(target, 2, extra_settings=bounds)
    except ConnectError as exc:
        asked = card_reads.ask(key) if exc.no_free_slot else None
        if asked is None:
            raise
        shared, _ = await asyncio.gather(asyncio.wrap_future(asked), asyncio.to_thread(load_highlighter))
        on_loaded(shared)
        return
    handed_over = False
    try:
        read = bounded_read(  # a lock past lock_timeout named with its holder, as for the whole read
            conns[0], load_relations(conns[0], [key], extra_connections=conns[1:]), "this table's own read"
        )
        relation, _ = await asyncio.gather(read, asyncio.to_thread(load_highlighter))
        on_loaded(relation)
        handed_over = True
    finally:
        await _close_all(conns, handed_over)


async def _close_all(conns: list[Any], handed_over: bool) -> None:
    """Close the sessions; once what they read is handed over, a goodbye that fails is no failure."""
    closing = asyncio.gather(*(_close(c) for c in conns))
    with contextlib.suppress(Exception) if handed_over else contextlib.nullcontext():
        await closing


def failure_text(exc: Exception) -> str:
    """What a failed read says on the screen: our errors as worded (with their hints), anything else (a dropped
    connection, a driver error) as one line with its class."""
    if isinstance(exc, DibsError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}".splitlines()[0]
