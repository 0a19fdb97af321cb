"""A database's dependencies are kept as two lists of refs (core.model_dependencies) and read, compared, hashed
and written as the tuple of the same Dependency objects."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from dibs_tui.core.explore.uses import UsesIndex
from dibs_tui.core.model import Dependency, ObjectRef
from dibs_tui.core.model_dependencies import Dependencies
from tests.diffcases.harness import introspect_dsn
from tests.pg import run_sql


def test_a_reads_dependencies_behave_as_the_tuple_of_them(db: str) -> None:
    run_sql(
        db,
        "CREATE TABLE t (id int PRIMARY KEY, n int); CREATE VIEW v AS SELECT id, n FROM t; "
        "CREATE VIEW w AS SELECT id FROM v; CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 1; "
        "ALTER TABLE t ADD CHECK (n > f());",
    )
    catalog = asyncio.run(introspect_dsn(db))
    kept = catalog.dependencies
    assert isinstance(kept, Dependencies)
    whole = tuple(kept)
    assert len(kept) == len(whole) > 0
    assert all(type(d) is Dependency for d in whole)
    assert ObjectRef("table", "public", "w") in {d.dependent for d in whole}  # the view's rule, resolved
    assert kept == whole and whole == kept
    assert kept[0] == whole[0] and kept[-1] == whole[-1] and kept[1:3] == whole[1:3]
    assert hash(kept) == hash(whole) and repr(kept) == repr(whole)
    assert Dependencies(whole) == kept  # kept anew from the same pairs
    assert Dependencies(whole[1:]) != kept
    # The read's own way: the two lists of refs adopted as they are.
    adopted = Dependencies.of_lists([d.dependent for d in whole], [d.referenced for d in whole])
    assert adopted == kept and tuple(adopted) == whole
    with pytest.raises(ValueError):
        Dependencies.of_lists([d.dependent for d in whole], [d.referenced for d in whole[1:]])
    # Walked as pairs of refs, no Dependency made (the Used by section's index of every edge).
    assert list(kept.pairs()) == [(d.dependent, d.referenced) for d in whole]
    # A catalog holding the tuple equals the read's own, and so does one read again.
    assert dataclasses.replace(catalog, dependencies=whole) == catalog
    table = ObjectRef("table", "public", "t")
    by_pairs, by_tuple = UsesIndex(catalog), UsesIndex(dataclasses.replace(catalog, dependencies=whole))
    assert by_pairs.direct(table) == by_tuple.direct(table) != []
    assert by_pairs.tree(table) == by_tuple.tree(table)
    assert asyncio.run(introspect_dsn(db)) == catalog
    # Frozen like the Dependency it stands for.
    with pytest.raises(dataclasses.FrozenInstanceError):
        kept[0].dependent = kept[0].referenced  # type: ignore[misc]
