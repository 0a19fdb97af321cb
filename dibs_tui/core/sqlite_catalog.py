"""A SQLite file read into the same `Catalog` the PostgreSQL side builds, through the standard library.

The file is opened read-only (`mode=ro`) with `query_only` on and `trusted_schema` off, so nothing read
can write or call an application function. A database in WAL mode with no -wal file beside it is opened
`immutable`: a read-only connection would otherwise create the -wal and -shm files next to it. Everything
lives in one schema, "main"; attached databases are not read.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from .errors import DibsError
from .model import (
    Catalog,
    Column,
    Constraint,
    ConstraintKind,
    ForeignKey,
    Generated,
    Index,
    QualifiedName,
    Relation,
    RelationKind,
    Schema,
    Trigger,
)
from .model_meta import MetaState, Migration
from .sources import has_sqlite_header
from .sqlite_pragmas import Pragmas, quote_name
from .sqlite_text import index_parts, table_text, view_query

SCHEMA = "main"

# Shadow tables each virtual table module keeps its data in (`<table>_<suffix>`), for SQLite builds too old
# for PRAGMA table_list to mark them.
SHADOW_SUFFIXES: dict[str, tuple[str, ...]] = {
    "fts5": ("data", "idx", "content", "docsize", "config"),
    "fts4": ("content", "segments", "segdir", "docsize", "stat"),
    "fts3": ("content", "segments", "segdir", "docsize", "stat"),
    "rtree": ("node", "rowid", "parent"),
    "rtree_i32": ("node", "rowid", "parent"),
    "geopoly": ("node", "rowid", "parent"),
}

# Tables other tools record applied migrations in, with the columns read from them: (name, applied at).
HISTORY_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "schema_version": (("version", "name"), ("applied_on", "applied_at", "installed_on", "created_at")),
    "schema_migrations": (("version", "name", "id"), ("applied_at", "run_on", "inserted_at")),
    "_sqlx_migrations": (("version",), ("installed_on",)),
    "__diesel_schema_migrations": (("version",), ("run_on",)),
    "goose_db_version": (("version_id",), ("tstamp",)),
    "alembic_version": (("version_num",), ()),
    "migrations": (("name", "version", "id"), ("run_on", "applied_at", "created_at")),
}


class SqliteError(DibsError):
    """A SQLite file that cannot be read: missing, not SQLite, damaged, or locked."""


def open_readonly(path: Path) -> sqlite3.Connection:
    """A connection that cannot change the file or leave anything beside it."""
    if path == Path() or not str(path):
        raise SqliteError(
            "the sqlite: URL names no file", hint="write sqlite:///relative.db or sqlite:////abs.db"
        )
    if not path.exists():
        raise SqliteError(f"no such SQLite file: {path}")
    if not path.is_file():
        raise SqliteError(f"not a file: {path}")
    if not has_sqlite_header(path) and path.stat().st_size > 0:  # an empty file is an empty database
        raise SqliteError(f"{path} is not a SQLite database (it does not start with 'SQLite format 3')")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    if _wal_without_log(path):
        uri += "&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise _failure(path, exc) from None
    return conn


def _wal_without_log(path: Path) -> bool:
    """The header says WAL (read and write versions 2) and no -wal file exists: all the data is in the file."""
    try:
        with path.open("rb") as f:
            header = f.read(20)
    except OSError:
        return False
    wal = len(header) >= 20 and header[18] == 2 and header[19] == 2
    return wal and not Path(f"{path}-wal").exists()


def _failure(path: Path, exc: sqlite3.Error) -> SqliteError:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return SqliteError(f"{path} is damaged: SQLite says {text!r}")
    if "locked" in text or "busy" in text:
        return SqliteError(f"{path} is locked by another program: {text}")
    return SqliteError(f"cannot read {path}: {text}")


def read_sqlite_catalog(path: Path) -> Catalog:
    """The whole file's schema as a Catalog (relations sorted by name; shadow tables point at their owner)."""
    conn = open_readonly(path)
    try:
        return _read(conn, path)
    except sqlite3.Error as exc:
        raise _failure(path, exc) from None
    finally:
        conn.close()


async def load_sqlite_catalog(path: Path) -> Catalog:
    """`read_sqlite_catalog` off the event loop (the standard library's sqlite3 blocks)."""
    return await asyncio.to_thread(read_sqlite_catalog, path)


