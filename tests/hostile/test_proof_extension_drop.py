"""The proof's setting-up side drops an extension it made for the clone (tests/test_proof_extensions.py). A
migration that names one of those beside another extension, to have the setting-up login (a superuser, on
the embedded server) drop what the sandbox role may not, runs as the sandbox role, whole, and is refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.pg import fetch, run_sql
from tests.test_proof import migrate, project

LIVE = "CREATE EXTENSION vector;\nCREATE TABLE public.t (id integer PRIMARY KEY, e vector(3));\n"


def test_a_drop_naming_an_extension_the_setting_up_side_did_not_make_is_the_roles(
    db: str, tmp_path: Path
) -> None:
    run_sql(db, LIVE)
    folder, schema = project(
        tmp_path,
        {"20260101000000_both": "DROP EXTENSION vector, plpgsql CASCADE;\n"},
        "CREATE TABLE public.t (id int);\n",
    )
    refused = migrate(db, folder, "--desired", str(schema))
    assert refused.returncode == 1
    assert "must be owner of extension" in refused.stdout
    assert "proved" not in refused.stdout.replace("not proved", "")
    [(count,)] = asyncio.run(
        fetch(db, "SELECT count(*) FROM pg_extension WHERE extname IN ('vector', 'plpgsql')")
    )
    assert count == 2  # nothing applied live
