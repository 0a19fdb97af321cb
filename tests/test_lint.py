"""`dibs-tui lint`: a database built to hold each kind of finding (next to the object that must not be
reported), one built clean that reports nothing, exit codes per --fail-on, and fixes written as a migration
that `migrate` applies, after which those findings are gone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dibs_tui.cli import main
from tests.pg import on_a_terminal, run_sql

BROKEN = """
CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE);
COMMENT ON TABLE parent IS 'documented';
CREATE TABLE child_unindexed (id int PRIMARY KEY, parent_id int REFERENCES parent (id));
CREATE TABLE child_indexed (id int PRIMARY KEY, parent_id int REFERENCES parent (id));
CREATE INDEX child_indexed_parent_idx ON child_indexed (parent_id);
CREATE TABLE child_wide (id int PRIMARY KEY, parent_id bigint REFERENCES parent (id));
CREATE INDEX child_wide_parent_idx ON child_wide (parent_id);
CREATE TABLE keyless (x int);
CREATE TABLE keyed_by_unique (x int NOT NULL);
CREATE UNIQUE INDEX keyed_by_unique_x ON keyed_by_unique (x);
CREATE TABLE indexed (a int PRIMARY KEY, b int, c int);
CREATE INDEX indexed_b_1 ON indexed (b);
CREATE INDEX indexed_b_2 ON indexed (b);
CREATE INDEX indexed_c ON indexed (c);
CREATE INDEX indexed_c_a ON indexed (c, a);
CREATE TABLE secret (id int PRIMARY KEY);
ALTER TABLE secret ENABLE ROW LEVEL SECURITY;
CREATE TABLE guarded (id int PRIMARY KEY);
ALTER TABLE guarded ENABLE ROW LEVEL SECURITY;
CREATE POLICY guarded_all ON guarded USING (true);
CREATE FUNCTION risky() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
CREATE FUNCTION careful() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE SEQUENCE nearly_full AS integer;
SELECT setval('nearly_full', 2000000000);
CREATE SEQUENCE half_full AS integer;
SELECT setval('half_full', 1000000000);
CREATE SEQUENCE roomy;
SELECT nextval('roomy');
"""

CLEAN = """
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent (id));
CREATE INDEX child_parent_idx ON child (parent_id);
COMMENT ON TABLE parent IS 'Parents.';
COMMENT ON COLUMN parent.id IS 'Key.';
COMMENT ON TABLE child IS 'Children.';
COMMENT ON COLUMN child.id IS 'Key.';
COMMENT ON COLUMN child.parent_id IS 'Whose child.';
CREATE FUNCTION careful() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
"""


def _lint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object], str]:
    code = main(["lint", *args, "--format", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def _objects(report: dict[str, object], check: str) -> set[str]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {f["object"] for f in findings if f["check"] == check}


def test_each_kind_of_finding_and_only_where_it_is(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_sql(db, BROKEN)
    code, report, _ = _lint(capsys, db, "--fail-on", "info", "--unused-after", "0")
    assert code == 1
    assert _objects(report, "fk-without-index") == {"public.child_unindexed.child_unindexed_parent_id_fkey"}
    assert _objects(report, "no-primary-key") == {"public.keyless", "public.keyed_by_unique"}
    assert _objects(report, "duplicate-index") == {"public.indexed.indexed_b_2"}
    assert _objects(report, "redundant-index") == {"public.indexed.indexed_c"}
    assert {"public.indexed.indexed_b_1", "public.indexed.indexed_c_a"} <= _objects(report, "unused-index")
    assert "public.keyed_by_unique.keyed_by_unique_x" not in _objects(report, "unused-index")  # it enforces
    assert _objects(report, "fk-type-mismatch") == {"public.child_wide.parent_id"}
    assert _objects(report, "rls-without-policy") == {"public.secret"}
    assert _objects(report, "security-definer-search-path") == {"public.risky()"}
    assert _objects(report, "sequence-near-exhaustion") == {"public.nearly_full"}
    undocumented = _objects(report, "undocumented")
    assert "public.keyless" in undocumented and "public.parent" in undocumented  # its columns are not
    findings = {(f["check"], f["object"]): f for f in report["findings"]}  # type: ignore[union-attr]
    seq = findings[("sequence-near-exhaustion", "public.nearly_full")]
    assert seq["level"] == "error" and "93%" in seq["message"]
    assert findings[("no-primary-key", "public.keyed_by_unique")]["fix"] == (
        "ALTER TABLE public.keyed_by_unique ADD PRIMARY KEY USING INDEX keyed_by_unique_x;"
    )
    unused = findings[("unused-index", "public.indexed.indexed_b_1")]
    assert "statistics are" in unused["message"] and "old" in unused["message"]
    coverage = report["doc_coverage"]
    assert isinstance(coverage, dict) and coverage["documented"] == 1  # the COMMENT ON TABLE parent


def test_no_index_is_called_unused_before_the_statistics_have_counted_a_week(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The test server's statistics are minutes old: a DROP INDEX advised on that would drop the index a
    weekly report needs. The summary says why none is listed, and how long it waits."""
    run_sql(db, BROKEN)
    _, report, _ = _lint(capsys, db, "--fail-on", "info")
    assert _objects(report, "unused-index") == set()
    assert "too recent to call an index unused (that waits for 7 days)" in str(report["statistics_age"])
    assert _objects(report, "duplicate-index") == {"public.indexed.indexed_b_2"}  # the rest as ever
    main(["lint", db])
    out, _ = capsys.readouterr()
    assert "unused-index" not in out and "too recent to call an index unused" in out.splitlines()[-1]
    _, report, _ = _lint(capsys, db, "--fail-on", "info", "--unused-after", "0")
    assert "public.indexed.indexed_b_1" in _objects(report, "unused-index")