def _read(conn: sqlite3.Connection, path: Path) -> Catalog:
    objects = conn.execute(
        "SELECT type, name, tbl_name, sql FROM main.sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "ORDER BY name"
    ).fetchall()
    kinds = _table_kinds(conn)
    tables = [(n, s or "") for t, n, _, s in objects if t == "table"]
    views = [(n, s or "") for t, n, _, s in objects if t == "view"]
    indexes_sql = {n: s for t, n, _, s in objects if t == "index"}
    triggers: dict[str, list[Trigger]] = {}
    for t, n, tbl, s in objects:
        if t == "trigger":
            triggers.setdefault(tbl.lower(), []).append(Trigger(n, s or "", "", "", "O"))
    virtual = {n for n, s in tables if _is_virtual(s, kinds.get(n))}
    names = {n.lower(): n for n, _ in tables}
    names.update({n.lower(): n for n, _ in views})
    owners = _shadow_owners([n for n, _ in tables], virtual, kinds, dict(tables))
    rows = _row_counts(conn)
    pragmas = Pragmas(conn)
    relations: list[Relation] = []
    for name, sql in tables:
        kind = RelationKind.VIRTUAL if name in virtual else RelationKind.TABLE
        relations.append(
            _table(
                pragmas,
                name,
                sql,
                kind,
                indexes_sql,
                triggers.get(name.lower(), ()),
                names,
                rows,
                owners.get(name),
            )
        )
    for name, sql in views:
        relations.append(_view(pragmas, name, sql, triggers.get(name.lower(), ())))
    relations.sort(key=lambda r: r.name)
    return Catalog(
        database=path.name,
        server_version=f"SQLite {sqlite3.sqlite_version}",
        dialect="sqlite",
        schemas=(Schema(SCHEMA),),
        relations=tuple(relations),
        meta=_history(conn, names),
    )


def _table_kinds(conn: sqlite3.Connection) -> dict[str, str]:
    """name -> table, view, virtual or shadow (PRAGMA table_list, SQLite 3.37+; empty before)."""
    try:
        return {row[1]: row[2] for row in conn.execute("PRAGMA main.table_list")}
    except sqlite3.Error:
        return {}


def _is_virtual(sql: str, kind: str | None) -> bool:
    if kind is not None:
        return kind == "virtual"
    return sql.lstrip().upper().startswith("CREATE VIRTUAL")


def _shadow_owners(
    tables: list[str], virtual: set[str], kinds: dict[str, str], sql: dict[str, str]
) -> dict[str, QualifiedName]:
    """shadow table -> the virtual table it belongs to (the longest virtual-table name it extends)."""
    from .sqlite_text import virtual_module

    owners: dict[str, QualifiedName] = {}
    by_length = sorted(virtual, key=len, reverse=True)
    for name in tables:
        if name in virtual:
            continue
        for owner in by_length:
            if not name.startswith(owner + "_"):
                continue
            suffix = name[len(owner) + 1 :]
            module = virtual_module(sql[owner])[0].lower()
            if kinds.get(name) == "shadow" or suffix in SHADOW_SUFFIXES.get(module, ()):
                owners[name] = (SCHEMA, owner)
                break
    return owners


