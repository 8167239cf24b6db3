"""The style sheets (package data). The report's are read at start-up; the other screens'
(modals.tcss) when the first of those screens opens, so start-up parses less."""

from pathlib import Path

DIRECTORY = Path(__file__).parent
REPORT = [DIRECTORY / "app.tcss", DIRECTORY / "report.tcss"]
SCREENS = [DIRECTORY / "modals.tcss"]
