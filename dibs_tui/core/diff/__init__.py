"""Compare two catalogs (current -> desired) and plan the SQL that turns one into the other.

The public API and its data types are documented in `dibs_tui.core.plan`. How the plan is ordered: every
statement is a step that declares what it creates, what it needs to exist and what it destroys (`graph.Step`,
recorded through `PlanState.step`). `graph` adds the edges pg_depend gives on both sides (current for drops,
desired for creates), schemas and extensions around what they hold, and sorts once (Kahn, ties broken by a
readable phase); a cycle no known move breaks is a `graph.PlanCycleError` naming the objects in it.

The steps of the pipeline, one module each: `renames` (accepted renames applied first, suggestions last), the
`compare_*` modules (one kind of object each, recording into a shared `state.PlanState`), `graph` (the
dependency graph and its sort), `render` (the SQL spellings they share). This module runs them in turn and is
the public entry point.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..gc_pause import collector_paused

if TYPE_CHECKING:
    from ..connect import ConnectionTarget
    from ..introspect.build_columns import ColumnPool
    from ..model import Catalog
    from ..model import Sequence as SequenceObject
    from ..plan import Change, DiffResult, PlannedStatement, RenameSuggestion
    from ..sandbox import ShadowInfo
    from ..sqlfiles import DesiredSchema
    from ..tool_tables import LeftOut
    from .graph import DepIndex, References

    Shared = tuple[tuple[SequenceObject, str], ...]  # tool_tables.read_by_tools


def diff_catalogs(
    current: Catalog,
    desired: Catalog,
    *,
    accepted_renames: Iterable[tuple[str, str]] = (),
    privileges: bool = False,
    current_deps: DepIndex | None = None,
    desired_deps: References | None = None,
    live_grants_read: bool = True,
    suggest: bool = True,
) -> tuple[tuple[Change, ...], tuple[PlannedStatement, ...], tuple[RenameSuggestion, ...]]:
    """Changes, the ordered plan and rename suggestions to turn `current` into `desired`; with `privileges`,
    grants and default privileges too. Pure. `current_deps` and `desired_deps`: the sides' pg_depend as node
    keys, when the caller made them already (`diff_database`, as each side is read). `live_grants_read` False:
    `current` was read without its grants on purpose, and a plan that re-creates objects raises
    LiveGrantsNeeded (compare_privileges) instead of leaving their grants out. `suggest` False: no rename
    suggestions (a caller that does not show them; the plan is the same)."""
    # The model, the plan's types and the steps, imported here (see _PLANNER): a diff imports them while it
    # waits for the catalogs.
    from ..plan import ChangeKind, PlannedStatement
    from .applied_by import as_applied_by
    from .body_edges import body_edges
    from .cascade import plan_cascades
    from .compare_dependents import plan_policy_alters
    from .compare_foreign import plan_foreign_options, plan_foreign_table_moves
    from .compare_objects import plan_objects, plan_text_search
    from .compare_privileges import plan_kept_grants, plan_privileges
    from .compare_relations import plan_relations
    from .compare_schemas import plan_functions, plan_schemas_and_extensions, plan_sequences
    from .compare_table_options import plan_clustering, plan_key_index_options, plan_replica_identity
    from .compare_types import plan_domains, plan_enums
    from .compare_user_types import plan_collations, plan_composites, plan_ranges
    from .deparse_drift import across_versions
    from .graph import ordered_with_soft
    from .name_slots import name_edges
    from .not_null_states import plan_created_not_valid
    from .rename_order import column_rename_steps, plan_renamed_back, table_rename_steps
    from .renames import (
        apply_renames,
        refuse_unmatched_renames,
        rename_table_sequences,
        renamed_back,
        resolve_renames,
        suggest_renames,
    )
    from .render import CHECK_BODIES_OFF
    from .respell import respell_renamed, respell_renamed_values, values_respeller
    from .spelled_alike import spelled_as_desired
    from .state import PlanState, new_statement

    desired = as_applied_by(desired, current.reader)
    tables, columns = resolve_renames(accepted_renames, current)
    refuse_unmatched_renames(tables, columns, current, desired)
    rename_steps, rename_changes = table_rename_steps(tables, current, desired)
    table_map = {(s, o): (ns, n) for s, o, ns, n in tables}
    column_steps, column_changes, hops = column_rename_steps(columns, table_map, current, desired)
    rename_steps += column_steps
    rename_changes += column_changes
    values = values_respeller(current, desired)  # an enum value renamed in place: its constants follow it
    back = renamed_back(current, desired, columns)
    if tables or columns:
        current = apply_renames(current, desired, tables, columns)
        current, follow_ups = rename_table_sequences(current, desired, [(ns, n) for _, _, ns, n in tables])
        rename_steps.extend(follow_ups)
        # what reads a renamed table or column follows it: respelled, not rebuilt
        current, follow_ups, part_changes = respell_renamed(
            current,
            desired,
            tables,
            hops,
            values,
        )
        rename_changes.extend(part_changes)
        rename_steps.extend(follow_ups)
        current_deps = None  # the renamed catalog's own
    # what names a renamed enum value follows it too (the dependencies are the same: current_deps holds)
    current = respell_renamed_values(current, desired, values)
    if across_versions(current.server_version, desired.server_version):
        current = spelled_as_desired(current, desired)  # what only another major version prints otherwise
    state = PlanState(current, desired, current_index=current_deps, desired_index=desired_deps)
    plan_renamed_back(state, back, table_map)
    plan_schemas_and_extensions(state)
    plan_collations(state)
    plan_enums(state)
    plan_domains(state)
    plan_composites(state)
    plan_ranges(state)
    plan_sequences(state)
    recreated_functions = plan_functions(state)
    # a configuration made again is read as a function is: what names it is made again with it
    recreated_functions |= plan_text_search(state)
    plan_foreign_table_moves(state)
    plan_relations(state, recreated_functions)
    plan_foreign_options(state)
    plan_cascades(state)
    plan_policy_alters(state)  # those the cascades did not make again
    plan_objects(state)  # after the cascades: a rule on a view they re-create is made again with it
    plan_clustering(state)  # after every step that makes a table or an index (again)
    plan_replica_identity(state)  # likewise
    plan_key_index_options(state)  # after every step that makes a key (again)
    plan_created_not_valid(state)  # after every step that makes a table or a column (again)
    if privileges:  # last: objects the steps above create get their grants
        plan_privileges(state)
    else:
        plan_kept_grants(state, live_grants_read=live_grants_read)
    soft = body_edges(state.steps, current, desired)
    names = name_edges(state.steps, current, desired)
    ordered, dropped_soft = ordered_with_soft(
        state.steps, state.current_deps, state.desired_deps, soft, names
    )
    if state.needs_bodies_off or dropped_soft:
        # Like pg_dump: SQL function bodies may read tables created later in the plan. PL/pgSQL bodies are
        # checked with their %ROWTYPE / %TYPE declarations resolved: kept on while every body edge holds (the
        # function comes after what it names), off once one closing a cycle was dropped.
        rename_steps.insert(0, PlannedStatement(CHECK_BODIES_OFF, ChangeKind.ALTER, ()))
    plan = tuple(rename_steps) + tuple(
        [new_statement(s.sql, s.change, s.touches, s.transactional, s.destructive) for s in ordered]
    )
    renames = tuple(suggest_renames(current, desired)) if suggest else ()
    return tuple(rename_changes) + tuple(state.changes), plan, renames


# -- the whole pipeline --------------------------------------------------------------------------------------

# What diff_database imports on a thread (core/preimport.py) while its connections open and both catalogs are
# read: the introspection's read and the model first (the sessions wait for them before their first query),
# then the meta tables' reader (the read's last step), the plan's types and the planner's modules (imported by
# diff_catalogs, not with this package: they used to be imported before the first connection opened), and what
# diff_database asks of the plan. What the loop's thread imports itself once the sessions are open is on the
# client's critical path (the read) or after both reads, while the server idles.
_PLANNER = (
    "dibs_tui.core.meta",
    "dibs_tui.core.meta_tables",
    "dibs_tui.core.plan",
    *(
        f"{__name__}.{name}"
        for name in (
            "applied_by",
            "body_edges",
            "cascade",
            "compare_foreign",
            "compare_objects",
            "compare_privileges",
            "compare_relations",
            "compare_schemas",
            "compare_table_options",
            "compare_types",
            "compare_user_types",
            "graph",
            "not_null_states",
            "rename_order",
            "renames",
            "render",
            "respell",
            "spelled_alike",
            "state",
        )
    ),
    "dibs_tui.core.deparse_forms",
    "dibs_tui.core.tool_tables",
    "dibs_tui.core.wal_level",
)


def _comparable(catalog: Catalog, exclude_tables: Sequence[str]) -> tuple[Catalog, tuple[LeftOut, ...]]:
    """One side as diff_catalogs compares it: other tools' tables and `exclude_tables` left out (and what was),
    the deparser's two spellings of one expression brought to one. Made as soon as that side is read, while
    the other may still be reading."""
    from ..deparse_forms import canonical
    from ..tool_tables import leave_out

    return leave_out(canonical(catalog), exclude_tables)


@dataclass
class _Timer:
    marks: dict[str, float] = field(default_factory=dict)
    start: float = field(default_factory=time.perf_counter)

    def mark(self, name: str, since: float) -> float:
        now = time.perf_counter()
        self.marks[name] = self.marks.get(name, 0.0) + now - since
        return now


async def diff_database(
    target: ConnectionTarget,
    desired: Sequence[str | Path],
    *,
    include_schemas: Sequence[str] = (),
    exclude_schemas: Sequence[str] = (),
    accepted_renames: Iterable[tuple[str, str]] = (),
    exclude_tables: Sequence[str] = (),
    privileges: bool = False,
    read_privileges: bool = True,
    sessions_per_side: int = 2,
    suggest_renames: bool = True,
) -> DiffResult:
    """Introspect `target`, build the desired catalog (shadow database, other DSN or migrations), diff.

    Tool history and meta tables, and those `exclude_tables` names, are left out of both sides first, and the
    deparser's two spellings of one expression are brought to one (core.deparse_forms). With `privileges`,
    grants are compared too. `read_privileges=False` (the CLI without --privileges) leaves both sides' grants
    unread, the live side's until a plan drops and creates again an object that has some (it gets them back:
    they are read then and the plan made again); at 1,000 tables that saves the live side a query of 10-20 ms
    of server time in most diffs. The Diff pane keeps the default, it toggles the comparison on catalogs it has.
    `sessions_per_side`: catalog sessions for each side's read (both sides are read at once).
    `suggest_renames` False: the result has no rename suggestions, for a caller that does not show them (`diff
    --format sql`: 2.5 % of `diff_catalogs` at 1,000 tables, on the serial tail after both reads)."""
    from ..introspect.live import INTROSPECTION, introspect_target
    from ..preimport import import_in_background
    from ..shadow import load_desired
    from ..together import both

    timer = _Timer()
    t = timer.start
    planner = import_in_background((INTROSPECTION, *_PLANNER))
    columns: ColumnPool = {}  # equal columns of the two sides are one object: comparing them is an identity test
    read_grants = privileges or read_privileges

    # Each side's pg_depend as the plan's node keys is made as soon as that side is read: the side read first
    # makes it while the other is still reading, not after the last row (5,000 tables: 25-45 ms a side).
    async def current_side() -> tuple[tuple[Catalog, tuple[LeftOut, ...]], DepIndex, Shared]:
        catalog = await introspect_target(
            target,
            include_schemas=include_schemas,
            exclude_schemas=exclude_schemas,
            column_pool=columns,
            privileges=read_grants,  # else read only if the plan re-creates objects (LiveGrantsNeeded)
            connections=sessions_per_side,
            wait_for_teardown=False,
        )
        # Imported once read, not before: graph imports the model, which the preimport thread is importing
        # while the sessions open (the connections waited for it: 30-47 ms of CPU at 1,000 tables).
        from ..tool_tables import read_by_tools
        from .graph import DepIndex

        comparable = _comparable(catalog, exclude_tables)
        return comparable, DepIndex(comparable[0]), read_by_tools(catalog, comparable[1])

    async def desired_side() -> tuple[
        tuple[Catalog, tuple[LeftOut, ...]], References, DesiredSchema | None, ShadowInfo | None
    ]:
        catalog, sources, shadow = await load_desired(
            target,
            desired,
            include_schemas=include_schemas,
            exclude_schemas=exclude_schemas,
            column_pool=columns,
            privileges=read_grants,
            connections=sessions_per_side,
            wait_for_teardown=False,  # a database's backends; a sandbox's are waited for before it is dropped
        )
        from .graph import References

        comparable = _comparable(catalog, exclude_tables)
        return comparable, References(comparable[0]), sources, shadow

    # Two large catalogs and a plan, all kept by the caller: built with the collector paused (it rescanned them
    # for over half the time at 1,000 tables), frozen once built (core/gc_pause.py).
    with collector_paused(keep_what_was_built=True):
        # Both sides at once, each on its own sessions: two servers' worth of catalog queries in parallel.
        # Both to their end: a failure leaves no connection.
        (
            ((current, left_current), current_deps, shared),
            ((wanted, left_wanted), desired_deps, sources, shadow),
        ) = await both(current_side(), desired_side())
        planner.join()  # long done: the catalogs take longer (an import error is raised by diff_catalogs)
        from ..tool_tables import kept_for_tools, with_their_schemas, without_their_sequences

        wanted = with_their_schemas(left_current, current, wanted)
        current = without_their_sequences(current, left_wanted)
        wanted = without_their_sequences(wanted, left_current)
        current, wanted, kept = kept_for_tools(shared, current, wanted)
        left_current += kept
        from ..introspect.live import refuse_unknown_schemas
        from ..terminal import safe

        refuse_unknown_schemas(
            include_schemas, f"{safe(current.database)} or the desired side", current, wanted
        )
        from ..model_unmodelled import pair_unmodelled
        from ..plan import DiffResult

        t = timer.mark("introspect both sides", t)
        from .compare_privileges import LiveGrantsNeeded

        accepted = tuple(accepted_renames)  # an iterable read once, and the plan may be made twice

        def plan_for(
            live: Catalog, grants_read: bool
        ) -> tuple[tuple[Change, ...], tuple[PlannedStatement, ...], tuple[RenameSuggestion, ...]]:
            return diff_catalogs(
                live,
                wanted,
                accepted_renames=accepted,
                privileges=privileges,
                current_deps=current_deps,
                desired_deps=desired_deps,
                live_grants_read=grants_read,
                suggest=suggest_renames,
            )

        try:
            changes, plan, renames = plan_for(current, read_grants)
        except LiveGrantsNeeded:  # the plan re-creates objects with grants: read them, plan again
            from ..introspect.live import read_grants as live_grants

            grants, roles = await live_grants(
                target, include_schemas=include_schemas, exclude_schemas=exclude_schemas
            )
            current = replace(current, privileges=grants, roles=roles)
            changes, plan, renames = plan_for(current, True)
        timer.mark("diff", t)
    left_out = tuple(sorted(set(left_current) | set(left_wanted), key=lambda x: (x.schema, x.name)))
    from ..wal_level import publishes

    published = await _publication_note(target) if any(publishes(s.sql) for s in plan) else ()
    return DiffResult(
        current,
        wanted,
        changes,
        plan,
        renames,
        sources,
        time.perf_counter() - timer.start,
        timer.marks,
        left_out,
        (shadow.notes if shadow else ())
        + current.meta.notes  # + meta look-alikes ignored (core.meta_tables)
        + published,
        pair_unmodelled(current.unmodelled, wanted.unmodelled),
    )


async def _publication_note(target: ConnectionTarget) -> tuple[str, ...]:
    """A plan that makes or alters a publication, for a live server whose wal_level is not logical: said
    (core/wal_level.py). One more short session, only then: the catalog's are closed by now."""
    from ..connect import connect
    from ..wal_level import publication_note

    conn = await connect(target)
    try:
        note = await publication_note(conn, "the live server")
    finally:
        await conn.close()
    return (note,) if note else ()
