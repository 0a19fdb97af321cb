"""What the model does not know, counted so that it is reported instead of silently missing.

The diff compares the model; a catalog object of a kind the model has no class for (an operator, a cast, a
text search parser, ...) would be invisible to it. The introspection counts them per kind and place,
with a fingerprint of their names, so that the diff can say they are there and `check` can tell when the two
sides hold different ones. Plain data, like `core.model`.
"""

from __future__ import annotations

from dataclasses import dataclass

# kind -> its plural, for "unmodelled: 2 operators in public".
PLURALS: dict[str, str] = {
    "access method": "access methods",
    "base type": "base types",
    "cast": "casts",
    "conversion": "conversions",
    "language": "languages",
    "operator": "operators",
    "operator class": "operator classes",
    "operator family": "operator families",
    "publication": "publications",
    "publication member": "publication members",
    "subscription": "subscriptions",
    "text search parser": "text search parsers",
    "text search template": "text search templates",
    "transform": "transforms",
}


@dataclass(frozen=True)
class Unmodelled:
    """`count` objects of one unmodelled `kind` in one place: a relation (`schema`, `relation`), a schema
    (`relation` empty) or the database (both empty). `names` fingerprints their sorted descriptions
    (pg_describe_object), which name them the same way on any database."""

    kind: str
    schema: str
    relation: str
    count: int
    names: str

    @property
    def place(self) -> str:
        if self.relation:
            return f"on {self.schema}.{self.relation}"
        if self.schema:
            return f"in {self.schema}"
        return "in the database"

    def __str__(self) -> str:
        noun = self.kind if self.count == 1 else PLURALS.get(self.kind, self.kind + "s")
        return f"{self.count} {noun} {self.place}"


@dataclass(frozen=True)
class UnmodelledPair:
    """One kind in one place, counted on both sides of a diff. `differs`: the two sides do not hold the same
    objects by name (a changed definition under the same name is beyond what a count can see)."""

    kind: str
    schema: str
    relation: str
    current: int
    desired: int
    differs: bool

    def __str__(self) -> str:
        one = Unmodelled(self.kind, self.schema, self.relation, max(self.current, self.desired), "")
        if not self.differs:
            return f"{one} (the same names on both sides; not compared further)"
        noun = PLURALS.get(self.kind, self.kind + "s")
        return f"{noun} {one.place} differ: {self.current} here, {self.desired} desired (not planned)"


def pair_unmodelled(
    current: tuple[Unmodelled, ...], desired: tuple[Unmodelled, ...]
) -> tuple[UnmodelledPair, ...]:
    """Both sides' counts, place by place, in a stable order."""
    here = {(u.kind, u.schema, u.relation): u for u in current}
    wanted = {(u.kind, u.schema, u.relation): u for u in desired}
    pairs = []
    for key in sorted(here.keys() | wanted.keys(), key=lambda k: (k[1], k[2], k[0])):
        a, b = here.get(key), wanted.get(key)
        differs = a is None or b is None or a.names != b.names
        pairs.append(UnmodelledPair(*key, a.count if a else 0, b.count if b else 0, differs))
    return tuple(pairs)
