"""What the dibs meta tables (`__dibs_*`, `_dibs_migrations`) and the other tools' histories hold, reconciled
with the live catalog: the applied migrations, meta rows whose object is gone, objects no meta row tracks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import ObjectRef, Provenance


@dataclass(frozen=True)
class Migration:
    """One row of applied history, from whichever history table holds it."""

    name: str
    applied_at: datetime | None = None
    checksum: str | None = None
    execution_time_ms: int | None = None
    tables_created: tuple[str, ...] = ()
    tables_modified: tuple[str, ...] = ()
    tables_dropped: tuple[str, ...] = ()
    generated_from_diff: bool = False
    source: str = "__dibs_migrations"  # which table the row came from


@dataclass(frozen=True)
class StaleMeta:
    """A meta row whose live object no longer exists."""

    kind: str  # table, column, index
    table: str
    name: str  # column or index name; the table name again for tables
    provenance: Provenance | None = None


@dataclass(frozen=True)
class MetaState:
    """What the `__dibs_*` and `_dibs_migrations` tables hold, reconciled with the live catalog."""

    tables_present: tuple[str, ...] = ()  # which meta tables exist
    migrations: tuple[Migration, ...] = ()
    stale: tuple[StaleMeta, ...] = ()
    untracked: tuple[ObjectRef, ...] = ()
    # Why some provenance is not shown: look-alikes ignored, tables this role may not read, unusable columns.
    notes: tuple[str, ...] = ()

    @property
    def present(self) -> bool:
        return bool(self.tables_present)
