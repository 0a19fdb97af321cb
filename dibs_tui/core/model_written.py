"""A model object's text field that may be kept as the parts it is written from (core.model: an index's and a
foreign key's definition), read, compared and hashed as the text."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import fields
from typing import Any


class WrittenOnRead:
    """A text field read and written through its slot, whose slot may hold, instead of the text, what the
    catalog read keeps to write it again when read (`write(obj, kept)`). Reading, comparing, hashing, copying
    and encoding the object all read through here, so none of them sees what was kept."""

    def __init__(self, slot: Any, write: Callable[[Any, Any], str], written_from: tuple[str, ...]) -> None:
        self._slot = slot
        self._name = slot.__name__
        self._write = write
        # kept(obj): what the slot holds, the text or what was kept to write it.
        self.kept: Callable[[object], Any] = slot.__get__
        self._inputs = operator.attrgetter(*written_from)

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        if obj is None:
            return self
        text = self._slot.__get__(obj, owner)
        return text if type(text) is str else self._write(obj, text)

    def __set__(self, obj: object, text: object) -> None:
        self._slot.__set__(obj, text)

    def same_text(self, a: object, b: object) -> bool:
        """`a`'s text == `b`'s, written only when they do not keep equal parts and equal fields to write them
        from: a diff compares every index and foreign key of both sides, and writing them was over a third
        of its CPU after the last row at 1,000 tables."""
        mine, theirs = self._slot.__get__(a), self._slot.__get__(b)
        if type(mine) is str and type(theirs) is str:
            return bool(mine == theirs)
        if type(mine) is type(theirs) and mine == theirs and self._inputs(a) == self._inputs(b):
            return True
        return bool(self.__get__(a) == self.__get__(b))

    def install_equality(self, cls: type) -> None:
        """The dataclass's `==` (same class, every field equal), with this field compared by `same_text`.

        The other fields are read by name in code made here, as dataclasses make theirs: a diff compares
        every constraint and index of both sides, and `operator.attrgetter` took twice as long."""
        others = [f.name for f in fields(cls) if f.name != self._name]
        mine, theirs = (", ".join(f"{side}.{name}" for name in others) for side in "ab")
        # The slot under a second name, read as an attribute: calling its __get__ took a quarter of `==`.
        kept = f"_{self._name}_kept"
        setattr(cls, kept, self._slot)
        source = (
            "def __eq__(a, b):\n"
            "    if b.__class__ is not a.__class__:\n"
            "        return NotImplemented\n"
            f"    if ({mine},) != ({theirs},):\n"
            "        return False\n"
            f"    mine, theirs = a.{kept}, b.{kept}\n"
            # Kept alike, and the fields it is written from equal (compared above): the same text.
            "    if type(mine) is type(theirs) and mine == theirs:\n"
            "        return True\n"
            "    if type(mine) is str and type(theirs) is str:\n"
            "        return False\n"
            "    return write(a) == write(b)\n"
        )
        namespace: dict[str, Any] = {"write": self.__get__}
        exec(source, namespace)  # noqa: S102 - the class's own field names only
        cls.__eq__ = namespace["__eq__"]  # type: ignore[method-assign]
