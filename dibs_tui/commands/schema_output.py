"""The schema command's output forms shared by PostgreSQL and SQLite: the model as JSON, SQL in colour."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from ..core.terminal import json_safe

if TYPE_CHECKING:
    from ..core.introspect.build import Builder
    from ..core.model import Catalog, Relation


def highlight_sql(sql: str) -> str:
    """SQL coloured for a terminal, for text that was made printable first: the only escapes are Pygments'."""
    from pygments import highlight
    from pygments.formatters import TerminalFormatter
    from pygments.lexers.sql import PostgresLexer

    return str(highlight(sql, PostgresLexer(), TerminalFormatter()))


def write_json(catalog: Catalog, write: Callable[[bytes | memoryview], object]) -> None:
    """The whole model, provenance, stale and untracked meta included, as one UTF-8 JSON document written
    piece by piece: each field of the Catalog, and each object of its lists, encoded and written on its own,
    made safe for a terminal (`json_safe`) as it goes. The document is never held whole (54 MB at 5,000
    tables, and its escaped copy); the bytes are those of encoding the Catalog's fields as one dict.

    orjson encodes enums (by value), tuples and datetimes (ISO 8601) natively; each dataclass is handed to
    `_fields_of`, which returns its fields as a dict. orjson reads a slotted dataclass (a column, constraint,
    index) attribute by attribute through its field list, which took a third longer than these per-class
    functions (`_field_reader`). The Catalog itself is taken field by field, because its cached properties
    (indexes over the relations) are not part of the model.
    """
    for piece in _pieces(catalog, [f.name for f in dataclasses.fields(catalog)]):
        write(piece)
    write(b"}")


