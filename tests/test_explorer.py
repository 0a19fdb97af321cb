"""The explorer's commands against real schemas: `uses` finds the views, functions and triggers that use a
table and a column (pagila, the demo), `path` prints JOINs that run, `export` writes every format."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dibs_tui.cli import main
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.demo.build import build_demo
from tests.conftest import TEMPLATE
from tests.pg import fetch, run_sql
from tests.realschemas import load_real


@pytest.fixture(scope="module")
def pagila(pg_server: EmbeddedServer) -> Iterator[str]:
    run_sql(
        pg_server.dsn("postgres"), f'CREATE DATABASE explorer_pagila TEMPLATE "{TEMPLATE}" STRATEGY FILE_COPY'
    )
    dsn = pg_server.dsn("explorer_pagila")
    load_real(dsn, "pagila")
    yield dsn
    run_sql(pg_server.dsn("postgres"), "DROP DATABASE IF EXISTS explorer_pagila WITH (FORCE)")


@pytest.fixture(scope="module")
def demo(pg_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    info = build_demo(
        pg_server.dsn("postgres"), "explorer_demo", project_dir=tmp_path_factory.mktemp("demo") / "p"
    )
    yield info.dsn
    run_sql(pg_server.dsn("postgres"), "DROP DATABASE IF EXISTS explorer_demo WITH (FORCE)")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _flat(node: dict[str, object]) -> list[dict[str, object]]:
    children = node["children"]
    assert isinstance(children, list)
    return [node, *(n for child in children for n in _flat(child))]


def test_uses_of_a_pagila_table_lists_views_functions_and_triggers(
    pagila: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "uses", "public.rental", pagila, "--format", "json")
    assert code == 0
    nodes = {(n["what"], n["object"]): n for n in _flat(json.loads(out))}
    assert ("view", "public.sales_by_store") in nodes
    assert ("materialized view", "public.rental_by_category") in nodes
    assert ("trigger", "public.rental.last_updated") in nodes
    fn = nodes[("function", "public.inventory_in_stock(p_inventory_id integer)")]
    assert fn["found_in_body"] is True and "inventory_id" in fn["via"]  # type: ignore[operator]
    # transitively: the functions that call inventory_in_stock hang under it, found in their bodies
    callers = {c["object"] for c in fn["children"]}  # type: ignore[union-attr]
    assert "public.film_in_stock(p_film_id integer, p_store_id integer, OUT p_film_count integer)" in callers
    # partitions' FKs point in
    assert any(w == "foreign key" and o.startswith("public.payment_p2022_01.") for w, o in nodes)  # type: ignore[union-attr]
    # and nothing that does not use rental: film_list reads film, not rental
    assert ("view", "public.film_list") not in nodes


def test_uses_of_a_partitioned_table_name_its_partitions_as_partitions(
    pagila: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """What uses pagila's payment listed `table public.payment_p2022_01` and its siblings: partitions, said as
    plain tables beside the views and functions that read payment."""
    code, out, _ = _run(capsys, "uses", "public.payment", pagila, "--format", "json")
    assert code == 0
    nodes = {n["object"]: n["what"] for n in _flat(json.loads(out))}
    partitions = {
        r["name"]
        for r in asyncio.run(
            fetch(
                pagila,
                "SELECT 'public.' || inhrelid::regclass::text AS name FROM pg_inherits "
                "WHERE inhparent = 'public.payment'::regclass",
            )
        )
    }
    assert len(partitions) > 5 and all(nodes[p] == "partition" for p in partitions), nodes
    assert nodes["public.sales_by_store"] == "view" and "table" not in nodes.values()


def test_uses_of_a_pagila_column_stops_at_what_reads_that_column(
    pagila: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "uses", "public.film.rating", pagila, "--format", "json")
    assert code == 0
    objects = {n["object"] for n in _flat(json.loads(out))}
    assert {"public.film_list", "public.nicer_but_slower_film_list"} <= objects
    assert "public.actor_info" not in objects  # reads film, but not its rating
    _, text, _ = _run(capsys, "uses", "public.film.rating", pagila)
    assert text.splitlines()[0] == "column public.film.rating"
    assert "├─ view public.film_list" in text or "└─ view public.film_list" in text


def test_uses_of_a_function_type_and_sequence(pagila: str, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "uses", "public.last_updated()", pagila, "--format", "json")
    triggers = {n["object"] for n in _flat(json.loads(out)) if n["what"] == "trigger"}
    assert "public.film.last_updated" in triggers and len(triggers) == 15
    _, out, _ = _run(capsys, "uses", "public.mpaa_rating", pagila, "--format", "json")
    assert {"what": "column", "object": "public.film.rating"}.items() <= _by_object(
        out, "public.film.rating"
    ).items()
    _, out, _ = _run(capsys, "uses", "public.film_film_id_seq", pagila, "--format", "json")
    assert _by_object(out, "public.film.film_id")["what"] == "default"


def _by_object(out: str, obj: str) -> dict[str, object]:
    return next(n for n in _flat(json.loads(out)) if n["object"] == obj)


def test_uses_on_the_demo_has_source_lines_and_body_references(
    demo: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "uses", "public.issues", demo, "--format", "json")
    assert code == 0
    root = json.loads(out)
    assert root["source"]["file"] == "db/schema.sql" and root["source"]["line"] > 0
    nodes = {(n["what"], n["object"]) for n in _flat(root)}
    assert ("view", "public.open_issues") in nodes and ("materialized view", "public.project_stats") in nodes
    assert ("trigger", "public.issues.issues_audit") in nodes
    assert ("foreign key", "public.comments.comments_issue_id_fkey") in nodes
    # audit_issue_change() writes audit_log: it uses audit_log, found in its body, and its trigger hangs under it
    _, out, _ = _run(capsys, "uses", "public.audit_log.actor_id", demo, "--format", "json")
    fn = _by_object(out, "public.audit_issue_change()")
    assert fn["found_in_body"] is True
    assert [c["object"] for c in fn["children"]] == ["public.issues.issues_audit"]  # type: ignore[union-attr]
    _, text, _ = _run(capsys, "uses", "public.issues.state", demo)
    assert "view public.open_issues" in text and "index public.issues.issues_project_state_idx" in text


def test_uses_of_an_unknown_or_ambiguous_object_exits_2(
    pagila: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "uses", "public.no_such_table", pagila)
    assert code == 2 and out == "" and "nothing named public.no_such_table" in err
    code, _, err = _run(capsys, "uses", "public.last_updated(integer)", pagila)
    assert code == 2 and "there are: last_updated()" in err
    code, _, err = _run(capsys, "uses", 'public."film', pagila)
    assert code == 2 and "not closed" in err


def _paths(capsys: pytest.CaptureFixture[str], dsn: str, *args: str) -> list[dict[str, object]]:
    code, out, err = _run(capsys, "path", *args, dsn, "--format", "json")
    assert code == 0, err
    result: list[dict[str, object]] = json.loads(out)
    return result


def test_path_joins_run_on_pagila(pagila: str, capsys: pytest.CaptureFixture[str]) -> None:
    paths = _paths(capsys, pagila, "actor", "public.payment")
    assert paths[0]["tables"] == [
        "public.actor",
        "public.film_actor",
        "public.film",
        "public.inventory",
        "public.rental",
        "public.payment",
    ]
    lengths = [len(p["tables"]) for p in paths]  # type: ignore[arg-type]
    assert lengths == sorted(lengths)
    for p in paths:
        rows = asyncio.run(
            fetch(pagila, f"EXPLAIN {p['sql']}")
        )  # the printed SQL plans: names and ONs are right
        assert rows
    _run_counts(pagila, paths[0]["sql"])  # type: ignore[arg-type]


def _run_counts(dsn: str, sql: str) -> None:
    rows = asyncio.run(fetch(dsn, f"SELECT count(*) FROM ({sql.rstrip(';')}) AS q"))
    assert rows[0][0] >= 0


def test_path_joins_run_on_the_demo(demo: str, capsys: pytest.CaptureFixture[str]) -> None:
    paths = _paths(capsys, demo, "comments", "orgs")
    tables = [p["tables"] for p in paths]
    assert tables[0] == ["public.comments", "public.users", "public.orgs"]  # author's default org: 2 joins
    assert [
        "public.comments",
        "public.issues",
        "public.projects",
        "public.orgs",
    ] in tables  # the one-hop-longer path
    for p in paths:
        sql = str(p["sql"]).rstrip(";")
        rows = asyncio.run(fetch(demo, f"SELECT count(*) FROM ({sql}) AS q"))
        assert rows[0][0] > 0  # the demo has data along these keys
    code, out, _ = _run(capsys, "path", "comments", "orgs", demo)
    assert code == 0 and out.startswith(
        "-- path 1 (2 joins): public.comments -> public.users -> public.orgs\n"
    )


def test_a_temporal_keys_path_joins_its_period_by_overlap(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """PostgreSQL 18: a row of a foreign key over a PERIOD references the rows whose ranges cover its own, none
    of them equal to it: joined by `=` on the range, the path found no row."""
    run_sql(
        db,
        """
        CREATE EXTENSION btree_gist;
        CREATE TABLE price (film_id int, valid_at daterange, PRIMARY KEY (film_id, valid_at WITHOUT OVERLAPS));
        CREATE TABLE offer (id int PRIMARY KEY, film_id int, valid_at daterange,
            FOREIGN KEY (film_id, PERIOD valid_at) REFERENCES price (film_id, PERIOD valid_at));
        INSERT INTO price VALUES (1, '[2024-01-01,2024-06-01)'), (1, '[2024-06-01,2025-01-01)');
        INSERT INTO offer VALUES (1, 1, '[2024-05-01,2024-07-01)');
        """,
    )
    [path] = _paths(capsys, db, "offer", "price")
    sql = str(path["sql"])
    assert "price.valid_at && offer.valid_at" in sql and "price.film_id = offer.film_id" in sql, sql
    assert asyncio.run(fetch(db, f"SELECT count(*) FROM ({sql.rstrip(';')}) AS q")) == [(2,)]
    code, out, _ = _run(capsys, "export", db, "--format", "mermaid")
    assert code == 0 and "film_id, PERIOD valid_at -> film_id, PERIOD valid_at" in out, out


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("schema", ["demo", "pagila"])
@pytest.mark.parametrize("around", [[], ["--around", "public.film", "--depth", "2"]], ids=["whole", "around"])
def test_dot_accepts_the_exported_graph(
    schema: str, around: list[str], request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    """Graphviz itself parses and lays out what `export --format dot` writes (a DOT syntax error exits 1)."""
    if around and schema == "demo":
        around = ["--around", "public.issues", "--depth", "2"]
    code, out, _ = _run(capsys, "export", request.getfixturevalue(schema), "--format", "dot", *around)
    assert code == 0
    laid_out = subprocess.run(["dot", "-Tsvg"], input=out, capture_output=True, text=True, timeout=120)
    assert laid_out.returncode == 0, laid_out.stderr
    assert "<svg" in laid_out.stdout and laid_out.stdout.count('class="node"') >= 3


def test_path_without_a_chain_exits_1_and_unknown_table_2(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(db, "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY)")
    code, out, err = _run(capsys, "path", "a", "b", db)
    assert code == 1 and out == "" and "no chain of foreign keys joins a and b" in err
    code, _, err = _run(capsys, "path", "a", "nope", db)
    assert code == 2


def test_a_path_from_a_table_to_itself_is_its_self_reference_or_a_cycle_of_keys(
    pagila: str, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`path film film` said `no chain of foreign keys joins film and film` and exited 1, though a film's
    language and original language make a cycle through language. From a table to itself a path is a chain
    of keys that leaves it and comes back (never out and back along one key), each cycle listed once."""
    paths = _paths(capsys, pagila, "film", "film")
    assert paths[0]["tables"] == ["public.film", "public.language", "public.film"], paths
    assert sorted(paths[0]["foreign_keys"]) == ["film_language_id_fkey", "film_original_language_id_fkey"]
    assert len({frozenset(p["foreign_keys"]) for p in paths}) == len(paths)  # no cycle twice, reversed
    _run_counts(pagila, paths[0]["sql"])  # type: ignore[arg-type]
    code, out, err = _run(capsys, "path", "actor", "actor", pagila)
    assert code == 1 and out == "", out
    assert "no chain of foreign keys leaves actor and comes back to it" in err, err
    run_sql(db, "CREATE TABLE staff (id int PRIMARY KEY, manager_id int REFERENCES staff)")
    [path] = _paths(capsys, db, "staff", "staff")
    assert path["tables"] == ["public.staff", "public.staff"]
    assert "JOIN public.staff AS staff2 ON staff2.id = staff.manager_id" in str(path["sql"]), path


