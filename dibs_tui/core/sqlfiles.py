"""The desired schema as SQL files: statements with their exact text and position, and where each table,
column, index and constraint (and function, sequence, trigger and policy) is defined, with its doc comment.

Files are read and parsed by `core.sqlparse` (PostgreSQL's own grammar through pglast), which also keeps the
door: a file with a statement a desired schema may not hold is refused here, before anything of it is sent to
any server. Definitions are found in the parse tree, whose nodes keep their positions (ColumnDef, Constraint,
RangeVar), so file:line:col are exact. psql meta-commands are blanked in place and reported as notes. The
desired SQL is then executed by PostgreSQL itself in a shadow database (`core.shadow`), whose errors carry
exact positions.

Doc comments: the block of `--` lines right above a definition (or a `--` comment ending its line), else
its `COMMENT ON`. Unqualified names take the first schema of the last `SET search_path` (default `public`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DibsError
from .model import Provenance, QualifiedName, SourceLocation
from .sqldoor import check_desired
from .sqlparse import ParsedFile, ParsedStatement, Positions, parse_sql, read_sql_file

SQL_SUFFIXES = (".sql",)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a definition starts (1-based line and column) in `file`, with its doc comment."""

    file: str
    line: int
    column: int
    doc: str | None = None

    def provenance(self, project_root: Path | None = None) -> Provenance:
        """As model provenance, the file shown relative to `project_root` when it lies inside it."""
        file = self.file
        if project_root is not None:
            try:
                file = Path(self.file).resolve().relative_to(project_root.resolve()).as_posix()
            except ValueError:
                file = str(Path(self.file).resolve())
        return Provenance(source=SourceLocation(file, self.line, self.column), doc=self.doc)


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement exactly as written (without its `;`), where it starts, and its leading keywords."""

    file: str
    text: str
    line: int
    column: int
    keywords: str  # the first two words as written, e.g. "CREATE TABLE", "CREATE UNIQUE", "COMMENT ON", "DO"
    offset: int = 0  # 0-based character offset of the statement in its file
    kind: str = ""  # from the parse tree: "CREATE TABLE", "CREATE INDEX", "COMMENT ON COLUMN" ...


@dataclass
class DesiredSchema:
    """Everything the SQL files say, by name. Keys are (schema, name) and (schema, table, column)."""

    files: tuple[Path, ...] = ()
    statements: list[Statement] = field(default_factory=list)
    tables: dict[QualifiedName, Place] = field(default_factory=dict)  # tables, views, matviews
    columns: dict[tuple[str, str, str], Place] = field(default_factory=dict)
    indexes: dict[QualifiedName, Place] = field(default_factory=dict)  # (schema, index name)
    index_tables: dict[QualifiedName, QualifiedName] = field(default_factory=dict)  # index -> its table
    constraints: dict[tuple[str, str, str], Place] = field(default_factory=dict)  # (schema, table, name)
    # PRIMARY KEY ("p") and UNIQUE ("u") by column set, named or not: how an implicitly named index
    # (users_pkey, users_email_key) is found again.
    keys: dict[tuple[str, str, str, tuple[str, ...]], Place] = field(default_factory=dict)
    partition_parents: dict[QualifiedName, QualifiedName] = field(default_factory=dict)
    # What the meta tables do not record. Functions by name: overloads share their first definition's place.
    functions: dict[QualifiedName, Place] = field(default_factory=dict)
    sequences: dict[QualifiedName, Place] = field(default_factory=dict)
    triggers: dict[tuple[str, str, str], Place] = field(default_factory=dict)  # (schema, table, name)
    policies: dict[tuple[str, str, str], Place] = field(default_factory=dict)  # (schema, table, name)
    notes: list[str] = field(default_factory=list)

    def table(self, schema: str, name: str) -> Place | None:
        return self.tables.get((schema, name))

    def column(self, schema: str, table: str, column: str) -> Place | None:
        return self.columns.get((schema, table, column))

    def index(self, schema: str, name: str) -> Place | None:
        return self.indexes.get((schema, name))


def sql_files(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given; folders as their `.sql` files in name order (recursively, by relative path).

    A file found in a folder through a symlink that leads out of that folder is refused: a folder of schema
    files is read as it stands, not as whatever its links point at (a file named on its own is read as given).
    """
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            root = path.resolve()
            found = sorted(
                (p for p in path.rglob("*") if p.suffix in SQL_SUFFIXES and p.is_file()),
                key=lambda p: p.relative_to(path).as_posix(),
            )
            for file in found:
                if not file.resolve().is_relative_to(root):
                    raise DibsError(
                        f"{file}: a symlink to {file.resolve()}, outside {path}",
                        hint="copy the file into the folder, or name it on its own",
                    )
            out += found
        elif path.is_file():
            out.append(path)
        else:
            raise missing_or_not_a_file(path, "desired schema")
    return out


