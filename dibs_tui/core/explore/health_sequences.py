"""Sequences near exhaustion: of their own range, or of the column they feed (a bigint sequence behind an
integer column fails at the column's maximum, 2^31 - 1, long before its own)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..model import Catalog, ObjectRef, QualifiedName, Sequence
from ..sql import qualified, quote_ident
from .health_findings import WHY, Finding, Level
from .source_lines import Locate

SEQUENCE_WARN, SEQUENCE_ERROR = 0.75, 0.9
COLUMN_MAX = {"smallint": 32767, "integer": 2147483647}


def _column_type(catalog: Catalog, seq: Sequence) -> str | None:
    owner = seq.owned_by
    rel = catalog.relation(owner.schema, owner.table) if owner else None
    col = rel.column(owner.column) if rel is not None and owner is not None else None
    return col.type if col is not None else None


def narrow_sequences(catalog: Catalog) -> list[QualifiedName]:
    """Sequences that can outrun the column they feed: the server reads only these beyond the ones whose
    own range is small (`health_facts.read_health_facts`)."""
    out = []
    for seq in catalog.sequences:
        narrower = COLUMN_MAX.get(_column_type(catalog, seq) or "") if seq.owned_by else None
        if narrower is not None and seq.increment > 0 and seq.max_value > narrower:
            out.append(seq.key)
    return out


def sequences(catalog: Catalog, values: Mapping[QualifiedName, int], locate: Locate) -> Iterator[Finding]:
    for seq in catalog.sequences:
        value = values.get(seq.key)
        if value is None or seq.cycle:
            continue
        column_type = _column_type(catalog, seq)
        ceiling = seq.max_value
        narrower = COLUMN_MAX.get(column_type or "")
        feeds_narrower = narrower is not None and seq.increment > 0 and narrower < seq.max_value
        if feeds_narrower:
            assert narrower is not None
            ceiling = narrower
        span = ceiling - seq.min_value
        if span <= 0:
            continue
        used = (value - seq.min_value if seq.increment > 0 else seq.max_value - value) / span
        if used < SEQUENCE_WARN:
            continue
        yield Finding(
            "sequence-near-exhaustion",
            Level.ERROR if used >= SEQUENCE_ERROR else Level.WARNING,
            f"{seq.schema}.{seq.name}",
            (
                f"sequence {seq.name} ({seq.data_type}) feeds a {column_type} column and has used {used:.0%} "
                f"of that column's range (at {value} of {ceiling})"
                if feeds_narrower
                else f"sequence {seq.name} ({seq.data_type}) has used {used:.0%} of its range (at {value} of {seq.max_value})"
            ),
            WHY["sequence-near-exhaustion"],
            _fix(seq, column_type),
            source=locate(subject := ObjectRef("sequence", seq.schema, seq.name)),
            subject=subject,
            table=(seq.owned_by.schema, seq.owned_by.table) if seq.owned_by else None,
        )


def _fix(seq: Sequence, column_type: str | None) -> str | None:
    """The column the sequence feeds, when narrower than bigint, and the sequence, to bigint."""
    lines = []
    if seq.owned_by is not None and column_type in COLUMN_MAX:
        owner = seq.owned_by
        lines.append(
            f"ALTER TABLE {qualified(owner.schema, owner.table)} ALTER COLUMN {quote_ident(owner.column)} TYPE bigint;"
        )
    if seq.data_type != "bigint":
        lines.append(
            f"ALTER SEQUENCE {qualified(seq.schema, seq.name)} AS bigint MAXVALUE 9223372036854775807;"
        )
    return "\n".join(lines) or None
