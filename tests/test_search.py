"""The Tables filter's matching agrees with the finders' ranking: the same matches, and the same one first."""

from __future__ import annotations

import random

from dibs_tui.ui.search import Candidate, matching, rank

WORDS = [
    "account",
    "order",
    "orders",
    "inv",
    "tsk",
    "public",
    "app",
    "a",
    "ab",
    "order_0",
    "x.y",
    "]",
    "^a",
    "a-b",
]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice("abcdo_.0123]^-\\") for _ in range(rng.randint(1, 8)))


def test_matching_finds_what_rank_finds_in_the_given_order_and_puts_its_best_first() -> None:
    rng = random.Random(19)
    for _ in range(3000):
        candidates = []
        for i in range(rng.randint(0, 30)):
            schema = rng.choice(["public", "app", "a", "audit", _word(rng).replace(".", "")])
            name = rng.choice([*WORDS, _word(rng)])
            candidates.append(Candidate.of(f"{schema}.{name}", name, i))
        query = rng.choice([*WORDS, _word(rng), _word(rng)[:2], " " + _word(rng), "", "PUB"])
        ranked = rank(query, candidates, limit=len(candidates))
        matches, best = matching(query, candidates)
        assert {id(c) for c in matches} == {id(c) for c in ranked}, query
        assert matches == [c for c in candidates if c in matches], "not in the given order"
        assert (best.path if best else None) == (ranked[0].path if ranked else None), query


def test_matching_a_subsequence_with_characters_a_pattern_would_read_as_syntax() -> None:
    candidates = [
        Candidate.of(p, p.split(".", 1)[1], p) for p in ("s.a]b", "s.a^b", "s.a-b", "s.a\\b", "s.ab")
    ]
    assert [c.path for c in matching("]", candidates)[0]] == ["s.a]b"]
    assert [c.path for c in matching("a-b", candidates)[0]] == ["s.a-b"]
    assert [c.path for c in matching("\\", candidates)[0]] == ["s.a\\b"]
    matches, best = matching("ab", candidates)
    assert len(matches) == 5 and best is not None and best.path == "s.ab"