def missing_or_not_a_file(path: Path, what: str) -> DibsError:
    """The error for a path that is neither a file nor a folder: missing, or a pipe or device (`<(cat x.sql)`,
    `/dev/stdin` from a pipe), which was called missing: a file here is read more than once, a pipe only once."""
    if not path.exists():
        return DibsError(f"{what} not found: {path}")
    return DibsError(
        f"{what} {path} is a pipe or a device, not a file: it would be read more than once",
        hint="save it to a file and name that file",
    )


def load_sql_files(paths: Sequence[Path | str]) -> DesiredSchema:
    """Read, check and locate every statement of the given files and folders (see the module docstring).

    Every file is read and checked before the first is returned on: a refused statement in the last file
    stops the whole schema.
    """
    files = sql_files(paths)
    parsed = [parse_sql(read_sql_file(path), str(path)) for path in files]
    for one in parsed:
        check_desired(one)
    schema = DesiredSchema(files=tuple(files))
    state = _State()
    for one in parsed:
        _load(one, schema, state)
    for key, doc in state.comment_docs.items():
        _apply_comment_doc(schema, key, doc)
    return schema


def load_sql_text(text: str, file: str = "<sql>") -> DesiredSchema:
    """Where SQL held in memory defines things (the demo's files, tests). No door: nothing of it is run here;
    what runs SQL goes through `load_sql_files` or `migrations.split_statements`."""
    parsed = parse_sql(text, file)
    schema = DesiredSchema()
    state = _State()
    _load(parsed, schema, state)
    for key, doc in state.comment_docs.items():
        _apply_comment_doc(schema, key, doc)
    return schema


@dataclass
class _State:
    search_path: str = "public"
    comment_docs: dict[tuple[str, ...], str] = field(default_factory=dict)


