"""Hostile names and texts against the diff planner: every identifier, comment, enum label and accepted rename a
schema file or a user supplies ends up in the plan's SQL, which is then run against the user's database.

Each payload closes the quoting it sits in and drops a `victim` table. Each test applies the plan for real,
then asserts the victim's rows and the renamed or commented object's data are still there and the payload's
text arrived verbatim; and each shows the payload is live by running it unquoted at the end, so that it cannot
pass for want of a working trap.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.diffcases.harness import Outcome, converge_dsns
from tests.pg import fetch, run_sql

VICTIM = "CREATE TABLE public.victim (id int PRIMARY KEY);\nINSERT INTO public.victim VALUES (1), (2), (3);\n"


def _victim_rows(dsn: str) -> list[int]:
    return [r["id"] for r in asyncio.run(fetch(dsn, "SELECT id FROM public.victim ORDER BY id"))]


def _victim_exists(dsn: str) -> bool:
    rows = asyncio.run(fetch(dsn, "SELECT to_regclass('public.victim') IS NOT NULL AS present"))
    return bool(rows[0]["present"])


def _plan(
    new_database: Callable[[], str],
    current: str,
    desired: str,
    accepted_renames: tuple[tuple[str, str], ...] = (),
) -> tuple[str, Outcome]:
    """Current and desired loaded, the plan applied to current (the harness checks it converged)."""
    a, b = new_database(), new_database()
    run_sql(a, VICTIM + current)
    run_sql(b, VICTIM + desired)
    return a, converge_dsns(a, b, accepted_renames=accepted_renames)


def _spring(new_database: Callable[[], str], statement: str) -> None:
    """The payload, spliced in without quoting, does drop the victim: the trap is live."""
    dsn = new_database()
    run_sql(dsn, VICTIM)
    run_sql(dsn, statement)
    assert not _victim_exists(dsn)


def test_table_name_closing_its_quotes(new_database: Callable[[], str]) -> None:
    name = 'evil" (id int); DROP TABLE public.victim; --'
    quoted = '"' + name.replace('"', '""') + '"'
    a, outcome = _plan(new_database, "", f"CREATE TABLE public.{quoted} (id int);\n")
    assert _victim_rows(a) == [1, 2, 3]
    rows = asyncio.run(fetch(a, "SELECT relname FROM pg_class WHERE relname = $1", name))
    assert len(rows) == 1
    assert any(name.replace('"', '""') in s.sql for s in outcome.plan)
    _spring(new_database, f'CREATE TABLE public."{name}" (id int);')


def test_comment_closing_its_literal(new_database: Callable[[], str]) -> None:
    text = "x'; DROP TABLE public.victim; --"
    literal = "'" + text.replace("'", "''") + "'"
    a, _ = _plan(
        new_database,
        "CREATE TABLE public.t (id int);\n",
        f"CREATE TABLE public.t (id int);\nCOMMENT ON TABLE public.t IS {literal};\n",
    )
    assert _victim_rows(a) == [1, 2, 3]
    rows = asyncio.run(fetch(a, "SELECT obj_description('public.t'::regclass, 'pg_class') AS c"))
    assert rows[0]["c"] == text
    _spring(new_database, f"COMMENT ON TABLE public.victim IS '{text}';")


def test_enum_label_closing_its_literal(new_database: Callable[[], str]) -> None:
    label = "b'); DROP TABLE public.victim; --"
    literal = "'" + label.replace("'", "''") + "'"
    a, outcome = _plan(
        new_database,
        "CREATE TYPE public.mood AS ENUM ('a');\n",
        f"CREATE TYPE public.mood AS ENUM ('a', {literal});\n",
    )
    assert _victim_rows(a) == [1, 2, 3]
    assert any("ADD VALUE" in s.sql for s in outcome.plan)  # appended in place, not a drop and re-create
    rows = asyncio.run(fetch(a, "SELECT enum_range(NULL::public.mood)::text[] AS labels"))
    assert rows[0]["labels"] == ["a", label]
    _spring(new_database, f"CREATE TYPE public.other AS ENUM ('{label}');")


def test_accepted_table_rename_to_a_hostile_name(new_database: Callable[[], str]) -> None:
    name = 'kept" int; DROP TABLE public.victim; --'
    quoted = '"' + name.replace('"', '""') + '"'
    a, outcome = _plan(
        new_database,
        "CREATE TABLE public.old (id int);\nINSERT INTO public.old VALUES (7), (8);\n",
        f"CREATE TABLE public.{quoted} (id int);\n",
        accepted_renames=(("public.old", f"public.{quoted}"),),
    )
    assert _victim_rows(a) == [1, 2, 3]
    assert not any(s.sql.startswith("DROP TABLE") for s in outcome.plan)
    rows = asyncio.run(fetch(a, f"SELECT id FROM public.{quoted} ORDER BY id"))
    assert [r["id"] for r in rows] == [7, 8]  # renamed, so its rows came along
    _spring(new_database, f'ALTER TABLE public.victim ADD COLUMN "{name}" int;')


def test_accepted_column_rename_with_dots_and_quotes(new_database: Callable[[], str]) -> None:
    new = 'c.d"; DROP TABLE public.victim; --'
    quoted_new = '"' + new.replace('"', '""') + '"'
    a, _ = _plan(
        new_database,
        'CREATE TABLE public.t ("a.b" int);\nINSERT INTO public.t VALUES (5);\n',
        f"CREATE TABLE public.t ({quoted_new} int);\n",
        accepted_renames=(('public.t."a.b"', f"public.t.{quoted_new}"),),
    )
    assert _victim_rows(a) == [1, 2, 3]
    rows = asyncio.run(fetch(a, f"SELECT {quoted_new} AS v FROM public.t"))
    assert [r["v"] for r in rows] == [5]
    _spring(new_database, f'ALTER TABLE public.victim RENAME COLUMN id TO "{new}";')


def test_accepted_column_rename_followed_by_a_view_and_a_check(new_database: Callable[[], str]) -> None:
    """The readers of a column renamed to a hostile name are respelled, not rebuilt: the view keeps its OID and
    its own column is renamed through the same quoting; a string spelling the old name is left as it is."""
    old, new = 'a"b', 'n"); DROP TABLE public.victim; --'
    q_old, q_new = ('"' + n.replace('"', '""') + '"' for n in (old, new))
    table = "CREATE TABLE public.t ({c} int CHECK ({c} > 0), s text CHECK (s <> '{c}'));\n"
    view = "CREATE VIEW public.v AS SELECT {c} FROM public.t;\n"
    a, outcome = _plan(
        new_database,
        table.format(c=q_old) + view.format(c=q_old) + "INSERT INTO public.t VALUES (5, 'x');\n",
        table.format(c=q_new).replace(f"'{q_new}'", f"'{q_old}'") + view.format(c=q_new),
        accepted_renames=((f"public.t.{q_old}", f"public.t.{q_new}"),),
    )
    assert _victim_rows(a) == [1, 2, 3]
    script = "\n".join(s.sql for s in outcome.plan)
    assert "DROP VIEW" not in script and "DROP CONSTRAINT" not in script, script
    assert f"ALTER VIEW public.v RENAME COLUMN {q_old} TO {q_new};" in script
    rows = asyncio.run(fetch(a, f"SELECT {q_new} AS v FROM public.v"))
    assert [r["v"] for r in rows] == [5]


def test_enum_value_renamed_to_a_label_closing_its_array_element_and_literal(
    new_database: Callable[[], str],
) -> None:
    """The label an enum value is renamed to is respelled inside array constants (a domain's CHECK, a table's
    CHECK) as array_out and the server's literals quote it, only to be compared: the plan renames the value
    in place, keeps both CHECKs, and the label arrives verbatim."""
    label = "x\"}'); DROP TABLE public.victim; --\\"
    literal = "'" + label.replace("'", "''") + "'"
    element = '"' + label.replace("\\", "\\\\").replace('"', '\\"').replace("'", "''") + '"'
    schema = (
        "CREATE TYPE public.mood AS ENUM ('a', {v});\n"
        "CREATE DOMAIN public.moods AS public.mood[] CHECK (VALUE <> '{{{e}}}');\n"
        "CREATE TABLE public.t (id int PRIMARY KEY, ms public.moods, CHECK (ms <> '{{a,{e}}}'));\n"
    )
    a, outcome = _plan(
        new_database,
        schema.format(v="'meh'", e="meh") + "INSERT INTO public.t VALUES (1, '{a,a,meh}');\n",
        schema.format(v=literal, e=element),
    )
    assert _victim_rows(a) == [1, 2, 3]
    script = "\n".join(s.sql for s in outcome.plan)
    assert "RENAME VALUE 'meh' TO" in script and "DROP CONSTRAINT" not in script, script
    rows = asyncio.run(fetch(a, "SELECT ms::text[] AS ms FROM public.t"))
    assert rows[0]["ms"] == ["a", "a", label]
    _spring(new_database, f"CREATE TYPE public.other AS ENUM ('{label}');")


def test_indexes_trading_hostile_names(new_database: Callable[[], str]) -> None:
    """Two indexes whose hostile names (63 bytes, multibyte: the passing name is cut on a character) swap are
    renamed through the passing name, quoted, and not rebuilt."""
    one = 'i"; DROP TABLE public.victim; --' + "é" * 15
    two = 'j"; DROP TABLE public.victim; --' + "é" * 15
    q_one, q_two = ('"' + n.replace('"', '""') + '"' for n in (one, two))
    index = "CREATE INDEX {n} ON public.t (a);\nCREATE UNIQUE INDEX {m} ON public.t (b);\n"
    table = "CREATE TABLE public.t (a int, b int);\n"
    a, outcome = _plan(
        new_database,
        table + index.format(n=q_one, m=q_two) + "INSERT INTO public.t VALUES (1, 1);\n",
        table + index.format(n=q_two, m=q_one),
    )
    assert _victim_rows(a) == [1, 2, 3]
    script = "\n".join(s.sql for s in outcome.plan)
    assert all(s.sql.startswith("ALTER INDEX ") for s in outcome.plan) and "__dibs_swap" in script, script
    rows = asyncio.run(
        fetch(
            a,
            "SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indisunique AND indrelid = 't'::regclass",
        )
    )
    assert [r["name"] for r in rows] == [q_one]  # the unique one (on b) now bears the first name
    _spring(new_database, f'ALTER INDEX public.victim_pkey RENAME TO "{one}";')


def test_accepted_rename_of_a_hostile_table_whose_hostile_index_is_renamed(
    new_database: Callable[[], str],
) -> None:
    """A table and its index named to close their quotes, the table's name holding ` USING ` (the index's text
    names the table before its method): the accepted rename renames the table, then the index (part_renames),
    each quoted; nothing rebuilt, the rows kept."""
    old = 'o USING btree" int; DROP TABLE public.victim; --'
    new = 'n USING btree" int; DROP TABLE public.victim; --'
    q_old, q_new = ('"' + n.replace('"', '""') + '"' for n in (old, new))
    q_ix_old, q_ix_new = ('"' + n.replace('"', '""') + ' ix"' for n in (old, new))
    table = "CREATE TABLE public.{t} (id int, a int);\nCREATE INDEX {i} ON public.{t} (a) WHERE a > 0;\n"
    a, outcome = _plan(
        new_database,
        table.format(t=q_old, i=q_ix_old) + f"INSERT INTO public.{q_old} VALUES (1, 1), (2, 2);\n",
        table.format(t=q_new, i=q_ix_new),
        accepted_renames=((f"public.{q_old}", f"public.{q_new}"),),
    )
    assert _victim_rows(a) == [1, 2, 3]
    assert [s.sql for s in outcome.plan] == [
        f"ALTER TABLE public.{q_old} RENAME TO {q_new};",
        f"ALTER INDEX public.{q_ix_old} RENAME TO {q_ix_new};",
    ]
    rows = asyncio.run(fetch(a, f"SELECT a FROM public.{q_new} ORDER BY a"))
    assert [r["a"] for r in rows] == [1, 2]
    _spring(new_database, f'ALTER TABLE public.victim ADD COLUMN "{old}" int;')


def test_hostile_index_made_a_key(new_database: Callable[[], str]) -> None:
    """A unique index whose name closes its quotes becomes the desired side's key of another hostile name
    (ADD CONSTRAINT ... USING INDEX, both quoted): kept, not rebuilt, the rows there."""
    index = 'u"; DROP TABLE public.victim; --'
    key = 'k"; DROP TABLE public.victim; --'
    q_index, q_key = ('"' + n.replace('"', '""') + '"' for n in (index, key))
    a, outcome = _plan(
        new_database,
        f"CREATE TABLE public.t (a int);\nCREATE UNIQUE INDEX {q_index} ON public.t (a);\n"
        "INSERT INTO public.t VALUES (1), (2);\n",
        f"CREATE TABLE public.t (a int, CONSTRAINT {q_key} UNIQUE (a));\n",
    )
    assert _victim_rows(a) == [1, 2, 3]
    assert [s.sql for s in outcome.plan] == [
        f"ALTER TABLE public.t ADD CONSTRAINT {q_key} UNIQUE USING INDEX {q_index};"
    ]
    rows = asyncio.run(fetch(a, "SELECT count(*) AS n FROM public.t"))
    assert rows[0]["n"] == 2
    _spring(new_database, f'ALTER INDEX public.victim_pkey RENAME TO "{index}";')


def test_not_valid_not_null_names_closing_their_quotes(new_database: Callable[[], str]) -> None:
    """A NOT VALID NOT NULL's constraint and column names are spliced into ADD CONSTRAINT and VALIDATE
    CONSTRAINT: quoted, both ways, the NULL there before kept."""
    name = 'nn" NOT NULL id; DROP TABLE public.victim; --'
    column = 'c"; DROP TABLE public.victim; --'
    quoted, col = ('"' + n.replace('"', '""') + '"' for n in (name, column))
    table = f"CREATE TABLE public.t (id int, {col} int);\n"
    added = f"ALTER TABLE public.t ADD CONSTRAINT {quoted} NOT NULL {col} NOT VALID;\n"
    a, outcome = _plan(new_database, table + "INSERT INTO public.t VALUES (1, NULL);\n", table + added)
    assert _victim_rows(a) == [1, 2, 3]
    assert asyncio.run(fetch(a, "SELECT count(*) AS n FROM public.t WHERE id = 1"))[0]["n"] == 1
    assert any(f"ADD CONSTRAINT {quoted} NOT NULL {col} NOT VALID" in s.sql for s in outcome.plan)
    b, outcome = _plan(new_database, table + added, table.replace(" int);", " int NOT NULL);"))
    assert _victim_rows(b) == [1, 2, 3]
    assert any(f"VALIDATE CONSTRAINT {quoted};" in s.sql for s in outcome.plan), outcome.plan
    _spring(
        new_database,
        f'CREATE TABLE public.t (id int); ALTER TABLE public.t ADD CONSTRAINT "{name}" NOT NULL id;',
    )


def test_policy_altered_in_place_under_hostile_names(new_database: Callable[[], str]) -> None:
    """ALTER POLICY splices the policy's, the table's and a role's names and the server's text of USING and
    WITH CHECK: quoted, the policy kept (its comment with it), the rows there."""
    policy, table, role = (f'{kind}" ON public.victim; DROP TABLE public.victim; --' for kind in "ptr")
    quoted_policy, quoted_table, quoted_role = (
        '"' + n.replace('"', '""') + '"' for n in (policy, table, role)
    )
    literal = "'x''); DROP TABLE public.victim; --'"
    run_sql(
        new_database(),
        f"DO $$BEGIN CREATE ROLE {quoted_role}; EXCEPTION WHEN duplicate_object THEN NULL; END$$;",
    )
    base = f"CREATE TABLE public.{quoted_table} (v text);\nALTER TABLE public.{quoted_table} ENABLE ROW LEVEL SECURITY;\n"
    comment = f"COMMENT ON POLICY {quoted_policy} ON public.{quoted_table} IS {literal};\n"
    current = f"CREATE POLICY {quoted_policy} ON public.{quoted_table} FOR UPDATE USING (v <> 'a') WITH CHECK (true);\n"
    desired = (
        f"CREATE POLICY {quoted_policy} ON public.{quoted_table} FOR UPDATE TO {quoted_role} "
        f"USING (v <> {literal}) WITH CHECK (v <> {literal});\n"
    )
    a, outcome = _plan(
        new_database,
        base + current + comment + f"INSERT INTO public.{quoted_table} VALUES ('a');\n",
        base + desired + comment,
    )
    assert _victim_rows(a) == [1, 2, 3]
    assert any(
        s.sql.startswith(f"ALTER POLICY {quoted_policy} ON public.{quoted_table} TO {quoted_role} USING")
        for s in outcome.plan
    ), outcome.plan
    assert not any(s.sql.startswith(("DROP POLICY", "COMMENT ON POLICY")) for s in outcome.plan), outcome.plan
    rows = asyncio.run(
        fetch(
            a,
            "SELECT polname, pg_get_expr(polqual, polrelid) AS q, obj_description(oid, 'pg_policy') AS c "
            "FROM pg_policy",
        )
    )
    text = literal[1:-1].replace("''", "'")
    assert [tuple(r) for r in rows] == [(policy, "(v <> 'x''); DROP TABLE public.victim; --'::text)", text)]
    assert asyncio.run(fetch(a, f"SELECT count(*) AS n FROM public.{quoted_table}"))[0]["n"] == 1
    _spring(
        new_database,
        "CREATE TABLE public.s (v text); ALTER TABLE public.s ENABLE ROW LEVEL SECURITY;\n"
        f"CREATE POLICY s ON public.s USING (v <> '{text}');",
    )


def test_hostile_key_and_domain_check_redefined_under_their_names(new_database: Callable[[], str]) -> None:
    """A unique key, the foreign key on it and a domain CHECK whose names close their quotes, each redefined
    under its name: the passing names made of them, USING INDEX, RENAME CONSTRAINT and VALIDATE CONSTRAINT all
    quoted, the rows kept."""
    key = 'k"; DROP TABLE public.victim; --'
    fk = 'f"; DROP TABLE public.victim; --'
    check = 'c" CHECK (true); DROP TABLE public.victim; --'
    q_key, q_fk, q_check = ('"' + n.replace('"', '""') + '"' for n in (key, fk, check))

    def schema(unique: str, bound: str) -> str:
        return (
            f"CREATE DOMAIN public.pos AS int CONSTRAINT {q_check} CHECK (VALUE > {bound});\n"
            f"CREATE TABLE public.t (a int, b public.pos, CONSTRAINT {q_key} UNIQUE {unique});\n"
            f"CREATE TABLE public.r (a int, CONSTRAINT {q_fk} FOREIGN KEY (a) REFERENCES public.t (a));\n"
        )

    rows = "INSERT INTO public.t VALUES (1, 5), (2, 6); INSERT INTO public.r VALUES (1), (NULL);\n"
    a, outcome = _plan(new_database, schema("(a)", "0") + rows, schema("NULLS NOT DISTINCT (a)", "1"))
    assert _victim_rows(a) == [1, 2, 3]
    written = [s.sql for s in outcome.plan]
    assert f"ALTER TABLE public.t ADD CONSTRAINT {q_key} UNIQUE USING INDEX " in "\n".join(written), written
    assert f"ALTER TABLE public.r VALIDATE CONSTRAINT {q_fk};" in written
    assert any(s.startswith("ALTER DOMAIN public.pos RENAME CONSTRAINT ") for s in written), written
    counted = "SELECT (SELECT count(*) FROM public.t) AS t, (SELECT count(*) FROM public.r) AS r"
    assert [tuple(r) for r in asyncio.run(fetch(a, counted))] == [(2, 2)]
    _spring(new_database, f'CREATE DOMAIN public.d AS int CONSTRAINT "{check}" CHECK (VALUE > 0);')


def test_a_key_handed_over_when_its_passing_name_is_taken(new_database: Callable[[], str]) -> None:
    """A unique key that becomes a plain unique index is built first under a passing name: a live index
    already holds that name (and both hold a newline), so another is chosen and the taken one is kept."""
    key = '"uk\nFORGED line"'
    taken = '"uk\nFORGED line__dibs_swap"'
    table = "CREATE TABLE public.t (k int, j int{});\nINSERT INTO public.t VALUES (1, 1), (2, 2);\n"
    a, outcome = _plan(
        new_database,
        table.format(f", CONSTRAINT {key} UNIQUE (k)") + f"CREATE INDEX {taken} ON public.t (j);\n",
        table.format("")
        + f"CREATE UNIQUE INDEX {key} ON public.t (k);\nCREATE INDEX {taken} ON public.t (j);\n",
    )
    assert _victim_rows(a) == [1, 2, 3]
    rows = asyncio.run(
        fetch(
            a,
            "SELECT c.relname, pg_get_indexdef(c.oid) AS def, con.conname IS NOT NULL AS is_key FROM pg_class c "
            "JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_constraint con ON con.conindid = c.oid "
            "WHERE i.indrelid = 'public.t'::regclass ORDER BY 1",
        )
    )
    assert [(r["relname"], r["is_key"]) for r in rows] == [
        ("uk\nFORGED line", False),
        ("uk\nFORGED line__dibs_swap", False),
    ]
    assert "(j)" in rows[1]["def"]  # the taken name still names the index on j
    assert any("__dibs_swap2" in s.sql for s in outcome.plan), [s.sql for s in outcome.plan]
    assert [r["k"] for r in asyncio.run(fetch(a, "SELECT k FROM public.t ORDER BY k"))] == [1, 2]
