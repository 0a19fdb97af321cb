"""`e` (or "Export" in the palette): the schema, or the selected table's FK neighbourhood to depth 1-3, as a
Mermaid erDiagram, a Graphviz DOT graph or a Markdown data dictionary, written to a file whose path the user
confirms. The text is `dibs-tui export`'s (core.explore.export), built and written on a thread; a file that
exists is overwritten only once the user says yes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from ...core.explore.export import export
from ...core.model import Catalog, QualifiedName
from ..messages import ExportWritten
from ..screens.confirm import ConfirmScreen
from ..text import data
from ..widgets.footer import Footer

FORMATS = (
    ("mermaid", "Mermaid erDiagram", "mmd"),
    ("dot", "Graphviz DOT", "dot"),
    ("markdown", "Markdown data dictionary", "md"),
)


def default_path(fmt: str, around: QualifiedName | None, depth: int) -> str:
    """`./schema.mmd`, or `./<table>-depth2.dot` around a table (its name made safe for a file name: a
    table may be called `../../x`)."""
    suffix = next(ext for name, _, ext in FORMATS if name == fmt)
    if around is None:
        return f"./schema.{suffix}"
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", f"{around[0]}.{around[1]}")
    return f"./{stem}-depth{depth}.{suffix}"


class Choice(RadioButton):
    """A radio button whose glyph says whether it is chosen, ● or ○: RadioButton draws ● for every choice and
    tells the chosen one by colour only, so under NO_COLOR (a monochrome screen) all looked chosen."""

    @property  # read by ToggleButton when it draws the button
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # Textual's name, a class attribute there
        return "\u25cf" if self.value else "\u25cb"


class ExportScreen(ModalScreen[str | None]):
    """Answers with the line to tell the user (the file written), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="export.cancel")]
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical { width: 84; max-width: 95%; height: auto; max-height: 100%; overflow-y: auto;
        border: thick $accent; background: $surface; padding: 0 1; }
    ExportScreen .export-title { text-style: bold; color: $text-primary; }
    ExportScreen RadioSet { width: 1fr; margin-bottom: 1; }
    ExportScreen Horizontal { height: auto; align-horizontal: right; }
    ExportScreen Button { margin-left: 2; }
    ExportScreen #export-status { color: $text-muted; height: auto; }
    """

    def __init__(self, catalog: Catalog, around: QualifiedName | None) -> None:
        super().__init__()
        self.catalog = catalog
        self.around = around
        self._default = default_path("mermaid", None, 1)

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Static("Export the schema", classes="export-title")
            with RadioSet(id="export-format"):
                for i, (_, label, ext) in enumerate(FORMATS):
                    yield Choice(f"{label} (.{ext})", value=i == 0)
            with RadioSet(id="export-scope"):
                yield Choice("the whole schema", value=True)
                if self.around is not None:
                    name = f"{self.around[0]}.{self.around[1]}"
                    for depth in (1, 2, 3):  # the depth first: a long name cut at the edge must not take it
                        yield Choice(Content.assemble(f"depth {depth} around ", data(name)))
            yield Static("Write to (Enter writes; a file that exists is overwritten only if you say so):")
            yield Input(self._default, id="export-path", compact=True)
            yield Static("", id="export-status")
            with Horizontal():
                yield Button("Write", id="export-write", variant="success", compact=True)
                yield Button("Cancel", id="export-cancel", variant="primary", compact=True)
        yield Footer(compact=True)  # this screen's keys, not the browser's (inert under it)

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def choice(self) -> tuple[str, QualifiedName | None, int]:
        """The format, the table the export is centred on (None: the whole schema) and the depth."""
        fmt = FORMATS[max(self.query_one("#export-format", RadioSet).pressed_index, 0)][0]
        scope = self.query_one("#export-scope", RadioSet).pressed_index
        return fmt, (self.around if scope > 0 else None), max(scope, 1)

    @on(RadioSet.Changed)
    def _changed(self) -> None:
        """A path the user has not edited follows the choice (its suffix, the table and depth in its name)."""
        box = self.query_one("#export-path", Input)
        fresh = default_path(*self.choice())
        if box.value == self._default:
            box.value = fresh
        self._default = fresh

    @on(Input.Submitted, "#export-path")
    def _submitted(self) -> None:
        self._ask()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-write":
            self._ask()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _say(self, text: str, style: str = "$text-error") -> None:
        self.query_one("#export-status", Static).update(data(text, style))

    def _ask(self) -> None:
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self._say("give the file a name")
            return
        path = Path(text).expanduser()
        if path.is_dir():
            self._say(f"{path} is a folder: name a file in it")
            return
        if not (path.exists() or path.is_symlink()):
            self._write(path, overwrite=False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._write(path, overwrite=True)
            else:
                self._say("not written: choose another name", "$text-warning")

        self.app.push_screen(ConfirmScreen(f"{path} exists. Overwrite it?"), answered)

    def _write(self, path: Path, *, overwrite: bool) -> None:
        self._say("writing…", "$text-muted")
        fmt, around, depth = self.choice()
        self._export(path, fmt, around, depth, overwrite)

    @work(thread=True, exclusive=True, group="export", description="export the schema")
    def _export(
        self, path: Path, fmt: str, around: QualifiedName | None, depth: int, overwrite: bool
    ) -> None:
        try:
            text = export(self.catalog, fmt, around=around, depth=depth)
            # "x" unless the user agreed: a file that appeared since the question is not overwritten either
            with path.open("w" if overwrite else "x", encoding="utf-8") as out:
                out.write(text)
        except OSError as exc:
            self.post_message(ExportWritten(path, f"{exc.strerror or type(exc).__name__}: {path}"))
            return
        self.post_message(ExportWritten(path))

    @on(ExportWritten)
    def _written(self, message: ExportWritten) -> None:
        if message.error:
            self._say(f"not written: {message.error}")
        else:
            self.dismiss(f"wrote {message.path.resolve()}")