class _Text:
    """Offsets to 1-based line:column, and which lines hold only a `--` comment."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.positions = Positions(text)
        self.lines = text.split("\n")

    def position(self, offset: int) -> tuple[int, int]:
        return self.positions.line_col(offset)

    def doc_above(self, line: int) -> str | None:
        """The contiguous block of `--` lines right above `line`, or a `--` comment ending `line` itself."""
        block: list[str] = []
        n = line - 2
        while n >= 0 and self.lines[n].lstrip().startswith("--"):
            block.append(self.lines[n].lstrip()[2:].strip())
            n -= 1
        if block:
            return "\n".join(reversed(block)).strip() or None
        current = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        trailing = re.search(r"--(.*)$", _strip_quoted(current))
        return trailing.group(1).strip() or None if trailing else None


def _strip_quoted(line: str) -> str:
    """A line with its quoted parts blanked, so `--` inside a string is not taken for a comment."""
    return re.sub(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", lambda m: " " * len(m.group()), line)


_FIRST_WORDS = re.compile(r"([A-Za-z_]+)(?:\s+([A-Za-z_]+))?")


def _load(parsed: ParsedFile, schema: DesiredSchema, state: _State) -> None:
    schema.notes += parsed.notes
    where = _Text(parsed.text)
    for stmt in parsed.statements:
        words = _FIRST_WORDS.match(stmt.text)
        keywords = " ".join(w.upper() for w in words.groups() if w) if words else ""
        schema.statements.append(
            Statement(stmt.file, stmt.text, stmt.line, stmt.column, keywords, stmt.offset, stmt.kind)
        )
        _Definitions(stmt, where, schema, state).read()


PlaceOf = Callable[[int], Place]


def _strings(items: Any) -> list[str]:
    return [i["String"]["sval"] for i in items or () if isinstance(i, dict) and "String" in i]


class _Definitions:
    """The tables, columns, keys and indexes one statement defines, at their places."""

    def __init__(self, stmt: ParsedStatement, where: _Text, schema: DesiredSchema, state: _State) -> None:
        self.stmt, self.where, self.schema, self.state = stmt, where, schema, state

    def at(self, offset: int) -> Place:
        line, column = self.where.position(offset)
        return Place(self.stmt.file, line, column, self.where.doc_above(line))

    def node_place(self, node: dict[str, Any]) -> Place:
        location = node.get("location", -1)
        return self.at(self.stmt.locate(location)) if location >= 0 else self.at(self.stmt.offset)

    def qualify(self, rangevar: dict[str, Any] | None) -> QualifiedName | None:
        if not rangevar or "relname" not in rangevar:
            return None
        return (rangevar.get("schemaname") or self.state.search_path, rangevar["relname"])

    def read(self) -> None:
        node_type, body = self.stmt.node_type, self.stmt.body
        if node_type == "VariableSetStmt":
            self.search_path(body)
        elif node_type in ("CreateStmt", "CreateForeignTableStmt"):
            self.create_table(body.get("base", body) if node_type == "CreateForeignTableStmt" else body)
        elif node_type == "IndexStmt":
            self.create_index(body)
        elif node_type in ("ViewStmt", "CreateTableAsStmt"):
            key = self.qualify(body.get("view") or (body.get("into") or {}).get("rel"))
            if key:
                self.schema.tables.setdefault(key, self.at(self.stmt.offset))
                query = (body.get("query") or {}).get("SelectStmt")
                if query:
                    self.view_columns(key, query)
        elif node_type == "AlterTableStmt" and body.get("objtype") == "OBJECT_TABLE":
            self.alter_table(body)
        elif node_type == "CommentStmt":
            self.comment_on(body)
        else:
            self.routine_or_rule(node_type, body)

    def routine_or_rule(self, node_type: str, body: dict[str, Any]) -> None:
        """Functions, procedures, sequences, triggers and policies: where each is created."""
        place = self.at(self.stmt.offset)
        if node_type == "CreateFunctionStmt":
            names = _strings(body.get("funcname"))
            if names:
                schema = names[0] if len(names) > 1 else self.state.search_path
                self.schema.functions.setdefault((schema, names[-1]), place)
        elif node_type == "CreateSeqStmt":
            key = self.qualify(body.get("sequence"))
            if key:
                self.schema.sequences.setdefault(key, place)
        elif node_type in ("CreateTrigStmt", "CreatePolicyStmt"):
            table = self.qualify(body.get("relation") or body.get("table"))
            name = body.get("trigname") or body.get("policy_name")
            target = self.schema.triggers if node_type == "CreateTrigStmt" else self.schema.policies
            if table and name:
                target.setdefault((*table, name), place)

    def search_path(self, body: dict[str, Any]) -> None:
        if body.get("name") != "search_path" or body.get("kind") != "VAR_SET_VALUE":
            return
        for arg in body.get("args", ()):
            value = (arg.get("A_Const", {}).get("sval") or {}).get("sval", "")
            first = value.split(",")[0].strip().strip('"')
            if first and first != "$user":
                self.state.search_path = first
                return

    def create_table(self, body: dict[str, Any]) -> None:
        key = self.qualify(body.get("relation"))
        if key is None:
            return
        self.schema.tables.setdefault(key, self.at(self.stmt.offset))
        if body.get("partbound") and body.get("inhRelations"):
            parent = self.qualify(body["inhRelations"][0].get("RangeVar"))
            if parent:
                self.schema.partition_parents[key] = parent
        for element in body.get("tableElts", ()):
            self.table_element(key, element)

    def table_element(self, key: QualifiedName, element: dict[str, Any]) -> None:
        if "ColumnDef" in element:
            column = element["ColumnDef"]
            here = self.node_place(column)
            name = column.get("colname", "")
            self.schema.columns.setdefault((*key, name), here)
            for item in column.get("constraints", ()):
                constraint = item.get("Constraint", {})
                if constraint.get("conname"):
                    self.schema.constraints.setdefault(
                        (*key, constraint["conname"]), self.node_place(constraint)
                    )
                kind = {"CONSTR_PRIMARY": "p", "CONSTR_UNIQUE": "u"}.get(constraint.get("contype", ""))
                if kind:
                    self.schema.keys.setdefault((*key, kind, (name,)), here)
        elif "Constraint" in element:
            self.table_constraint(key, element["Constraint"])

    def table_constraint(self, key: QualifiedName, constraint: dict[str, Any]) -> None:
        here = self.node_place(constraint)
        if constraint.get("conname"):
            self.schema.constraints.setdefault((*key, constraint["conname"]), here)
        kind = {"CONSTR_PRIMARY": "p", "CONSTR_UNIQUE": "u"}.get(constraint.get("contype", ""))
        columns = tuple(_strings(constraint.get("keys")))
        if kind and columns:
            self.schema.keys.setdefault((*key, kind, columns), here)

    def create_index(self, body: dict[str, Any]) -> None:
        table = self.qualify(body.get("relation"))
        name = body.get("idxname")
        if table is None or not name:
            return  # unnamed indexes get a generated name: nothing to key them by
        self.schema.indexes.setdefault((table[0], name), self.at(self.stmt.offset))
        self.schema.index_tables.setdefault((table[0], name), table)

    def alter_table(self, body: dict[str, Any]) -> None:
        key = self.qualify(body.get("relation"))
        if key is None:
            return
        for item in body.get("cmds", ()):
            cmd = item.get("AlterTableCmd", {})
            definition = cmd.get("def") or {}
            if cmd.get("subtype") == "AT_AddColumn" and "ColumnDef" in definition:
                self.table_element(key, definition)
            elif cmd.get("subtype") == "AT_AddConstraint" and "Constraint" in definition:
                self.table_constraint(key, definition["Constraint"])

    def view_columns(self, key: QualifiedName, query: dict[str, Any]) -> None:
        """Output columns of the outermost select list, each at its alias, or at its column's last name."""
        targets = [t.get("ResTarget", {}) for t in query.get("targetList", ())]
        starts = [self.stmt.locate(t["location"]) for t in targets if "location" in t]
        froms = [f for f in (query.get("fromClause") or ()) if isinstance(f, dict)]
        stop = self.stmt.offset + len(self.stmt.text)
        for item in froms:
            inner: dict[str, Any] = next(iter(item.values()), {})
            location = inner.get("location", -1)
            if location >= 0:
                stop = min(stop, self.stmt.locate(location))
        for target in targets:
            if "location" not in target:
                continue
            begin = self.stmt.locate(target["location"])
            end = next((s for s in starts if s > begin), stop)
            value = target.get("val") or {}
            name = target.get("name")
            if name is None and "ColumnRef" in value:
                fields = _strings(value["ColumnRef"].get("fields"))
                name = fields[-1] if fields else None
            elif name is None and "FuncCall" in value:
                names = _strings(value["FuncCall"].get("funcname"))
                name = names[-1] if names else None
                end = begin + len(name or "")
            if name:
                at = _find_name(self.where.text, name, begin, end, alias=target.get("name") is not None)
                self.schema.columns.setdefault((*key, name), self.at(at))

    def comment_on(self, body: dict[str, Any]) -> None:
        kind = body.get("objtype")
        comment = body.get("comment")
        obj = body.get("object") or {}
        parts = _strings(obj.get("List", {}).get("items")) if "List" in obj else []
        if not parts or comment is None:
            return
        if kind == "OBJECT_COLUMN" and len(parts) >= 2:
            table = self.qualify({"schemaname": parts[-3] if len(parts) >= 3 else None, "relname": parts[-2]})
            if table:
                self.state.comment_docs[("column", *table, parts[-1])] = comment
        elif kind in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_INDEX"):
            found = self.qualify({"schemaname": parts[-2] if len(parts) >= 2 else None, "relname": parts[-1]})
            if found:
                self.state.comment_docs[("index" if kind == "OBJECT_INDEX" else "table", *found)] = comment


