"""What health checks need beyond the catalog model, in a few set-based reads of pg_catalog: index scans
(with the statistics' age), sequence positions, SECURITY DEFINER functions' settings (and the schemas PUBLIC
may create in). Everything is keyed by name, like the model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import asyncpg

from ..model import QualifiedName

# Only the indexes the unused-index check can report (UNIQUE ones enforce, whatever their scans): about half
# of them on a typical schema, each a look-up in the statistics. The view pg_stat_user_indexes would read
# every index of the database, toast ones included, and join pg_class twice more.
_INDEX_SCANS = """
SELECT n.nspname AS schema, t.relname AS table_name, i.relname AS index_name,
       pg_catalog.pg_stat_get_numscans(x.indexrelid) AS scans
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
WHERE NOT x.indisunique AND t.relkind IN ('r', 'm') AND n.nspname <> 'information_schema'
  AND n.nspname !~ '^pg_'
"""
_STATS_AGE = """
SELECT (SELECT d.stats_reset FROM pg_catalog.pg_stat_database d WHERE d.datname = pg_catalog.current_database())
         AS stats_reset,
       pg_catalog.pg_postmaster_start_time() AS started,
       pg_catalog.now() AS now, pg_catalog.pg_is_in_recovery() AS standby
"""
# Reading a sequence's position opens it (1 ms each on a busy machine: 6.5 s for 5,000 identity columns),
# so only sequences whose range can run out are read: a maximum (or, descending, a minimum) within 2^62 (a
# bigint sequence left at its default bound would need 200,000 years at a million values a second), and the
# ones the caller names: those that feed a smallint or integer column, which runs out first (the catalog
# knows which; asking the server costs a pg_depend and a pg_attribute look-up per sequence).
_SEQUENCES = """
SELECT n.nspname AS schema, c.relname AS name,
       CASE WHEN pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE')
            THEN pg_catalog.pg_sequence_last_value(c.oid) END AS last_value
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE (s.seqincrement > 0 AND s.seqmax < 4611686018427387904)
   OR (s.seqincrement < 0 AND s.seqmin > -4611686018427387904)
   OR (n.nspname, c.relname) IN (
       SELECT k.schema, k.name
       FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[])) AS k(schema, name))
"""
# Schemas where PUBLIC may create objects: a SECURITY DEFINER function searching one runs what anyone put there.
_PUBLIC_WRITABLE = """
SELECT n.nspname AS name FROM pg_catalog.pg_namespace n
WHERE pg_catalog.has_schema_privilege('public', n.oid, 'CREATE')
"""
_DEFINERS = """
SELECT n.nspname AS schema, p.proname AS name, pg_catalog.pg_get_function_identity_arguments(p.oid) AS args,
       COALESCE(p.proconfig, '{}') AS config
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.prosecdef AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
"""


@dataclass(frozen=True)
class HealthFacts:
    index_scans: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (schema, table, index)
    stats_since: datetime | None = None  # the last statistics reset, else the server's start
    read_at: datetime | None = None
    sequence_values: dict[QualifiedName, int] = field(default_factory=dict)
    definer_config: dict[tuple[str, str, str], tuple[str, ...]] = field(
        default_factory=dict
    )  # (schema, name, args)
    public_writable: frozenset[str] = frozenset()  # schemas where PUBLIC has CREATE
    standby: bool = False  # in recovery: its index scans are its own, the primary's are not seen

    def counted_for(self) -> timedelta | None:
        """How long the usage statistics have been counting, when the server says."""
        if self.stats_since is None or self.read_at is None:
            return None
        return self.read_at - self.stats_since

    def stats_age(self) -> str:
        """How long the usage statistics have been counting, in words."""
        if self.stats_since is None or self.read_at is None:
            return "of unknown age"
        seconds = (self.read_at - self.stats_since).total_seconds()
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
            if seconds >= size:
                count = int(seconds // size)
                return f"{count} {unit}{'s' if count != 1 else ''} old (since {self.stats_since:%Y-%m-%d %H:%M} UTC)"
        return f"{int(seconds)} second{'s' if int(seconds) != 1 else ''} old"


async def read_health_facts(
    conn: asyncpg.Connection,
    *,
    sizes: bool = False,
    narrow: Sequence[QualifiedName] = (),
    scans: bool = True,
    sequences: bool = True,
    definers: bool = True,
) -> HealthFacts:
    """The statistics the checks read: a constant number of queries, whatever the schema's size, each only
    when a check asked needs it (`scans`: unused indexes; `sequences`; `definers`: SECURITY DEFINER
    functions). `narrow`: sequences whose position is read whatever their range
    (`health_sequences.narrow_sequences`)."""
    scan_rows = await conn.fetch(_INDEX_SCANS) if scans else []
    age = await conn.fetchrow(_STATS_AGE)
    seq_rows = (
        await conn.fetch(_SEQUENCES, [k[0] for k in narrow], [k[1] for k in narrow]) if sequences else []
    )
    definer_rows = await conn.fetch(_DEFINERS) if definers else []
    writable = await conn.fetch(_PUBLIC_WRITABLE) if definer_rows else []
    since = age["stats_reset"] or age["started"] if age else None
    return HealthFacts(
        index_scans={(r["schema"], r["table_name"], r["index_name"]): r["scans"] for r in scan_rows},
        stats_since=since,
        read_at=age["now"] if age else None,
        sequence_values={
            (r["schema"], r["name"]): r["last_value"] for r in seq_rows if r["last_value"] is not None
        },
        definer_config={(r["schema"], r["name"], r["args"]): tuple(r["config"]) for r in definer_rows},
        public_writable=frozenset(r["name"] for r in writable),
        standby=bool(age["standby"]) if age else False,
    )
