"""A live schema with functions a sandbox's role may not create (LANGUAGE c or internal, as musicbrainz's
immutable_unaccent): the proof's clone stopped at the first one ('the proof could not build a clone of the
live schema: permission denied for language c', hint --no-prove), while a migration's own such statement is
said untried. The clone now stands them in (their signatures, bodies that return nothing), says which and
why, and proves the rest; one no stand-in covers is said untried, as a migration's statement is."""

from __future__ import annotations

from pathlib import Path

from tests.pg import run_sql
from tests.test_proof import ADD_NAME, columns, migrate, project

FOREIGN_CODE = (
    "CREATE EXTENSION unaccent;"
    "CREATE FUNCTION public.c_unaccent(regdictionary, text) RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE "
    "STRICT AS '$libdir/unaccent', 'unaccent_dict';"
    "CREATE FUNCTION public.i_abs(integer) RETURNS integer LANGUAGE internal IMMUTABLE STRICT AS 'int4abs';"
    "CREATE FUNCTION public.plain(text) RETURNS text LANGUAGE sql IMMUTABLE AS "
    "$$ SELECT public.c_unaccent('unaccent'::regdictionary, $1) $$;"
    "CREATE TABLE public.t (id integer PRIMARY KEY);CREATE TABLE public.u (v integer);"
    "CREATE INDEX t_abs ON public.t (public.i_abs(id));"
    "CREATE FUNCTION public.same() RETURNS trigger LANGUAGE internal AS 'suppress_redundant_updates_trigger';"
    "CREATE TRIGGER t_same BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION public.same();"
)
UNACCENT = "public.c_unaccent(regdictionary, text)"


def test_functions_the_sandbox_may_not_create_are_stood_in_and_the_rest_proved(
    db: str, tmp_path: Path
) -> None:
    run_sql(db, FOREIGN_CODE)
    folder, _ = project(
        tmp_path,
        {
            "20260101000000_name": ADD_NAME,
            "20260101000001_plain": f"DROP FUNCTION public.plain(text);\nDROP FUNCTION {UNACCENT};\n",
        },
    )
    applied = migrate(db, folder)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "proved: the pending migrations apply on a clone of the live schema" in applied.stdout
    assert (
        "the clone stands in for 3 functions a sandbox's restricted role may not create (LANGUAGE c, internal or "
        f"an untrusted language: {UNACCENT}, public.i_abs(integer), public.same()): there they return nothing"
    ) in applied.stdout, applied.stdout
    assert "could not build a clone" not in applied.stdout + applied.stderr
    assert columns(db) == ["id", "name"]


def test_one_no_stand_in_covers_is_said_untried_as_a_migration_s_statement_is(
    db: str, tmp_path: Path
) -> None:
    """A function taking `internal` (an index method's or a type's support function) has no PL/pgSQL stand-in:
    the clone stops at it, and the proof says it could not try the migrations, and why, not that it failed."""
    run_sql(
        db,
        FOREIGN_CODE
        + "CREATE FUNCTION public.support(internal) RETURNS internal LANGUAGE internal AS 'int4abs';",
    )
    folder, _ = project(tmp_path, {"20260101000000_name": ADD_NAME})
    refused = migrate(db, folder)
    assert refused.returncode == 1
    assert (
        "not proved: the sandbox's restricted role may not make an object of the live schema in the clone "
        "(<clone of the live schema>:"
    ) in refused.stdout, refused.stdout
    assert "permission denied for language internal" in refused.stdout
    assert "the clone stands in for 3 functions" in refused.stdout
    assert "could not build a clone" not in refused.stdout + refused.stderr
    assert "refusing to apply: the proof could not try the pending migrations" in refused.stderr
    assert columns(db) == ["id"]


async def test_the_trace_s_clone_stands_them_in_too_and_says_so(db: str) -> None:
    """The review's trace builds its clone the same way: it traces instead of saying 'not traced'."""
    from dibs_tui.core.connect import resolve
    from dibs_tui.core.review.run import review_text
    from tests.pg import execute

    await execute(db, FOREIGN_CODE)
    review = await review_text(resolve(db), "ALTER TABLE public.u ALTER COLUMN v TYPE bigint;\n", "m.sql")
    assert not any(n.startswith("not traced") for n in review.notes), review.notes
    assert any(
        n.startswith(f"the clone stands in for {UNACCENT}, public.i_abs(integer)") for n in review.notes
    )
    assert review.statements[0].lock_observed, review.to_text()


