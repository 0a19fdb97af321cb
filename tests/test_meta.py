"""Meta tables in every shape the wild has, reconciled with the live catalog; hostile values never break it."""

from __future__ import annotations

import asyncpg

from dibs_tui.core.introspect.read import load_catalog
from dibs_tui.core.meta import meta_tables_ddl
from dibs_tui.core.model import Catalog, MetaStatus, ObjectRef
from tests.pg import execute

LIVE = """
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, nick text);
CREATE TABLE posts (id bigint PRIMARY KEY, author_id bigint REFERENCES users (id));
CREATE INDEX posts_author ON posts (author_id);
CREATE SCHEMA app;
CREATE TABLE app.users (id int);
CREATE TABLE tags (id int);
"""


async def _load(dsn: str) -> Catalog:
    conn = await asyncpg.connect(dsn)
    try:
        return await load_catalog(conn)
    finally:
        await conn.close()


async def test_no_meta_tables_is_normal(db: str) -> None:
    await execute(db, LIVE)
    catalog = await _load(db)
    assert not catalog.meta.present
    users = catalog.relation("public", "users")
    assert users is not None and users.meta_status is MetaStatus.NO_META and users.provenance is None


async def test_documented_shape_provenance_stale_and_untracked(db: str) -> None:
    await execute(
        db,
        LIVE
        + meta_tables_ddl()
        + """
        INSERT INTO __dibs_tables (table_name, source_file, source_line, source_column, doc_comment,
                                   created_by_migration, modified_by_migration)
        VALUES ('users', 'src/models/user.rs', 4, 1, 'User accounts in the system', '20260110_initial-schema',
                '20260117_add-email-verification'),
               ('app.users', 'src/app.rs', 9, NULL, NULL, 'initial', NULL),
               ('posts', 'src/post.rs', 1, 1, NULL, 'initial', NULL),
               ('gone', 'src/gone.rs', 1, 1, NULL, 'initial', NULL);
        INSERT INTO __dibs_columns (table_name, column_name, source_file, source_line, source_column, doc_comment,
                                    created_by_migration)
        VALUES ('users', 'id', 'src/models/user.rs', 7, 5, NULL, 'initial'),
               ('users', 'email', 'src/models/user.rs', 11, 5, 'Login, unique', 'initial'),
               ('users', 'removed', 'src/models/user.rs', 20, 5, NULL, 'initial');
        INSERT INTO __dibs_indices (table_name, index_name, source_file, source_line, columns)
        VALUES ('posts', 'posts_author', 'src/post.rs', 3, '{author_id}'), ('posts', 'old_idx', NULL, NULL, '{x}');
        INSERT INTO __dibs_migrations (name, applied_at, checksum, execution_time_ms, tables_created)
        VALUES ('20260110_initial-schema', '2026-01-10', 'abc', 12, '{users}');
    """,
    )
    catalog = await _load(db)
    users = catalog.relation("public", "users")
    assert users is not None and users.provenance is not None and users.provenance.source is not None
    assert (str(users.provenance.source), users.doc) == (
        "src/models/user.rs:4:1",
        "User accounts in the system",
    )
    assert users.provenance.modified_by == "20260117_add-email-verification"
    email = users.column("email")
    assert email is not None and email.doc == "Login, unique" and email.meta_status is MetaStatus.TRACKED
    nick = users.column("nick")
    assert nick is not None and nick.meta_status is MetaStatus.UNTRACKED and nick.provenance is None
    app_users = catalog.relation("app", "users")
    assert app_users is not None and app_users.provenance is not None
    assert app_users.provenance.source is not None and app_users.provenance.source.file == "src/app.rs"
    posts = catalog.relation("public", "posts")
    assert posts is not None
    index = next(i for i in posts.indexes if i.name == "posts_author")
    assert index.provenance is not None and index.provenance.source is not None
    stale = {(s.kind, s.table, s.name) for s in catalog.meta.stale}
    assert stale == {("table", "gone", "gone"), ("column", "users", "removed"), ("index", "posts", "old_idx")}
    assert ObjectRef("column", "public", "users", "nick") in catalog.meta.untracked
    assert ObjectRef("table", "public", "tags") in catalog.meta.untracked
    assert ObjectRef("table", "public", "posts") not in catalog.meta.untracked
    assert [m.name for m in catalog.meta.migrations] == ["20260110_initial-schema"]
    assert catalog.meta.migrations[0].tables_created == ("users",)


