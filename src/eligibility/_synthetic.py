"""Synthetic partner dossiers for property tests and benchmarks: every register state, every edge.

Deterministic for a seed. Dates spread around the decision date so windows, freshness and the
Wtta start are all exercised; values sit on and beside the pack's thresholds.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from ._dossier import kvk_date_range

_LAWS = ["arbowet", "wml", "wav", "waadi", "wtta", "other"]
_KINDS = ["fine", "shutdown", "shutdown_warning", "warning", "no_violation"]
"""Kinds of a register result; a declared fine takes any but the last (no_violation is refused there)."""
_LINKS = ["kvk", "kvk", "kvk", "name", "predecessor_kvk", "confirmed"]
_AMOUNTS = [None, 500, 4000, 9999, 10000, 12000, 24999, 25000, 40000]
_CATEGORIES = ["snf_logies", "snf_wonen", "snf_nieuwbouw", "snf_hotel_pension", "akf_jaarrond", "akf_seizoen"]
_MARK_STATUSES = ["gecertificeerd", "gecertificeerd", "gecertificeerd", "aangemeld", "opgeschort", "doorgehaald"]
_NAU = ["toegelaten", "voorlopig_toegelaten", "ontheffing", "aanvraag_in_behandeling", "aangemeld",
        "geschorst", "ingetrokken", "afgewezen"]


def _provenance(rng: random.Random, source: str, as_of: date, max_days: int = 200) -> dict[str, Any]:
    day = as_of - timedelta(days=rng.choice([0, 1, 30, 89, 90, 91, 120, 182, 183, 184, rng.randint(0, max_days)]))
    return {"source": source, "url": f"https://example.invalid/{source}",
            "retrieved_at": datetime.combine(day, time(6, 0), tzinfo=timezone.utc).isoformat(),
            "sha256": f"{rng.getrandbits(256):064x}", "parser_version": f"{source}/1"}


def _day(rng: random.Random, as_of: date) -> str:
    two_years = as_of.replace(year=as_of.year - 2) if not (as_of.month == 2 and as_of.day == 29) else as_of.replace(year=as_of.year - 2, day=28)
    edge = rng.choice([two_years, two_years - timedelta(days=1), two_years + timedelta(days=1), as_of,
                       as_of - timedelta(days=rng.randint(0, 4 * 365))])
    return edge.isoformat()


def _section(rng: random.Random, source: str, as_of: date, payload: dict[str, Any]) -> dict[str, Any] | None:
    state = rng.random()
    if state < 0.08:
        return None
    if state < 0.16:
        return {"status": "failed", "error": "HTTP 503 after retries",
                "provenance": {"source": source, "retrieved_at": _provenance(rng, source, as_of)["retrieved_at"]}}
    return {"status": "read", "provenance": _provenance(rng, source, as_of), **payload}


_MUNICIPALITIES = ("Venlo", "Westland")


def _declaration(rng: random.Random, as_of: date, **fields: Any) -> dict[str, Any] | None:
    if rng.random() < 0.1:
        return None
    signed = as_of - timedelta(days=rng.choice([-1, 0, 10, 300]))
    return {"signed_on": signed.isoformat(), "signatory": "A. Tester",
            "provenance": _provenance(rng, "declaration", as_of), **fields}


def _link(rng: random.Random) -> dict[str, Any]:
    method = rng.choice(_LINKS)
    if method == "name":
        return {"method": method, "score": rng.choice([86.0, 92.5, 100.0])}
    return {"method": method, "confirmed_by": "officer-synthetic"} if method == "confirmed" else {"method": method}


def _fine(rng: random.Random, as_of: date, index: int) -> dict[str, Any]:
    dates = {key: _day(rng, as_of) for key in ("decision_date", "publication_date", "inspection_start_date")
             if rng.random() < 0.6}
    if not dates:
        dates["inspection_start_date"] = _day(rng, as_of)
    return {"inspection_id": f"INS-{index}", "law": rng.choice(_LAWS), "kind": rng.choice(_KINDS),
            "amount_eur": rng.choice(_AMOUNTS), "final": rng.choice([True, True, False, None]),
            "company_name": "Synthetic B.V.", "link": _link(rng), **dates}


def _location(rng: random.Random, as_of: date, index: int) -> dict[str, Any]:
    mark = None
    if rng.random() < 0.85:
        mark = {"category": rng.choice(_CATEGORIES), "status": rng.choice(_MARK_STATUSES),
                "certificate_number": f"C-{index + 1}", "provenance": _provenance(rng, "snf", as_of)}
        if rng.random() < 0.3:
            mark["valid_until"] = (as_of + timedelta(days=rng.choice([-1, 0, 1, 200]))).isoformat()
    persons = rng.choice([None, 1, 2, 4, 8, 12])
    location = {"id": f"L{index}", "address": f"Straat {index}", "seasonal": rng.random() < 0.3,
                "months_in_use_per_year": rng.choice([None, 3, 6, 7, 12]), "persons": persons,
                "beds": rng.choice([None, 2, 4, 8, 12]),
                "floor_area_m2": rng.choice([None, 20.0, 47.99, 48.0, 60.0, 96.0, 130.0, 180.0]),
                "bedrooms": rng.choice([None, 1, 2, 4]), "max_persons_per_bedroom": rng.choice([None, 1, 2, 3]),
                "mark": mark, "provenance": _provenance(rng, "declaration", as_of)}
    location["municipality"] = rng.choice([None, *_MUNICIPALITIES])  # drawn last: earlier draws keep their seeds
    return location


def synthetic_dossier(seed: int, as_of: date) -> dict[str, Any]:
    """One dossier as JSON-ready data; valid against the dossier model."""
    rng = random.Random(seed)
    roles = rng.sample(["uitlener", "huisvester", "werkgever", "dienstverlener"], k=rng.randint(1, 3))
    kvk = f"{rng.randint(0, 99_999_999):08d}"
    own = rng.random() < 0.9
    registers = {
        "kvk": _section(rng, "kvk", as_of, {"registration": None if rng.random() < 0.1 else {
            "kvk_number": kvk if own else f"{rng.randint(0, 99_999_999):08d}",
            "started_on": (as_of - timedelta(days=rng.choice([-5, 0, 400, 4000]))).isoformat(),
            "ended_on": rng.choice([None, None, None, (as_of + timedelta(days=rng.choice([-30, 0, 30]))).isoformat()])}}),
        "sna": _section(rng, "sna", as_of, {"certificate": None if rng.random() < 0.15 else {
            "kvk_number": kvk if rng.random() < 0.9 else f"{rng.randint(0, 99_999_999):08d}",
            "name": "Synthetic B.V.", "status": rng.choice(_MARK_STATUSES),
            "norm": rng.choice([None, "nen_4400_1", "nen_4400_2"]),
            "modules": rng.choice([["tba"], ["aanneming_van_werk"], ["tba", "aanneming_van_werk"], []]),
            "link": {"method": "kvk"}}}),
        "inspectorate": _section(rng, "inspectorate", as_of,
                                 {"results": [_fine(rng, as_of, i) for i in range(rng.choice([0, 0, 1, 2, 3]))]}),
        "sncu": _section(rng, "sncu", as_of, {"verdicts": [
            {"title": f"Vonnis {i}", "verdict_date": _day(rng, as_of), "link": _link(rng),
             "date_labelled": rng.choice([True, True, False, None])}
            for i in range(rng.choice([0, 0, 0, 1, 2]))]}),
        "nau": _section(rng, "nau", as_of, {"registration": None if rng.random() < 0.15 else {
            "kvk_number": kvk, "status": rng.choice(_NAU)}}),
    }
    fines = _declaration(rng, as_of, arbowet_fines=[
        {"law": "arbowet", "kind": rng.choice(_KINDS[:-1]), "amount_eur": rng.choice(_AMOUNTS),
         "decision_date": _day(rng, as_of), "final": rng.choice([True, False, None])}
        for _ in range(rng.choice([0, 0, 1]))], wgv_measures=[
        {"municipality": "Gemeente", "kind": rng.choice(["fine", "permit_withdrawn", "management_takeover", "warning", "other"]),
         "decision_date": _day(rng, as_of), "final": rng.choice([True, False, None])}
        for _ in range(rng.choice([0, 0, 0, 1]))])
    dossier = {
        "partner": {"name": "Synthetic B.V.", "kvk_number": kvk if rng.random() < 0.95 else None,
                    "foreign": rng.random() < 0.05},
        "roles": roles,
        "declarations": {
            "endorsement": _declaration(rng, as_of, endorses=rng.random() < 0.95),
            "motivation": _declaration(rng, as_of, actions=[f"actie {i}" for i in range(rng.choice([0, 1, 2]))],
                                       regions=["Twente"] * rng.choice([0, 1])),
            "compliance": _declaration(rng, as_of, complies=rng.random() < 0.95),
            "languages": _declaration(rng, as_of, languages=rng.choice([["nl"], ["nl", "pl"], ["ro"], []])),
            "fines": fines,
        },
        "registers": {name: section for name, section in registers.items() if section is not None},
        "housing": [_location(rng, as_of, i) for i in range(rng.choice([0, 1, 2, 3]))],
        "equivalence": [] if rng.random() < 0.9 else [
            {"scope": rng.choice(["labour_supply", "housing"]), "kind": "nen_4400_inspection_report",
             "issued_on": as_of.isoformat(), "provenance": _provenance(rng, "upload", as_of)}],
    }
    if fines is not None:  # drawn last: earlier draws keep their seeds
        fines["housing_municipalities"] = rng.choice([[], _MUNICIPALITIES[:1], list(_MUNICIPALITIES)])
    kvk_section = registers["kvk"]
    if kvk_section is not None and kvk_section.get("registration") is not None:  # drawn last, as above
        _partly_known_dates(rng, kvk_section["registration"], as_of)
    _later_draws(rng, dossier, kvk, as_of)
    _name_linked_and_longer_form_draws(rng, dossier)
    return dossier


def _later_draws(rng: random.Random, dossier: dict[str, Any], kvk: str, as_of: date) -> None:
    """What rule pack 1.6.0 reads besides: the motivation's text, the SNF register, the date of an NAU
    status, KvK's signs of lending. Drawn after everything else, so earlier seeds keep their dossiers."""
    motivation = dossier["declarations"]["motivation"]
    if motivation is not None:
        motivation["motivation"] = rng.choice(["Wij willen bijdragen.", "Wij willen bijdragen.", "\u200b", ""])
    snf = _section(rng, "snf", as_of, {"organisation": None if rng.random() < 0.15 else {
        "name": "Synthetic B.V.", "kvk_number": kvk, "status": rng.choice([None, *_MARK_STATUSES]),
        "link": _link(rng)}})
    if snf is not None:
        dossier["registers"]["snf"] = snf
    nau = dossier["registers"].get("nau")
    if nau is not None and nau.get("registration") is not None:
        since = rng.choice([None, as_of - timedelta(days=400), as_of, as_of + timedelta(days=30), date(2027, 1, 2)])
        nau["registration"]["since"] = since.isoformat() if since else None
    kvk_section = dossier["registers"].get("kvk")
    if kvk_section is not None and kvk_section.get("registration") is not None:
        kvk_section["registration"]["waadi_indicator"] = rng.choice([None, None, False, True])
        kvk_section["registration"]["sbi_codes"] = rng.choice([[], [{"code": "78201"}], [{"code": "01241"}]])


