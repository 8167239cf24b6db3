"""Writing the file the user named (`files.write_to`): export from the command line, download and
print-to-file. Real files, FIFOs and device nodes; the command line as a subprocess.

Never /dev/null or /dev/full themselves: the code before this module renamed a regular file over
its target, so as root these tests would have replaced the machine's own devices. They use nodes
of the same devices created in the test's directory (root only), and skip without root.
"""

import csv
import errno
import gc
import io
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import threading

import openpyxl
import pytest

from smtp_tui.reports import printing
from smtp_tui.reports.export import export, export_to_file
from tests.test_cli_commands import Cli

ACCOUNTS = 1000  # a CSV of about 64 kB: past the file-size limit that stands for a full disk below
FULL_DISK = 40_000  # bytes; SQLite's shared-memory file needs 32 kB
NULL, FULL = (1, 3), (1, 7)  # the device numbers of /dev/null and /dev/full


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    directory = tmp_path_factory.mktemp("template")
    records = [
        {
            "name": f"Relay {n:03d}",
            "email": f"relay{n}@example.com",
            "host": "smtp.example.com",
            "port": 587,
        }
        for n in range(1, ACCOUNTS + 1)
    ]
    (directory / "accounts.json").write_text(json.dumps(records))
    result = Cli(directory)("accounts", "import", str(directory / "accounts.json"))
    assert result.returncode == 0, result.stderr
    return directory / "smtp.db"


@pytest.fixture
def cli(template, tmp_path):
    shutil.copy(template, tmp_path / "smtp.db")
    (tmp_path / "out").mkdir()
    return Cli(tmp_path)


