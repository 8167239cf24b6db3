"""Text from data, peers and people, put on the screen as it is.

Textual reads a str given to a label, a notification, an option or a table cell as markup:
an account named `[/]` ended the app with MarkupError, and `[@click=app.quit]x[/]` became
a link that ran an action. And it writes the characters of a text to the terminal as they
are: an escape sequence stored in a name would drive the administrator's terminal. So every
text that comes from the database, a server, a person or an exception goes through here.
Fixed strings of the interface need not, as long as nothing is put into them.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.dom import DOMNode
from textual.notifications import SeverityLevel

from smtp_tui.mail.transcript import printable


def shown(text: object, *, lines: bool = False) -> str:
    """`text` with its control characters (escape sequences, bidi overrides, line separators)
    written as \\xNN; with `lines`, its line breaks are kept as line breaks."""
    text = str(text)
    if lines and "\n" in text:
        return "\n".join(printable(line) for line in text.split("\n"))
    return printable(text)


def literal(text: object, *, lines: bool = False, style: str = "") -> Content:
    """Content for a Label, a Static, an option or a title: never read as markup."""
    return Content.styled(shown(text, lines=lines), style)


def literal_text(text: object, *, lines: bool = False, style: str = "", justify=None) -> Text:
    """The same as a Rich Text, for what takes Rich renderables (DataTable cells, RichLog):
    a str there is read as Rich markup."""
    return Text(shown(text, lines=lines), style=style, justify=justify)


def notify(node: DOMNode, message: object, *, title: object = "", severity: SeverityLevel = "information",
           timeout: float | None = None) -> None:
    """`node.notify` with the message and the title shown as they are."""
    node.notify(shown(message, lines=True), title=shown(title), severity=severity, timeout=timeout,
                markup=False)
