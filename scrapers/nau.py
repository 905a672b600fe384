"""NAU (Nederlandse Autoriteit Uitleenmarkt): the Wtta register of admitted lenders.

The register is not expected online before about 2027-07-01 and its fields and format are
unknown (REGISTERS.md). Until it is live this adapter reads a JSON format of our own
(fixtures/registers/nau/README.md), so everything downstream can be built and tested now, and it
refuses to fetch unless enabled by configuration (``ScraperConfig.nau_enabled``). Statuses are
matched against a closed list: an unknown status text is a changed register, never a guess.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from eligibility._dossier import NauRegistration, NauStatus
from eligibility._errors import FetchError, LayoutChangedError, ScrapingError

if TYPE_CHECKING:
    from scrapers._http import PoliteClient
    from scrapers._store import Snapshot

REGISTER = "nau"
PARSER_VERSION = "nau/1"

_STATUSES: dict[str, NauStatus] = {
    "toegelaten": NauStatus.TOEGELATEN,
    "voorlopig toegelaten": NauStatus.VOORLOPIG_TOEGELATEN,
    "ontheffing": NauStatus.ONTHEFFING,
    "aanvraag in behandeling": NauStatus.AANVRAAG_IN_BEHANDELING,
    "aangemeld": NauStatus.AANGEMELD,
    "aangemeld (overgangsregeling)": NauStatus.AANGEMELD,
    "geschorst": NauStatus.GESCHORST,
    "ingetrokken": NauStatus.INGETROKKEN,
    "afgewezen": NauStatus.AFGEWEZEN,
}
_KVK = re.compile(r"^\d{8}$")


class NauDisabled(ScrapingError):
    """The NAU adapter was asked to fetch while not enabled by configuration."""

    def __init__(self, url: str | None = None) -> None:
        super().__init__("NAU adapter disabled by configuration (register not live before ~2027-07-01)", url)


@dataclass(frozen=True)
class NauRecord:
    """One lender in the register."""

    kvk_number: str
    name: str | None
    status: NauStatus
    status_date: date | None


def normalise_status(text: str, url: str | None = None, where: str = "status") -> NauStatus:
    """Map a status as written (any case, spacing, '_' or '-') to NauStatus; unknown text raises."""
    key = re.sub(r"[\s_-]+", " ", text.lower())
    key = re.sub(r"\s*\(\s*", " (", key)
    key = re.sub(r"\s*\)", ")", key).strip()
    status = _STATUSES.get(key)
    if status is None:
        raise LayoutChangedError(url, f"{where}: unknown NAU status {text!r}")
    return status


def _record(item: Any, index: int, url: str) -> NauRecord:
    where = f"records[{index}]"
    if not isinstance(item, dict):
        raise LayoutChangedError(url, f"{where} is not an object")
    kvk = item.get("kvkNummer")
    if not isinstance(kvk, str) or not _KVK.match(kvk):
        raise LayoutChangedError(url, f"{where}.kvkNummer is not an 8-digit string: {kvk!r}")
    raw_status = item.get("status")
    if not isinstance(raw_status, str):
        raise LayoutChangedError(url, f"{where}.status is missing or not text")
    status = normalise_status(raw_status, url, where=f"{where}.status")
    name = item.get("naam")
    if name is not None and not isinstance(name, str):
        raise LayoutChangedError(url, f"{where}.naam is not text")
    raw_date = item.get("datumStatus")
    try:
        status_date = date.fromisoformat(raw_date) if raw_date is not None else None
    except (TypeError, ValueError):
        raise LayoutChangedError(url, f"{where}.datumStatus is not a YYYY-MM-DD date: {raw_date!r}") from None
    return NauRecord(kvk_number=kvk, name=name or None, status=status, status_date=status_date)


def parse_register(body: bytes, url: str) -> list[NauRecord]:
    """All records of a register file; [] when it lists none."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LayoutChangedError(url, f"not JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("register") != REGISTER:
        raise LayoutChangedError(url, 'no top-level object with "register": "nau"')
    items = document.get("records")
    if not isinstance(items, list):
        raise LayoutChangedError(url, 'no "records" list')
    return [_record(item, index, url) for index, item in enumerate(items)]


def find(records: list[NauRecord], kvk: str, read_on: date | None = None) -> NauRecord | None:
    """The record for a KvK number; of several, the one with the latest status date.

    ``read_on`` is the (Dutch calendar) day the register was read: a reading cannot show a status
    that took effect after it was taken, so of several records the latest dated on or before that
    day is the status in force when it was read; records dated later are passed over (the pipeline
    notes them, ``dated_after``). Only when every record is dated later is the latest of them
    returned: the rule pack then sends a status dated after its reading to review, where leaving it
    out would read as "not in the register" and fail. The decision date plays no part here: the
    dossier says what the register showed, the rules judge it against the decision date.

    Raises ScrapingError when the latest status cannot be determined: a status without a date
    beside dated ones (it may be the newest), or different statuses on the latest date. Picking
    one would hang admission on record order; the pipeline makes the section failed (unknown).
    Records that all give the same status are no conflict: the latest dated one is returned.
    """
    matches = [record for record in records if record.kvk_number == kvk]
    dated = [record for record in matches if record.status_date is not None]
    shown = [r for r in dated if read_on is None or (r.status_date is not None and r.status_date <= read_on)]
    if len({record.status for record in matches}) <= 1:
        return max(shown or matches, key=lambda r: r.status_date or date.min, default=None)
    problem = f"latest NAU status of KvK {kvk} cannot be determined"
    undated = sorted({record.status.value for record in matches if record.status_date is None})
    if undated:
        where = "beside dated ones" if dated else "and no dates at all"
        raise ScrapingError(f"{problem}: a status without a date ({', '.join(undated)}) {where}")
    pool = shown or dated
    latest = max(record.status_date for record in pool if record.status_date is not None)
    on_latest = sorted({record.status.value for record in pool if record.status_date == latest})
    if len(on_latest) > 1:
        raise ScrapingError(f"{problem}: {len(on_latest)} statuses on {latest.isoformat()} ({', '.join(on_latest)})")
    return next(record for record in pool if record.status_date == latest)


def dated_after(records: list[NauRecord], kvk: str, read_on: date) -> list[NauRecord]:
    """The records for a KvK number dated after the day the register was read, oldest first: a
    reading that lists them contradicts itself (the pipeline notes them as problems)."""
    later = [r for r in records if r.kvk_number == kvk and r.status_date is not None and r.status_date > read_on]
    return sorted(later, key=lambda r: (r.status_date, r.status.value))


def to_registration(record: NauRecord) -> NauRegistration:
    return NauRegistration(kvk_number=record.kvk_number, status=record.status, since=record.status_date)


def fetch(client: PoliteClient, url: str, *, enabled: bool = False) -> tuple[Snapshot, list[NauRecord]]:
    """Read the register at url; off unless enabled, since no live register exists to read yet."""
    if not enabled:
        raise NauDisabled(url)
    snapshot = client.get(url, register=REGISTER)
    if snapshot.status != 200:
        raise FetchError(f"NAU register answered HTTP {snapshot.status}", snapshot.url)
    return snapshot, parse_register(snapshot.body, snapshot.url)
