"""A real full disk for tests: a tiny tmpfs, filled up. Mounting needs root (as in CI); where it
is not allowed the test is skipped."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest


class FullDisk:
    def __init__(self, path: Path):
        self.path = path
        self.filler = path / ".filler"

    def fill(self, leave_kib: int = 0) -> None:
        """Fill the file system, then give `leave_kib` KiB back."""
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
        finally:
            os.close(fd)
        os.truncate(self.filler, max(0, self.filler.stat().st_size - leave_kib * 1024))

    def empty(self) -> None:
        self.filler.unlink(missing_ok=True)


@pytest.fixture
def full_disk(tmp_path):
    """A 1 MiB tmpfs at tmp_path/disk, unmounted afterwards; call .fill() to make it full."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(mount)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here to fill up (it needs root)")
    try:
        yield FullDisk(mount)
    finally:
        subprocess.run(["umount", str(mount)], check=True)
