"""What uses an object, transitively, as a tree: every dependent pg_depend records (views down to the
column, SQL-standard function bodies, triggers, policies, defaults, FKs pointing in), what the model says of
one table's own columns (indexes, constraints, generated columns), and what the parser finds in PL/pgSQL and
text SQL bodies ("found in body").

`UsesIndex(catalog)` builds the reverse edges once (function bodies parsed once); each `tree()` is then a
walk over dictionaries, whatever the catalog's size.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..bodies import BodyNames, body_names
from ..model import Catalog, ConstraintKind, ObjectRef, Relation, SourceLocation
from ..model_dependencies import Dependencies
from ..sql import unicode_ident
from .source_lines import Locate, SourceLines


@dataclass(frozen=True)
class Use:
    """`dependent` uses the object it hangs under: how, and whether the parser found it in a body."""

    dependent: ObjectRef
    what: str  # "view", "function", "trigger", "foreign key", "index", "default", "generated column", ...
    via: tuple[str, ...] = ()  # the columns of the used table it goes through, when known
    in_body: bool = False
    body_line: int | None = None


@dataclass(frozen=True)
class UseNode:
    ref: ObjectRef
    what: str
    via: tuple[str, ...] = ()
    in_body: bool = False
    body_line: int | None = None
    source: SourceLocation | None = None
    children: tuple[UseNode, ...] = ()
    repeated: bool = False  # already shown higher in the tree: not expanded again

    def walk(self) -> Iterable[UseNode]:
        yield self
        for child in self.children:
            yield from child.walk()


MAX_DEPTH = 12

_CONSTRAINT_WORDS = {
    ConstraintKind.PRIMARY_KEY: "primary key",
    ConstraintKind.UNIQUE: "unique constraint",
    ConstraintKind.CHECK: "check",
    ConstraintKind.FOREIGN_KEY: "foreign key",
    ConstraintKind.EXCLUSION: "exclusion constraint",
    ConstraintKind.NOT_NULL: "not null",
}


class UsesIndex:
    """The reverse dependency edges of one catalog."""

    def __init__(self, catalog: Catalog, locate: Locate | None = None) -> None:
        """`locate`: where each node is defined (a `SourceLines` with the desired SQL files); by default
        what the meta rows say."""
        self.catalog = catalog
        self.source = locate or SourceLines(catalog)
        # pg_depend's edges, referenced -> dependents: one pass, nothing built per edge until a walk shows it.
        # A read's dependencies are walked as their two lists of refs, no Dependency made for each edge, and
        # a list made only for a new referenced ref (18,000 edges, 7,600 refs at 5,000 tables).
        self._server: dict[ObjectRef, list[ObjectRef]] = {}
        deps = catalog.dependencies
        pairs = (
            deps.pairs() if isinstance(deps, Dependencies) else ((d.dependent, d.referenced) for d in deps)
        )
        server = self._server
        for dependent, referenced in pairs:
            found = server.get(referenced)
            if found is None:
                server[referenced] = [dependent]
            else:
                found.append(dependent)
        # Bodies are parsed when a walk reaches a name they hold as text, once each: a `uses` at 5,000
        # tables parses the few bodies that mention the object, not all of them.
        self._bodies = [
            (ObjectRef("function", fn.schema, fn.name, fn.identity_arguments), fn, fn.definition.lower())
            for fn in catalog.functions
            if fn.definition and fn.language in ("plpgsql", "sql")
        ]
        self._parsed: dict[ObjectRef, BodyNames] = {}

    def _body_uses(self, ref: ObjectRef) -> list[Use]:
        """The functions whose PL/pgSQL or SQL text names `ref` (a table, a column of one, a function)."""
        if ref.kind not in ("table", "column", "function"):
            return []
        rel = self.catalog.relation(ref.schema, ref.name) if ref.kind != "function" else None
        # As written bare, quoted, or (a name holding a control character) as U&"..." with escapes.
        needles = {
            ref.name.lower(),
            ref.name.replace('"', '""').lower(),
            unicode_ident(ref.name)[3:-1].lower(),
        }
        out: list[Use] = []
        for fn_ref, fn, text in self._bodies:
            if fn_ref == ref or not any(n in text for n in needles):
                continue
            names = self._parsed.get(fn_ref)
            if names is None:
                names = self._parsed[fn_ref] = body_names(fn)
            use = _call_use(ref, fn_ref, names) if rel is None else _table_use(ref, rel, fn_ref, names)
            if use is not None:
                out.append(use)
        return out

    def what(self, ref: ObjectRef) -> str:
        """What kind of object `ref` is, in words."""
        if ref.kind == "table":
            rel = self.catalog.relation(ref.schema, ref.name)
            if rel is None:
                return "table"
            # what uses a partitioned table is mostly its partitions: "table" said nothing of how
            return "partition" if rel.partition_of is not None else str(rel.kind)
        if ref.kind == "constraint":
            rel = self.catalog.relation(ref.schema, ref.name)
            con = next((c for c in rel.constraints if c.name == ref.sub), None) if rel else None
            return _CONSTRAINT_WORDS[con.kind] if con is not None else "constraint"
        if ref.kind == "column":
            rel = self.catalog.relation(ref.schema, ref.name)
            col = rel.column(ref.sub) if rel else None
            return "generated column" if col is not None and col.generated else "column"
        return ref.kind

    def _edges_of(self, ref: ObjectRef) -> list[Use]:
        """The server's dependents of `ref`, and the foreign keys that point at it (a table, or a column)."""
        uses = {d: Use(d, self.what(d)) for d in dict.fromkeys(self._server.get(ref, ()))}
        if ref.kind in ("table", "column"):
            for rel, con in self.catalog.referenced_by.get((ref.schema, ref.name), ()):
                fk = con.foreign_key
                if fk is not None and (ref.kind == "table" or ref.sub in fk.target_columns):
                    dependent = ObjectRef("constraint", rel.schema, rel.name, con.name)
                    uses[dependent] = Use(dependent, "foreign key")
        return list(uses.values())

    def direct(self, ref: ObjectRef) -> list[Use]:
        """Everything that uses `ref` directly; for a table, what uses any of its columns too."""
        uses = {u.dependent: u for u in self._edges_of(ref)}
        for use in self._body_uses(ref):
            uses.setdefault(use.dependent, use)  # the server's word wins over the parser's
        rel = self.catalog.relation(ref.schema, ref.name) if ref.kind in ("table", "column") else None
        if ref.kind == "table" and rel is not None:
            for col in rel.columns:
                for use in self._column_uses(rel, col.name):
                    if (
                        use.dependent.kind == "table"
                        or use.dependent.name != rel.name
                        or _refers_to(rel, use.dependent, col.name)
                    ):
                        _merge(uses, use, col.name)
        elif ref.kind == "column" and rel is not None:
            for use in self._column_uses(rel, ref.sub):
                uses.setdefault(use.dependent, use)
        uses.pop(ref, None)
        return sorted(
            uses.values(), key=lambda u: (u.what, u.dependent.schema, u.dependent.name, u.dependent.sub)
        )

    def _column_uses(self, rel: Relation, column: str) -> list[Use]:
        """What uses one column: the server's edges, plus the table's own indexes, constraints and
        generated columns (pg_depend leaves those inside one table out of the catalog's dependencies)."""
        uses = self._edges_of(ObjectRef("column", rel.schema, rel.name, column))
        mention = re.compile(
            rf'(?<![\w"]){re.escape(column)}(?![\w"])|"{re.escape(column.replace(chr(34), 2 * chr(34)))}"'
        )
        for index in rel.indexes:
            if (
                column in index.columns
                or column in index.include
                or any(mention.search(c) for c in index.columns)
            ):
                uses.append(Use(ObjectRef("index", rel.schema, rel.name, index.name), "index"))
        for con in rel.constraints:
            if column in con.columns and con.kind is not ConstraintKind.NOT_NULL:
                uses.append(
                    Use(ObjectRef("constraint", rel.schema, rel.name, con.name), _CONSTRAINT_WORDS[con.kind])
                )
        for col in rel.columns:
            if col.name != column and col.generation_expression and mention.search(col.generation_expression):
                uses.append(Use(ObjectRef("column", rel.schema, rel.name, col.name), "generated column"))
        return uses

    def tree(self, ref: ObjectRef, max_depth: int = MAX_DEPTH) -> UseNode:
        """`ref` with everything that uses it, transitively; an object met twice is expanded once."""
        seen: set[ObjectRef] = {ref}
        return UseNode(
            ref, self.what(ref), source=self.source(ref), children=self._children(ref, seen, max_depth)
        )

    def _children(self, ref: ObjectRef, seen: set[ObjectRef], depth: int) -> tuple[UseNode, ...]:
        if depth <= 0:
            return ()
        nodes: list[UseNode] = []
        fresh: list[Use] = []
        for use in map(lambda u: _in_context(ref, u), self.direct(ref)):
            if use.dependent in seen:
                nodes.append(self._node(use, (), repeated=True))
            else:
                seen.add(use.dependent)
                fresh.append(use)
        for use in fresh:  # breadth first: an object shows where it is nearest the root
            # A default or generated column uses `ref`; what uses that column does not. A column of a type
            # changes with the type, and so does everything that reads it.
            expand = use.dependent.kind != "column" or ref.kind == "type"
            nodes.append(self._node(use, self._children(use.dependent, seen, depth - 1) if expand else ()))
        order = {id(n): i for i, n in enumerate(nodes)}
        return tuple(
            sorted(
                nodes, key=lambda n: (n.repeated, n.what, n.ref.schema, n.ref.name, n.ref.sub, order[id(n)])
            )
        )

    def _node(self, use: Use, children: tuple[UseNode, ...], *, repeated: bool = False) -> UseNode:
        return UseNode(
            use.dependent,
            use.what,
            use.via,
            use.in_body,
            use.body_line,
            self.source(use.dependent),
            children,
            repeated,
        )


