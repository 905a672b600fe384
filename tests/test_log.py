"""The decision log: sealed records, verify naming what was altered, overrides with four eyes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, date, datetime, timedelta
from hashlib import sha256
from itertools import pairwise
from pathlib import Path

import pytest

from eligibility import Decision, Dossier, evaluate, load_dossier, load_pack
from eligibility._canonical import canonical_json
from eligibility._decision import Verdict
from eligibility._log import (
    GENESIS,
    LOG_SCHEMA,
    DecisionLog,
    LogError,
    LogItem,
    LogWriteError,
    OverrideError,
    Problem,
    RecordNotFound,
    VerifyReport,
    default_log_path,
)
from eligibility._log_bodies import ZSTD_MAGIC

ROOT = Path(__file__).parents[1]
LENDER = ROOT / "fixtures" / "dossiers" / "lender-complete.json"
AS_OF = date(2026, 11, 23)
NAMES = ["Partner Een B.V.", "Partner Twee B.V.", "Partner Drie B.V.", "Partner Vier B.V."]


def _clock() -> Iterator[datetime]:
    moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    while True:
        yield moment
        moment += timedelta(seconds=1)


def make_log(path: Path) -> DecisionLog:
    ticks = _clock()
    return DecisionLog(path, clock=lambda: next(ticks))


def decided(name: str | None = None) -> tuple[Decision, Dossier]:
    dossier = load_dossier(LENDER)
    if name is not None:
        data = dossier.model_dump(mode="json")
        data["partner"]["name"] = name
        dossier = Dossier.model_validate(data)
    return evaluate(dossier, load_pack(), AS_OF), dossier


@pytest.fixture
def filled(tmp_path: Path) -> tuple[DecisionLog, list[str]]:
    """A log with four decisions for four differently named partners."""
    log = make_log(tmp_path / "decisions.sqlite")
    ids = [log.append(*decided(name), command="check").record_id for name in NAMES]
    return log, ids


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain connection in autocommit mode, always closed."""
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        yield db


@contextmanager
def raw(log: DecisionLog) -> Iterator[sqlite3.Connection]:
    """A connection that can tamper: the append-only triggers dropped, as an attacker would."""
    with connect(log.path) as db:
        db.execute("DROP TRIGGER records_append_only_u")
        db.execute("DROP TRIGGER records_append_only_d")
        yield db


def named(report_problems: list[object]) -> list[tuple[str, int | None, str | None]]:
    return [(p.kind, p.seq, p.record_id) for p in report_problems]  # type: ignore[attr-defined]


# --- writing and reading -------------------------------------------------------------------------


