"""The diff used as a DBA uses it on a real schema: pagila, with small edits made to a copy of it by ALTER
statements (what the desired schema then is), planned from the original with its rows, both ways. Each plan
must apply, leave nothing to diff, keep the rows, and rebuild nothing the edits did not ask for: the renames
are renames, an index made a key is kept, a partition added or detached keeps the others' indexes, a new
partitioned index attaches its partitions' own."""

from __future__ import annotations

from collections.abc import Callable

from tests.diffcases.harness import Outcome, converge_dsns
from tests.pg import run_sql
from tests.realschemas import load_real

EDITS = """
ALTER TABLE public.customer RENAME COLUMN last_name TO surname;
ALTER INDEX public.idx_last_name RENAME TO idx_customer_surname;
ALTER TABLE public.film RENAME CONSTRAINT film_language_id_fkey TO swap;
ALTER TABLE public.film RENAME CONSTRAINT film_original_language_id_fkey TO film_language_id_fkey;
ALTER TABLE public.film RENAME CONSTRAINT swap TO film_original_language_id_fkey;
ALTER DOMAIN public.year RENAME CONSTRAINT year_check TO year_range;
ALTER DOMAIN public.year SET DEFAULT 2000;
ALTER TABLE public.language RENAME TO languages;
ALTER TABLE public.languages RENAME CONSTRAINT language_pkey TO languages_pkey;
ALTER SEQUENCE public.language_language_id_seq RENAME TO languages_language_id_seq;
ALTER TABLE public.rental ADD CONSTRAINT rental_once
    UNIQUE USING INDEX idx_unq_rental_rental_date_inventory_id_customer_id;
CREATE TABLE public.payment_p2026_08 PARTITION OF public.payment
    FOR VALUES FROM ('2026-08-01 00:00:00+00') TO ('2026-09-01 00:00:00+00');
ALTER TABLE public.payment DETACH PARTITION public.payment_p2022_01;
CREATE INDEX payment_amount_idx ON public.payment (amount);
"""

# A few rows in the tables the edits touch, foreign keys and triggers not run (pagila's store and staff
# reference each other; the film's fulltext trigger is not fired): what the plan keeps must keep them.
ROWS = """
SET session_replication_role = replica;
INSERT INTO public.language (language_id, name) VALUES (1, 'English'), (2, 'Italian');
INSERT INTO public.film (film_id, title, language_id, original_language_id, release_year, fulltext)
    VALUES (1, 'A', 1, 2, 2006, to_tsvector('a')), (2, 'B', 2, 1, 2007, to_tsvector('b'));
INSERT INTO public.customer (customer_id, store_id, first_name, last_name, address_id)
    VALUES (1, 1, 'Ann', 'Lee', 1), (2, 1, 'Bo', 'Ng', 1);
INSERT INTO public.rental (rental_id, rental_date, inventory_id, customer_id, staff_id)
    VALUES (1, '2022-01-05', 1, 1, 1), (2, '2022-01-06', 1, 2, 1);
INSERT INTO public.payment (payment_id, customer_id, staff_id, rental_id, amount, payment_date)
    VALUES (1, 1, 1, 1, 2.99, '2022-01-05'), (2, 2, 1, 2, 4.99, '2025-03-05');
"""


def _edited(new_database: Callable[[], str]) -> tuple[str, str]:
    original, edited = new_database(), new_database()
    load_real(original, "pagila")
    load_real(edited, "pagila")
    run_sql(edited, EDITS)
    return original, edited


def _script(outcome: Outcome) -> str:
    return "\n".join(s.sql for s in outcome.plan)


