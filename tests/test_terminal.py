"""The escaping every output goes through: what is escaped, what is kept, and JSON that stays JSON."""

from __future__ import annotations

import io
import json

import orjson
import pytest

from dibs_tui.core.sqlescape import escape_sql
from dibs_tui.core.terminal import (
    TerminalSafeWriter,
    colour_wanted,
    columns,
    has_controls,
    json_safe,
    json_safe_text,
    safe,
    safe_output,
)

HOSTILE = "a\x1b]52;c;QQ==\x07b\x9b2J\u202ec\x7f\u2066d\r\x08"


def test_safe_escapes_every_control_and_keeps_the_text() -> None:
    assert safe(HOSTILE) == "a\\x1b]52;c;QQ==\\x07b\\x9b2J\\u202ec\\x7f\\u2066d\\r\\x08"
    assert safe("line\nnext\ttab") == "line\\nnext\\ttab"
    assert safe("line\nnext", keep_newlines=True) == "line\nnext"
    assert safe("café → ok") == "café → ok"


@pytest.mark.parametrize(
    ("text", "controls"),
    [
        ("plain ascii\n\twith tab", False),
        ("é — … →", False),
        (HOSTILE, True),
        ("é\x9b", True),
        ("x\u202e", True),
        ("us\u200bers", True),  # a zero-width space: `users` and `us​ers` would look alike
        ("\ufeffbom", True),
        ("word\u2060joiner", True),
        # The zero-width joiner and non-joiner are escaped too (core.terminal: `us\u200cers` is not `users`),
        # an emoji sequence's joiner with them; an emoji's presentation selector stays.
        ("\U0001f468\u200d\U0001f469", True),
        ("us\u200cers", True),
        # An emoji presentation selector stays after an emoji already drawn 2 cells wide; after a 1-cell one (the
        # red heart, an arrow) the layout counted the pair 2 cells and tmux, VTE and xterm draw 1: escaped.
        ("\U0001f600\ufe0f grin \u2615\ufe0f", False),
        ("\u2764\ufe0f red heart", True),
        ("\U0001f3f3\ufe0f white flag", True),
        ("users\ufe0f", True),  # a selector after ASCII only hides
        ("\U0001f44d\U0001f3fd thumbs up", True),  # a skin tone: 0 cells to the layout, 2 to most terminals
        ("\u3164", True),  # a Hangul filler: a letter that draws nothing
        ("\U000e0041tag", True),
        ("日本語のテキスト 한국어 العربية", False),
    ],
)
def test_output_keeps_newlines_and_tabs_only(text: str, controls: bool) -> None:
    assert has_controls(text) is controls
    escaped = safe_output(text)
    assert not has_controls(escaped)
    assert (escaped == text) is (not controls)


def test_a_skin_tone_is_escaped_so_the_layout_and_the_terminal_agree_on_its_width() -> None:
    """Rich counts an emoji modifier 0 cells wide, after an emoji or alone; a terminal that does not join
    emoji (tmux, VTE, xterm) draws it 2 wide, so a comment with a thumbs-up shifted the rest of its row (the
    pane's border and what followed) two cells to the right. Escaped, both count the same."""
    assert safe("ok \U0001f44d\U0001f3fd!") == "ok \U0001f44d\\U0001f3fd!"
    assert safe("\U0001f3ff") == "\\U0001f3ff"
    assert safe("\U0001f44d ok") == "\U0001f44d ok"  # the emoji itself stays
    assert safe("love \u2764\ufe0f") == "love \u2764\\ufe0f"  # the same for a selector widening a 1-cell one


def test_the_writer_escapes_and_passes_the_rest_through() -> None:
    raw = io.StringIO()
    writer = TerminalSafeWriter(raw)
    writer.write(f"name: {HOSTILE}\n")
    assert raw.getvalue() == f"name: {safe(HOSTILE)}\n"
    assert writer.getvalue() == raw.getvalue()  # anything else is the stream's own


def test_json_stays_json_with_nothing_raw() -> None:
    value = {"name": HOSTILE, "ok": "é → —"}
    encoded = json_safe(orjson.dumps(value))
    assert not has_controls(encoded.decode())
    assert orjson.loads(encoded) == value
    text = json_safe_text(json.dumps(value, ensure_ascii=False))
    assert not has_controls(text) and json.loads(text) == value


def test_no_color_and_dumb_terminals_get_no_colour() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert colour_wanted(Tty(), {})
    assert not colour_wanted(Tty(), {"NO_COLOR": "1"})
    assert not colour_wanted(Tty(), {"TERM": "dumb"})
    assert not colour_wanted(io.StringIO(), {})


def test_escape_sql_rewrites_only_tokens_holding_controls() -> None:
    clean = "CREATE TABLE t (x text DEFAULT 'é' CHECK (x <> 'a''b'));"
    assert escape_sql(clean) is clean
    sql = "SELECT 'a\x1bb', \"n\x07\", $$x\x9by$$, Ab\u202eC -- c\x1b\nFROM t;"
    assert (
        escape_sql(sql)
        == "SELECT E'a\\x1bb', U&\"n\\0007\", E'x\\u009by', U&\"ab\\202Ec\" -- c\\x1b\nFROM t;"
    )


@pytest.mark.parametrize("variable", [None, "", "abc", "0", "-3", "72", "250"])
def test_the_terminal_width_is_the_one_shutil_gives(
    monkeypatch: pytest.MonkeyPatch, variable: str | None
) -> None:
    """argparse's help is laid out to `columns()` (cli_arguments._help_formatter), as it was to shutil's width."""
    import shutil

    if variable is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", variable)
    assert columns() == shutil.get_terminal_size().columns


def test_every_format_character_is_escaped() -> None:
    """Unicode category Cf (the bidi controls among them), the separators: escaped by safe, safe_output,
    has_controls, json_safe, and written as an escape in SQL, whatever the Unicode version of the interpreter."""
    import unicodedata

    from dibs_tui.core.sql import quote_ident, quote_literal

    hidden = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cf", "Zl", "Zp")]
    assert "\u200d" in hidden and "\u200c" in hidden and "\u061c" in hidden
    for char in hidden:
        text = f"a{char}b"
        assert has_controls(text), repr(char)
        assert char not in safe(text) and char not in safe_output(text), repr(char)
        assert char not in json_safe(orjson.dumps(text)).decode(), repr(char)
        assert orjson.loads(json_safe(orjson.dumps(text))) == text
        assert char not in quote_ident(text) and char not in quote_literal(text), repr(char)
        assert char not in escape_sql(f"SELECT 1 AS {quote_ident(text)} -- {text}"), repr(char)


def test_escapes_beyond_the_bmp_read_back() -> None:
    assert safe("x\U000e0041") == "x\\U000e0041"
    assert safe("\u200dé") == "\\u200dé"
    assert orjson.loads(json_safe(orjson.dumps("x\U000e0041"))) == "x\U000e0041"
