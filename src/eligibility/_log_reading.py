"""How an auditor's read-only decision log is opened: in place, as immutable, or from a copy.

An auditor often has only a copy of the log on a read-only share or medium. SQLite reads a WAL
log through side files beside it (``-shm``, ``-wal``) that it cannot create there, so a plain
read-only open fails. ``ReadOnlyReading`` then falls back, visibly (``opened_as``), to a way that
needs no side files and still reads every committed record:

- no write-ahead file with data beside the log: every record is in the main file, which is
  opened as immutable;
- a write-ahead file with data beside it: the log and its side journals are copied into a
  private folder, and the copy is read (immutable would ignore the WAL and silently drop the
  newest records).

The original files are never changed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import weakref
from contextlib import closing
from pathlib import Path

from ._errors import LogError
from ._orphans import make_held, remove_if_owner

READ_WRITE = "read-write"
READ_ONLY = "read-only"
IMMUTABLE = "immutable (no write-ahead file beside it)"
COPY = "copy in {folder} (SQLite could not open its side files beside the log, and a write-ahead file is there)"
"""How a log was opened (``DecisionLog.opened_as``); the last two are read-only fallbacks."""

COPY_PREFIX = "eligibility-log-"
"""Private copies are folders named ``eligibility-log-<pid>-*``."""

SIDE_JOURNALS = ("-wal", "-journal")
"""Files beside a log that can hold committed records (or a rollback) the main file does not yet hold."""

_SIDE_FILE_ERRORS = frozenset({sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR,
                               sqlite3.SQLITE_PERM})
"""Primary result codes of a read-only open that failed on SQLite's side files (no -shm can be
made, the folder is read-only), not on the log itself: worth another way of reading it."""


class ReadOnlyReading:
    """The URI every read-only connection to the log at ``path`` opens, chosen once at creation.

    Raises ``LogError`` naming the file when no way can read it. A reading from a copy holds the
    copy until ``close``, until the object is collected, or until the process ends.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.opened_as = READ_ONLY
        self.open_error: str | None = None
        """Why the plain read-only open failed when a fallback is used; None otherwise."""
        self._remove_copy: weakref.finalize | None = None
        plain = f"{path.resolve().as_uri()}?mode=ro"
        self._uri = plain
        try:
            _probe(plain)
            return
        except UnicodeDecodeError:  # SQLite's message quotes a damaged byte of the log itself: named on open
            return
        except sqlite3.Error as exc:
            if not _side_files_failed(exc):
                return  # the log itself is the problem: DecisionLog's schema checks name it
            self.open_error = str(exc)
        way = "as immutable"
        try:
            if not _pending_journals(path):
                # Immutable tells SQLite the file cannot change: it then needs no -shm, -wal or lock.
                # That is safe only because no write-ahead (or rollback) file with data is beside
                # the log, so every committed record is in the main file; with one there, immutable
                # would ignore it and silently drop the newest records.
                immutable = f"{plain}&immutable=1"
                _probe(immutable)
                self._uri, self.opened_as = immutable, IMMUTABLE
            else:
                way = "from a private copy"
                self._read_a_copy()
        except (OSError, sqlite3.Error, UnicodeDecodeError) as exc:  # the last: SQLite quoting a damaged byte
            raise LogError(f"cannot read the decision log {path}: {self.open_error}; "
                           f"reading it {way} failed too: {exc}") from exc

    def uri(self) -> str:
        """The URI a read-only connection opens now.

        An immutable reading turns into a copy once a write-ahead file with data appears beside
        the log: a writer has come back, and immutable would miss its records.
        """
        if self.opened_as == IMMUTABLE:
            try:
                if _pending_journals(self.path):
                    self._read_a_copy()
            except (OSError, sqlite3.Error, UnicodeDecodeError) as exc:  # the last: SQLite quoting a damaged byte
                raise LogError(f"the decision log {self.path} is being written to, and it cannot be copied "
                               f"to read it: {exc}") from exc
        return self._uri

    def close(self) -> None:
        """Remove the private copy, if this reading made one."""
        if self._remove_copy is not None:
            self._remove_copy()

    def _read_a_copy(self) -> None:
        """Copy the log and its side journal(s) into a private folder and read that copy read-only."""
        folder, lock = make_held(COPY_PREFIX, folder=True)  # after removing the copies of killed readers
        remove = weakref.finalize(self, remove_if_owner, folder, os.getpid(), lock)
        try:
            copy = folder / self.path.name
            _copy_log(self.path, copy)
            uri = f"{copy.resolve().as_uri()}?mode=ro"
            _probe(uri)
        except BaseException:
            remove()
            raise
        self.close()  # an earlier copy, when an immutable reading turned into this one
        self._uri, self._remove_copy = uri, remove
        self.opened_as = COPY.format(folder=folder)


def _probe(uri: str) -> None:
    """Open ``uri`` and read the schema: connecting alone opens nothing, the first read opens
    the file and, in WAL mode, its side files; raises ``sqlite3.Error`` if that fails."""
    with closing(sqlite3.connect(uri, uri=True, isolation_level=None, timeout=60)) as db:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()


def _side_files_failed(exc: sqlite3.Error) -> bool:
    """Whether a read-only open failed as it does where SQLite cannot use the folder (its side
    files), rather than on the log (not SQLite, not a log: those keep their own messages)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and (code & 0xFF) in _SIDE_FILE_ERRORS


def _pending_journals(path: Path) -> list[Path]:
    """The side journals beside ``path`` that exist and are not empty: they may hold committed
    records the main file does not (a WAL), or a rollback it needs (a hot journal)."""
    found = []
    for suffix in SIDE_JOURNALS:
        journal = Path(f"{path}{suffix}")
        try:
            size = journal.stat().st_size
        except FileNotFoundError:
            continue
        if size > 0:
            found.append(journal)
    return found


def _stamps(path: Path) -> tuple[tuple[int, int, int] | None, ...]:
    """Size, modification time and inode of the log and its side journals (None: absent)."""
    stamps: list[tuple[int, int, int] | None] = []
    for file in (path, *(Path(f"{path}{suffix}") for suffix in SIDE_JOURNALS)):
        try:
            st = file.stat()
        except FileNotFoundError:
            stamps.append(None)
            continue
        stamps.append((st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(stamps)


def _copy_log(source: Path, target: Path, attempts: int = 5) -> None:
    """Copy a log and its side journals as one state, the original untouched.

    A writer that commits or checkpoints during the copy would pair a main file and a WAL from
    different moments, so copy again until nothing changed across the copy.
    """
    for _ in range(attempts):
        before = _stamps(source)
        try:
            shutil.copyfile(source, target)
            for suffix in SIDE_JOURNALS:
                journal, copied = Path(f"{source}{suffix}"), Path(f"{target}{suffix}")
                if journal.exists():
                    shutil.copyfile(journal, copied)
                else:
                    copied.unlink(missing_ok=True)
        except FileNotFoundError:  # a journal went away (checkpointed) while being copied
            continue
        if _stamps(source) == before:
            return
    raise OSError(f"{source} kept changing while it was being copied ({attempts} attempts)")
