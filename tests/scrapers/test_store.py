"""The evidence store keeps what was seen, as it was seen, and notices when it was altered."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from eligibility._errors import ScrapingError
from scrapers._store import EvidenceStore, SnapshotRemovedError, TamperedSnapshotError, latest_removals

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
URL = "https://api.kvk.nl/test/api/v1/basisprofielen/68750110"
BODY = b'{"kvkNummer": "68750110", "naam": "Test BV Donald"}'
NOW = T0 + timedelta(days=400)
"""When retention is applied in the tests below."""


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence")


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_put_then_read_back_the_same_bytes_and_metadata(store: EvidenceStore) -> None:
    headers = {"Content-Type": "application/hal+json", "ETag": '"v1"', "Set-Cookie": "x=1"}
    amsterdam = timezone(timedelta(hours=1))
    snap = store.put("kvk", URL, 200, headers, BODY, T0.astimezone(amsterdam))

    assert snap.sha256 == hashlib.sha256(BODY).hexdigest()
    assert snap.retrieved_at == T0 and snap.retrieved_at.tzinfo == UTC
    assert snap.headers == {"content-type": "application/hal+json", "etag": '"v1"'}
    assert store.get_body(snap.sha256) == BODY
    assert store.latest("kvk", URL) == snap


def test_blob_path_is_derived_from_the_hash_only(store: EvidenceStore) -> None:
    snap = store.put("kvk", URL, 200, {}, BODY, T0)
    sha = snap.sha256
    assert (store.root / "snapshots" / sha[:2] / sha[2:4] / sha).read_bytes() == BODY


def test_same_body_twice_is_one_blob_and_two_fetches(store: EvidenceStore) -> None:
    first = store.put("kvk", URL, 200, {}, BODY, T0)
    second = store.put("kvk", URL, 200, {}, BODY, T0 + timedelta(days=1))

    blobs = _files(store.root / "snapshots")
    assert blobs == [store.root / "snapshots" / first.sha256[:2] / first.sha256[2:4] / first.sha256]
    history = store.history("kvk", URL)
    assert [r.retrieved_at for r in history] == [T0, T0 + timedelta(days=1)]
    assert {r.sha256 for r in history} == {first.sha256} == {second.sha256}
    assert history[0].size == len(BODY)
    assert store.latest("kvk", URL).retrieved_at == T0 + timedelta(days=1)


def test_latest_is_by_retrieval_time_not_insertion_order(store: EvidenceStore) -> None:
    store.put("kvk", URL, 200, {}, b"new", T0 + timedelta(hours=1))
    store.put("kvk", URL, 200, {}, b"old", T0)
    assert store.latest("kvk", URL).body == b"new"


def test_latest_sees_fetches_stored_after_earlier_lookups(store: EvidenceStore) -> None:
    """Lookups share one open connection; it must not keep an old view of the index."""
    assert store.latest("kvk", URL) is None
    store.put("kvk", URL, 200, {}, b"first", T0)
    assert store.latest("kvk", URL).body == b"first"
    EvidenceStore(store.root).put("kvk", URL, 200, {}, b"second", T0 + timedelta(hours=1))  # another writer
    assert store.latest("kvk", URL).body == b"second"


def test_history_without_url_lists_every_url_of_the_register(store: EvidenceStore) -> None:
    store.put("kvk", URL, 200, {}, b"a", T0)
    store.put("kvk", URL + "/vestigingen", 404, {}, b"b", T0 + timedelta(seconds=1))
    store.put("sna", URL, 200, {}, b"c", T0)
    assert [(r.url, r.status) for r in store.history("kvk")] == [(URL, 200), (URL + "/vestigingen", 404)]
    assert store.latest("kvk", "https://elsewhere.example/") is None


def test_tampered_blob_is_detected(store: EvidenceStore) -> None:
    snap = store.put("kvk", URL, 200, {}, BODY, T0)
    blob = store.root / "snapshots" / snap.sha256[:2] / snap.sha256[2:4] / snap.sha256
    blob.write_bytes(BODY.replace(b"Donald", b"Dagobert"))

    with pytest.raises(TamperedSnapshotError, match=snap.sha256) as caught:
        store.get_body(snap.sha256)
    assert isinstance(caught.value, ScrapingError)
    with pytest.raises(TamperedSnapshotError):
        store.latest("kvk", URL)


def test_existing_blob_is_never_rewritten(store: EvidenceStore) -> None:
    snap = store.put("kvk", URL, 200, {}, BODY, T0)
    blob = store.root / "snapshots" / snap.sha256[:2] / snap.sha256[2:4] / snap.sha256
    blob.write_bytes(b"damaged")
    store.put("kvk", URL, 200, {}, BODY, T0 + timedelta(days=1))
    assert blob.read_bytes() == b"damaged"  # left as found, for an auditor to see


def test_hostile_url_and_register_create_no_path(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    store = EvidenceStore(root)
    snap = store.put("../../outside", "https://x.example/../../../../outside/evil?f=../../x", 200, {}, b"x", T0)

    assert all(root in path.parents for path in _files(tmp_path))
    assert not list(tmp_path.glob("outside*"))
    assert store.latest("../../outside", snap.url) == snap


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ab", "A" * 64])
def test_get_body_accepts_only_hex_digests(store: EvidenceStore, bad: str) -> None:
    with pytest.raises(ValueError, match="sha256"):
        store.get_body(bad)


def test_failures_are_recorded_and_summarised(store: EvidenceStore) -> None:
    store.put("kvk", URL, 200, {}, BODY, T0)
    store.record_failure("kvk", URL, "ReadTimeout: read timed out", T0 + timedelta(hours=1))
    store.record_failure("sncu", "https://www.sncu.nl/vonnissen-en-arresten/", "HTTP 503 after 4 retries", T0)
    store.record_failure("sncu", "https://www.sncu.nl/vonnissen-en-arresten/", "refused: robots.txt", T0 + timedelta(days=1))

    by_register = {s.register: s for s in store.status()}
    assert list(by_register) == ["kvk", "sncu"]
    kvk = by_register["kvk"]
    assert (kvk.fetches, kvk.last_read_at, kvk.failures) == (1, T0, 1)
    assert (kvk.last_failure_at, kvk.last_error) == (T0 + timedelta(hours=1), "ReadTimeout: read timed out")
    sncu = by_register["sncu"]
    assert (sncu.fetches, sncu.last_read_at, sncu.failures) == (0, None, 2)
    assert (sncu.last_failure_at, sncu.last_error) == (T0 + timedelta(days=1), "refused: robots.txt")


def test_status_of_an_empty_store_is_empty(store: EvidenceStore) -> None:
    assert store.status() == []


@pytest.mark.parametrize("statement", ["DELETE FROM fetches", "UPDATE fetches SET status = 200", "DELETE FROM failures",
                                       "DELETE FROM removals", "UPDATE removals SET older_than_days = 1"])
def test_index_is_append_only(store: EvidenceStore, statement: str) -> None:
    store.put("kvk", URL, 404, {}, BODY, T0)
    store.record_failure("kvk", URL, "boom", T0)
    store.prune(30, NOW, setting="--older-than 30")
    db = sqlite3.connect(store.root / "index.sqlite")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(statement)
    finally:
        db.close()
    assert len(store.history("kvk")) == 1


def test_index_uses_wal(store: EvidenceStore) -> None:
    db = sqlite3.connect(store.root / "index.sqlite")
    try:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        db.close()


def test_naive_times_are_refused(store: EvidenceStore) -> None:
    with pytest.raises(ValueError, match="time zone"):
        store.put("kvk", URL, 200, {}, BODY, datetime(2026, 11, 23, 9, 0))
    with pytest.raises(ValueError, match="time zone"):
        store.record_failure("kvk", URL, "x", datetime(2026, 11, 23, 9, 0))


def test_reopened_store_sees_earlier_fetches(tmp_path: Path) -> None:
    EvidenceStore(tmp_path).put("kvk", URL, 200, {}, BODY, T0)
    assert EvidenceStore(tmp_path).latest("kvk", URL).body == BODY


def test_snapshot_provenance_names_register_url_time_hash_and_parser(store: EvidenceStore) -> None:
    snap = store.put("kvk", URL, 200, {}, BODY, T0)
    prov = snap.provenance("kvk/1")
    assert (prov.source, prov.url, prov.retrieved_at, prov.sha256, prov.parser_version) == (
        "kvk", URL, T0, snap.sha256, "kvk/1",
    )


# --- retention (LEGAL.md art. 10.3) ----------------------------------------------------------

SNCU_PAGE = "https://www.sncu.nl/vonnissen-en-arresten/vonnis-sncu-vs-de-proef-2019/"
DIRECTOR_PAGE = b"<h1>Vonnis SNCU vs Uitzendbureau De Proef B.V.</h1><p>Gedaagden: ... en de heer J. de Vries</p>"


def _blob(store: EvidenceStore, sha: str) -> Path:
    return store.root / "snapshots" / sha[:2] / sha[2:4] / sha


def test_prune_removes_bodies_whose_every_reading_is_older_and_keeps_the_index(store: EvidenceStore) -> None:
    old = store.put("sncu", SNCU_PAGE, 200, {}, DIRECTOR_PAGE, T0)
    shared = store.put("kvk", URL, 200, {}, BODY, T0)
    store.put("kvk", URL + "?again", 200, {}, BODY, NOW - timedelta(days=1))  # the same bytes, read recently
    recent = store.put("sna", "https://sna.example/export", 200, {}, b"rows", NOW - timedelta(days=10))

    report = store.prune(30, NOW, setting="ELIGIBILITY_EVIDENCE_RETENTION_DAYS=30")

    assert (report.removed, report.bodies, report.bytes, report.fetches) == ((old.sha256,), 1, len(DIRECTOR_PAGE), 1)
    assert report.cutoff == NOW - timedelta(days=30) and not report.dry_run
    assert not _blob(store, old.sha256).exists()
    assert not _blob(store, old.sha256).parent.exists()  # no empty folders left behind
    assert store.get_body(shared.sha256) == BODY and store.get_body(recent.sha256) == b"rows"
    (fetch,) = store.history("sncu")  # what was read, where, when, and its hash: all still known
    assert (fetch.url, fetch.retrieved_at, fetch.sha256, fetch.size) == (SNCU_PAGE, T0, old.sha256, len(DIRECTOR_PAGE))
    (removal,) = store.removals()
    assert (removal.sha256, removal.removed_at, removal.older_than_days) == (old.sha256, NOW, 30)
    assert removal.setting == "ELIGIBILITY_EVIDENCE_RETENTION_DAYS=30"
    assert store.prune(30, NOW, setting="again").bodies == 0  # nothing left to remove


def test_a_removed_body_is_said_to_be_removed_never_absent(store: EvidenceStore) -> None:
    snap = store.put("sncu", SNCU_PAGE, 200, {}, DIRECTOR_PAGE, T0)
    store.prune(30, NOW, setting="--older-than 30")

    with pytest.raises(SnapshotRemovedError) as caught:
        store.latest("sncu", SNCU_PAGE)
    error = caught.value
    assert isinstance(error, ScrapingError) and error.url == SNCU_PAGE
    assert error.removal.removed_at == NOW and error.retrieved_at == T0
    for text in (snap.sha256, "2027-12-28", "older than 30 days", "--older-than 30", "2026-11-23 09:00 UTC"):
        assert text in str(error), text
    with pytest.raises(SnapshotRemovedError):
        store.get_body(snap.sha256)


def test_a_body_missing_without_a_removal_on_record_is_damage(store: EvidenceStore) -> None:
    snap = store.put("kvk", URL, 200, {}, BODY, T0)
    _blob(store, snap.sha256).unlink()
    with pytest.raises(TamperedSnapshotError, match="no removal"):
        store.latest("kvk", URL)


def test_a_reading_after_a_removal_brings_the_body_back(store: EvidenceStore) -> None:
    first = store.put("kvk", URL, 200, {}, BODY, T0)
    store.prune(30, NOW, setting="--older-than 30")
    again = store.put("kvk", URL, 200, {}, BODY, NOW + timedelta(hours=1))
    assert again.sha256 == first.sha256 and store.latest("kvk", URL).body == BODY


def test_a_body_gone_after_a_later_reading_is_not_blamed_on_the_removal(store: EvidenceStore) -> None:
    """A removal covers the readings before its cutoff; a later reading's missing body is damage."""
    snap = store.put("kvk", URL, 200, {}, BODY, T0)
    store.prune(30, NOW, setting="--older-than 30")
    store.put("kvk", URL, 200, {}, BODY, NOW + timedelta(hours=1))
    _blob(store, snap.sha256).unlink()
    with pytest.raises(TamperedSnapshotError):
        store.latest("kvk", URL)