async def test_real_dibs_shape_and_dibs_migrations_only(db: str) -> None:
    """The Rust dibs: nullable sources, where_clause, no tables_* arrays, plus _dibs_migrations."""
    await execute(
        db,
        LIVE
        + """
        CREATE TABLE __dibs_tables (table_name text PRIMARY KEY, source_file text, source_line int,
            source_column int, doc_comment text, created_by_migration text, modified_by_migration text,
            created_at timestamptz NOT NULL DEFAULT now(), modified_at timestamptz NOT NULL DEFAULT now(),
            extra_column_we_do_not_know jsonb);
        CREATE TABLE __dibs_indices (table_name text, index_name text, source_file text, source_line int,
            source_column int, columns text[], is_unique bool, where_clause text);
        CREATE TABLE __dibs_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now(),
            checksum text, execution_time_ms int);
        CREATE TABLE _dibs_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
        INSERT INTO __dibs_tables (table_name) VALUES ('users');
        INSERT INTO __dibs_migrations (name, applied_at) VALUES ('20260101_a', '2026-01-01');
        INSERT INTO _dibs_migrations VALUES ('20260101_a', '2026-01-01'), ('20260102_b', '2026-01-02');
    """,
    )
    catalog = await _load(db)
    assert set(catalog.meta.tables_present) == {
        "__dibs_tables",
        "__dibs_indices",
        "__dibs_migrations",
        "_dibs_migrations",
    }
    assert [(m.name, m.source) for m in catalog.meta.migrations] == [
        ("20260101_a", "__dibs_migrations"),
        ("20260102_b", "_dibs_migrations"),
    ]
    users = catalog.relation("public", "users")
    assert users is not None and users.meta_status is MetaStatus.TRACKED
    assert users.provenance is not None and users.provenance.source is None  # NULL source: no location
    # No __dibs_columns table: columns are not reported untracked (nothing tracks them).
    assert not any(u.kind == "column" for u in catalog.meta.untracked)


async def test_hostile_values_are_data(db: str) -> None:
    await execute(
        db,
        LIVE
        + meta_tables_ddl()
        + """
        INSERT INTO __dibs_tables (table_name, source_file, source_line, doc_comment)
        VALUES ('users', E'../../etc/passwd\\n\\u001b]8;;http://evil\\u0007x', 0, E'[bold]doc[/bold] \\u001b[31m'),
               ('posts', 'a file with spaces.sql', -5, NULL);
        INSERT INTO __dibs_columns (table_name, column_name, source_file, source_line)
        VALUES ('users', 'email', '', 999999);
    """,
    )
    catalog = await _load(db)
    users = catalog.relation("public", "users")
    assert users is not None and users.provenance is not None and users.provenance.source is not None
    assert users.provenance.source.file.startswith("../../etc/passwd\n\x1b]8;;")  # kept verbatim, as data
    assert users.provenance.source.line is None  # line 0 means unknown
    assert users.doc == "[bold]doc[/bold] \x1b[31m"
    posts = catalog.relation("public", "posts")
    assert posts is not None and posts.provenance is not None and posts.provenance.source is not None
    assert posts.provenance.source.line is None
    email = users.column("email")
    assert email is not None and email.provenance is not None and email.provenance.source is None


async def test_upserts_start_a_new_history_for_recreated_objects(db: str) -> None:
    from dibs_tui.core.meta import index_upsert, table_upsert
    from dibs_tui.core.model import Provenance, Relation, RelationKind, SourceLocation

    await execute(
        db,
        LIVE
        + meta_tables_ddl()
        + """
        INSERT INTO __dibs_tables (table_name, source_file, source_line, created_by_migration)
        VALUES ('posts', 'old.sql', 1, 'm1');
        INSERT INTO __dibs_indices (table_name, index_name, source_file, source_line, columns, created_by_migration,
                                    modified_by_migration)
        VALUES ('posts', 'posts_author', 'old.sql', 2, '{author_id}', 'm1', 'm2');
    """,
    )
    posts = Relation("public", "posts", RelationKind.TABLE)
    where = Provenance(SourceLocation("db/schema.sql", 40, 1))
    await execute(db, index_upsert(posts, "posts_author", ["author_id"], False, where, "m3", created=True))
    await execute(db, table_upsert(posts, where, "m3", created=False))
    conn = await asyncpg.connect(db)
    try:
        index = await conn.fetchrow("SELECT * FROM __dibs_indices WHERE index_name = 'posts_author'")
        table = await conn.fetchrow("SELECT * FROM __dibs_tables WHERE table_name = 'posts'")
    finally:
        await conn.close()
    assert index is not None and table is not None
    assert (index["created_by_migration"], index["modified_by_migration"], index["source_line"]) == (
        "m3",
        None,
        40,
    )
    assert (table["created_by_migration"], table["modified_by_migration"]) == ("m1", "m3")
