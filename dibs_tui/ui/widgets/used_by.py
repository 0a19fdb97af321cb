"""The Details pane's "Used by" section: the first level of what uses the selected table or column (views,
functions, triggers, policies, FKs pointing in, indexes, defaults, generated columns, CHECKs), counted per
kind, one line each; Enter on a line goes to the object's table (or column), `u` opens the whole tree.

The uses are found on a thread (`UsedBy.find`: the reverse edges of the catalog built once, then one walk
per object) and kept per object until the next catalog, so moving back to a table shows them at once.
Each line ends with where the user is defined, as the `u` tree and `dibs-tui uses` show it.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import TYPE_CHECKING, TypeAlias

from textual.content import Content

from ...core.explore.names import spell, spell_in
from ...core.model import Catalog, ObjectRef, SourceLocation
from ..text import data
from .details import DetailLine, Target

SHOWN = 100  # lines of uses at most; the tree (`u`) has every one

# The walk itself is imported by the thread that first walks: it is not the first frame's business.
if TYPE_CHECKING:
    from ...core.explore.uses import Use, UsesIndex

# A use and where its user is defined, when provenance knows.
LocatedUse: TypeAlias = "tuple[Use, SourceLocation | None]"


def place_of(ref: ObjectRef) -> Target | None:
    """Where the browser shows `ref`: its table (and column); functions and types have no place there."""
    if ref.kind in ("table", "constraint", "index", "trigger", "policy"):
        return Target(ref.schema, ref.name)
    if ref.kind == "column":
        return Target(ref.schema, ref.name, ref.sub)
    return None


class UsedBy:
    """The first level of uses, per object, of the current catalog."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._building = threading.Lock()
        self._catalog: Catalog | None = None
        self._index: UsesIndex | None = None
        self._found: dict[ObjectRef, list[LocatedUse] | str] = {}

    def known(self, catalog: Catalog, ref: ObjectRef) -> list[LocatedUse] | str | None:
        """The uses of `ref` when already found for this catalog (a string: why they could not be; None:
        not looked for yet)."""
        with self._lock:
            return self._found.get(ref) if catalog is self._catalog else None

    def find(self, catalog: Catalog, ref: ObjectRef) -> None:
        """On a thread: the uses of `ref`, remembered for this catalog. The index is built outside the lock
        `known` takes on the screen's loop (at 100,000 tables it is seconds of work)."""
        with self._building:  # one thread builds a catalog's index, the others wait for it
            with self._lock:
                index = self._index if catalog is self._catalog else None
            if index is None:
                from ...core.explore.uses import UsesIndex

                index = UsesIndex(catalog)
                with self._lock:
                    self._catalog, self._index, self._found = catalog, index, {}
        self._remember(catalog, ref, [(use, index.source(use.dependent)) for use in index.direct(ref)])

    def failed(self, catalog: Catalog, ref: ObjectRef, why: str) -> None:
        self._remember(catalog, ref, why)

    def _remember(self, catalog: Catalog, ref: ObjectRef, found: list[LocatedUse] | str) -> None:
        with self._lock:
            if catalog is self._catalog:
                self._found[ref] = found


def _plural(what: str, count: int) -> str:
    """`2 foreign keys`, `2 policies`, `2 indexes`, `2 statistics`."""
    if count == 1 or what.endswith("statistics"):
        return what
    if what.endswith("y") and what[-2:-1] not in ("a", "e", "i", "o", "u"):  # key, keys; policy, policies
        return what[:-1] + "ies"
    return what + ("es" if what.endswith(("x", "s", "ch", "sh")) else "s")


def used_by_lines(
    uses: list[LocatedUse] | str | None, loading: bool, schema: str | None = None
) -> list[DetailLine]:
    """The section: its heading with the count per kind, then one line a use, named relative to `schema` (the
    subject's; None: still being found; a string: why they could not be found)."""
    head = DetailLine(Content.styled("── Used by", "bold $text-primary"))
    if uses is None:
        wait = "loading… (the whole catalog is still being read)" if loading else "finding…"
        return [DetailLine(Content("")), head, DetailLine(Content.styled(wait, "$text-muted"))]
    if isinstance(uses, str):
        return [DetailLine(Content("")), head, DetailLine(data(f"cannot tell: {uses}", "$text-error"))]
    if not uses:
        nothing = Content.styled("nothing in this database uses it", "$text-muted")
        return [DetailLine(Content("")), head, DetailLine(nothing)]
    counts = Counter(use.what for use, _ in uses)
    summary = ", ".join(
        f"{n} {_plural(what, n)}" for what, n in sorted(counts.items(), key=lambda c: (-c[1], c[0]))
    )
    lines = [
        DetailLine(Content("")),
        DetailLine(Content.styled(f"── Used by ({len(uses)})", "bold $text-primary")),
        DetailLine(Content.styled(summary, "$text-muted")),
    ]
    for use, source in uses[:SHOWN]:
        content = _use_content(use, source, schema)
        lines.append(DetailLine(content, target=place_of(use.dependent), copy=spell(use.dependent)))
    more = f"+{len(uses) - SHOWN} more · " if len(uses) > SHOWN else ""
    lines.append(
        DetailLine(
            Content.styled(f"{more}u opens the whole tree (what uses these, and so on)", "$text-muted")
        )
    )
    return lines


def _use_content(use: Use, source: SourceLocation | None, schema: str | None) -> Content:
    name = spell(use.dependent) if schema is None else spell_in(use.dependent, schema)
    parts = [data(f"{use.what} ", "$text-muted"), data(name, "$text-success")]
    if use.via:
        parts.append(data(f"  via {', '.join(use.via)}", "$text-muted"))
    if use.in_body:
        line = f", line {use.body_line}" if use.body_line else ""
        parts.append(data(f"  found in body{line}", "$text-warning"))
    if source is not None:
        parts.append(data(f"  {source}", "$text-accent"))
    return Content.assemble(*parts)