def test_export_writes_each_format_for_a_neighbourhood(
    demo: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = _run(
        capsys, "export", demo, "--format", "mermaid", "--around", "issue_labels", "--depth", "1"
    )
    assert code == 0 and out.startswith("erDiagram\n")
    assert 'public__issue_labels["public.issue_labels"] {' in out
    assert "public__issues ||--o{ public__issue_labels" in out and "public__orgs" not in out
    target = tmp_path / "schema.dot"
    code, out, err = _run(capsys, "export", demo, "--format", "dot", "--output", str(target))
    assert code == 0 and out == "" and "wrote" in err
    assert target.read_text().startswith('digraph "explorer_demo" {')
    # A file that opens but cannot be written: said with its name (the write's error carries none)
    code, out, err = _run(capsys, "export", demo, "--format", "dot", "--output", "/dev/full")
    assert code == 1 and out == "" and "cannot write /dev/full: No space left on device" in err, err
    code, out, _ = _run(capsys, "export", demo, "--format", "markdown")
    assert "## Documentation coverage" in out and "## public.issues" in out.replace("\\", "")
    code, _, err = _run(capsys, "export", demo, "--format", "dot", "--around", "public.open_issues.id")
    assert code == 2 and "not a table" in err


def test_a_tables_own_foreign_key_to_itself_says_the_column_it_goes_through(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tree's parent key (tree.parent -> tree.id) was listed under `uses public.tree` without its `via id`,
    which every other table's key to tree said."""
    run_sql(
        db,
        "CREATE TABLE tree (id int PRIMARY KEY, parent int REFERENCES tree (id));"
        "CREATE TABLE leaf (id int PRIMARY KEY, tree_id int REFERENCES tree (id));",
    )
    code, text, _ = _run(capsys, "uses", "public.tree", db)
    assert code == 0
    lines = [line.split(" ", 1)[1] for line in text.splitlines()[1:]]
    assert "foreign key public.leaf.leaf_tree_id_fkey  via id" in lines, text
    assert "foreign key public.tree.tree_parent_fkey  via id" in lines, text
