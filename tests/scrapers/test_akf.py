"""AKF evidence imported by hand: hashed file provenance, evidence store, manifest with bad entries."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from eligibility._dossier import MarkCategory, MarkStatus
from scrapers import akf
from scrapers._store import EvidenceStore

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "registers" / "akf"
JAARROND = FIXTURES / "certificaat-AKF-J-2026-0142.pdf"
AT = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


def import_jaarrond(**overrides: object) -> akf.AkfCertificate:
    arguments: dict[str, object] = {
        "certificate_number": "AKF-J-2026-0142",
        "category": "jaarrond",
        "status": "gecertificeerd",
        "valid_until": date(2027, 3, 31),
        "location_id": "bleiswijk-hoekeindseweg-12",
        "retrieved_at": AT,
    }
    arguments.update(overrides)
    return akf.import_certificate(JAARROND, **arguments)  # type: ignore[arg-type]


def test_certificate_becomes_a_mark_with_file_provenance() -> None:
    certificate = import_jaarrond()
    mark = certificate.mark
    assert certificate.location_id == "bleiswijk-hoekeindseweg-12"
    assert (mark.category, mark.status, mark.certificate_number, mark.valid_until) == (
        MarkCategory.AKF_JAARROND,
        MarkStatus.GECERTIFICEERD,
        "AKF-J-2026-0142",
        date(2027, 3, 31),
    )
    provenance = mark.provenance
    assert provenance.source == "akf"
    assert provenance.url == "certificaat-AKF-J-2026-0142.pdf"
    assert provenance.sha256 == hashlib.sha256(JAARROND.read_bytes()).hexdigest()
    assert provenance.sha256 == "ce893dda3952a1a47f0afa74c80a7616cd2640a3e83305c66e4c68754b8fa785"
    assert provenance.retrieved_at == AT
    assert provenance.parser_version == "akf/1"


def test_retrieved_at_defaults_to_now_in_utc() -> None:
    before = datetime.now(UTC)
    mark = import_jaarrond(retrieved_at=None).mark
    assert before <= mark.provenance.retrieved_at <= datetime.now(UTC)
    assert mark.provenance.retrieved_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("jaarrond", MarkCategory.AKF_JAARROND),
        (" Jaarrond ", MarkCategory.AKF_JAARROND),
        ("seizoen", MarkCategory.AKF_SEIZOEN),
        ("SEIZOEN", MarkCategory.AKF_SEIZOEN),
    ],
)
def test_categories(category: str, expected: MarkCategory) -> None:
    assert import_jaarrond(category=category).mark.category is expected


@pytest.mark.parametrize("status", list(MarkStatus))
def test_statuses(status: MarkStatus) -> None:
    assert import_jaarrond(status=status.value.upper()).mark.status is status


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"category": "winter"}, "category 'winter' is not one of jaarrond, seizoen"),
        ({"category": "akf_jaarrond"}, "category 'akf_jaarrond'"),
        ({"status": "geldig"}, "status 'geldig' is not one of gecertificeerd, aangemeld, opgeschort, doorgehaald"),
    ],
)
def test_bad_category_or_status_raises(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(akf.AkfImportError, match=message):
        import_jaarrond(**overrides)


def test_missing_file_raises_with_its_path(tmp_path: Path) -> None:
    missing = tmp_path / "weg.pdf"
    with pytest.raises(akf.AkfImportError, match="cannot read certificate file") as caught:
        akf.import_certificate(
            missing,
            certificate_number="X",
            category="seizoen",
            status="gecertificeerd",
            valid_until=date(2027, 1, 1),
            location_id="l1",
        )
    assert caught.value.url == str(missing)


def test_evidence_store_keeps_the_bytes(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "evidence")
    mark = import_jaarrond(store=store, retrieved_at=datetime(2026, 11, 23, 11, 30, tzinfo=timezone(timedelta(hours=1)))).mark
    assert store.get_body(mark.provenance.sha256 or "") == JAARROND.read_bytes()
    [fetch] = store.history("akf")
    assert (fetch.url, fetch.status, fetch.sha256) == ("certificaat-AKF-J-2026-0142.pdf", 200, mark.provenance.sha256)
    assert mark.provenance.retrieved_at == AT


def test_manifest_imports_every_entry() -> None:
    result = akf.import_manifest(FIXTURES / "manifest.yaml", retrieved_at=AT)
    assert result.problems == []
    assert [(c.location_id, c.mark.certificate_number, c.mark.category, c.mark.valid_until) for c in result.certificates] == [
        ("bleiswijk-hoekeindseweg-12", "AKF-J-2026-0142", MarkCategory.AKF_JAARROND, date(2027, 3, 31)),
        ("geldermalsen-rijksstraatweg-40", "AKF-S-2026-0077", MarkCategory.AKF_SEIZOEN, date(2026, 11, 30)),
    ]
    second = result.certificates[1].mark.provenance
    assert second.sha256 == hashlib.sha256((FIXTURES / "certificaat-AKF-S-2026-0077.pdf").read_bytes()).hexdigest()


def test_manifest_reports_every_bad_entry_and_keeps_the_good_one(tmp_path: Path) -> None:
    manifest = FIXTURES / "manifest-bad-entries.json"
    store = EvidenceStore(tmp_path / "evidence")
    result = akf.import_manifest(manifest, store=store, retrieved_at=AT)
    assert [c.mark.certificate_number for c in result.certificates] == ["AKF-J-2026-0142"]
    assert [(p.index, p.line) for p in result.problems] == [(1, 11), (1, 11), (2, 19), (3, 27), (3, 27), (3, 27), (4, 35)]
    messages = [p.message for p in result.problems]
    assert messages[0] == "category 'winter' is not one of jaarrond, seizoen"
    assert messages[1] == "'valid_until' is not a YYYY-MM-DD date: '31-12-2026'"
    assert messages[2].startswith("cannot read certificate file") and "ontbreekt.pdf" in messages[2]
    assert messages[3:6] == ["unknown key 'opmerking'", "missing 'certificate_number'", "'location_id' must be non-empty text"]
    assert messages[6].startswith("is not a mapping")
    assert str(result.problems[0]) == f"{manifest}:11: entry 1: category 'winter' is not one of jaarrond, seizoen"
    assert [f.url for f in store.history("akf")] == ["certificaat-AKF-J-2026-0142.pdf"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- file: a.pdf\n", "top-level 'certificates' list"),
        ("certificates:\n  file: a.pdf\n", "top-level 'certificates' list"),
        ("", "top-level 'certificates' list"),
        ("certificates: [\n", "cannot read manifest: .*YAML syntax"),
        ("certificates: []\ncertificates: []\n", "duplicate key 'certificates'"),
    ],
    ids=["bare-list", "mapping-not-list", "empty-file", "syntax-error", "duplicate-key"],
)
def test_unreadable_manifest_raises(tmp_path: Path, text: str, message: str) -> None:
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(akf.AkfImportError, match=message):
        akf.import_manifest(manifest)


def test_manifest_files_are_relative_to_the_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    shutil.copy(JAARROND, folder / "cert.pdf")
    (folder / "manifest.yaml").write_text(
        "certificates:\n"
        "  - {file: cert.pdf, certificate_number: N1, category: jaarrond, status: aangemeld,"
        " valid_until: 2027-01-31, location_id: l1}\n",
        encoding="utf-8",
    )
    result = akf.import_manifest(folder / "manifest.yaml", retrieved_at=AT)
    assert result.problems == []
    assert result.certificates[0].mark.status is MarkStatus.AANGEMELD
    assert result.certificates[0].mark.provenance.url == "cert.pdf"
