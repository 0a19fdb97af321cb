"""What spells a name the plan renames in place, as the server will spell it once the rename has run.

PostgreSQL follows a column rename and an enum value's RENAME VALUE by itself: a view, a constraint, an
index, a default or a generated column holds the column's number and the value's OID, not their names, and
prints the new name once renamed. The current catalog still spells the old one, so without this the plan
would drop and make again every such object (a view's OID, grants and readers lost, an index rebuilt).
Each one on the renamed column's table (a view: reading the column, from pg_depend), or spelling the renamed
value as a constant of its type or an element of an array constant (a SQL-standard function body, a domain's
CHECK and default too), is respelled, with both at once where it does both; it is taken so only where
it then is what the desired side has (else it is rebuilt as before). A view's own column named after the
renamed one is renamed too (ALTER VIEW ... RENAME COLUMN: the server would otherwise keep the old name as an
alias), and counts as renamed for the views reading it. In a view, a column written after a table's alias is
respelled only where the alias is the renamed table's: another table's column of that name stays.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from ..model import (
    Catalog,
    Column,
    Constraint,
    ConstraintKind,
    Domain,
    DomainCheck,
    EnumType,
    Index,
    ObjectRef,
    Relation,
    RelationKind,
)
from ..plan import Change, ChangeKind, PlannedStatement
from ..sql import qualified, quote_ident
from .compare_types import renamed_value
from .deparse_drift import across_versions, same_check, same_view_query
from .render import index_head

Respell = Callable[[str], str]
VIEW_KINDS = (RelationKind.VIEW, RelationKind.MATVIEW)
# A string constant (E'' too: the server doubles a quote in both), skipped or replaced whole.
_LITERAL = r"'(?:[^']|'')*'"


def column_respeller(old: str, new: str) -> Respell:
    """`old` as an identifier (not in a string, not a function's or a type's name) written `new`."""
    name = re.escape(quote_ident(old))
    pattern = re.compile(rf"{_LITERAL}|(?<![\w\"$])(?<!::){name}(?![\w\"$(])")
    written = quote_ident(new)
    return lambda text: pattern.sub(lambda m: m[0] if m[0].startswith("'") else written, text)


def view_column_respeller(schema: str, table: str, old: str, new: str) -> Respell:
    """column_respeller for a view's query, where a column written after a table's name or alias (`b.name`: the
    server qualifies every column of a query reading more than one table) is respelled only where that names
    `schema.table`: another table's column of the old name is left as it is. A query that does not parse is
    respelled as a table's part is (and then likely made again)."""
    name = re.escape(quote_ident(old))
    written = quote_ident(new)
    after_qualifier = re.compile(rf"{_LITERAL}|(?<![\w\"$])([\w$]+|\"(?:[^\"]|\"\")+\")\.{name}(?![\w\"$(])")
    alone = re.compile(rf"{_LITERAL}|(?<![\w\"$.])(?<!::){name}(?![\w\"$(])")
    everywhere = column_respeller(old, new)

    def respell(text: str) -> str:
        ours = _spellings_of(text, schema, table)
        if ours is None:
            return everywhere(text)

        def qualified_one(m: re.Match[str]) -> str:
            return m[0] if m[0].startswith("'") or m[1] not in ours else f"{m[1]}.{written}"

        text = after_qualifier.sub(qualified_one, text)
        return alone.sub(lambda m: m[0] if m[0].startswith("'") else written, text)

    return respell


