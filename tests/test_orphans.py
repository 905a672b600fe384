"""Temporary files of a killed process are removed by the next one (``_orphans``)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from eligibility._screen._spool import PREFIX, RowSpool


def dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    return int(child.stdout)


def test_a_new_spool_removes_the_spools_and_log_copies_of_killed_processes(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = dead_pid()
    orphan = tmp_path / f"{PREFIX}{gone}-abcd1234.rows"
    orphan.write_bytes(b"rows of a killed run")
    mine = tmp_path / f"{PREFIX}{os.getpid()}-def.rows"  # a live process's spool stays
    mine.write_bytes(b"rows of this process")
    unrelated = tmp_path / f"{PREFIX}notes.txt"
    unrelated.write_text("not a spool", encoding="utf-8")
    spool = RowSpool()
    assert not orphan.exists() and mine.exists() and unrelated.exists()
    assert spool.path.name.startswith(f"{PREFIX}{os.getpid()}-")
    spool.close()


def test_a_new_log_copy_removes_the_copies_of_killed_readers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from eligibility._log import DecisionLog
    from eligibility._log_reading import COPY_PREFIX

    from .test_log_read_only import block_side_files, copied_with_wal

    share, _, _ = copied_with_wal(tmp_path / "logs")
    block_side_files(share)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    orphan = temp / f"{COPY_PREFIX}{dead_pid()}-xyz_5678"
    orphan.mkdir()
    (orphan / "decisions.sqlite").write_bytes(b"a copy")
    with DecisionLog(share, read_only=True) as reader:
        assert reader.opened_as.startswith("copy in ")
        assert [p.name.startswith(f"{COPY_PREFIX}{os.getpid()}-") for p in temp.iterdir()] == [True]
    assert not orphan.exists() and list(temp.iterdir()) == []


def test_sweep_leaves_names_it_did_not_make(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from eligibility._orphans import sweep

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = dead_pid()
    kept = [tmp_path / f"{PREFIX}{gone}-11-export.xlsx", tmp_path / f"{PREFIX}{gone}-notes.txt"]
    for path in kept:
        path.write_text("someone's file", encoding="utf-8")
    folder = tmp_path / f"eligibility-log-{gone}-backup-2026"
    folder.mkdir()
    sweep(PREFIX)
    sweep("eligibility-log-")
    assert all(path.exists() for path in kept) and folder.is_dir()


def test_a_leftover_whose_lock_is_held_stays_though_its_process_id_looks_gone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A container with its own process ids sharing /tmp: its live spool's id is no process here,
    but its lock is held; the spool is removed only once the lock is free."""
    import fcntl

    from eligibility._orphans import sweep

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = dead_pid()
    spool = tmp_path / f"{PREFIX}{gone}-abcd1234.rows"
    spool.write_bytes(b"rows of a live run elsewhere")
    folder = tmp_path / f"eligibility-log-{gone}-abcd1234"
    folder.mkdir()
    held = [os.open(spool, os.O_RDONLY), os.open(folder, os.O_RDONLY | os.O_DIRECTORY)]
    for fd in held:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another open file: conflicts as another process's lock would
    sweep(PREFIX)
    sweep("eligibility-log-")
    assert spool.exists() and folder.is_dir()
    for fd in held:
        os.close(fd)  # the holder ended
    sweep(PREFIX)
    sweep("eligibility-log-")
    assert not spool.exists() and not folder.exists()


def test_a_spool_in_use_is_locked_and_its_lock_ends_with_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from eligibility._orphans import _lock

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    spool = RowSpool()
    assert _lock(spool.path) is None  # held by the spool
    path = spool.path
    spool.close()
    assert not path.exists()
    path.write_bytes(b"")  # the same name again: nobody holds it now
    fd = _lock(path)
    assert fd is not None
    os.close(fd)
