"""Temporary files and folders left by a process that was killed (kill -9, a power cut).

A spool of list rows or a private copy of a decision log is removed when its object goes or the
process exits, but a killed process removes nothing. Each such name carries its process id
(``<prefix><pid>-...``); the next process to make one removes those whose process is gone.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path


def owned_prefix(prefix: str) -> str:
    """The prefix of a temporary name made by this process."""
    return f"{prefix}{os.getpid()}-"


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
            remove_if_owner(path, os.getpid())
        except OSError:
            continue


def remove_if_owner(path: Path, owner: int) -> None:
    """Remove a temporary file or folder, in the process that made it only: a forked worker that
    drops its copy of the object must not take the file from the parent, which still reads it."""
    if os.getpid() != owner:
        return
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    """Whether a process with this id exists (another user's counts: it is not ours to remove)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
