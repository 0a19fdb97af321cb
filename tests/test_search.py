"""The Tables filter's matching agrees with the finders' ranking: the same matches, and the same one first;
and what the filter lists on a real catalog."""

from __future__ import annotations

import random

from dibs_tui.ui.search import Candidate, matching, rank, score
from tests.pg import execute
from tests.ui_pilot import loaded, make_app, shown_tables, wait_for

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


def test_rank_ranks_every_candidate_that_scores_and_only_those() -> None:
    """`rank` scores only the candidates holding the query as a subsequence: the same answer as scoring all."""
    rng = random.Random(20)
    for _ in range(3000):
        candidates = []
        for i in range(rng.randint(0, 30)):
            schema = rng.choice(["public", "Σ", "app", "ΑΣ", _word(rng).replace(".", "")])
            name = rng.choice([*WORDS, "Σa", "İx", "ΣΣ", _word(rng)])
            column = rng.choice(["", ".id", ".Σ", ".İd", "." + _word(rng)])
            candidates.append(Candidate.of(f"{schema}.{name}{column}", (name + column).rsplit(".", 1)[-1], i))
        query = rng.choice([*WORDS, _word(rng), "σ", "ς", "i̇", "ax", "a.σ", "PUB", ""])
        needle = query.strip().lower()
        scored = [(score(needle, c.path_key, c.name_key), c.path, c) for c in candidates] if needle else []
        expected = sorted((s for s in scored if s[0] is not None), key=lambda item: (item[0], item[1]))
        ranked = rank(query, candidates, limit=len(candidates))
        if needle:
            assert ranked == [item[2] for item in expected], query


async def test_the_filter_lists_what_the_name_holds_not_what_the_schema_spells(db: str) -> None:
    """On pagila `/pay` listed category and film_category first: `p` from `public`, `a` and `y` from
    `category`. A query without a dot matches a name fuzzily, and the schema-qualified path only whole: `/public`
    still lists every table of public, and `/pub.cat` (with its dot) category again."""
    await execute(
        db,
        "CREATE TABLE category (id int); CREATE TABLE film_category (id int); CREATE TABLE payment (id int);"
        "CREATE TABLE pay_by_day (id int); CREATE TABLE staff (id int);",
    )
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await pilot.press("slash", *"pay")
        await wait_for(pilot, lambda: len(shown_tables(app)) < 5)
        assert shown_tables(app) == ["public.pay_by_day", "public.payment"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(shown_tables(app)) == 5)
        await pilot.press("slash", *"pymnt")
        await wait_for(pilot, lambda: shown_tables(app) == ["public.payment"])
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(shown_tables(app)) == 5)
        await pilot.press("slash", *"public")
        await pilot.pause(0.3)
        assert len(shown_tables(app)) == 5
        await pilot.press("escape", "slash", *"pub.cat")
        await wait_for(pilot, lambda: shown_tables(app) == ["public.category", "public.film_category"])