class StreamedJson:
    """`write_json`'s document in two parts: the head (every field up to the relations) as soon as the read
    has built it, then the rest once the catalog is whole. The same bytes.

    At 1,000 tables the relations are built about as the last query's rows arrive: when the other session still
    reads (half of 12 runs at load 5-7), their JSON is written in that wait instead of after it, a batch at a
    time, so that the loop still sends the read's next queries as the last ones return; else it is written once
    the catalog is assembled (about 90 ms of CPU, the command's last). At 5,000 they are built after the last
    rows, and their JSON (about 200 ms) would follow the catalog's assembly (about 130 ms) on one core while the
    other is idle: a forked copy of this process writes the head meanwhile (`_forked_writer`) but for its last
    relations, which this one writes once the writer has ended (`_OWN_SHARE`). A database with meta tables gets
    provenance on its relations once the whole catalog is read (core.meta.apply_meta): the document is written
    whole at the end.
    """

    def __init__(
        self, write: Callable[[bytes | memoryview], object], flush: Callable[[], object] | None = None
    ) -> None:
        """`write` the document's pieces; `flush` what `write` buffers, given when `write` goes to a file or
        a pipe another process can write to as well (then the head may be written by a forked writer)."""
        self._write = write
        self._flush = flush
        self._head_written = False  # by this process or by a forked writer
        self._writer: int | None = None  # the process ID of the head's forked writer, until it is waited for
        self._relations: tuple[
            Relation, ...
        ] = ()  # the head's, when a forked writer writes the first of them
        self._split = 0  # the first relation this process writes after the forked writer (`_OWN_SHARE`)

    @property
    def head_written(self) -> bool:
        """Whether the head is written (or being written): from then on the document is this read's."""
        return self._head_written

    async def head(self, builder: Builder) -> None:
        head = await builder.head()
        snapshot = await builder.meta_snapshot()
        if snapshot is None or snapshot.tables_present:
            return  # nothing left to wait for: all of it is written while the sessions close
        names = [f.name for f in dataclasses.fields(head)]
        names = names[: names.index(_HEAD_LAST) + 1]
        if self._forked_writer(head, names):
            self._head_written = True
            return
        if not builder.reading:
            return
        self._head_written = True
        for piece in _pieces(head, names):
            self._write(piece)
            await asyncio.sleep(0)

    def _forked_writer(self, head: Catalog, names: list[str]) -> bool:
        """Whether the head is written by a forked copy of this process, on the other core, while this one
        ends the read and assembles the catalog: for a large head only (the copy's pages are shared until
        either process writes one, and each first write costs a fault: 10,000 -> 16,000 at 1,000 tables). The
        copy imports nothing and takes no lock another thread may hold at the fork (the model's imports are
        done once the relations are built; the loop's resolver threads wait idle)."""
        if self._flush is None or len(head.relations) < _FORKED_FROM or not hasattr(os, "fork"):
            return False
        import orjson  # noqa: F401 - imported here, not in the copy

        self._flush()  # what is buffered is written once, not by both processes
        count = len(head.relations)
        self._split = count - min(round(count * _OWN_SHARE), _OWN_MOST)
        try:
            pid = os.fork()
        except (OSError, Warning):  # no process to spare, or fork's warning made an error: written here
            return False
        if pid:
            self._writer = pid
            self._relations = head.relations
            return True
        os._exit(self._write_head(head, names))  # never back to the copy's event loop

    def _write_head(self, head: Catalog, names: list[str]) -> int:
        """The forked writer's work: the head, then its exit status (the command's own for a closed output,
        cli._run). An interrupt ends it at once, as it would a C tool: the command says it."""
        assert self._flush is not None
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # not the copied loop's handler
        try:
            for piece in _pieces(head, names, open_end=self._split):
                self._write(piece)
            self._flush()
            return 0
        except BrokenPipeError:
            return _BROKEN_PIPE
        except BaseException:
            traceback.print_exc()
            sys.stderr.flush()
            return 1

    def rest(self, catalog: Catalog) -> None:
        if not self._head_written:
            write_json(catalog, self._write)
            return
        names = [f.name for f in dataclasses.fields(catalog)]
        pieces = _pieces(catalog, names[names.index(_HEAD_LAST) + 1 :], opening=b",")
        if self._relations:  # a forked writer wrote the head but for its last relations
            # Those and the rest, encoded while the writer may still write (at 5,000 tables 7 and 3.6 MB).
            relations = self._relations
            pieces = iter([*_items(relations, self._split, len(relations)), b"]", *pieces])
        status = self.wait()
        if status == _BROKEN_PIPE:
            raise BrokenPipeError
        if status == -signal.SIGINT:
            raise KeyboardInterrupt
        if status:
            raise RuntimeError(f"the JSON document's head was not written (exit status {status})")
        for piece in pieces:
            self._write(piece)
        self._write(b"}")

    def wait(self) -> int:
        """The forked writer's exit status once it has ended (0 when there is none): the head is out before
        anything after it, and no writer outlives the command (a failed read waits for it too)."""
        if self._writer is None:
            return 0
        _, status = os.waitpid(self._writer, 0)
        self._writer = None
        return os.waitstatus_to_exitcode(status)


_HEAD_LAST = "relations"  # the last field of `Builder.head`'s catalog
# Relations from which the head is written by a forked writer: at 5,000 tables its JSON is about 200 ms and
# the relations are built as the read ends; at 1,000 it is about 70-90 ms, and a copy took 100-151 ms of CPU
# for 85 % of it, its first writes to the shared pages included (bench/JOURNAL.md, session 30): no gain.
_FORKED_FROM = 2000
# The last relations' share this process writes itself, encoded once the catalog is assembled while the forked
# writer still writes: at 5,000 tables the assembly costs about 0.6 of the relations' JSON (118 against 207
# ms) and each process pays its first writes to the shared pages, so with 15 % both end about together (12
# pairs with the tail on an idle core: 304 -> 266 ms median). Their bytes are held until the writer ends:
# at most 1,000 relations (about 9 MB of the synthetic catalogs' JSON; 7 MB at 5,000 tables).
_OWN_SHARE = 0.15
_OWN_MOST = 1000
_BROKEN_PIPE = 141  # the forked writer's exit status for a closed output, as the command's own (cli._run)


