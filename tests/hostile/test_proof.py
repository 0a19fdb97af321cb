"""Attacks on the guard and the proof: a tampered or planted review record, a migration that behaves
differently in the sandbox than live, hostile names in what the guard prints, huge objects. Each asserts what
was not lost and what did not run on the live database."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.pg import fetch, run_sql
from tests.test_proof import ADD_NAME, LIVE, columns, dibs, migrate, project

NAME = "20260101000000_name"


def reviewed(db: str, tmp_path: Path) -> tuple[Path, Path]:
    run_sql(db, LIVE + "INSERT INTO public.t VALUES (1)")
    folder, _ = project(tmp_path, {NAME: ADD_NAME})
    assert dibs("review", str(folder / f"{NAME}.sql"), db).returncode == 0
    return folder, folder / f"{NAME}.fingerprint"


def untouched(db: str) -> None:
    assert columns(db) == ["id"], "the migration did not run"
    assert asyncio.run(fetch(db, "SELECT id FROM public.t"))[0]["id"] == 1, "the row is kept"


def test_record_with_a_line_removed_is_refused(db: str, tmp_path: Path) -> None:
    """Hiding an object from the record (to make a moved schema look unchanged) breaks its digest."""
    folder, record = reviewed(db, tmp_path)
    lines = record.read_text().splitlines()
    record.write_text("\n".join(line for line in lines if not line.startswith("index ")) + "\n")
    result = migrate(db, folder)
    assert result.returncode == 1
    assert "was changed after the review: its fingerprint does not match its digest" in result.stderr
    untouched(db)


def test_record_with_a_line_added_and_the_digest_kept_is_refused(db: str, tmp_path: Path) -> None:
    folder, record = reviewed(db, tmp_path)
    run_sql(db, "ALTER TABLE public.t ADD COLUMN hand_made int")
    text = record.read_text()
    record.write_text(text + "column public.t.hand_made integer\n")
    result = migrate(db, folder)
    assert result.returncode == 1
    assert "does not match its digest" in result.stderr
    assert columns(db) == ["hand_made", "id"]


def test_record_that_is_not_ours_is_refused(db: str, tmp_path: Path) -> None:
    folder, record = reviewed(db, tmp_path)
    record.write_bytes(b"\x00\xff garbage\n")
    result = migrate(db, folder)
    assert result.returncode == 1
    assert "review record" in result.stderr and "Traceback" not in result.stderr
    untouched(db)


def test_record_planted_as_a_symlink_is_never_written_through(db: str, tmp_path: Path) -> None:
    """A repository ships `<migration>.fingerprint -> ~/.bashrc`: review must not overwrite the target."""
    run_sql(db, LIVE + "INSERT INTO public.t VALUES (1)")
    folder, _ = project(tmp_path, {NAME: ADD_NAME})
    victim = tmp_path / "bashrc"
    victim.write_text("precious\n")
    (folder / f"{NAME}.fingerprint").symlink_to(victim)
    result = dibs("review", str(folder / f"{NAME}.sql"), db)
    assert result.returncode == 0, "the review itself is shown"
    assert "no review record written" in result.stdout and "is a symbolic link: not followed" in result.stdout
    assert victim.read_text() == "precious\n"
    assert migrate(db, folder).returncode == 1, "migrate does not trust it either"
    untouched(db)


def test_migration_that_depends_on_current_user_is_not_proved(db: str, tmp_path: Path) -> None:
    """In the sandbox the migration runs as the sandbox role, not as the live user: it builds something else,
    and the proof says so instead of promising the desired schema."""
    run_sql(db, LIVE + "INSERT INTO public.t VALUES (1)")
    sly = (
        "DO $$ BEGIN IF current_user = 'postgres' THEN ALTER TABLE public.t ADD COLUMN name text; "
        "ELSE ALTER TABLE public.t ADD COLUMN other text; END IF; END $$;\n"
    )
    folder, schema = project(tmp_path, {NAME: sly})
    result = migrate(db, folder, "--desired", str(schema))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "- column public.t.other text" in result.stdout
    assert "+ column public.t.name text" in result.stdout
    untouched(db)


def test_hostile_names_in_what_changed_are_escaped(db: str, tmp_path: Path) -> None:
    folder, _ = reviewed(db, tmp_path)
    run_sql(db, 'CREATE TABLE public."evil\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J" (a int)')
    result = migrate(db, folder)
    assert result.returncode == 1
    assert "guard: the live schema changed" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "evil" in result.stdout
    untouched(db)


def test_huge_objects_are_recorded_and_guarded(db: str, tmp_path: Path) -> None:
    """1,500 columns and a 2 MB comment: one line each in the record, and the guard still compares them."""
    many = ", ".join(f"c{i} integer" for i in range(1500))
    run_sql(db, f"CREATE TABLE public.wide ({many}); COMMENT ON TABLE public.wide IS '{'x' * 2_000_000}'")
    folder, record = reviewed(db, tmp_path)
    text = record.read_text()
    assert text.count("column public.wide.") == 1500
    assert max(len(line) for line in text.splitlines()) > 2_000_000
    run_sql(db, f"COMMENT ON TABLE public.wide IS '{'y' * 2_000_000}'")
    result = migrate(db, folder)
    assert result.returncode == 1
    assert "guard: the live schema changed" in result.stdout
    assert len(result.stdout) < 100_000, "what changed is shown, not the whole 2 MB twice"
    untouched(db)


def test_hostile_names_in_a_proof_failure_are_escaped(db: str, tmp_path: Path) -> None:
    """The server's error on the clone quotes a name from the migration: printed escaped, nothing applied."""
    run_sql(db, LIVE + "INSERT INTO public.t VALUES (1)")
    folder, _ = project(
        tmp_path, {NAME: 'ALTER TABLE public."gone\x1b]52;c;cm0=\x07\x1b[2J" ADD COLUMN x int;\n'}
    )
    result = migrate(db, folder)
    assert result.returncode == 1
    assert "not proved: a pending migration fails on a clone" in result.stdout
    assert "\x1b" not in result.stdout + result.stderr and "\x07" not in result.stdout + result.stderr
    untouched(db)


def test_a_stood_in_function_s_hostile_name_is_only_a_name(db: str, tmp_path: Path) -> None:
    """A live function in internal (stood in, in the clone, by one of its name and arguments) named with a
    dollar quote like the stand-in's body's, a statement's end and a terminal escape: the clone builds, nothing
    of the name runs, and the name reaches the terminal escaped."""
    name = 'x$stand_in$; DROP TABLE public.t; --\x1b[31m"'
    quoted = '"' + name.replace('"', '""') + '"'
    run_sql(
        db,
        LIVE + f'CREATE FUNCTION public.{quoted}("a$stand_in$" integer) RETURNS integer LANGUAGE internal '
        "IMMUTABLE STRICT AS 'int4abs';",
    )
    folder, _ = project(tmp_path, {NAME: ADD_NAME})
    applied = migrate(db, folder)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "the clone stands in for 1 function" in applied.stdout
    assert "\x1b" not in applied.stdout + applied.stderr
    assert columns(db) == ["id", "name"]
