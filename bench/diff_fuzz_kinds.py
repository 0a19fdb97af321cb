"""The edits of bench/diff_fuzz.py that real migrations make to kinds real schemas seldom hold together: a
function's return type or parameter names changed under the views, default, generated column, expression index,
materialized view, CHECK and policy that use it, a view's column retyped under a view that reads it, range types, collations, exclusion constraints, triggers with WHEN and
column lists, policies' USING and roles, sequence ownership, partition bounds, a domain under a partition key,
comments on many kinds, identity options, replica identity.

Each base is given MIGRATED (schema fz_mig, with rows) for them; each kind is one function of a random source
and the base's named objects (diff_fuzz's Facts.named) returning the statements of one edit. Also here: LIBRARY
(schema fz_lib), which every base is given for the edits of bench/diff_fuzz_edits.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping

from dibs_tui.core.sql import qualified, quote_literal

# Added to every base: the kinds a real schema may lack, for the edits that change them (an enum and a domain
# in use, a composite type, a function read by a generated column and a view), with rows.
LIBRARY = """
CREATE SCHEMA fz_lib;
CREATE TYPE fz_lib.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN fz_lib.posint AS integer CHECK (VALUE > 0);
CREATE TYPE fz_lib.pair AS (a integer, b text);
CREATE FUNCTION fz_lib.twice(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
CREATE TABLE fz_lib.things (
    id integer PRIMARY KEY, mood fz_lib.mood DEFAULT 'ok', qty fz_lib.posint, p fz_lib.pair,
    doubled integer GENERATED ALWAYS AS (fz_lib.twice(id)) STORED, tags text[]
);
CREATE VIEW fz_lib.thing_view AS SELECT id, mood, fz_lib.twice(qty) AS dq FROM fz_lib.things;
CREATE INDEX things_mood ON fz_lib.things (mood) WHERE mood <> 'sad';
INSERT INTO fz_lib.things (id, mood, qty, p, tags) VALUES (1, 'ok', 3, '(1,x)', '{a}'), (2, 'happy', 4, '(2,y)', '{}');
"""
LIBRARY_EDITS = (
    [
        "CREATE OR REPLACE FUNCTION fz_lib.twice(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT $1 + $1'"
    ],
    [
        "DROP FUNCTION fz_lib.twice(integer) CASCADE",
        "CREATE FUNCTION fz_lib.twice(integer) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT $1::bigint * 2'",
    ],
    ["ALTER TYPE fz_lib.mood ADD VALUE 'meh' BEFORE 'ok'"],
    ["ALTER TYPE fz_lib.mood RENAME VALUE 'happy' TO 'glad'"],
    [
        "ALTER TYPE fz_lib.mood RENAME TO mood_old",
        "CREATE TYPE fz_lib.mood AS ENUM ('ok', 'happy')",
        "DROP INDEX fz_lib.things_mood",
        "DROP VIEW fz_lib.thing_view",
        "ALTER TABLE fz_lib.things ALTER COLUMN mood DROP DEFAULT",
        "ALTER TABLE fz_lib.things ALTER COLUMN mood TYPE fz_lib.mood USING mood::text::fz_lib.mood",
        "ALTER TABLE fz_lib.things ALTER COLUMN mood SET DEFAULT 'ok'",
        "DROP TYPE fz_lib.mood_old",
    ],
    ["ALTER DOMAIN fz_lib.posint ADD CONSTRAINT posint_small CHECK (VALUE < 1000000)"],
    ["ALTER DOMAIN fz_lib.posint SET DEFAULT 1"],
    ["ALTER DOMAIN fz_lib.posint DROP CONSTRAINT posint_check"],
    ["ALTER TYPE fz_lib.pair ADD ATTRIBUTE c date"],
    ["ALTER TYPE fz_lib.pair DROP ATTRIBUTE b"],
    ["ALTER TABLE fz_lib.things ALTER COLUMN tags TYPE varchar(20)[]"],
    [
        "DROP VIEW fz_lib.thing_view",
        "ALTER TABLE fz_lib.things ALTER COLUMN qty TYPE integer",
        "CREATE VIEW fz_lib.thing_view AS SELECT id, mood, fz_lib.twice(qty) AS dq FROM fz_lib.things",
    ],
    [
        "CREATE OR REPLACE VIEW fz_lib.thing_view AS SELECT id, mood, fz_lib.twice(qty) AS dq, tags FROM fz_lib.things"
    ],
    ["ALTER TABLE fz_lib.things DROP COLUMN doubled", "ALTER TABLE fz_lib.things ADD COLUMN doubled bigint"],
)

# A role the policies are given to: roles are the server's, so both sides of every plan know it.
ROLE = "fz_reader"

_VIEWS = """
CREATE VIEW fz_mig.booking_view AS SELECT id, k, fz_mig.score(k, id) AS s, note FROM fz_mig.booking;
CREATE VIEW fz_mig.booking_sums AS SELECT k, sum(s) AS total, max(note) AS last_note FROM fz_mig.booking_view GROUP BY k;
"""
_DROP_VIEWS = ["DROP VIEW fz_mig.booking_sums", "DROP VIEW fz_mig.booking_view"]
# What reads score(), made again after DROP FUNCTION ... CASCADE: a default, a generated column, an expression
# index, a materialized view and the views.
_SCORE_USERS = (
    """
ALTER TABLE fz_mig.booking ALTER COLUMN k SET DEFAULT fz_mig.score(1, 2);
ALTER TABLE fz_mig.booking ADD COLUMN twice bigint GENERATED ALWAYS AS (fz_mig.score(k, k)) STORED;
CREATE INDEX booking_score ON fz_mig.booking (fz_mig.score(k, id));
CREATE MATERIALIZED VIEW fz_mig.booking_totals AS SELECT k, fz_mig.score(k, 0) AS s FROM fz_mig.booking;
"""
    + _VIEWS
)
_LEDGER = """
CREATE TABLE fz_mig.ledger (code fz_mig.code NOT NULL, at date NOT NULL, amount numeric) PARTITION BY RANGE (code);
CREATE TABLE fz_mig.ledger_low PARTITION OF fz_mig.ledger FOR VALUES FROM (0) TO (100);
CREATE TABLE fz_mig.ledger_high PARTITION OF fz_mig.ledger FOR VALUES FROM (100) TO (1000);
CREATE INDEX ledger_at ON fz_mig.ledger (at);
INSERT INTO fz_mig.ledger VALUES (5, '2024-01-01', 1), (150, '2024-01-02', 2);
"""
_TRIGGER = """CREATE TRIGGER booking_stamp BEFORE UPDATE OF note ON fz_mig.booking FOR EACH ROW
    WHEN (OLD.note IS DISTINCT FROM NEW.note) EXECUTE FUNCTION fz_mig.stamp()"""
# What a developer takes off the note column to retype it, and puts back after: PostgreSQL refuses to retype a
# column a view or a trigger's column list or WHEN reads.
_OFF_NOTE = [*_DROP_VIEWS, "DROP TRIGGER booking_stamp ON fz_mig.booking"]
MIGRATED = (
    """
CREATE SCHEMA fz_mig;
CREATE DOMAIN fz_mig.code AS integer CONSTRAINT code_check CHECK (VALUE >= 0);
CREATE TYPE fz_mig.span AS RANGE (subtype = numeric);
CREATE COLLATION fz_mig.exact FROM "C";
CREATE FUNCTION fz_mig.score(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT a + b';
CREATE FUNCTION fz_mig.allowed(k integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT k >= 0';
CREATE FUNCTION fz_mig.stamp() RETURNS trigger LANGUAGE plpgsql
    AS $$BEGIN NEW.note := coalesce(NEW.note, '-'); RETURN NEW; END$$;
CREATE TABLE fz_mig.booking (
    id integer GENERATED BY DEFAULT AS IDENTITY (START WITH 10) PRIMARY KEY,
    k integer NOT NULL CONSTRAINT booking_allowed CHECK (fz_mig.allowed(k)),
    note text COLLATE fz_mig.exact,
    during tsrange,
    price fz_mig.span,
    CONSTRAINT booking_no_overlap EXCLUDE USING gist (during WITH &&)
);
CREATE UNIQUE INDEX booking_k ON fz_mig.booking (k, id);
CREATE SEQUENCE fz_mig.tally OWNED BY fz_mig.booking.k;
ALTER TABLE fz_mig.booking ENABLE ROW LEVEL SECURITY;
CREATE POLICY booking_read ON fz_mig.booking FOR SELECT TO PUBLIC USING (fz_mig.allowed(k));
"""
    + _TRIGGER
    + """;
INSERT INTO fz_mig.booking (k, note, during, price)
VALUES (1, 'a', '[2024-01-01,2024-01-02)', '[1,2)'), (2, NULL, '[2024-02-01,2024-02-02)', NULL);
"""
    + _SCORE_USERS
    + _LEDGER
)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.strip().removesuffix(";").split(";\n")]


def _views() -> list[str]:
    return _statements(_VIEWS)


def function_return_type(rng: random.Random, named: Mapping[str, list[tuple[str, str, str]]]) -> list[str]:
    """score() made to return bigint: what reads it dropped with it and made again."""
    return [
        "DROP FUNCTION fz_mig.score(integer, integer) CASCADE",
        "CREATE FUNCTION fz_mig.score(a integer, b integer) RETURNS bigint LANGUAGE sql IMMUTABLE"
        " AS 'SELECT (a + b)::bigint'",
        *_statements(_SCORE_USERS),
    ]


def function_parameter_names(
    rng: random.Random, named: Mapping[str, list[tuple[str, str, str]]]
) -> list[str]:
    """A parameter renamed (CREATE OR REPLACE refuses it): allowed()'s CHECK and policy, or score()'s users, made
    again."""
    if rng.random() < 0.5:
        return [
            "DROP FUNCTION fz_mig.allowed(integer) CASCADE",
            "CREATE FUNCTION fz_mig.allowed(v integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT v >= 0'",
            "ALTER TABLE fz_mig.booking ADD CONSTRAINT booking_allowed CHECK (fz_mig.allowed(k))",
            "CREATE POLICY booking_read ON fz_mig.booking FOR SELECT TO PUBLIC USING (fz_mig.allowed(k))",
        ]
    return [
        "DROP FUNCTION fz_mig.score(integer, integer) CASCADE",
        "CREATE FUNCTION fz_mig.score(x integer, y integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT x + y'",
        *_statements(_SCORE_USERS),
    ]


def view_column_retyped(rng: random.Random, named: Mapping[str, list[tuple[str, str, str]]]) -> list[str]:
    """A view's column retyped under the view that reads it: by the view's own cast, or by its table's column."""
    if rng.random() < 0.5:
        return [
            *_DROP_VIEWS,
            "CREATE VIEW fz_mig.booking_view AS SELECT id, k::bigint AS k, fz_mig.score(k, id)::numeric AS s, note"
            " FROM fz_mig.booking",
            _views()[1],
        ]
    to = rng.choice(["varchar(200)", "character varying", 'text COLLATE "C"'])
    return [*_OFF_NOTE, f"ALTER TABLE fz_mig.booking ALTER COLUMN note TYPE {to}", *_views(), _TRIGGER]


def range_change(rng: random.Random, named: Mapping[str, list[tuple[str, str, str]]]) -> list[str]:
    """A range column retyped under its exclusion constraint, or the range type made again on another subtype."""
    roll = rng.random()
    if roll < 0.4:
        return ["ALTER TABLE fz_mig.booking ALTER COLUMN during TYPE tstzrange USING during::text::tstzrange"]
    if roll < 0.7:
        return [
            "DROP TYPE fz_mig.span CASCADE",
            "CREATE TYPE fz_mig.span AS RANGE (subtype = float8, subtype_diff = float8mi)",
            "ALTER TABLE fz_mig.booking ADD COLUMN price fz_mig.span",
        ]
    return ["ALTER TABLE fz_mig.booking ALTER COLUMN price TYPE numrange USING price::text::numrange"]


def collation_change(rng: random.Random, named: Mapping[str, list[tuple[str, str, str]]]) -> list[str]:
    """The column's collation switched to a new one (its readers made again), or the collation given a comment."""
    if rng.random() < 0.3:
        return ["COMMENT ON COLLATION fz_mig.exact IS 'bytes'"]
    return [
        'CREATE COLLATION fz_mig.plain FROM "POSIX"',
        *_OFF_NOTE,
        "ALTER TABLE fz_mig.booking ALTER COLUMN note TYPE text COLLATE fz_mig.plain",
        *_views(),
        _TRIGGER,
        *(["DROP COLLATION fz_mig.exact"] if rng.random() < 0.5 else []),
    ]


def exclusion_change(rng: random.Random, named: Mapping[str, list[tuple[str, str, str]]]) -> list[str]:
    """The exclusion constraint dropped, given a predicate, made deferrable, or a second one added."""
    drop = "ALTER TABLE fz_mig.booking DROP CONSTRAINT booking_no_overlap"
    add = "ALTER TABLE fz_mig.booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (during WITH &&)"
    return rng.choice(
        [
            [drop],
            [drop, add + " WHERE (k > 0)"],
            [drop, add + " DEFERRABLE INITIALLY DEFERRED"],
            [
                "ALTER TABLE fz_mig.booking ADD CONSTRAINT booking_price_apart EXCLUDE USING gist (price WITH &&)"
            ],
            [
                drop,
                "ALTER TABLE fz_mig.booking ADD CONSTRAINT booking_apart EXCLUDE USING gist (during WITH &&)",
            ],
        ]
    )


def trigger_change(rng: random.Random, named: Mapping[str, list[tuple[str, str, str]]]) -> list[str]:
    """The trigger's columns, WHEN, timing or level changed (CREATE OR REPLACE TRIGGER or made again)."""
    head = "CREATE OR REPLACE TRIGGER booking_stamp"
    tail = "ON fz_mig.booking FOR EACH ROW"
    run = "EXECUTE FUNCTION fz_mig.stamp()"
    return [
        rng.choice(
            [
                f"{head} BEFORE UPDATE OF note, k {tail} WHEN (OLD.note IS DISTINCT FROM NEW.note) {run}",
                f"{head} BEFORE UPDATE OF note {tail} WHEN (NEW.k > 0) {run}",
                f"{head} BEFORE INSERT OR UPDATE {tail} {run}",
                f"{head} BEFORE UPDATE OF k {tail} {run}",
                f"{head} AFTER UPDATE ON fz_mig.booking FOR EACH STATEMENT {run}",
            ]
        )
    ]


def policy_change(rng: random.Random, named: Mapping[str, list[tuple[str, str, str]]]) -> list[str]:
    """The policy's USING or roles altered, or it made again another way (restrictive, for UPDATE)."""
    alter = "ALTER POLICY booking_read ON fz_mig.booking"
    return rng.choice(
        [
            [f"{alter} USING (k > 1)"],
            [f"{alter} TO {ROLE}"],
            [f"{alter} TO {ROLE}, PUBLIC USING (fz_mig.allowed(k) AND k < 100)"],
            [
                "DROP POLICY booking_read ON fz_mig.booking",
                "CREATE POLICY booking_read ON fz_mig.booking AS RESTRICTIVE FOR UPDATE TO PUBLIC"
                " USING (fz_mig.allowed(k)) WITH CHECK (k > 0)",
            ],
        ]
    )


def sequence_owner(rng: random.Random, named: Mapping[str, list[tuple[str, str, str]]]) -> list[str]:
    """A sequence's owning column moved (or taken away): the library's, or one of the base's."""
    sequences = named.get("sequence", [])
    if sequences and rng.random() < 0.4:
        schema, _, name = rng.choice(sequences)
        return [f"ALTER SEQUENCE {qualified(schema, name)} OWNED BY NONE"]
    to = rng.choice(["fz_mig.booking.id", "NONE", "fz_mig.ledger.amount"])
    return [f"ALTER SEQUENCE fz_mig.tally OWNED BY {to}"]


def partition_bounds(rng: random.Random, named: Mapping[str, list[tuple[str, str, str]]]) -> list[str]:
    """A partition's bound widened, a partition split, or a default partition added."""
    detach = "ALTER TABLE fz_mig.ledger DETACH PARTITION fz_mig.ledger_high"
    return rng.choice(
        [
            [
                detach,
                "ALTER TABLE fz_mig.ledger ATTACH PARTITION fz_mig.ledger_high FOR VALUES FROM (100) TO (5000)",
            ],
            [  # split: its rows (code 150) stay where they are
                detach,
                "ALTER TABLE fz_mig.ledger ATTACH PARTITION fz_mig.ledger_high FOR VALUES FROM (100) TO (500)",
                "CREATE TABLE fz_mig.ledger_top PARTITION OF fz_mig.ledger FOR VALUES FROM (500) TO (1000)",
            ],
            ["CREATE TABLE fz_mig.ledger_rest PARTITION OF fz_mig.ledger DEFAULT"],
            [detach, "DROP TABLE fz_mig.ledger_high"],
        ]
    )


def domain_under_partition_key(
    rng: random.Random, named: Mapping[str, list[tuple[str, str, str]]]
) -> list[str]:
    """The domain the partition key is of: its base type changed (the table made again), or a CHECK added."""
    if rng.random() < 0.4:
        return ["ALTER DOMAIN fz_mig.code ADD CONSTRAINT code_small CHECK (VALUE < 100000)"]
    return [
        "DROP TABLE fz_mig.ledger",
        "DROP DOMAIN fz_mig.code",
        "CREATE DOMAIN fz_mig.code AS bigint CONSTRAINT code_check CHECK (VALUE >= 0)",
        *_statements(_LEDGER),
    ]


_COMMENTED = (
    "FUNCTION fz_mig.score(integer, integer)",
    "DOMAIN fz_mig.code",
    "TYPE fz_mig.span",
    "COLLATION fz_mig.exact",
    "POLICY booking_read ON fz_mig.booking",
    "TRIGGER booking_stamp ON fz_mig.booking",
    "CONSTRAINT booking_no_overlap ON fz_mig.booking",
    "CONSTRAINT code_check ON DOMAIN fz_mig.code",
    "INDEX fz_mig.booking_k",
    "SEQUENCE fz_mig.tally",
    "VIEW fz_mig.booking_view",
    "COLUMN fz_mig.booking_view.s",
    "SCHEMA fz_mig",
    "TABLE fz_mig.ledger",
    "COLUMN fz_mig.ledger.code",
    "INDEX fz_mig.ledger_at",
)


def comments(rng: random.Random, named: Mapping[str, list[tuple[str, str, str]]]) -> list[str]:
    """Comments set or taken away on one to three kinds at once, the base's indexes and constraints among them."""
    targets = list(_COMMENTED)
    targets += [f"INDEX {qualified(s, n)}" for s, _, n in named.get("index", [])[:20]]
    targets += [f"CONSTRAINT {n} ON {qualified(s, t)}" for s, t, n in named.get("constraint_f", [])[:20]]
    out = []
    for target in rng.sample(targets, rng.randint(1, 3)):
        text = "NULL" if rng.random() < 0.2 else quote_literal(f"fuzz note {rng.randrange(1000)}")
        out.append(f"COMMENT ON {target} IS {text}")
    return out


def identity_options(rng: random.Random, named: Mapping[str, list[tuple[str, str, str]]]) -> list[str]:
    """The identity column's sequence options, generation, or its sequence's name."""
    alter = "ALTER TABLE fz_mig.booking ALTER COLUMN id"
    return [
        rng.choice(
            [
                f"{alter} SET INCREMENT BY 2",
                f"{alter} SET START WITH 100",
                f"{alter} SET GENERATED ALWAYS SET CACHE 5",
                f"{alter} SET MAXVALUE 1000000 SET CYCLE",
                f"{alter} SET MINVALUE 5",
                "ALTER SEQUENCE fz_mig.booking_id_seq RENAME TO booking_ids",
                f"{alter} DROP IDENTITY",
            ]
        )
    ]


def replica_identity(rng: random.Random, named: Mapping[str, list[tuple[str, str, str]]]) -> list[str]:
    """The replica identity set to an index, nothing or full; or the index it uses dropped."""
    alter = "ALTER TABLE fz_mig.booking REPLICA IDENTITY"
    return rng.choice(
        [
            [f"{alter} USING INDEX booking_k"],
            [f"{alter} NOTHING"],
            [f"{alter} FULL"],
            [f"{alter} USING INDEX booking_k", "DROP INDEX fz_mig.booking_k"],
            [f"{alter} USING INDEX booking_pkey"],
        ]
    )


KINDS: tuple[Callable[[random.Random, Mapping[str, list[tuple[str, str, str]]]], list[str]], ...] = (
    function_return_type,
    function_parameter_names,
    view_column_retyped,
    range_change,
    collation_change,
    exclusion_change,
    trigger_change,
    policy_change,
    sequence_owner,
    partition_bounds,
    domain_under_partition_key,
    comments,
    identity_options,
    replica_identity,
)
