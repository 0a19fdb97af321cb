"""Ranking for the finders: exact > prefix > substring > fuzzy (subsequence), over `schema.table` paths.

Pure Python on precomputed lowercase keys, cheap enough to rank 100,000 candidates in a worker thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

EXACT, PREFIX, SUBSTRING, FUZZY = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Candidate:
    """One thing to find: `path` is what is shown and matched (`schema.table`), `name` its last part."""

    path: str
    name: str
    payload: object
    path_key: str = ""
    name_key: str = ""

    @classmethod
    def of(cls, path: str, name: str, payload: object) -> Candidate:
        """The keys are the texts themselves when already lowercase (most names are): one string, not two, per
        key of each of 100,000 relations, held while the full catalog loads."""
        path_key, name_key = path.lower(), name.lower()
        return cls(
            path,
            name,
            payload,
            path if path_key == path else path_key,
            name if name_key == name else name_key,
        )


def _fuzzy_gaps(query: str, text: str) -> int | None:
    """Total gap length if `query` is a subsequence of `text` (smaller is tighter), else None."""
    position = -1
    gaps = 0
    for char in query:
        found = text.find(char, position + 1)
        if found < 0:
            return None
        if position >= 0:
            gaps += found - position - 1
        position = found
    return gaps


def _subsequence(needle: str) -> Callable[[str], object]:
    """A test whether a text holds `needle`'s characters in order: each character after a run of anything
    else, one left-to-right pass per text, no backtracking."""
    return re.compile("".join(f"[^{re.escape(c)}]*{re.escape(c)}" for c in needle), re.DOTALL).match


def score(query: str, path: str, name: str) -> tuple[int, int, int] | None:
    """A sort key (lower is better) for how `query` (lowercase) matches a candidate, or None if it does not.

    A query with a dot matches the whole `schema.table` path; else the name is tried first, then the path, whole
    (`pay` matched `public.category` by its schema's p: every table of `public` was a fuzzy match for a `p`).
    """
    targets = (path,) if "." in query else (name, path)
    best: tuple[int, int, int] | None = None
    for rank_offset, text in enumerate(targets):
        if text == query:
            key = (EXACT, rank_offset, len(text))
        elif text.startswith(query):
            key = (PREFIX, rank_offset, len(text))
        elif (at := text.find(query)) >= 0:
            key = (SUBSTRING, at + rank_offset, len(text))
        elif len(targets) == 2 and rank_offset == 1:
            continue
        elif (gaps := _fuzzy_gaps(query, text)) is not None:
            key = (FUZZY, gaps, len(text))
        else:
            continue
        if best is None or key < best:
            best = key
    return best


def rank(query: str, candidates: Sequence[Candidate], limit: int = 200) -> list[Candidate]:
    """The best `limit` candidates for `query`, best first; ties break on the path."""
    needle = query.strip().lower()
    if not needle:
        return list(candidates[:limit])
    # Only candidates holding the query as a subsequence can score (`_subsequence`: C code, a tenth of `score`'s
    # cost, so 100,000 candidates take milliseconds, not a quarter of a second of the loop's GIL).
    found = _subsequence(needle)
    scored: list[tuple[tuple[int, int, int], str, Candidate]] = []
    for candidate in candidates:
        path, name = candidate.path_key, candidate.name_key
        if found(path) or (not path.endswith(name) and found(name)):
            key = score(needle, path, name)
            if key is not None:
                scored.append((key, candidate.path, candidate))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in scored[:limit]]


def matching(query: str, candidates: Sequence[Candidate]) -> tuple[list[Candidate], Candidate | None]:
    """Every candidate `query` matches, in the order given, and the one `rank` would put first.

    What the Tables pane's filter needs: it lists the matches in list order and puts the cursor on the best.
    Ranking them all runs `score` per candidate (a quarter of a second at 100,000 tables); here the matches are
    found by a compiled subsequence pattern (one pass of C code per candidate: every match of `score` is a subsequence of
    the path) and the best among the first non-empty of: names starting with the query, paths starting with
    it, paths holding it, the rest. Each of these beats every candidate of the next ones in `score`'s order.
    """
    needle = query.strip().lower()
    if not needle:
        return list(candidates), (candidates[0] if candidates else None)
    found = _subsequence(needle)
    if "." in needle:
        matches = [c for c in candidates if found(c.path_key)]
    else:  # the name fuzzily, the path only whole (`score`)
        matches = [c for c in candidates if found(c.name_key) or needle in c.path_key]
    if not matches:
        return matches, None
    if "." not in needle and (named := [c for c in matches if c.name_key.startswith(needle)]):
        return matches, min(named, key=lambda c: (len(c.name_key), c.path))  # (EXACT or PREFIX, 0, length)
    if pathed := [c for c in matches if c.path_key.startswith(needle)]:
        return matches, min(pathed, key=lambda c: (len(c.path_key), c.path))  # (EXACT or PREFIX, 1, length)
    held = [c for c in matches if needle in c.path_key] or matches
    return matches, min(held, key=lambda c: (score(needle, c.path_key, c.name_key), c.path))
