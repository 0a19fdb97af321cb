"""What a foreign table adds to a table: its server and options, and its columns' options.

Its columns, constraints and comments are compared as any table's (compare_relations, which writes the
SERVER clause into CREATE FOREIGN TABLE). No ALTER moves a foreign table to another server, so a new server,
or a server re-created under it, re-creates the table: nothing is lost, its rows live on the remote side.
Options change in place: ALTER FOREIGN TABLE ... OPTIONS (SET / ADD / DROP).
"""

from __future__ import annotations

from ..model import ObjectRef
from ..model_objects import Options
from ..plan import ChangeKind
from ..sql import qualified, quote_ident, quote_literal
from .graph import ALTER_TABLES
from .state import PlanState


def option_items(before: Options, after: Options) -> list[str]:
    """`DROP a`, `ADD b 'y'`, `SET c 'z'`: what turns one list of options into the other."""
    old, new = dict(before), dict(after)
    items = [f"DROP {quote_ident(k)}" for k in sorted(old.keys() - new.keys())]
    for k, v in sorted(new.items()):
        if k not in old:
            items.append(f"ADD {quote_ident(k)} {quote_literal(v)}")
        elif old[k] != v:
            items.append(f"SET {quote_ident(k)} {quote_literal(v)}")
    return items


def _recreated_servers(state: PlanState) -> set[str]:
    """Servers the plan drops and makes again (compare_objects): another shape, or their wrapper's."""
    desired = {o.key: o for o in state.desired.objects}

    def remade(kind: str, parents: set[str]) -> set[str]:
        return {
            o.name
            for o in state.current.objects
            if o.kind == kind
            and (
                (new := desired.get(o.key)) is None
                or new.shape != o.shape
                or any(name in parents for _, _, name in o.parents)
            )
        }

    return remade("foreign server", remade("foreign data wrapper", set()))


def plan_foreign_table_moves(state: PlanState) -> None:
    """Before the relations are compared: foreign tables on another (or a re-created) server are re-created."""
    current = state.current.foreign_tables_by_key
    remade = _recreated_servers(state)
    for key, new in state.desired.foreign_tables_by_key.items():
        old = current.get(key)
        if old is not None and (old.server != new.server or old.server in remade):
            state.recreated_tables.add(key)


def plan_foreign_options(state: PlanState) -> None:
    """After the relations: the options of each foreign table and its columns. A table created (or
    re-created) here got its own options in CREATE FOREIGN TABLE; its columns' options are added now."""
    if not state.desired.foreign_tables_by_key:
        return  # none: no need to look through every step for the tables created
    current = state.current.foreign_tables_by_key
    fresh = {(n[1], n[2]) for step in state.steps for n in step.creates if n[0] == "table"}
    for key, new in sorted(state.desired.foreign_tables_by_key.items()):
        old = None if key in fresh else current.get(key)
        name = qualified(*key)
        ref = ObjectRef("table", *key)
        if old is not None and (items := option_items(old.options, new.options)):
            state.change(ChangeKind.ALTER, ref, "foreign table", detail="options")
            state.step(
                ALTER_TABLES,
                f"ALTER FOREIGN TABLE {name} OPTIONS ({', '.join(items)});",
                ChangeKind.ALTER,
                [ref],
            )
        before = dict(old.column_options) if old is not None else {}
        after = dict(new.column_options)
        relation = state.desired.relation(*key)
        for column in sorted(before.keys() | after.keys()):
            if relation is None or relation.column(column) is None:
                continue  # a column dropped takes its options along
            items = option_items(before.get(column, ()), after.get(column, ()))
            if items:
                column_ref = ObjectRef("column", *key, column)
                state.change(ChangeKind.ALTER, column_ref, "column", detail="options")
                state.step(
                    ALTER_TABLES,
                    f"ALTER FOREIGN TABLE {name} ALTER COLUMN {quote_ident(column)} OPTIONS ({', '.join(items)});",
                    ChangeKind.ALTER,
                    [ref, column_ref],
                    needs=[column_ref],
                )
