"""The health checks' harder cases, each on a database built to have it beside the look-alike that must not
be reported: multi-column and partitioned foreign keys, UNIQUE against plain prefixes, partial and
expression indexes compared by definition, SECURITY DEFINER search paths a caller can steer, and a bigint
sequence behind an integer column."""

from __future__ import annotations

import asyncio
import json

import pytest

from dibs_tui.cli import main
from tests.pg import fetch, run_sql


def _findings(capsys: pytest.CaptureFixture[str], db: str) -> dict[tuple[str, str], dict[str, object]]:
    main(["lint", db, "--format", "json", "--fail-on", "info"])
    out, _ = capsys.readouterr()
    return {(f["check"], f["object"]): f for f in json.loads(out)["findings"]}


def _objects(found: dict[tuple[str, str], dict[str, object]], check: str) -> set[str]:
    return {obj for (c, obj) in found if c == check}


def test_foreign_keys_multi_column_and_partitioned(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_sql(
        db,
        """
        CREATE TABLE pair (a int, b int, PRIMARY KEY (a, b));
        CREATE TABLE covered_reversed (id int PRIMARY KEY, a int, b int, FOREIGN KEY (b, a) REFERENCES pair (b, a));
        CREATE INDEX covered_reversed_ab ON covered_reversed (a, b, id);
        CREATE TABLE half_covered (id int PRIMARY KEY, a int, b int, FOREIGN KEY (a, b) REFERENCES pair);
        CREATE INDEX half_covered_a ON half_covered (a);
        CREATE TABLE partial_only (id int PRIMARY KEY, a int, b int, FOREIGN KEY (a, b) REFERENCES pair);
        CREATE INDEX partial_only_ab ON partial_only (a, b) WHERE a > 0;
        CREATE TABLE parent (id int PRIMARY KEY);
        CREATE TABLE events (id int, parent_id int REFERENCES parent, at date) PARTITION BY RANGE (at);
        CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE logs (id int, parent_id int REFERENCES parent, at date) PARTITION BY RANGE (at);
        CREATE TABLE logs_2024 PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE INDEX logs_parent ON logs (parent_id);
        CREATE TABLE notes (id int, parent_id int REFERENCES parent, at date) PARTITION BY RANGE (at);
        CREATE TABLE notes_2024 PARTITION OF notes FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE INDEX notes_2024_parent ON notes_2024 (parent_id);
        """,
    )
    found = _findings(capsys, db)
    assert _objects(found, "fk-without-index") == {
        "public.half_covered.half_covered_a_b_fkey",
        "public.partial_only.partial_only_a_b_fkey",
        "public.events.events_parent_id_fkey",
    }
    # PostgreSQL refuses CREATE INDEX CONCURRENTLY on a partitioned table: the fix must not say it.
    fix = found[("fk-without-index", "public.events.events_parent_id_fkey")]["fix"]
    assert fix == "CREATE INDEX events_parent_id_idx ON public.events (parent_id);"
    run_sql(db, str(fix))  # and it runs


def test_foreign_keys_not_enforced_and_temporal(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A NOT ENFORCED key (PostgreSQL 18) has no trigger that looks rows up along it: nothing to index for it.
    A temporal key (PERIOD) is named as written, covered by a WITHOUT OVERLAPS key's GiST index over its columns,
    and the fix for one uncovered runs."""
    run_sql(
        db,
        """
        CREATE EXTENSION btree_gist;
        CREATE TABLE film (id int PRIMARY KEY);
        CREATE TABLE loose (id int PRIMARY KEY, film_id int REFERENCES film NOT ENFORCED);
        CREATE TABLE price (film_id int, valid_at daterange, PRIMARY KEY (film_id, valid_at WITHOUT OVERLAPS));
        CREATE TABLE covered (film_id int, valid_at daterange, UNIQUE (film_id, valid_at WITHOUT OVERLAPS),
          FOREIGN KEY (film_id, PERIOD valid_at) REFERENCES price (film_id, PERIOD valid_at));
        CREATE TABLE uncovered (store int, film_id int, valid_at daterange,
          FOREIGN KEY (film_id, PERIOD valid_at) REFERENCES price (film_id, PERIOD valid_at));
        """,
    )
    found = _findings(capsys, db)
    assert _objects(found, "fk-without-index") == {"public.uncovered.uncovered_film_id_valid_at_fkey"}
    finding = found[("fk-without-index", "public.uncovered.uncovered_film_id_valid_at_fkey")]
    assert "(film_id, PERIOD valid_at) has no index" in str(finding["message"])
    run_sql(db, str(finding["fix"]))
    assert "fk-without-index" not in {check for check, _ in _findings(capsys, db)}


def test_duplicate_and_prefix_indexes_by_definition(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_sql(
        db,
        """
        CREATE TABLE t (id int PRIMARY KEY, a int, b int, c text, d int);
        CREATE UNIQUE INDEX t_a_b_unique ON t (a, b);
        CREATE INDEX t_a ON t (a);
        CREATE UNIQUE INDEX t_b_unique ON t (b);
        CREATE INDEX t_b_d ON t (b, d);
        CREATE INDEX t_lower_c ON t (lower(c));
        CREATE INDEX t_lower_c_again ON t (LOWER( c ));
        CREATE INDEX t_upper_c ON t (upper(c));
        CREATE INDEX t_d_live ON t (d) WHERE d > 0;
        CREATE INDEX t_d_live_again ON t (d) WHERE (d > 0);
        CREATE INDEX t_d_dead ON t (d) WHERE d < 0;
        CREATE INDEX t_d_c_live ON t (d, c) WHERE d > 0;
        CREATE INDEX t_d_desc ON t (d DESC);
        CREATE INDEX t_d_desc_c ON t (d, c);
        """,
    )
    found = _findings(capsys, db)
    # The server's text of each definition is compared: spelling and parentheses do not hide a duplicate.
    assert _objects(found, "duplicate-index") == {"public.t.t_lower_c_again", "public.t.t_d_live_again"}
    # A plain index leading a UNIQUE one is redundant; a UNIQUE index leading a plain one enforces
    # something and stays; a partial index is a prefix only under the same predicate; DESC is not ASC.
    redundant = {"public.t.t_a", "public.t.t_d_live", "public.t.t_d_live_again"}
    assert _objects(found, "redundant-index") == redundant


def test_an_index_in_another_collation_is_neither_a_duplicate_nor_a_prefix(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """MusicBrainz keeps artist_idx_name (name) beside artist_idx_musicbrainz_collate (name COLLATE ...):
    each serves the comparisons of its own collation, so dropping either one slows the other's queries."""
    run_sql(
        db,
        """
        CREATE TABLE artist (id int PRIMARY KEY, name text, sort_name text);
        CREATE INDEX artist_name ON artist (name);
        CREATE INDEX artist_name_c ON artist (name COLLATE "C");
        CREATE INDEX artist_name_c_again ON artist (name COLLATE "C");
        CREATE INDEX artist_sort_c ON artist (sort_name COLLATE "C");
        CREATE INDEX artist_sort_id ON artist (sort_name, id);
        """,
    )
    found = _findings(capsys, db)
    assert _objects(found, "duplicate-index") == {"public.artist.artist_name_c_again"}  # the same collation
    assert _objects(found, "redundant-index") == set()


def test_security_definer_search_paths(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_sql(
        db,
        """
        CREATE SCHEMA open_to_all;
        GRANT CREATE ON SCHEMA open_to_all TO PUBLIC;
        CREATE SCHEMA app;
        CREATE FUNCTION no_path() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
        CREATE FUNCTION user_path() RETURNS int LANGUAGE sql SECURITY DEFINER
            SET search_path = "$user", app, pg_temp AS 'SELECT 1';
        CREATE FUNCTION open_path() RETURNS int LANGUAGE sql SECURITY DEFINER
            SET search_path = app, open_to_all, pg_temp AS 'SELECT 1';
        CREATE FUNCTION temp_first() RETURNS int LANGUAGE sql SECURITY DEFINER
            SET search_path = app AS 'SELECT 1';
        CREATE FUNCTION safe() RETURNS int LANGUAGE sql SECURITY DEFINER
            SET search_path = app, pg_catalog, pg_temp AS 'SELECT 1';
        CREATE FUNCTION invoker() RETURNS int LANGUAGE sql AS 'SELECT 1';
        CREATE TABLE app.things (id int); INSERT INTO app.things VALUES (1), (2);
        CREATE FUNCTION app.count_things() RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
            AS $$ BEGIN RETURN (SELECT count(*) FROM things); END $$;
        CREATE TABLE open_to_all.exposed (id int);
        CREATE FUNCTION app.count_exposed() RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
            AS $$ BEGIN RETURN (SELECT count(*) FROM exposed); END $$;
        """,
    )
    found = _findings(capsys, db)
    assert _objects(found, "security-definer-search-path") == {
        "public.no_path()",
        "public.user_path()",
        "public.open_path()",
        "public.temp_first()",
        "app.count_things()",
        "app.count_exposed()",
    }
    # The body's unqualified names keep resolving: a path of pg_catalog alone broke count_things; a name found
    # only where others may create objects is left to be qualified, and the fix says so.
    assert found[("security-definer-search-path", "app.count_things()")]["fix"] == (
        "ALTER FUNCTION app.count_things() SET search_path = app, pg_catalog, pg_temp;"
    )
    exposed = str(found[("security-definer-search-path", "app.count_exposed()")]["fix"])
    assert exposed.startswith("-- exposed named without a schema, found only where others may create objects")
    assert exposed.endswith("ALTER FUNCTION app.count_exposed() SET search_path = pg_catalog, pg_temp;")
    assert found[("security-definer-search-path", "public.open_path()")]["level"] == "error"
    assert found[("security-definer-search-path", "public.temp_first()")]["level"] == "warning"
    fixes = [str(f["fix"]) for (check, _), f in found.items() if check == "security-definer-search-path"]
    assert "ALTER FUNCTION public.open_path() SET search_path = app, pg_temp;" in fixes
    assert "ALTER FUNCTION public.user_path() SET search_path = app, pg_temp;" in fixes
    for fix in fixes:
        run_sql(db, fix)
    assert _objects(_findings(capsys, db), "security-definer-search-path") == set()
    assert asyncio.run(fetch(db, "SELECT app.count_things() AS n"))[0]["n"] == 2  # still works, fixed


def test_bigint_sequence_behind_an_integer_column(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_sql(
        db,
        """
        CREATE TABLE narrow (id serial PRIMARY KEY);
        ALTER SEQUENCE narrow_id_seq AS bigint MAXVALUE 9223372036854775807;
        SELECT setval('narrow_id_seq', 2000000000);
        CREATE TABLE wide (id bigserial PRIMARY KEY);
        SELECT setval('wide_id_seq', 2000000000);
        CREATE TABLE roomy (id serial PRIMARY KEY);
        ALTER SEQUENCE roomy_id_seq AS bigint MAXVALUE 9223372036854775807;
        SELECT setval('roomy_id_seq', 1000);
        """,
    )
    found = _findings(capsys, db)
    assert _objects(found, "sequence-near-exhaustion") == {"public.narrow_id_seq"}
    finding = found[("sequence-near-exhaustion", "public.narrow_id_seq")]
    assert finding["level"] == "error" and "integer column" in str(finding["message"])
    assert finding["fix"] == "ALTER TABLE public.narrow ALTER COLUMN id TYPE bigint;"
    run_sql(db, str(finding["fix"]))
    assert _objects(_findings(capsys, db), "sequence-near-exhaustion") == set()


def test_the_statistics_age_says_one_second_and_one_minute_in_the_singular() -> None:
    """`lint` on a server started a second before said `index usage statistics 1 seconds old`."""
    from datetime import UTC, datetime, timedelta

    from dibs_tui.core.explore.health_facts import HealthFacts

    start = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    for after, said in ((1, "1 second old"), (2, "2 seconds old"), (60, "1 minute old")):
        assert (
            HealthFacts(stats_since=start, read_at=start + timedelta(seconds=after))
            .stats_age()
            .startswith(said)
        )