def test_a_keyless_table_with_an_id_column_is_told_to_key_it_not_to_add_another(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A table loaded with an `id` column and no key (seen in the Health tab) was told `ADD COLUMN id
    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`, which fails: the column exists. It is told to key that
    column; the suggestion runs. A table without one still gets the identity column."""
    run_sql(
        db, "CREATE TABLE loaded (id int NOT NULL, body text); INSERT INTO loaded VALUES (1, 'a'), (2, 'b');"
    )
    run_sql(db, "CREATE TABLE keyless (x int);")
    _, report, _ = _lint(capsys, db, "--only", "no-primary-key")
    fixes = {f["object"]: f["fix"] for f in report["findings"]}  # type: ignore[union-attr]
    assert fixes["public.loaded"] == "ALTER TABLE public.loaded ADD PRIMARY KEY (id);"
    assert fixes["public.keyless"].startswith("ALTER TABLE public.keyless ADD COLUMN id bigint GENERATED")
    run_sql(db, fixes["public.loaded"] + fixes["public.keyless"])
    _, report, _ = _lint(capsys, db, "--only", "no-primary-key")
    assert _objects(report, "no-primary-key") == set()


def test_fail_on_levels(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_sql(
        db,
        "CREATE TABLE keyless (x int); COMMENT ON TABLE keyless IS 'k'; COMMENT ON COLUMN keyless.x IS 'x'",
    )
    assert _lint(capsys, db, "--fail-on", "error")[0] == 0  # a warning only
    assert _lint(capsys, db, "--fail-on", "warning")[0] == 1
    assert _lint(capsys, db, "--fail-on", "warning", "--only", "fk-without-index")[0] == 0


def test_a_clean_database_reports_nothing(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_sql(db, CLEAN)
    # The FK's index has been used once: it is not unused (the statistics reach other sessions at commit).
    run_sql(db, "SET enable_seqscan = off; SELECT * FROM child WHERE parent_id = 1")
    code, report, _ = _lint(capsys, db, "--fail-on", "info")
    assert report["findings"] == [] and code == 0
    assert report["doc_coverage"]["documented"] == report["doc_coverage"]["total"] == 5  # type: ignore[index]
    code = main(["lint", db])
    out, _ = capsys.readouterr()
    assert code == 0 and out.startswith("0 findings (error: 0, warning: 0, info: 0); documentation 5 of 5")


def test_fixes_written_as_a_migration_apply_and_clear_the_findings(
    db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run_sql(db, BROKEN)
    folder = tmp_path / "migrations"
    code = main(["lint", db, "--fail-on", "warning", "--write-fixes", "--migrations", str(folder)])
    _, err = capsys.readouterr()
    assert code == 1 and "wrote" in err
    (migration,) = folder.glob("*_health-fixes.sql")
    text = migration.read_text()
    assert (
        "CREATE INDEX CONCURRENTLY child_unindexed_parent_id_idx ON public.child_unindexed (parent_id);"
        in text
    )
    assert "COMMENT ON" not in text  # templates wait for the user's words
    assert main(["migrate", db, "--migrations", str(folder), "--yes"]) == 0
    capsys.readouterr()
    _, report, _ = _lint(capsys, db, "--fail-on", "warning")
    for check in ("fk-without-index", "duplicate-index", "fk-type-mismatch", "security-definer-search-path"):
        assert _objects(report, check) == set(), check
    assert _objects(report, "no-primary-key") == {"public.keyless"}  # its fix needs a decision: not written
    assert _objects(report, "rls-without-policy") == {"public.secret"}


def test_only_the_checks_asked_and_an_unknown_one_exits_2(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(db, BROKEN)
    code, report, _ = _lint(
        capsys,
        db,
        "--only",
        "sequence-near-exhaustion",
        "--only",
        "unused-index",
        "--fail-on",
        "error",
        "--unused-after",
        "0",
    )
    findings = report["findings"]
    assert isinstance(findings, list)
    assert {f["check"] for f in findings} == {"sequence-near-exhaustion", "unused-index"}
    assert code == 1  # nearly_full is an error
    assert report["doc_coverage"]["total"] > 0  # type: ignore[index]  # counted whatever the checks
    code = main(["lint", db, "--only", "fk-without-idx"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert (
        err.startswith("dibs-tui: no check named fk-without-idx (checks: fk-without-index,")
        and err.count("\n") == 1
    )


def test_on_an_80_column_terminal_the_reasons_wrap_between_words_and_piped_they_stay_one_line(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 80 columns the terminal broke lint's and review's long lines wherever the edge fell (`have n` /
    `othing to go on`, `its SHARE lock blo` / `cks writes`). On a terminal their prose wraps at spaces, under
    its label (a fix's SQL is never broken: it is copied); piped, every line stays whole, for grep."""
    run_sql(
        db,
        "CREATE TABLE users (id bigint PRIMARY KEY);"
        "CREATE TABLE issues (id bigint PRIMARY KEY, reporter_id bigint REFERENCES users);",
    )
    monkeypatch.chdir(tmp_path)  # the file named short: a path wider than the line is kept whole
    Path("1_index.sql").write_text("CREATE INDEX issues_reporter_idx ON issues (reporter_id);\n")
    for args in (["lint", db], ["review", "1_index.sql", db, "--no-trace"]):
        code, shown = on_a_terminal(args, 60)
        assert code in (0, 1), shown
        lines = shown.splitlines()
        prose = [line for line in lines if "fix: " not in line and "fix (fill in): " not in line]
        prose = [line for line in prose if not line.startswith("             COMMENT")]  # a fix's SQL: kept
        assert all(len(line) <= 60 for line in prose), shown
        main(args)
        piped = capsys.readouterr().out
        assert any(len(line) > 60 for line in piped.splitlines()), piped

        def words(text: str) -> list[str]:  # the statistics' age moves on between the two runs
            return re.sub(r"\d+ seconds? old", "", " ".join(text.split())).split()

        assert words(shown) == words(piped), (shown, piped)
        if args[0] == "lint":
            assert "        why: deleting or updating a referenced row scans the" in lines, shown
            assert any(line.startswith("             ") for line in lines), shown  # under its label
