"""The package's dataclass methods compiled once and kept beside the bytecode (core/dataclass_code.py): a class
made from kept code is the class made from its text, and a kept file nobody can trust is not used."""

from __future__ import annotations

import dataclasses
import inspect
import sys
import types
from pathlib import Path

import pytest

from dibs_tui.core import dataclass_code

SOURCE = """
from dataclasses import dataclass, field

@dataclass(frozen=True, slots=True)
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = field(default=())

@dataclass
class Box:
    name: str
    points: list[Point] = field(default_factory=list)
"""


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    return fresh_record(monkeypatch)


def fresh_record(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """A fresh record of kept modules, bytecode to be written, the hook installed (as dibs_tui.core does)."""
    modules: dict[str, object] = {}
    monkeypatch.setattr(dataclass_code, "_modules", modules)
    monkeypatch.setattr(dataclass_code, "_saving", [True])  # saved by the tests, not at exit
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    assert dataclasses.exec is dataclass_code._exec  # type: ignore[attr-defined]
    return modules


def _make(folder: Path, name: str = "dibs_tui._dataclass_code_test") -> types.ModuleType:
    """SOURCE made as the module `name` whose file is in `folder` (dataclasses take its globals)."""
    module = types.ModuleType(name)
    module.__file__ = str(folder / "made.py")
    sys.modules[name] = module
    try:
        exec(compile(SOURCE, module.__file__, "exec"), module.__dict__)
    finally:
        del sys.modules[name]
    return module


def _behaviour(module: types.ModuleType) -> list[object]:
    point, box = module.Point, module.Box
    p = point(1, tags=("a",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 2
    b = box("b")
    b.points.append(p)
    return [
        repr(p),
        repr(b),
        p == point(1, 0, ("a",)),
        hash(p) == hash(point(1, 0, ("a",))),
        b == box("b", [p]),
    ]


def test_a_class_made_from_kept_code_is_the_class_made_from_its_text(
    tmp_path: Path, kept: dict[str, dataclass_code._Module]
) -> None:
    first = _make(tmp_path)
    (record,) = kept.values()
    assert record.compiled and len(record.used) == 9  # Point's six methods, Box's three
    dataclass_code.save()
    path = tmp_path / "__pycache__" / f"made.{sys.implementation.cache_tag}.dataclasses"
    assert path.is_file() and not record.compiled

    kept.clear()  # the next run: the file read again
    second = _make(tmp_path)
    (record,) = kept.values()
    assert not record.compiled and record.used.keys() == record.kept.keys()
    assert _behaviour(second) == _behaviour(first)
    assert _behaviour(second) == [
        "Point(x=1, y=0, tags=('a',))",
        "Box(name='b', points=[Point(x=1, y=0, tags=('a',))])",
        True,
        True,
        True,
    ]


def test_nothing_is_written_when_bytecode_is_not_to_be_written(
    tmp_path: Path, kept: dict[str, dataclass_code._Module], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    _make(tmp_path)
    dataclass_code.save()
    assert not (tmp_path / "__pycache__").exists()


def test_other_packages_dataclasses_are_compiled_as_usual(
    tmp_path: Path, kept: dict[str, dataclass_code._Module]
) -> None:
    module = _make(tmp_path, "someone_elses_package")
    assert kept == {}
    assert _behaviour(module)[2:] == [True, True, True]
    assert module.Point.__init__.__annotations__ == {
        "x": "int",
        "y": "int",
        "tags": "tuple[str, ...]",
        "return": None,
    }


def test_the_methods_are_those_dataclasses_writes_without_the_kept_code(
    tmp_path: Path, kept: dict[str, dataclass_code._Module], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Annotations evaluated as `dataclasses` evaluates them (this module's postponed annotations are not the
    generated code's), the same signature and docstring, from compiled and from kept code alike."""
    compiled, _ = _make(tmp_path), kept.clear()
    from_kept = _make(tmp_path)
    monkeypatch.delattr(dataclasses, "exec")
    plain = _make(tmp_path, "someone_elses_package")
    for module in (compiled, from_kept):
        for name in ("Point", "Box"):
            ours, theirs = getattr(module, name), getattr(plain, name)
            assert ours.__init__.__annotations__ == theirs.__init__.__annotations__
            assert str(inspect.signature(ours)) == str(inspect.signature(theirs))
            assert ours.__doc__ == theirs.__doc__
    assert compiled.Point.__init__.__annotations__["x"] == "int"  # the field's own, not '_type_x'


def test_textual_and_rich_dataclasses_are_kept_in_the_packages_own_cache(
    tmp_path: Path, kept: dict[str, dataclass_code._Module], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the browser's first frame, Textual and Rich make 158 dataclass methods: kept like the package's,
    in the package's own `__pycache__`, never in theirs."""
    own, theirs = tmp_path / "own", tmp_path / "theirs"
    theirs.mkdir()
    monkeypatch.setattr(dataclass_code, "_OWN_CACHE", own)
    first = _make(theirs, "textual._dataclass_code_test")
    (record,) = kept.values()
    assert record.compiled and len(record.used) == 9
    dataclass_code.save()
    assert (own / f"textual._dataclass_code_test.{sys.implementation.cache_tag}.dataclasses").is_file()
    assert not (theirs / "__pycache__").exists()

    kept.clear()  # the next run: the file read again
    second = _make(theirs, "textual._dataclass_code_test")
    (record,) = kept.values()
    assert not record.compiled and record.used.keys() == record.kept.keys()
    assert _behaviour(second) == _behaviour(first)
