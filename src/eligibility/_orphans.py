"""Temporary files and folders left by a process that was killed (kill -9, a power cut).

A spool of list rows or a private copy of a decision log is removed when its object goes or the
process exits, but a killed process removes nothing. Each such name carries its process id
(``<prefix><pid>-...``), and its maker holds a lock on it (``flock``) for as long as it uses it;
the next process to make one removes those whose process is gone *and* whose lock is free. The
lock is what a process id cannot be: a container with its own process ids that shares /tmp sees
another's live process as gone, but the kernel still holds the lock, until its holder dies.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import tempfile
from pathlib import Path


def owned_prefix(prefix: str) -> str:
    """The prefix of a temporary name made by this process."""
    return f"{prefix}{os.getpid()}-"


def make_held(prefix: str, *, folder: bool = False, suffix: str = "") -> tuple[Path, int]:
    """A new temporary file (or folder) named ``<prefix><pid>-...``, locked for this process, after
    sweeping the leftovers of killed ones; returns it and the lock (for ``remove_if_owner``)."""
    sweep(prefix)
    if folder:
        path = Path(tempfile.mkdtemp(prefix=owned_prefix(prefix), suffix=suffix))
    else:
        handle, name = tempfile.mkstemp(prefix=owned_prefix(prefix), suffix=suffix)
        os.close(handle)
        path = Path(name)
    try:
        lock = _lock(path)
        if lock is None:
            raise OSError(f"{path} is locked by another process")
    except OSError:
        remove_if_owner(path, os.getpid())
        raise
    return path, lock


def sweep(prefix: str) -> None:
    """Remove the temporary files and folders named ``<prefix><pid>-<8 characters>[.rows]`` (exactly
    what ``mkstemp``/``mkdtemp`` make here) that this user owns and whose process is gone; never
    fails: a name it cannot remove is left."""
    pattern = re.compile(rf"{re.escape(prefix)}(\d+)-[a-z0-9_]{{8}}(\.rows)?")
    for path in Path(tempfile.gettempdir()).glob(f"{prefix}*-*"):
        found = pattern.fullmatch(path.name)
        try:
            if found is None or path.is_symlink() or path.lstat().st_uid != os.getuid() or _alive(int(found[1])):
                continue
            lock = _lock(path)
        except OSError:
            continue
        if lock is not None:  # None: its maker still holds it
            remove_if_owner(path, os.getpid(), lock)


def remove_if_owner(path: Path, owner: int, lock: int | None = None) -> None:
    """Remove a temporary file or folder, in the process that made it only, then release its lock:
    a forked worker that drops its copy of the object must not take the file from the parent,
    which still reads it."""
    if os.getpid() != owner:
        return
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
    if lock is not None:
        os.close(lock)


def _lock(path: Path) -> int | None:
    """An exclusive lock on ``path``, as an open descriptor, or None when another holds one.
    Forked children share their parent's lock: it is free only once every holder has ended."""
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0) | os.O_NOFOLLOW)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except OSError:
        os.close(fd)
        raise
    return fd


def _alive(pid: int) -> bool:
    """Whether a process with this id exists (another user's counts: it is not ours to remove)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
