"""What a schema file leaves to "the role that runs it" (`TO CURRENT_USER`, `ALTER DEFAULT PRIVILEGES` without
`FOR ROLE`) ran in the sandbox as a throwaway role: the plan named it (`CREATE POLICY ... TO
dibs_sandbox_bb704ffc9417`), a role the live server never has, and the proof refused the migration. It means
the role that applies the migration: the one the diff connects as."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli_in_process import run_cli as _dibs
from tests.pg import run_sql

READER = f"k_reader_{os.getpid()}"
TABLE = "CREATE TABLE t (id int PRIMARY KEY, secret text);\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\n"


def test_a_policy_to_current_user_is_planned_for_the_role_that_applies_it(db: str, tmp_path: Path) -> None:
    run_sql(db, TABLE)
    schema = tmp_path / "schema.sql"
    schema.write_text(TABLE + "CREATE POLICY mine ON t TO CURRENT_USER USING (id > 0);\n")
    plan = _dibs("diff", db, "--desired", str(schema), "--format", "sql")
    assert plan.returncode == 2, plan.stderr
    assert "dibs_sandbox_" not in plan.stdout + plan.stderr
    assert "CREATE POLICY mine ON public.t AS PERMISSIVE FOR ALL TO postgres USING ((id > 0));" in plan.stdout
    run_sql(db, plan.stdout)
    again = _dibs("diff", db, "--desired", str(schema))
    assert again.returncode == 0, again.stdout + again.stderr


def test_default_privileges_without_for_role_are_the_applying_roles(db: str, tmp_path: Path) -> None:
    run_sql(
        db, f"DO $$BEGIN CREATE ROLE {READER}; EXCEPTION WHEN duplicate_object THEN NULL; END$$;\n{TABLE}"
    )
    schema = tmp_path / "schema.sql"
    schema.write_text(
        TABLE
        + f"ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO {READER};\nGRANT SELECT ON t TO CURRENT_USER;\n"
    )
    plan = _dibs("diff", db, "--desired", str(schema), "--format", "sql", "--privileges")
    assert plan.returncode == 2, plan.stderr
    assert "dibs_sandbox_" not in plan.stdout + plan.stderr
    assert f"ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT SELECT ON TABLES TO {READER};" in plan.stdout
    run_sql(db, plan.stdout)
    again = _dibs("diff", db, "--desired", str(schema), "--privileges")
    assert again.returncode == 0, again.stdout + again.stderr


def test_the_proof_reads_the_sandboxs_role_as_the_applying_one(db: str, tmp_path: Path) -> None:
    """generate, then migrate proving the result against the schema file: the desired side's fingerprint
    named the sandbox's role in the policy, the result the live role, and the proof refused."""
    run_sql(db, TABLE)
    (tmp_path / "db" / "migrations").mkdir(parents=True)
    (tmp_path / "db" / "schema.sql").write_text(
        TABLE + "CREATE POLICY mine ON t TO CURRENT_USER USING (true);\n"
    )
    (tmp_path / "dibs-tui.toml").write_text('schema = "db/schema.sql"\nmigrations = "db/migrations"\n')
    made = _dibs("generate", "mine", db, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    applied = _dibs("migrate", db, "--yes", cwd=tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "proved" in applied.stdout + applied.stderr
    assert _dibs("check", db, cwd=tmp_path).returncode == 0


def test_a_proof_short_of_the_desired_grants_alone_says_how_to_write_them(db: str, tmp_path: Path) -> None:
    """A schema file's GRANT, a migration generated without --privileges: the proof refused with 'fix the
    migration or the desired schema', as if either were wrong."""
    run_sql(db, f"DO $$BEGIN CREATE ROLE {READER}; EXCEPTION WHEN duplicate_object THEN NULL; END$$;")
    (tmp_path / "db" / "migrations").mkdir(parents=True)
    (tmp_path / "db" / "schema.sql").write_text(TABLE + f"GRANT SELECT ON t TO {READER};\n")
    (tmp_path / "dibs-tui.toml").write_text('schema = "db/schema.sql"\nmigrations = "db/migrations"\n')
    assert _dibs("generate", "first", db, cwd=tmp_path).returncode == 0
    refused = _dibs("migrate", db, "--yes", cwd=tmp_path)
    assert refused.returncode == 1
    assert f"+ grant relation public.t: SELECT to {READER}" in refused.stdout + refused.stderr
    assert "hint: the result differs in grants alone" in refused.stderr
    assert "dibs-tui generate --privileges" in refused.stderr
    for made in (tmp_path / "db" / "migrations").iterdir():
        made.unlink()
    assert _dibs("generate", "first", db, "--privileges", cwd=tmp_path).returncode == 0
    applied = _dibs("migrate", db, "--yes", cwd=tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert _dibs("diff", db, "--privileges", cwd=tmp_path).returncode == 0


def test_default_privileges_generated_for_the_applying_role_are_proved(db: str, tmp_path: Path) -> None:
    """generate --privileges writes `ALTER DEFAULT PRIVILEGES FOR ROLE postgres ...`, which the clone's role
    may not run for another role: it was skipped there, and the proof said the result lacked them."""
    run_sql(db, f"DO $$BEGIN CREATE ROLE {READER}; EXCEPTION WHEN duplicate_object THEN NULL; END$$;")
    (tmp_path / "db" / "migrations").mkdir(parents=True)
    (tmp_path / "db" / "schema.sql").write_text(
        TABLE + f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {READER};\n"
    )
    (tmp_path / "dibs-tui.toml").write_text('schema = "db/schema.sql"\nmigrations = "db/migrations"\n')
    assert _dibs("generate", "first", db, "--privileges", cwd=tmp_path).returncode == 0
    [migration] = (tmp_path / "db" / "migrations").glob("*.sql")
    assert "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT" in migration.read_text()
    applied = _dibs("migrate", db, "--yes", cwd=tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "proved: the result matches" in applied.stdout + applied.stderr
    assert _dibs("diff", db, "--privileges", cwd=tmp_path).returncode == 0


def test_another_roles_default_privileges_are_kept_not_revoked(db: str, tmp_path: Path) -> None:
    """pg_dump writes `ALTER DEFAULT PRIVILEGES FOR ROLE app_owner ...`, which the sandbox's role may not run:
    the desired side lacked them, and diff --privileges of a database against its own dump planned their
    REVOKE."""
    owner = f"k_owner_{os.getpid()}"
    run_sql(db, f"DO $$BEGIN CREATE ROLE {owner}; EXCEPTION WHEN duplicate_object THEN NULL; END$$;")
    run_sql(db, f"DO $$BEGIN CREATE ROLE {READER}; EXCEPTION WHEN duplicate_object THEN NULL; END$$;")
    grant = f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} GRANT SELECT ON TABLES TO {READER};\n"
    run_sql(db, TABLE + grant)
    schema = tmp_path / "schema.sql"
    schema.write_text(TABLE + grant)
    diff = _dibs("diff", db, "--desired", str(schema), "--privileges")
    assert diff.returncode == 0, diff.stdout + diff.stderr
    assert "REVOKE" not in diff.stdout
    assert (
        f"note: default privilege select to {READER} on {owner}.TABLES: a schema file's ALTER DEFAULT "
        f"PRIVILEGES FOR ROLE {owner} does not load in the sandbox" in diff.stdout + diff.stderr
    )
