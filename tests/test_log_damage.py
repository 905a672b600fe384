"""A decision log whose file is damaged below the records: its indexes, its pages, its schema.

``audit verify`` must fail and name what it can (the record, or else the file), never pass and
never stop with a traceback; and no read may give one record for another or a record that no
longer matches its seal. The byte positions are found with SQLite's ``dbstat`` table and the
file format (https://www.sqlite.org/fileformat2.html): page size 4096, a leaf page's header of 8
bytes followed by its cell pointers. Found by flipping every page of a log (a review's fuzzing).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from eligibility._errors import LogError
from eligibility._log import DecisionLog
from eligibility._log_bodies import BodyCodec, BodyUnreadable

from .test_log import NAMES, connect, decided, make_log, named, raw

PAGE = 4096


@pytest.fixture
def filled(tmp_path: Path) -> tuple[DecisionLog, list[str]]:
    """A log with four decisions for four differently named partners."""
    log = make_log(tmp_path / "decisions.sqlite")
    return log, [log.append(*decided(name), command="check").record_id for name in NAMES]


def _settled(log: DecisionLog) -> bytearray:
    """The log's file with every record in it (no write-ahead file beside it)."""
    with connect(log.path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert db.execute("PRAGMA page_size").fetchone() == (PAGE,)
    return bytearray(log.path.read_bytes())


def _pages(path: Path, name: str, kind: str | None = None) -> list[int]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        query = "SELECT pageno FROM dbstat WHERE name = ?" + (" AND pagetype = ?" if kind else "") + " ORDER BY pageno"
        return [page for (page,) in db.execute(query, (name, kind) if kind else (name,))]


def _write(log: DecisionLog, data: bytearray) -> DecisionLog:
    log.path.write_bytes(bytes(data))
    return DecisionLog(log.path, read_only=True)  # a fresh reader: nothing cached


def test_a_flipped_bit_in_the_record_id_index_fails_verify_and_no_read_gives_another_record(
        filled: tuple[DecisionLog, list[str]]) -> None:
    """The index entry of seq 2 pointed at seq 3: verify passed, and the letter for seq 2 showed seq 3."""
    log, ids = filled
    data = _settled(log)
    (page,) = _pages(log.path, "sqlite_autoindex_records_1")
    at = data.index(ids[1].encode("ascii"), (page - 1) * PAGE, page * PAGE)
    data[at + len(ids[1])] ^= 0x01  # the byte after the key: the rowid (seq) it points to, 2 becomes 3
    damaged = _write(log, data)
    report = damaged.verify()
    assert not report.ok and "SQLite's integrity check" in report.describe()
    with pytest.raises(LogError, match=f"record {ids[1]}"):
        damaged.get(ids[1])


def test_a_flipped_bit_in_the_subject_index_fails_verify_and_no_approval_is_lost_unseen(
        filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    override = log.request_override(ids[1], officer="A. Officer", verdict="not_eligible",
                                    justification="fine annulled later", citation="Covenant annex 3")
    approval = log.approve_override(override, approver="B. Reviewer")
    data = _settled(log)
    (page,) = _pages(log.path, "records_by_subject")
    at = data.rindex(ids[1].encode("ascii"), (page - 1) * PAGE, page * PAGE)  # the approval's entry, the later one
    data[at + 5] ^= 0x01
    damaged = _write(log, data)
    assert not damaged.verify().ok
    assert damaged.get(approval).record["override_id"] == override  # the record itself is intact
    assert damaged.effective_verdict(ids[1]).value == "not_eligible"  # the approval is not lost through the index
    assert [o.approval_id for o in damaged.overrides(ids[1])] == [approval]


def test_a_damaged_cell_pointer_names_the_record_it_costs_and_checks_the_others(
        filled: tuple[DecisionLog, list[str]]) -> None:
    """The whole read used to stop at the first damaged page: "0 records", no record named."""
    log, ids = filled
    data = _settled(log)
    page = _pages(log.path, "records", "leaf")[0]
    data[(page - 1) * PAGE + 8 + 1] ^= 0x01  # the low byte of the page's first cell pointer
    damaged = _write(log, data)
    report = damaged.verify()
    unreadable = [p for p in report.problems if p.detail.startswith("the record cannot be read from the file")]
    assert [p.seq for p in unreadable] == [1]
    assert report.records == 3 and not report.ok
    assert not any(p.kind == "removed" for p in report.problems)  # named once, as unreadable
    with pytest.raises(LogError, match="cannot be read .*run 'eligibility audit verify'"):  # not a raw SQLite error
        list(damaged.entries())


def test_a_damaged_cell_count_fails_verify_without_a_traceback(filled: tuple[DecisionLog, list[str]]) -> None:
    log, _ = filled
    data = _settled(log)
    page = _pages(log.path, "records", "leaf")[0]
    data[(page - 1) * PAGE + 4] ^= 0xFF  # the low byte of the page's cell count
    report = _write(log, data).verify()
    assert not report.ok
    assert all(problem.seq is None or problem.seq > 0 for problem in report.problems)  # no rows of nothing named


def test_a_text_column_that_is_no_longer_utf8_names_its_record(filled: tuple[DecisionLog, list[str]]) -> None:
    """It failed the whole read ("cannot be read as SQLite: Could not decode to UTF-8"), naming no record."""
    log, ids = filled
    with raw(log) as db:
        db.execute("UPDATE records SET record_id = CAST(? AS TEXT) WHERE seq = 3",
                   (ids[2][:5].encode("ascii") + b"\xff" + ids[2][6:].encode("ascii"),))
    report = DecisionLog(log.path, read_only=True).verify()
    assert [(kind, seq) for kind, seq, _ in named(report.problems)] == [("changed", 3)]


def test_a_damaged_schema_is_a_clear_error(filled: tuple[DecisionLog, list[str]]) -> None:
    log, _ = filled
    data = _settled(log)
    at = data.index(b"body BLOB NOT NULL", 0, PAGE)  # the CREATE TABLE statements are kept on page 1
    data[at + len("body BLOB NOT N")] = 0xAA  # "NOT N\xaaLL": a syntax error whose message quotes the byte
    log.path.write_bytes(bytes(data))
    with pytest.raises(LogError, match="the file is damaged"):
        DecisionLog(log.path, read_only=True)


def test_a_record_that_no_longer_matches_its_seal_is_never_shown(filled: tuple[DecisionLog, list[str]]) -> None:
    """An override whose justification was changed was shown by the letter as in force."""
    log, ids = filled
    override = log.request_override(ids[0], officer="A. Officer", verdict="not_eligible",
                                    justification="fine found later", citation="Covenant annex 3")
    log.approve_override(override, approver="B. Reviewer")
    body = log.get(override).body
    with raw(log) as db:
        db.execute("UPDATE records SET body = ? WHERE record_id = ?", (body.replace(b"found", b"FOUND"), override))
    for read in (lambda: log.get(override), lambda: log.overrides(ids[0]), lambda: log.effective_verdict(ids[0])):
        with pytest.raises(LogError, match=f"record {override} .* is not as it was sealed"):
            read()
    assert named(log.verify().problems)[0] == ("changed", 5, override)


def test_a_missing_body_is_unreadable_not_a_crash() -> None:
    """What a damaged page gives for a body cell: NULL."""
    with pytest.raises(BodyUnreadable, match="missing"):
        BodyCodec().decode(None, None, None)  # type: ignore[arg-type]


def test_verify_says_a_cut_off_or_empty_log_is_broken_with_exit_6(filled: tuple[DecisionLog, list[str]],
                                                                  tmp_path: Path) -> None:
    """SQLite's "database disk image is malformed" came out as exit 3 with no word of what happened (helper 56)."""
    from click.testing import CliRunner

    from eligibility._cli_audit import audit

    whole = _settled(filled[0])
    cut = tmp_path / "cut.sqlite"
    cut.write_bytes(bytes(whole[:-PAGE]))
    result = CliRunner().invoke(audit, ["verify", "--log", str(cut)])
    assert result.exit_code == 6 and "the file is cut off" in result.stdout and "the chain is broken" in result.stdout
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    result = CliRunner().invoke(audit, ["verify", "--log", str(empty)])
    assert result.exit_code == 6 and "the file is empty" in result.stdout
    whole_copy = tmp_path / "whole.sqlite"
    whole_copy.write_bytes(bytes(whole))
    assert CliRunner().invoke(audit, ["verify", "--log", str(whole_copy)]).exit_code == 0
