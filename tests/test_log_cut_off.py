"""A decision log file cut short (a copy that stopped, a full disk) is refused by every open, by name.

Only ``audit verify`` used to recognise one; every other reader stopped on SQLite's bare "database
disk image is malformed" (or read what was left of it), and a writer could seal new records onto
a chain it no longer saw. The logs here are written by ``DecisionLog`` and then truncated inside a
page, as a copy cut off is. A log only *briefly* shorter than its header, while SQLite copies pages
from the write-ahead file into it (a writer closing), is whole and read as such.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
import time
from contextlib import closing
from pathlib import Path
from queue import Empty
from typing import Any

import pytest
from click.testing import CliRunner

from eligibility._cli import main
from eligibility._exit import ExitCode
from eligibility._log import DecisionLog, LogError, LogWriteError
from eligibility._wal_check import FRAME_HEADER_SIZE, HEADER_SIZE

from .test_log import LENDER, ROOT, make_log
from .test_log_read_only import decisions, wal

PAGE = 4096
RECORDS = 50
"""Enough decisions for a log of many pages."""


def cut_message(log: Path, size: int, pages: int) -> str:
    return (f"the decision log {log} cannot be used: the file is cut off: {size} bytes, where its header counts "
            f"{pages} pages of {PAGE} bytes ({pages * PAGE} bytes); it ends in page {size // PAGE + 1}; nothing was "
            "read from it or written to it: run 'eligibility audit verify', and restore the log from a backup")


def header_pages(data: bytes) -> int:
    (pages,) = struct.unpack(">I", data[28:32])
    return int(pages)


@pytest.fixture
def written(tmp_path: Path) -> tuple[Path, list[str]]:
    """A log of ``RECORDS`` decisions, every record in the main file (the writer closed: no -wal)."""
    log = tmp_path / "decisions.sqlite"
    ids = [ref.record_id for ref in make_log(log).append_many(decisions(RECORDS), command="check")]
    assert not wal(log).exists() and header_pages(log.read_bytes()) * PAGE == log.stat().st_size
    return log, ids


@pytest.fixture
def cut(written: tuple[Path, list[str]]) -> tuple[Path, list[str], int, int]:
    """That log cut off 100 bytes before the end of a page in its middle: (log, ids, size, pages)."""
    log, ids = written
    pages = header_pages(log.read_bytes())
    assert pages >= 10
    size = (pages // 2) * PAGE - 100
    os.truncate(log, size)
    return log, ids, size, pages


def unwritten_wal(log: Path) -> bool:
    """No frame was written beside the log (a read-only reader may leave an empty -wal, as SQLite does)."""
    return not wal(log).exists() or wal(log).stat().st_size == 0


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", [
    ["audit", "list"],
    ["audit", "replay", "{id}"],
    ["audit", "show", "{id}"],
    ["audit", "override", "request", "{id}", "--officer", "A. Jansen", "--verdict", "eligible",
     "--justification", "seen the signed declaration", "--citation", "annex 3 a"],
    ["audit", "override", "approve", "{id}", "--approver", "B. de Vries"],
    ["rules", "impact", "--pack", "{pack}"],
])
def test_every_audit_command_names_the_cut_off_file_and_exits_3(
        cut: tuple[Path, list[str], int, int], command: list[str]) -> None:
    log, ids, size, pages = cut
    before = log.read_bytes()
    pack = ROOT / "rules" / "convenant-2025"
    code, out, err = run(*(part.format(id=ids[3], pack=pack) for part in command), "--log", str(log))
    assert (code, out) == (ExitCode.INVALID_INPUT, "")
    assert err == f"error: {cut_message(log, size, pages)}\n"
    assert log.read_bytes() == before and unwritten_wal(log)


def test_verify_still_says_the_chain_is_broken_with_exit_6(cut: tuple[Path, list[str], int, int]) -> None:
    log, _, size, pages = cut
    code, out, _ = run("audit", "verify", "--log", str(log))
    assert code == ExitCode.LINT_OR_TEST_FAILED
    assert out == (f"decision log {log}: the file is cut off: {size} bytes, where its header counts {pages} pages of "
                   f"{PAGE} bytes ({pages * PAGE} bytes); it ends in page {size // PAGE + 1}: its records cannot be "
                   "read; the chain is broken\n")


def test_an_append_to_a_cut_off_log_is_refused_and_writes_nothing(cut: tuple[Path, list[str], int, int]) -> None:
    log, _, size, pages = cut
    before = log.read_bytes()
    with pytest.raises(LogWriteError) as raised:
        DecisionLog(log).append_many(decisions(RECORDS + 1)[RECORDS:], command="screen")
    assert str(raised.value) == cut_message(log, size, pages)
    assert log.read_bytes() == before and unwritten_wal(log)


def test_a_log_cut_off_while_open_is_refused_by_the_next_read_and_write(written: tuple[Path, list[str]]) -> None:
    """A screening run holds its log for hours; each operation opens the file again."""
    log, ids = written
    writer, reader = DecisionLog(log), DecisionLog(log, read_only=True)
    pages = header_pages(log.read_bytes())
    size = (pages - 1) * PAGE - 1
    os.truncate(log, size)
    before = log.read_bytes()
    with pytest.raises(LogWriteError) as raised:
        writer.append_many(decisions(RECORDS + 1)[RECORDS:], command="screen")
    assert str(raised.value) == cut_message(log, size, pages)
    for read in (lambda: reader.get(ids[0]), lambda: reader.tail(5), reader.all_overrides):
        with pytest.raises(LogError) as raised:
            read()
        assert str(raised.value) == cut_message(log, size, pages)
    report = reader.verify()
    detail = (f"the file is cut off: {size} bytes, where its header counts {pages} pages of {PAGE} bytes "
              f"({pages * PAGE} bytes); it ends in page {size // PAGE + 1}: its records cannot be read")
    assert not report.ok and [str(problem) for problem in report.problems] == [f"CHANGED: {detail}"]
    assert log.read_bytes() == before and unwritten_wal(log)


def test_check_does_not_log_into_a_cut_off_file_and_exits_4(cut: tuple[Path, list[str], int, int]) -> None:
    log, _, size, pages = cut
    before = log.read_bytes()
    code, _, err = run("check", str(LENDER), "--as-of", "2026-11-23", "--log", str(log))
    assert code == ExitCode.ENGINE
    assert err == f"error: decision log: {cut_message(log, size, pages)}\n"
    assert log.read_bytes() == before and unwritten_wal(log)


def test_an_empty_log_file_is_refused_by_readers_and_writers(tmp_path: Path) -> None:
    """A log emptied by a failed copy: a writer began a new chain in it, so verify then passed."""
    log = tmp_path / "decisions.sqlite"
    log.write_bytes(b"")
    message = (f"the decision log {log} cannot be used: the file is empty (0 bytes); nothing was read from it or "
               "written to it: if it held a log, restore it from a backup; if it is meant as a new log, delete the "
               "empty file (or give a path where no file is yet)")
    assert run("audit", "list", "--log", str(log))[::2] == (ExitCode.INVALID_INPUT, f"error: {message}\n")
    assert run("check", str(LENDER), "--as-of", "2026-11-23", "--log", str(log))[::2] == (
        ExitCode.ENGINE, f"error: decision log: {message}\n")
    assert log.read_bytes() == b"" and unwritten_wal(log)


def test_a_log_shorter_than_its_header_while_its_pages_are_in_the_wal_is_whole(tmp_path: Path) -> None:
    """SQLite copies the write-ahead file's pages into the log in page order, the header's page first:
    until it has done, the log is shorter than its header says (a screening run's writer closes every
    few seconds). Verify called that "cut off" and the chain broken; every record is there."""
    live = tmp_path / "live" / "decisions.sqlite"
    writer = make_log(live)
    writer.append_many(decisions(4), command="check")
    with closing(sqlite3.connect(live, isolation_level=None)) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM records").fetchone()  # holds the newest records in the -wal
        writer.append_many(decisions(RECORDS)[4:], command="check")
        copy = tmp_path / "copy" / "decisions.sqlite"
        copy.parent.mkdir()
        shutil.copyfile(live, copy)
        shutil.copyfile(wal(live), wal(copy))
    newest_first_page = _last_frame_of_page(wal(copy), 1)
    data = bytearray(copy.read_bytes())
    data[:PAGE] = newest_first_page  # the checkpoint's first write
    copy.write_bytes(bytes(data))
    assert header_pages(data) * PAGE > len(data), "the log should be shorter than its header says"
    assert len(DecisionLog(copy, read_only=True)) == RECORDS
    code, out, _ = run("audit", "verify", "--log", str(copy))
    assert code == ExitCode.ELIGIBLE and f"{RECORDS} records, chain intact" in out
    os.remove(wal(copy))  # the same file without its -wal: now pages are missing
    code, _, err = run("audit", "list", "--log", str(copy))
    assert (code, err) == (ExitCode.INVALID_INPUT, f"error: {cut_message(copy, len(data), header_pages(data))}\n")


def _last_frame_of_page(wal_file: Path, page: int) -> bytes:
    """The newest copy of ``page`` in a write-ahead file (its frames are header and page)."""
    data = wal_file.read_bytes()
    found = b""
    for start in range(HEADER_SIZE, len(data), FRAME_HEADER_SIZE + PAGE):
        if struct.unpack(">I", data[start:start + 4])[0] == page:
            found = data[start + FRAME_HEADER_SIZE:start + FRAME_HEADER_SIZE + PAGE]
    assert found, f"page {page} is in no frame"
    return found



def _open_new_log(path: str, barrier: Any, errors: Any) -> None:
    barrier.wait()
    try:
        DecisionLog(path)
    except Exception as exc:  # reported to the parent, which names it
        errors.put(f"{type(exc).__name__}: {exc}")


def test_processes_making_the_same_new_log_at_once_all_open_it(tmp_path: Path) -> None:
    """SQLite makes a new file empty and writes its header later: a second process opening the log in between was
    refused as "empty" (every time, with three processes started together), and told to restore a backup."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    for round_ in range(5):
        path = tmp_path / f"round{round_}" / "decisions.sqlite"
        barrier, errors = context.Barrier(3), context.Queue()
        workers = [context.Process(target=_open_new_log, args=(str(path), barrier, errors)) for _ in range(3)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        found = []
        while True:
            try:
                found.append(errors.get(timeout=0.5))
            except Empty:
                break
        assert found == [] and [worker.exitcode for worker in workers] == [0, 0, 0]
        assert DecisionLog(path).verify().ok and sorted(p.name for p in path.parent.iterdir() if p.name.endswith(".new")) == []


def test_a_new_log_is_made_where_hard_links_fail_and_never_over_another(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Where a file system has no hard links (vfat, some network shares), the new log was moved into place
    unless a log was there by then: a process paused between that look and the move replaced a log another
    process had written to meanwhile, and that decision was lost."""
    def no_links(source: object, target: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "decisions.sqlite"
    first = DecisionLog(path)
    first.append_many(decisions(1), command="check")
    from eligibility import _log

    with monkeypatch.context() as late:  # a second process that looked for the log a moment before it was made
        late.setattr(Path, "exists", lambda self: False)
        _log._create(path)
    assert [entry.seq for entry in DecisionLog(path).entries()] == [1] and first.verify().ok
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".new")) == []


def test_files_a_killed_process_left_while_making_the_log_are_removed_by_the_next(tmp_path: Path) -> None:
    """A process killed inside ``_create`` left its hidden ``.NAME.<hex>.new`` file (and its -wal) for good. The
    next new log removes them once they are old; a recent one may be another process's at work, and stays; so
    does anything not of that exact name form."""
    from eligibility import _log

    path = tmp_path / "decisions.sqlite"
    hour_ago = time.time() - 3600
    abandoned = [tmp_path / f".decisions.sqlite.{'a' * 32}.new", tmp_path / f".decisions.sqlite.{'a' * 32}.new-wal"]
    kept = [tmp_path / f".decisions.sqlite.{'b' * 32}.new",  # recent: perhaps being made right now
            tmp_path / ".decisions.sqlite.mine.new", tmp_path / f".other.sqlite.{'c' * 32}.new"]
    for file in abandoned + kept:
        file.write_bytes(b"x")
    for file in abandoned + kept[1:]:
        os.utime(file, (hour_ago, hour_ago))
    assert _log.ABANDONED_AFTER_SECONDS < 3600
    DecisionLog(path).append_many(decisions(1), command="check")
    assert [file.exists() for file in abandoned] == [False, False]
    assert [file.exists() for file in kept] == [True, True, True]
