"""Dossiers near the eligible ones: an eligible fixture with a few random changes.

``synthetic_dossier`` reaches every outcome of every criterion, but almost never all passes at
once (none in 3,000 seeds): a property such as "a failed register is never eligible" then holds
whatever the rules do. These dossiers start eligible (a lender, a housing provider, an
agricultural employer with seasonal housing, on ``AS_OF``) and take 0-3 changes (of 17), each one
thing an officer meets in practice: a stale or failed register, a missing or late declaration,
a fine, a suspended mark, an overcrowded location, a name link. So the eligible verdict, and
every way out of it, is exercised.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

AS_OF = date(2026, 11, 23)
"""The decision date on which every base dossier is eligible."""

BASES = ("lender-complete", "housing-provider", "agri-employer-seasonal")
_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dossiers"
_BASE_DATA = {name: json.loads((_FIXTURES / f"{name}.json").read_text(encoding="utf-8")) for name in BASES}

Data = dict[str, Any]
Change = Callable[[random.Random, Data], str]
"""Changes the dossier data in place; returns what it did (for the failure message), or
"skip: ..." when it does not apply to this dossier (a lender has no housing to crowd)."""


def _day(days_before: int) -> str:
    return (AS_OF - timedelta(days=days_before)).isoformat()


def _moment(days_before: int) -> str:
    return f"{_day(days_before)}T08:00:00Z"


def _register(rng: random.Random, data: Data) -> str | None:
    names = sorted(data["registers"])
    return rng.choice(names) if names else None


def stale_register(rng: random.Random, data: Data) -> str:
    name = _register(rng, data)
    if name is None or "provenance" not in data["registers"][name]:
        return "skip: no register to make stale"
    days = rng.choice([184, 400])  # older than every register's maximum age (90 days, SNA 183)
    data["registers"][name]["provenance"]["retrieved_at"] = _moment(days)
    return f"{name} read {days} days before"


def read_after_decision_date(rng: random.Random, data: Data) -> str:
    name = _register(rng, data)
    if name is None or "provenance" not in data["registers"][name]:
        return "skip: no register to move"
    data["registers"][name]["provenance"]["retrieved_at"] = _moment(-3)
    return f"{name} read 3 days after the decision date"


def failed_register(rng: random.Random, data: Data) -> str:
    name = _register(rng, data)
    if name is None:
        return "skip: no register to fail"
    data["registers"][name] = {"status": "failed", "error": "HTTP 503 after retries",
                               "provenance": {"source": name, "retrieved_at": _moment(1)}}
    return f"{name} failed"


def absent_register(rng: random.Random, data: Data) -> str:
    name = _register(rng, data)
    if name is None:
        return "skip: no register to drop"
    del data["registers"][name]
    return f"{name} not consulted"


def _declaration(rng: random.Random, data: Data) -> str | None:
    names = sorted(name for name, value in data["declarations"].items() if value)
    return rng.choice(names) if names else None


def missing_declaration(rng: random.Random, data: Data) -> str:
    name = _declaration(rng, data)
    if name is None:
        return "skip: no declaration to drop"
    del data["declarations"][name]
    return f"declaration {name} missing"


def declaration_signed_on(rng: random.Random, data: Data) -> str:
    name = _declaration(rng, data)
    if name is None:
        return "skip: no declaration to date"
    days = rng.choice([-1, 600, 800])  # after the decision date; before the covenant; before the window
    data["declarations"][name]["signed_on"] = _day(days)
    return f"declaration {name} signed {days} days before"


def final_fine(rng: random.Random, data: Data) -> str:
    section = data["registers"].get("inspectorate")
    if not section or section.get("status") != "read":
        return "skip: no inspectorate section"
    fine = {"inspection_id": f"INS-{rng.randrange(10**6)}", "law": rng.choice(["wml", "wav", "waadi", "arbowet"]),
            "kind": rng.choice(["fine", "warning", "shutdown_warning"]), "amount_eur": rng.choice([500, 9999, 12000, 30000]),
            "final": rng.choice([True, False, None]), "decision_date": _day(rng.choice([10, 300, 700, 800])),
            "company_name": data["partner"]["name"],
            "link": rng.choice([{"method": "kvk"}, {"method": "name", "score": 91.0}, {"method": "predecessor_kvk"}])}
    section.setdefault("results", []).append({k: v for k, v in fine.items() if v is not None})
    return f"inspectorate result {fine}"


def sncu_verdict(rng: random.Random, data: Data) -> str:
    section = data["registers"].get("sncu")
    if not section or section.get("status") != "read":
        return "skip: no sncu section"
    verdict = {"title": "Vonnis SNCU vs. partij", "verdict_date": _day(rng.choice([10, 700, 800])),
               "date_labelled": rng.choice([True, False]),
               "link": rng.choice([{"method": "kvk"}, {"method": "name", "score": 88.0}])}
    section.setdefault("verdicts", []).append(verdict)
    return f"sncu verdict {verdict}"


def sna_status(rng: random.Random, data: Data) -> str:
    certificate = (data["registers"].get("sna") or {}).get("certificate")
    if not certificate:
        return "skip: no sna certificate"
    certificate["status"] = rng.choice(["opgeschort", "doorgehaald", "aangemeld"])
    return f"sna status {certificate['status']}"


def kvk_ended(rng: random.Random, data: Data) -> str:
    registration = (data["registers"].get("kvk") or {}).get("registration")
    if not registration:
        return "skip: no kvk registration"
    registration["ended_on"] = _day(rng.choice([0, 30]))
    return f"kvk registration ended {registration['ended_on']}"


def _location(rng: random.Random, data: Data) -> Data | None:
    locations = data.get("housing") or []
    return rng.choice(locations) if locations else None


def crowded_location(rng: random.Random, data: Data) -> str:
    location = _location(rng, data)
    if location is None or not location.get("floor_area_m2"):
        return "skip: no location to crowd"
    location["persons"] = int(location["floor_area_m2"] // rng.choice([9.99, 11.5, 11.99])) + 1
    return f"location {location['id']} with {location['persons']} persons"


def location_data_missing(rng: random.Random, data: Data) -> str:
    location = _location(rng, data)
    if location is None:
        return "skip: no location"
    field = rng.choice(["floor_area_m2", "max_persons_per_bedroom", "municipality", "mark"])
    category = (location.get("mark") or {}).get("category", "no mark")
    location.pop(field, None)
    if field == "floor_area_m2":
        location.pop("persons", None)
    return f"location {location['id']} ({category}) without {field}"


def stale_location(rng: random.Random, data: Data) -> str:
    location = _location(rng, data)
    if location is None:
        return "skip: no location"
    location["provenance"]["retrieved_at"] = _moment(rng.choice([184, 400]))
    return f"location {location['id']} given long ago"


def location_only_listed(rng: random.Random, data: Data) -> str:
    """A location a screening list names and no application describes (``_screen._locations``)."""
    if not data.get("housing") and rng.random() < 0.5:
        return "skip: a partner without locations"
    data.setdefault("housing", []).append({
        "id": f"list-row-{rng.randint(2, 99)}-location-1", "address": rng.choice(["Kerkstraat 9, Venlo", "Spoorweg 8"]),
        "provenance": {"source": "list", "url": "partners.csv", "retrieved_at": _moment(rng.choice([0, 1, 400]))}})
    return "location only the list names"


def housing_without_declared_municipality(rng: random.Random, data: Data) -> str:
    fines = data["declarations"].get("fines")
    if not fines:
        return "skip: no fines declaration"
    fines["housing_municipalities"] = []
    return "no housing municipalities declared"


def name_link(rng: random.Random, data: Data) -> str:
    """A record found by name only (sent to review by the rules, never counted as the partner's)."""
    records = [(name, record) for name in ("sna", "snf", "abu", "nbbu")
               for record in [(data["registers"].get(name) or {}).get(key) for key in ("certificate", "organisation")]
               + list((data["registers"].get(name) or {}).get("memberships", []))
               if isinstance(record, dict) and "link" in record]
    if not records:
        return "skip: nothing to link by name"
    name, record = rng.choice(records)
    record["link"] = {"method": "name", "score": 90.0, "matched_name": data["partner"]["name"]}
    record.pop("kvk_number", None)  # found by name: the record shows no KvK number to link by
    return f"{name} linked by name"


def only_dutch(rng: random.Random, data: Data) -> str:
    languages = data["declarations"].get("languages")
    if not languages:
        return "skip: no language declaration"
    languages["languages"] = ["nl"]
    return "supports in Dutch only"


def other_roles(rng: random.Random, data: Data) -> str:
    """Roles decide which criteria apply and which housing norms (art. 5.4 employers, 5.5 providers)."""
    data["roles"] = rng.sample(["uitlener", "huisvester", "werkgever", "dienstverlener"], k=rng.randint(1, 3))
    return f"roles {data['roles']}"


CHANGES: tuple[Change, ...] = (
    stale_register, read_after_decision_date, failed_register, absent_register, missing_declaration,
    declaration_signed_on, final_fine, sncu_verdict, sna_status, kvk_ended, crowded_location,
    location_data_missing, stale_location, location_only_listed, housing_without_declared_municipality, name_link,
    only_dutch,
    other_roles,
)


def near_eligible(seed: int, changes: int | None = None) -> tuple[Data, list[str]]:
    """An eligible base dossier with ``changes`` (default: 0-3 by the seed) random changes, and
    what was changed."""
    rng = random.Random(seed)
    data = copy.deepcopy(_BASE_DATA[rng.choice(BASES)])
    count = rng.choice([0, 0, 1, 1, 2, 3]) if changes is None else changes
    done = [rng.choice(CHANGES)(rng, data) for _ in range(count)]
    return data, done
