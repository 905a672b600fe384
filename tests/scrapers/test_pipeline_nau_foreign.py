"""The NAU mapping by the day of the reading, and a foreign lender by its KvK legal form (rule pack 1.8.0 review;
read by the rule pack alone since 1.10.0)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from eligibility._decision import Outcome, Verdict
from eligibility._dossier import Dossier, NauStatus, Provenance, ReadStatus, Role
from eligibility._evaluate import evaluate
from eligibility._pack import load_pack
from scrapers import kvk, nau
from scrapers._config import ScraperConfig
from scrapers._pipeline import (
    NAU_REGISTER_URL,
    _foreign,
    _map_nau,
    _Partner,
    build_dossier,
)
from scrapers._store import EvidenceStore

ROOT = Path(__file__).resolve().parents[2]
KVK_NUMBER = "68750110"
PACK = load_pack(ROOT / "rules" / "convenant-2025")


def _record(status: NauStatus, day: date | None) -> nau.NauRecord:
    return nau.NauRecord(kvk_number=KVK_NUMBER, name="Flexwerk Oost B.V.", status=status, status_date=day)


def _provenance(at: datetime) -> Provenance:
    return Provenance(source="nau", url=NAU_REGISTER_URL, retrieved_at=at, parser_version=nau.PARSER_VERSION)


@pytest.mark.parametrize(("earlier", "later"), [(NauStatus.GESCHORST, NauStatus.TOEGELATEN),
                                                (NauStatus.TOEGELATEN, NauStatus.GESCHORST)])
def test_map_nau_takes_a_status_dated_after_the_reading_and_notes_it(earlier: NauStatus, later: NauStatus) -> None:
    """A register read on 2027-08-10 that lists a status of 2027-08-20 contradicts itself: the later status is
    taken (the rules send a status dated after its reading to review), whichever way round. Taking the one in
    force when read passed an admission beside a later suspension, with only a note."""
    records = [_record(earlier, date(2027, 7, 10)), _record(later, date(2027, 8, 20))]
    notes: list[str] = []
    section = _map_nau(records, _Partner(KVK_NUMBER, (), (), None), _provenance(datetime(2027, 8, 10, 8, tzinfo=UTC)), notes)
    assert section.registration is not None
    assert (section.registration.status, section.registration.since) == (later, date(2027, 8, 20))
    assert notes == [(
        f"nau: KvK 68750110: the register read on 2027-08-10 lists {later.value} dated 2027-08-20, after the reading "
        "(a reading cannot show a later status: sent to review)"
    )]


def test_map_nau_takes_the_status_in_force_when_read_when_none_is_dated_later() -> None:
    records = [_record(NauStatus.AANGEMELD, date(2026, 11, 3)), _record(NauStatus.TOEGELATEN, date(2027, 7, 10))]
    notes: list[str] = []
    section = _map_nau(records, _Partner(KVK_NUMBER, (), (), None), _provenance(datetime(2027, 8, 10, 8, tzinfo=UTC)), notes)
    assert section.registration is not None and section.registration.status is NauStatus.TOEGELATEN
    assert notes == []


def test_map_nau_dates_the_reading_by_the_dutch_calendar() -> None:
    """Read 2027-08-19T22:30Z is 00:30 on 2027-08-20 in the Netherlands: the status of that day is in force."""
    records = [_record(NauStatus.GESCHORST, date(2027, 7, 10)), _record(NauStatus.TOEGELATEN, date(2027, 8, 20))]
    notes: list[str] = []
    section = _map_nau(records, _Partner(KVK_NUMBER, (), (), None), _provenance(datetime(2027, 8, 19, 22, 30, tzinfo=UTC)), notes)
    assert section.registration is not None and section.registration.status is NauStatus.TOEGELATEN
    assert notes == []


def test_map_nau_with_only_a_later_status_keeps_it_and_notes_it() -> None:
    notes: list[str] = []
    section = _map_nau([_record(NauStatus.AANGEMELD, date(2026, 11, 3))], _Partner(KVK_NUMBER, (), (), None),
                       _provenance(datetime(2026, 10, 25, 8, tzinfo=UTC)), notes)
    assert section.registration is not None and section.registration.since == date(2026, 11, 3)
    assert len(notes) == 1 and "lists aangemeld dated 2026-11-03, after the reading" in notes[0]


def test_a_register_listing_a_status_after_its_reading_sends_art_14_4_to_review(tmp_path: Path) -> None:
    """The reviewer's store s2, rebuilt (suspended 2027-07-10, admitted 2027-08-20, read 2027-08-10): the
    register contradicts itself, so the admission dated after the reading is taken and goes to review."""
    store = EvidenceStore(tmp_path / "evidence")
    body = {"register": "nau", "records": [
        {"kvkNummer": KVK_NUMBER, "naam": "Flexwerk Oost B.V.", "status": "Geschorst", "datumStatus": "2027-07-10"},
        {"kvkNummer": KVK_NUMBER, "naam": "Flexwerk Oost B.V.", "status": "Toegelaten", "datumStatus": "2027-08-20"},
    ]}
    store.put("nau", NAU_REGISTER_URL, 200, {"content-type": "application/json"}, json.dumps(body).encode(),
              datetime(2027, 8, 10, 8, tzinfo=UTC))
    result = build_dossier(KVK_NUMBER, [Role.UITLENER], name="Flexwerk Oost B.V.", offline=True, store=store,
                           client=None, config=ScraperConfig(nau_enabled=True), now=datetime(2027, 8, 12, tzinfo=UTC))
    section = result.dossier.registers.nau
    assert section is not None and section.status is ReadStatus.READ and section.registration is not None
    assert section.registration.status is NauStatus.TOEGELATEN
    assert any("lists toegelaten dated 2027-08-20, after the reading" in p for p in result.problems)
    pack = load_pack(ROOT / "rules" / "convenant-2025")
    for as_of, clause in ((date(2027, 8, 12), "status_from_later_date"), (date(2027, 8, 25), "status_dated_after_reading")):
        decision = evaluate(result.dossier, pack, as_of)
        (judged,) = [c for c in decision.criteria if c.id == "art14_4_wtta"]
        assert (judged.outcome, judged.clause) == (Outcome.UNKNOWN, clause)
        assert decision.verdict is not Verdict.ELIGIBLE


def _profile(**changes: Any) -> kvk.KvkProfile:
    body = (ROOT / "fixtures" / "registers" / "kvk" / "basisprofiel-lender-78201.json").read_bytes()
    profile = kvk.parse_basisprofiel(body, f"{kvk.DEFAULT_BASE_URL}/v1/basisprofielen/{KVK_NUMBER}")
    return dataclasses.replace(profile, **changes)


def _lender_with_registration(profile: kvk.KvkProfile) -> Dossier:
    """The eligible lender (SNA NEN 4400-1) with the trade register's entry mapped from ``profile``."""
    data = json.loads((ROOT / "fixtures" / "dossiers" / "lender-complete.json").read_text(encoding="utf-8"))
    data["registers"]["kvk"]["registration"] = kvk.to_registration(profile).model_dump(mode="json")
    return Dossier.model_validate(data)


