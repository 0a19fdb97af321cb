"""A positional constructor for a frozen dataclass, for the hot loops that make many of them (the catalog
read's model objects, the planner's references, changes and statements)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")


def positional_constructor(cls: type[T]) -> Callable[..., T]:
    """A positional constructor (every field, in order) for a frozen dataclass, for the hot loops.

    The object is built as an instance of a plain twin class with the same slots (or none, as the class),
    whose attribute stores are the interpreter's fastest path, then given its real class (`__class__`
    assignment between layout-compatible classes is ordinary Python). A frozen dataclass's own __init__ calls
    object.__setattr__ once per field: 95,000 columns took 0.21 s that way, 0.07 s this way. The result
    equals cls(*values) (a test checks it).
    """
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    slots = f"__slots__ = {tuple(names)!r}" if "__slots__" in vars(cls) else "pass"
    body = "".join(f"    self.{name} = {name}\n" for name in names)
    source = (
        f"class Twin:\n    {slots}\n\n\ndef new({', '.join(names)}):\n    self = _new(Twin)\n{body}"
        "    self.__class__ = _cls\n    return self\n"
    )
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    exec(source, namespace)  # noqa: S102 - the class's own field names only
    return cast(Callable[..., T], namespace["new"])
