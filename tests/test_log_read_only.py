"""Reading a decision log where SQLite cannot put its side files: an auditor's read-only share.

SQLite reads a WAL database through ``-shm`` (and ``-wal``) files beside it. Where it cannot open
those, the log is read as immutable (no write-ahead file with data beside it) or from a private
copy (one is there), never silently without the newest records.

How the tests make SQLite fail to open its side files: the suite runs as root in CI, and root can
write to any folder, so ``chmod`` proves nothing. SQLite opens side files with ``O_NOFOLLOW``, so a
symlink named ``<log>-shm`` cannot be opened, by root either: the open fails as it does in a
read-only folder (``unable to open database file``). A *directory* named ``<log>-shm`` does not do
it: SQLite 3.40 opens the directory read-only and reads the WAL through heap memory instead.
"""

from __future__ import annotations

import gc
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from contextlib import closing
from functools import cache
from hashlib import sha256
from pathlib import Path

import pytest
from click.testing import CliRunner

from eligibility import Decision, Dossier
from eligibility._cli_audit import audit
from eligibility._log import DecisionLog, LogError
from eligibility._log_reading import IMMUTABLE, READ_ONLY

from .test_log import NAMES, connect, decided, make_log, named, stored_body

EARLY = 30
"""Records checkpointed into the main file: enough to fill whole pages that later appends leave alone."""
LATE = 2
"""The newest records, left only in the write-ahead file."""


@cache
def decisions(count: int) -> list[tuple[Decision, Dossier]]:
    """``count`` decisions for differently named partners (evaluated once per module)."""
    return [decided(f"{NAMES[i % len(NAMES)]} {i}") for i in range(count)]


def block_side_files(log: Path) -> None:
    """Make SQLite unable to open ``<log>-shm``, as in a folder the reader cannot write (module docstring)."""
    Path(f"{log}-shm").symlink_to(log.parent.parent / "nowhere" / "shm")


def wal(log: Path) -> Path:
    return Path(f"{log}-wal")


EMPTY = sha256(b"").hexdigest()


def fingerprint(folder: Path) -> dict[str, str]:
    """Name and sha256 of every file in ``folder`` (symlinks by their target), leaving out an empty
    -wal: where it can (root can write anywhere), SQLite's failed plain open leaves one, as before."""
    found = {f.name: str(f.readlink()) if f.is_symlink() else sha256(f.read_bytes()).hexdigest()
             for f in sorted(folder.iterdir())}
    return {name: digest for name, digest in found.items() if not (name.endswith("-wal") and digest == EMPTY)}


def immutable_count(log: Path) -> int:
    """Records SQLite sees in the main file alone, ignoring any write-ahead file."""
    with closing(sqlite3.connect(f"{log.resolve().as_uri()}?mode=ro&immutable=1", uri=True)) as db:
        (count,) = db.execute("SELECT COUNT(*) FROM records").fetchone()
    return int(count)


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where ``tempfile`` makes the private copies during the test, so their removal can be checked."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def share_without_wal(tmp_path: Path) -> tuple[Path, list[str]]:
    """A log on a share, every record in the main file (the writers closed: no -wal beside it)."""
    log = tmp_path / "share" / "decisions.sqlite"
    writer = make_log(log)
    ids = [ref.record_id for ref in writer.append_many(decisions(4), command="check")]
    assert not wal(log).exists() and immutable_count(log) == 4
    block_side_files(log)
    return log, ids


def copied_with_wal(root: Path, edit: Callable[[DecisionLog, list[str]], None] | None = None,
                    ) -> tuple[Path, list[str], DecisionLog]:
    """A log copied to ``root``/share with its newest ``LATE`` records only in its -wal; the live
    log's writer (after ``edit``, which may tamper with the live log) comes along.

    Copied while a reader holds a read transaction: the writer's last connection then cannot
    checkpoint the newest records into the main file and delete the -wal.
    """
    live = root / "live" / "decisions.sqlite"
    writer = make_log(live)
    ids = [ref.record_id for ref in writer.append_many(decisions(EARLY), command="check")]
    assert not wal(live).exists()
    with closing(sqlite3.connect(live, isolation_level=None)) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM records").fetchone()
        ids += [ref.record_id for ref in writer.append_many(decisions(EARLY + LATE)[EARLY:], command="check")]
        if edit is not None:
            edit(writer, ids)
        share = root / "share" / "decisions.sqlite"
        share.parent.mkdir()
        shutil.copyfile(live, share)
        shutil.copyfile(wal(live), wal(share))
    assert immutable_count(share) == EARLY and wal(share).stat().st_size > 0  # the newest only in the -wal
    return share, ids, writer


@pytest.fixture
def share_with_wal(tmp_path: Path) -> tuple[Path, list[str]]:
    """A log on a share whose newest ``LATE`` records are only in its -wal."""
    share, ids, _ = copied_with_wal(tmp_path)
    block_side_files(share)
    return share, ids


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(audit, list(args))
    return result.exit_code, result.stdout, result.stderr


