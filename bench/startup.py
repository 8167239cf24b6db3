"""One start of smtp-tui (or of a bare Textual app with a 30-row DataTable), headless, until
its table is first painted with rows. Prints three lines: the wall-clock time (time.time()) of
that paint, the CPU time the process had used by then (less shaken than the wall clock by the
other work of a shared machine), and the peak RSS in KiB.

    python -m bench.startup app DB KEY      python -m bench.startup bare

smtp-tui starts the way `smtp-tui --db DB --key-file KEY` starts it: through
`smtp_tui.cli.main`, with every import that path makes, in its order. Nothing of Textual or
of the project is imported here beforehand: two hooks patch modules as they load (the first
DataTable paint with rows notes the time and ends the app; App.run runs headless at
160x48). The parent notes time.time() just before starting the process, so the difference is
"from process start to the first 30 rows painted", the same way for both apps; the shutdown
after it is not counted.
"""

import importlib.abc
import importlib.util
import sys
import time
from functools import partialmethod

painted_at: list[float] = []
cpu_at_paint: list[float] = []


def peak_rss_kib() -> int:
    """This process's peak resident set (VmHWM), which, unlike ru_maxrss, starts afresh at exec."""
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


class PatchOnImport(importlib.abc.MetaPathFinder):
    """Run `patch(module)` right after `name` is imported, wherever that import comes from."""

    def __init__(self, name: str, patch):
        self.name, self.patch = name, patch

    def find_spec(self, name, path=None, target=None):
        if name != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        exec_module = spec.loader.exec_module

        def exec_then_patch(module):
            exec_module(module)
            self.patch(module)

        spec.loader.exec_module = exec_then_patch
        return spec


def exit_once_painted(module) -> None:
    """Make the first paint of a DataTable with rows note the time and end the app."""
    table_class = module.DataTable
    render_lines = table_class.render_lines

    def render_then_exit(self, crop):
        lines = render_lines(self, crop)
        if self.row_count and not painted_at:
            painted_at.append(time.time())
            cpu_at_paint.append(time.process_time())
            self.app.call_later(self.app.exit)
        return lines

    table_class.render_lines = render_then_exit


def run_headless(module) -> None:
    module.App.run = partialmethod(module.App.run, headless=True, size=(160, 48))


def smtp_tui(database: str, key_file: str) -> None:
    from smtp_tui.cli import main

    main(["--db", database, "--key-file", key_file])


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

    Bare().run()


if __name__ == "__main__":
    sys.meta_path[:0] = [
        PatchOnImport("textual.widgets._data_table", exit_once_painted),
        PatchOnImport("textual.app", run_headless),
    ]
    if sys.argv[1] == "app":
        smtp_tui(sys.argv[2], sys.argv[3])
    else:
        bare()
    print(repr(painted_at[0]))
    print(repr(cpu_at_paint[0]))
    print(peak_rss_kib())
