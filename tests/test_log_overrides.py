"""Overrides and approvals as every reader sees them: never hidden by an unsealed column, never
approved stale, never placed differently by one reader and another, and four eyes by name."""

from __future__ import annotations

from collections.abc import Callable
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest

from eligibility._canonical import canonical_json
from eligibility._log import DecisionLog, LogError, OverrideError

from .test_log import NAMES, decided, make_log, named, raw


@pytest.fixture
def approved(tmp_path: Path) -> tuple[DecisionLog, list[str], str, str]:
    """Four decisions; the second has an override (seq 5) approved (seq 6)."""
    log = make_log(tmp_path / "decisions.sqlite")
    ids = [log.append(*decided(name), command="check").record_id for name in NAMES]
    override = log.request_override(ids[1], officer="Anna de Vries", verdict="not_eligible",
                                    justification="fine found", citation="Covenant annex 3")
    return log, ids, override, log.approve_override(override, approver="Bob Bakker")


def _reads(log: DecisionLog, decision: str) -> list[Callable[[], object]]:
    return [lambda: log.overrides(decision), log.all_overrides, lambda: log.effective_verdict(decision)]


def _append_sealed(log: DecisionLog, header: dict[str, Any]) -> str:
    """A record appended by hand and sealed correctly, as someone who can write the file would."""
    with raw(log) as db:
        seq, prev = db.execute("SELECT seq, record_hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
        record_id = f"f0f0{seq + 1:028d}"
        body = canonical_json({"schema": "eligibility.log-record/1", "seq": seq + 1, "record_id": record_id,
                               "prev_hash": prev, "logged_at": "2026-11-24T05:00:00.000000+00:00",
                               "command": "audit override approve", **header})
        db.execute("INSERT INTO records (seq, record_id, kind, subject, dossier_sha256, as_of, body, record_hash) "
                   "VALUES (?, ?, ?, ?, NULL, NULL, ?, ?)", (seq + 1, record_id, header["kind"],
                                                             header.get("decision_record_id"), body,
                                                             sha256(prev.encode() + body).hexdigest()))
    return record_id


# --- an unsealed column cannot hide an approval -----------------------------------------------------


@pytest.mark.parametrize(("column", "value"), [("subject", "changed"), ("kind", "approvam")])
def test_a_changed_subject_or_kind_column_does_not_hide_the_approval(
        approved: tuple[DecisionLog, list[str], str, str], column: str, value: str) -> None:
    """Readers picked approvals by these columns: the approval vanished, the automatic verdict showed as in
    force and the override could be approved again; only verify noticed."""
    log, ids, override, approval = approved
    with raw(log) as db:
        db.execute(f"UPDATE records SET {column} = ? WHERE record_id = ?", (value, approval))
    for read in _reads(log, ids[1]):
        with pytest.raises(LogError, match=f"record {approval} .*not as it was sealed"):
            read()
    with pytest.raises(LogError, match=f"record {approval}"):
        log.approve_override(override, approver="Carol")
    with pytest.raises(LogError, match=f"record {approval}"):
        log.request_override(ids[1], officer="Carol", verdict="eligible", justification="j", citation="c")
    assert len(log) == 6


def test_a_record_taken_out_is_refused_by_readers(approved: tuple[DecisionLog, list[str], str, str]) -> None:
    log, ids, _, approval = approved
    log.request_override(ids[0], officer="Carol", verdict="not_eligible", justification="j", citation="c")
    with raw(log) as db:
        db.execute("DELETE FROM records WHERE record_id = ?", (approval,))
    for read in _reads(log, ids[1]):
        with pytest.raises(LogError, match="no record at seq 6 .*taken out"):
            read()


def test_a_tail_cut_off_without_lowering_the_counter_is_refused(
        approved: tuple[DecisionLog, list[str], str, str]) -> None:
    log, ids, _, approval = approved
    with raw(log) as db:
        db.execute("DELETE FROM records WHERE record_id = ?", (approval,))
    with pytest.raises(LogError, match="ends at seq 5, but it had handed out seq 6"):
        log.overrides(ids[1])


def test_a_sealed_record_of_an_unknown_kind_is_named(approved: tuple[DecisionLog, list[str], str, str]) -> None:
    log, ids, override, _ = approved
    forged = _append_sealed(log, {"kind": "revocation", "override_id": override, "decision_record_id": ids[1]})
    for read in _reads(log, ids[1]):
        with pytest.raises(LogError, match=f"record {forged} .*sealed as kind 'revocation'"):
            read()
    assert ("invalid", 7, forged) in named(log.verify().problems)


def test_reading_overrides_decodes_no_decision_body(approved: tuple[DecisionLog, list[str], str, str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A screen run reads every override at its start: on a log of 100,000 decisions that must not read them all."""
    log, ids, _, approval = approved
    decoded: list[bytes] = []
    decode = log._codec.decode

    def counted(*args: Any) -> bytes:
        decoded.append(decode(*args))
        return decoded[-1]

    monkeypatch.setattr(log._codec, "decode", counted)
    assert [o.approval_id for o in log.all_overrides()[ids[1]]] == [approval]
    assert len(decoded) == 2 and all(b'"kind":"decision"' not in body for body in decoded)


# --- stale requests ---------------------------------------------------------------------------------


def test_a_request_older_than_a_later_approval_cannot_be_approved(
        approved: tuple[DecisionLog, list[str], str, str]) -> None:
    """Carol's request, made before Anna's override and its undo were approved, revived the undone verdict."""
    log, ids, first, _ = approved
    stale = log.request_override(ids[0], officer="Carol", verdict="not_eligible", justification="rumour",
                                 citation="art. 3")
    done = log.request_override(ids[0], officer="Anna", verdict="not_eligible", justification="fine", citation="c")
    log.approve_override(done, approver="Bob")
    undo = log.request_override(ids[0], officer="Anna", verdict="eligible", justification="annulled", citation="c")
    undo_approval = log.approve_override(undo, approver="Bob")
    with pytest.raises(OverrideError, match=f"override {stale} was requested before override {undo} was approved "
                                            f"\\(record {undo_approval}\\).*make a new request"):
        log.approve_override(stale, approver="Dave")
    assert log.effective_verdict(ids[0]).value == "eligible"
    assert log.effective_verdict(ids[1]).value == "not_eligible"  # another decision's overrides are no reason
    assert first in [o.override_id for o in log.overrides(ids[1])]


# --- correctly sealed approvals that break the rules ------------------------------------------------


def test_verify_names_a_self_approval(approved: tuple[DecisionLog, list[str], str, str]) -> None:
    log, ids, _, _ = approved
    second = log.request_override(ids[0], officer="Anna de Vries", verdict="needs_review", justification="j",
                                  citation="c")
    assert log.verify().ok
    forged = _append_sealed(log, {"kind": "approval", "override_id": second, "decision_record_id": ids[0],
                                  "approver": "anna  DE vries"})
    report = log.verify()
    assert named(report.problems) == [("invalid", 8, forged)] and "four eyes" in report.describe()


def test_an_approval_naming_another_decision_is_refused_by_verify_and_every_reader(
        approved: tuple[DecisionLog, list[str], str, str]) -> None:
    """audit list placed it on the override's decision, audit show on neither: two verdicts in force."""
    log, ids, _, _ = approved
    second = log.request_override(ids[0], officer="Anna", verdict="needs_review", justification="j", citation="c")
    forged = _append_sealed(log, {"kind": "approval", "override_id": second, "decision_record_id": ids[2],
                                  "approver": "Bob"})
    assert named(log.verify().problems) == [("invalid", 8, forged)]
    for decision in (ids[0], ids[2]):
        for read in _reads(log, decision):
            with pytest.raises(LogError, match=f"approval {forged} .*names decision {ids[2]}, but override {second}"):
                read()


@pytest.mark.parametrize("header", [
    {"override_id": "no-such-override"},
    {"override_id": "OVERRIDE"},  # a second approval of an approved override
])
def test_an_approval_without_its_override_or_a_second_one_is_refused(
        approved: tuple[DecisionLog, list[str], str, str], header: dict[str, str]) -> None:
    log, ids, override, _ = approved
    forged = _append_sealed(log, {"kind": "approval", "decision_record_id": ids[1], "approver": "Carol",
                                  **{k: v.replace("OVERRIDE", override) for k, v in header.items()}})
    assert named(log.verify().problems) == [("invalid", 7, forged)]
    with pytest.raises(LogError, match=f"approval {forged} .*breaks the override rules"):
        log.overrides(ids[1])


# --- four eyes by name ------------------------------------------------------------------------------


@pytest.mark.parametrize("approver", ["Anna de Vr\u00efes", "Anna de Vri\u0308es", "Anna deVries", "AnnadeVries",
                                      "Anna de Vr\u0131es", "anna.de-vries", "\u0410nna de Vries",
                                      "\u0391nna de Vries", "ANNA DE VRIES\u200b", "\u3164Anna de Vries"])
def test_four_eyes_sees_through_accents_spacing_dotless_i_and_lookalikes(
        approved: tuple[DecisionLog, list[str], str, str], approver: str) -> None:
    log, ids, _, _ = approved
    override = log.request_override(ids[0], officer="Anna de Vries", verdict="needs_review", justification="j",
                                    citation="c")
    with pytest.raises(OverrideError, match="four eyes"):
        log.approve_override(override, approver=approver)


@pytest.mark.parametrize("approver", ["Anna van Vries", "Anna de Vries 2", "Hanna de Vries"])
def test_four_eyes_lets_another_name_approve(approved: tuple[DecisionLog, list[str], str, str],
                                             approver: str) -> None:
    log, ids, _, _ = approved
    override = log.request_override(ids[0], officer="Anna de Vries", verdict="needs_review", justification="j",
                                    citation="c")
    log.approve_override(override, approver=approver)
    assert log.verify().ok
