"""A change to the write-ahead file beside the log (``<log>-wal``) is found, though SQLite hides it.

SQLite reads the frames of a write-ahead file only up to the first that fails its checksum, and
says nothing of the rest: a flipped byte there makes the newest records vanish from every read.
``verify`` checks the frames itself (``_wal_check``). The logs here hold their newest records only
in the write-ahead file, as a copy taken while a writer runs does (``copied_with_wal``).
"""

from __future__ import annotations

import os
import sqlite3
import struct
from pathlib import Path

from eligibility._exit import ExitCode
from eligibility._log import DecisionLog
from eligibility._wal_check import FRAME_HEADER_SIZE, HEADER_SIZE, check_wal

from .test_log import make_log
from .test_log_read_only import EARLY, LATE, copied_with_wal, decisions, run, wal


def frames(log: Path) -> tuple[int, int]:
    """(number of frames, page size) of the write-ahead file beside ``log``."""
    data = wal(log).read_bytes()
    (page_size,) = struct.unpack(">I", data[8:12])
    return (len(data) - HEADER_SIZE) // (FRAME_HEADER_SIZE + page_size), page_size


def flip(log: Path, offset: int) -> None:
    data = bytearray(wal(log).read_bytes())
    data[offset] ^= 0x01
    wal(log).write_bytes(bytes(data))


def page_byte(log: Path, frame: int) -> int:
    """An offset inside the page data of frame ``frame`` (1-based)."""
    _, page_size = frames(log)
    return HEADER_SIZE + (frame - 1) * (FRAME_HEADER_SIZE + page_size) + FRAME_HEADER_SIZE + page_size // 2


def test_an_intact_write_ahead_file_passes(tmp_path: Path) -> None:
    share, _, _ = copied_with_wal(tmp_path)
    assert frames(share)[0] >= 2 and check_wal(share).problems == check_wal(share).notes == []
    report = DecisionLog(share, read_only=True).verify()
    assert report.ok and report.records == EARLY + LATE and report.notes == []


def test_a_byte_changed_in_a_frame_fails_verify_and_names_the_frame(tmp_path: Path) -> None:
    share, _, _ = copied_with_wal(tmp_path)
    flip(share, page_byte(share, 1))
    reader = DecisionLog(share, read_only=True)
    assert len(reader) == EARLY, "SQLite should silently skip the changed frame and the newest records with it"
    report = reader.verify()
    assert not report.ok and report.records == EARLY
    (problem,) = report.problems
    assert str(problem).startswith("CHANGED: decisions.sqlite-wal: frame 1 fails its checksum (or its salt) while a "
                                   "later transaction passes its own")
    code, out, _ = run("verify", "--log", str(share))
    assert code != 0 and "frame 1 fails its checksum" in out


def test_a_changed_header_fails_verify(tmp_path: Path) -> None:
    share, _, _ = copied_with_wal(tmp_path)
    flip(share, 17)  # in the first salt: SQLite then ignores the whole file
    report = DecisionLog(share, read_only=True).verify()
    assert not report.ok and report.records == EARLY
    assert "its header was changed" in report.describe()


def test_bad_frames_only_at_the_end_are_a_note_not_a_failure(tmp_path: Path) -> None:
    """A writer cut off by a crash leaves such frames (nothing in them was committed): that cannot
    be told from a change to the last transaction, so verify says so without failing."""
    share, _, _ = copied_with_wal(tmp_path)
    flip(share, page_byte(share, frames(share)[0]))
    report = DecisionLog(share, read_only=True).verify()
    assert report.ok and len(report.notes) == 1
    assert "1 frame(s) after the last transaction fail their checksum" in report.notes[0]
    assert "NOTE: decisions.sqlite-wal: 1 frame(s) after the last transaction" in report.describe()
    code, out, _ = run("verify", "--log", str(share))
    assert code == ExitCode.VERIFIED_WITH_NOTES == 7, "a script that trusts exit 0 alone must see the note"
    assert "chain intact" in out and "NOTE: decisions.sqlite-wal" in out


def test_a_changed_salt_in_a_frame_fails_verify(tmp_path: Path) -> None:
    """A frame whose salt no longer matches the header's is, for SQLite, the end of the file."""
    share, _, _ = copied_with_wal(tmp_path)
    flip(share, HEADER_SIZE + 8)  # frame 1's first salt
    report = DecisionLog(share, read_only=True).verify()
    assert not report.ok and report.records == EARLY and "frame 1 fails its checksum (or its salt)" in report.describe()


def test_frames_left_by_a_rolled_back_write_are_no_change(tmp_path: Path) -> None:
    """A transaction that spilled pages to the file and was rolled back leaves frames after the end;
    a shorter commit then overwrites the first of them: an intact log, not a change."""
    log = tmp_path / "decisions.sqlite"
    writer = make_log(log)
    writer.append_many(decisions(3), command="check")
    with sqlite3.connect(log, isolation_level=None) as reader:  # keeps the -wal: no checkpoint on close
        reader.execute("SELECT 1 FROM records LIMIT 1").fetchall()
        writer.append_many(decisions(5)[3:], command="check")
        spill = sqlite3.connect(log, isolation_level=None)
        spill.execute("PRAGMA cache_size=10")
        spill.execute("BEGIN IMMEDIATE")
        for number in range(60):
            spill.execute("INSERT INTO records (seq, record_id, kind, body, record_hash) VALUES (?, ?, ?, ?, ?)",
                          (10_000 + number, f"spilled-{number}", "decision", os.urandom(3000), "0" * 64))
        spilled = wal(log).stat().st_size
        spill.execute("ROLLBACK")
        spill.close()
        writer.append_many(decisions(6)[5:], command="check")
        assert wal(log).stat().st_size == spilled, "the rolled-back frames should still be in the file"
        report = DecisionLog(log, read_only=True).verify()
    assert report.ok and report.records == 6, report.describe()


def test_a_changed_salt_in_the_last_frame_fails_verify(tmp_path: Path) -> None:
    """A changed salt in the last commit frame: SQLite drops the last transaction without a word."""
    share, _, _ = copied_with_wal(tmp_path)
    count, page_size = frames(share)
    flip(share, HEADER_SIZE + (count - 1) * (FRAME_HEADER_SIZE + page_size) + 8)
    report = DecisionLog(share, read_only=True).verify()
    assert not report.ok and f"frame {count} fails its checksum (or its salt)" in report.describe()