def test_pagila_edited_as_a_dba_would(new_database: Callable[[], str]) -> None:
    original, edited = _edited(new_database)
    run_sql(original, ROWS)
    outcome = converge_dsns(
        original,
        edited,
        accepted_renames=[
            ("public.customer.last_name", "public.customer.surname"),
            ("public.language", "public.languages"),
        ],
        count_rows=True,
    )
    script = _script(outcome)
    for line in (
        "ALTER TABLE public.customer RENAME COLUMN last_name TO surname;",
        "ALTER INDEX public.idx_last_name RENAME TO idx_customer_surname;",
        "ALTER TABLE public.film RENAME CONSTRAINT film_original_language_id_fkey TO film_language_id_fkey;",
        "ALTER DOMAIN public.year RENAME CONSTRAINT year_check TO year_range;",
        "ALTER DOMAIN public.year SET DEFAULT 2000;",
        "ALTER TABLE public.language RENAME TO languages;",
        "ALTER TABLE public.languages RENAME CONSTRAINT language_pkey TO languages_pkey;",
        "ALTER SEQUENCE public.language_language_id_seq RENAME TO languages_language_id_seq;",
        "ALTER TABLE public.rental ADD CONSTRAINT rental_once UNIQUE USING INDEX "
        "idx_unq_rental_rental_date_inventory_id_customer_id;",
        "ALTER TABLE public.payment DETACH PARTITION public.payment_p2022_01;",
    ):
        assert line in script, script
    # nothing rebuilt: no index, key, CHECK, view or trigger dropped or made again (the new partition's
    # indexes come with it: IF NOT EXISTS)
    for rebuilt in (
        "SEQUENCE public.languages_language_id_seq AS",
        "DROP INDEX",
        "DROP CONSTRAINT",
        "ADD CONSTRAINT rental_once UNIQUE (",
        "VIEW",
        "TRIGGER",
    ):
        assert rebuilt not in script, script
    # the new partitioned index: each partition's first (IF NOT EXISTS: the new partition's is made with it),
    # then the parent's, which attaches them
    created = [s.sql for s in outcome.plan if s.sql.startswith(("CREATE INDEX", "CREATE UNIQUE INDEX"))]
    assert created[-1] == "CREATE INDEX payment_amount_idx ON public.payment USING btree (amount);", script
    assert all(
        " IF NOT EXISTS payment_p2026_08_" in sql
        or ("IF NOT EXISTS payment_p20" in sql and "_amount_idx" in sql)
        for sql in created[:-1]
    ), script


def test_pagila_edits_undone(new_database: Callable[[], str]) -> None:
    """The other way: the edited copy brought back to pagila. The key that was an index must build it again
    (PostgreSQL drops a key's index with it) and the partition added goes; nothing else is rebuilt."""
    original, edited = _edited(new_database)
    outcome = converge_dsns(
        edited,
        original,
        accepted_renames=[
            ("public.customer.surname", "public.customer.last_name"),
            ("public.languages", "public.language"),
        ],
    )
    script = _script(outcome)
    for line in (
        "ALTER TABLE public.payment ATTACH PARTITION public.payment_p2022_01 FOR VALUES",
        "ALTER TABLE public.rental DROP CONSTRAINT rental_once;",
        "CREATE UNIQUE INDEX idx_unq_rental_rental_date_inventory_id_customer_id ON public.rental",
        "DROP TABLE public.payment_p2026_08;",
        "ALTER INDEX public.idx_customer_surname RENAME TO idx_last_name;",
        "ALTER SEQUENCE public.languages_language_id_seq RENAME TO language_language_id_seq;",
    ):
        assert line in script, script
    dropped = [s.sql for s in outcome.plan if "DROP CONSTRAINT" in s.sql or s.sql.startswith("DROP INDEX")]
    # the partitioned index goes first, its partitions' with it (their drops after it: IF EXISTS, no-ops)
    parent = dropped.index("DROP INDEX public.payment_amount_idx;")
    partitions = [
        i for i, sql in enumerate(dropped) if sql.startswith("DROP INDEX IF EXISTS public.payment_p20")
    ]
    assert partitions and min(partitions) > parent, script
    others = set(dropped) - {dropped[parent], *(dropped[i] for i in partitions)}
    assert others == {"ALTER TABLE public.rental DROP CONSTRAINT rental_once;"}, script
    for rebuilt in ("VIEW", "TRIGGER", "ADD CONSTRAINT"):
        assert rebuilt not in script, script
