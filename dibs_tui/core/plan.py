"""The result of a diff: changes, the ordered SQL plan and rename suggestions. This is the public API.

Everything here is plain frozen data; `dibs_tui.core.diff` fills it. Callers (CLI, TUI, migrations):

* `diff_catalogs(current, desired, accepted_renames=())` -> `(changes, plan, renames)`: pure, no I/O.
* `await diff_database(target, desired, include_schemas=..., exclude_schemas=..., accepted_renames=...)`
  -> `DiffResult`: `desired` is SQL files/folders (loaded into a shadow database), a DSN string
  (`postgresql://…`, introspected read-only) or a migrations folder (`migrations:PATH`, replayed from empty).
* `Change`: one logical difference (what a human reads), keyed by an `ObjectRef`.
* `PlannedStatement`: one executable statement, already ordered. Run `DiffResult.plan` top to bottom.
  `transactional=False` statements must not share a transaction with the statements that use their effect
  (`ALTER TYPE … ADD VALUE`: the new label is unusable until committed); run them on their own, committed.
  They come as early as the graph allows, so that a failure after them rolls back all the rest.
  `touches` lists every object the statement creates, drops or alters (the table for a column change is
  included), which review and generate use for hazards and `__dibs_*` meta updates.
  The plan may start with `SET check_function_bodies = off;` (empty `touches`), as pg_dump does, when it
  creates SQL-language functions whose bodies read tables created later in the plan.
  Accepted renames come first (`change=RENAME`); every other statement is placed by a dependency graph: what
  it creates, needs and destroys, plus `pg_depend` of both sides (a drop after its dependents' drops, a create
  after what it references). Where the graph leaves a choice, drops of dependents come first, then types,
  sequences and functions, tables, columns, constraints, foreign keys, views/triggers/policies, other drops,
  comments. A dependency cycle that no known move breaks is an error naming its objects, never a guessed order.
* `Change.kept`: a difference left alone on purpose (a valid constraint the desired side has NOT VALID: it
  already holds all NOT VALID promises); no statement, not drift, said as a note.
* `Change.destructive` / `PlannedStatement.destructive`: data can be lost (drops, narrowing type changes).
* `RenameSuggestion`: a table or column that looks renamed. Never applied unless passed back in
  `accepted_renames` as `(old, new)` pairs, spelled `[schema.]table` or `[schema.]table.column`
  (`schema` defaults to `public`; a column's new name may be given bare).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .model import Catalog, ObjectRef
from .model_unmodelled import UnmodelledPair

if TYPE_CHECKING:
    from .sqlfiles import DesiredSchema
    from .tool_tables import LeftOut


class ChangeKind(enum.StrEnum):
    CREATE = "create"
    DROP = "drop"
    ALTER = "alter"
    RENAME = "rename"


@dataclass(frozen=True)
class Change:
    """One difference between current and desired, as a person reads it.

    `object.kind` is an ObjectRef kind (table, column, constraint, index, …; views and materialized views are
    `table` refs whose `what` says "view"). `old`/`new` are short definitions (None when absent on that side).
    """

    kind: ChangeKind
    object: ObjectRef
    what: str  # human noun: "table", "column", "index", "view", "enum", …
    old: str | None = None
    new: str | None = None
    destructive: bool = False
    detail: str = ""  # e.g. "type integer -> bigint; not null added"
    planned: bool = (
        True  # False: reported only, no statement can make it (a grant to a role the target lacks)
    )
    # True: nothing to do, on purpose: the live object already gives all the desired one promises (a valid
    # constraint where the desired one is NOT VALID). Said as a note, never planned; not drift.
    kept: bool = False

    @property
    def kept_note(self) -> str:
        """What a kept change says as a note: `check public.t.t_id_check: valid, NOT VALID in the desired ...`."""
        ref = self.object
        return f"{self.what} {'.'.join(p for p in (ref.schema, ref.name, ref.sub) if p)}: {self.detail}"

    @property
    def summary(self) -> str:
        """What changed, as the text and the Diff pane say it: the detail the planner wrote, else for an object
        altered whole (a key, a CHECK, an index) the words of its definition that differ, with a little of
        what they follow: `ON DELETE CASCADE -> ON DELETE SET NULL`."""
        if self.detail or self.kind is not ChangeKind.ALTER or not self.old or not self.new:
            return self.detail
        return changed_words(self.old, self.new)

    @property
    def table(self) -> tuple[str, str] | None:
        """The relation this change belongs to (for grouping), if any."""
        if self.object.kind in ("table", "column", "constraint", "index", "trigger", "policy"):
            return (self.object.schema, self.object.name)
        return None


_CONTEXT_WORDS = 2  # words of what the difference follows, shown before it
_SIDE_CHARACTERS = 60  # each side of a long difference, cut at its end
_WHOLE_CHARACTERS = 40  # definitions this short are shown whole


def changed_words(old: str, new: str) -> str:
    """`old -> new`, whole when both are short, else reduced to the words that differ (split at white space),
    the common start left out but for a word or two of context before the difference, a common end said by
    `…`; empty when they are the same words."""
    a, b = old.split(), new.split()
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    if start == len(a) == len(b):
        return ""
    if len(old) <= _WHOLE_CHARACTERS and len(new) <= _WHOLE_CHARACTERS:
        return f"{' '.join(a)} -> {' '.join(b)}"
    shown = max(0, start - _CONTEXT_WORDS)
    tail = " …" if end else ""

    def side(words: list[str]) -> str:
        text = " ".join(words[shown : len(words) - end]) or "(nothing)"
        if len(text) > _SIDE_CHARACTERS:  # its `…` says what follows, the common end too: one, not `… …`
            return text[: _SIDE_CHARACTERS - 1] + "…"
        return text + tail

    return f"{side(a)} -> {side(b)}"


@dataclass(frozen=True)
class PlannedStatement:
    """One statement of the plan, in execution order."""

    sql: str  # complete statement, ends with ";"
    change: ChangeKind
    touches: tuple[ObjectRef, ...]
    transactional: bool = True
    destructive: bool = False


@dataclass(frozen=True)
class RenameSuggestion:
    """A drop+add pair that looks like a rename. `kind` is "table" or "column"."""

    kind: str
    schema: str
    table: str  # for a table rename: the OLD table name
    old: str
    new: str
    confidence: float  # 0..1
    old_schema: str = ""  # a table that moves from another schema (SET SCHEMA): that schema

    @property
    def accept_arg(self) -> tuple[str, str]:
        """What to pass in `accepted_renames` (and what `--accept-rename OLD=NEW` spells)."""
        if self.kind == "table":
            return (f"{self.old_schema or self.schema}.{self.old}", f"{self.schema}.{self.new}")
        return (f"{self.schema}.{self.table}.{self.old}", self.new)


@dataclass(frozen=True)
class DiffResult:
    """Everything one diff produced. `in_sync` is what `check` gates on."""

    current: Catalog
    desired: Catalog
    changes: tuple[Change, ...]
    plan: tuple[PlannedStatement, ...]
    renames: tuple[RenameSuggestion, ...]
    desired_sources: DesiredSchema | None = None  # the loader's, when the desired side was SQL files
    elapsed_s: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds (shadow, introspect, diff)
    left_out: tuple[LeftOut, ...] = ()  # tool history, meta and excluded tables: never compared
    notes: tuple[str, ...] = ()  # how the desired side was loaded, when it matters (another server/version)
    # Kinds the model does not know, counted on both sides: reported, and not in sync when they differ.
    unmodelled: tuple[UnmodelledPair, ...] = ()

    @property
    def unmodelled_differences(self) -> tuple[UnmodelledPair, ...]:
        return tuple(u for u in self.unmodelled if u.differs)

    @property
    def in_sync(self) -> bool:
        """Nothing to plan, no change the plan cannot make, and no unmodelled object that differs: what the
        model cannot see is not assumed equal. A kept change is no drift: said, and in sync."""
        return not self.plan and not self.unmodelled_differences and all(c.planned for c in self.changes)

    def sql(self) -> str:
        """The plan as one script."""
        return "".join(s.sql + "\n" for s in self.plan)
