"""A live catalog's definitions that another major version only prints otherwise, spelled as the desired side's.

The server deparses defaults, generated columns, CHECKs, index expressions and predicates, partition keys,
triggers, policies, rules, publications' row filters, statistics objects and SQL function bodies. PostgreSQL
16 and later quote a name that has become a keyword since (`json`, `json_table`, `merge_action`, ...) where 15
writes it bare: a live 15's `CHECK ((json <> 'x'))` and the embedded 18's `CHECK (("json" <> 'x'))` are one
constraint, which each plan dropped and added again, and a generated column's SET EXPRESSION (17's) failed on
15. Across major versions only (within one, one meaning prints one text), a live definition whose text
differs from the desired one's and whose parse tree is the same (deparse_drift) takes the desired text before
anything is compared, so every comparison after sees them equal. Only texts that differ are parsed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ..model import (
    Catalog,
    Column,
    Constraint,
    ConstraintKind,
    Domain,
    Function,
    Index,
    Policy,
    Relation,
    Trigger,
)
from ..model_objects import WholeObject
from .deparse_drift import same_check, same_expression, same_statement


def spelled_as_desired(current: Catalog, desired: Catalog) -> Catalog:
    """`current` with each definition the desired side means alike written as the desired side writes it."""
    relations = desired.relations_by_key
    domains = {d.key: d for d in desired.domains}
    objects = {o.key: o for o in desired.objects if o.kind in ("statistics object", *_WHOLE)}
    functions = {(f.schema, f.signature): f for f in desired.functions}
    return replace(
        current,
        relations=tuple(_relation(rel, relations.get(rel.key)) for rel in current.relations),
        domains=tuple(_domain(d, domains.get(d.key)) for d in current.domains),
        objects=tuple(_object(o, objects.get(o.key)) for o in current.objects),
        functions=tuple(_function(f, functions.get((f.schema, f.signature))) for f in current.functions),
    )


def _alike(mine: str | None, theirs: str | None, same: Callable[..., bool]) -> str | None:
    """`theirs` where it differs from `mine` in spelling only, else `mine`."""
    if mine is None or theirs is None or mine == theirs or not same(mine, theirs, across=True):
        return mine
    return theirs


def _text(mine: str, theirs: str | None, same: Callable[..., bool]) -> str:
    """_alike for a text that is always there (a definition)."""
    return theirs if theirs is not None and _alike(mine, theirs, same) is theirs else mine


def _relation(rel: Relation, want: Relation | None) -> Relation:
    if want is None:
        return rel
    checks = {c.name: c for c in want.constraints if c.kind in _SERVER_WRITTEN}
    indexes = {i.name: i for i in want.indexes}
    triggers = {t.name: t for t in want.triggers}
    policies = {p.name: p for p in want.policies}
    columns = tuple(_column(c, want.column(c.name)) for c in rel.columns)
    constraints = tuple(_constraint(c, checks.get(c.name)) for c in rel.constraints)
    indexes_ = tuple(_index(i, indexes.get(i.name)) for i in rel.indexes)
    triggers_ = tuple(_trigger(t, triggers.get(t.name)) for t in rel.triggers)
    policies_ = tuple(_policy(p, policies.get(p.name)) for p in rel.policies)
    key = _alike(rel.partition_key, want.partition_key, _same_partition_key)
    before = (rel.columns, rel.constraints, rel.indexes, rel.triggers, rel.policies)
    after = (columns, constraints, indexes_, triggers_, policies_)
    if key is rel.partition_key and all(
        a is b for old, new in zip(before, after, strict=True) for a, b in zip(old, new, strict=True)
    ):
        return rel  # nothing spelled otherwise: no copy (every relation of both sides comes through here)
    return replace(
        rel,
        columns=columns,
        constraints=constraints,
        indexes=indexes_,
        triggers=triggers_,
        policies=policies_,
        partition_key=key,
    )


def _same_partition_key(a: str, b: str, *, across: bool) -> bool:
    """Two partition keys (pg_get_partkeydef: `LIST (json)`): one spelled otherwise was planned as the table
    dropped with its partitions and their rows, and made again."""
    create = "CREATE TABLE t () PARTITION BY "
    return same_statement(create + a, create + b, across=across)


def _column(col: Column, want: Column | None) -> Column:
    if want is None:
        return col
    default = _alike(col.default, want.default, same_expression)
    generated = _alike(col.generation_expression, want.generation_expression, same_expression)
    if default is col.default and generated is col.generation_expression:
        return col
    return replace(col, default=default, generation_expression=generated)


# The constraints whose definitions the server writes (introspect.definitions writes keys and foreign keys).
_SERVER_WRITTEN = (ConstraintKind.CHECK, ConstraintKind.EXCLUSION)


def _constraint(con: Constraint, want: Constraint | None) -> Constraint:
    """A CHECK or an exclusion constraint (the whole of pg_get_constraintdef: `EXCLUDE USING btree (json WITH
    =)`)."""
    if want is None or con.kind is not want.kind:
        return con
    definition = _text(con.definition, want.definition, same_check)
    return con if definition is con.definition else replace(con, definition=definition)


def _index(index: Index, want: Index | None) -> Index:
    """An index on an expression or with a predicate, as pg_get_indexdef writes it: its parts go with it."""
    if want is None or _text(index.definition, want.definition, same_statement) is index.definition:
        return index
    return replace(
        index,
        definition=want.definition,
        columns=want.columns,
        predicate=want.predicate,
        include=want.include,
        options=want.options,
    )


def _trigger(trigger: Trigger, want: Trigger | None) -> Trigger:
    if want is None:
        return trigger
    definition = _text(trigger.definition, want.definition, same_statement)
    return trigger if definition is trigger.definition else replace(trigger, definition=definition)


def _policy(policy: Policy, want: Policy | None) -> Policy:
    if want is None:
        return policy
    using = _alike(policy.using, want.using, same_expression)
    check = _alike(policy.with_check, want.with_check, same_expression)
    if using is policy.using and check is policy.with_check:
        return policy
    return replace(policy, using=using, with_check=check)


def _domain(domain: Domain, want: Domain | None) -> Domain:
    if want is None:
        return domain
    wanted = {c.name: c.definition for c in want.checks}
    checks = tuple(
        replace(c, definition=_text(c.definition, wanted.get(c.name), same_check)) for c in domain.checks
    )
    default = _alike(domain.default, want.default, same_expression)
    if default is domain.default and checks == domain.checks:
        return domain
    return replace(domain, default=default, checks=checks)


# Objects made by one statement the server writes (a rule) or that holds what it writes (a publication's row
# filter, pg_get_expr; its column list, quote_ident).
_WHOLE = ("rule", "publication")


def _object(obj: WholeObject, want: WholeObject | None) -> WholeObject:
    """A rule or publication (one statement), or a statistics object's CREATE with perhaps its ALTER ... SET
    STATISTICS after it (only the first compared by meaning)."""
    if want is None or obj.shape == want.shape:
        return obj
    if obj.kind in _WHOLE:
        alike = _text(obj.shape, want.shape, same_statement) is not obj.shape
        return replace(obj, shape=want.shape) if alike else obj
    mine, _, rest = obj.shape.partition(";")
    theirs, _, wanted_rest = want.shape.partition(";")
    if rest != wanted_rest or _text(mine, theirs, same_statement) is mine:
        return obj
    return replace(obj, shape=want.shape)


def _function(function: Function, want: Function | None) -> Function:
    """A function with a body in SQL (BEGIN ATOMIC, RETURN), which the server deparses: pg_get_functiondef."""
    if want is None or function.definition is None:
        return function
    definition = _text(function.definition, want.definition, same_statement)
    return function if definition is function.definition else replace(function, definition=definition)