# --- the trigger ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["share_without_wal", "share_with_wal"])
def test_the_plain_read_only_open_fails_where_side_files_cannot_be_opened(
        request: pytest.FixtureRequest, fixture: str) -> None:
    """What the fallbacks are for: without them, neither log could be read."""
    log, _ = request.getfixturevalue(fixture)
    with (pytest.raises(sqlite3.OperationalError, match="unable to open database file"),
          closing(sqlite3.connect(f"{log.as_uri()}?mode=ro", uri=True)) as db):
        db.execute("SELECT COUNT(*) FROM records").fetchone()


def test_a_log_whose_side_files_can_be_opened_is_read_the_plain_way(tmp_path: Path) -> None:
    log = tmp_path / "decisions.sqlite"
    make_log(log).append_many(decisions(2), command="check")
    reader = DecisionLog(log, read_only=True)
    assert reader.opened_as == READ_ONLY and reader.open_error is None and len(reader) == 2


# --- no write-ahead file: immutable -------------------------------------------------------------------


def test_without_a_write_ahead_file_the_log_is_read_as_immutable(
        share_without_wal: tuple[Path, list[str]], private_tmp: Path) -> None:
    log, ids = share_without_wal
    before = log.read_bytes()
    reader = DecisionLog(log, read_only=True)
    assert reader.opened_as == IMMUTABLE == "immutable (no write-ahead file beside it)"
    assert reader.open_error is not None and "unable to open database file" in reader.open_error
    report = reader.verify()
    assert report.ok and report.records == 4 and report.path == log
    assert [e.record_id for e in reader.entries()] == ids
    assert reader.get(ids[2]).record_id == ids[2] and len(reader) == 4
    assert log.read_bytes() == before
    assert not wal(log).exists() or wal(log).stat().st_size == 0  # SQLite may leave an empty one, as before
    assert list(private_tmp.iterdir()) == []  # no copy was needed


def test_an_immutable_reading_turns_into_a_copy_when_a_writer_comes_back(
        share_without_wal: tuple[Path, list[str]], private_tmp: Path) -> None:
    """Immutable is safe only while no write-ahead file holds data: records written later are read too."""
    log, ids = share_without_wal
    reader = DecisionLog(log, read_only=True)
    assert reader.opened_as == IMMUTABLE and [e.record_id for e in reader.entries()] == ids
    Path(f"{log}-shm").unlink()  # a writer that can use the folder
    writer = make_log(log)
    with closing(sqlite3.connect(log, isolation_level=None)) as holder:  # keeps the new records in the -wal
        holder.execute("BEGIN")
        holder.execute("SELECT COUNT(*) FROM records").fetchone()
        new = writer.append_many(decisions(6)[4:], command="check")
        Path(f"{log}-shm").unlink()  # the writer's; the reader again cannot open one
        block_side_files(log)
        assert immutable_count(log) == 4
        assert len(reader) == 6 and reader.opened_as.startswith("copy in ")
        assert [e.record_id for e in reader.entries()][-2:] == [ref.record_id for ref in new]
    reader.close()
    assert list(private_tmp.iterdir()) == []


# --- a write-ahead file with the newest records: a private copy -------------------------------------


def test_with_a_write_ahead_file_every_record_is_read_from_a_private_copy(
        share_with_wal: tuple[Path, list[str]], private_tmp: Path) -> None:
    log, ids = share_with_wal
    before = fingerprint(log.parent)
    reader = DecisionLog(log, read_only=True)
    (copy,) = private_tmp.iterdir()
    assert reader.opened_as == (f"copy in {copy} (SQLite could not open its side files beside the log, "
                                "and a write-ahead file is there)")
    assert reader.open_error is not None and "unable to open database file" in reader.open_error
    assert len(reader) == EARLY + LATE
    assert [e.record_id for e in reader.entries()] == ids  # the LATE newest ones included
    assert reader.get(ids[-1]).seq == EARLY + LATE
    report = reader.verify()
    assert report.ok and report.records == EARLY + LATE and report.head_seq == EARLY + LATE
    assert report.path == log and report.describe().startswith(f"{log}: {EARLY + LATE} records, chain intact")
    reader.close()
    assert fingerprint(log.parent) == before  # main file, -wal and -shm link byte for byte as they were
    assert list(private_tmp.iterdir()) == []
    with pytest.raises(LogError, match="was closed"):
        len(reader)


