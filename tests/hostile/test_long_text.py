"""Text from the database too long to show: a table's comment of a million words (5 MB on one line) and a
column's of 200,000 lines. Shown whole, Details wrapped it on the event loop for ever: the screen never came
and `q` did nothing. Each is shown bounded (ui/text.py: bounded_lines), said so, and `y` copies it whole;
nothing in the database changes."""

from __future__ import annotations

from pathlib import Path

from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.text import SHOWN_LINES
from dibs_tui.ui.widgets.details import DDL_SHOWN_LINES
from tests.pg import execute, fetch
from tests.ui_pilot import loaded, wait_for

SMALL = (80, 24)


async def test_a_comment_of_megabytes_is_shown_bounded_and_copied_whole(db: str) -> None:
    await execute(
        db,
        """CREATE TABLE t (id int PRIMARY KEY, v text);
        INSERT INTO t VALUES (1, 'kept');
        DO $$ BEGIN
          EXECUTE format('COMMENT ON TABLE t IS %L', repeat('word ', 1000000));
          EXECUTE format('COMMENT ON COLUMN t.v IS %L', repeat('line' || chr(10), 200000));
        END $$;""",
    )
    app = DibsApp(resolve(db), Settings(project_root=Path.cwd()), header_label="t")
    async with app.run_test(size=SMALL) as pilot:
        await loaded(pilot)
        texts = [line.content.plain for line in app.details.lines]
        assert len(texts) < DDL_SHOWN_LINES + 100  # the DDL holds the column's comment: its first lines
        assert any("more lines: Y copies the whole DDL" in t for t in texts)
        assert max(len(t) for t in texts) < 2_100  # the 5 MB COMMENT ON TABLE line too, cut
        [note] = [t for t in texts if "in all" in t]
        assert "5,000,000 characters on 1 line in all" in note and "y copies it whole" in note
        doc_row = next(i for i, t in enumerate(texts) if t.startswith("doc"))
        assert len(texts[doc_row]) < 2_100  # cut at SHOWN_CHARS
        app.details.focus()
        app.details.move_cursor(doc_row)
        await pilot.press("y")
        assert app.clipboard == "word " * 1_000_000
        app.card.column_list.focus()
        await pilot.press("j")  # the column v, its comment of 200,000 lines
        await wait_for(
            pilot, lambda: any("200,000 lines in all" in d.content.plain for d in app.details.lines)
        )
        docs = [
            d
            for d in app.details.lines
            if not d.in_ddl and d.content.plain.split() in (["doc", "line"], ["line"])
        ]
        assert len(docs) == SHOWN_LINES
    assert (await fetch(db, "SELECT v FROM t"))[0]["v"] == "kept"