def _find_name(text: str, name: str, begin: int, end: int, *, alias: bool) -> int:
    """Where `name` is written between `begin` and `end`: an alias after its last `AS`, else its last
    occurrence (a column's last part), else `begin`."""
    words = [re.escape(name)] if name.islower() else []
    pattern = "|".join([*words, re.escape('"' + name.replace('"', '""') + '"')])
    flags = re.IGNORECASE if name.islower() else 0
    span = text[begin:end]
    found = [m.start() for m in re.finditer(rf"(?<![\w$])(?:{pattern})(?![\w$])", span, flags)]
    if not found:
        return begin
    if alias:
        after_as = [f for f in found if re.search(r"(?i)\bAS\s*$", span[:f])]
        return begin + (after_as[-1] if after_as else found[-1])
    return begin + found[-1]


def _apply_comment_doc(schema: DesiredSchema, key: tuple[str, ...], doc: str) -> None:
    """COMMENT ON is the doc where no `--` block above the definition gave one."""
    kind, rest = key[0], key[1:]
    targets: dict[str, dict[tuple[str, ...], Place]] = {
        "column": schema.columns,  # type: ignore[dict-item]
        "table": schema.tables,  # type: ignore[dict-item]
        "index": schema.indexes,  # type: ignore[dict-item]
    }
    target = targets[kind]
    found = target.get(rest)
    if found is not None and not found.doc:
        target[rest] = Place(found.file, found.line, found.column, doc)