def test_an_extension_a_sandbox_refuses_is_left_out_of_the_clone_and_said(db: str, tmp_path: Path) -> None:
    """A live schema that merely has dblink and postgres_fdw (a sandbox refuses both: they reach outside the
    database) stopped migrate before the clone ('extension dblink is not loaded into the shadow database'):
    the clone goes without them, says so, and proves the rest."""
    run_sql(
        db,
        "CREATE EXTENSION dblink; CREATE EXTENSION postgres_fdw; CREATE TABLE public.t (id int PRIMARY KEY);",
    )
    folder, _ = project(tmp_path, {"20260101000000_name": ADD_NAME})
    applied = migrate(db, folder)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "proved: the pending migrations apply on a clone of the live schema" in applied.stdout
    assert "- extension dblink" in applied.stdout and "- extension postgres_fdw" in applied.stdout, (
        applied.stdout
    )
    assert columns(db) == ["id", "name"]


def test_what_needs_an_extension_left_out_is_said_untried(db: str, tmp_path: Path) -> None:
    """A view that reads through dblink cannot be made without it: the proof says it could not try the
    migrations and why, as for a migration's own statement, not that the clone could not be built."""
    run_sql(
        db,
        "CREATE EXTENSION dblink; CREATE TABLE public.t (id int PRIMARY KEY);"
        "CREATE VIEW public.remote AS SELECT * FROM dblink('dbname=elsewhere', 'SELECT 1') AS r(one int);",
    )
    folder, _ = project(tmp_path, {"20260101000000_name": ADD_NAME})
    refused = migrate(db, folder)
    assert refused.returncode == 1
    assert (
        "not proved: the clone lacks the extension dblink (a sandbox may not load it: it reaches outside the "
        "database), which an object of the live schema needs"
    ) in refused.stdout, refused.stdout
    assert "could not build a clone" not in refused.stdout + refused.stderr
    assert "refusing to apply: the proof could not try the pending migrations" in refused.stderr
    assert columns(db) == ["id"]


FOREIGN = (
    "CREATE EXTENSION postgres_fdw; CREATE SERVER far FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname 'x');"
    "CREATE FOREIGN TABLE public.ft (a int) SERVER far; CREATE TABLE public.t (id int PRIMARY KEY);"
)


def test_a_foreign_table_goes_with_its_server_and_a_statement_on_it_is_untried(
    db: str, tmp_path: Path
) -> None:
    """The clone has no server (its wrapper's extension is refused), so no foreign table either: a migration
    that leaves it alone is proved, one that alters it is said untried, not failing."""
    run_sql(db, FOREIGN)
    folder, _ = project(tmp_path, {"20260101000000_name": ADD_NAME})
    applied = migrate(db, folder)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "- relation public.ft kind f" in applied.stdout, applied.stdout
    (folder / "20260101000001_ft.sql").write_text("ALTER FOREIGN TABLE public.ft ADD COLUMN b int;\n")
    refused = migrate(db, folder)
    assert refused.returncode == 1
    assert "not proved: the clone lacks the foreign table a statement acts on" in refused.stdout, (
        refused.stdout
    )
    assert "fails on a clone" not in refused.stdout


async def test_the_trace_says_the_extensions_its_clone_goes_without(db: str) -> None:
    from dibs_tui.core.connect import resolve
    from dibs_tui.core.review.run import review_text
    from tests.pg import execute

    await execute(db, "CREATE EXTENSION dblink; CREATE TABLE public.t (id int PRIMARY KEY);")
    review = await review_text(resolve(db), ADD_NAME, "m.sql")
    assert not any(n.startswith("not traced") for n in review.notes), review.notes
    assert any(n.startswith("the clone goes without dblink (a sandbox may not load") for n in review.notes)
