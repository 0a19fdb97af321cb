"""Load the real fixture schemas (tests/fixtures/real) into a database, with the shims SOURCES.md gives.

`load_real(dsn, "pagila")` loads one fixture into the (empty) database behind `dsn` with the wheel's psql.
The fixture files are never copied or edited: shims work on an in-memory copy of the text. Several fixtures
are copyleft, so they stay test data under tests/, outside anything packaged.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.pg import REAL, psql_file, run_sql

MUSICBRAINZ_FILES = (
    "Extensions.sql",
    # CreateCollations.sql needs ICU, which the embedded build lacks: a "C" collation of that name instead.
    "CreateTypes.sql",
    "CreateTables.sql",
    "CreatePrimaryKeys.sql",
    "CreateSearchConfiguration.sql",
    "CreateFunctions.sql",
    "CreateIndexes.sql",
    "CreateFKConstraints.sql",
    "CreateConstraints.sql",
    "CreateViews.sql",
    "CreateTriggers.sql",
)
MUSICBRAINZ_SEARCH_PATH = "-c search_path=musicbrainz,public"
_MISSING_EXTENSIONS = re.compile(r"^(.*EXTENSION.*\b(pg_partman|pgcrypto)\b.*)$", re.MULTILINE)


def _pagila(dsn: str) -> None:
    psql_file(dsn, REAL / "pagila" / "pagila-schema.sql")


def _synapse(dsn: str) -> None:
    for part in ("main", "state", "common"):
        psql_file(dsn, REAL / "synapse" / part / "full.sql.postgres")


def _chinook(dsn: str) -> None:
    # The file drops, creates and \c's into its own database "chinook": load it into ours instead.
    text = (REAL / "chinook" / "Chinook_PostgreSql.sql").read_text(encoding="utf-8")
    text = re.sub(r"^(DROP DATABASE|CREATE DATABASE|\\c ).*$", "", text, flags=re.MULTILINE)
    psql_file(dsn, "chinook (shimmed)", text=text)


def _delta(dsn: str) -> None:
    psql_file(dsn, REAL / "delta" / "schema_after_alembic_head.pg_dump.sql")


def _plue(dsn: str) -> None:
    psql_file(dsn, REAL / "plue" / "schema.sql")


def _musicbrainz(dsn: str) -> None:
    run_sql(dsn, 'CREATE SCHEMA musicbrainz; CREATE COLLATION musicbrainz.musicbrainz FROM "C"')
    for name in MUSICBRAINZ_FILES:
        psql_file(dsn, REAL / "musicbrainz" / name, options=MUSICBRAINZ_SEARCH_PATH)


def _lago(dsn: str) -> None:
    # pg_partman is unavailable; gen_random_uuid (pgcrypto) is built in since PostgreSQL 13.
    text = (REAL / "lago" / "structure.sql").read_text(encoding="utf-8")
    text = _MISSING_EXTENSIONS.sub(lambda m: "-- shim: " + m.group(1), text)
    psql_file(dsn, "lago (shimmed)", text=text)


# Supabase's extensions the embedded build lacks: their CREATE EXTENSION and COMMENT ON EXTENSION are left out.
_SUPABASE_MISSING = re.compile(
    r'^((CREATE|COMMENT ON) EXTENSION (IF NOT EXISTS )?(pgsodium|pg_graphql|pgcrypto|pgjwt|supabase_vault|"uuid-ossp")[\s;].*)$',
    re.MULTILINE,
)
# The one view over supabase_vault's own table (vault.secrets) and pgsodium's functions.
_SUPABASE_VAULT_VIEW = re.compile(r"^CREATE VIEW vault\.decrypted_secrets AS.*?;$", re.MULTILINE | re.DOTALL)


def _supabase(dsn: str) -> None:
    # uuid-ossp's uuid_generate_v4(), which storage.objects' default calls: the core gen_random_uuid() under its
    # name, in the schema the default names.
    text = (REAL / "supabase" / "schema-16.sql").read_text(encoding="utf-8")
    text = _SUPABASE_MISSING.sub(lambda m: "-- shim: " + m.group(1), text)
    text = _SUPABASE_VAULT_VIEW.sub("-- shim: vault.decrypted_secrets left out", text)
    text = text.replace(
        "CREATE SCHEMA extensions;",
        "CREATE SCHEMA extensions;\nCREATE FUNCTION extensions.uuid_generate_v4() RETURNS uuid LANGUAGE sql"
        " AS 'SELECT pg_catalog.gen_random_uuid()';",
        1,
    )
    psql_file(dsn, "supabase (shimmed)", text=text)


_POSTGIS = re.compile(r"^((CREATE|COMMENT ON) EXTENSION (IF NOT EXISTS )?postgis\b.*)$", re.MULTILINE)


def _openstreetmap(dsn: str) -> None:
    # PostGIS is not in the embedded build: its extension left out, its one column (moderation_zones.zone) bytea.
    text = (REAL / "openstreetmap" / "structure.sql").read_text(encoding="utf-8")
    text = _POSTGIS.sub(lambda m: "-- shim: " + m.group(1), text)
    text = text.replace("public.geometry(Polygon,4326)", "bytea")
    psql_file(dsn, "openstreetmap (shimmed)", text=text)


LOADERS: dict[str, Callable[[str], None]] = {
    "pagila": _pagila,
    "synapse": _synapse,
    "chinook": _chinook,
    "delta": _delta,
    "plue": _plue,
    "musicbrainz": _musicbrainz,
    "lago": _lago,
    "supabase": _supabase,
    "openstreetmap": _openstreetmap,
}


def load_real(dsn: str, name: str) -> None:
    """Load the real fixture `name` (one of LOADERS) into the empty database behind `dsn`."""
    try:
        loader = LOADERS[name]
    except KeyError:
        raise ValueError(f"unknown real fixture {name!r}; known: {', '.join(LOADERS)}") from None
    loader(dsn)


# Every table emptied, and `public` as PostgreSQL 15 and later make it: for one real schema planned into another
# (tests/test_diff_real.py, bench/diff_real_pairs.py). A column added NOT NULL to a kept table is refused by its
# rows, which `generate` says before anything runs; and pagila's dump gives `public` to postgres with CREATE for
# everyone, where owners are the cluster's roles, which no plan changes.
EMPTIED_WITH_DEFAULT_PUBLIC = """DO $$DECLARE r record; BEGIN
  FOR r IN SELECT c.oid::regclass AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') LOOP
    EXECUTE 'TRUNCATE ' || r.t || ' CASCADE';
  END LOOP;
END$$;
ALTER SCHEMA public OWNER TO pg_database_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;"""
