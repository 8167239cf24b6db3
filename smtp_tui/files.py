"""Writing a file the user named (an export, a printout): the one way it is done.

smtp-tui runs as root on appliances, so the name given may be anything: `-`, a device, a
FIFO, a symbolic link, a file another user owns. The rules, decided once here:

- `-` is standard output.
- A character device or a FIFO (`/dev/null`, `/dev/stdout` on a pipe, `mkfifo`) is written
  into as it is: opened for writing, never created, truncated, replaced or renamed over.
- A regular file is replaced whole or not at all: the bytes go to a new temporary file in
  the same directory (a random name, `O_CREAT|O_EXCL|O_NOFOLLOW`, so nothing planted there
  is followed or clobbered), which is synced and renamed over the file only once complete.
  On any failure, Ctrl-C included, the temporary file is removed and the file is untouched.
  A replaced file keeps its permission bits and, where the process may set them, its owner
  and group; a new file gets 0666 less the umask, as any program's would (an export holds
  no secret). Set-user-ID, set-group-ID and sticky bits are not carried over; nor are ACLs
  and other extended attributes, and a file with several hard links is replaced under this
  name only: the price of never truncating a file in place.
- A symbolic link to a regular file is followed as `cp` follows it: the file it points to
  is replaced, the link stays a link. A link in a sticky shared directory (/tmp) made by
  another user is not followed, as the kernel's `fs.protected_symlinks` decides, even where
  that is off; and the file is opened for writing first, so one we may not write (or an
  immutable one) is not replaced.
- Refused, with a reason: a directory, a block device (a report is never written onto a
  disk), a socket, and a link that points nowhere (GNU cp refuses those too: writing
  through one would create a file wherever its owner chose).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

STDOUT = "-"
# A new file, a regular file replaced, a device or FIFO written into.
NEW, REPLACE, INTO = "new", "replace", "into"


class Refused(OSError):
    """A target we will not write to; `strerror` says why, as the system's errors do."""

    def __init__(self, reason: str, path: str):
        super().__init__(errno.EPERM, reason, path)


@dataclass(frozen=True)
class Target:
    """Where the bytes for a name will go, and how."""

    named: str
    how: str  # NEW, REPLACE, INTO, or STDOUT
    path: str  # the file written: the link's target for a link, the name itself otherwise
    original: os.stat_result | None = None  # the file replaced

    @property
    def is_link(self) -> bool:
        """The name is a symbolic link: the file it points to is what is written."""
        return self.how == REPLACE and os.path.islink(self.named)


def target(named: str | os.PathLike) -> Target:
    """What writing to `named` would do; raises OSError (or Refused) when it cannot or must not."""
    named = os.fspath(named)
    if not named:
        raise FileNotFoundError(errno.ENOENT, "No file name given", named)
    if named == STDOUT:
        return Target(named, STDOUT, named)
    _may_follow(named)
    try:
        found = os.stat(named)
    except FileNotFoundError:
        return _new(named)
    kind = stat.S_IFMT(found.st_mode)
    if kind == stat.S_IFDIR:
        raise IsADirectoryError(errno.EISDIR, "Is a directory: add a file name", named)
    if kind == stat.S_IFBLK:
        raise Refused("A block device: a report is never written onto a disk", named)
    if kind == stat.S_IFSOCK:
        raise Refused("A socket, not a file", named)
    if kind != stat.S_IFREG:
        return Target(named, INTO, named)
    # Opening it for writing asks the kernel what `cp` would be allowed: write permission,
    # immutable files, and fs.protected_symlinks for a link planted in a sticky directory.
    # O_NONBLOCK: should it have become a FIFO since, fail instead of waiting for a reader.
    os.close(os.open(named, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK | os.O_CLOEXEC))
    resolved = os.path.realpath(named)
    original = os.lstat(resolved)
    if (original.st_dev, original.st_ino) != (found.st_dev, found.st_ino):
        raise Refused("It changed while it was being opened", named)
    return Target(named, REPLACE, resolved, original)


