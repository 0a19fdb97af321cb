"""The methods `@dataclass` writes for the package's classes, compiled once and kept beside their bytecode.

For every dataclass the standard library writes `__init__`, `__repr__`, `__eq__`, `__hash__` (and a frozen
class's `__setattr__` and `__delattr__`) as source text and compiles each at import: 216 compilations on the
way to `schema`'s first rows (the model's 32 classes most of them), 23 ms of CPU, about half of what importing
the model and the read costs (bench/JOURNAL.md). The text is all that decides the code, so the code is kept
under its text, per module, in the `__pycache__` folder beside the module's bytecode and with its trust
(whoever can write there can write the bytecode too): `model.cpython-311.dataclasses` beside
`model.cpython-311.pyc`, written when a run compiled a text the file lacked (not when bytecode is not to be
written: `sys.dont_write_bytecode`), read by the next run when the module first makes a dataclass. A file of
another interpreter, damaged or unreadable is ignored and written again.

Textual's and Rich's dataclasses are kept too (158 methods in 24 of their modules before the browser's first
frame, 15-20 ms of its CPU), in this package's own `__pycache__` (`textual.events.cpython-311.dataclasses`,
with the trust of this package's bytecode): their folders are not ours to write in. Other packages'
dataclasses are compiled as usual.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import dataclasses
import marshal
import os
import sys
from pathlib import Path
from types import CodeType
from typing import Any

_PACKAGE = "dibs_tui."
_ELSEWHERE = ("textual.", "rich.")  # the packages whose kept code lives in this package's own __pycache__
_OWN_CACHE = Path(__file__).parents[1] / "__pycache__"
# This interpreter's code only, compiled as `dataclasses` compiles it (version 2: version 1 kept code compiled
# with postponed annotations).
_HEADER = b"dibs-tui dataclass code 2 " + sys.version.encode() + b"\n"


class _Module:
    """One module's kept code: what its file held, and the texts this run used (compiled or found)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kept = _read(path)
        self.used: dict[str, CodeType] = {}
        self.compiled = False


_modules: dict[str, _Module] = {}
_saving: list[bool] = []  # the save at exit registered


def install() -> None:
    """Compile the package's dataclasses made from now on through the kept code (`dataclasses` calls `exec`
    on each method's text: that name, looked up in its module first, is this module's `_exec` from now on)."""
    if sys.implementation.cache_tag is not None:
        dataclasses.exec = _exec  # type: ignore[attr-defined]


def _read(path: Path) -> dict[str, CodeType]:
    try:
        data = path.read_bytes()
        if not data.startswith(_HEADER):
            return {}
        codes = marshal.loads(data[len(_HEADER) :])  # noqa: S302 - beside the bytecode, trusted as it is
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if not isinstance(codes, dict):
        return {}
    return {k: v for k, v in codes.items() if isinstance(k, str) and isinstance(v, CodeType)}


def _exec(source: Any, globals: Any = None, locals: Any = None) -> None:
    if isinstance(source, str):
        module = _module_of(globals)
        code = module.kept.get(source) if module is not None else None
        if code is None:
            # As `dataclasses` compiles it, for every package's classes: exec() of a text, called from here,
            # would compile it with this module's `from __future__ import annotations` and leave the methods'
            # annotations unevaluated ('_type_x' for the field's type).
            code = compile(source, "<string>", "exec", dont_inherit=True)
            if module is not None:
                module.compiled = True
                if not _saving:
                    _saving.append(True)
                    atexit.register(save)
        if module is not None:
            module.used[source] = code
        source = code
    builtins.exec(source, globals, locals)  # noqa: S102 - dataclasses' own, its text's code


def _module_of(globals: Any) -> _Module | None:
    """The kept code of the module whose dataclass is being made (its globals): the package's, Textual's or
    Rich's; else None."""
    if not isinstance(globals, dict):
        return None
    name, file = globals.get("__name__"), globals.get("__file__")
    if not isinstance(name, str) or not name.startswith((_PACKAGE, *_ELSEWHERE)) or not isinstance(file, str):
        return None
    module = _modules.get(name)
    if module is None:
        source = Path(file)
        # A dotted name cannot meet a module of this package's top folder, whose names are their files' stems.
        path = (
            (source.parent / "__pycache__" / source.stem) if name.startswith(_PACKAGE) else _OWN_CACHE / name
        )
        module = _modules[name] = _Module(
            path.with_name(f"{path.name}.{sys.implementation.cache_tag}.dataclasses")
        )
    return module


def save() -> None:
    """Write the code of each module that compiled a text its file lacked: the texts its import used (a class
    changed or gone leaves its old code behind). A folder that cannot be written to (a package installed
    read-only) is left as it is."""
    if sys.dont_write_bytecode:
        return
    for module in _modules.values():
        if not module.compiled:
            continue
        spare = module.path.with_name(f"{module.path.name}.{os.getpid()}")
        try:
            module.path.parent.mkdir(exist_ok=True)
            spare.write_bytes(_HEADER + marshal.dumps(module.used))
            os.replace(spare, module.path)
        except OSError:
            with contextlib.suppress(OSError):
                spare.unlink(missing_ok=True)
            continue
        module.kept, module.compiled = dict(module.used), False
