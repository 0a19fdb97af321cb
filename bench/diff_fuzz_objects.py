"""The edits of bench/diff_fuzz.py to the kinds the others leave alone: statistics objects, rules, aggregates,
composite types under a column and a typed table, foreign data wrappers, servers and foreign tables, event triggers, publications,
inheritance added and removed, storage parameters, a table's access method, a column's storage and compression,
a table made UNLOGGED or LOGGED, generated columns' expressions (STORED and PostgreSQL 18's VIRTUAL), enum values
added and removed under a column and a default.

Each base is given OBJECTS (schema fz_obj, with rows; an access method, a wrapper, a server and an event trigger
besides, which are the database's); each kind is one function of a random source and the base's named objects
returning the statements of one edit, as in bench/diff_fuzz_kinds.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping

from dibs_tui.core.sql import qualified, quote_literal

_ENUM = "CREATE TYPE fz_obj.state AS ENUM ('new', 'open', 'done')"
_ITEM_STATE = "ALTER TABLE fz_obj.item ALTER COLUMN state SET DEFAULT 'new'"
_STATE_CHECK = "ALTER TABLE fz_obj.item ADD CONSTRAINT item_state_known CHECK (state <> 'done' OR qty > 0)"
OBJECTS = f"""
CREATE SCHEMA fz_obj;
{_ENUM};
CREATE TYPE fz_obj.dims AS (w integer, h integer);
CREATE ACCESS METHOD fz_heap TYPE TABLE HANDLER heap_tableam_handler;
CREATE TABLE fz_obj.item (
    id integer PRIMARY KEY, qty integer NOT NULL DEFAULT 0, name text, size fz_obj.dims,
    state fz_obj.state NOT NULL,
    total integer GENERATED ALWAYS AS (qty * 2) STORED,
    shown text GENERATED ALWAYS AS (upper(name)) VIRTUAL
) WITH (fillfactor = 90);
{_ITEM_STATE};
{_STATE_CHECK};
CREATE TABLE fz_obj.box OF fz_obj.dims (w WITH OPTIONS PRIMARY KEY, h WITH OPTIONS DEFAULT 1);
CREATE TABLE fz_obj.part (id integer PRIMARY KEY, item integer REFERENCES fz_obj.item, name text, weight numeric);
CREATE UNLOGGED TABLE fz_obj.scratch (id integer, note text) WITH (autovacuum_enabled = false);
CREATE TABLE fz_obj.base_log (id integer NOT NULL, at date);
CREATE TABLE fz_obj.sys_log (extra text) INHERITS (fz_obj.base_log);
CREATE TABLE fz_obj.app_log (id integer NOT NULL, at date, msg text);
INSERT INTO fz_obj.item (id, qty, name, size, state) VALUES (1, 2, 'a', '(1,2)', 'new'), (2, 3, NULL, NULL, 'open');
INSERT INTO fz_obj.box VALUES (1, 2), (2, NULL);
INSERT INTO fz_obj.part VALUES (1, 1, 'p', 1.5), (2, 2, 'q', NULL);
INSERT INTO fz_obj.scratch VALUES (1, 'x');
INSERT INTO fz_obj.base_log VALUES (1, '2024-01-01');
INSERT INTO fz_obj.sys_log VALUES (2, '2024-01-02', 'e');
INSERT INTO fz_obj.app_log VALUES (3, '2024-01-03', 'm');
CREATE STATISTICS fz_obj.item_stats (ndistinct) ON qty, name FROM fz_obj.item;
CREATE STATISTICS fz_obj.part_names ON item, name FROM fz_obj.part;
CREATE RULE part_keep AS ON DELETE TO fz_obj.part WHERE old.weight > 1000 DO INSTEAD NOTHING;
CREATE FUNCTION fz_obj.add_int(integer, integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT $1 + $2';
CREATE FUNCTION fz_obj.step(bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT $1 + 1';
CREATE AGGREGATE fz_obj.total(integer) (sfunc = fz_obj.add_int, stype = integer, initcond = '0');
CREATE AGGREGATE fz_obj.tally(*) (sfunc = fz_obj.step, stype = bigint, initcond = '0');
COMMENT ON AGGREGATE fz_obj.tally(*) IS 'counts rows';
CREATE VIEW fz_obj.item_sums AS SELECT fz_obj.total(qty) AS qty, fz_obj.tally(*) AS n FROM fz_obj.item;
CREATE FOREIGN DATA WRAPPER fz_wrap OPTIONS (debug 'true');
CREATE SERVER fz_srv FOREIGN DATA WRAPPER fz_wrap OPTIONS (host 'a.example');
CREATE USER MAPPING FOR PUBLIC SERVER fz_srv OPTIONS (user 'reader');
CREATE FOREIGN TABLE fz_obj.remote (id integer NOT NULL, name text OPTIONS (column_name 'nm'))
    SERVER fz_srv OPTIONS (table_name 'r');
CREATE FUNCTION fz_obj.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN NULL; END$$;
CREATE EVENT TRIGGER fz_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE')
    EXECUTE FUNCTION fz_obj.on_ddl();
CREATE PUBLICATION fz_pub FOR TABLE fz_obj.base_log WHERE (id > 0), fz_obj.app_log (id, msg);
"""

Named = Mapping[str, list[tuple[str, str, str]]]


def statistics(rng: random.Random, named: Named) -> list[str]:
    """The statistics object's kinds or columns changed (made again), its target set, an expression one added."""
    drop = "DROP STATISTICS fz_obj.item_stats"
    make = "CREATE STATISTICS fz_obj.item_stats"
    return rng.choice(
        [
            [drop, f"{make} (dependencies, mcv) ON qty, name FROM fz_obj.item"],
            [drop, f"{make} (ndistinct) ON qty, name, state FROM fz_obj.item"],
            [drop, f"{make} ON qty, lower(name) FROM fz_obj.item"],
            ["ALTER STATISTICS fz_obj.item_stats SET STATISTICS 200"],
            ["CREATE STATISTICS fz_obj.part_stats ON item, weight FROM fz_obj.part"],
            [drop],
            ["ALTER TABLE fz_obj.part ALTER COLUMN name TYPE varchar(80)"],
            ["ALTER TABLE fz_obj.part DROP COLUMN name"],
        ]
    )


def rules(rng: random.Random, named: Named) -> list[str]:
    """The rule's WHERE or action replaced, the rule dropped, or a rule on the view added."""
    head = "CREATE OR REPLACE RULE part_keep AS ON DELETE TO fz_obj.part"
    return rng.choice(
        [
            [f"{head} WHERE old.weight > 10 DO INSTEAD NOTHING"],
            [f"{head} DO ALSO UPDATE fz_obj.item SET qty = qty + 1 WHERE id = old.item"],
            ["DROP RULE part_keep ON fz_obj.part"],
            [
                "CREATE RULE item_sums_no_insert AS ON INSERT TO fz_obj.item_sums DO INSTEAD NOTHING",
            ],
            [
                "DROP RULE part_keep ON fz_obj.part",
                "ALTER TABLE fz_obj.part ALTER COLUMN weight TYPE double precision",
                "CREATE RULE part_keep AS ON DELETE TO fz_obj.part WHERE old.weight > 1000 DO INSTEAD NOTHING",
            ],
        ]
    )


def aggregates(rng: random.Random, named: Named) -> list[str]:
    """An aggregate's initial state changed (made again under its view), one added or dropped, comments on them."""
    view = "CREATE VIEW fz_obj.item_sums AS SELECT fz_obj.total(qty) AS qty, fz_obj.tally(*) AS n FROM fz_obj.item"
    text = "NULL" if rng.random() < 0.3 else quote_literal(f"fuzz note {rng.randrange(1000)}")
    return rng.choice(
        [
            [
                "DROP AGGREGATE fz_obj.total(integer) CASCADE",
                "CREATE AGGREGATE fz_obj.total(integer) (sfunc = fz_obj.add_int, stype = integer, initcond = '10')",
                view,
            ],
            [
                "DROP AGGREGATE fz_obj.tally(*) CASCADE",
                "CREATE AGGREGATE fz_obj.tally(*) (sfunc = fz_obj.step, stype = bigint, initcond = '1')",
                view,
            ],
            [f"COMMENT ON AGGREGATE fz_obj.tally(*) IS {text}"],
            [f"COMMENT ON AGGREGATE fz_obj.total(integer) IS {text}"],
            [
                "CREATE AGGREGATE fz_obj.most(integer) (sfunc = int4larger, stype = integer, parallel = safe)",
                "COMMENT ON AGGREGATE fz_obj.most(integer) IS 'largest'",
            ],
            ["DROP VIEW fz_obj.item_sums", "DROP AGGREGATE fz_obj.tally(*)"],
        ]
    )


def composite_type(rng: random.Random, named: Named) -> list[str]:
    """The composite type of item.size and of the typed table box given an attribute, losing one, or one
    retyped (the column made again: PostgreSQL refuses to retype an attribute a column stores); CASCADE
    reaches the typed table."""
    alter = "ALTER TYPE fz_obj.dims"
    return rng.choice(
        [
            [f"{alter} ADD ATTRIBUTE d integer CASCADE"],
            [f"{alter} DROP ATTRIBUTE h CASCADE"],
            [f"{alter} RENAME ATTRIBUTE h TO height CASCADE"],
            [
                "ALTER TABLE fz_obj.item DROP COLUMN size",
                f"{alter} ALTER ATTRIBUTE h TYPE bigint CASCADE",
                "ALTER TABLE fz_obj.item ADD COLUMN size fz_obj.dims",
            ],
            [f"{alter} ALTER ATTRIBUTE h TYPE bigint CASCADE"],
            ["ALTER TABLE fz_obj.part ADD COLUMN size fz_obj.dims DEFAULT '(1,1)'"],
        ]
    )


def typed_table(rng: random.Random, named: Named) -> list[str]:
    """The typed table box (CREATE TABLE ... OF fz_obj.dims) made plain, typed by another type, given a
    default, a column its type gains with a default of its own, dropped; a new typed table; a plain table
    made typed."""
    return rng.choice(
        [
            ["ALTER TABLE fz_obj.box NOT OF"],
            [
                "CREATE TYPE fz_obj.dims3 AS (w integer, h integer, d integer)",
                "ALTER TABLE fz_obj.box NOT OF",
                "ALTER TABLE fz_obj.box ADD COLUMN d integer DEFAULT 0",
                "ALTER TABLE fz_obj.box OF fz_obj.dims3",
            ],
            ["ALTER TABLE fz_obj.box ALTER COLUMN h SET DEFAULT 7, ALTER COLUMN h SET NOT NULL"],
            [
                "ALTER TYPE fz_obj.dims ADD ATTRIBUTE note text CASCADE",
                "ALTER TABLE fz_obj.box ALTER COLUMN note SET DEFAULT 'n'",
            ],
            ["DROP TABLE fz_obj.box"],
            ["CREATE TABLE fz_obj.crate OF fz_obj.dims (h WITH OPTIONS NOT NULL, CHECK (w > 0))"],
            ["CREATE TABLE fz_obj.pair (w integer, h integer)", "ALTER TABLE fz_obj.pair OF fz_obj.dims"],
        ]
    )


def foreign_objects(rng: random.Random, named: Named) -> list[str]:
    """Options of the wrapper, the server, the user mapping, the foreign table and its columns; a column added,
    dropped or retyped; a new server; the table moved to it."""
    return rng.choice(
        [
            ["ALTER FOREIGN DATA WRAPPER fz_wrap OPTIONS (SET debug 'false', ADD level '2')"],
            ["ALTER SERVER fz_srv OPTIONS (SET host 'b.example', ADD port '5433')"],
            ["ALTER SERVER fz_srv VERSION '2'"],
            ["ALTER USER MAPPING FOR PUBLIC SERVER fz_srv OPTIONS (DROP user)"],
            ["ALTER FOREIGN TABLE fz_obj.remote OPTIONS (SET table_name 'r2', ADD schema_name 's')"],
            ["ALTER FOREIGN TABLE fz_obj.remote ALTER COLUMN name OPTIONS (SET column_name 'name')"],
            ["ALTER FOREIGN TABLE fz_obj.remote ADD COLUMN at date OPTIONS (column_name 'when')"],
            ["ALTER FOREIGN TABLE fz_obj.remote DROP COLUMN name"],
            ["ALTER FOREIGN TABLE fz_obj.remote ALTER COLUMN id TYPE bigint"],
            ["ALTER FOREIGN TABLE fz_obj.remote ALTER COLUMN id DROP NOT NULL"],
            [
                "CREATE SERVER fz_srv2 FOREIGN DATA WRAPPER fz_wrap OPTIONS (host 'c.example')",
                "DROP FOREIGN TABLE fz_obj.remote",
                "CREATE FOREIGN TABLE fz_obj.remote (id integer NOT NULL, name text) SERVER fz_srv2",
            ],
            ["DROP SERVER fz_srv CASCADE"],
        ]
    )


def event_trigger(rng: random.Random, named: Named) -> list[str]:
    """The event trigger disabled or enabled otherwise, its tags changed (made again), or another one added."""
    return rng.choice(
        [
            ["ALTER EVENT TRIGGER fz_ddl DISABLE"],
            ["ALTER EVENT TRIGGER fz_ddl ENABLE REPLICA"],
            ["ALTER EVENT TRIGGER fz_ddl ENABLE ALWAYS"],
            [
                "DROP EVENT TRIGGER fz_ddl",
                "CREATE EVENT TRIGGER fz_ddl ON ddl_command_end WHEN TAG IN ('CREATE INDEX')"
                " EXECUTE FUNCTION fz_obj.on_ddl()",
            ],
            ["CREATE EVENT TRIGGER fz_drops ON sql_drop EXECUTE FUNCTION fz_obj.on_ddl()"],
            ["DROP EVENT TRIGGER fz_ddl"],
        ]
    )


def publication(rng: random.Random, named: Named) -> list[str]:
    """The publication's members, row filters, column lists or operations changed."""
    alter = "ALTER PUBLICATION fz_pub"
    return rng.choice(
        [
            [f"{alter} ADD TABLE fz_obj.item"],
            [f"{alter} DROP TABLE fz_obj.app_log"],
            [f"{alter} SET TABLE fz_obj.base_log WHERE (id > 1), fz_obj.app_log (id, msg, at)"],
            [f"{alter} SET TABLE fz_obj.base_log, fz_obj.app_log"],
            [f"{alter} SET (publish = 'insert, update')"],
            [f"{alter} SET TABLE fz_obj.base_log WHERE (id > 0)", f"{alter} ADD TABLES IN SCHEMA fz_obj"],
            [f"{alter} SET TABLE fz_obj.app_log (id) WHERE (id < 100)"],
            ["ALTER TABLE fz_obj.app_log DROP COLUMN msg CASCADE"],
            ["ALTER TABLE fz_obj.app_log RENAME COLUMN msg TO message"],
            [  # PostgreSQL refuses to retype a column a publication's WHERE reads
                f"{alter} SET TABLE fz_obj.base_log, fz_obj.app_log (id, msg)",
                "ALTER TABLE fz_obj.base_log ALTER COLUMN id TYPE bigint",
                f"{alter} SET TABLE fz_obj.base_log WHERE (id > 0), fz_obj.app_log (id, msg)",
            ],
            ["DROP PUBLICATION fz_pub"],
        ]
    )


def inheritance(rng: random.Random, named: Named) -> list[str]:
    """A table made a child (INHERIT) or no longer one (NO INHERIT); the parent given a column they share."""
    return rng.choice(
        [
            ["ALTER TABLE fz_obj.app_log INHERIT fz_obj.base_log"],
            ["ALTER TABLE fz_obj.sys_log NO INHERIT fz_obj.base_log"],
            ["ALTER TABLE fz_obj.base_log ADD COLUMN level integer DEFAULT 1"],
            [
                "ALTER TABLE fz_obj.sys_log NO INHERIT fz_obj.base_log",
                "ALTER TABLE fz_obj.app_log INHERIT fz_obj.base_log",
            ],
        ]
    )


def storage_parameters(rng: random.Random, named: Named) -> list[str]:
    """fillfactor and autovacuum_* set or reset, on tables, TOAST tables and indexes; the base's tables too."""
    indexes = named.get("index", [])[:20]
    tables = [
        "fz_obj.item",
        "fz_obj.app_log",
        "fz_obj.scratch",
        *sorted({qualified(s, t) for s, t, _ in indexes}),
    ]
    table = rng.choice(tables)
    option = rng.choice(
        [
            "fillfactor = 60",
            "autovacuum_vacuum_scale_factor = 0.05",
            "autovacuum_analyze_threshold = 100",
            "autovacuum_enabled = true",
            "toast.autovacuum_enabled = false",
            "parallel_workers = 2",
        ]
    )
    roll = rng.random()
    if roll < 0.25:
        return [f"ALTER TABLE {table} RESET ({option.split(' ')[0]})"]
    if roll < 0.4:
        index = rng.choice([("fz_obj", "", "item_pkey"), *indexes])
        return [f"ALTER INDEX {qualified(index[0], index[2])} SET (fillfactor = 70)"]
    return [f"ALTER TABLE {table} SET ({option})"]


def access_method(rng: random.Random, named: Named) -> list[str]:
    """A table's access method changed (rows rewritten), or a table made with one."""
    return rng.choice(
        [
            ["ALTER TABLE fz_obj.part SET ACCESS METHOD fz_heap"],
            ["ALTER TABLE fz_obj.app_log SET ACCESS METHOD fz_heap"],
            ["CREATE TABLE fz_obj.other (id integer PRIMARY KEY) USING fz_heap"],
        ]
    )


def column_storage(rng: random.Random, named: Named) -> list[str]:
    """A column's storage or compression set (a base's text column too)."""
    columns = ["fz_obj.item.name", "fz_obj.part.name", "fz_obj.scratch.note"]
    *table, column = rng.choice(columns).split(".")
    alter = f"ALTER TABLE {'.'.join(table)} ALTER COLUMN {column}"
    return [
        rng.choice(
            [
                f"{alter} SET STORAGE EXTERNAL",
                f"{alter} SET STORAGE MAIN",
                f"{alter} SET COMPRESSION pglz",
                f"{alter} SET STORAGE PLAIN",
                "ALTER TABLE fz_obj.part ALTER COLUMN weight SET STORAGE MAIN",
            ]
        )
    ]


def persistence(rng: random.Random, named: Named) -> list[str]:
    """A table made UNLOGGED or LOGGED (a referenced one too: PostgreSQL refuses a logged table's key to an
    unlogged one)."""
    return rng.choice(
        [
            ["ALTER TABLE fz_obj.scratch SET LOGGED"],
            ["ALTER TABLE fz_obj.part SET UNLOGGED", "ALTER TABLE fz_obj.item SET UNLOGGED"],
            ["ALTER TABLE fz_obj.part SET UNLOGGED"],
        ]
    )


def generated_expression(rng: random.Random, named: Named) -> list[str]:
    """A generated column's expression changed in place, a STORED one made plain, one made the other kind."""
    return rng.choice(
        [
            ["ALTER TABLE fz_obj.item ALTER COLUMN total SET EXPRESSION AS (qty * 3)"],
            [  # PostgreSQL refuses a virtual column's SET EXPRESSION on a table with a CHECK
                "ALTER TABLE fz_obj.item DROP CONSTRAINT item_state_known",
                "ALTER TABLE fz_obj.item ALTER COLUMN shown SET EXPRESSION AS (lower(name))",
                _STATE_CHECK,
            ],
            ["ALTER TABLE fz_obj.item ALTER COLUMN total DROP EXPRESSION"],
            [
                "ALTER TABLE fz_obj.item DROP COLUMN total",
                "ALTER TABLE fz_obj.item ADD COLUMN total integer GENERATED ALWAYS AS (qty * 2) VIRTUAL",
            ],
            [
                "ALTER TABLE fz_obj.item DROP COLUMN shown",
                "ALTER TABLE fz_obj.item ADD COLUMN shown text GENERATED ALWAYS AS (upper(name)) STORED",
            ],
            ["ALTER TABLE fz_obj.part ADD COLUMN heavy boolean GENERATED ALWAYS AS (weight > 1) VIRTUAL"],
        ]
    )


def _remade_enum(labels: str, default: str) -> list[str]:
    """fz_obj.state made again with `labels`, its column recast through text, its default and CHECK set again."""
    return [
        "ALTER TABLE fz_obj.item DROP CONSTRAINT item_state_known",
        "ALTER TYPE fz_obj.state RENAME TO state_old",
        f"CREATE TYPE fz_obj.state AS ENUM ({labels})",
        "ALTER TABLE fz_obj.item ALTER COLUMN state DROP DEFAULT",
        "ALTER TABLE fz_obj.item ALTER COLUMN state TYPE fz_obj.state USING state::text::fz_obj.state",
        f"ALTER TABLE fz_obj.item ALTER COLUMN state SET DEFAULT {default}",
        "DROP TYPE fz_obj.state_old",
        *([_STATE_CHECK] if "'done'" in labels else []),
    ]


def enum_values(rng: random.Random, named: Named) -> list[str]:
    """Values added to the enum of item.state, or removed (the type made again), its default moved among them."""
    return rng.choice(
        [
            ["ALTER TYPE fz_obj.state ADD VALUE 'held' BEFORE 'open'"],
            ["ALTER TYPE fz_obj.state ADD VALUE 'gone'"],
            _remade_enum("'new', 'open'", "'open'"),
            [
                "UPDATE fz_obj.item SET state = 'open' WHERE state = 'new'",
                *_remade_enum("'open', 'done'", "'done'"),
            ],
            _remade_enum("'new', 'held', 'open', 'done'", "'held'"),
            ["ALTER TABLE fz_obj.item ALTER COLUMN state SET DEFAULT 'done'"],
        ]
    )


KINDS: tuple[Callable[[random.Random, Named], list[str]], ...] = (
    statistics,
    rules,
    aggregates,
    composite_type,
    typed_table,
    foreign_objects,
    event_trigger,
    publication,
    inheritance,
    storage_parameters,
    access_method,
    column_storage,
    persistence,
    generated_expression,
    enum_values,
)
