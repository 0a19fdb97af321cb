"""Hostile names through the explorer: exports (Mermaid, DOT, Markdown) whose structure a name must not
break, terminal escapes in `uses`, `path` and `lint` text, and SQL we print that must run as printed.

Each export is checked by a strict grammar of its own format (no Mermaid parser or `dot` is installed):
every line of the erDiagram is one of the forms the grammar allows, the DOT text parses as one digraph with
exactly the nodes and edges of the schema, and every Markdown table row has its number of cells. What did
not run: functions named like the ones our statistics queries call are never called.
"""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from dibs_tui.cli import main
from dibs_tui.core.sql import quote_ident, quote_literal
from tests.hostile.test_output import NASTY, assert_terminal_safe, cli
from tests.pg import fetch, run_sql

QUOTE = 'a"b'
NEWLINE = "line\nbreak"
ARROW = "x --> y }"
ESCAPED = "t\x1b[2J\u202eesc"
BRACKETS = 'p["q"] {'
COLUMN = 'c"; DROP TABLE ran; --'


def _schema() -> str:
    q = quote_ident
    table_doc = quote_literal(NASTY + ' | ` <script> "quoted"')
    column_doc = quote_literal("two\nlines | pipe")
    return f"""
CREATE TABLE ran (what text);
CREATE FUNCTION public.pg_total_relation_size(regclass) RETURNS bigint LANGUAGE sql
    AS $$ INSERT INTO ran VALUES ('size'); SELECT 0::bigint $$;
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql AS $$ INSERT INTO ran VALUES ('now'); SELECT pg_catalog.now() $$;
CREATE TABLE {q(QUOTE)} (id int PRIMARY KEY, {q(COLUMN)} text);
CREATE TABLE {q(NEWLINE)} (id int PRIMARY KEY, {q(QUOTE)} int REFERENCES {q(QUOTE)} (id));
CREATE TABLE {q(ARROW)} (id int PRIMARY KEY, nl int REFERENCES {q(NEWLINE)} (id));
CREATE TABLE {q(ESCAPED)} (id int PRIMARY KEY, {q(ESCAPED)} int REFERENCES {q(ARROW)} (id));
CREATE TABLE {q(BRACKETS)} (id int PRIMARY KEY, e int REFERENCES {q(ESCAPED)} (id));
COMMENT ON TABLE {q(QUOTE)} IS {table_doc};
COMMENT ON COLUMN {q(QUOTE)}.{q(COLUMN)} IS {column_doc};
CREATE FUNCTION touch() RETURNS void LANGUAGE plpgsql AS $$ BEGIN INSERT INTO {q(QUOTE)} VALUES (1, 'x'); END $$;
"""


NAMES = [QUOTE, NEWLINE, ARROW, ESCAPED, BRACKETS]


@pytest.fixture
def hostile(db: str) -> str:
    run_sql(db, _schema())
    return db


def _nothing_ran(dsn: str) -> None:
    rows = asyncio.run(fetch(dsn, "SELECT count(*) FROM ran"))
    assert rows[0][0] == 0, "a function of the database ran during a read"
    tables = asyncio.run(fetch(dsn, "SELECT count(*) FROM pg_class WHERE relname = 'ran'"))
    assert tables[0][0] == 1


# -- Mermaid -----------------------------------------------------------------------------------------------

_ID = r"[A-Za-z_][A-Za-z0-9_]*"
_WORD = r"[A-Za-z_][A-Za-z0-9_\-\[\]()]*"
_STRING = r'"[^"\n\x00-\x1f\x7f-\x9f]*"'
_ENTITY = re.compile(rf"    ({_ID})\[{_STRING}\] \{{")
_ATTRIBUTE = re.compile(rf"        {_WORD} {_WORD}( (PK|FK|UK)(,(PK|FK|UK))*)?( {_STRING})?")
_RELATION = re.compile(rf"    ({_ID}) (\|o|\|\||\}}o|\}}\|)--(o\{{|\|\{{|o\||\|\|) ({_ID}) : {_STRING}")


