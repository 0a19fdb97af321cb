"""The app's side of the Details pane's "Used by" section: the section for the selected table or column,
found on a worker's thread when not known yet (the answer, `UsesFound`, redraws the details if they still
show that object). A mixin of the app, as its explorer keys are; what it needs of the app is `_ShowsUses`."""

from __future__ import annotations

from typing import Any, Protocol

from ..core.model import Catalog, ObjectRef
from .messages import UsesFound
from .widgets.details import DetailLine
from .widgets.used_by import UsedBy, used_by_lines


class _ShowsUses(Protocol):
    catalog: Catalog | None
    used_by: UsedBy
    details_ref: ObjectRef | None

    def run_worker(
        self,
        work: Any,
        *,
        thread: bool = ...,
        exclusive: bool = ...,
        group: str = ...,
        exit_on_error: bool = ...,
    ) -> Any: ...

    def post_message(self, message: Any) -> bool: ...

    def _show_details(self, keep_cursor: bool = False) -> None: ...

    def _shutting_down(self) -> bool: ...


class UsedByDetails:
    def used_by_section(self: _ShowsUses, ref: ObjectRef) -> list[DetailLine]:
        """The section's lines for `ref`; when its uses are not known yet, a worker starts finding them."""
        catalog = self.catalog
        if catalog is None:  # the relation alone is in: what uses it is in the rest of the catalog
            return used_by_lines(None, loading=True)
        uses = self.used_by.known(catalog, ref)
        if uses is None:

            def find() -> None:
                try:
                    self.used_by.find(catalog, ref)
                except Exception as exc:  # a bug in a walk must not leave "finding…" forever: say it
                    self.used_by.failed(catalog, ref, f"{type(exc).__name__}: {exc}".splitlines()[0])
                self.post_message(UsesFound(catalog, ref))

            self.run_worker(find, thread=True, exclusive=True, group="used-by", exit_on_error=False)
        return used_by_lines(uses, loading=False, schema=ref.schema)

    def on_uses_found(self: _ShowsUses, message: UsesFound) -> None:
        # Not once the app is closing: an answer still queued then finds the panes gone
        if message.catalog is self.catalog and message.ref == self.details_ref and not self._shutting_down():
            self._show_details(keep_cursor=True)
