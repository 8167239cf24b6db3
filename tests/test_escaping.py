"""One escaping rule for whatever is printed from data or peers: the command line's output and
the SMTP transcript (smtp_tui.escaping)."""

import json

import pytest

from smtp_tui.escaping import printable, printable_json, shortened
from smtp_tui.mail.transcript import Transcript


@pytest.mark.parametrize(
    "raw,shown",
    [
        ("x\x1b]0;PWNED\x07\x1b[2J", "x\\x1b]0;PWNED\\x07\\x1b[2J"),  # OSC and CSI from C0
        ("\x9b31m\x9d0;x\x9c", "\\x9b31m\\x9d0;x\\x9c"),  # the same from C1
        ("a\tb\r\nc\x7f", "a\\x09b\\x0d\\x0ac\\x7f"),
        ("Relay\u202egnp.exe\u2066\u200f", "Relay\\u202egnp.exe\\u2066\\u200f"),  # bidi
        ("a\u2028b\u2029", "a\\u2028b\\u2029"),  # line and paragraph separators
        (
            "r\udcff\udc9b",
            "r\\xff\\x9b",
        ),  # bytes that are not UTF-8, as Python decodes argv: the byte
        ("tag\U000e0041", "tag\\U000e0041"),
        (
            "Zürich 中继\u00a0HQ",
            "Zürich 中继\u00a0HQ",
        ),  # printable, and spaces of any width, as they are
    ],
)
def test_what_a_terminal_would_act_on_is_shown_escaped(raw, shown):
    assert printable(raw) == shown


def test_a_text_of_several_lines_keeps_its_newlines_and_tabs():
    assert printable("Bye\x1b[2J\n\tOps", keep="\n\t") == "Bye\\x1b[2J\n\tOps"


def test_json_output_escapes_the_same_characters_and_reads_back_unchanged():
    value = {
        "name": "Relay\x1b]0;PWNED\x07\u202e\x9b\udcff\U000e0041",
        "n": [1, None],
        "ok": "Zürich\u00a0HQ",
    }
    text = printable_json(value)
    assert json.loads(text) == value
    assert printable(text, keep="\n") == text and "Zürich\u00a0HQ" in text  # nothing left to escape


def test_long_values_are_cut_at_the_end_or_in_the_middle():
    assert shortened("abcdef", 6) == "abcdef"
    assert shortened("abcdefgh", 6) == "abcde…"
    assert shortened("start " + "x" * 1000 + " end.", 20, middle=True) == "start xxx…xxxxx end."


def test_the_transcript_escapes_a_server_reply_with_the_same_rule():
    transcript = Transcript()
    transcript.server(250, "OK \x1b]0;PWNED\x07\u202e\udcff")
    assert transcript.lines[0].text == "250 OK \\x1b]0;PWNED\\x07\\u202e\\xff"
