"""SQLite's PRAGMA answers for every table at once, with a per-table fallback.

One `PRAGMA table_xinfo(t)` per table costs a round of statement preparation each: 2,000 tables made
12,000 statements. The table-valued forms (`pragma_table_xinfo(name, 'main')`) joined to sqlite_master
answer for all tables in one statement each. One table whose virtual-table module is missing, or one
view naming a dropped table, makes the joined statement fail as a whole: then each table is asked alone,
and only that one comes back without columns.
"""

from __future__ import annotations

import sqlite3

Row = tuple[object, ...]

_USER = "m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"


def quote_name(name: str) -> str:
    """An identifier quoted for a PRAGMA argument (names are data: always quoted)."""
    return '"' + name.replace('"', '""') + '"'


class Pragmas:
    """PRAGMA rows by table (or by index for index_xinfo), fetched in bulk when SQLite allows."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._xinfo = self._bulk(
            "SELECT m.name, p.* FROM main.sqlite_master AS m, pragma_table_xinfo(m.name, 'main') AS p "
            f"WHERE m.type IN ('table', 'view') AND {_USER}"
        )
        self._index_list = self._bulk(
            "SELECT m.name, p.* FROM main.sqlite_master AS m, pragma_index_list(m.name, 'main') AS p "
            f"WHERE m.type = 'table' AND {_USER}"
        )
        self._index_xinfo = self._bulk(
            "SELECT il.name, x.* FROM main.sqlite_master AS m, pragma_index_list(m.name, 'main') AS il, "
            f"pragma_index_xinfo(il.name, 'main') AS x WHERE m.type = 'table' AND {_USER}"
        )
        self._foreign_keys = self._bulk(
            "SELECT m.name, p.* FROM main.sqlite_master AS m, pragma_foreign_key_list(m.name, 'main') AS p "
            f"WHERE m.type = 'table' AND {_USER}"
        )

    def _bulk(self, query: str) -> dict[str, list[Row]] | None:
        try:
            rows = self.conn.execute(query).fetchall()
        except sqlite3.Error:
            return None
        grouped: dict[str, list[Row]] = {}
        for row in rows:
            grouped.setdefault(str(row[0]), []).append(tuple(row[1:]))
        return grouped

    def _rows(self, bulk: dict[str, list[Row]] | None, pragma: str, name: str) -> list[Row]:
        if bulk is not None:
            return bulk.get(name, [])
        return [tuple(r) for r in self.conn.execute(f"PRAGMA main.{pragma}({quote_name(name)})")]

    def table_xinfo(self, table: str) -> list[Row]:
        """(cid, name, type, notnull, dflt_value, pk, hidden); raises sqlite3.Error for a broken table."""
        return self._rows(self._xinfo, "table_xinfo", table)

    def index_list(self, table: str) -> list[Row]:
        """(seq, name, unique, origin, partial)."""
        return self._rows(self._index_list, "index_list", table)

    def index_xinfo(self, index: str) -> list[Row]:
        """(seqno, cid, name, desc, coll, key)."""
        return self._rows(self._index_xinfo, "index_xinfo", index)

    def foreign_key_list(self, table: str) -> list[Row]:
        """(id, seq, table, from, to, on_update, on_delete, match)."""
        return self._rows(self._foreign_keys, "foreign_key_list", table)


__all__ = ["Pragmas", "quote_name"]
