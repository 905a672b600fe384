"""AKF (Agrarisch Keurmerk Flexwonen): certificates supplied by hand.

No public list of AKF-certified companies is known (REGISTERS.md), so the evidence is the
certificate file the partner hands in, with its number, category, status and validity typed in
by an officer. The file's bytes are hashed (and kept in the evidence store when one is given) so
an auditor can later see exactly which document a housing mark rests on. A manifest imports
several certificates at once; a bad entry is reported with its index and line, never stops the rest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eligibility._dossier import HousingMark, MarkCategory, MarkStatus
from eligibility._errors import RuleFileError, ScrapingError
from eligibility._yamlfile import load_yaml
from scrapers._store import Snapshot

if TYPE_CHECKING:
    from scrapers._store import EvidenceStore

REGISTER = "akf"
PARSER_VERSION = "akf/1"

_CATEGORIES = {"jaarrond": MarkCategory.AKF_JAARROND, "seizoen": MarkCategory.AKF_SEIZOEN}
_STATUSES = {status.value: status for status in MarkStatus}
_ENTRY_FIELDS = ("file", "certificate_number", "category", "status", "valid_until", "location_id")
_TEXT_FIELDS = ("file", "certificate_number", "category", "status", "location_id")


class AkfImportError(ScrapingError):
    """A certificate or manifest could not be read or does not say what is needed."""


@dataclass(frozen=True)
class AkfCertificate:
    """A housing mark and the housing location (HousingLocation.id) it belongs to."""

    location_id: str
    mark: HousingMark


@dataclass(frozen=True)
class ManifestProblem:
    """One bad manifest entry: which file, which entry (0-based), which line, and why."""

    manifest: str
    index: int
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.manifest}:{self.line}" if self.line is not None else self.manifest
        return f"{where}: entry {self.index}: {self.message}"


@dataclass(frozen=True)
class ManifestImport:
    certificates: list[AkfCertificate]
    problems: list[ManifestProblem]


def _category(text: str) -> MarkCategory:
    category = _CATEGORIES.get(text.strip().lower())
    if category is None:
        raise AkfImportError(f"category {text!r} is not one of {', '.join(_CATEGORIES)}")
    return category


def _status(text: str) -> MarkStatus:
    status = _STATUSES.get(text.strip().lower())
    if status is None:
        raise AkfImportError(f"status {text!r} is not one of {', '.join(_STATUSES)}")
    return status


def import_certificate(
    path: Path,
    *,
    certificate_number: str,
    category: str,
    status: str,
    valid_until: date,
    location_id: str,
    store: EvidenceStore | None = None,
    retrieved_at: datetime | None = None,
) -> AkfCertificate:
    """One certificate file as a housing mark whose provenance is the file's name and sha256."""
    mark_category, mark_status = _category(category), _status(status)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise AkfImportError(f"cannot read certificate file: {exc.strerror}", str(path)) from exc
    at = retrieved_at or datetime.now(UTC)
    if store is not None:
        snapshot = store.put(REGISTER, path.name, 200, {}, body, at)
    else:
        snapshot = Snapshot(hashlib.sha256(body).hexdigest(), path.name, at, 200, {}, REGISTER, body)
    mark = HousingMark(
        category=mark_category,
        status=mark_status,
        certificate_number=certificate_number,
        valid_until=valid_until,
        provenance=snapshot.provenance(PARSER_VERSION),
    )
    return AkfCertificate(location_id=location_id, mark=mark)


def _entry_problems(entry: Any) -> list[str]:
    """Everything wrong with one manifest entry's shape and values (file contents not read)."""
    if not isinstance(entry, dict):
        return ["is not a mapping of " + ", ".join(_ENTRY_FIELDS)]
    problems = [f"unknown key {key!r}" for key in entry if key not in _ENTRY_FIELDS]
    problems += [f"missing {key!r}" for key in _ENTRY_FIELDS if key not in entry]
    for key in _TEXT_FIELDS:
        if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
            problems.append(f"{key!r} must be non-empty text")
    for key, check in (("category", _category), ("status", _status)):
        if isinstance(entry.get(key), str) and entry[key].strip():
            try:
                check(entry[key])
            except AkfImportError as exc:
                problems.append(str(exc))
    if "valid_until" in entry and _as_date(entry["valid_until"]) is None:
        problems.append(f"'valid_until' is not a YYYY-MM-DD date: {entry['valid_until']!r}")
    return problems


def _as_date(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def import_manifest(
    path: Path, *, store: EvidenceStore | None = None, retrieved_at: datetime | None = None
) -> ManifestImport:
    """Import every good entry of a YAML/JSON manifest; report each bad one, stop at none.

    Shape: ``certificates:`` a list of entries with the keys of ``import_certificate`` plus
    ``file`` (relative to the manifest's folder).
    """
    try:
        document = load_yaml(path)
    except RuleFileError as exc:
        raise AkfImportError(f"cannot read manifest: {exc}", str(path)) from exc
    entries = document.data.get("certificates") if isinstance(document.data, dict) else None
    if not isinstance(entries, list):
        raise AkfImportError("manifest needs a top-level 'certificates' list", str(path))
    at = retrieved_at or datetime.now(UTC)
    certificates: list[AkfCertificate] = []
    problems: list[ManifestProblem] = []
    for index, entry in enumerate(entries):
        line = document.location(("certificates", index)).line
        messages = _entry_problems(entry)
        if not messages:
            valid_until = _as_date(entry["valid_until"])
            assert valid_until is not None  # checked by _entry_problems
            try:
                certificates.append(
                    import_certificate(
                        path.parent / entry["file"],
                        certificate_number=entry["certificate_number"],
                        category=entry["category"],
                        status=entry["status"],
                        valid_until=valid_until,
                        location_id=entry["location_id"],
                        store=store,
                        retrieved_at=at,
                    )
                )
            except AkfImportError as exc:
                messages = [str(exc)]
        problems += [ManifestProblem(str(path), index, line, message) for message in messages]
    return ManifestImport(certificates, problems)
