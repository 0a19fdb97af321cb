"""Objects the diff re-creates whole when they change: rules, statistics objects, event triggers,
publications, foreign data wrappers, foreign servers, user mappings, text search dictionaries and
configurations; and what a foreign table adds to a table (its server and options).

None of them holds data of its own, so DROP + CREATE loses nothing and one text, the CREATE statement the
server writes from its catalog, is all a comparison needs. Plain data, like `core.model`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .sql import quote_ident, quote_literal

# The order they are created in (and dropped in reverse): what each kind may need comes before it.
KINDS = (
    "foreign data wrapper",
    "foreign server",
    "user mapping",
    "text search dictionary",
    "text search configuration",
    "statistics object",
    "rule",
    "publication",
    "event trigger",
)


Options = tuple[tuple[str, str], ...]

# Kinds whose options are altered in place (ALTER <target> OPTIONS): their CREATE is the shape plus options.
# A text search dictionary's options and a configuration's mappings (token type, dictionaries) are held as
# options too, both as SQL text as the server writes them (TEXT_SEARCH: written by `text_search_create`).
DICTIONARY = "text search dictionary"
CONFIGURATION = "text search configuration"
TEXT_SEARCH = frozenset((DICTIONARY, CONFIGURATION))
WITH_OPTIONS = frozenset(("foreign data wrapper", "foreign server", "user mapping", *TEXT_SEARCH))


@dataclass(frozen=True)
class WholeObject:
    """One object: `schema` is empty for database-wide kinds; `relation` is a rule's or statistics object's
    table; `shape` the statement(s) that make it (without its options), `drop` the one that removes it,
    `target` how DDL names it after COMMENT ON / ALTER. `masked`: options whose values were not read (a user
    mapping's password), so they cannot be restored."""

    kind: str
    schema: str
    name: str
    relation: str
    shape: str
    drop: str
    target: str
    comment: str | None = None
    masked: tuple[str, ...] = ()
    options: Options = ()
    # What it cannot exist without, as (kind, schema, name, sub) like an ObjectRef: its table (and a statistics
    # object's columns, the tables and columns a rule reads or writes), a publication's tables, a server's wrapper, a user mapping's server, an event
    # trigger's function. They become the catalog's dependencies, which order the plan.
    references: tuple[tuple[str, str, str, str], ...] = ()

    @property
    def ref(self) -> tuple[str, str, str, str]:
        """As an ObjectRef's fields: a rule or statistics object is a part of its table, like a trigger."""
        if self.relation:
            return (self.kind, self.schema, self.relation, self.name)
        return (self.kind, self.schema, self.name, "")

    @property
    def tables(self) -> tuple[tuple[str, str], ...]:
        """The tables it lives on or names: when the plan drops one, it goes along."""
        return tuple((schema, name) for kind, schema, name, _ in self.references if kind == "table")

    @property
    def parents(self) -> tuple[tuple[str, str, str], ...]:
        """(kind, schema, name) of a server's wrapper, a user mapping's server, a text search configuration's
        dictionaries: re-created, one takes this along."""
        return tuple(
            (kind, schema, name) for kind, schema, name, _ in self.references if kind in _PARENT_KINDS
        )

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.schema, self.relation, self.name)

    @property
    def create(self) -> str:
        if self.kind not in WITH_OPTIONS:
            return self.shape
        if self.kind in TEXT_SEARCH:
            return text_search_create(self)
        return f"{self.shape}{options_sql(self.options)};"


_PARENT_KINDS = frozenset(("foreign data wrapper", "foreign server", DICTIONARY))


@dataclass(frozen=True)
class ForeignTable:
    """Where a foreign table's rows live: its server and options, and its columns' options. Its columns,
    constraints and comments are those of its `Relation`, like any table's."""

    schema: str
    name: str
    server: str
    options: Options = ()
    column_options: tuple[tuple[str, Options], ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)

    @property
    def clause(self) -> str:
        """What CREATE FOREIGN TABLE says after its columns (or partition bound)."""
        return f" SERVER {quote_ident(self.server)}{options_sql(self.options)}"


def options_sql(options: Options) -> str:
    """` OPTIONS (a 'x', b 'y')`, or nothing."""
    if not options:
        return ""
    return f" OPTIONS ({', '.join(f'{quote_ident(k)} {quote_literal(v)}' for k, v in options)})"


def text_search_create(obj: WholeObject) -> str:
    """A dictionary's CREATE with its options; a configuration's CREATE, then its mappings (token types that
    map to the same dictionaries in one ADD MAPPING)."""
    if obj.kind == DICTIONARY:
        if not obj.options:
            return obj.shape
        return f"{obj.shape[: -len(');')]}, {', '.join(f'{k} = {v}' for k, v in obj.options)});"
    return "\n".join((obj.shape, *mapping_sql(obj.target, "ADD", obj.options)))


def mapping_sql(target: str, verb: str, mappings: Options) -> list[str]:
    """`ALTER <target> <verb> MAPPING FOR a, b WITH x, y;`, one per list of dictionaries (in sorted order)."""
    tokens: dict[str, list[str]] = {}
    for token, dictionaries in mappings:
        tokens.setdefault(dictionaries, []).append(token)
    return [
        f"ALTER {target} {verb} MAPPING FOR {', '.join(names)} WITH {dictionaries};"
        for dictionaries, names in sorted(tokens.items())
    ]
