"""The style sheets (package data). The report's are read at start-up; the other screens'
(modals.tcss) when the first of those screens opens, so start-up parses less."""

from pathlib import Path, PurePath

DIRECTORY = Path(__file__).parent
# the type of Textual's CSS_PATH
REPORT: list[str | PurePath] = [DIRECTORY / "app.tcss", DIRECTORY / "report.tcss"]
SCREENS: list[str | PurePath] = [DIRECTORY / "modals.tcss"]
