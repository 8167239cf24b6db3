"""The installed `smtp-tui` command, run as a user would run it."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import smtp_tui

ROOT = Path(__file__).resolve().parent.parent


def smtp_tui_cmd(*args, env=None, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "smtp_tui", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        **kwargs,
    )


def test_version_and_help():
    assert smtp_tui_cmd("--version").stdout.strip() == f"smtp-tui {smtp_tui.__version__}"
    help_text = smtp_tui_cmd("--help").stdout
    for option in (
        "--db URL_OR_PATH",
        "--key-file PATH",
        "--demo",
        "SMTP_TUI_DB",
        "SMTP_TUI_KEY_FILE",
    ):
        assert option in help_text


@pytest.mark.parametrize(
    "args, printed",
    [
        (("--help",), "usage: smtp-tui"),
        (("--version",), f"smtp-tui {smtp_tui.__version__}"),
        (("accounts", "--help"), "usage: smtp-tui accounts"),
        (("credentials", "add", "--help"), "usage: smtp-tui credentials add"),
        (("connectors", "host-key", "--help"), "usage: smtp-tui connectors host-key"),
        (("export", "--help"), "usage: smtp-tui export"),
        (("test", "--help"), "usage: smtp-tui test"),
    ],
)
def test_help_and_version_import_neither_the_data_layer_nor_textual_nor_sending(args, printed):
    """--help and --version answer at once (bench/help.py): the command modules load their
    services on first use, which printing a usage never makes."""
    heavy = (
        "peewee",
        "psycopg2",
        "textual",
        "aiosmtplib",
        "httpx",
        "authlib",
        "asyncssh",
        "smtp_tui.store",
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "smtp_tui", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert printed in result.stdout
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "smtp_tui.cli" in imported  # what -X importtime reports is read right
    assert [m for m in sorted(imported) if m.split(".")[0] in heavy or m.startswith(heavy)] == []


def test_an_unusable_database_is_one_clear_line_and_exit_1(tmp_path):
    result = smtp_tui_cmd("--db", "oracle://db.example.com/x", "accounts", "list")
    assert result.returncode == 1
    assert result.stderr == (
        "smtp-tui: Cannot use database oracle://db.example.com/x: "
        'Unrecognized or unsupported scheme: "oracle".\n'
    )
    (tmp_path / "bad.db").write_text("garbage" * 1000)
    result = smtp_tui_cmd("audit", env={"SMTP_TUI_DB": str(tmp_path / "bad.db")})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "file is not a database" in result.stderr


def test_opening_the_tui_imports_nothing_only_a_command_uses():
    """Every start pays for what the command-line path imports (bench/results.md, start-up)."""
    heavy = (
        "aiosmtplib",
        "python_socks",
        "asyncssh",
        "smtp_tui.mail.ssh",
        "httpx",
        "authlib",
        "xlsxwriter",
        "smtp_tui.reports.schedules",
        "smtp_tui.proofs",
        "smtp_tui.mail.compose",
        "smtp_tui.demo",
    )
    commands = (
        "smtp_tui.cli.accounts",
        "smtp_tui.cli.presets",
        "smtp_tui.cli.reports",
        "smtp_tui.cli.registry",
    )
    code = (
        "import sys\nfrom smtp_tui import cli, app\nargs = cli.parse_args(['--db', 'x.db'])\n"
        "print(sorted(m for m in sys.argv[1:] if m in sys.modules))\n"
        "cli.build_parser()  "
        "# every command's parser: their modules, still without the heavy ones\n"
        "print(sorted(m for m in sys.argv[1:] if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *heavy, *commands],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    opening, parser = result.stdout.splitlines()
    assert opening == "[]"
    assert parser == str(sorted(commands))


def test_the_tui_options_parse_alike_with_or_without_the_commands():
    """cli.parse_args reads the TUI's options without building the commands' parsers."""
    from smtp_tui.cli import parse_args

    args = parse_args(["--db", "accounts", "--demo", "--key-file", "k"])  # a value, not the command
    assert (args.db, args.key_file, args.demo, getattr(args, "run", None)) == (
        "accounts",
        "k",
        True,
        None,
    )
    args = parse_args(["accounts", "list", "--json", "--db", "x.db"])
    assert args.run is not None and args.json and args.db == "x.db"


def test_demo_fills_an_empty_database_once(tmp_path):
    args = ("--db", str(tmp_path / "demo.db"), "--key-file", str(tmp_path / "secret.key"), "--demo")
    for _ in range(2):
        result = smtp_tui_cmd(*args, "accounts", "list")
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[-1] == "75 accounts"


def test_an_unknown_option_is_a_usage_error():
    result = smtp_tui_cmd("--colour")
    assert result.returncode == 2 and "unrecognized arguments: --colour" in result.stderr


def test_the_wheel_installs_one_package_with_the_screens_and_styles_inside(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("smtp_tui-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")} == {
        "smtp_tui"
    }
    assert "smtp_tui/styles/app.tcss" in names
    assert "smtp_tui/screens/report.py" in names
    assert "smtp_tui/store/migrations/0001_initial.py" in names
    assert any(n.endswith("entry_points.txt") for n in names)
    shipped = {n for n in names if n.startswith("smtp_tui/styles/") and n.endswith(".tcss")}
    assert shipped == {f"smtp_tui/styles/{p.name}" for p in (ROOT / "styles").glob("*.tcss")}
    top_level = next(n for n in names if n.endswith("top_level.txt"))
    assert zipfile.ZipFile(wheel).read(top_level).split() == [b"smtp_tui"]
