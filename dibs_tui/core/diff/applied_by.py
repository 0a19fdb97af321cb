"""The desired side as the role that applies the plan will make it.

A schema file runs in a sandbox as a role made for that one load, so what the file leaves to "the role that
runs it" names that throwaway role: `CREATE POLICY ... TO CURRENT_USER`, `ALTER DEFAULT PRIVILEGES` without
`FOR ROLE`, `GRANT ... TO CURRENT_USER`. Planned as read, the migration named a role that never exists on the
live server (`CREATE POLICY mine ON public.t ... TO dibs_sandbox_bb704ffc9417`). They mean the role that
applies the migration: the live side's reader, the role the diff connects as.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import Catalog, Policy, Relation
from ..model_privileges import Privilege
from ..sandbox_cleanup import ROLE_PREFIX


def as_applied_by(desired: Catalog, reader: str) -> Catalog:
    """`desired` with its sandbox role written as `reader`; the same object when it names none (or was not
    loaded in a sandbox, or the reader is unknown)."""
    loader = desired.reader
    if not (loader.startswith(ROLE_PREFIX) and reader):
        return desired
    relations = tuple(_relation(r, loader, reader) for r in desired.relations)
    privileges = tuple(_privilege(p, loader, reader) for p in desired.privileges)
    changed_relations = any(a is not b for a, b in zip(relations, desired.relations, strict=True))
    changed_privileges = privileges != desired.privileges
    if not (changed_relations or changed_privileges):
        return desired
    return replace(
        desired,
        relations=relations if changed_relations else desired.relations,
        privileges=privileges if changed_privileges else desired.privileges,
    )


def _relation(relation: Relation, loader: str, reader: str) -> Relation:
    if not any(loader in p.roles for p in relation.policies):
        return relation
    return replace(relation, policies=tuple(_policy(p, loader, reader) for p in relation.policies))


def _policy(policy: Policy, loader: str, reader: str) -> Policy:
    if loader not in policy.roles:
        return policy
    return replace(policy, roles=tuple(sorted({reader if r == loader else r for r in policy.roles})))


def _privilege(p: Privilege, loader: str, reader: str) -> Privilege:
    name = reader if p.kind == "default" and p.name == loader else p.name
    grantee = reader if p.grantee == loader else p.grantee
    return p if (name, grantee) == (p.name, p.grantee) else replace(p, name=name, grantee=grantee)
