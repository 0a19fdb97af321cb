"""Source lines for what the meta tables do not record: a project whose schema file defines a function, a
trigger, a policy, a sequence, a view and an index, its database built from that file; `lint` places each
finding on its object's line (not its table's) and `uses` places each node. Without the configured file,
the same findings have no line for the function (nothing records one) and the index falls back to nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from dibs_tui.cli import main
from tests.pg import execute, run_sql
from tests.ui_pilot import tab_pane

SCHEMA = """\
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent);
CREATE INDEX child_again ON child (id);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
AS $$ BEGIN PERFORM 1 FROM parent; RETURN NEW; END $$;
CREATE TRIGGER child_touch BEFORE INSERT ON child FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE child ENABLE ROW LEVEL SECURITY;
CREATE POLICY child_all ON child USING (true);
CREATE SEQUENCE counter AS integer;
CREATE VIEW child_view AS SELECT id, parent_id FROM child;
"""


def _line(start: str) -> int:
    return next(n for n, text in enumerate(SCHEMA.splitlines(), 1) if text.startswith(start))


def _lint(capsys: pytest.CaptureFixture[str], db: str) -> dict[tuple[str, str], dict[str, object]]:
    main(["lint", db, "--format", "json", "--fail-on", "info"])
    return {(f["check"], f["object"]): f for f in json.loads(capsys.readouterr().out)["findings"]}


def _nodes(node: dict[str, object]) -> list[dict[str, object]]:
    children = node["children"]
    assert isinstance(children, list)
    return [node, *(n for c in children for n in _nodes(c))]


@pytest.fixture
def project(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "schema.sql").write_text(SCHEMA)
    run_sql(db, SCHEMA + "SELECT setval('counter', 2100000000);")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_findings_are_placed_on_their_objects_lines(
    db: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = _lint(capsys, db)
    assert bare[("security-definer-search-path", "public.touch()")]["source"] is None
    assert bare[("duplicate-index", "public.child.child_again")]["source"] is None

    (project / "dibs-tui.toml").write_text('schema = ["schema.sql"]\n')
    found = _lint(capsys, db)
    expected = {
        ("security-definer-search-path", "public.touch()"): _line("CREATE FUNCTION touch"),
        ("sequence-near-exhaustion", "public.counter"): _line("CREATE SEQUENCE counter"),
        ("duplicate-index", "public.child.child_again"): _line("CREATE INDEX child_again"),
        ("undocumented", "public.child"): _line("CREATE TABLE child"),
    }
    for key, line in expected.items():
        assert found[key]["source"] == {"file": "schema.sql", "line": line}, key


def test_uses_nodes_are_placed_on_their_objects_lines(
    db: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "dibs-tui.toml").write_text('schema = ["schema.sql"]\n')
    assert main(["uses", "public.child", db, "--format", "json"]) == 0
    nodes = {n["object"]: n for n in _nodes(json.loads(capsys.readouterr().out))}
    for obj, line in (
        ("public.child.child_touch", _line("CREATE TRIGGER child_touch")),
        ("public.child.child_all", _line("CREATE POLICY child_all")),
        ("public.child_view", _line("CREATE VIEW child_view")),
    ):
        assert nodes[obj]["source"] == {"file": "schema.sql", "line": line}, obj
    assert main(["uses", "public.child.id", db, "--format", "json"]) == 0
    nodes = {n["object"]: n for n in _nodes(json.loads(capsys.readouterr().out))}
    assert nodes["public.child.child_again"]["source"] == {
        "file": "schema.sql",
        "line": _line("CREATE INDEX child_again"),
    }
    assert main(["uses", "public.parent", db, "--format", "json"]) == 0
    nodes = {n["object"]: n for n in _nodes(json.loads(capsys.readouterr().out))}
    assert nodes["public.touch()"]["source"] == {"file": "schema.sql", "line": _line("CREATE FUNCTION touch")}


async def test_the_health_tab_reports_what_lint_reports(
    db: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Same database, same project: the same findings, placed on the same lines, the bigint sequence behind
    an integer column included (read only when asked for by name)."""
    (project / "dibs-tui.toml").write_text('schema = ["schema.sql"]\n')
    await execute(
        db,
        "CREATE TABLE narrow (id int PRIMARY KEY);"
        "CREATE SEQUENCE narrow_id_seq AS bigint OWNED BY narrow.id;"
        "ALTER TABLE narrow ALTER COLUMN id SET DEFAULT nextval('narrow_id_seq');"
        "SELECT setval('narrow_id_seq', 2000000000);",
    )
    from dibs_tui.commands.lint import finding_json
    from dibs_tui.config import load_settings
    from dibs_tui.core.connect import resolve
    from dibs_tui.ui.app import DibsApp
    from dibs_tui.ui.health_pane import HealthPane
    from tests.ui_pilot import loaded, wait_for

    cli = await asyncio.to_thread(_lint, capsys, db)  # the command runs its own event loop
    app = DibsApp(resolve(db), load_settings(project), header_label="dibs_test")
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        pane = await tab_pane(pilot, "H", HealthPane)
        await wait_for(pilot, lambda: pane.report is not None, limit=60)
        assert pane.report is not None
        tab = {(f.check, f.object): finding_json(f) for f in pane.report.findings}

    def comparable(findings: dict[tuple[str, str], dict[str, object]]) -> dict[tuple[str, str], object]:
        # The unused-index message states the statistics' age, read a moment apart.
        return {k: {**f, "message": None} if k[0] == "unused-index" else f for k, f in findings.items()}

    assert comparable(tab) == comparable(cli)
    assert ("sequence-near-exhaustion", "public.narrow_id_seq") in tab
    assert tab[("security-definer-search-path", "public.touch()")]["source"] == {
        "file": "schema.sql",
        "line": _line("CREATE FUNCTION touch"),
    }


async def test_the_uses_screen_places_nodes_as_uses_does(db: str, project: Path) -> None:
    """`u` in the browser reads the configured schema files as `dibs-tui uses` does: the trigger is placed on
    its CREATE TRIGGER's line, not on its table's (which the meta rows alone would give)."""
    (project / "dibs-tui.toml").write_text('schema = ["schema.sql"]\n')
    from dibs_tui.config import load_settings
    from dibs_tui.core.connect import resolve
    from dibs_tui.ui.app import DibsApp
    from dibs_tui.ui.explorer.uses_screen import UsesScreen
    from tests.ui_pilot import goto, loaded, wait_for

    app = DibsApp(resolve(db), load_settings(project), header_label="dibs_test")
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        await goto(pilot, "child")
        await pilot.press("u")
        await wait_for(pilot, lambda: "use it" in str(app.screen.query_one("#uses-status").render()))
        assert isinstance(app.screen, UsesScreen)
        labels = [str(n.label) for n in app.screen.query_one("#uses-tree").root.children]  # type: ignore[attr-defined]
    trigger = next(label for label in labels if label.startswith("trigger child.child_touch"))
    assert f"schema.sql:{_line('CREATE TRIGGER child_touch')}:" in trigger
    view = next(label for label in labels if label.startswith("view child_view"))
    assert f"schema.sql:{_line('CREATE VIEW child_view')}:" in view