def test_a_dry_run_reports_the_same_and_changes_nothing(store: EvidenceStore) -> None:
    old = store.put("sncu", SNCU_PAGE, 200, {}, DIRECTOR_PAGE, T0)
    index = store.root / "index.sqlite"
    before = (_files(store.root / "snapshots"), index.read_bytes())

    report = store.prune(30, NOW, setting="--older-than 30", dry_run=True)

    assert report.dry_run and (report.removed, report.bodies, report.fetches) == ((old.sha256,), 1, 1)
    assert (_files(store.root / "snapshots"), index.read_bytes()) == before
    assert store.removals() == [] and store.latest("sncu", SNCU_PAGE).body == DIRECTOR_PAGE


@pytest.mark.parametrize("days", [0, -1, 1.5, True, "30"])
def test_prune_needs_a_whole_number_of_days(store: EvidenceStore, days: object) -> None:
    with pytest.raises(ValueError, match="whole number of days"):
        store.prune(days, NOW, setting="x")  # type: ignore[arg-type]


def test_a_store_never_pruned_keeps_its_layout_and_has_no_removals(store: EvidenceStore) -> None:
    store.put("kvk", URL, 200, {}, BODY, T0)
    db = sqlite3.connect(store.root / "index.sqlite")
    try:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        db.close()
    assert "removals" not in tables
    assert store.removals() == [] and latest_removals(store.root, ["ab" * 32]) == {}
    assert latest_removals(store.root / "nowhere", ["ab" * 32]) == {}