def test_append_and_verify_roundtrip(filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    report = log.verify()
    assert report.ok and report.records == 4 and report.head_seq == 4
    entries = list(log.entries())
    assert [e.seq for e in entries] == [1, 2, 3, 4] and [e.record_id for e in entries] == ids
    assert entries[0].prev_hash == GENESIS
    for before, after in pairwise(entries):
        assert after.prev_hash == before.record_hash
    for entry in entries:
        assert entry.record_hash == sha256(entry.prev_hash.encode() + entry.body).hexdigest()
    assert report.head_hash == entries[-1].record_hash and "chain intact" in report.describe()


def test_record_is_canonical_json_with_the_decision_bytes_and_dossier(filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    decision, dossier = decided(NAMES[1])
    entry = log.get(ids[1])
    assert canonical_json(json.loads(entry.body)) == entry.body
    assert entry.decision_json == decision.to_json()
    assert entry.dossier_json == canonical_json(dossier.model_dump(mode="json"))
    assert entry.decision == decision and entry.dossier == dossier
    record = entry.record
    assert record["schema"] == LOG_SCHEMA and record["kind"] == "decision" and record["command"] == "check"
    assert record["logged_at"] == "2026-11-23T09:00:01.000000+00:00"
    assert record["as_of"] == "2026-11-23" and record["dossier_sha256"] == decision.dossier_sha256
    assert record["pack"]["id"] == "convenant-2025" and record["pack"]["sha256"] == load_pack().sha256
    assert record["pack"]["root"] is None and record["pack"]["overlay"] is None


def test_logging_time_does_not_enter_the_decision(tmp_path: Path) -> None:
    decision, dossier = decided()
    first = make_log(tmp_path / "a.sqlite").append(decision, dossier, command="check")
    later = DecisionLog(tmp_path / "b.sqlite", clock=lambda: datetime(2030, 1, 1, tzinfo=UTC))
    second = later.append(decision, dossier, command="check")
    assert first.logged_at != second.logged_at and first.decision_json == second.decision_json


def test_region_and_pack_directory_are_recorded_for_replay(tmp_path: Path) -> None:
    pack = load_pack(region="voorbeeldregio")
    dossier = load_dossier(LENDER)
    entry = make_log(tmp_path / "log.sqlite").append(evaluate(dossier, pack, AS_OF), dossier, command="check",
                                                     region="voorbeeldregio", pack=pack)
    assert entry.pack["overlay"] == "voorbeeldregio" and entry.pack["region"] == "voorbeeldregio"
    assert entry.pack["overlay_sha256"] == pack.overlay_sha256 and entry.pack["root"] is None


def test_append_many_is_one_transaction(tmp_path: Path) -> None:
    log = make_log(tmp_path / "log.sqlite")
    good = [decided(name) for name in NAMES[:2]]
    mismatched = (good[0][0], good[1][1])  # a decision with another partner's dossier
    with pytest.raises(LogError, match="the decision was made from"):
        log.append_many([*good, mismatched], command="screen")
    assert len(log) == 0
    refs = log.append_many([*good, LogItem.of(*good[0])], command="screen")
    assert [r.seq for r in refs] == [1, 2, 3] and len(log) == 3 and log.verify().ok


def test_append_failure_raises_and_logs_nothing(tmp_path: Path) -> None:
    log = make_log(tmp_path / "log.sqlite")
    log.append(*decided(), command="check")
    with connect(log.path) as db:  # simulate a full disk: every insert fails
        db.execute("CREATE TRIGGER full BEFORE INSERT ON records BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    with pytest.raises(LogWriteError, match="disk is full.*nothing was logged"):
        log.append(*decided(), command="check")
    with pytest.raises(LogWriteError):
        log.append_many([decided()] * 3, command="screen")
    assert len(log) == 1 and log.verify().ok


def test_log_that_cannot_be_created_raises(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(LogWriteError, match="cannot open the decision log"):
        DecisionLog(tmp_path / "file" / "decisions.sqlite")


def test_a_read_only_log_must_exist_and_be_a_decision_log(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="no decision log at"):
        DecisionLog(tmp_path / "missing" / "log.sqlite", read_only=True)
    assert not (tmp_path / "missing").exists()
    other = tmp_path / "other.sqlite"
    with connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(LogError, match="not a decision log"):
        DecisionLog(other, read_only=True)
    with connect(other) as db:
        assert [row[0] for row in db.execute("SELECT name FROM sqlite_master")] == ["t"]  # nothing added
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(LogError, match="cannot read the decision log"):
        DecisionLog(garbage, read_only=True)


def test_triggers_refuse_update_and_delete(filled: tuple[DecisionLog, list[str]]) -> None:
    log, _ = filled
    with connect(log.path) as db:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE records SET kind = 'x' WHERE seq = 1")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("DELETE FROM records WHERE seq = 1")


def test_unknown_record_is_named(filled: tuple[DecisionLog, list[str]]) -> None:
    log, _ = filled
    with pytest.raises(RecordNotFound, match="no record 'nope'"):
        log.get("nope")


def test_default_path_follows_eligibility_home(tmp_path: Path) -> None:
    assert default_log_path({"ELIGIBILITY_HOME": str(tmp_path)}) == tmp_path / "decisions.sqlite"
    assert default_log_path({}) == Path.home() / ".local" / "share" / "eligibility" / "decisions.sqlite"


def test_latest_decision_per_dossier_and_date(tmp_path: Path) -> None:
    log = make_log(tmp_path / "log.sqlite")
    first = log.append(*decided(NAMES[0]), command="check")
    other = log.append(*decided(NAMES[1]), command="check")
    again = log.append(*decided(NAMES[0]), command="screen")
    assert [e.record_id for e in log.latest_decisions()] == [other.record_id, again.record_id]
    assert first.record_id not in [e.record_id for e in log.latest_decisions()]


# --- verify: every kind of tampering is named --------------------------------------------------------


def test_one_changed_byte_in_a_row_is_named(filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    body = log.get(ids[1]).body
    at = body.index(b"Partner Twee")
    with raw(log) as db:
        db.execute("UPDATE records SET body = ? WHERE seq = 2", (body[:at] + b"X" + body[at + 1:],))
    report = log.verify()
    assert not report.ok
    assert named(report.problems) == [("changed", 2, ids[1])]
    assert f"seq 2 (record {ids[1]})" in report.describe()


def stored_body(log: DecisionLog, seq: int) -> bytes:
    """A record's body as the file holds it (a zstd frame for a decision)."""
    with connect(log.path) as db:
        (body,) = db.execute("SELECT body FROM records WHERE seq = ?", (seq,)).fetchone()
    return bytes(body)


@pytest.mark.parametrize("where", ["magic number", "frame header", "middle", "checksum"])
def test_one_flipped_byte_in_the_database_file_is_named(filled: tuple[DecisionLog, list[str]], where: str) -> None:
    log, ids = filled
    with connect(log.path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(log.path.read_bytes())
    frame = stored_body(log, 3)
    assert frame.startswith(ZSTD_MAGIC) and data.count(frame) == 1  # stored compressed, exactly once
    offset = {"magic number": 1, "frame header": 5, "middle": len(frame) // 2, "checksum": len(frame) - 2}[where]
    data[data.index(frame) + offset] ^= 0x01
    log.path.write_bytes(bytes(data))
    report = log.verify()
    assert named(report.problems) == [("changed", 3, ids[2])]


def test_decisions_are_stored_compressed_against_one_dictionary_per_pack(filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    plain = [log.get(record_id).body for record_id in ids]
    stored = [stored_body(log, seq) for seq in (1, 2, 3, 4)]
    assert all(s.startswith(ZSTD_MAGIC) and len(s) * 5 < len(p) for s, p in zip(stored, plain, strict=True))
    with connect(log.path) as db:
        assert db.execute("SELECT DISTINCT dictionary FROM records").fetchall() == [(1,)]
        (family,) = db.execute("SELECT family FROM dictionaries").fetchone()
    assert family == f"decision {log.get(ids[0]).pack['sha256']}"


def test_a_changed_dictionary_names_every_record_compressed_with_it(filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    with connect(log.path) as db:
        db.execute("DROP TRIGGER dictionaries_append_only_u")
        db.execute("UPDATE dictionaries SET data = CAST(replace(CAST(data AS TEXT), 'Partner', 'Partnar') AS BLOB)")
    report = DecisionLog(log.path).verify()  # a fresh reader: nothing cached
    assert named(report.problems) == [("changed", seq, ids[seq - 1]) for seq in (1, 2, 3, 4)]
    assert report.describe().splitlines()[1:] == [
        "  CHANGED: 4 records, seq 1-4: the stored record cannot be read: dictionary 1 was changed after it was written"]
    with pytest.raises(LogError, match="cannot be read"):
        DecisionLog(log.path).get(ids[0])
    with pytest.raises(LogWriteError, match="dictionary 1 was changed"):  # nothing is compressed against it
        DecisionLog(log.path).append(*decided(NAMES[0]), command="check")
    assert len(DecisionLog(log.path)) == 4


def test_many_problems_with_one_cause_are_one_line_naming_every_seq() -> None:
    problems = [Problem("changed", seq, f"r{seq}", "same cause") for seq in (1, 2, 3, 7, 9, 10)]
    problems.insert(3, Problem("removed", 5, None, "seq 5 missing before seq 6 (record r6)"))
    report = VerifyReport(Path("log.sqlite"), 9, 10, "h", problems)
    assert report.describe().splitlines()[1:] == [
        "  CHANGED: 6 records, seq 1-3, 7, 9-10: same cause", "  REMOVED: seq 5: seq 5 missing before seq 6 (record r6)"]
    few = VerifyReport(Path("log.sqlite"), 9, 10, "h", problems[:3])  # below GROUPED_FROM: one line each
    assert [line.strip() for line in few.describe().splitlines()[1:]] == [str(p) for p in problems[:3]]


def test_a_log_written_before_compression_is_read_and_extended(tmp_path: Path) -> None:
    """Plain bodies and no dictionary column (the earlier layout): read, verified, and new
    records appended to the same chain are compressed."""
    path = tmp_path / "old.sqlite"
    log = make_log(path)
    first = log.append(*decided(NAMES[0]), command="check")
    body = first.body
    with connect(path) as db:  # rebuild the file as the earlier version wrote it
        db.execute("DROP TABLE dictionaries")
        db.execute("DROP TRIGGER records_append_only_u")
        db.execute("ALTER TABLE records DROP COLUMN dictionary")
        db.execute("UPDATE records SET body = ? WHERE seq = 1", (body,))
    reopened = make_log(path)
    assert reopened.get(first.record_id).body == body and reopened.verify().ok
    second = reopened.append(*decided(NAMES[1]), command="check")
    assert stored_body(reopened, 1) == body and stored_body(reopened, 2).startswith(ZSTD_MAGIC)
    assert second.prev_hash == first.record_hash and reopened.verify().ok


def test_a_flipped_byte_in_a_hash_or_id_column_is_named(filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    entry = log.get(ids[0])
    flipped = ("1" if entry.record_hash[0] != "1" else "2") + entry.record_hash[1:]
    other_id = ("f" if ids[3][0] != "f" else "e") + ids[3][1:]  # a random id may start with "f" already
    with raw(log) as db:
        db.execute("UPDATE records SET record_hash = ? WHERE seq = 1", (flipped,))
        db.execute("UPDATE records SET record_id = ? WHERE seq = 4", (other_id,))
    report = log.verify()
    kinds = named(report.problems)
    assert ("changed", 1, ids[0]) in kinds and ("changed", 4, other_id) in kinds
    assert {p.seq for p in report.problems} == {1, 4}  # seq 2 is intact: only its predecessor's seal changed


def test_removed_records_are_named(filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    with raw(log) as db:
        db.execute("DELETE FROM records WHERE seq = 2")
    report = log.verify()
    assert named(report.problems) == [("removed", 2, None)]
    assert f"seq 2 missing before seq 3 (record {ids[2]})" in report.describe()


def test_removed_newest_record_is_named(filled: tuple[DecisionLog, list[str]]) -> None:
    log, _ = filled
    with raw(log) as db:
        db.execute("DELETE FROM records WHERE seq = 4")
    report = log.verify()
    assert named(report.problems) == [("removed", 4, None)]
    assert "missing at the end of the log" in report.describe()


def test_reordered_records_are_named(filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    with raw(log) as db:
        columns = "record_id, kind, subject, dossier_sha256, as_of, body, record_hash"
        rows = {seq: rest for seq, *rest in db.execute(f"SELECT seq, {columns} FROM records")}
        db.execute("UPDATE records SET record_id = 'tmp' WHERE seq = 2")
        for seq, other in ((3, 2), (2, 3)):  # whole rows change places; every column stays consistent
            db.execute("UPDATE records SET record_id = ?, kind = ?, subject = ?, dossier_sha256 = ?, as_of = ?,"
                       " body = ?, record_hash = ? WHERE seq = ?", (*rows[other], seq))
    report = log.verify()
    assert sorted(named(report.problems)) == [("reordered", 2, ids[2]), ("reordered", 3, ids[1])]


def test_swapped_seq_numbers_are_named(filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    with raw(log) as db:
        db.execute("UPDATE records SET seq = 100 WHERE seq = 3")
        db.execute("UPDATE records SET seq = 3 WHERE seq = 4")
        db.execute("UPDATE records SET seq = 4 WHERE seq = 100")
    report = log.verify()
    assert sorted(named(report.problems)) == [("reordered", 3, ids[3]), ("reordered", 4, ids[2])]


def test_inserted_record_is_named(filled: tuple[DecisionLog, list[str]]) -> None:
    """A forged record sealed onto seq 1, slipped in as seq 2, later records moved up by one."""
    log, ids = filled
    first = log.get(ids[0])
    forged = dict(first.record, record_id="forged", seq=2, prev_hash=first.record_hash)
    body = canonical_json(forged)
    with raw(log) as db:
        for seq in (4, 3, 2):
            db.execute("UPDATE records SET seq = ? WHERE seq = ?", (seq + 1, seq))
        db.execute("INSERT INTO records (seq, record_id, kind, subject, dossier_sha256, as_of, body, record_hash)"
                   " VALUES (2, 'forged', 'decision', NULL, ?, ?, ?, ?)",
                   (first.record["dossier_sha256"], first.as_of, body, sha256(first.record_hash.encode() + body).hexdigest()))
    report = log.verify()
    assert ("inserted", 2, "forged") in named(report.problems)
    assert {("reordered", 3, ids[1]), ("reordered", 4, ids[2]), ("reordered", 5, ids[3])} <= set(named(report.problems))


def test_a_record_changed_and_resealed_is_named_by_its_successor(filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    entry = log.get(ids[1])
    record = dict(entry.record, command="edited")
    body = canonical_json(record)
    with raw(log) as db:
        db.execute("UPDATE records SET body = ?, record_hash = ? WHERE seq = 2",
                   (body, sha256(entry.prev_hash.encode() + body).hexdigest()))
    report = log.verify()
    assert named(report.problems) == [("changed", 2, ids[1])]
    assert "re-sealed" in report.describe()


def test_unreadable_body_is_named(filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    with raw(log) as db:
        db.execute("UPDATE records SET body = substr(body, 1, 100) WHERE seq = 3")
    assert named(log.verify().problems) == [("changed", 3, ids[2])]


# --- overrides -----------------------------------------------------------------------------------


def test_effective_verdict_changes_only_after_approval(filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    assert log.effective_verdict(ids[0]) is Verdict.ELIGIBLE
    override_id = log.request_override(ids[0], officer="J. Jansen", verdict="not_eligible",
                                       justification="Fine found in the municipal file, not yet in the register.",
                                       citation="Convenant bijlage 3, onder f")
    assert log.effective_verdict(ids[0]) is Verdict.ELIGIBLE
    [pending] = log.overrides(ids[0])
    assert not pending.approved and pending.officer == "J. Jansen" and pending.automatic_verdict is Verdict.ELIGIBLE
    approval_id = log.approve_override(override_id, approver="P. de Boer")
    assert log.effective_verdict(ids[0]) is Verdict.NOT_ELIGIBLE
    [done] = log.overrides(ids[0])
    assert done.approved and done.approver == "P. de Boer" and done.approval_id == approval_id
    assert log.all_overrides() == {ids[0]: [done]}
    assert log.effective_verdict(ids[1]) is Verdict.ELIGIBLE  # other decisions untouched


def test_the_requesting_officer_cannot_approve(filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    override_id = log.request_override(ids[0], officer="J. Jansen", verdict="needs_review",
                                       justification="j", citation="c")
    with pytest.raises(OverrideError, match="four eyes"):
        log.approve_override(override_id, approver="  j.  jansen ")
    assert log.effective_verdict(ids[0]) is Verdict.ELIGIBLE


@pytest.mark.parametrize(("field", "value", "message"), [
    ("justification", "  ", "non-empty justification"),
    ("citation", "", "non-empty citation"),
    ("officer", "", "non-empty officer"),
    ("verdict", "maybe", "is not one of"),
    ("verdict", "eligible", r"already eligible \(the automatic verdict\)"),
])
def test_an_override_without_justification_or_citation_is_rejected(
        filled: tuple[DecisionLog, list[str]], field: str, value: str, message: str) -> None:
    log, ids = filled
    arguments = {"officer": "J. Jansen", "verdict": "not_eligible", "justification": "why", "citation": "art. 1"}
    arguments[field] = value
    with pytest.raises(OverrideError, match=message):
        log.request_override(ids[0], **arguments)  # type: ignore[arg-type]
    assert len(log) == 4


def test_overrides_of_unknown_or_wrong_records_are_rejected(filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    with pytest.raises(RecordNotFound):
        log.request_override("nope", officer="a", verdict="not_eligible", justification="j", citation="c")
    override_id = log.request_override(ids[0], officer="a", verdict="not_eligible", justification="j", citation="c")
    with pytest.raises(OverrideError, match="not a decision"):
        log.request_override(override_id, officer="a", verdict="not_eligible", justification="j", citation="c")
    with pytest.raises(OverrideError, match="not an override request"):
        log.approve_override(ids[0], approver="b")
    log.approve_override(override_id, approver="b")
    with pytest.raises(OverrideError, match="already approved by b"):
        log.approve_override(override_id, approver="c")


@pytest.mark.parametrize("approver", ["J. Jansen\u200b", "\uff2a. \uff2a\uff41\uff4e\uff53\uff45\uff4e", "J.  Jansen.",
                                      "j jansen", "J.-Jansen"])
def test_four_eyes_sees_through_invisible_characters_fullwidth_letters_and_punctuation(
        filled: tuple[DecisionLog, list[str]], approver: str) -> None:
    """A zero-width space, fullwidth letters or a full stop let the requesting officer approve their own override."""
    log, ids = filled
    override_id = log.request_override(ids[0], officer="J. Jansen", verdict="needs_review", justification="j",
                                       citation="c")
    with pytest.raises(OverrideError, match="four eyes"):
        log.approve_override(override_id, approver=approver)


def test_an_invisible_justification_is_empty(filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    with pytest.raises(OverrideError, match="non-empty justification"):
        log.request_override(ids[0], officer="a", verdict="not_eligible", justification="\u200b \u2060",
                             citation="c")


def test_an_override_in_force_can_be_undone_back_to_the_automatic_verdict(
        filled: tuple[DecisionLog, list[str]]) -> None:
    """Back to the automatic verdict (the fine was annulled) was refused as "already eligible"; the
    verdict in force is what an override must change."""
    log, ids = filled
    first = log.request_override(ids[0], officer="a", verdict="not_eligible", justification="fine", citation="c")
    log.approve_override(first, approver="b")
    with pytest.raises(OverrideError, match=f"already not_eligible \\(by override {first}\\)"):
        log.request_override(ids[0], officer="a", verdict="not_eligible", justification="again", citation="c")
    back = log.request_override(ids[0], officer="a", verdict="eligible", justification="fine annulled", citation="c")
    log.approve_override(back, approver="b")
    assert log.effective_verdict(ids[0]) is Verdict.ELIGIBLE


def test_the_latest_approved_override_is_in_force(filled: tuple[DecisionLog, list[str]]) -> None:
    """A request must be approved before another override is (test_log_overrides: a stale request), so
    the latest approval is that of the latest request approved."""
    log, ids = filled
    first = log.request_override(ids[0], officer="a", verdict="not_eligible", justification="j", citation="c")
    log.approve_override(first, approver="c")
    assert log.effective_verdict(ids[0]) is Verdict.NOT_ELIGIBLE
    second = log.request_override(ids[0], officer="b", verdict="needs_review", justification="j2", citation="c2")
    log.approve_override(second, approver="c")
    assert log.effective_verdict(ids[0]) is Verdict.NEEDS_REVIEW


def test_overrides_are_sealed_records_linked_to_the_decision(filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    override_id = log.request_override(ids[0], officer="a", verdict="not_eligible", justification="j", citation="c")
    approval_id = log.approve_override(override_id, approver="b")
    request, approval = log.get(override_id), log.get(approval_id)
    assert (request.kind, request.seq, approval.kind, approval.seq) == ("override", 5, "approval", 6)
    assert request.record["decision_record_id"] == ids[0] == approval.record["decision_record_id"]
    assert approval.record["override_id"] == override_id and approval.prev_hash == request.record_hash
    assert log.verify().ok
    body = request.body.replace(b'"justification":"j"', b'"justification":"k"')
    with raw(log) as db:
        db.execute("UPDATE records SET body = ? WHERE seq = 5", (body,))
    assert named(log.verify().problems) == [("changed", 5, override_id)]


def test_removing_an_overridden_decision_is_named_by_its_override(filled: tuple[DecisionLog, list[str]]) -> None:
    log, ids = filled
    log.request_override(ids[1], officer="a", verdict="not_eligible", justification="j", citation="c")
    with raw(log) as db:
        db.execute("DELETE FROM records WHERE seq = 2")
    problems = named(log.verify().problems)
    assert ("removed", 2, None) in problems and ("removed", None, ids[1]) in problems


def test_a_logged_dossier_is_the_bytes_the_decision_hashed_serialised_once() -> None:
    dossier = load_dossier(LENDER)
    decision = evaluate(dossier, load_pack(), AS_OF)
    item = LogItem.of(decision, dossier)
    assert item.dossier_json == canonical_json(dossier.model_dump(mode="json"))
    assert item.dossier_json is dossier.canonical_json  # made by evaluate, reused by the log
    assert sha256(item.dossier_json).hexdigest() == decision.dossier_sha256
    assert dossier == load_dossier(LENDER)  # the cached form is no field: equality ignores it
    assert "canonical_json" not in dossier.model_dump()
