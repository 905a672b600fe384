"""Temporary files and folders left by a process that was killed (kill -9, a power cut).

A spool of list rows or a private copy of a decision log is removed when its object goes or the
process exits, but a killed process removes nothing. Each such name carries its process id
(``<prefix><pid>-...``); the next process to make one removes those whose process is gone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def owned_prefix(prefix: str) -> str:
    """The prefix of a temporary name made by this process."""
    return f"{prefix}{os.getpid()}-"


def sweep(prefix: str) -> None:
    """Remove the temporary files and folders named ``<prefix><pid>-...`` whose process is gone."""
    for path in Path(tempfile.gettempdir()).glob(f"{prefix}*-*"):
        owner = path.name[len(prefix):].split("-", 1)[0]
        if not owner.isdecimal() or _alive(int(owner)):
            continue
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
