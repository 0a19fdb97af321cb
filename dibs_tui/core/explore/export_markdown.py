"""The data dictionary in Markdown: the doc coverage summary, then one section per table with its columns,
types, keys, docs, source link, foreign keys and referenced-by.

Every name and doc is text, never Markdown: `|`, backticks, `<`, `*`, `_`, `[`, `#` and the rest are
backslash-escaped, line breaks inside a cell become `<br>`, and control characters visible escapes.
"""

from __future__ import annotations

import re

from ..model import Catalog, Relation
from .selection import Selection, visible

_MARKDOWN = re.compile(r"([\\`*_\[\]<>#|~&])")
_BLOCK_START = re.compile(r"^(\s*)([-+=]|\d+[.)])")  # would start a list, a heading underline


def md(text: str) -> str:
    """`text` as literal Markdown inline text (also safe inside a table cell)."""
    lines = [_MARKDOWN.sub(r"\\\1", visible(line)) for line in text.splitlines() or [""]]
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), "<br>".join(lines))


def markdown(catalog: Catalog, selection: Selection) -> str:
    out = [f"# Data dictionary: {md(catalog.database or 'database')}", ""]
    counts = [(rel, _documented(rel)) for rel in selection.relations]
    done, total = sum(d for _, (d, _) in counts), sum(t for _, (_, t) in counts)
    out += [
        "## Documentation coverage",
        "",
        f"{done} of {total} tables and columns documented ({_percent(done, total)}).",
        "",
        "| table | documented | coverage |",
        "| --- | --- | --- |",
    ]
    out += [f"| {md(f'{r.schema}.{r.name}')} | {d} of {t} | {_percent(d, t)} |" for r, (d, t) in counts]
    out.append("")
    for rel in selection.relations:
        out += _section(catalog, rel)
    return "\n".join(out)


def _percent(done: int, total: int) -> str:
    return f"{100 * done / total:.0f} %" if total else "n/a"


def _documented(rel: Relation) -> tuple[int, int]:
    return int(bool(rel.doc)) + sum(1 for c in rel.columns if c.doc), 1 + len(rel.columns)


def _section(catalog: Catalog, rel: Relation) -> list[str]:
    out = [f"## {md(f'{rel.schema}.{rel.name}')}", "", f"*{md(str(rel.kind))}*", ""]
    if rel.doc:
        out += [md(rel.doc), ""]
    if rel.provenance and rel.provenance.source:
        out += [f"Source: {md(str(rel.provenance.source))}", ""]
    pk = set(rel.primary_key.columns) if rel.primary_key else set()
    fks = {c: con for con in rel.foreign_keys for c in con.columns}
    out += ["| column | type | null | key | doc | source |", "| --- | --- | --- | --- | --- | --- |"]
    for col in rel.columns:
        keys = ["PK"] if col.name in pk else []
        if col.name in fks and (fk := fks[col.name].foreign_key) is not None:
            keys.append(f"FK → {fk.target_schema}.{fk.target_table}")
        source = col.provenance.source if col.provenance and col.provenance.source else None
        out.append(
            f"| {md(col.name)} | {md(col.type)} | {'' if col.not_null else 'yes'} | {md(', '.join(keys))} "
            f"| {md(col.doc or '')} | {md(str(source)) if source else ''} |"
        )
    out.append("")
    incoming = catalog.referenced_by.get(rel.key, ())
    if incoming:
        out += ["Referenced by:", ""]
        out += [
            f"- {md(f'{src.schema}.{src.name}')} ({md(', '.join(con.columns))}) via {md(con.name)}"
            for src, con in incoming
            if not src.is_partition
        ]
        out.append("")
    return out
