"""One start of smtp-tui (or of a bare Textual app with a 30-row DataTable), headless, until
the first 30 rows are painted; prints the peak RSS in KiB.

    python -m bench.startup app DB KEY      python -m bench.startup bare
"""

import sys


def peak_rss_kib() -> int:
    """This process's peak resident set (VmHWM), which, unlike ru_maxrss, starts afresh at exec."""
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def smtp_tui(database: str, key_file: str) -> None:
    from screens.report import ReportScreen
    from smtp_tui.app import SmtpApp
    from smtp_tui.config import Config
    from smtp_tui.context import AppContext

    shown = ReportScreen._show_page

    def show_then_exit(self, page, keep_code):
        shown(self, page, keep_code)
        self.app.call_after_refresh(self.app.exit)

    ReportScreen._show_page = show_then_exit
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
            self.call_after_refresh(self.exit)

    Bare().run(headless=True, size=(160, 48))


if __name__ == "__main__":
    if sys.argv[1] == "app":
        smtp_tui(sys.argv[2], sys.argv[3])
    else:
        bare()
    print(peak_rss_kib())