_SNF_ROW_STATUSES = [None, "doorgehaald", "opgeschort", "aangemeld", "gecertificeerd", "onbekend"]
"""Statuses of another SNF row linked by name only: not certified, not shown, or (now and then) certified."""
_LONGER_LEGAL_FORMS = [None, None, "Besloten Vennootschap met gewone structuur",
                       "Buitenlandse EG-vennootschap met onderneming/nevenvestiging in Nederland",
                       "Kapitaalvennootschap binnen EER", "Stichting Beheer"]
"""KvK uitgebreideRechtsvorm values, or none: Dutch, foreign (an EG-vennootschap, the EER), and a Dutch one with
"eer" inside a word ("Beheer"), which names no EER."""


def _name_linked_and_longer_form_draws(rng: random.Random, dossier: dict[str, Any]) -> None:
    """What rule packs 1.9.0 and 1.10.0 read besides: other SNF rows tied to the partner by name only
    (``name_linked_not_certified``) and the KvK's longer legal form. Drawn after everything else, so earlier seeds
    keep their dossiers."""
    snf = dossier["registers"].get("snf")
    if snf is not None and snf["status"] == "read" and rng.random() < 0.3:
        snf["name_linked_not_certified"] = [
            {"name": rng.choice(["Synthetic B.V.", "Synthetic Wonen"]), "status": rng.choice(_SNF_ROW_STATUSES),
             "link": {"method": "name", "score": rng.choice([86.0, 92.5, 100.0])}}
            for _ in range(rng.choice([1, 1, 2]))]
    kvk_section = dossier["registers"].get("kvk")
    if kvk_section is not None and kvk_section.get("registration") is not None:
        kvk_section["registration"]["legal_form_extended"] = rng.choice(_LONGER_LEGAL_FORMS)


