"""Frames of a log's write-ahead file that SQLite would skip without a word.

SQLite reads a frame of the write-ahead file (``<log>-wal``) only while every frame before it,
back to the file's header, passes its checksum. A byte changed in a frame makes SQLite ignore that
frame's transaction and every one after it, silently: ``verify``, reading the records through
SQLite, would see fewer of them and find the chain intact. So ``verify`` also checks the frames
itself (format: https://www.sqlite.org/fileformat2.html#walformat).

Each frame is checked against the checksum stored in the frame before it, so one changed frame
(its data, checksum or salt) is named and the frames after it still pass theirs. A failing frame
followed by a transaction that passes (a commit frame) is a change: SQLite never reaches that
transaction. Failing frames only after the last transaction are what an abandoned write (a
rollback that had spilled to the file) or a crash leaves, or a change to the last transaction:
those cannot be told apart, so they are a note, not a problem. Frames of an older generation of
the file (other salts) after the last transaction are SQLite's own leftovers and ignored.

Beside it, ``cut_off``: a log file shorter than its own header says (a copy cut short, a full
disk) makes SQLite fail with a bare "database disk image is malformed", or read the records that
are left as if they were all. Every open of the log asks it first (``DecisionLog``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

HEADER_SIZE = 32
FRAME_HEADER_SIZE = 24
MAGIC_ORDER = {0x377F0682: "<", 0x377F0683: ">"}
"""The header's magic number says in which byte order the checksums read the data's words."""


@dataclass
class WalCheck:
    """What the frame check found: problems (a change) and notes (a change or a crash)."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_wal(log: Path) -> WalCheck:
    """Check the write-ahead file beside ``log``, if there is one with frames."""
    wal = Path(f"{log}-wal")
    found = WalCheck()
    try:
        data = wal.read_bytes()
    except FileNotFoundError:
        return found
    if len(data) <= HEADER_SIZE:
        return found  # no frame: nothing SQLite could read or skip
    magic, _, page_size, _, salt1, salt2, sum1, sum2 = struct.unpack(">8I", data[:HEADER_SIZE])
    order = MAGIC_ORDER.get(magic)
    if order is None or _checksum(data[:24], order, 0, 0) != (sum1, sum2):
        found.problems.append(f"{wal.name}: its header was changed (it fails its checksum), so SQLite ignores the "
                              f"whole file and every record in it is not read")
        return found
    frame_size = FRAME_HEADER_SIZE + page_size
    failing: list[int] = []
    """Frames that fail their checksum, or carry another generation's salts, in file order."""
    failing_current: list[int] = []
    """Those of them that carry the file's salts (not an older generation's leftovers)."""
    last_commit = 0
    """The last frame that passes its checksum, carries the file's salts and ends a transaction."""
    salt_changed: list[int] = []
    """Frames that pass the chain from the frame before but carry other salts: a changed salt (an
    older generation's first frame never passes the chain from a current frame)."""
    seed, previous_current = (sum1, sum2), True
    for number in range(1, (len(data) - HEADER_SIZE) // frame_size + 1):
        start = HEADER_SIZE + (number - 1) * frame_size
        _, commit, frame_salt1, frame_salt2, stored1, stored2 = struct.unpack(">6I", data[start:start + 24])
        computed = _checksum(data[start:start + 8], order, *seed)
        computed = _checksum(data[start + 24:start + frame_size], order, *computed)
        current = (frame_salt1, frame_salt2) == (salt1, salt2)
        if current and computed == (stored1, stored2):
            if commit:
                last_commit = number
        else:
            failing.append(number)
            if current:
                failing_current.append(number)
            if not current and previous_current and computed == (stored1, stored2):
                salt_changed.append(number)
        seed, previous_current = (stored1, stored2), current
    # A failing frame before a good commit: SQLite stops at it and never reaches that commit. Frames of
    # an older generation of the file, or of a write abandoned or cut off, lie only after the last commit.
    changed = sorted({number for number in failing if number < last_commit} | set(salt_changed))
    if changed:
        found.problems.append(
            f"{wal.name}: frame {changed[0]} fails its checksum (or its salt) while a later transaction passes "
            f"its own: it was changed after SQLite wrote it, and SQLite reads no record from that frame on"
            + (f" (frames failing: {', '.join(map(str, changed))})" if len(changed) > 1 else ""))
        return found
    tail = [number for number in failing_current if number > last_commit]
    if tail:
        found.notes.append(
            f"{wal.name}: {len(tail)} frame(s) after the last transaction fail their checksum and are not read: a write "
            "abandoned or cut off by a crash (then nothing in them was logged), or a change to the newest records: "
            "compare the head below with one noted earlier")
    return found


EMPTY = "the file is empty (0 bytes)"
"""What ``cut_off`` says of an empty log file."""


def cut_off(log: Path) -> str | None:
    """How a log file was cut short, when its own SQLite header says it was longer (or it is empty); None
    when it is whole, when the pages it lacks are in the write-ahead file beside it, or when it is no
    SQLite file at all (then opening it says what is wrong).

    The write-ahead file matters because SQLite copies its pages into the log in page order, the
    header's page first: while it does (a writer closing, an hour into a screening run), the log is
    shorter than its header says, and nothing is missing."""
    if _empty(log):
        return EMPTY
    if _shorter_than_its_header(log) is None:
        return None
    in_wal = _pages_in_wal(log)
    found = _shorter_than_its_header(log)  # again, after reading the -wal: the copy may have ended meanwhile
    if found is None:
        return None
    size, pages, page_size = found
    if all(page in in_wal for page in range(size // page_size + 1, pages + 1)):
        return None
    return (f"the file is cut off: {size} bytes, where its header counts {pages} pages of {page_size} bytes "
            f"({pages * page_size} bytes); it ends in page {size // page_size + 1}")


def _empty(log: Path) -> bool:
    try:
        return log.is_file() and log.stat().st_size == 0
    except OSError:
        return False


def _shorter_than_its_header(log: Path) -> tuple[int, int, int] | None:
    """(size, pages, page size) of a log file shorter than the pages its SQLite header counts; None when it
    is whole, cannot be read, or is no SQLite file."""
    try:
        size = log.stat().st_size
        with log.open("rb") as handle:
            header = handle.read(100)
    except OSError:
        return None
    if len(header) < 100 or not header.startswith(b"SQLite format 3\0"):
        return None
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    return (size, pages, page_size) if pages and size < pages * page_size else None


def _pages_in_wal(log: Path) -> set[int]:
    """The pages the write-ahead file beside ``log`` holds for SQLite to read instead of the log's: those of
    its transactions (frames with the file's salts, up to the last that ends one). Read from the frames'
    headers alone, without their checksums, to be quick: a changed frame is ``check_wal``'s to name."""
    try:
        data = Path(f"{log}-wal").read_bytes()
    except OSError:  # none, or unreadable: then no page counts as there, and the log as cut off
        return set()
    if len(data) <= HEADER_SIZE:
        return set()
    (page_size,) = struct.unpack_from(">I", data, 8)
    salts = struct.unpack_from(">2I", data, 16)
    pages: set[int] = set()
    pending: set[int] = set()
    for start in range(HEADER_SIZE, len(data) - FRAME_HEADER_SIZE - page_size + 1, FRAME_HEADER_SIZE + page_size):
        page, commit, *frame_salts = struct.unpack_from(">4I", data, start)
        if tuple(frame_salts) != salts:
            break  # an older generation's leftovers: SQLite reads no further
        pending.add(page)
        if commit:
            pages |= pending
            pending = set()
    return pages


def _checksum(data: bytes, order: str, s0: int, s1: int) -> tuple[int, int]:
    """SQLite's WAL checksum of ``data`` (a multiple of 8 bytes), continued from (s0, s1)."""
    words = struct.unpack(f"{order}{len(data) // 4}I", data)
    for index in range(0, len(words), 2):
        s0 = (s0 + words[index] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[index + 1] + s0) & 0xFFFFFFFF
    return s0, s1