def mermaid_errors(text: str) -> list[str]:
    """Every line that is not a form of the erDiagram grammar, and relationships to undeclared entities."""
    lines = text.rstrip("\n").split("\n")
    errors = [] if lines[0] == "erDiagram" else [f"first line {lines[0]!r}"]
    declared: set[str] = set()
    inside = False
    for line in lines[1:]:
        if not inside and (m := _ENTITY.fullmatch(line)):
            declared.add(m.group(1))
            inside = True
        elif inside and line == "    }":
            inside = False
        elif inside and _ATTRIBUTE.fullmatch(line):
            continue
        elif not inside and (m := _RELATION.fullmatch(line)):
            errors += [f"undeclared {e}" for e in (m.group(1), m.group(4)) if e not in declared]
        else:
            errors.append(f"not erDiagram: {line!r}")
    return errors + (["an entity is not closed"] if inside else [])


def test_mermaid_export_of_hostile_names_keeps_to_the_grammar(
    hostile: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", hostile, "--format", "mermaid"]) == 0
    out = capsys.readouterr().out
    assert mermaid_errors(out) == []
    assert out.count("--o{") == 4  # every FK drawn, none lost
    assert '["public.a\'b"]' in out and '["public.line\\x0abreak"]' in out  # named, escaped, one line each
    _nothing_ran(hostile)


def test_the_mermaid_grammar_check_can_fail() -> None:
    assert mermaid_errors('erDiagram\n    a["x"] {\n        int id\n    }\n    a ||--o{ b : "k"\n') == [
        "undeclared b"
    ]
    assert mermaid_errors('erDiagram\n    a["x"y"] {\n    }\n') != []


# -- DOT ---------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r'\s*(?:("(?:[^"\\\n]|\\.)*")|(->)|([{}\[\];=,])|([A-Za-z_][A-Za-z0-9_]*))')


def _tokens(text: str) -> list[str]:
    out, i = [], 0
    while text[i:].strip():
        m = _TOKEN.match(text, i)
        assert m is not None and m.end() > i, f"not DOT at {text[i : i + 40]!r}"
        out.append(m.group(m.lastindex or 0))
        i = m.end()
    return out


def parse_dot(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    """A strict parse of the DOT subset we write: `digraph ID { stmt; ... }` where a statement is an
    attribute statement, a node with attributes, or an edge `ID -> ID [attrs]`. Returns nodes and edges
    with their IDs unescaped."""
    toks = _tokens(text)
    assert toks[:3] == ["digraph", toks[1], "{"] and toks[1].startswith('"') and toks[-1] == "}", toks[:3]
    nodes: set[str] = set()
    edges: set[tuple[str, str]] = set()
    i = 3
    while i < len(toks) - 1:
        head = toks[i]
        if head in ("graph", "node", "edge"):
            i = _attrs(toks, i + 1)
        elif head.startswith('"') and toks[i + 1] == "->":
            assert toks[i + 2].startswith('"')
            edges.add((_unquote(head), _unquote(toks[i + 2])))
            i = _attrs(toks, i + 3)
        elif head.startswith('"'):
            nodes.add(_unquote(head))
            i = _attrs(toks, i + 1)
        else:
            raise AssertionError(f"unexpected {head!r}")
        assert toks[i] == ";", toks[i]
        i += 1
    return nodes, edges


def _attrs(toks: list[str], i: int) -> int:
    assert toks[i] == "["
    i += 1
    while toks[i] != "]":
        assert re.fullmatch(r"[A-Za-z_]+", toks[i]) and toks[i + 1] == "=", toks[i : i + 2]
        assert toks[i + 2].startswith('"') or re.fullmatch(r"[A-Za-z0-9_]+", toks[i + 2])
        i += 3
        if toks[i] == ",":
            i += 1
    return i + 1


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", r"\1", token[1:-1])


def test_dot_export_of_hostile_names_parses_to_the_same_graph(
    hostile: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", hostile, "--format", "dot"]) == 0
    out = capsys.readouterr().out
    nodes, edges = parse_dot(out)
    assert {'public.a"b', "public.line\\x0abreak", "public.x --> y }", "public.t\\x1b[2J\\u202eesc"} <= nodes
    assert ("public.line\\x0abreak", 'public.a"b') in edges and len(edges) == 4
    assert_terminal_safe(out.encode(), "dot")


def test_the_dot_parse_can_fail() -> None:
    with pytest.raises(AssertionError):
        parse_dot('digraph "g" {\n    "a" [label="x"]\n}\n')  # no semicolon
    with pytest.raises(AssertionError):
        parse_dot('digraph "g" {\n    "a"b" [label="x"];\n}\n')


# -- Markdown, uses, path, lint ----------------------------------------------------------------------------


def _cells(row: str) -> int:
    return len(re.findall(r"(?<!\\)\|", row)) - 1


def test_markdown_rows_keep_their_cells(hostile: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", hostile, "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    for line in out.splitlines():
        if line.startswith("| column"):
            width = _cells(line)
        elif line.startswith("|") and not line.startswith("| table") and not line.startswith("| ---"):
            assert _cells(line) in (3, 6), line
    assert width == 6
    assert "two<br>lines \\| pipe" in out and "\\<script\\>" in out and "\x1b" not in out
    assert not any(
        line.startswith("break") for line in out.splitlines()
    )  # the newline in a name forged no line


def test_uses_path_and_lint_text_escape_names(hostile: str) -> None:
    uses = cli("uses", f"public.{quote_ident(QUOTE)}", hostile)  # typed as SQL spells it
    assert uses.returncode == 0
    text = uses.stdout.decode()
    assert "function public.touch()" in text and "found in body" in text
    assert "public.line\\nbreak" in text or "public.line\\x0abreak" in text
    path = cli("path", quote_ident(QUOTE), quote_ident(BRACKETS), hostile, "--format", "json")
    assert path.returncode == 0, path.stderr
    (first, *_) = json.loads(path.stdout)
    rows = asyncio.run(fetch(hostile, f"EXPLAIN {first['sql']}"))  # the quoting holds: it plans as printed
    assert rows
    lint = cli("lint", hostile, "--fail-on", "error")
    assert lint.returncode == 0 and b"undocumented" in lint.stdout
    _nothing_ran(hostile)
    assert (
        asyncio.run(fetch(hostile, f"SELECT count(*) FROM {quote_ident(QUOTE)}"))[0][0] == 0
    )  # touch() never ran


def test_names_printed_with_unicode_escapes_are_accepted_back(hostile: str) -> None:
    """We print a name holding a newline or an escape as U&"..." (core.sql.quote_ident): `uses` and `path`
    take that spelling back, and refuse a broken escape with a message naming it."""
    assert quote_ident(NEWLINE).startswith('U&"') and quote_ident(ESCAPED).startswith('U&"')
    uses = cli("uses", f"public.{quote_ident(NEWLINE)}", hostile, "--format", "json")
    assert uses.returncode == 0, uses.stderr
    assert json.loads(uses.stdout)["name"] == NEWLINE
    spelled_by_hand = "t!001B[2J!202Eesc\" UESCAPE '!'"  # another escape character, as SQL allows
    path = cli("path", f'U&"{spelled_by_hand}', quote_ident(BRACKETS), hostile, "--format", "json")
    assert path.returncode == 0, path.stderr
    assert json.loads(path.stdout)[0]["tables"][0] == f"public.{ESCAPED}"
    column = cli("uses", f"public.{quote_ident(ESCAPED)}.{quote_ident(ESCAPED)}", hostile)
    assert column.returncode == 0, column.stderr
    assert b"\x1b" not in column.stdout + column.stderr
    broken = cli("uses", 'public.U&"t\\12"', hostile)
    assert broken.returncode == 2
    assert b"invalid Unicode escape" in broken.stderr and b"Traceback" not in broken.stderr
    _nothing_ran(hostile)


def test_split_name_reads_names_as_the_server_does(db: str) -> None:
    """Every spelling the server accepts for a name, ours (core.sql.quote_ident) and hand-written U&"..."
    forms, is read by split_name as the server reads it: the table the server created has that name."""
    from dibs_tui.core.explore.names import split_name

    spellings = [
        quote_ident(ESCAPED),
        quote_ident(NEWLINE),
        quote_ident("emoji \U0001f600\t"),
        '"  spaced  "',
        'U&"\\D83D\\DE00 pair"',
        'u&"back\\\\slash ""q"""',
        "U&\"caf!00E9\" UESCAPE '!'",
    ]
    for number, spelling in enumerate(spellings):
        run_sql(db, f"CREATE SCHEMA s{number}; CREATE TABLE s{number}.{spelling} ()")
        (created,) = asyncio.run(
            fetch(db, "SELECT relname FROM pg_class WHERE relnamespace = $1::regnamespace", f"s{number}")
        )
        assert split_name(f" s{number} . {spelling} ") == ([f"s{number}", created[0]], None), spelling