@pytest.mark.parametrize(
    ("legal_form", "extended", "foreign"),
    [
        ("Kapitaalvennootschap binnen EER", None, True),
        ("Kapitaalvennootschap buiten EER", None, True),
        (None, "Kapitaalvennootschap binnen EER", True),
        ("KapitaalvennootschapBuitenEER", None, True),
        ("Overige buitenlandse rechtspersoon of vennootschap", None, True),
        ("OverigeBuitenlandseRechtspersoonVennootschap", None, True),
        ("Buitenlandse Vennootschap", None, True),
        ("BeslotenVennootschap", "Besloten Vennootschap met gewone structuur", False),
        ("Stichting", "STICHTING BEHEER", False),  # "eer" inside a word is no EER
        ("Vereniging", "Vereniging van eigenaars", False),
        # review of 1.8.0 (helper 61): a trailing dot, no hyphen, "de EER", an abbreviation, foreign national forms
        ("Buitenlandse EG-vennootschap met onderneming in Nederland.", None, True),
        ("Buitenlandse EG vennootschap", None, True),
        ("Kapitaalvennootschap binnen de EER", None, True),
        ("Buitenl. EG-vennootschap", None, True),
        ("GmbH", None, True),
        ("Sp. z o.o.", None, True),
        ("Naamloze Vennootschap", None, False),
        ("Vennootschap onder firma", "Commanditaire Vennootschap", False),
        ("Europese naamloze vennootschap (SE)", None, False),
        # 1.10.0: the longer form beside a Dutch short one, and what the adapter's own list took beyond the pack's
        ("BeslotenVennootschap", "Buitenlandse EG-vennootschap met onderneming/nevenvestiging in Nederland", True),
        ("Eenmanszaak", "Nevenvestiging met hoofdvestiging in buitenland", True),
        (None, "Buitenlands rechtspersoon", True),
        ("S.R.L.", None, True),
    ],
)
def test_a_kvk_profile_with_a_foreign_legal_form_is_a_foreign_lender_by_the_rule_pack(
        legal_form: str | None, extended: str | None, foreign: bool) -> None:
    """The adapter read these forms with a word list of its own and set ``partner.foreign``; the rule pack reads
    both of the profile's forms from the dossier by its words (``foreign_legal_forms``, 1.10.0), so each ends as
    before: a foreign lender on NEN 4400-1 is unknown, a Dutch one passes. The adapter reads only the address."""
    profile = _profile(legal_form=legal_form, legal_form_extended=extended)
    assert _foreign(profile) is False
    judged = evaluate(_lender_with_registration(profile), PACK, date(2026, 11, 23)).criterion("art14_3_a_sna")
    expected = (Outcome.UNKNOWN, "foreign_norm") if foreign else (Outcome.PASS, "certified")
    assert (judged.outcome, judged.clause) == expected


@pytest.mark.parametrize(("legal_form", "foreign"), [
    ("GmbH", True), ("Buitenlandse EG vennootschap", True), ("Kapitaalvennootschap binnen de EER", True),
    ("Buitenl. EG-vennootschap", True), ("Sp. z o.o.", True), ("BuitenlandseEGVennootschap", True),
    ("KapitaalvennootschapBinnenEER", True), ("Besloten Vennootschap", False), ("Stichting Beheer", False),
])
def test_a_dossier_with_a_foreign_legal_form_is_judged_as_foreign(legal_form: str, foreign: bool) -> None:
    """A file that left ``foreign`` out passed art. 14.3a on NEN 4400-1 (helper 61). The rule pack reads the
    legal form by its words (``foreign_legal_forms``), so ``evaluate`` judges it so from any entry point; only
    ``check`` did, by marking the file."""
    data = json.loads((ROOT / "fixtures" / "dossiers" / "lender-complete.json").read_text(encoding="utf-8"))
    data["partner"]["legal_form"] = legal_form
    dossier = Dossier.model_validate(data)
    assert not dossier.partner.foreign
    decision = evaluate(dossier, load_pack(ROOT / "rules" / "convenant-2025"), date(2026, 11, 23))
    if foreign:
        assert decision.criterion("art14_3_a_sna").clause == "foreign_norm" and decision.verdict is Verdict.NEEDS_REVIEW
    else:
        assert decision.criterion("art14_3_a_sna").clause != "foreign_norm"
