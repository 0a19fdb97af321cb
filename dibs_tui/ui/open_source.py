"""`o`: open the selected table's, column's or index's source in the user's editor, at the line.

Terminal editors run with the app suspended (the screen comes back intact); GUI editors start without it.
Every failure is a message, not a traceback: no source location, file not found (with the resolved path),
editor not found, editor exited non-zero. A path outside the project root is opened only after a yes, and so is
the first command of the session that the project's config file chose (`editor = ...`): a repository cloned
from someone else chooses it, and it runs with the user's rights.
"""

from __future__ import annotations

import contextlib
import shlex
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported

from ..core.model import SourceLocation
from .screens.confirm import ConfirmScreen
from .source import ResolvedSource, resolve
from .widgets.details import DetailsView
from .widgets.table_card import ColumnList

if TYPE_CHECKING:
    from .app import DibsApp


def selected_source(app: DibsApp) -> tuple[str, SourceLocation | None]:
    """What `o` would open: (a label for messages, its source location or None)."""
    relation = app.card.relation
    if relation is None:
        return "nothing selected", None
    focused = app.focused
    column = app.card.column_list.current()
    on_column = isinstance(focused, ColumnList) or (
        isinstance(focused, DetailsView) and app.details_subject == "column"
    )
    if on_column and column is not None:
        source = column.provenance.source if column.provenance else None
        return f"column {relation.name}.{column.name}", source
    if isinstance(focused, DetailsView):
        line = focused.current()
        index = next((i for i in relation.indexes if line is not None and line.copy == i.definition), None)
        if index is not None:
            return f"index {index.name}", index.provenance.source if index.provenance else None
    return (
        f"table {relation.schema}.{relation.name}",
        relation.provenance.source if relation.provenance else None,
    )


def open_selection(app: DibsApp) -> None:
    open_location(app, *selected_source(app))


def open_location(app: DibsApp, label: str, location: SourceLocation | None) -> None:
    """Open `location` (what `label` names) in the editor; a file outside the project root only once the user
    agrees."""
    if location is None:
        app.say(f"{label}: no source location recorded", severity="warning")
        return
    resolved = resolve(app.settings, location)
    if not resolved.exists:
        app.say(f"{label}: file not found: {resolved.path}", severity="error")
        return
    if not _inside(resolved.path, app.settings.project_root):

        def answered(yes: bool | None) -> None:
            if yes:
                launch(app, resolved)

        app.push_screen(
            ConfirmScreen(
                f"{resolved.path}\nis outside the project root {app.settings.project_root}.\nOpen it anyway?"
            ),
            answered,
        )
        return
    launch(app, resolved)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root.resolve())
    except ValueError:
        return False
    return True


def launch(app: DibsApp, resolved: ResolvedSource) -> None:
    from ..core.editor import editor_argv, is_terminal_editor

    location = resolved.location
    template = app.settings.editor_template
    argv = editor_argv(resolved.path, location.line, location.column, template=template)
    if template and template != app.editor_agreed:

        def answered(yes: bool | None) -> None:
            if yes:
                app.editor_agreed = template
                launch(app, resolved)

        config = app.settings.config_file or "the project's config"
        app.push_screen(
            ConfirmScreen(
                f"{config} sets the command that opens sources:\n\n{shlex.join(argv)}\n\n"
                "It runs with your rights. Run it (asked once per session)?"
            ),
            answered,
        )
        return
    try:
        if is_terminal_editor(argv):
            with contextlib.ExitStack() as stack:
                with contextlib.suppress(SuspendNotSupported):  # headless: nothing to hand the terminal to
                    stack.enter_context(app.suspend())
                code = subprocess.run(argv, check=False).returncode
            app.refresh(repaint=True, layout=True)
        else:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            app.set_timer(1.0, lambda: _report_gui_exit(app, argv[0], process))
            app.say(f"opening {location} in {argv[0]}", timeout=2)
            return
    except FileNotFoundError:
        app.say(
            f"editor not found: {argv[0]} (set $VISUAL or $EDITOR, or `editor` in dibs-tui.toml)",
            severity="error",
        )
        return
    except OSError as exc:
        app.say(f"cannot start the editor {argv[0]}: {exc.strerror or exc}", severity="error")
        return
    if code != 0:
        app.say(f"the editor {argv[0]} exited with status {code}", severity="error")
    else:
        app.say(f"opened {location}", timeout=2)


def _report_gui_exit(app: DibsApp, editor: str, process: subprocess.Popen[bytes]) -> None:
    """A GUI editor that failed fails fast; one still running (or done, status 0) is fine."""
    code = process.poll()
    if code:
        app.say(f"the editor {editor} exited with status {code}", severity="error")
