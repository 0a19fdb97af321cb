"""diff_catalogs on hand-built models: ordering, quoting, rename suggestions and accepted renames (no I/O)."""

from __future__ import annotations

import dataclasses

import pytest

from dibs_tui.core.diff import diff_catalogs
from dibs_tui.core.model import (
    Catalog,
    Column,
    Constraint,
    ConstraintKind,
    Dependency,
    EnumType,
    ForeignKey,
    ObjectRef,
    Relation,
    RelationKind,
    Schema,
)
from dibs_tui.core.plan import ChangeKind


def table(
    name: str, *columns: Column, constraints: tuple[Constraint, ...] = (), schema: str = "public"
) -> Relation:
    return Relation(schema, name, RelationKind.TABLE, columns=columns, constraints=constraints)


def col(name: str, type_: str = "integer", position: int = 1, **kw: object) -> Column:
    return Column(position, name, type_, **kw)  # type: ignore[arg-type]


def fk(name: str, column: str, target: str) -> Constraint:
    return Constraint(
        name,
        ConstraintKind.FOREIGN_KEY,
        (column,),
        f"FOREIGN KEY ({column}) REFERENCES {target}(id)",
        foreign_key=ForeignKey("public", target, ("id",)),
    )


def pk(name: str) -> Constraint:
    return Constraint(name, ConstraintKind.PRIMARY_KEY, ("id",), "PRIMARY KEY (id)")


PUBLIC = (Schema("public"),)


def sqls(current: Catalog, desired: Catalog, **kw: object) -> list[str]:
    return [s.sql for s in diff_catalogs(current, desired, **kw)[1]]  # type: ignore[arg-type]


def test_identical_catalogs_have_no_plan() -> None:
    cat = Catalog(schemas=PUBLIC, relations=(table("t", col("a")),))
    assert diff_catalogs(cat, cat) == ((), (), ())


def test_column_order_is_not_a_difference() -> None:
    a = Catalog(schemas=PUBLIC, relations=(table("t", col("a", position=1), col("b", "text", position=2)),))
    b = Catalog(schemas=PUBLIC, relations=(table("t", col("b", "text", position=1), col("a", position=2)),))
    assert sqls(a, b) == []


def test_foreign_keys_come_after_both_tables_of_a_cycle() -> None:
    x = table("x", col("id"), col("y_id", position=2), constraints=(pk("x_pkey"), fk("x_y", "y_id", "y")))
    y = table("y", col("id"), col("x_id", position=2), constraints=(pk("y_pkey"), fk("y_x", "x_id", "x")))
    plan = sqls(Catalog(schemas=PUBLIC), Catalog(schemas=PUBLIC, relations=(x, y)))
    creates = [i for i, s in enumerate(plan) if s.startswith("CREATE TABLE")]
    fks = [i for i, s in enumerate(plan) if "FOREIGN KEY" in s]
    pks = [i for i, s in enumerate(plan) if "PRIMARY KEY" in s]
    assert len(creates) == 2 and len(fks) == 2
    assert max(creates) < min(pks) <= max(pks) < min(fks)


def test_dependent_view_dropped_before_column_retype_and_recreated_after() -> None:
    view = Relation(
        "public", "v", RelationKind.VIEW, columns=(col("a"),), view_definition=" SELECT a FROM t;"
    )
    dep = Dependency(ObjectRef("table", "public", "v"), ObjectRef("column", "public", "t", "a"))
    a = Catalog(schemas=PUBLIC, relations=(table("t", col("a")), view), dependencies=(dep,))
    b = Catalog(schemas=PUBLIC, relations=(table("t", col("a", "bigint")), view), dependencies=(dep,))
    plan = sqls(a, b)
    assert plan[0] == "DROP VIEW public.v;"
    assert "ALTER COLUMN a TYPE bigint;" in plan[1]
    assert plan[2].startswith("CREATE VIEW public.v AS")