def test_the_private_copy_goes_with_the_log_object(share_with_wal: tuple[Path, list[str]], private_tmp: Path) -> None:
    log, _ = share_with_wal
    with DecisionLog(log, read_only=True) as reader:
        assert len(reader) == EARLY + LATE and len(list(private_tmp.iterdir())) == 1
    assert list(private_tmp.iterdir()) == []
    reader = DecisionLog(log, read_only=True)
    assert len(list(private_tmp.iterdir())) == 1
    del reader
    gc.collect()
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize("where", ["main file", "write-ahead file"])
def test_one_changed_byte_in_a_record_is_named_when_read_from_a_copy(
        tmp_path: Path, private_tmp: Path, where: str) -> None:
    """One bit of a stored record (a zstd frame) flipped: in the main file on a page the -wal does
    not replace, or in a record only in the -wal, through SQLite with the triggers dropped (flipped
    in the -wal file itself, it would fail SQLite's frame checksum instead: see the report)."""
    seq = 2 if where == "main file" else EARLY + LATE

    def flip_through_sqlite(writer: DecisionLog, ids: list[str]) -> None:
        frame = bytearray(stored_body(writer, seq))
        frame[len(frame) // 2] ^= 0x01
        with connect(writer.path) as db:
            db.execute("DROP TRIGGER records_append_only_u")
            db.execute("UPDATE records SET body = ? WHERE seq = ?", (bytes(frame), seq))

    share, ids, writer = copied_with_wal(tmp_path, flip_through_sqlite if where == "write-ahead file" else None)
    frame = stored_body(writer, seq)
    main, journal = share.read_bytes(), wal(share).read_bytes()
    if where == "main file":
        assert main.count(frame) == 1 and frame not in journal  # a page the -wal does not replace
        data = bytearray(main)
        data[data.index(frame) + len(frame) // 2] ^= 0x01
        share.write_bytes(bytes(data))
    else:
        assert frame in journal and frame not in main  # the flipped record is only in the -wal
    block_side_files(share)
    log = DecisionLog(share, read_only=True)
    assert log.opened_as.startswith("copy in ")
    report = log.verify()
    assert named(report.problems) == [("changed", seq, ids[seq - 1])]
    assert report.records == EARLY + LATE
    assert report.describe().startswith(f"{share}: {EARLY + LATE} records, 1 problem(s)")
    assert f"seq {seq} (record {ids[seq - 1]})" in report.describe() and str(private_tmp) not in report.describe()


# --- cannot be read at all ----------------------------------------------------------------------------


def test_a_log_that_cannot_be_read_any_way_raises_naming_the_file(
        share_without_wal: tuple[Path, list[str]], private_tmp: Path) -> None:
    log, _ = share_without_wal
    wal(log).unlink(missing_ok=True)
    wal(log).mkdir()  # a write-ahead "file" that cannot be copied
    with pytest.raises(LogError, match=rf"cannot read the decision log {log}: unable to open database file; "
                                       r"reading it from a private copy failed too: .*Is a directory"):
        DecisionLog(log, read_only=True)
    assert list(private_tmp.iterdir()) == []


def test_a_file_that_is_not_a_log_keeps_its_own_message(tmp_path: Path) -> None:
    garbage = tmp_path / "share" / "garbage.sqlite"
    garbage.parent.mkdir()
    garbage.write_bytes(b"not a database at all" * 100)
    block_side_files(garbage)
    with pytest.raises(LogError, match=f"cannot read the decision log {garbage}: file is not a database"):
        DecisionLog(garbage, read_only=True)


# --- the audit commands -----------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["without -wal", "with -wal"])
def test_audit_commands_read_a_log_on_a_read_only_share_and_say_how(
        request: pytest.FixtureRequest, private_tmp: Path, layout: str) -> None:
    fixture = "share_without_wal" if layout == "without -wal" else "share_with_wal"
    log, ids = request.getfixturevalue(fixture)
    before = fingerprint(log.parent)
    code, out, err = run("verify", "--log", str(log))
    assert code == 0, err
    assert out.startswith(f"{log}: {len(ids)} records, chain intact")
    how = "immutable (no write-ahead file beside it)" if layout == "without -wal" else "copy in "
    (note,) = err.splitlines()
    assert note.startswith(f"note: {log} could not be opened read-only in place (unable to open database file); "
                           f"read as {how}")
    code, out, err = run("list", "--log", str(log), "--last", str(len(ids)))
    assert code == 0 and all(record_id in out for record_id in ids) and "read as" in err
    code, out, _ = run("replay", ids[-1], "--log", str(log))
    assert code == 0 and "byte-identical" in out
    gc.collect()  # the command's log object, kept alive by the runner's traceback until now
    assert list(private_tmp.iterdir()) == []
    assert fingerprint(log.parent) == before


def test_audit_commands_say_nothing_about_a_log_read_the_plain_way(tmp_path: Path) -> None:
    log = tmp_path / "decisions.sqlite"
    make_log(log).append_many(decisions(2), command="check")
    code, out, err = run("verify", "--log", str(log))
    assert code == 0 and "2 records, chain intact" in out and err == ""
