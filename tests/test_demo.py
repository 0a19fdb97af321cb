"""The demo: its database has the sample project's tables and history, meta rows point at real lines of the
project files, the live schema differs from db/schema.sql exactly as the project's README says, the pending
migration is pending (and applies), building twice reuses, and `dibs-tui demo` leaves no server behind."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.connect import mask_dsn
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.sqlfiles import load_sql_text
from dibs_tui.demo.build import META_PLACEHOLDER, PENDING, DemoInfo, build_demo
from tests.pg import fetch, psql_file

APPLIED = [
    "20260110090000_initial-schema",
    "20260117100000_add-email-verification",
    "20260124113000_add-notifications-and-webhooks",
    "20260202140000_add-audit-log",
    "20260205083000_hotfix-drop-slow-index",
]


@pytest.fixture(scope="module")
def demo(pg_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoInfo]:
    project = tmp_path_factory.mktemp("demo") / "project"
    info = build_demo(pg_server.dsn("postgres"), "demo_test", project_dir=project)
    yield info
    asyncio.run(_drop(pg_server, "demo_test"))


async def _drop(server: EmbeddedServer, database: str) -> None:
    conn = await asyncpg.connect(server.dsn("postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await conn.close()


def _q(dsn: str, query: str, *args: object) -> list[asyncpg.Record]:
    return asyncio.run(fetch(dsn, query, *args))


def _meta_column(dsn: str, table: str, column: str) -> asyncpg.Record:
    rows = _q(dsn, "SELECT * FROM __dibs_columns WHERE table_name = $1 AND column_name = $2", table, column)
    assert len(rows) == 1, (table, column)
    return rows[0]


def _line(project: Path, file: str, line: int) -> str:
    lines = (project / file).read_text().splitlines()
    assert 1 <= line <= len(lines), f"{file}:{line} is past the end of the file"
    return lines[line - 1]


def test_database_has_the_sample_project(demo: DemoInfo) -> None:
    rows = _q(
        demo.dsn,
        "SELECT relname, relkind::text FROM pg_class "
        "WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'v', 'm')",
    )
    kinds = {r["relname"]: r["relkind"] for r in rows}
    tables = {n for n, k in kinds.items() if k in "rp" and not n.startswith("__dibs_")}
    assert 15 <= len(tables) <= 25
    assert {
        "orgs",
        "users",
        "memberships",
        "projects",
        "issues",
        "comments",
        "labels",
        "issue_labels",
        "milestones",
        "attachments",
        "audit_log",
        "api_tokens",
        "notifications",
        "webhooks",
    } <= tables
    assert kinds["audit_log"] == "p" and kinds["open_issues"] == "v" and kinds["project_stats"] == "m"
    assert {"__dibs_tables", "__dibs_columns", "__dibs_indices", "__dibs_migrations"} <= set(kinds)
    counts = {r["relname"]: r["reltuples"] for r in _q(demo.dsn, "SELECT relname, reltuples FROM pg_class")}
    assert counts["issues"] == 300 and counts["comments"] == 600  # analyzed: the UI shows row estimates


def test_every_feature_of_the_spec_is_exercised(demo: DemoInfo) -> None:
    one = _q(
        demo.dsn,
        """
        SELECT (SELECT count(*) FROM pg_type WHERE typtype = 'e' AND typnamespace = 2200) AS enums,
               (SELECT count(*) FROM pg_type WHERE typtype = 'd' AND typnamespace = 2200) AS domains,
               (SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm') AS extensions,
               (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal) AS triggers,
               (SELECT count(*) FROM pg_policy) AS policies,
               (SELECT count(*) FROM pg_class WHERE relrowsecurity) AS rls,
               (SELECT count(*) FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid
                 WHERE x.indpred IS NOT NULL AND c.relnamespace = 'public'::regnamespace) AS partial,
               (SELECT count(*) FROM pg_index WHERE indexprs IS NOT NULL AND indisunique) AS expr_unique,
               (SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND conrelid <> 0
                   AND connamespace = 'public'::regnamespace) AS checks,
               (SELECT count(*) FROM pg_constraint WHERE contype = 'p' AND cardinality(conkey) > 1
                   AND conparentid = 0 AND connamespace = 'public'::regnamespace) AS composite_pks,
               (SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = confrelid) AS self_fks,
               (SELECT count(*) FROM pg_attribute WHERE attidentity = 'a' AND attnum > 0) AS identities,
               (SELECT count(*) FROM pg_attribute WHERE attgenerated = 's') AS generated,
               (SELECT count(*) FROM pg_attrdef
                 WHERE pg_get_expr(adbin, adrelid) LIKE 'nextval(%') AS serials,
               (SELECT count(*) FROM pg_description d JOIN pg_class c ON c.oid = d.objoid
                 WHERE c.relnamespace = 'public'::regnamespace) AS comments,
               (SELECT count(*) FROM pg_inherits) > 0 AS partitions
    """,
    )[0]
    assert one["enums"] == 3 and one["domains"] == 1 and one["extensions"] == 1
    assert one["triggers"] >= 2 and one["policies"] == 1 and one["rls"] == 1
    assert one["partial"] >= 1 and one["expr_unique"] >= 1 and one["checks"] >= 5
    assert one["composite_pks"] >= 3 and one["self_fks"] == 1
    assert one["identities"] >= 5 and one["generated"] == 1 and one["serials"] >= 2
    assert one["comments"] >= 2 and one["partitions"]
    types = {
        r["t"]
        for r in _q(
            demo.dsn,
            "SELECT format_type(atttypid, NULL) AS t FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE c.relnamespace = 'public'::regnamespace AND attnum > 0",
        )
    }
    assert {"jsonb", "text[]", "uuid", "tsvector", "email_address", "issue_state"} <= types
    # FKs in both directions: users is referenced by many tables and references orgs.
    referencing = _q(
        demo.dsn,
        "SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f' "
        "AND confrelid = 'users'::regclass AND conparentid = 0",
    )[0]["n"]
    assert referencing >= 8
    assert (
        _q(
            demo.dsn,
            "SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f' AND conrelid = 'users'::regclass",
        )[0]["n"]
        == 1
    )


def _index_anchor_ok(demo: DemoInfo, text: str, row: asyncpg.Record) -> bool:
    """The line names the index, or declares the constraint (or parent partitioned index) it comes from."""
    if row["index_name"] in text:
        return True
    parent = _q(
        demo.dsn,
        "SELECT p.relname FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent "
        "WHERE h.inhrelid = $1::regclass",
        row["index_name"],
    )
    if parent and parent[0]["relname"] in text:
        return True
    constraint = re.search(r"PRIMARY KEY|UNIQUE", text)
    return bool(constraint) and all(re.search(rf"\b{c}\b", text) for c in row["columns"])


def test_meta_rows_point_at_the_lines_that_define_them(demo: DemoInfo) -> None:
    project = demo.project_dir
    tables = _q(demo.dsn, "SELECT * FROM __dibs_tables")
    columns = _q(demo.dsn, "SELECT * FROM __dibs_columns")
    indexes = _q(demo.dsn, "SELECT * FROM __dibs_indices")
    assert len(tables) >= 20 and len(columns) >= 140 and len(indexes) >= 40
    for row in tables:
        text = _line(project, row["source_file"], row["source_line"])
        assert re.search(rf"\b{row['table_name']}\b", text), (row["table_name"], text)
        assert text.startswith("CREATE") and row["source_column"] == 1
    for row in columns:
        text = _line(project, row["source_file"], row["source_line"])
        assert text[row["source_column"] - 1 :].startswith(row["column_name"]), (dict(row), text)
    for row in indexes:
        text = _line(project, row["source_file"], row["source_line"])
        assert _index_anchor_ok(demo, text, row), (dict(row), text)
    # Docs are the `--` block right above the definition.
    for row in [*tables, *columns]:
        if row["doc_comment"]:
            above = _line(project, row["source_file"], row["source_line"] - 1)
            assert above.strip() == "-- " + row["doc_comment"].splitlines()[-1]
    docs = {r["table_name"]: r["doc_comment"] for r in tables}
    assert docs["users"] == "User accounts in the system."
    assert all(r["source_file"] == "db/schema.sql" for r in tables)


def test_meta_history_and_reconciliation(demo: DemoInfo) -> None:
    users = _q(demo.dsn, "SELECT * FROM __dibs_tables WHERE table_name = 'users'")[0]
    assert users["created_by_migration"] == "20260110090000_initial-schema"
    assert users["modified_by_migration"] == "20260117100000_add-email-verification"
    verified = _meta_column(demo.dsn, "users", "email_verified")
    assert verified["created_by_migration"] == "20260117100000_add-email-verification"
    assert verified["sql_type"] == "boolean" and verified["is_nullable"] is False
    # Not in schema.sql any more: located in the migration that created it.
    legacy = _q(demo.dsn, "SELECT * FROM __dibs_columns WHERE column_name = 'legacy_username'")[0]
    assert legacy["source_file"] == "db/migrations/20260110090000_initial-schema.sql"
    fk = _meta_column(demo.dsn, "issues", "parent_id")
    assert (fk["fk_references_table"], fk["fk_references_column"]) == ("issues", "id")
    # Every live column is tracked; the hand-written hotfix left exactly one stale index row.
    untracked = _q(
        demo.dsn,
        """
        SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0
           AND NOT a.attisdropped AND c.relname NOT LIKE '\\_\\_dibs%'
        EXCEPT SELECT table_name, column_name FROM __dibs_columns""",
    )
    assert untracked == []
    stale = _q(demo.dsn, "SELECT index_name FROM __dibs_indices WHERE to_regclass(index_name) IS NULL")
    assert [r["index_name"] for r in stale] == ["issues_assignee_open_idx"]


def test_live_schema_differs_from_schema_sql_as_documented(demo: DemoInfo) -> None:
    schema_sql = (demo.project_dir / "db/schema.sql").read_text()
    defs = load_sql_text(schema_sql, "db/schema.sql")
    live = {
        (r["t"], r["c"]): r
        for r in _q(
            demo.dsn,
            """
        SELECT c.relname AS t, a.attname AS c, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped""",
        )
    }
    # column added in schema.sql, not yet in the database
    assert ("public", "issues", "estimate") in defs.columns and ("issues", "estimate") not in live
    # column gone from schema.sql, still in the database with data
    assert ("public", "users", "legacy_username") not in defs.columns and ("users", "legacy_username") in live
    assert _q(demo.dsn, "SELECT count(legacy_username) AS n FROM users")[0]["n"] > 0
    # type changed
    assert re.search(r"^\s+body\s+text NOT NULL", schema_sql, re.M)
    assert live[("comments", "body")]["type"] == "character varying(2000)"
    # nullability: required in schema.sql, nullable and holding NULLs in the database
    assert re.search(r"reporter_id\s+bigint NOT NULL", schema_sql)
    assert not live[("issues", "reporter_id")]["attnotnull"]
    assert _q(demo.dsn, "SELECT count(*) AS n FROM issues WHERE reporter_id IS NULL")[0]["n"] > 0
    # index dropped: defined in schema.sql, missing in the database
    assert ("public", "issues_assignee_open_idx") in defs.indexes
    assert _q(demo.dsn, "SELECT to_regclass('issues_assignee_open_idx') AS r")[0]["r"] is None
    # constraint added in schema.sql only
    assert ("public", "milestones", "milestones_project_title_key") in defs.constraints
    assert _q(demo.dsn, "SELECT to_regclass('milestones_project_title_key') AS r")[0]["r"] is None
    # comment changed
    desired = re.search(r"COMMENT ON TABLE projects IS '([^']*)'", schema_sql)
    assert desired is not None
    live_comment = _q(demo.dsn, "SELECT obj_description('projects'::regclass, 'pg_class') AS d")[0]["d"]
    assert live_comment and live_comment != desired.group(1)


# What identifies each object and what must match, keyed by name (not position: column order may differ).
_SIGNATURES = {
    "column": """
        SELECT c.relname || '.' || a.attname,
               format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text || ' '
               || coalesce(pg_get_expr(d.adbin, d.adrelid), '') || ' ' || a.attidentity::text
               || a.attgenerated::text || ' ' || coalesce(col_description(c.oid, a.attnum), '')
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          LEFT JOIN pg_attrdef d ON (d.adrelid, d.adnum) = (a.attrelid, a.attnum)
         WHERE c.relnamespace = 2200 AND c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0
           AND NOT a.attisdropped AND c.relname NOT LIKE '\\_\\_dibs%'""",
    "constraint": """
        SELECT conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid) FROM pg_constraint
         WHERE connamespace = 2200 AND conrelid::regclass::text NOT LIKE '\\_\\_dibs%'""",
    "index": """
        SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index x
          JOIN pg_class c ON c.oid = x.indrelid
         WHERE c.relnamespace = 2200 AND c.relname NOT LIKE '\\_\\_dibs%'""",
    "relation": """
        SELECT relname, relkind::text || ' ' || coalesce(obj_description(oid, 'pg_class'), '') || ' '
               || CASE WHEN relkind IN ('v', 'm') THEN pg_get_viewdef(oid) ELSE '' END
          FROM pg_class WHERE relnamespace = 2200 AND relkind IN ('r', 'p', 'v', 'm')
           AND relname NOT LIKE '\\_\\_dibs%'""",
    "trigger": "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal",
    "policy": "SELECT polname, pg_get_expr(polqual, polrelid) FROM pg_policy",
    "function": """
        SELECT proname, md5(prosrc) FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
         WHERE pronamespace = 2200 AND lanname = 'plpgsql'""",
    "type": """
        SELECT typname, typtype::text || coalesce((SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder)
                                                     FROM pg_enum WHERE enumtypid = t.oid), '')
          FROM pg_type t WHERE typnamespace = 2200 AND typtype IN ('e', 'd')""",
}


def _differences(live_dsn: str, desired_dsn: str) -> set[tuple[str, str]]:
    def signatures(dsn: str) -> dict[tuple[str, str], str]:
        return {(kind, r[0]): r[1] for kind, query in _SIGNATURES.items() for r in _q(dsn, query)}

    live, desired = signatures(live_dsn), signatures(desired_dsn)
    return {key for key in live.keys() | desired.keys() if live.get(key) != desired.get(key)}


def test_the_documented_differences_are_the_only_ones(
    demo: DemoInfo, pg_server: EmbeddedServer, db: str
) -> None:
    """schema.sql loaded into an empty database differs from the demo exactly as the project README says."""
    psql_file(db, demo.project_dir / "db/schema.sql")
    remaining = {
        ("column", "comments.body"),  # type changed
        ("index", "issues_assignee_open_idx"),  # index dropped by the hotfix
        ("relation", "projects"),  # comment changed
    }
    fixed_by_pending = {
        ("column", "issues.estimate"),
        ("constraint", "issues.issues_estimate_check"),
        ("column", "users.legacy_username"),
        ("column", "issues.reporter_id"),
        ("constraint", "issues.issues_reporter_id_not_null"),
        ("constraint", "issues.issues_reporter_id_fkey"),
        ("constraint", "milestones.milestones_project_title_key"),
        ("index", "milestones_project_title_key"),
    }
    assert _differences(demo.dsn, db) == remaining | fixed_by_pending
    clone = "demo_test_converge"
    asyncio.run(_clone(pg_server, "demo_test", clone))
    try:
        psql_file(pg_server.dsn(clone), demo.project_dir / "db/migrations" / f"{PENDING[0]}.sql")
        assert _differences(pg_server.dsn(clone), db) == remaining
    finally:
        asyncio.run(_drop(pg_server, clone))


def test_history_and_the_pending_migration(demo: DemoInfo) -> None:
    folder = demo.project_dir / "db/migrations"
    on_disk = sorted(p.stem for p in folder.glob("*.sql"))
    rows = {r["name"]: r for r in _q(demo.dsn, "SELECT * FROM __dibs_migrations")}
    assert sorted(rows) == APPLIED == list(demo.applied)
    pending = [n for n in on_disk if n not in rows]
    assert pending == list(PENDING) == list(demo.pending)
    for name, row in rows.items():
        content = (folder / f"{name}.sql").read_bytes()
        assert row["checksum"] == hashlib.sha256(content).hexdigest()
        assert row["execution_time_ms"] >= 1 and row["applied_at"].year == 2026
    assert rows["20260110090000_initial-schema"]["generated_from_diff"] is True
    assert rows["20260205083000_hotfix-drop-slow-index"]["generated_from_diff"] is False
    assert rows["20260205083000_hotfix-drop-slow-index"]["tables_modified"] == ["issues"]
    assert "users" in rows["20260110090000_initial-schema"]["tables_created"]
    # Every generated file carries its rendered meta updates; none still holds the placeholder.
    for path in folder.glob("*.sql"):
        assert META_PLACEHOLDER not in path.read_text()
    assert "INSERT INTO __dibs_columns" in (folder / f"{PENDING[0]}.sql").read_text()


def test_pending_migration_applies_to_the_demo_data(demo: DemoInfo, pg_server: EmbeddedServer) -> None:
    clone = "demo_test_pending"
    asyncio.run(_clone(pg_server, "demo_test", clone))
    try:
        dsn = pg_server.dsn(clone)
        psql_file(dsn, demo.project_dir / "db/migrations" / f"{PENDING[0]}.sql", options="-c lock_timeout=5s")
        assert _q(dsn, "SELECT count(*) AS n FROM issues WHERE reporter_id IS NULL")[0]["n"] == 0
        assert _meta_column(dsn, "issues", "estimate")["created_by_migration"] == PENDING[0]
        assert not _q(dsn, "SELECT 1 FROM __dibs_columns WHERE column_name = 'legacy_username'")
        reporter = _meta_column(dsn, "issues", "reporter_id")
        assert reporter["is_nullable"] is False and reporter["modified_by_migration"] == PENDING[0]
    finally:
        asyncio.run(_drop(pg_server, clone))


async def _clone(server: EmbeddedServer, source: str, target: str) -> None:
    conn = await asyncpg.connect(server.dsn("postgres"))
    try:
        await conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}" STRATEGY FILE_COPY')
    finally:
        await conn.close()


def test_building_twice_reuses_and_reset_rebuilds(pg_server: EmbeddedServer, tmp_path: Path) -> None:
    project = tmp_path / "project"
    first = build_demo(pg_server.dsn("postgres"), "demo_twice", project_dir=project)
    try:
        assert first.built
        stamps = {p: p.stat().st_mtime_ns for p in project.rglob("*") if p.is_file()}
        second = build_demo(pg_server.dsn("postgres"), "demo_twice", project_dir=project)
        assert not second.built and second.dsn == first.dsn
        assert {p: p.stat().st_mtime_ns for p in project.rglob("*") if p.is_file()} == stamps
        assert second.seconds < 1.0
        # A missing project file means the meta rows could point nowhere: rebuild both.
        (project / "db/schema.sql").unlink()
        assert build_demo(pg_server.dsn("postgres"), "demo_twice", project_dir=project).built
        assert (project / "db/schema.sql").is_file()
        assert build_demo(pg_server.dsn("postgres"), "demo_twice", project_dir=project, reset=True).built
        assert len(_q(first.dsn, "SELECT name FROM __dibs_migrations")) == len(APPLIED)
    finally:
        asyncio.run(_drop(pg_server, "demo_twice"))


def test_two_builds_at_once_build_once(pg_server: EmbeddedServer, tmp_path: Path) -> None:
    project = tmp_path / "project"
    admin = pg_server.dsn("postgres")
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: build_demo(admin, "demo_race", project_dir=project), range(2)))
    try:
        assert sorted(r.built for r in runs) == [False, True]
        assert len(_q(runs[0].dsn, "SELECT name FROM __dibs_migrations")) == len(APPLIED)
    finally:
        asyncio.run(_drop(pg_server, "demo_race"))


def _postgres_running_on(data_dir: Path) -> bool:
    """Any live process whose command line runs postgres on `data_dir`."""
    needle = str(data_dir.resolve())
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"postgres") and needle.encode() in argv:
            return True
    return False


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "dibs_tui.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture
def demo_dir() -> Iterator[Path]:
    """A folder outside pytest's basetemp: when run as root, the server's account must traverse its parents,
    and every pytest session that starts meanwhile resets /tmp/pytest-of-<user> to mode 0700."""
    path = Path(tempfile.mkdtemp(prefix="dibs-demo-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="process check reads /proc")
def test_demo_command_off_a_terminal(demo_dir: Path) -> None:
    tmp_path = demo_dir
    data_dir = tmp_path / "server" / "data"
    try:
        result = _cli("demo", "--print", "--dir", str(tmp_path))
        assert result.returncode == 0, result.stderr
        dsn = re.search(r"postgresql://\S+/dibs_demo", result.stdout)
        assert dsn is not None and dsn.group(0) == mask_dsn(dsn.group(0))
        assert str(tmp_path / "project") in result.stdout and "pending" in result.stdout
        assert (tmp_path / "project" / "db" / "schema.sql").is_file()
        assert not _postgres_running_on(data_dir)

        kept = _cli("demo", "--keep", "--dir", str(tmp_path))  # off a terminal: prints, does not draw
        assert kept.returncode == 0, kept.stderr
        assert "reused" in kept.stdout and "still running" in kept.stdout
        assert _postgres_running_on(data_dir)

        stopped = _cli("demo", "--stop", "--dir", str(tmp_path))
        assert stopped.returncode == 0 and "Stopped" in stopped.stdout
        assert not _postgres_running_on(data_dir)
    finally:
        if _postgres_running_on(data_dir):
            EmbeddedServer(tmp_path / "server").destroy()


def test_generate_says_at_once_that_its_migration_fails_on_the_demo_rows(
    demo: DemoInfo, tmp_path: Path
) -> None:
    """The demo's diff sets issues.reporter_id NOT NULL while 14 issues have none: generate says so as it writes
    the migration, with what to do, and the file stays as generated (migrate would fail on it)."""
    nulls = _q(demo.dsn, "SELECT count(*) AS n FROM issues WHERE reporter_id IS NULL")[0]["n"]
    assert nulls == 14
    folder = tmp_path / "migrations"
    done = subprocess.run(
        [sys.executable, "-m", "dibs_tui.cli", "generate", "fix", demo.dsn, "--migrations", str(folder)],
        capture_output=True,
        text=True,
        cwd=demo.project_dir,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        timeout=180,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 4, done.stderr  # written, but it fails on the rows there now
    [path] = folder.glob("*_fix.sql")
    text = path.read_text()
    [line] = [i for i, s in enumerate(text.splitlines(), 1) if "reporter_id SET NOT NULL" in s]
    assert f"this migration will fail at {path}:{line}: " in done.stderr, done.stderr
    assert "14 rows of public.issues have reporter_id NULL: SET NOT NULL fails" in done.stderr
    assert "to add UPDATE public.issues SET reporter_id = ... WHERE reporter_id IS NULL before" in done.stderr
    assert "IS NULL" not in text  # no backfill added behind the user's back
    assert "may fail" not in done.stderr
    # The CHECK over the column it adds and the partial index over an enum are counted, not left unknown
    assert "could not count" not in done.stderr, done.stderr
    assert "migrate would fail on it" in done.stderr
