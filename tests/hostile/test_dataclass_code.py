"""Hostile kept dataclass code (core/dataclass_code.py): a file in `__pycache__` that is garbage, another
interpreter's, damaged or of the wrong shape is never run, and a folder nobody can write to breaks nothing."""

from __future__ import annotations

import marshal
import sys
from pathlib import Path

import pytest

from dibs_tui.core import dataclass_code
from tests.test_dataclass_code import _behaviour, _make, fresh_record


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    return fresh_record(monkeypatch)


@pytest.mark.parametrize(
    "content",
    [
        b"not a marshal file at all",
        b"dibs-tui dataclass code 2.7.18\n" + marshal.dumps({}),
        b"dibs-tui dataclass code " + sys.version.encode() + b"\n" + marshal.dumps({}),  # 4d55ee1's
        dataclass_code._HEADER + b"\xff\x00 damaged",
        dataclass_code._HEADER + marshal.dumps(["a list", "not a dict"]),
        dataclass_code._HEADER + marshal.dumps({"def f(): pass": "a string, not code"}),
    ],
    ids=["garbage", "another interpreter", "version 1", "damaged", "not a dict", "not code"],
)
def test_a_kept_file_that_cannot_be_trusted_is_compiled_again_and_written_anew(
    tmp_path: Path, kept: dict[str, dataclass_code._Module], content: bytes
) -> None:
    path = tmp_path / "__pycache__" / f"made.{sys.implementation.cache_tag}.dataclasses"
    path.parent.mkdir()
    path.write_bytes(content)
    module = _make(tmp_path)
    (record,) = kept.values()
    assert record.kept == {} and record.compiled
    assert _behaviour(module)[2:] == [True, True, True]
    dataclass_code.save()
    assert path.read_bytes().startswith(dataclass_code._HEADER)
    assert dataclass_code._read(path).keys() == record.used.keys()


def test_a_folder_that_cannot_be_written_is_left_alone(
    tmp_path: Path, kept: dict[str, dataclass_code._Module]
) -> None:
    (tmp_path / "a_file").write_text("")
    _make(tmp_path / "a_file")  # its __pycache__ would be under a file: no folder can be made there
    dataclass_code.save()  # no error
    assert (tmp_path / "a_file").read_text() == ""