def test_hostile_identifiers_are_quoted() -> None:
    b = Catalog(
        schemas=(*PUBLIC, Schema("My Schema")),
        relations=(table('we"ird', col("Col A"), col("select", "text", 2), schema="My Schema"),),
    )
    plan = sqls(Catalog(schemas=PUBLIC), b)
    assert plan[0] == 'CREATE SCHEMA "My Schema";'
    assert plan[1].startswith('CREATE TABLE "My Schema"."we""ird" (\n    "Col A" integer,\n    "select" text')


def test_enum_values_added_in_place_and_marked_non_transactional() -> None:
    a = Catalog(schemas=PUBLIC, enums=(EnumType("public", "mood", ("sad", "happy")),))
    b = Catalog(schemas=PUBLIC, enums=(EnumType("public", "mood", ("sad", "ok", "happy")),))
    _, plan, _ = diff_catalogs(a, b)
    assert [(s.sql, s.transactional) for s in plan] == [
        ("ALTER TYPE public.mood ADD VALUE 'ok' AFTER 'sad';", False)
    ]


def test_one_enum_value_changed_in_place_is_renamed_two_are_not_paired() -> None:
    """One value renamed keeps the type and its rows; two changed at once could be any pairing, so the type
    is re-created (rows holding a removed value are refused, not silently relabelled)."""
    a = Catalog(schemas=PUBLIC, enums=(EnumType("public", "mood", ("sad", "meh", "happy")),))
    one = Catalog(schemas=PUBLIC, enums=(EnumType("public", "mood", ("sad", "okay", "happy")),))
    assert sqls(a, one) == ["ALTER TYPE public.mood RENAME VALUE 'meh' TO 'okay';"]
    two = Catalog(schemas=PUBLIC, enums=(EnumType("public", "mood", ("glum", "okay", "happy")),))
    assert "ALTER TYPE public.mood RENAME TO mood__dibs_old;" in sqls(a, two)
    swapped = Catalog(schemas=PUBLIC, enums=(EnumType("public", "mood", ("sad", "happy", "meh")),))
    assert not any("RENAME VALUE" in s for s in sqls(a, swapped))


def test_renames_are_suggested_not_applied_unless_accepted() -> None:
    cols = (col("id"), col("email", "text", 2, not_null=True), col("name", "text", 3))
    a = Catalog(schemas=PUBLIC, relations=(table("customers", *cols),))
    b = Catalog(schemas=PUBLIC, relations=(table("clients", *cols),))
    changes, plan, renames = diff_catalogs(a, b)
    assert [(r.kind, r.old, r.new) for r in renames] == [("table", "customers", "clients")]
    assert renames[0].confidence >= 0.75
    assert any(c.destructive and c.kind is ChangeKind.DROP for c in changes)
    assert "DROP TABLE public.customers;" in [s.sql for s in plan]
    accepted = sqls(a, b, accepted_renames=[renames[0].accept_arg])
    # the server keeps the NOT NULL's name through the table's rename: renamed to the desired one after it
    assert accepted == [
        "ALTER TABLE public.customers RENAME TO clients;",
        "ALTER TABLE public.clients RENAME CONSTRAINT customers_email_not_null TO clients_email_not_null;",
    ]


def test_a_table_moved_to_another_schema_is_suggested_and_accepted_as_set_schema() -> None:
    cols = (col("id"), col("email", "text", 2, not_null=True))
    both = (Schema("public"), Schema("billing"))
    a = Catalog(schemas=both, relations=(table("invoices", *cols),))
    b = Catalog(schemas=both, relations=(table("invoices", *cols, schema="billing"),))
    _, plan, renames = diff_catalogs(a, b)
    assert [(r.kind, r.old_schema, r.schema, r.old, r.new) for r in renames] == [
        ("table", "public", "billing", "invoices", "invoices")
    ]
    assert renames[0].accept_arg == ("public.invoices", "billing.invoices")
    assert "DROP TABLE public.invoices;" in [s.sql for s in plan]
    assert sqls(a, b, accepted_renames=[renames[0].accept_arg]) == [
        "ALTER TABLE public.invoices SET SCHEMA billing;"
    ]
    # Renamed and moved: the name is changed where it is free, then the table moves.
    c = Catalog(schemas=both, relations=(table("bills", *cols, schema="billing"),))
    assert sqls(a, c, accepted_renames=[("public.invoices", "billing.bills")]) == [
        "ALTER TABLE public.invoices RENAME TO bills;",
        "ALTER TABLE public.bills SET SCHEMA billing;",
        "ALTER TABLE billing.bills RENAME CONSTRAINT invoices_email_not_null TO bills_email_not_null;",
    ]
    # Another schema and another name: not suggested (a move keeps its name).
    assert diff_catalogs(a, c)[2] == ()


