"""Enums, domains, composite and range types from the types query's rows, collations from the header's: one
model object each, and the OIDs under which pg_depend names them."""

from __future__ import annotations

import json

import asyncpg

from ..model import Domain, DomainCheck, EnumType, ObjectRef
from ..model_types import Collation, CompositeAttribute, CompositeType, RangeType, TypeConversions
from ..object_names import domain_not_null
from .dependencies import Resolver

Record = asyncpg.Record

_PROVIDERS = {"c": "libc", "i": "icu", "b": "builtin", "d": "default"}


def composite_from(t: Record, ref: ObjectRef, resolver: Resolver) -> CompositeType:
    """A composite type (`ref`: its own); its attributes' own dependencies are recorded against its pg_class
    row."""
    resolver.add("pg_class", t["class_oid"], ref)
    names = t["attribute_names"] or ()
    attributes = tuple(
        CompositeAttribute(name, type_, collation, comment)
        for name, type_, collation, comment in zip(
            names,
            t["attribute_types"] or (),
            t["attribute_collations"] or (),
            t["attribute_comments"] or (None,) * len(names),
            strict=True,
        )
    )
    return CompositeType(t["schema"], t["name"], attributes, t["comment"])


def range_from(t: Record, ref: ObjectRef, resolver: Resolver) -> RangeType:
    """A range type (`ref`: its own); a column of its multirange (or of an array of either) depends on the
    range."""
    for oid in (t["multirange_oid"], t["multirange_array_oid"]):
        if oid:
            resolver.add("pg_type", oid, ref)
    return RangeType(
        t["schema"],
        t["name"],
        t["subtype"],
        t["subtype_opclass"],
        t["range_collation"],
        t["canonical"],
        t["subtype_diff"],
        t["multirange"],
        t["comment"],
    )


def collations_from(text: str | None) -> tuple[Collation, ...]:
    return tuple(
        Collation(
            c["schema"],
            c["name"],
            _PROVIDERS.get(c["provider"], c["provider"]),
            c["locale"],
            c["collate"],
            c["ctype"],
            c["deterministic"],
            c["rules"],
            c["comment"],
            c.get("any_encoding", False),
        )
        for c in json.loads(text or "[]")
    )


def conversions_from(text: str | None) -> TypeConversions | None:
    """The header's pg_cast pairs, string types and types' own storage (None from a query that did not
    read them)."""
    if not text:
        return None
    read = json.loads(text)
    casts = frozenset((source, target) for source, target in read["casts"] or ())
    types = read["types"] or ()
    strings = frozenset(name for name, string, _ in types if string)
    return TypeConversions(casts, strings, {name: storage for name, _, storage in types if storage})


def user_types_from(
    rows: list[Record], resolver: Resolver
) -> tuple[list[EnumType], list[Domain], list[CompositeType], list[RangeType]]:
    """The types query's rows as enums, domains, composite and range types, each recorded under its OIDs."""
    enums: list[EnumType] = []
    domains: list[Domain] = []
    composites: list[CompositeType] = []
    ranges: list[RangeType] = []
    for t in rows:
        # One ref object under each of the type's OIDs (Resolver.dependencies tells refs apart by identity).
        ref = ObjectRef("type", t["schema"], t["name"])
        resolver.add("pg_type", t["oid"], ref)
        resolver.add("pg_type", t["array_oid"], ref)
        if t["kind"] == "c":
            composites.append(composite_from(t, ref, resolver))
        elif t["kind"] == "r":
            ranges.append(range_from(t, ref, resolver))
        elif t["kind"] == "e":
            enums.append(EnumType(t["schema"], t["name"], tuple(t["labels"] or ()), t["comment"]))
        else:
            names = t["check_names"] or ()
            for check_oid, name in zip(t["check_oids"] or (), names, strict=True):
                resolver.add(
                    "pg_constraint",
                    check_oid,
                    ObjectRef("domain constraint", t["schema"], t["name"], name),
                )
            checks = tuple(
                DomainCheck(name, definition, valid == "true", comment)  # text[]: see the note in queries.py
                for name, definition, valid, comment in zip(
                    names,
                    t["check_defs"] or (),
                    t["check_valid"] or (),
                    t["check_comments"] or (None,) * len(names),
                    strict=True,
                )
            )
            domains.append(
                Domain(
                    t["schema"],
                    t["name"],
                    t["base_type"],
                    t["not_null"],
                    t["default"],
                    t["collation"],
                    checks,
                    t["comment"],
                    None if t["not_null_name"] in (None, domain_not_null(t["name"])) else t["not_null_name"],
                )
            )
    return enums, domains, composites, ranges
