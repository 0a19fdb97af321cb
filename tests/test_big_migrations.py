"""A data migration of several MB (thousands of INSERTs) is read holding one batch of parse trees at a time, not
the whole file's: a tree is about 35 times its text, so a 20 MB file held 650 MB of trees while it was split, and
review, migrate and generate's preflight each split it."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from dibs_tui.core.errors import SourceError
from dibs_tui.core.migrations.files import split_statements


def _inserts(megabytes: float, rows: int = 1) -> str:
    """INSERTs of `rows` rows each, about `megabytes` of them, one a line."""
    out: list[str] = []
    size, i = 0, 0
    while size < megabytes * 1024 * 1024:
        values = []
        for _ in range(rows):
            i += 1
            values.append(f"({i}, 'item number {i}', {i}.50, 'a note about item {i}')")
        line = f"INSERT INTO items (id, name, price, note) VALUES {', '.join(values)};\n"
        out.append(line)
        size += len(line)
    return "".join(out)


def _peak_and_kept(text: str) -> tuple[int, int, int]:
    """The statements split, the peak of memory allocated meanwhile, and what stays allocated once they are
    dropped (what a cache kept)."""
    tracemalloc.start()
    try:
        count = len(split_statements(text, "big.sql"))
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, peak, kept


def test_thousands_of_inserts_are_split_without_holding_every_tree() -> None:
    text = _inserts(3)
    count, peak, _ = _peak_and_kept(text)
    assert count == text.count("\n")
    assert peak < 30 * len(text), (
        f"{peak / 2**20:.0f} MiB to split {len(text) / 2**20:.1f} MiB"
    )  # was 87 times


def test_statements_of_8_kib_are_not_all_kept_with_their_trees() -> None:
    """The parse of recent statements is kept for the callers that ask about one again, but not 2,048 of 8 KiB
    each (560 MB of trees)."""
    text = _inserts(3, rows=100)
    count, _, kept = _peak_and_kept(text)
    assert count == text.count("\n")
    assert kept < 8 * len(text), (
        f"{kept / 2**20:.0f} MiB kept after {len(text) / 2**20:.1f} MiB"
    )  # was 37 times


@pytest.mark.parametrize("late", ["CREATE ROLE intruder", "INSERT INTO items VALUES (1,"])
def test_a_refusal_or_syntax_error_past_the_first_batch_returns_nothing(late: str) -> None:
    """The file is read batch by batch, but nothing is returned to run before the last statement was read."""
    text = _inserts(1) + late + ";\n" + _inserts(0.1)
    line = text[: text.index(late)].count("\n") + 1
    with pytest.raises(SourceError) as refused:
        split_statements(text, "big.sql")
    assert refused.value.line == line
    assert ("not allowed in a migration" in str(refused.value)) == late.startswith("CREATE ROLE")


def test_a_syntax_error_after_a_refused_statement_is_said_first(tmp_path: Path) -> None:
    """As when the file was parsed whole: what does not parse is said before what the door refuses."""
    text = "CREATE ROLE intruder;\n" + _inserts(1) + "INSERT INTO items VALUES (1,;\n"
    with pytest.raises(SourceError) as refused:
        split_statements(text, "big.sql")
    assert "syntax error" in str(refused.value)
    assert refused.value.line == text.count("\n")
