"""A catalog's dependencies as the catalog read keeps them: two lists of refs, a Dependency made when read."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import overload

from .model import Dependency, ObjectRef
from .positional import positional_constructor

# Made by plain stores into Dependency's slots (core.positional): a frozen dataclass's own __init__ stores each
# field through object.__setattr__, twice as slow, and a Dependency is made each time one is read.
_made = positional_constructor(Dependency)


class Dependencies(Sequence[Dependency]):
    """The dependencies of a catalog read from a database, kept as the dependents' refs and the referenced
    refs, two pointers a dependency where a tuple of Dependency objects took seven (364,000 of them at 100,000
    tables: 14 MiB held by the browser at its peak of memory). The refs are the catalog's own; a Dependency
    is made as it is read. Equal to, hashed and written as the tuple of the same Dependencies."""

    __slots__ = ("_dependents", "_referenced")

    def __init__(self, pairs: Iterable[Dependency] = ()) -> None:
        # Lists, filled once here and never changed: a tuple of each would be a copy, held beside them at the
        # end of the read's assembly, where the browser's memory peaks.
        self._dependents: list[ObjectRef] = []
        self._referenced: list[ObjectRef] = []
        add_dependent, add_referenced = self._dependents.append, self._referenced.append
        for dependency in pairs:
            add_dependent(dependency.dependent)
            add_referenced(dependency.referenced)

    @classmethod
    def of_lists(cls, dependents: list[ObjectRef], referenced: list[ObjectRef]) -> Dependencies:
        """The dependencies pairing `dependents[i]` with `referenced[i]`, the lists kept as they are (the
        catalog read fills them as it resolves pg_depend's rows: no Dependency made to be taken apart)."""
        if len(dependents) != len(referenced):
            raise ValueError("dependents and referenced differ in length")
        kept = cls.__new__(cls)
        kept._dependents, kept._referenced = dependents, referenced
        return kept

    def __len__(self) -> int:
        return len(self._dependents)

    def __iter__(self) -> Iterator[Dependency]:
        return map(_made, self._dependents, self._referenced)

    def pairs(self) -> Iterator[tuple[ObjectRef, ObjectRef]]:
        """(dependent, referenced) without a Dependency made for each: what an index of every edge walks."""
        return zip(self._dependents, self._referenced, strict=True)

    @overload
    def __getitem__(self, index: int) -> Dependency: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Dependency, ...]: ...

    def __getitem__(self, index: int | slice) -> Dependency | tuple[Dependency, ...]:
        if isinstance(index, slice):
            return tuple(map(_made, self._dependents[index], self._referenced[index]))
        return _made(self._dependents[index], self._referenced[index])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Dependencies):
            return self._dependents == other._dependents and self._referenced == other._referenced
        if isinstance(other, tuple):
            return tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))
