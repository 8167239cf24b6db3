"""Text from data, peers and people, put on the screen as it is.

Textual reads a str given to a label, a notification, an option or a table cell as markup:
an account named `[/]` ended the app with MarkupError, and `[@click=app.quit]x[/]` became
a link that ran an action. And it writes the characters of a text to the terminal as they
are: an escape sequence stored in a name would drive the administrator's terminal. So every
text that comes from the database, a server, a person or an exception goes through here.
Fixed strings of the interface need not, as long as nothing is put into them. A field being
edited shows its text through `pictured` instead (smtp_tui.screens.widgets.TextInput, TextEditor).
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import App
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.widget import Widget
from textual.widgets import Static

from smtp_tui import glyphs
from smtp_tui.escaping import printable


def shown(text: object, *, lines: bool = False) -> str:
    """`text` with its control characters (escape sequences, bidi overrides, line separators)
    written as \\xNN; with `lines`, its line breaks are kept as line breaks."""
    text = str(text)
    if lines and "\n" in text:
        return "\n".join(printable(line) for line in text.split("\n"))
    return printable(text)


# U+2400-U+241F picture the C0 controls one for one (␛ for escape), U+2421 DEL.
CONTROL_PICTURES = {**{code: chr(0x2400 + code) for code in range(0x20)}, 0x7F: "\u2421"}


def pictured(text: str) -> str:
    """`text` with one visible character for each control character (a picture, or � for the
    others: bidi overrides, C1 controls). For a field being edited, whose cursor counts
    characters; tabs are left to the field, which expands them."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() or c in " \t" else CONTROL_PICTURES.get(ord(c), "\ufffd") for c in text
    )


def literal(text: object, *, lines: bool = False) -> Content:
    """Content for a Label, a Static, an option or a title: never read as markup."""
    return Content(shown(text, lines=lines))


def literal_text(text: object, *, lines: bool = False, style: str | Style = "") -> Text:
    """The same as a Rich Text, for what takes Rich renderables (DataTable cells, RichLog):
    a str there is read as Rich markup. A coloured `style` is a widget's component style
    (`get_component_rich_style`), so that it follows the theme."""
    return Text(shown(text, lines=lines), style=style)


def notify(
    node: Widget | App,
    message: object,
    *,
    title: object = "",
    severity: SeverityLevel = "information",
    timeout: float | None = None,
) -> None:
    """`node.notify` with the message and the title shown as they are."""
    node.notify(
        shown(message, lines=True),
        title=shown(title),
        severity=severity,
        timeout=timeout,
        markup=False,
    )


def show_verdict(
    verdict: Static, ok: bool, text: object, hint: str = "", note: str | None = None
) -> None:
    """A verdict (a test's, a sign-in's) as the one place draws it: the mark, the text, the
    hint and a note under it, each shown as it is (they come from servers and providers)."""
    verdict.display = True
    verdict.set_class(ok, "-ok")
    verdict.set_class(not ok, "-failed")
    symbols = glyphs.current()
    verdict.update(
        literal(
            f"{symbols.ok if ok else symbols.failed} {text}"
            + (f"\n{hint}" if hint else "")
            + (f"\n{symbols.warning} {note}" if note else ""),
            lines=True,
        )
    )