def device(path, numbers):
    """A device node like /dev/null or /dev/full, here (root only)."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(*numbers))
    except PermissionError:
        pytest.skip("creating a device node needs root")
    return path


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def one_clean_line(result, message):
    """Exit 1 and exactly the one line.

    No traceback, no "Exception ignored" from a collected object.
    """
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f"smtp-tui: {message}\n"


def test_a_character_device_is_written_into_never_replaced(cli, tmp_path):
    null = device(tmp_path / "out" / "null", NULL)
    for fmt in ("csv", "json", "xlsx"):
        result = cli("export", "--format", fmt, "--output", str(null))
        assert result.returncode == 0, result.stderr
        assert stat.S_ISCHR(null.lstat().st_mode) and null.lstat().st_rdev == os.makedev(*NULL)
    assert sorted(os.listdir(tmp_path / "out")) == ["null"]


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_a_device_that_refuses_the_write_is_one_line_and_stays(cli, tmp_path, fmt):
    full = device(tmp_path / "out" / "full", FULL)
    result = cli("export", "--format", fmt, "--output", str(full))
    one_clean_line(result, f"Cannot write {full}: No space left on device.")
    assert stat.S_ISCHR(full.lstat().st_mode) and sorted(os.listdir(tmp_path / "out")) == ["full"]


def test_a_fifo_is_written_into(cli, tmp_path):
    fifo = tmp_path / "out" / "report.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    os.set_blocking(reader, True)
    keep_open = os.open(
        fifo, os.O_WRONLY
    )  # so the reader waits for the export instead of seeing its end
    received = []
    thread = threading.Thread(
        target=lambda: received.extend(iter(lambda: os.read(reader, 65536), b""))
    )
    thread.start()
    try:
        result = cli("export", "--output", str(fifo))
    finally:
        os.close(keep_open)
        thread.join()
        os.close(reader)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert len(csv_rows(b"".join(received))) == 1 + ACCOUNTS


def test_a_link_to_a_file_is_followed_and_stays_a_link(cli, tmp_path):
    real = tmp_path / "out" / "real.csv"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "out" / "link.csv"
    link.symlink_to(real)
    result = cli("export", "--output", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert len(csv_rows(real.read_bytes())) == 1 + ACCOUNTS
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(os.listdir(tmp_path / "out")) == ["link.csv", "real.csv"]


def test_a_link_another_user_planted_in_a_shared_directory_is_not_followed(cli, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("making a link another user owns needs root")
    shared = tmp_path / "out"
    shared.chmod(0o1777)  # like /tmp
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    planted = shared / "report.csv"
    planted.symlink_to(victim)
    os.lchown(planted, 65534, 65534)
    one_clean_line(
        cli("export", "--output", str(planted)),
        f"Cannot write {planted}: A symbolic link another user "
        f"made in the shared directory {shared}: not followed.",
    )
    assert victim.read_text() == "precious\n" and planted.is_symlink()
    os.lchown(planted, 0, 0)  # our own link there is followed
    assert cli("export", "--output", str(planted)).returncode == 0
    assert len(csv_rows(victim.read_bytes())) == 1 + ACCOUNTS and planted.is_symlink()


def test_a_planted_partial_file_is_neither_followed_nor_clobbered(cli, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    planted = tmp_path / "out" / "report.csv.partial"
    planted.symlink_to(victim)
    result = cli("export", "--output", str(tmp_path / "out" / "report.csv"))
    assert result.returncode == 0, result.stderr
    assert victim.read_text() == "precious\n"
    assert planted.is_symlink() and os.readlink(planted) == str(victim)
    assert sorted(os.listdir(tmp_path / "out")) == ["report.csv", "report.csv.partial"]


def test_a_replaced_file_keeps_its_mode_and_owner(cli, tmp_path):
    old_umask = os.umask(0o022)  # the CLI inherits it: a file made anew would be 0644
    try:
        private = tmp_path / "out" / "private.csv"
        private.write_text("old\n")
        private.chmod(0o600)
        assert cli("export", "--output", str(private)).returncode == 0
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
        fresh = tmp_path / "out" / "fresh.csv"
        assert cli("export", "--output", str(fresh)).returncode == 0
        assert (
            stat.S_IMODE(fresh.stat().st_mode) == 0o644
        )  # 0666 less the umask, as any program makes it
        if os.geteuid() == 0:
            os.chown(private, 65534, 65534)
            assert cli("export", "--output", str(private)).returncode == 0
            assert (private.stat().st_uid, private.stat().st_gid) == (65534, 65534)
    finally:
        os.umask(old_umask)


def limited_file_size():
    """In the child: files cannot grow past FULL_DISK, which writes see as a full disk (EFBIG)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FULL_DISK, FULL_DISK))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_full_disk_leaves_the_old_file_and_nothing_else(cli, tmp_path, fmt):
    (tmp_path / "scratch").mkdir()
    cli.env["TMPDIR"] = str(tmp_path / "scratch")  # where xlsxwriter assembles the workbook
    old = tmp_path / "out" / f"report.{fmt}"
    old.write_text("the previous report\n")
    result = cli("export", "--format", fmt, "--output", str(old), preexec_fn=limited_file_size)
    where = "" if fmt == "csv" else f" in {tmp_path / 'scratch'}, where the XLSX file is assembled"
    one_clean_line(result, f"Cannot write {old}: File too large{where}.")
    assert old.read_text() == "the previous report\n"
    assert os.listdir(tmp_path / "out") == [old.name] and os.listdir(tmp_path / "scratch") == []