def _in_context(referenced: ObjectRef, use: Use) -> Use:
    """A column that uses a type is a column of that type; one that uses a sequence or a function does so
    through its default (or its generation expression)."""
    if use.dependent.kind != "column" or use.what == "generated column":
        return use
    what = "column" if referenced.kind == "type" else "default"
    return Use(use.dependent, what, use.via, use.in_body, use.body_line)


def _refers_to(rel: Relation, dependent: ObjectRef, column: str) -> bool:
    """Whether `dependent` is a foreign key of `rel` to `rel` itself through `column` (a tree's parent key):
    the table's own objects are left out of what uses it, but such a key uses it as another table's would."""
    if dependent.kind != "constraint" or dependent.schema != rel.schema or dependent.name != rel.name:
        return False
    con = next((c for c in rel.constraints if c.name == dependent.sub), None)
    fk = con.foreign_key if con is not None else None
    return fk is not None and fk.target_key == rel.key and column in fk.target_columns


def _merge(uses: dict[ObjectRef, Use], use: Use, column: str) -> None:
    known = uses.get(use.dependent)
    via = tuple(dict.fromkeys((*(known.via if known else ()), *use.via, column)))
    base = known if known is not None and not (known.in_body and not use.in_body) else use
    uses[use.dependent] = Use(base.dependent, base.what, via, base.in_body, base.body_line)


def _table_use(ref: ObjectRef, rel: Relation, fn_ref: ObjectRef, names: BodyNames) -> Use | None:
    for found in names.tables:
        if found.table == rel.name and found.schema in (None, rel.schema):
            via = tuple(sorted(c for c in found.columns if rel.column(c) is not None))
            if ref.kind == "column" and ref.sub not in via:
                continue
            return Use(fn_ref, "function", via, in_body=True, body_line=found.line)
    return None


def _call_use(ref: ObjectRef, fn_ref: ObjectRef, names: BodyNames) -> Use | None:
    for call in names.calls:
        if call.function == ref.name and call.schema in (None, ref.schema):
            return Use(fn_ref, "function", in_body=True, body_line=call.line)
    return None