def _pieces(
    catalog: Catalog, names: list[str], opening: bytes = b"{", *, open_end: int | None = None
) -> Iterator[bytes | memoryview]:
    """The catalog's fields `names`, in order, each as `"name":value` after `opening` (the document's brace
    for the first field, commas after), in pieces of `_BATCH` objects. With `open_end`, the last field is a
    list whose items up to that index are written and which is left open (its rest: `_items`)."""
    import orjson

    from ..core.model_dependencies import Dependencies  # the model: imported once the sessions are open

    dumps, passthrough = orjson.dumps, orjson.OPT_PASSTHROUGH_DATACLASS
    for number, name in enumerate(names, 1):
        value = getattr(catalog, name)
        yield opening + dumps(name) + b":"
        opening = b","
        if number == len(names) and open_end is not None:
            yield b"["
            yield from _items(value, 0, open_end)
        elif isinstance(value, (tuple, Dependencies)):  # `[]` when empty, as orjson writes an empty tuple
            yield b"["
            yield from _items(value, 0, len(value))
            yield b"]"
        else:
            yield json_safe(dumps(value, _fields_of, passthrough))


def _items(values: Sequence[Any], start: int, stop: int) -> Iterator[bytes | memoryview]:
    """A list's items from `start` to `stop`, in pieces of `_BATCH`, each but the list's first after a comma.

    A batch is encoded as one list and written as a view of it without its brackets: one `dumps` call and no
    copy, where encoding each object and joining them took 8-10 % more of the document's CPU at 1,000 tables.
    A batch after the first is encoded after a `null`, so that its view starts at the comma that follows."""
    import orjson

    dumps, passthrough = orjson.dumps, orjson.OPT_PASSTHROUGH_DATACLASS
    for first in range(start, stop, _BATCH):
        batch = values[first : min(first + _BATCH, stop)]
        if first:
            yield memoryview(json_safe(dumps((None, *batch), _fields_of, passthrough)))[_AFTER_NULL:-1]
        else:
            yield memoryview(json_safe(dumps(batch, _fields_of, passthrough)))[1:-1]


_AFTER_NULL = len(b"[null")
_BATCH = 16  # objects per write: a few hundred system calls at 5,000 tables, about 200 kB held at a time
_READERS: dict[type, Callable[[Any], dict[str, Any]]] = {}


def _fields_of(obj: object) -> dict[str, Any] | list[Any]:
    """orjson's `default`: a dataclass's fields, in order, as a dict (what orjson writes for it natively); a
    frozenset (the server's casts) as a sorted list, the same for the same catalog."""
    read = _READERS.get(type(obj))  # a dataclass's reader first: about 45,000 calls at 1,000 tables
    if read is None:
        if isinstance(obj, frozenset):
            return sorted(obj)
        if not dataclasses.is_dataclass(obj):
            raise TypeError(f"{type(obj).__name__} is not part of the model")
        read = _READERS[type(obj)] = _field_reader(type(obj))
    return read(obj)


def _field_reader(cls: type) -> Callable[[Any], dict[str, Any]]:
    """A function returning `{"name": obj.name, ...}` for every field of the dataclass `cls`: one dict
    display, whose attribute reads the interpreter specialises for slots and instance dicts alike."""
    names = [f.name for f in dataclasses.fields(cls)]
    if not all(name.isidentifier() for name in names):
        raise TypeError(f"{cls.__name__} has a field that is not an identifier")
    source = "lambda obj: {" + ", ".join(f"{name!r}: obj.{name}" for name in names) + "}"
    return cast(Callable[[Any], dict[str, Any]], eval(source))  # noqa: S307 - the model's own field names