def _row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Row counts ANALYZE left in sqlite_stat1 (the first number of a table's stat); nothing is counted."""
    try:
        rows = conn.execute("SELECT tbl, stat FROM main.sqlite_stat1").fetchall()
    except sqlite3.Error:
        return {}
    counts: dict[str, int] = {}
    for tbl, stat in rows:
        first = str(stat or "").split(" ", 1)[0]
        if first.isdigit():
            counts[str(tbl)] = max(counts.get(str(tbl), 0), int(first))
    return counts


def _columns(pragmas: Pragmas, name: str, generated_sql: dict[str, str]) -> tuple[Column, ...]:
    columns: list[Column] = []
    for cid, col, decl, notnull, default, _pk, hidden in pragmas.table_xinfo(name):
        assert isinstance(cid, int) and isinstance(col, str) and isinstance(hidden, int)  # PRAGMA's types
        if hidden == 1:  # a virtual table's hidden column (fts5's own name and rank)
            continue
        generated = {2: Generated.VIRTUAL, 3: Generated.STORED}.get(hidden)
        columns.append(
            Column(
                position=cid + 1,
                name=col,
                type=str(decl or ""),
                not_null=bool(notnull),
                default=None if generated or default is None else str(default),
                generated=generated,
                generation_expression=generated_sql.get(col) if generated else None,
            )
        )
    return tuple(columns)


def _table(
    pragmas: Pragmas,
    name: str,
    sql: str,
    kind: RelationKind,
    indexes_sql: dict[str, str | None],
    triggers: Iterable[Trigger],
    names: dict[str, str],
    rows: dict[str, int],
    part_of: QualifiedName | None,
) -> Relation:
    text = table_text(sql) if kind is RelationKind.TABLE else None
    try:
        columns = _columns(pragmas, name, (text.generated or {}) if text else {})
    except sqlite3.Error:  # a virtual table whose module this SQLite lacks: shown with its SQL only
        columns = ()
    constraints: list[Constraint] = []
    pk = _primary_key(pragmas, name) if kind is RelationKind.TABLE and columns else ()
    indexes = _indexes(pragmas, name, indexes_sql) if kind is RelationKind.TABLE else ()
    if pk:
        backing = next((i.name for i in indexes if i.primary), None)
        constraints.append(
            Constraint(
                f"{name}_pkey",
                ConstraintKind.PRIMARY_KEY,
                pk,
                f"PRIMARY KEY ({', '.join(pk)})",
                index_name=backing,
            )
        )
    for ix in indexes:
        if ix.constraint_name and not ix.primary:
            constraints.append(
                Constraint(
                    ix.constraint_name,
                    ConstraintKind.UNIQUE,
                    ix.columns,
                    f"UNIQUE ({', '.join(ix.columns)})",
                    index_name=ix.name,
                )
            )
    for n, (con_name, column, check) in enumerate(text.checks if text else (), start=1):
        constraints.append(
            Constraint(
                con_name or f"{name}_check{n}", ConstraintKind.CHECK, (column,) if column else (), check
            )
        )
    if kind is RelationKind.TABLE:
        constraints.extend(_foreign_keys(pragmas, name, names))
    options = text.options if text else ()
    return Relation(
        schema=SCHEMA,
        name=name,
        kind=kind,
        columns=columns,
        constraints=tuple(constraints),
        indexes=indexes,
        triggers=tuple(triggers),
        row_estimate=rows.get(name, -1),
        options=options,
        definition=sql,
        part_of=part_of,
    )


def _primary_key(pragmas: Pragmas, name: str) -> tuple[str, ...]:
    """The primary key's columns in key order (PRAGMA's pk is the 1-based position in the key)."""
    try:
        rows = pragmas.table_xinfo(name)
    except sqlite3.Error:
        return ()
    cols = [(int(str(row[5])), str(row[1])) for row in rows if row[5]]
    return tuple(col for _, col in sorted(cols))


def _indexes(pragmas: Pragmas, table: str, indexes_sql: dict[str, str | None]) -> tuple[Index, ...]:
    out: list[Index] = []
    for _seq, ix_name, unique, origin, partial in pragmas.index_list(table):
        assert isinstance(ix_name, str)
        sql = indexes_sql.get(ix_name)
        keys = [row for row in pragmas.index_xinfo(ix_name) if row[5]]
        # Only expressions and WHERE clauses need the statement read: most indexes are plain columns.
        needs_text = sql and (partial or any(row[1] == -2 for row in keys))
        written, predicate = index_parts(sql) if sql and needs_text else ([], None)
        columns: list[str] = []
        options: list[str] = []
        for i, (_seqno, cid, col, desc, coll, _key) in enumerate(keys):
            if cid == -2:  # an expression: its text from the CREATE INDEX statement
                expr = written[i] if i < len(written) else "<expression>"
                columns.append(_strip_order(expr))
            else:
                columns.append(str(col) if col is not None else "rowid")
            opt = []
            if isinstance(coll, str) and coll.upper() != "BINARY":
                opt.append(f"COLLATE {coll}")
            if desc:
                opt.append("DESC")
            options.append(" ".join(opt))
        primary = origin == "pk"
        constraint = f"{table}_pkey" if primary else (ix_name if origin == "u" else None)
        if sql:
            definition = sql
        else:
            what = "PRIMARY KEY" if primary else "UNIQUE"
            definition = f"{what} ({', '.join(columns)}) (automatic index)"
        out.append(
            Index(
                name=ix_name,
                columns=tuple(columns),
                definition=definition,
                unique=bool(unique),
                primary=primary,
                predicate=predicate if partial else None,
                options=tuple(options),
                constraint_name=constraint,
            )
        )
    return tuple(out)


def _strip_order(expr: str) -> str:
    """`lower(x) DESC` -> `lower(x)`: the direction is kept in the index's options."""
    words = expr.rsplit(None, 1)
    if len(words) == 2 and words[1].upper() in ("ASC", "DESC"):
        return words[0]
    return expr


def _foreign_keys(pragmas: Pragmas, table: str, names: dict[str, str]) -> list[Constraint]:
    grouped: dict[int, list[tuple[int, str, str, str | None, str, str, str]]] = {}
    for fk_id, seq, target, src, dst, on_update, on_delete, match in pragmas.foreign_key_list(table):
        part = (int(str(seq)), str(target), str(src), None if dst is None else str(dst))
        grouped.setdefault(int(str(fk_id)), []).append((*part, str(on_update), str(on_delete), str(match)))
    out: list[Constraint] = []
    for fk_id in sorted(grouped):
        parts = sorted(grouped[fk_id])
        target = names.get(parts[0][1].lower(), parts[0][1])  # SQLite matches table names without case
        columns = tuple(p[2] for p in parts)
        target_columns = tuple(p[3] for p in parts if p[3] is not None)
        if not target_columns and target in names.values():  # REFERENCES t: t's primary key
            target_columns = _primary_key(pragmas, target)
        on_update, on_delete, match = parts[0][4], parts[0][5], parts[0][6]
        definition = f"FOREIGN KEY ({', '.join(columns)}) REFERENCES {target}({', '.join(target_columns)})"
        if on_delete != "NO ACTION":
            definition += f" ON DELETE {on_delete}"
        if on_update != "NO ACTION":
            definition += f" ON UPDATE {on_update}"
        out.append(
            Constraint(
                name=f"{table}_{'_'.join(columns)}_fkey",
                kind=ConstraintKind.FOREIGN_KEY,
                columns=columns,
                definition=definition,
                foreign_key=ForeignKey(
                    SCHEMA,
                    target,
                    target_columns,
                    on_delete,
                    on_update,
                    "SIMPLE" if match == "NONE" else match,
                ),
            )
        )
    return out


def _view(pragmas: Pragmas, name: str, sql: str, triggers: Iterable[Trigger]) -> Relation:
    try:
        columns = _columns(pragmas, name, {})
    except sqlite3.Error:  # the view names a table or function that is gone: shown with its SQL only
        columns = ()
    return Relation(
        schema=SCHEMA,
        name=name,
        kind=RelationKind.VIEW,
        columns=columns,
        triggers=tuple(triggers),
        view_definition=view_query(sql),
        definition=sql,
    )


def _history(conn: sqlite3.Connection, names: dict[str, str]) -> MetaState:
    """PRAGMA user_version and the rows of a migration-history table other tools keep, as applied history."""
    present: list[str] = []
    migrations: list[Migration] = []
    version = conn.execute("PRAGMA main.user_version").fetchone()[0]
    if version:
        present.append("PRAGMA user_version")
        migrations.append(Migration(name=f"user_version {version}", source="PRAGMA user_version"))
    for table, (name_cols, time_cols) in HISTORY_TABLES.items():
        actual = names.get(table)
        if actual is None:
            continue
        try:
            cols = [row[1] for row in conn.execute(f"PRAGMA main.table_info({quote_name(actual)})")]
            name_col = next((c for c in name_cols if c in cols), None)
            if name_col is None:
                continue
            time_col = next((c for c in time_cols if c in cols), None)
            select = f"SELECT {quote_name(name_col)}, {quote_name(time_col) if time_col else 'NULL'} FROM main.{quote_name(actual)}"
            rows = conn.execute(select + f" ORDER BY {quote_name(name_col)} LIMIT 10000").fetchall()
        except sqlite3.Error:
            continue
        present.append(actual)
        migrations.extend(Migration(name=str(n), applied_at=_when(at), source=actual) for n, at in rows)
    return MetaState(tables_present=tuple(present), migrations=tuple(migrations))


def _when(value: object) -> datetime | None:
    """A history table's time: ISO 8601 text or Unix seconds; anything else is left out."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


__all__ = ["SqliteError", "load_sqlite_catalog", "open_readonly", "read_sqlite_catalog"]
