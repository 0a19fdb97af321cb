"""An object named on the command line (`schema.table`, `schema.table.column`, `schema.fn(argtypes)`, a type,
domain or sequence) found in the catalog: by its exact name first, then folded to lower case as PostgreSQL
folds an unquoted name. Parts may be quoted as we print them, `U&"..."` escapes included."""

from __future__ import annotations

from ..errors import DibsError
from ..model import Catalog, ObjectRef
from ..sql import split_quoted


class UnknownObject(DibsError):
    """The name matches nothing in the catalog, or more than one thing."""


def split_name(text: str) -> tuple[list[str], str | None]:
    """Dotted parts (double quotes keep dots and case) and the text inside a trailing `(...)`, if any."""
    split = split_quoted(text, ".", stop="(")
    if split.open_quote:
        raise UnknownObject(f"{text!r}: a double quote is not closed")
    if split.bad_escape:
        raise UnknownObject(f"{text!r}: {split.bad_escape}")
    parts = split.parts
    args: str | None = None
    if split.end < len(text):
        if not text.rstrip().endswith(")"):
            raise UnknownObject(f"{text!r}: an argument list must end with ')'")
        args = text[split.end + 1 : text.rstrip().rindex(")")]
    if any(not p for p in parts):
        raise UnknownObject(f"{text!r} is not a name: an empty part between dots")
    return parts, args


def _args(args: str) -> list[str]:
    return [" ".join(a.split()).lower() for a in args.split(",") if a.strip()]


def _same_args(identity: str, typed: str) -> bool:
    """`typed` lists the argument types of `identity` (pg_get_function_identity_arguments, which may name
    the arguments: `p_id integer`), each in full or as the type after a one-word name."""
    have, want = _args(identity), _args(typed)
    return len(have) == len(want) and all(
        h == w or (h.endswith(" " + w) and " " not in h[: -len(w) - 1].strip())
        for h, w in zip(have, want, strict=True)
    )


class _Lookup:
    """Every nameable object of the catalog by its (schema, name)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.named: dict[tuple[str, str], list[ObjectRef]] = {}
        for rel in catalog.relations:
            self._add(ObjectRef("table", rel.schema, rel.name))
        for seq in catalog.sequences:
            self._add(ObjectRef("sequence", seq.schema, seq.name))
        for key in (*(e.key for e in catalog.enums), *(d.key for d in catalog.domains)):
            self._add(ObjectRef("type", *key))
        for fn in catalog.functions:
            self._add(ObjectRef("function", fn.schema, fn.name, fn.identity_arguments))

    def _add(self, ref: ObjectRef) -> None:
        self.named.setdefault((ref.schema, ref.name), []).append(ref)

    def by_name(self, schema: str | None, name: str) -> list[ObjectRef]:
        for candidate in (name, name.lower()):
            if schema is not None:
                found = [
                    *self.named.get((schema, candidate), []),
                    *(self.named.get((schema.lower(), candidate), []) if schema != schema.lower() else []),
                ]
            else:
                found = [r for (_, n), refs in self.named.items() if n == candidate for r in refs]
            if found:
                return found
        return []


def resolve(catalog: Catalog, text: str) -> ObjectRef:
    """The one object `text` names; UnknownObject (one line, with the candidates) otherwise."""
    parts, args = split_name(text.strip())
    lookup = _Lookup(catalog)
    if args is not None:
        if len(parts) > 2:
            raise UnknownObject(f"{text!r}: a function is named schema.name(argument types)")
        schema, name = (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])
        functions = [r for r in lookup.by_name(schema, name) if r.kind == "function"]
        matches = [r for r in functions if _same_args(r.sub, args)]
        if len(matches) == 1:
            return matches[0]
        if functions:
            known = ", ".join(f"{r.name}({r.sub})" for r in functions)
            raise UnknownObject(f"no function {text} with those argument types; there are: {known}")
        raise UnknownObject(f"no function named {text} in this database")
    candidates = _candidates(lookup, parts)
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise UnknownObject(
            f"nothing named {text} in this database (tables, columns, types, sequences, functions)"
        )
    shown = ", ".join(sorted({f"{r.kind} {spell(r)}" for r in candidates})[:6])
    raise UnknownObject(f"{text} names more than one object: {shown}; qualify it")


def _candidates(lookup: _Lookup, parts: list[str]) -> list[ObjectRef]:
    out: list[ObjectRef] = []
    if len(parts) == 3:
        out += _columns(lookup, parts[0], parts[1], parts[2])
    elif len(parts) == 2:
        out += lookup.by_name(parts[0], parts[1])
        if not out:
            out += _columns(lookup, None, parts[0], parts[1])
    elif len(parts) == 1:
        out += lookup.by_name(None, parts[0])
    return out


def _columns(lookup: _Lookup, schema: str | None, table: str, column: str) -> list[ObjectRef]:
    out: list[ObjectRef] = []
    for ref in lookup.by_name(schema, table):
        rel = lookup.catalog.relation(ref.schema, ref.name) if ref.kind == "table" else None
        if rel is None:
            continue
        col = rel.column(column) or rel.column(column.lower())
        if col is not None:
            out.append(ObjectRef("column", rel.schema, rel.name, col.name))
    return out


def spell(ref: ObjectRef) -> str:
    """How an object reads in a tree or a message: `schema.table.column`, `schema.fn(args)`."""
    if ref.kind == "function":
        return f"{ref.schema}.{ref.name}({ref.sub})"
    base = f"{ref.schema}.{ref.name}" if ref.schema else ref.name
    return f"{base}.{ref.sub}" if ref.sub else base


def spell_in(ref: ObjectRef, schema: str) -> str:
    """`spell`, without `schema` when the object is in it: what uses an object of that schema, named as the
    browser names tables, relative to it (in MusicBrainz's one schema, `musicbrainz.` began every name)."""
    spelled = spell(ref)
    return spelled.removeprefix(f"{schema}.") if ref.schema == schema else spelled
