"""pg_depend's rows, which travel as bare OIDs, resolved against the objects the other queries returned: the
schema filters and the extension and meta-table exclusions apply to dependencies for free."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from ..model import Dependency, ObjectRef, Relation

Record = asyncpg.Record


class Resolver:
    """Maps pg_depend's (catalog, oid, sub) to the ObjectRefs of objects this introspection returned."""

    def __init__(self) -> None:
        self._refs: dict[tuple[str, int], ObjectRef] = {}
        self._columns: dict[int, dict[int, str]] = {}
        self._relations: dict[int, Relation] = {}
        self._parts: dict[tuple[str, int], tuple[int, str, str]] = {}

    def add(self, catalog: str, oid: int, ref: ObjectRef) -> None:
        self._refs[(catalog, oid)] = ref

    def add_relation(self, oid: int, type_oid: int, rel: Relation, names: dict[int, str]) -> None:
        schema, name = rel.schema, rel.name
        self._refs[("pg_class", oid)] = ObjectRef("table", schema, name)
        if type_oid:  # a function returning SETOF the table's row type depends on the table
            self._refs[("pg_type", type_oid)] = ObjectRef("table", schema, name)
        self._columns[oid] = names
        self._relations[oid] = rel

    def add_parts(self, parts: Iterable[tuple[str, int, int, str, str]]) -> None:
        """Constraints and indexes, by the OID of their relation; their refs are made when a dependency
        names them (few do: 55,000 parts, a few hundred referenced at 5,000 tables)."""
        self._parts.update(((catalog, oid), (relid, kind, name)) for catalog, oid, relid, kind, name in parts)

    def _ref(self, key: tuple[str, int]) -> ObjectRef | None:
        ref = self._refs.get(key)
        if ref is None and key in self._parts:
            relid, kind, name = self._parts[key]
            rel = self._relations.get(relid)  # None: a part of a relation this introspection skipped
            if rel is not None:
                ref = self._refs[key] = ObjectRef(kind, rel.schema, rel.name, name)
        return ref

    def _resolve(self, catalog: str, oid: int, sub: int) -> ObjectRef | None:
        ref = self._ref((catalog, oid))
        if ref is None or sub == 0 or ref.kind != "table":
            return ref
        column = self._columns.get(oid, {}).get(sub)
        return ObjectRef("column", ref.schema, ref.name, column) if column else None

    def dependencies(self, rows: Iterable[Record]) -> tuple[Dependency, ...]:
        out: dict[tuple[ObjectRef, ObjectRef], Dependency] = {}
        for row in rows:
            dependent = self._resolve(_CATALOGS.get(row["dep_class"], ""), row["dep_oid"], row["dep_sub"])
            referenced = self._resolve(_CATALOGS.get(row["ref_class"], ""), row["ref_oid"], row["ref_sub"])
            if dependent is None or referenced is None or dependent == referenced:
                continue
            if (dependent, referenced) not in out:
                out[(dependent, referenced)] = Dependency(dependent, referenced)
        return tuple(out.values())


# The OIDs of the system catalogs are fixed at initdb (pg_class 1259, pg_proc 1255, ...) on every version.
_CATALOGS = {
    1259: "pg_class",
    1255: "pg_proc",
    1247: "pg_type",
    2606: "pg_constraint",
    2620: "pg_trigger",
    3256: "pg_policy",
}