def _spellings_of(query: str, schema: str, table: str) -> set[str] | None:
    """How `query` qualifies the columns of `schema.table`: each alias it gives the table, or its name where it
    gives none, quoted as the server prints them; None when the query does not parse."""
    from ..sqlparse import statement_info  # the parser only for a view reading a renamed column

    info = statement_info(query)
    if info is None:
        return None
    found: set[str] = set()
    stack: list[Any] = [info.node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            read = item.get("RangeVar")
            if (
                isinstance(read, dict)
                and read.get("relname") == table
                and read.get("schemaname") in (None, schema)
            ):
                alias = read.get("alias")
                found.add(quote_ident(alias["aliasname"] if isinstance(alias, dict) else table))
            stack.extend(item.values())
    return found


def value_respeller(enum: EnumType, old: str, new: str) -> Respell:
    """The constant `'old'::<the enum>` written `'new'::<the enum>` (the type with its schema or without), and
    `old` as an element of an array constant `'{...}'::<the enum>[]` written `new` too."""
    type_name = rf"::(?:{re.escape(quote_ident(enum.schema))}\.)?{re.escape(quote_ident(enum.name))}"
    pattern = re.compile(rf"({_LITERAL})(?={type_name}(\[\])?(?![\w\"$.\[]))")
    before, after = _printed_literal(old), _printed_literal(new)

    def one(m: re.Match[str]) -> str:
        if m[1] == before:
            return after
        if not m[2] or not m[1].startswith("'{"):
            return m[1]
        elements = _array_respelled(m[1][1:-1].replace("''", "'"), old, new)
        return m[1] if elements is None else _printed_literal(elements)

    return lambda text: pattern.sub(one, text)


def _printed_literal(text: str) -> str:
    """A constant as the server prints one in a definition: its quotes doubled, never E'' (ruleutils'
    simple_quote_literal under standard_conforming_strings)."""
    return "'" + text.replace("'", "''") + "'"


_ARRAY_SPECIAL = re.compile(r'[{},"\\\s]')


def _array_respelled(text: str, old: str, new: str) -> str | None:
    """An array's text (`{meh,"a b"}`, nested too) with each element `old` written `new`, quoted as array_out
    quotes it; None where the text is not one array_out wrote (then nothing is respelled: it is rebuilt)."""
    out, i = [], 0
    while i < len(text):
        if text[i] in "{},":
            out.append(text[i])
            i += 1
            continue
        if text[i] == '"':
            j, value = i + 1, []
            while j < len(text) and text[j] != '"':
                j += text[j] == "\\"
                value.append(text[j : j + 1])
                j += 1
            if j >= len(text):
                return None
            j += 1
            element: str | None = "".join(value)
        else:
            j = i
            while j < len(text) and not _ARRAY_SPECIAL.match(text[j]):
                j += 1
            if j == i:
                return None
            element = None if text[i:j].upper() == "NULL" else text[i:j]  # NULL: no label, whatever old is
        out.append(_array_element(new) if element == old else text[i:j])
        i = j
    return "".join(out)


def _array_element(label: str) -> str:
    """One element as array_out writes it: quoted when empty, NULL or holding a brace, comma, quote, backslash
    or space; a quote and a backslash escaped inside."""
    if label and label.upper() != "NULL" and not _ARRAY_SPECIAL.search(label):
        return label
    return '"' + label.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tables_respeller(renames: list[tuple[str, str, str]]) -> Respell:
    """Tables renamed in their schemas, (schema, old, new), all at once (two that trade names are each
    written as the other, not both as one): `schema.old`, and `old` as an identifier not after a dot (the
    view's read may spell its tables without their schema), written with `new` (a column named as the table
    is written so too: the result is then not the desired side's, and the view is made again). A bare name
    two of them share is left as it is (which one it means, the view's search_path said)."""
    full = {f"{quote_ident(s)}.{quote_ident(o)}": qualified(s, n) for s, o, n in renames}
    bare: dict[str, str | None] = {}
    for _, o, n in renames:
        bare[quote_ident(o)] = quote_ident(n) if quote_ident(o) not in bare else None
    either = [re.escape(k) for k in sorted(full, key=len, reverse=True)]
    alone = [re.escape(k) for k in sorted(bare, key=len, reverse=True) if bare[k] is not None]
    names = rf"(?P<full>{'|'.join(either)})" + (rf"|(?P<bare>{'|'.join(alone)})" if alone else "")
    pattern = re.compile(rf"{_LITERAL}|(?<![\w\"$.])(?<!::)(?:{names})(?![\w\"$(])")

    def one(m: re.Match[str]) -> str:
        if m[0].startswith("'"):
            return m[0]
        return full[m["full"]] if m["full"] else bare[m["bare"]] or m[0]

    return lambda text: pattern.sub(one, text)


def respell_renamed(
    current: Catalog,
    desired: Catalog,
    tables: list[tuple[str, str, str, str]],
    columns: list[tuple[str, str, str, str, str, str]],
    values: Respell | None = None,
) -> tuple[Catalog, list[PlannedStatement], list[Change]]:
    """`current` (its accepted renames applied) with what spells a renamed column respelled, and the views'
    own columns to rename with it. `tables`: (schema, old, new schema, new), as resolve_renames gives them
    (a view reading a table renamed in its schema is respelled too); `columns`: the column renames as they run
    (rename_order.ColumnHop: through a passing name where columns trade names), respelled in that order; `values` (values_respeller) respells after
    them, for what reads a renamed column and spells a renamed enum value at once."""
    relations = dict(current.relations_by_key)
    steps: list[PlannedStatement] = []
    changes: list[Change] = []
    # What each view reading something renamed must be respelled with; views to weigh (again).
    respellers: dict[tuple[str, str], list[Respell]] = {}
    weigh: list[tuple[str, str]] = []
    across = across_versions(current.server_version, desired.server_version)
    for view, renames in _renamed_tables_read(current, tables).items():
        respellers[view] = [tables_respeller(renames)]
        weigh.append(view)
    # (schema, table, from, to, the name current.dependencies know it by (apply_renames gave the tables'
    # columns their desired names), its live name, its desired name)
    work = [(s, t, a, b, final, origin, final) for s, t, a, b, origin, final in columns]
    original = {view: rel.view_definition for view, rel in relations.items() if rel.kind in VIEW_KINDS}
    renamed: dict[tuple[str, str], list[tuple[str, str]]] = {}  # a view -> (old, new) of what it reads
    # a table -> its columns' respellers, in the order the renames run (each takes a name free by then)
    tables_respellers: dict[tuple[str, str], list[Respell]] = {}
    while work or weigh:
        while work:
            schema, table, step_from, step_to, known_as, origin, final = work.pop(0)
            tables_respellers.setdefault((schema, table), []).append(column_respeller(step_from, step_to))
            in_views = view_column_respeller(schema, table, step_from, step_to)
            for view in _reading_views(current, schema, table, known_as):
                respellers.setdefault(view, []).append(in_views)
                if (origin, final) not in renamed.setdefault(view, []):
                    renamed[view].append((origin, final))
                weigh.append(view)
        if not weigh:
            break
        view = weigh.pop(0)
        now, wanted = relations.get(view), desired.relation(*view)
        if now is None or wanted is None or now.kind not in VIEW_KINDS or now.kind is not wanted.kind:
            continue
        query = original.get(view) or ""
        for respell in respellers[view]:
            query = respell(query)
        query = values(query) if values is not None else query
        if not _same_respelled(query, wanted.view_definition or "", renamed.get(view, []), across):
            continue
        columns_now = now.columns
        for old, new in renamed.get(view, ()):
            before, columns_now = columns_now, _renamed_view_columns(columns_now, wanted, old, new)
            if columns_now != before:
                steps.append(_rename_view_column(now, old, new))
                changes.append(Change(ChangeKind.RENAME, ObjectRef("column", *view, new), "column", old, new))
                work.append((*view, old, new, old, old, new))
        relations[view] = replace(now, view_definition=wanted.view_definition, columns=columns_now)
    for key, respellers_of_table in _down_to_children(current, tables_respellers).items():
        rel, wanted = relations.get(key), desired.relation(*key)
        if rel is not None and wanted is not None and rel.kind not in VIEW_KINDS:
            relations[key] = _respelled_parts(rel, wanted, _in_turn([*respellers_of_table, values]))
    return replace(current, relations=tuple(relations.values())), steps, changes


def _down_to_children(
    current: Catalog, respellers: dict[tuple[str, str], list[Respell]]
) -> dict[tuple[str, str], list[Respell]]:
    """Each table's column respellers, given to its partitions and inheritance children too: RENAME COLUMN
    reaches them, and their indexes (a partitioned index's, attached), CHECKs and defaults read the new name.
    A child that keeps the old name (renamed back) is respelled into nothing the desired side has: kept."""
    children: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for rel in current.relations:
        for parent in (rel.partition_of, *rel.inherits) if rel.partition_of else rel.inherits:
            children.setdefault(parent, []).append(rel.key)
    out = {key: list(found) for key, found in respellers.items()}
    for key, found in respellers.items():
        below = list(children.get(key, ()))
        while below:
            child = below.pop()
            out.setdefault(child, []).extend(found)
            below += children.get(child, ())
    return out


def _renamed_tables_read(
    current: Catalog, tables: list[tuple[str, str, str, str]]
) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """Each view reading a table renamed in its schema -> (schema, old, new) of those it reads."""
    read: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for schema, old, new_schema, new in tables:
        if new_schema == schema and new != old:
            for view in _reading_views(current, schema, new, None):
                read.setdefault(view, []).append((schema, old, new))
    return read


def _in_turn(respellers: list[Respell | None]) -> Respell:
    """Each respeller after the other: a table's renamed columns are respelled together (a CHECK reading two
    of them), in the order their renames run, and then the renamed enum values."""

    def respell(text: str) -> str:
        for one in respellers:
            text = one(text) if one is not None else text
        return text

    return respell


def values_respeller(current: Catalog, desired: Catalog) -> Respell | None:
    """What respells the constants of each enum value the plan renames in place (compare_types), or None."""
    wanted = {e.key: e for e in desired.enums}
    respellers = []
    for enum in current.enums:
        new = wanted.get(enum.key)
        pair = renamed_value(enum.labels, new.labels) if new is not None else None
        if pair is not None:
            respellers.append(value_respeller(enum, *pair))
    if not respellers:
        return None

    def respell(text: str) -> str:
        for one in respellers:
            text = one(text)
        return text

    return respell


def respell_renamed_values(current: Catalog, desired: Catalog, respell: Respell | None) -> Catalog:
    """`current` with the constants of an enum value the plan renames (`values_respeller`) respelled."""
    if respell is None:
        return current
    relations = []
    across = across_versions(current.server_version, desired.server_version)
    for rel in current.relations:
        there = desired.relation(*rel.key)
        if there is not None and rel.kind in VIEW_KINDS and there.kind is rel.kind:
            query = respell(rel.view_definition or "")
            if query != rel.view_definition and same_view_query(
                query, there.view_definition or "", across=across
            ):
                rel = replace(rel, view_definition=there.view_definition)
        relations.append(_respelled_parts(rel, there, respell) if there is not None else rel)
    wanted_domains = {d.key: d for d in desired.domains}
    domains = tuple(_respelled_domain(d, wanted_domains.get(d.key), respell) for d in current.domains)
    return _respelled_functions(
        replace(current, relations=tuple(relations), domains=domains), desired, respell
    )


def _respelled_domain(domain: Domain, wanted: Domain | None, respell: Respell) -> Domain:
    """A domain's CHECKs and default respelled where the desired domain then has the same: a CHECK dropped
    and added again is checked anew against every column of the domain, under their tables' locks."""
    if wanted is None:
        return domain
    checks = tuple(_domain_check(c, wanted.checks, respell) for c in domain.checks)
    default = domain.default
    if default is not None and default != wanted.default and respell(default) == wanted.default:
        default = wanted.default
    if (checks, default) == (domain.checks, domain.default):
        return domain
    return replace(domain, checks=checks, default=default)


def _domain_check(check: DomainCheck, wanted: tuple[DomainCheck, ...], respell: Respell) -> DomainCheck:
    """A domain's CHECK respelled into a desired one's text, the same name first (one under another name is
    renamed by part_renames, which pairs equal texts)."""
    text = respell(check.definition)
    if text == check.definition:
        return check
    alike = [c for c in wanted if same_check(text, c.definition)]
    same = next((c for c in alike if c.name == check.name), alike[0] if alike else None)
    return check if same is None else replace(check, definition=same.definition)


def _respelled_parts(rel: Relation, wanted: Relation, respell: Respell) -> Relation:
    """A table's CHECKs, indexes, defaults and generated columns respelled where the desired table then has
    the same (a constraint or an index maybe under another name: part_renames renames it)."""
    constraints = tuple(_constraint(c, wanted.constraints, respell) for c in rel.constraints)
    indexes = tuple(_index(ix, wanted.indexes, respell) for ix in rel.indexes)
    columns = tuple(_column(c, wanted.column(c.name), respell) for c in rel.columns)
    if (constraints, indexes, columns) == (rel.constraints, rel.indexes, rel.columns):
        return rel
    return replace(rel, constraints=constraints, indexes=indexes, columns=columns)


def _constraint(con: Constraint, wanted: tuple[Constraint, ...], respell: Respell) -> Constraint:
    """A CHECK, key or exclusion constraint (a foreign key is written from its columns: apply_renames)."""
    if con.kind is ConstraintKind.FOREIGN_KEY:
        return con
    text = respell(con.definition)
    if text == con.definition:
        return con
    alike = [c for c in wanted if c.kind is con.kind and same_check(text, c.definition)]
    same = next((c for c in alike if c.name == con.name), alike[0] if alike else None)
    return con if same is None else replace(con, definition=same.definition)


def _index(ix: Index, wanted: tuple[Index, ...], respell: Respell) -> Index:
    """An index whose definition, after ` USING `, is respelled into a desired index's (the same name first):
    its keys, predicate and INCLUDE list are then that index's."""
    tail = ix.definition.partition(" USING ")[2]
    text = respell(tail)
    if text == tail:
        return ix
    alike = [w for w in wanted if w.unique == ix.unique and w.definition.partition(" USING ")[2] == text]
    same = next((w for w in alike if w.name == ix.name), alike[0] if alike else None)
    if same is None:
        return ix
    # the desired side's words but for the name: its table's too, renamed or not
    written = same.definition.replace(index_head(same.name), index_head(ix.name), 1)
    return replace(
        ix,
        columns=same.columns,
        predicate=same.predicate,
        include=same.include,
        options=same.options,
        definition=written,
    )


def _column(col: Column, wanted: Column | None, respell: Respell) -> Column:
    if wanted is None:
        return col
    if col.default is not None and respell(col.default) == wanted.default:
        return replace(col, default=wanted.default)
    if col.generation_expression is not None and respell(col.generation_expression) == (
        wanted.generation_expression
    ):
        return replace(col, generation_expression=wanted.generation_expression)
    return col


def _respelled_functions(current: Catalog, desired: Catalog, respell: Respell) -> Catalog:
    """Functions with a SQL-standard body (RETURN, BEGIN ATOMIC: kept parsed, so followed like a view) that
    are the desired side's once respelled. A body in a string (AS $$...$$) is not followed by the server: it
    is left to be replaced. (Not for a renamed column: a body's SELECT keeps the column's old name as its
    output's, `t.full_name AS fullname`, and a function has no RENAME COLUMN.)"""
    wanted = {(f.schema, f.name, f.identity_arguments): f for f in desired.functions}
    functions = []
    changed = False
    for fn in current.functions:
        key = (fn.schema, fn.name, fn.identity_arguments)
        there = wanted.get(key)
        text = fn.definition
        if (
            there is not None
            and text is not None
            and fn.language == "sql"
            and "\n AS " not in text
            and (respelled := respell(text)) != text
            and respelled == there.definition
        ):
            fn = replace(fn, definition=there.definition)
            changed = True
        functions.append(fn)
    return replace(current, functions=tuple(functions)) if changed else current


def _reading_views(current: Catalog, schema: str, table: str, column: str | None) -> list[tuple[str, str]]:
    """The relations whose query reads the column, or with None the table or any of its columns (pg_depend,
    the accepted renames applied to it)."""
    found = {
        (d.dependent.schema, d.dependent.name)
        for d in current.dependencies
        if d.dependent.kind == "table"
        and (d.referenced.schema, d.referenced.name) == (schema, table)
        and (
            d.referenced.kind in ("table", "column")
            if column is None
            else (d.referenced.kind, d.referenced.sub) == ("column", column)
        )
    }
    return sorted(found)


# A subquery, a CTE or a set operation: their own outputs keep the column's old name (the server prints
# `t.full_name AS fullname` there), which respelling would not say; a join's USING names the column itself.
_INNER_OUTPUTS = re.compile(r"\(\s*SELECT\b|\bWITH\b|\b(?:UNION|INTERSECT|EXCEPT)\b", re.IGNORECASE)
_USING = re.compile(r"\bUSING\s*\(", re.IGNORECASE)


def _same_respelled(query: str, wanted: str, renamed: list[tuple[str, str]], across: bool) -> bool:
    """Whether the respelled query is the desired view's: as it is, or with its output columns keeping the
    old names (`_outputs_kept`). A subquery's or set operation's outputs are not followed (`_names_outputs`).
    `across`: the sides' servers are of different major versions (deparse_drift)."""
    if _names_outputs(query, {new for _, new in renamed}):
        return False
    kept = _outputs_kept(query, renamed)
    return same_view_query(query, wanted, across=across) or same_view_query(kept, wanted, across=across)


# A target list's line up to a column: its indent, SELECT (DISTINCT) on the first, the column's table if named.
_TARGET_HEAD = r"^(\s*(?:SELECT\s+)?(?:DISTINCT\s+)?(?:[\w$]+\.|\"(?:[^\"]|\"\")+\"\.)?)"


def _outputs_kept(query: str, renamed: list[tuple[str, str]]) -> str:
    """A target that is the renamed column alone (a line of its own, as pg_get_viewdef writes the target
    list) made `new AS old`: the server prints so a view whose column was renamed under it (ALTER TABLE ...
    RENAME COLUMN on the desired side), its output keeping the old name; and `new AS new`, what such a view
    respelled back gives, made `new` again."""
    for old, new in renamed:
        target = _TARGET_HEAD + re.escape(quote_ident(new))
        query = re.sub(
            target + r"(,?)$",
            partial(_target, f"{quote_ident(new)} AS {quote_ident(old)}"),
            query,
            flags=re.MULTILINE,
        )
        query = re.sub(
            target + rf" AS {re.escape(quote_ident(new))}(,?)$",
            partial(_target, quote_ident(new)),
            query,
            flags=re.MULTILINE,
        )
    return query


def _target(written: str, m: re.Match[str]) -> str:
    return m[1] + written + m[2]


def _names_outputs(query: str, columns: set[str]) -> bool:
    """Whether the respelled query has an inner query (a subquery, a CTE, a set operation's arm) whose output
    is one of the renamed `columns` by its own name, or a join's USING: such a view is made again, as the
    respelling cannot say what the server prints there. Parsed only when the text holds one of them."""
    if _USING.search(query):
        return True
    if not columns or _INNER_OUTPUTS.search(query) is None:
        return False
    from ..sqlparse import statement_info  # the parser only for a view with an inner query

    info = statement_info(query)
    if info is None:
        return True
    top = info.node.get("SelectStmt", {}) if isinstance(info.node, dict) else {}
    inner = _inner_selects(info.node, top if top.get("op", "SETOP_NONE") == "SETOP_NONE" else None)
    return any(_bare_outputs(select) & columns for select in inner)


def _inner_selects(node: Any, top: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every SELECT in the parse tree but `top` (the view's own, unless it is a set operation)."""
    found: list[dict[str, Any]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            select = item.get("SelectStmt")
            if isinstance(select, dict) and select is not top:
                found.append(select)
            stack.extend(item.values())
    return found


def _bare_outputs(select: dict[str, Any]) -> set[str]:
    """The names a SELECT's targets take from a column written alone (no alias)."""
    names = set()
    for target in select.get("targetList", []):
        res = target.get("ResTarget", {}) if isinstance(target, dict) else {}
        fields = res.get("val", {}).get("ColumnRef", {}).get("fields", []) if "name" not in res else []
        if fields and isinstance(fields[-1], dict) and "String" in fields[-1]:
            names.add(fields[-1]["String"].get("sval", ""))
    return names


def _renamed_view_columns(
    columns: tuple[Column, ...], wanted: Relation, old: str, new: str
) -> tuple[Column, ...]:
    """The view's `columns` with `old` named `new` where the desired view has `new` at its place."""
    there = {c.position: c.name for c in wanted.columns}
    return tuple(
        replace(c, name=new) if c.name == old and there.get(c.position) == new else c for c in columns
    )


def _rename_view_column(view: Relation, old: str, new: str) -> PlannedStatement:
    keyword = "MATERIALIZED VIEW" if view.kind is RelationKind.MATVIEW else "VIEW"
    return PlannedStatement(
        f"ALTER {keyword} {qualified(view.schema, view.name)} RENAME COLUMN {quote_ident(old)} "
        f"TO {quote_ident(new)};",
        ChangeKind.RENAME,
        (ObjectRef("table", view.schema, view.name), ObjectRef("column", view.schema, view.name, new)),
    )
