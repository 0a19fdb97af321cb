"""The schema (or one table's neighbourhood) as a Mermaid erDiagram or a Graphviz DOT graph.

Names come from the database and may hold anything: quotes, newlines, `-->`, braces. Each format gets its
own escaping: Mermaid entity ids are sanitised to `[A-Za-z_][A-Za-z0-9_]*` (the real name goes in the alias
string, which cannot hold `"`), DOT strings escape `\\` and `"`; control characters become visible escapes.
"""

from __future__ import annotations

import re

from ..model import Catalog, QualifiedName, Relation
from .export_markdown import markdown
from .fkgraph import FkGraph
from .selection import Selection, select, visible

# -- Mermaid -----------------------------------------------------------------------------------------------

_MERMAID_WORD = re.compile(r"[^A-Za-z0-9_]")


def _mermaid_word(text: str, fallback: str) -> str:
    word = _MERMAID_WORD.sub("_", text)
    return word if word and (word[0].isalpha() or word[0] == "_") else f"{fallback}_{word}"


def _mermaid_string(text: str) -> str:
    """A Mermaid quoted string: no `"` can be escaped inside one, so it becomes `'`; no line breaks."""
    return '"' + visible(text).replace('"', "'") + '"'


def _mermaid_type(text: str) -> str:
    # Attribute types allow letters, digits, `_`, `-`, `[]`, `()`, `,`: the rest becomes `_`.
    word = re.sub(r"[^A-Za-z0-9_\-\[\]()]", "_", text.replace(" ", "_"))
    return word if word and (word[0].isalpha() or word[0] == "_") else "t_" + word


def mermaid(selection: Selection) -> str:
    ids: dict[QualifiedName, str] = {}
    used: set[str] = set()
    for rel in selection.relations:
        base = _mermaid_word(f"{rel.schema}__{rel.name}", "e")
        ident, n = base, 2
        while ident in used:
            ident, n = f"{base}_{n}", n + 1
        used.add(ident)
        ids[rel.key] = ident
    lines = ["erDiagram"]
    for rel in selection.relations:
        lines.append(f"    {ids[rel.key]}[{_mermaid_string(f'{rel.schema}.{rel.name}')}] {{")
        lines.extend(_mermaid_columns(rel))
        lines.append("    }")
    for edge in selection.edges:
        source = next(r for r in selection.relations if r.key == edge.source)
        optional = any((c := source.column(name)) is None or not c.not_null for name in edge.source_columns)
        lines.append(
            f"    {ids[edge.target]} {'|o' if optional else '||'}--o{{ {ids[edge.source]} : {_mermaid_string(edge.label())}"
        )
    return "\n".join(lines) + "\n"


def _mermaid_columns(rel: Relation) -> list[str]:
    pk = set(rel.primary_key.columns) if rel.primary_key else set()
    fk = {c for con in rel.foreign_keys for c in con.columns}
    out: list[str] = []
    names: set[str] = set()
    for i, col in enumerate(rel.columns):
        keys = [k for k, member in (("PK", col.name in pk), ("FK", col.name in fk)) if member]
        name = _mermaid_word(col.name, "c")
        name = f"{name}_{i}" if name in names else name
        names.add(name)
        doc = col.doc.strip().splitlines()[0] if col.doc and col.doc.strip() else ""
        comment = ": ".join(p for p in (col.name if name != col.name else "", doc) if p)
        out.append(
            f"        {_mermaid_type(col.type)} {name}"
            + (f" {','.join(keys)}" if keys else "")
            + (f" {_mermaid_string(comment)}" if comment else "")
        )
    return out


# -- DOT ---------------------------------------------------------------------------------------------------


def _dot_string(text: str) -> str:
    """A DOT quoted string that shows `text` as it is, on one line (the label escapes \\n, \\l are ours)."""
    return visible(text).replace("\\", "\\\\").replace('"', '\\"')


def dot(selection: Selection, name: str = "schema") -> str:
    lines = [
        f'digraph "{_dot_string(name)}" {{',
        "    graph [rankdir=LR];",
        '    node [shape=box, fontname="monospace"];',
    ]
    for rel in selection.relations:
        rows = [f"{rel.schema}.{rel.name}", *(f"{c.name} : {c.type}" for c in rel.columns)]
        label = "\\l".join(_dot_string(r) for r in rows) + "\\l"
        lines.append(f'    "{_dot_string(f"{rel.schema}.{rel.name}")}" [label="{label}"];')
    for edge in selection.edges:
        source, target = (f"{s}.{n}" for s, n in (edge.source, edge.target))
        lines.append(
            f'    "{_dot_string(source)}" -> "{_dot_string(target)}" [label="{_dot_string(edge.label())}"];'
        )
    return "\n".join(lines) + "\n}\n"


def export(catalog: Catalog, fmt: str, *, around: QualifiedName | None = None, depth: int = 1) -> str:
    """The export in `fmt` (mermaid, dot, markdown)."""
    graph = FkGraph(catalog)
    selection = select(catalog, graph, around, depth)
    if fmt == "mermaid":
        return mermaid(selection)
    if fmt == "dot":
        return dot(selection, catalog.database or "schema")
    return markdown(catalog, selection)