def test_column_rename_needs_same_type_and_nullability() -> None:
    a = Catalog(schemas=PUBLIC, relations=(table("t", col("id"), col("fullname", "text", 2)),))
    same = Catalog(schemas=PUBLIC, relations=(table("t", col("id"), col("full_name", "text", 2)),))
    other_type = Catalog(schemas=PUBLIC, relations=(table("t", col("id"), col("full_name", "varchar", 2)),))
    assert [(r.old, r.new) for r in diff_catalogs(a, same)[2]] == [("fullname", "full_name")]
    assert diff_catalogs(a, other_type)[2] == ()
    renamed = sqls(a, same, accepted_renames=[("public.t.fullname", "full_name")])
    assert renamed == ["ALTER TABLE public.t RENAME COLUMN fullname TO full_name;"]


def test_widening_type_changes_are_not_destructive_narrowing_ones_are() -> None:
    a = Catalog(
        schemas=PUBLIC,
        relations=(table("t", col("a"), col("b", "text", 2), col("c", "character varying(9)", 3)),),
    )
    b = Catalog(
        schemas=PUBLIC,
        relations=(table("t", col("a", "bigint"), col("b", "integer", 2), col("c", "text", 3)),),
    )
    changes, plan, _ = diff_catalogs(a, b)
    destructive = {c.object.sub: c.destructive for c in changes}
    assert destructive == {"a": False, "b": True, "c": False}
    # the statement says what its change says: the summary's "(N destructive)" counts statements
    assert {s.touches[1].sub: s.destructive for s in plan} == destructive


def test_view_reading_other_columns_survives_a_column_drop() -> None:
    view = Relation(
        "public", "v", RelationKind.VIEW, columns=(col("a"),), view_definition=" SELECT a FROM t;"
    )
    dep = Dependency(ObjectRef("table", "public", "v"), ObjectRef("column", "public", "t", "a"))
    a = Catalog(
        schemas=PUBLIC, relations=(table("t", col("a"), col("gone", position=2)), view), dependencies=(dep,)
    )
    b = Catalog(schemas=PUBLIC, relations=(table("t", col("a")), view), dependencies=(dep,))
    assert sqls(a, b) == ["ALTER TABLE public.t DROP COLUMN gone;"]


def test_changes_statements_and_references_are_the_dataclasses_own() -> None:
    """The planner makes its changes, statements and table references through core.positional: each must be
    what the dataclass itself makes (equal, hashed, printed and frozen alike)."""
    before = Catalog(schemas=PUBLIC, relations=(table("t", col("a")),))
    after = Catalog(schemas=PUBLIC, relations=(table("t", col("a"), col("b", "text", position=2)),))
    changes, plan, _ = diff_catalogs(before, after)
    assert changes and plan
    made = [*changes, *plan, *(ref for s in plan for ref in s.touches)]
    for fast in made:
        plain = type(fast)(*(getattr(fast, f.name) for f in dataclasses.fields(fast)))
        assert type(fast) is type(plain) and fast == plain and hash(fast) == hash(plain)
        assert repr(fast) == repr(plain)
        with pytest.raises(dataclasses.FrozenInstanceError):
            fast.kind = "other"  # type: ignore[misc, union-attr]
