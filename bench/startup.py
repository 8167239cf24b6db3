"""One start of smtp-tui (or of a bare Textual app with a 30-row DataTable), headless, until
its table is first painted with rows. Prints two lines: the wall-clock time (time.time()) of
that paint, and the peak RSS in KiB.

    python -m bench.startup app DB KEY      python -m bench.startup bare

The parent notes time.time() just before starting the process, so the difference is "from
process start to the first 30 rows painted", the same way for both apps; the shutdown after
it is not counted.
"""

import sys
import time

painted_at: list[float] = []


def peak_rss_kib() -> int:
    """This process's peak resident set (VmHWM), which, unlike ru_maxrss, starts afresh at exec."""
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def exit_once_painted(table_class) -> None:
    """Make the first paint of `table_class` with rows note the time and end the app."""
    render_lines = table_class.render_lines

    def render_then_exit(self, crop):
        lines = render_lines(self, crop)
        if self.row_count and not painted_at:
            painted_at.append(time.time())
            self.app.call_later(self.app.exit)
        return lines

    table_class.render_lines = render_then_exit


def smtp_tui(database: str, key_file: str) -> None:
    from screens.report_table import ReportTable
    from smtp_tui.app import SmtpApp
    from smtp_tui.config import Config
    from smtp_tui.context import AppContext

    exit_once_painted(ReportTable)
    SmtpApp(AppContext.open(Config(database=database, key_file=key_file))).run(headless=True, size=(160, 48))


def bare() -> None:
    from textual.app import App
    from textual.widgets import DataTable

    class Bare(App):
        def compose(self):
            yield DataTable()

        def on_mount(self):
            table = self.query_one(DataTable)
            table.add_columns(*(f"Column {n}" for n in range(14)))
            for row in range(30):
                table.add_row(*(f"cell {row}.{n}" for n in range(14)))

    exit_once_painted(DataTable)
    Bare().run(headless=True, size=(160, 48))


if __name__ == "__main__":
    if sys.argv[1] == "app":
        smtp_tui(sys.argv[2], sys.argv[3])
    else:
        bare()
    print(repr(painted_at[0]))
    print(peak_rss_kib())