def _partly_known_dates(rng: random.Random, registration: dict[str, Any], as_of: date) -> None:
    """Now and then KvK's dates as KvK gives them, unknown parts as zeros (REGISTERS.md: "20150600")."""
    kind = rng.choice(["as_drawn"] * 6 + ["end_month", "end_year", "end_unknown", "start_month", "start_year"])
    day = as_of + timedelta(days=rng.choice([-400, -40, 0, 10, 40]))
    raw = {"end_month": f"{day:%Y%m}00", "end_year": f"{day:%Y}0000", "end_unknown": "00000000",
           "start_month": f"{day:%Y%m}00", "start_year": f"{day:%Y}0000"}.get(kind)
    if raw is None:
        if registration["ended_on"] is not None and rng.random() < 0.5:
            registration.update(ended_on_raw=registration["ended_on"].replace("-", ""),
                                ended_from=registration["ended_on"], ended_by=registration["ended_on"])
        return
    found = kvk_date_range(raw)
    first, last = (found[0].isoformat(), found[1].isoformat()) if found else (None, None)
    if kind.startswith("end"):
        registration.update(ended_on=None, ended_on_raw=raw, ended_from=first, ended_by=last)
    else:  # a full formal registration date beside it must not stand in for the start
        registered = rng.choice([None, as_of - timedelta(days=4000), as_of + timedelta(days=30)])
        registration.update(started_on=None, started_from=first, started_by=last,
                            registered_on=registered.isoformat() if registered else None)


def strip_none(value: Any) -> Any:
    """Drop ``None`` values recursively (the generator uses them for "absent")."""
    if isinstance(value, dict):
        return {k: strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_none(v) for v in value]
    return value
