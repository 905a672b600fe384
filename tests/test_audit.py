"""Replay, the decision letter and the ``audit`` commands."""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from markupsafe import escape

from eligibility import Dossier, evaluate, load_dossier, load_pack
from eligibility._audit import diff_decisions, replay, replay_entry
from eligibility._cli import ExitCode
from eligibility._cli_audit import audit, impact_command
from eligibility._canonical import canonical_json
from eligibility._letter import render_letter, snapshot_path
from eligibility._log import DecisionLog, LogError, LogItem, LogWriteError
from eligibility._pack import RULES_DIR

ROOT = Path(__file__).parents[1]
LENDER = ROOT / "fixtures" / "dossiers" / "lender-complete.json"
AS_OF = date(2026, 11, 23)


def new_log(path: Path) -> DecisionLog:
    return DecisionLog(path, clock=lambda: datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


def lender(**partner: str) -> Dossier:
    data = json.loads(LENDER.read_text(encoding="utf-8"))
    data["partner"].update(partner)
    return Dossier.model_validate(data)


def log_lender(log: DecisionLog, dossier: Dossier | None = None, **options: object) -> str:
    dossier = dossier or load_dossier(LENDER)
    pack = options.pop("pack", None) or load_pack(region=options.get("region"))  # type: ignore[arg-type]
    decision = evaluate(dossier, pack, AS_OF)  # type: ignore[arg-type]
    return log.append(decision, dossier, command="check", pack=pack, **options).record_id  # type: ignore[arg-type]


def pack_copy(tmp_path: Path) -> Path:
    target = tmp_path / "convenant-2025"
    shutil.copytree(RULES_DIR / "convenant-2025", target)
    return target


# --- replay --------------------------------------------------------------------------------------


def test_replay_of_a_fresh_decision_is_byte_identical(tmp_path: Path) -> None:
    log = new_log(tmp_path / "log.sqlite")
    record_id = log_lender(log)
    result = replay(log, record_id)
    assert result.identical and result.error is None and not result.causes and not result.differences
    assert result.replayed is not None and result.replayed.to_json() == log.get(record_id).decision_json
    assert "byte-identical" in result.describe()


def test_replay_under_a_regional_overlay_is_byte_identical(tmp_path: Path) -> None:
    log = new_log(tmp_path / "log.sqlite")
    record_id = log_lender(log, region="voorbeeldregio")
    result = replay(log, record_id)
    assert result.identical, result.describe()
    assert result.replayed is not None and result.replayed.pack.region == "voorbeeldregio"


def test_replay_with_a_changed_pack_names_both_hashes(tmp_path: Path) -> None:
    root = pack_copy(tmp_path)
    log = new_log(tmp_path / "log.sqlite")
    record_id = log_lender(log, pack=load_pack(root))
    assert replay(log, record_id).identical
    stored_hash = log.get(record_id).pack["sha256"]
    window = root / "concepts" / "window.yaml"
    window.write_text(window.read_text(encoding="utf-8").replace("value: 2", "value: 3"), encoding="utf-8")
    result = replay_entry(log.get(record_id))  # without the log's copy of the pack: as a log from before 1.8.0
    assert not result.identical and result.pack_changed
    assert result.replayed is not None
    now_hash = result.replayed.pack.sha256
    assert stored_hash != now_hash
    assert any(stored_hash in cause and now_hash in cause and "cannot be reproduced byte for byte" in cause
               for cause in result.causes)
    fields = {(d.criterion, d.field) for d in result.differences}
    assert (None, "pack.sha256") in fields
    assert ("b3_f_fines", "parameters") in fields  # window_years 2 -> 3 shows in the criteria that use it
    assert "DIFFERS" in result.describe() and "b3_f_fines.parameters" in result.describe()


def test_replay_after_a_new_release_reads_the_pack_from_the_log_s_copy(tmp_path: Path) -> None:
    """Replay loaded the pack as installed now: after any release (a version bump alone) no earlier decision
    could be reproduced (helper 56). The log keeps each pack's files the first time it is used."""
    root = pack_copy(tmp_path)
    log = new_log(tmp_path / "log.sqlite")
    record_id = log_lender(log, pack=load_pack(root))
    index = root / "index.yaml"
    index.write_text(index.read_text(encoding="utf-8").replace("version: ", "version: 9", 1), encoding="utf-8")
    window = root / "concepts" / "window.yaml"
    window.write_text(window.read_text(encoding="utf-8").replace("value: 2", "value: 3"), encoding="utf-8")
    result = replay(log, record_id)
    assert result.identical and not result.causes, result.describe()
    assert result.notes and "was read from the decision log's copy" in result.notes[0]
    assert "note: the rule pack convenant-2025" in result.describe()
    shutil.rmtree(root)  # the pack directory gone altogether
    assert replay(log, record_id).identical


def test_replay_under_an_overlay_reads_the_overlay_from_the_log_s_copy_too(tmp_path: Path) -> None:
    overlay = tmp_path / "regio.yaml"
    shutil.copy(RULES_DIR / "regions" / "voorbeeldregio.yaml", overlay)
    log = new_log(tmp_path / "log.sqlite")
    record_id = log_lender(log, region=str(overlay))
    overlay.write_text(overlay.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    result = replay(log, record_id)
    assert result.identical and result.notes, result.describe()


def test_an_overlay_changed_after_loading_is_not_kept_under_the_pack_s_hash(tmp_path: Path) -> None:
    """The log keeps a pack's files under the hash of the pack that decides: an overlay edited between
    loading and logging is another overlay, and kept under that hash (append-only) replay could never use it."""
    overlay = tmp_path / "regio.yaml"
    shutil.copy(RULES_DIR / "regions" / "voorbeeldregio.yaml", overlay)
    pack = load_pack(region=str(overlay))
    overlay.write_text(overlay.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    log = new_log(tmp_path / "log.sqlite")
    log_lender(log, pack=pack, region=str(overlay))
    with closing(sqlite3.connect(tmp_path / "log.sqlite")) as db:
        assert db.execute("SELECT key FROM packs").fetchall() == []


def test_a_changed_copy_of_a_pack_in_the_log_is_not_used(tmp_path: Path) -> None:
    """The copies are not chained: they are checked by hash when used."""
    import zstandard

    root = pack_copy(tmp_path)
    log = new_log(tmp_path / "log.sqlite")
    record_id = log_lender(log, pack=load_pack(root))
    shutil.rmtree(root)
    with closing(sqlite3.connect(log.path)) as db:
        key, packed = db.execute("SELECT key, files FROM packs").fetchone()
        files = json.loads(zstandard.ZstdDecompressor().decompress(packed))
        files["pack/concepts/window.yaml"] = files["pack/concepts/window.yaml"].replace("value: 2", "value: 3")
        db.execute("DROP TRIGGER packs_append_only_u")
        db.execute("UPDATE packs SET files = ? WHERE key = ?",
                   (zstandard.ZstdCompressor().compress(json.dumps(files).encode()), key))
        db.commit()
    result = replay(log, record_id)
    assert not result.identical and result.error and "cannot be loaded" in result.error
    assert any("does not hash to" in note and "not used" in note for note in result.notes)


def test_replay_names_an_engine_version_change(tmp_path: Path) -> None:
    dossier = load_dossier(LENDER)
    decision = evaluate(dossier, load_pack(), AS_OF)
    older = decision.as_dict()
    older["engine"]["version"] = "0.0.1"
    item = LogItem.of(decision, dossier)
    log = new_log(tmp_path / "log.sqlite")
    (ref,) = log.append_many([LogItem(item.as_of, item.dossier_sha256, item.pack, canonical_json(older),
                                      item.dossier_json)], command="check")
    result = replay(log, ref.record_id)
    assert not result.identical and not result.pack_changed
    assert [str(d) for d in result.differences] == [f"engine.version: stored '0.0.1', replayed {decision.engine.version!r}"]
    assert any("engine version differs: stored native 0.0.1" in cause for cause in result.causes)


def test_replay_uses_the_durable_engine_when_the_decision_was_made_with_it(tmp_path: Path) -> None:
    from eligibility._durable import DurableEngine

    dossier = load_dossier(LENDER)
    with DurableEngine() as durable:
        if not durable.available():
            pytest.skip("durable-rules does not import on this Python")
        decision = evaluate(dossier, load_pack(), AS_OF, engine=durable)
    log = new_log(tmp_path / "log.sqlite")
    record_id = log.append(decision, dossier, command="check").record_id
    result = replay(log, record_id)
    assert result.identical and not result.causes, result.describe()
    assert result.replayed is not None and result.replayed.engine.name == "durable"


def test_replay_when_the_pack_is_gone(tmp_path: Path) -> None:
    root = pack_copy(tmp_path)
    log = new_log(tmp_path / "log.sqlite")
    record_id = log_lender(log, pack=load_pack(root))
    shutil.rmtree(root)
    result = replay_entry(log.get(record_id))  # without the log's copy (a log from before 1.8.0)
    assert not result.identical and result.error and "cannot be loaded" in result.error


def test_replay_of_an_override_points_at_its_decision(tmp_path: Path) -> None:
    log = new_log(tmp_path / "log.sqlite")
    record_id = log_lender(log)
    override_id = log.request_override(record_id, officer="a", verdict="not_eligible", justification="j", citation="c")
    with pytest.raises(LogError, match=f"replay the decision it refers to \\({record_id}\\)"):
        replay(log, override_id)


def test_diff_names_criteria_and_fields() -> None:
    stored = {"verdict": "eligible", "criteria": [{"id": "a", "outcome": "pass", "reasons": []}, {"id": "b", "outcome": "pass"}]}
    replayed = {"verdict": "not_eligible", "criteria": [{"id": "a", "outcome": "fail", "reasons": []}, {"id": "c", "outcome": "pass"}]}
    assert [str(d) for d in diff_decisions(stored, replayed)] == [
        "verdict: stored 'eligible', replayed 'not_eligible'",
        "a.outcome: stored 'pass', replayed 'fail'",
        "b.(criterion): stored 'present', replayed 'absent'",
        "c.(criterion): stored 'absent', replayed 'present'",
    ]


# --- the letter ----------------------------------------------------------------------------------


def test_letter_has_the_criteria_table_pack_and_citations(tmp_path: Path) -> None:
    log = new_log(tmp_path / "log.sqlite")
    record_id = log_lender(log)
    entry = log.get(record_id)
    html = render_letter(entry, [], "en")
    decision = entry.decision
    assert "Partner eligibility decision" in html and "Flexwerk Oost B.V." in html and "68750110" in html
    assert decision.pack.sha256 in html and f"convenant-2025 {decision.pack.version}" in html and "2026-11-23" in html
    assert "Eligible" in html and entry.record_id in html and entry.record_hash in html
    for criterion in decision.criteria:
        assert criterion.id in html and str(escape(criterion.title["en"])) in html
        assert str(escape(criterion.citation["quote"])) in html
        for reason in criterion.reasons:
            assert str(escape(reason["en"])) in html
    assert "Besluit geschiktheid samenwerkingspartner" in render_letter(entry, [], "nl")


def test_letter_lists_the_records_linked_by_name_for_an_officer_to_confirm(tmp_path: Path) -> None:
    log = new_log(tmp_path / "log.sqlite")
    matched = log.get(log_lender(log, load_dossier(ROOT / "fixtures" / "dossiers" / "lender-sncu-name-match.json")))
    html = render_letter(matched, [], "en")
    assert "Linked by name: to be confirmed" in html and "<li>sncu: Flexwerk Oost Uitzendingen 86</li>" in html
    assert "Gekoppeld op naam: te bevestigen" in render_letter(matched, [], "nl")
    assert "no KvK number" not in html  # the partner itself has one
    by_number = render_letter(log.get(log_lender(log)), [], "en")
    assert "Linked by name" not in by_number and 'class="name-link"' not in by_number


def test_letter_says_a_partner_without_a_kvk_number_is_linked_by_name_only(tmp_path: Path) -> None:
    data = json.loads(LENDER.read_text(encoding="utf-8"))
    data["partner"]["kvk_number"] = None
    data["registers"].pop("kvk")
    log = new_log(tmp_path / "log.sqlite")
    html = render_letter(log.get(log_lender(log, Dossier.model_validate(data))), [], "en")
    assert "The dossier gives no KvK number for the partner: it is linked by name and place only" in html


def test_letter_renders_when_the_stored_dossier_no_longer_validates(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A dossier logged under an older version: the letter says why it cannot list the name links."""
    from eligibility._errors import DossierError
    from eligibility._log import LogEntry

    log = new_log(tmp_path / "log.sqlite")
    entry = log.get(log_lender(log))

    def unreadable(self: LogEntry) -> Dossier:
        raise DossierError("decision log record x", [("partner.given_name", "Field required")])

    monkeypatch.setattr(LogEntry, "dossier", property(unreadable))
    html = render_letter(entry, [], "en")
    assert "The links by name cannot be shown: the stored dossier does not read under this version" in html
    assert "Eligible" in html  # the rest of the letter is there


def test_letter_escapes_html_from_the_dossier(tmp_path: Path) -> None:
    log = new_log(tmp_path / "log.sqlite")
    dossier_data = json.loads(LENDER.read_text(encoding="utf-8"))
    dossier_data["partner"]["name"] = "<script>alert(1)</script>"
    dossier_data["registers"]["kvk"]["provenance"]["url"] = "javascript:alert(2)"
    record_id = log_lender(log, Dossier.model_validate(dossier_data))
    override_id = log.request_override(record_id, officer="<b>officer</b>", verdict="not_eligible",
                                       justification="<img src=x onerror=alert(3)>", citation="art. <i>1</i>")
    html = render_letter(log.get(record_id), log.overrides(record_id), "nl")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "<b>officer" not in html and "<i>1" not in html
    assert 'href="javascript' not in html and "javascript:alert(2)" in html
    assert override_id in html


def test_letter_shows_an_approved_override_apart_from_the_automatic_verdict(tmp_path: Path) -> None:
    log = new_log(tmp_path / "log.sqlite")
    record_id = log_lender(log)
    override_id = log.request_override(record_id, officer="J. Jansen", verdict="not_eligible",
                                       justification="Fine in the municipal file.", citation="Bijlage 3, onder f")
    pending = render_letter(log.get(record_id), log.overrides(record_id), "en")
    assert "not yet approved: not in force" in pending and 'class="override"' not in pending
    log.approve_override(override_id, approver="P. de Boer")
    html = render_letter(log.get(record_id), log.overrides(record_id), "en")
    assert 'class="override"' in html and "Manual override (four eyes)" in html
    assert "Verdict in force (after manual override)" in html and "Not eligible" in html
    assert 'class="verdict eligible superseded">Eligible' in html
    for text in ("J. Jansen", "P. de Boer", "Fine in the municipal file.", "Bijlage 3, onder f"):
        assert text in html
    assert "not in force" not in html


def test_letter_keeps_an_approved_override_a_later_one_replaced(tmp_path: Path) -> None:
    """An approved override is a sealed decision of two officers: replaced by a later one, it left the letter."""
    log = new_log(tmp_path / "log.sqlite")
    record_id = log_lender(log)
    first = log.request_override(record_id, officer="J. Jansen", verdict="not_eligible",
                                 justification="Fine in the municipal file.", citation="Bijlage 3, onder f")
    log.approve_override(first, approver="P. de Boer")
    second = log.request_override(record_id, officer="A. Smit", verdict="needs_review",
                                  justification="The fine is under appeal.", citation="Awb art. 6:16")
    log.approve_override(second, approver="P. de Boer")
    html = render_letter(log.get(record_id), log.overrides(record_id), "en")
    in_force, earlier = html.index("The fine is under appeal."), html.index("Fine in the municipal file.")
    assert "replaced by a later one: no longer in force" in html and in_force < earlier and first in html


def logged_with_snapshot(tmp_path: Path, register: str, url: str, body: bytes,
                         at: datetime) -> tuple[Any, DecisionLog, str, Any]:
    """(evidence store, log, record id, snapshot): the lender logged with its ``register``
    reading pointing at a body stored in ``tmp_path / "evidence"``."""
    from scrapers._store import EvidenceStore

    store = EvidenceStore(tmp_path / "evidence")
    snapshot = store.put(register, url, 200, {}, body, at)
    data = json.loads(LENDER.read_text(encoding="utf-8"))
    data["registers"][register]["provenance"]["sha256"] = snapshot.sha256
    log = new_log(tmp_path / "log.sqlite")
    return store, log, log_lender(log, Dossier.model_validate(data)), snapshot


def test_evidence_appendix_links_stored_snapshots(tmp_path: Path) -> None:
    _, log, record_id, snapshot = logged_with_snapshot(
        tmp_path, "kvk", "https://api.kvk.nl/test/api/v1/basisprofielen/68750110", b'{"kvkNummer": "68750110"}',
        datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    entry = log.get(record_id)
    html = render_letter(entry, [], "en", store_dir=tmp_path / "evidence")
    link = snapshot_path(tmp_path / "evidence", snapshot.sha256).resolve().as_uri()
    assert f'href="{link}"' in html and snapshot.sha256 in html
    assert "not in the store" in html  # the other readings' bytes were never stored here
    assert "https://www.normeringarbeid.nl/snakeurmerk/gecertificeerde-ondernemingen/export" in html
    assert "2026-11-15T06:00:00Z" in html or "2026-11-15T06:00:00" in html
    assert html.count("1111111111111111111111111111111111111111111111111111111111111111") == 1  # one reading, five declarations
    assert "no store given" in render_letter(entry, [], "en")


def test_a_snapshot_removed_by_retention_is_said_to_be_removed_not_linked(tmp_path: Path) -> None:
    store, log, record_id, snapshot = logged_with_snapshot(
        tmp_path, "kvk", "https://api.kvk.nl/test/api/v1/basisprofielen/68750110", b'{"kvkNummer": "68750110"}',
        datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    store.prune(30, datetime(2027, 1, 1, 3, 0, tzinfo=UTC), setting="ELIGIBILITY_EVIDENCE_RETENTION_DAYS=30")

    html = render_letter(log.get(record_id), [], "en", store_dir=tmp_path / "evidence")
    link = snapshot_path(tmp_path / "evidence", snapshot.sha256).resolve().as_uri()
    assert link not in html and "href=\"file:" not in html
    (row,) = [row for row in html.split("<tr>") if snapshot.sha256 in row]
    assert "removed on 2027-01-01 under the retention setting (older than 30 days)" in row
    assert "not in the store" in html  # the other readings were never stored here: still said apart
    dutch = render_letter(log.get(record_id), [], "nl", store_dir=tmp_path / "evidence")
    assert "verwijderd op 2027-01-01 volgens de bewaartermijn (ouder dan 30 dagen)" in dutch
    assert replay(log, record_id).identical  # the log keeps the dossier: replay does not need the body


def test_a_body_deleted_after_a_later_reading_is_missing_not_removed_by_retention(tmp_path: Path) -> None:
    """Pruned, fetched again, then deleted by hand: the old removal does not cover the new reading,
    so the letter must not explain the damage away as retention."""
    from scrapers._store import EvidenceStore

    url, body = "https://api.kvk.nl/test/api/v1/basisprofielen/68750110", b'{"kvkNummer": "68750110"}'
    store = EvidenceStore(tmp_path / "evidence")
    store.put("kvk", url, 200, {}, body, datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    store.prune(30, datetime(2027, 1, 1, 3, 0, tzinfo=UTC), setting="--older-than 30")
    again = store.put("kvk", url, 200, {}, body, datetime(2027, 2, 1, 8, 0, tzinfo=UTC))
    data = json.loads(LENDER.read_text(encoding="utf-8"))
    data["registers"]["kvk"]["provenance"].update(sha256=again.sha256, retrieved_at="2027-02-01T08:00:00Z")
    log = new_log(tmp_path / "log.sqlite")
    record_id = log_lender(log, Dossier.model_validate(data))
    snapshot_path(tmp_path / "evidence", again.sha256).unlink()  # not by prune

    html = render_letter(log.get(record_id), [], "en", store_dir=tmp_path / "evidence")
    (row,) = [row for row in html.split("<tr>") if again.sha256 in row]
    assert "removed on" not in row and "not in the store" in row


def test_show_names_a_removed_snapshot(tmp_path: Path) -> None:
    store, _, record_id, _ = logged_with_snapshot(
        tmp_path, "sna", "https://www.normeringarbeid.nl/snakeurmerk/gecertificeerde-ondernemingen/export", b"export",
        datetime(2026, 11, 15, 6, 0, tzinfo=UTC))
    store.prune(7, datetime(2026, 11, 30, tzinfo=UTC), setting="--older-than 7")
    code, out, _ = run("show", record_id, "--log", str(tmp_path / "log.sqlite"), "--store", str(tmp_path / "evidence"),
                       "--lang", "en")
    assert code == 0 and "removed on 2026-11-30 under the retention setting (older than 7 days)" in out


def test_snapshot_path_follows_the_evidence_store_layout(tmp_path: Path) -> None:
    from scrapers._store import EvidenceStore

    digest = "ab" * 32
    assert snapshot_path(tmp_path, digest) == EvidenceStore(tmp_path)._blob_path(digest)


# --- the audit commands ----------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(audit, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_verify_command_exit_codes_and_names(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    log = new_log(path)
    ids = [log_lender(log, lender(name=name)) for name in ("Een B.V.", "Twee B.V.")]
    code, out, _ = run("verify", "--log", str(path))
    assert code == 0 and "2 records, chain intact" in out
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("DROP TRIGGER records_append_only_u")
        edited = log.get(ids[1]).body.replace(b"Twee B.V.", b"Twee B.W.")  # read as sealed, edited, stored back
        db.execute("UPDATE records SET body = ? WHERE seq = 2", (edited,))
    code, out, _ = run("verify", "--log", str(path))
    assert code == ExitCode.LINT_OR_TEST_FAILED and f"CHANGED: seq 2 (record {ids[1]})" in out


def test_verify_against_a_noted_head(tmp_path: Path) -> None:
    """Cut off at the end with the counter lowered, or re-sealed from a record on: only a noted head shows it."""
    path = tmp_path / "log.sqlite"
    log = new_log(path)
    ids = [log_lender(log, lender(name=name)) for name in ("Een B.V.", "Twee B.V.")]
    head = f"2:{log.get(ids[1]).record_hash}"
    code, out, _ = run("verify", "--log", str(path), "--head", head)
    assert code == 0 and "noted head seq 2: the log still holds it" in out
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("DROP TRIGGER records_append_only_d")
        db.execute("DROP TRIGGER meta_append_only_u")
        db.execute("DELETE FROM records WHERE seq = 2")
        db.execute("UPDATE sqlite_sequence SET seq = 1 WHERE name = 'records'")
    code, out, _ = run("verify", "--log", str(path))
    assert code == 0 and "chain intact" in out  # the known limit
    code, out, _ = run("verify", "--log", str(path), "--head", head)
    assert code == ExitCode.LINT_OR_TEST_FAILED and "NOT as noted" in out and "no such record" in out
    assert run("verify", "--log", str(path), "--head", "2")[0] == ExitCode.USAGE


def test_commands_on_a_missing_log_fail_without_creating_one(tmp_path: Path) -> None:
    code, _, err = run("verify", "--log", str(tmp_path / "none.sqlite"))
    assert code == ExitCode.INVALID_INPUT and "no decision log at" in err
    assert not (tmp_path / "none.sqlite").exists()


def older_layout(path: Path) -> None:
    """Rewrite a log as the version before compression wrote it: plain bodies, no dictionary column."""
    log = DecisionLog(path)
    bodies = [(entry.body, entry.seq) for entry in log.entries()]
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("DROP TABLE dictionaries")
        db.execute("DROP TRIGGER records_append_only_u")
        db.execute("ALTER TABLE records DROP COLUMN dictionary")
        db.executemany("UPDATE records SET body = ? WHERE seq = ?", bodies)
        db.execute("CREATE TRIGGER records_append_only_u BEFORE UPDATE ON records "
                   "BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END")
        db.execute("VACUUM")


@pytest.mark.parametrize("layout", ["current", "older"])
def test_reading_commands_leave_the_log_file_byte_for_byte_as_it_was(tmp_path: Path, layout: str) -> None:
    """An auditor's verify, list, replay, show and impact analysis never write to the log: not
    even to upgrade a log of an earlier layout (that happens on the next write, by an override)."""
    path = tmp_path / "log.sqlite"
    log = new_log(path)
    ids = [log_lender(log, lender(name=name)) for name in ("Een B.V.", "Twee B.V.")]
    base = ["--log", str(path)]
    assert run("override", "request", ids[0], *base, "--officer", "J. Jansen", "--verdict", "not_eligible",
               "--justification", "Municipal file", "--citation", "Bijlage 3, onder f")[0] == 0
    if layout == "older":
        older_layout(path)
    before = path.read_bytes()
    code, out, _ = run("verify", *base)
    assert code == 0 and "3 records, chain intact" in out
    assert run("list", *base)[0] == 0
    assert run("replay", ids[1], *base)[0] == 0
    code, out, _ = run("show", ids[0], *base)
    assert code == 0 and "J. Jansen" in out
    impact = CliRunner().invoke(impact_command, ["--pack", str(pack_copy(tmp_path)), *base])
    assert impact.exit_code == 0, impact.output
    assert path.read_bytes() == before
    with pytest.raises(LogWriteError, match="opened read-only; nothing was logged"):
        log_lender(DecisionLog(path, read_only=True))
    assert path.read_bytes() == before
    code, out, _ = run("override", "request", ids[1], *base, "--officer", "J. Jansen", "--verdict", "not_eligible",
                       "--justification", "Municipal file", "--citation", "Bijlage 3, onder f")
    assert code == 0 and len(DecisionLog(path, read_only=True)) == 4 and DecisionLog(path).verify().ok


def test_default_log_is_under_eligibility_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELIGIBILITY_HOME", str(tmp_path))
    record_id = log_lender(new_log(tmp_path / "decisions.sqlite"))
    code, out, _ = run("replay", record_id)
    assert code == 0 and "byte-identical" in out
    code, out, _ = run("list")
    assert code == 0 and record_id in out and "Flexwerk Oost B.V." in out


def test_replay_command(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    root = pack_copy(tmp_path)
    record_id = log_lender(new_log(path), pack=load_pack(root))
    assert run("replay", record_id, "--log", str(path))[0] == 0
    index = root / "index.yaml"
    index.write_text(index.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    code, out, _ = run("replay", record_id, "--log", str(path))
    assert code == 0 and "byte-identical" in out and "read from the decision log's copy" in out
    with closing(sqlite3.connect(path)) as db:  # the log's copy damaged: replay falls back to the pack on disk
        db.execute("DROP TRIGGER packs_append_only_u")
        db.execute("UPDATE packs SET files = X'00'")
        db.commit()
    code, out, _ = run("replay", record_id, "--log", str(path))
    assert code == ExitCode.LINT_OR_TEST_FAILED and "changed since the decision" in out
    assert "note: the decision log's copy of the rule pack convenant-2025" in out and "cannot be used" in out
    code, _, err = run("replay", "nope", "--log", str(path))
    assert code == ExitCode.INVALID_INPUT and "no record 'nope'" in err


def test_override_commands_and_show(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    record_id = log_lender(new_log(path))
    base = ["--log", str(path)]
    code, _, err = run("override", "request", record_id, *base, "--officer", "J. Jansen", "--verdict", "not_eligible",
                       "--justification", " ", "--citation", "art. 1")
    assert code == ExitCode.INVALID_INPUT and "non-empty justification" in err
    code, out, _ = run("override", "request", record_id, *base, "--officer", "J. Jansen", "--verdict", "not_eligible",
                       "--justification", "Municipal file", "--citation", "Bijlage 3, onder f")
    assert code == 0
    override_id = out.strip()
    code, out, _ = run("list", *base)
    assert f"override of {record_id} to not_eligible by J. Jansen (pending, not in force)" in out
    assert "in force" not in out.splitlines()[0]
    code, _, err = run("override", "approve", override_id, *base, "--approver", "J. Jansen")
    assert code == ExitCode.INVALID_INPUT and "four eyes" in err
    code, out, err = run("override", "approve", override_id, *base, "--approver", "P. de Boer")
    assert code == 0 and "verdict in force" in err and "not_eligible" in err
    code, out, _ = run("list", *base)  # the decision's line says what is in force, the override's that it counts
    assert "eligible (check); in force: not_eligible (approved override)" in out and "(approved)" in out
    code, out, _ = run("replay", record_id, *base)
    assert code == 0 and "byte-identical" in out
    assert ("IN FORCE: not_eligible (was eligible), requested by J. Jansen, approved by P. de Boer (record "
            in out and f"record {override_id}" in out)
    out_file = tmp_path / "letter.html"
    code, _, err = run("show", record_id, *base, "--lang", "en", "--out", str(out_file))
    assert code == 0 and "letter written" in err
    html = out_file.read_text(encoding="utf-8")
    assert "P. de Boer" in html and "Manual override (four eyes)" in html
    code, out, _ = run("show", record_id, *base)
    assert code == 0 and out.startswith("<!DOCTYPE html>") and "Handmatige herziening" in out
    code, _, err = run("show", override_id, *base)
    assert code == ExitCode.INVALID_INPUT and record_id in err


def test_show_pdf_without_a_renderer_says_so_and_writes_html(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "log.sqlite"
    record_id = log_lender(new_log(path))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, _, err = run("show", record_id, "--log", str(path), "--out", str(tmp_path / "letter.pdf"), "--pdf")
    assert code == 0 and "no PDF renderer on PATH" in err
    assert (tmp_path / "letter.html").is_file() and not (tmp_path / "letter.pdf").exists()
    code, _, err = run("show", record_id, "--log", str(path), "--pdf")
    assert code == 2 and "--pdf needs --out" in err


def test_show_pdf_with_a_renderer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "log.sqlite"
    record_id = log_lender(new_log(path))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "wkhtmltopdf"  # stands in for the real one: writes its last argument
    fake.write_text('#!/bin/sh\nfor a; do last="$a"; done\necho "%PDF-1.4 fake" > "$last"\n', encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(bin_dir))
    code, _, err = run("show", record_id, "--log", str(path), "--out", str(tmp_path / "letter.pdf"), "--pdf")
    assert code == 0 and "letter written to" in err
    assert (tmp_path / "letter.pdf").read_text().startswith("%PDF")