def _may_follow(named: str) -> None:
    """Refuse what the kernel's fs.protected_symlinks refuses, whether the system has it on or
    not: a link in a sticky world-writable directory (/tmp) made by neither us nor the
    directory's owner; another user plants one there to have root write where they choose."""
    path = os.path.abspath(named)
    # At most 40 links: past that, the kernel's ELOOP says it.
    for _ in range(40):
        try:
            link = os.lstat(path)
        except FileNotFoundError:
            return
        if not stat.S_ISLNK(link.st_mode):
            return
        directory = os.path.dirname(path)
        shared = os.stat(directory)
        if shared.st_mode & (
            stat.S_ISVTX | stat.S_IWOTH
        ) == stat.S_ISVTX | stat.S_IWOTH and link.st_uid not in (os.geteuid(), shared.st_uid):
            raise Refused(
                "A symbolic link another user made in the shared directory "
                f"{directory}: not followed",
                named,
            )
        path = os.path.join(directory, os.readlink(path))


def _new(named: str) -> Target:
    if os.path.lexists(named):
        raise Refused(f"A symbolic link to {os.readlink(named)}, which does not exist", named)
    directory, name = os.path.split(os.path.abspath(named))
    if not name:
        raise IsADirectoryError(errno.EISDIR, "Is a directory: add a file name", named)
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, f"The directory {directory} does not exist", named)
    return Target(named, NEW, os.path.join(os.path.realpath(directory), name))


@contextlib.contextmanager
def write_to(named: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary stream to `named`, written the safe way for what it is (see the module).

    The file is complete when the `with` block ends without an exception; otherwise nothing
    is left behind. Raises OSError, with a `strerror` fit to show (see `message`).
    """
    where = target(named)
    if where.how == STDOUT:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
    elif where.how == INTO:
        with _into(where) as stream:
            yield stream
    else:
        with _replacing(where) as stream:
            yield stream


@contextlib.contextmanager
def _into(where: Target) -> Iterator[BinaryIO]:
    # No O_CREAT, no O_TRUNC.
    fd = os.open(where.path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
    # Swapped for a file since target() looked.
    if stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise Refused("It changed while it was being opened", where.named)
    stream = os.fdopen(fd, "wb")
    try:
        yield stream
    except BaseException:
        _discard(stream)
        raise
    # Closing flushes: a device's refusal (ENOSPC from /dev/full) is raised here.
    stream.close()


@contextlib.contextmanager
def _replacing(where: Target) -> Iterator[BinaryIO]:
    directory = os.path.dirname(where.path)
    stream, temporary = _temporary_file(directory)
    try:
        yield stream
        stream.flush()
        if where.original is not None:
            _keep_owner_and_mode(stream.fileno(), where.original)
        os.fsync(stream.fileno())
        stream.close()
        os.replace(temporary, where.path)
    except BaseException:
        _discard(stream)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_directory(directory)


def _temporary_file(directory: str) -> tuple[BinaryIO, str]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(100):
        path = os.path.join(directory, f".smtp-tui-{secrets.token_hex(8)}.tmp")
        try:
            # 0666 less the umask, as open() gives.
            return os.fdopen(os.open(path, flags, 0o666), "wb"), path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "No free name for a temporary file", directory)


def _keep_owner_and_mode(fd: int, original: os.stat_result) -> None:
    current = os.fstat(fd)
    if (current.st_uid, current.st_gid) != (original.st_uid, original.st_gid):
        # Root can give the file back to its owner; anyone else keeps it as an editor that
        # saves by renaming does (EPERM).
        with contextlib.suppress(PermissionError):
            os.fchown(fd, original.st_uid, original.st_gid)
    os.fchmod(fd, stat.S_IMODE(original.st_mode) & 0o777)


def _discard(stream: BinaryIO) -> None:
    # The flush of a failed write fails again (the disk is still full): the file is being
    # thrown away, so only closing it matters, and CPython closes the descriptor regardless.
    with contextlib.suppress(OSError, ValueError):
        stream.close()


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable; some file systems cannot sync a directory (EINVAL)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def describe(named: str | os.PathLike) -> str:
    """The name as messages and the audit trail give it."""
    return "standard output" if os.fspath(named) == STDOUT else os.fspath(named)


def message(named: str | os.PathLike, exc: OSError) -> str:
    """The one line telling the user why `named` could not be written."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"Cannot write {describe(named)}: {reason}."