FULL_TMPFS = """
mount -t tmpfs -o size=1m tmpfs "$DISK" || exit 99
printf 'the previous report' > "$DISK/report"
dd if=/dev/zero of="$DISK/fill" bs=4k 2>/dev/null
"$@"; echo "exit $?"
cat "$DISK/report"; echo; ls -A "$DISK"
"""


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_a_really_full_disk_is_one_line_and_leaves_the_old_file(cli, tmp_path, fmt):
    """A tmpfs filled to the last block, in a mount namespace of this command alone (root only)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("mounting a small file system needs root and unshare")
    result = subprocess.run(
        [
            "unshare",
            "--mount",
            "sh",
            "-c",
            FULL_TMPFS,
            "sh",
            sys.executable,
            "-m",
            "smtp_tui",
            "export",
            "--format",
            fmt,
            "--output",
            str(disk / "report"),
        ],
        env={**cli.env, "DISK": str(disk)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode == 99:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    assert result.stdout.splitlines() == ["exit 1", "the previous report", "fill", "report"]
    assert result.stderr == f"smtp-tui: Cannot write {disk / 'report'}: No space left on device.\n"


def test_refused_targets_are_one_line_each(cli, tmp_path):
    dangling = tmp_path / "out" / "dangling.csv"
    dangling.symlink_to(tmp_path / "nowhere" / "created-by-whoever-planted-it")
    one_clean_line(
        cli("export", "--output", str(dangling)),
        f"Cannot write {dangling}: "
        f"A symbolic link to {tmp_path}/nowhere/created-by-whoever-planted-it, "
        "which does not exist.",
    )
    one_clean_line(
        cli("export", "--output", str(tmp_path / "out")),
        f"Cannot write {tmp_path / 'out'}: Is a directory: add a file name.",
    )
    missing = tmp_path / "missing"
    one_clean_line(
        cli("export", "--output", str(missing / "r.csv")),
        f"Cannot write {missing / 'r.csv'}: The directory {missing} does not exist.",
    )
    if os.geteuid() == 0:  # device 0,0 is no disk at all: were it opened, nothing would be written
        disk = tmp_path / "out" / "disk"
        os.mknod(disk, stat.S_IFBLK | 0o600, os.makedev(0, 0))
        one_clean_line(
            cli("export", "--output", str(disk)),
            f"Cannot write {disk}: A block device: a report is never written onto a disk.",
        )
    assert dangling.is_symlink() and not (tmp_path / "nowhere").exists()
    assert cli("export", "--output", "").returncode == 2


def test_stdout_is_dash_and_xlsx_goes_to_a_pipe(cli, tmp_path):
    dash = cli("export", "--output", "-", cwd=tmp_path)
    assert dash.returncode == 0 and len(csv_rows(dash.stdout.encode())) == 1 + ACCOUNTS
    assert not (tmp_path / "-").exists()
    piped = subprocess.run(
        [sys.executable, "-m", "smtp_tui", "export", "--format", "xlsx"],
        env=cli.env,
        capture_output=True,
        timeout=60,
    )
    assert piped.returncode == 0, piped.stderr
    assert openpyxl.load_workbook(io.BytesIO(piped.stdout)).active.max_row == 1 + ACCOUNTS


def test_a_reader_that_goes_away_ends_the_export_quietly(cli):
    export = subprocess.Popen(
        [sys.executable, "-m", "smtp_tui", "export", "--format", "json"],
        env=cli.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert export.stdout.read(100).startswith(b"[")
    export.stdout.close()  # `| head -c 100`
    assert export.wait(timeout=60) == 0
    assert export.stderr.read() == b""


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_a_failed_export_leaves_the_callers_stream_open_and_says_nothing_more(
    context, seventy_five, fmt
):
    unread, write = os.pipe()
    os.close(unread)  # every write now fails (EPIPE)
    ignored = []  # what Python would print as "Exception ignored in ..."
    with open(write, "wb", buffering=0) as stream:
        hook, sys.unraisablehook = sys.unraisablehook, ignored.append
        try:
            with pytest.raises(BrokenPipeError):
                export(fmt, stream)
            gc.collect()  # what the failure left behind is collected now, not at some later moment
        finally:
            sys.unraisablehook = hook
        assert not stream.closed
    assert [(u.exc_type, u.object) for u in ignored] == []


def test_an_interrupted_export_leaves_the_file_as_it_was(context, seventy_five, tmp_path):
    old = tmp_path / "report.csv"
    old.write_text("the previous report\n")

    def interrupt(done, total):
        if done == total:  # every row written, not yet renamed: Ctrl-C at the worst moment
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export_to_file("csv", old, progress=interrupt)
    assert old.read_text() == "the previous report\n"
    assert [
        p.name
        for p in tmp_path.iterdir()
        if p.name.startswith("report.csv") or p.name.startswith(".")
    ] == ["report.csv"]


def test_print_to_file_follows_links_keeps_the_mode_and_never_truncates(
    context, seventy_five, tmp_path
):
    document = printing.render()
    real = tmp_path / "printed.txt"
    real.write_text("old\n")
    real.chmod(0o600)
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    printing.save(document, link)
    assert link.is_symlink() and real.read_text(encoding="utf-8") == document.text
    assert stat.S_IMODE(real.stat().st_mode) == 0o600

    real.write_text("old\n")
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (len(document.text) // 2, limit[1]))
    try:
        with pytest.raises(OSError) as failure:
            printing.save(document, real)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limit)
        signal.signal(signal.SIGXFSZ, previous)
    assert failure.value.errno == errno.EFBIG
    assert real.read_text() == "old\n"  # the old code had truncated it
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_print_to_a_device_writes_into_it(context, seventy_five, tmp_path):
    full = device(tmp_path / "full", FULL)
    with pytest.raises(OSError) as failure:
        printing.save(printing.render(), full)
    assert failure.value.errno == errno.ENOSPC and stat.S_ISCHR(full.lstat().st_mode)
