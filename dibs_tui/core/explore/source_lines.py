"""Where an object of the catalog is defined, as file:line: the meta rows' provenance first (tables, columns,
indexes), then the desired SQL files, which also place what the meta tables do not record (functions,
sequences, triggers, policies, constraints, views); else the object's table. One lookup per object, by name,
so health findings and `uses` nodes ask it for thousands of objects at no cost."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import Catalog, ObjectRef, Provenance, SourceLocation

if TYPE_CHECKING:  # the SQL-file reader brings pglast and orjson: not before the browser's first frame
    from ..sqlfiles import DesiredSchema, Place

# Where an object is defined, when anything knows: a `SourceLines`, or any function of the same shape.
Locate = Callable[[ObjectRef], SourceLocation | None]


class SourceLines:
    """`locate(ref)` for one catalog, with the desired SQL files (`load_sql_files`) when the project has
    them; `project_root` makes their paths relative, as meta rows record them."""

    def __init__(
        self, catalog: Catalog, desired: DesiredSchema | None = None, project_root: Path | None = None
    ) -> None:
        self.catalog = catalog
        # None: no SQL files, the meta rows alone; the file reader (it brings the SQL parser) is then not
        # imported, as for the browser's Used by section once the catalog is in.
        self.desired = desired
        self.root = project_root

    @classmethod
    def of_files(cls, catalog: Catalog, paths: Sequence[Path], project_root: Path) -> SourceLines:
        """With the definitions of the SQL files at `paths` (none: the meta rows alone). Parses them: a
        thread's work, or a command's."""
        if not paths:
            return cls(catalog)
        from ..sqlfiles import load_sql_files

        return cls(catalog, load_sql_files(paths), project_root)

    def files_read(self) -> bool:
        """Whether any SQL file placed anything (else the meta rows alone locate, as without `desired`)."""
        return self.desired is not None and bool(self.desired.files)

    def _file(self, place: Place | None) -> SourceLocation | None:
        return place.provenance(self.root).source if place is not None else None

    def __call__(self, ref: ObjectRef) -> SourceLocation | None:
        desired = self.desired
        if ref.kind == "function":
            return self._file(desired.functions.get((ref.schema, ref.name)) if desired else None)
        if ref.kind == "sequence":
            found = self._file(desired.sequences.get((ref.schema, ref.name)) if desired else None)
            seq = next((s for s in self.catalog.sequences if s.key == (ref.schema, ref.name)), None)
            owner = seq.owned_by if seq is not None else None
            if found is None and owner is not None:  # serial and identity: where their column is
                return self(ObjectRef("column", owner.schema, owner.table, owner.column))
            return found
        rel = self.catalog.relation(ref.schema, ref.name)
        if rel is None:
            return None
        own = self._own(ref, rel.schema, rel.name)
        if own is not None:
            return own
        if rel.provenance and rel.provenance.source:
            return rel.provenance.source
        return self._file(desired.tables.get(rel.key) if desired else None)

    def _own(self, ref: ObjectRef, schema: str, table: str) -> SourceLocation | None:
        """The part's own place (column, index, constraint, trigger, policy), before its table's."""
        rel = self.catalog.relation(schema, table)
        provenance: Provenance | None = None
        if ref.kind == "column":
            col = rel.column(ref.sub) if rel is not None else None
            provenance = col.provenance if col is not None else None
        elif ref.kind == "index":
            index = next((i for i in rel.indexes if i.name == ref.sub), None) if rel is not None else None
            provenance = index.provenance if index is not None else None
        if provenance is not None and provenance.source is not None:
            return provenance.source
        return self._file(self._desired_place(ref, schema, table))

    def _desired_place(self, ref: ObjectRef, schema: str, table: str) -> Place | None:
        """Where the SQL files define the part, if any were read."""
        desired = self.desired
        if desired is None:
            return None
        if ref.kind == "column":
            return desired.columns.get((schema, table, ref.sub))
        if ref.kind == "index":
            return desired.indexes.get((schema, ref.sub)) or desired.constraints.get((schema, table, ref.sub))
        if ref.kind == "constraint":
            return desired.constraints.get((schema, table, ref.sub))
        if ref.kind == "trigger":
            return desired.triggers.get((schema, table, ref.sub))
        if ref.kind == "policy":
            return desired.policies.get((schema, table, ref.sub))
        return None
