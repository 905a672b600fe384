"""Pipeline: dossiers built from the register fixtures, online and offline, with honest failures.

The fixture world (which URL serves which fixture, three demo partners) lives in
fixtures/registers/store-demo/make_store.py, which also writes the committed demo store.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import shutil
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import eligibility
from eligibility._decision import Outcome, Verdict
from eligibility._dossier import Declarations, Dossier, HousingLocation, LinkMethod, ReadStatus, Role, SnaStatus
from eligibility._evaluate import evaluate
from eligibility._pack import RulePack, load_pack
from scrapers import kvk, members, sna, sncu
from scrapers._config import ScraperConfig
from scrapers._pipeline import (
    ADAPTERS,
    NAU_REGISTER_URL,
    BuildResult,
    StoreReplay,
    _identity,
    _Partner,
    _rejected_kvk,
    build_dossier,
    refresh,
    status,
)
from scrapers._store import EvidenceStore

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "registers" / "store-demo"


def _load_make_store() -> ModuleType:
    spec = importlib.util.spec_from_file_location("store_demo_make_store", DEMO / "make_store.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


ms = _load_make_store()
ROUTES = ms.fixture_routes()
LENDER, FINED, BRUG = ms.LENDER, ms.FINED, ms.BRUG
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
AS_OF = date(2026, 11, 23)  # the rule pack's fixture date (rules/convenant-2025/tests)
CONFIG = ScraperConfig(nau_enabled=True)
KVK_URL = f"{kvk.DEFAULT_BASE_URL}/v1/basisprofielen/"
DECLARATIONS = Declarations.model_validate(
    json.loads((ROOT / "fixtures" / "dossiers" / "lender-complete.json").read_text(encoding="utf-8"))["declarations"]
)


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence")


def kvk_not_found(number: str) -> dict[str, Any]:
    """Routes answering KvK's 404 for one more number."""
    return {ms.url_of(KVK_URL + number): ms.Route("kvk", 404, ms.kvk_not_found_body(number), "application/json")}


def online(
    partner: Any,
    store: EvidenceStore,
    *,
    routes: dict[str, Any] | None = None,
    fail: dict[str, str] | None = None,
    client_store: bool = True,
    config: ScraperConfig = CONFIG,
    kvk_number: str | None = None,
    name: str | None = "given",
    clock: Any = None,
    **options: Any,
) -> BuildResult:
    """An online build through FixtureClient; ``name="given"`` passes the partner's own name."""
    client = ms.FixtureClient(
        routes if routes is not None else ROUTES,
        store if client_store else None,
        clock or ms.ticking(NOW),
        fail=fail,
    )
    return build_dossier(
        kvk_number or partner.kvk_number,
        list(partner.roles),
        name=partner.name if name == "given" else name,
        place=partner.place,
        offline=False,
        store=store,
        client=client,
        config=config,
        now=NOW,
        **options,
    )


def offline(
    partner: Any, store: EvidenceStore, config: ScraperConfig = CONFIG, replay: StoreReplay | None = None
) -> BuildResult:
    return build_dossier(
        partner.kvk_number, list(partner.roles), name=partner.name, place=partner.place,
        offline=True, store=store, client=None, config=config, now=NOW + timedelta(days=1), replay=replay,
    )  # fmt: skip


def failures(store: EvidenceStore) -> dict[str, int]:
    return {row.register: row.failures for row in store.status() if row.failures}


# --- online ---------------------------------------------------------------------------------


UNLINKED_SCHOONMAAK = (
    "inspectorate: inspection 48107 of 'Schoonmaak Proef V.O.F.' (Tilburg) lists a violation and was returned by "
    "the search, but is not linked: its name scores 13.5 (below 70); check by hand whether it is the partner's"
)
"""FINED's searches return another company's violation (no KvK number): not linked, but never dropped unseen."""


def test_online_build_reads_and_links_every_register(store: EvidenceStore) -> None:
    result = online(FINED, store, name=None)  # identity must come from the KvK profile
    dossier = result.dossier
    assert Dossier.model_validate_json(dossier.model_dump_json()) == dossier
    assert result.problems == [  # the provenance names one search: the note names them all
        (
            "inspectorate: searched by 2 names ('Flexwerk Voorbeeld B.V.', 'Flexwerk'); an inspection found by "
            "several counts once"
        ),
        UNLINKED_SCHOONMAAK,  # another company's violation in the search: named, not dropped unseen
        "snf: searched by 2 names ('Flexwerk Voorbeeld B.V.', 'Flexwerk'); a registration found by several counts once",
    ]

    partner = dossier.partner
    assert (partner.name, partner.kvk_number, partner.place, partner.rsin) == (
        "Flexwerk Voorbeeld B.V.", "01234567", "Venlo", "123456782"
    )
    assert partner.trade_names == ["Flexwerk"]
    assert [s.code for s in partner.sbi_codes] == ["78201", "78202"]

    registers = dossier.registers
    assert {name: getattr(registers, name).status for name in ADAPTERS} == dict.fromkeys(ADAPTERS, ReadStatus.READ)
    assert registers.kvk.registration is not None and registers.kvk.registration.kvk_number == "01234567"

    certificate = registers.sna.certificate
    assert certificate is not None
    assert (certificate.kvk_number, certificate.status, certificate.link.method) == (
        "01234567", SnaStatus.GECERTIFICEERD, LinkMethod.KVK
    )

    results = registers.inspectorate.results
    assert sorted({(r.inspection_id, r.link.method) for r in results}) == [
        ("46001", LinkMethod.KVK), ("48213", LinkMethod.KVK)
    ]  # the two inspections without a KvK number name other companies, below the threshold

    (verdict,) = registers.sncu.verdicts
    assert verdict.title == "Vonnis SNCU vs. Flexwerk Voorbeeld B.V."
    assert (verdict.link.method, verdict.link.score, verdict.link.matched_name) == (
        LinkMethod.NAME, 100.0, "Flexwerk Voorbeeld B.V."
    )
    assert registers.nau.registration is None  # read, and not listed
    assert registers.abu.memberships == [] and registers.nbbu.memberships == []
    assert registers.snf.organisation is None


def test_provenance_names_the_bytes_served_and_the_oldest_page(store: EvidenceStore) -> None:
    dossier = online(FINED, store).dossier
    kvk_route = ROUTES[ms.url_of(KVK_URL + FINED.kvk_number)]
    sna_route = ROUTES[ms.url_of(sna.EXPORT_URL)]
    assert dossier.registers.kvk.provenance.sha256 == hashlib.sha256(kvk_route.body).hexdigest()
    assert dossier.registers.kvk.provenance.retrieved_at == NOW  # first request of the build
    assert dossier.registers.sna.provenance.sha256 == hashlib.sha256(sna_route.body).hexdigest()
    assert dossier.registers.sna.provenance.parser_version == sna.PARSER_VERSION
    sncu_prov = dossier.registers.sncu.provenance
    assert sncu_prov.url == sncu.LIST_URL  # list page 1 was read before page 2 and the details
    assert sncu_prov.sha256 == hashlib.sha256(ROUTES[sncu.LIST_URL].body).hexdigest()


def test_kvk_not_found_is_read_and_identity_comes_from_the_given_name(store: EvidenceStore) -> None:
    dossier = online(BRUG, store).dossier
    registers = dossier.registers
    assert registers.kvk.status is ReadStatus.READ and registers.kvk.registration is None
    assert (dossier.partner.name, dossier.partner.place, dossier.partner.rsin) == (BRUG.name, "Venlo", None)
    assert registers.sna.certificate is not None and registers.sna.certificate.link.method is LinkMethod.KVK
    assert [(m.association, m.link.method) for m in registers.abu.memberships] == [("abu", LinkMethod.KVK)]
    (nbbu,) = registers.nbbu.memberships
    assert (nbbu.member_name, nbbu.link.method, nbbu.link.score) == (BRUG.name, LinkMethod.NAME, 100.0)
    assert registers.nau.registration is not None and registers.nau.registration.status == "aanvraag_in_behandeling"
    organisation = registers.snf.organisation
    assert organisation is not None
    assert (organisation.name, organisation.link.method) == ("Flexwonen De Brug B.V.", LinkMethod.KVK)


def test_a_namesake_with_another_kvk_number_is_never_linked(store: EvidenceStore) -> None:
    """Same name as De Brug, own number: De Brug's SNA, ABU and SNF records carry 01085927."""
    sister = "76543210"
    dossier = online(BRUG, store, routes={**ROUTES, **kvk_not_found(sister)}, kvk_number=sister).dossier
    registers = dossier.registers
    assert registers.sna.status is ReadStatus.READ and registers.sna.certificate is None
    assert registers.abu.memberships == []
    assert registers.snf.organisation is None
    assert registers.nau.registration is None
    # NBBU publishes no KvK numbers: a name candidate for review, never proof.
    assert [m.link.method for m in registers.nbbu.memberships] == [LinkMethod.NAME]


def test_a_predecessor_number_links_by_kvk_but_not_for_admission(store: EvidenceStore) -> None:
    """After a takeover De Brug's records sit on its old number 01085927; the NAU admits numbers, not firms."""
    successor = "76543210"
    dossier = online(
        BRUG, store, routes={**ROUTES, **kvk_not_found(successor)}, kvk_number=successor,
        predecessor_kvk_numbers=[BRUG.kvk_number],
    ).dossier  # fmt: skip
    registers = dossier.registers
    assert dossier.partner.predecessor_kvk_numbers == [BRUG.kvk_number]
    assert registers.sna.certificate is not None
    assert registers.sna.certificate.link.method is LinkMethod.PREDECESSOR_KVK
    assert [m.link.method for m in registers.abu.memberships] == [LinkMethod.PREDECESSOR_KVK]
    assert registers.nau.status is ReadStatus.READ and registers.nau.registration is None


def test_without_any_name_name_only_registers_are_not_consulted(store: EvidenceStore) -> None:
    result = online(BRUG, store, name=None)
    registers = result.dossier.registers
    for register in ("inspectorate", "sncu", "nbbu", "snf"):
        assert getattr(registers, register) is None, register
        assert any(p.startswith(f"{register}: not consulted: no partner name") for p in result.problems)
    assert registers.sna.certificate is not None  # KvK links need no name
    assert result.dossier.partner.name == f"KvK {BRUG.kvk_number}"


# --- honest failure -------------------------------------------------------------------------


@pytest.mark.parametrize("register", list(ADAPTERS))
def test_a_fetch_error_fails_only_its_section(store: EvidenceStore, register: str) -> None:
    result = online(FINED, store, fail={register: "connection refused"})
    registers = result.dossier.registers
    section = getattr(registers, register)
    assert section.status is ReadStatus.FAILED
    assert section.error.startswith("FetchError: connection refused (https://")
    assert (section.provenance.sha256, section.provenance.retrieved_at) == (None, NOW)
    assert section.provenance.url is not None and section.provenance.source == register
    others = {name: getattr(registers, name).status for name in ADAPTERS if name != register}
    assert others == dict.fromkeys(others, ReadStatus.READ)
    assert f"{register}: failed: {section.error}" in result.problems
    assert failures(store) == {register: 1}  # recorded once: by the client, not again by the pipeline


def test_failure_is_recorded_by_the_pipeline_when_the_client_keeps_no_store(store: EvidenceStore) -> None:
    result = online(FINED, store, fail={"sna": "timed out"}, client_store=False)
    assert result.dossier.registers.sna.status is ReadStatus.FAILED
    (row,) = [row for row in store.status() if row.register == "sna"]
    assert (row.failures, row.last_failure_at) == (1, NOW)
    assert row.last_error == "FetchError: timed out (https://www.normeringarbeid.nl/snakeurmerk/gecertificeerde-ondernemingen/export)"


def test_a_changed_layout_fails_the_section_and_is_recorded(store: EvidenceStore) -> None:
    changed = ms.fixture_file("sncu", "list_changed_layout.html")
    result = online(FINED, store, routes={**ROUTES, sncu.LIST_URL: changed})
    section = result.dossier.registers.sncu
    assert section.status is ReadStatus.FAILED and section.verdicts == []
    assert section.error.startswith("LayoutChangedError: layout changed: links to verdict pages")
    assert failures(store) == {"sncu": 1}
    assert result.dossier.registers.sna.status is ReadStatus.READ


def _raise_value_error(*args: Any, **kwargs: Any) -> Any:
    raise ValueError("Invalid IPv6 URL")  # what urljoin/urlparse raise for href="http://[x/"


def test_a_value_error_from_a_parser_fails_only_its_section_and_is_recorded(
    store: EvidenceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parser bug on one odd page must not crash the build: that register is a failed read."""
    monkeypatch.setattr(members, "parse_abu_page", _raise_value_error)
    result = online(FINED, store)
    registers = result.dossier.registers
    assert registers.abu.status is ReadStatus.FAILED
    assert registers.abu.error == "ValueError: Invalid IPv6 URL"
    assert registers.abu.provenance.url == members.ABU_FIRST_PAGE
    others = {name: getattr(registers, name).status for name in ADAPTERS if name != "abu"}
    assert others == dict.fromkeys(others, ReadStatus.READ)
    assert "abu: failed: ValueError: Invalid IPv6 URL" in result.problems
    assert failures(store) == {"abu": 1}


def test_a_value_error_from_a_parser_fails_the_section_offline_in_a_batch(
    store: EvidenceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    online(FINED, store)
    monkeypatch.setattr(sncu, "parse_detail", _raise_value_error)
    replay = StoreReplay(store)
    for partner in (FINED, LENDER):
        section = offline(partner, store, replay=replay).dossier.registers.sncu
        assert (section.status, section.error) == (ReadStatus.FAILED, "ValueError: Invalid IPv6 URL")


def test_refresh_records_a_value_error_and_goes_on_with_the_next_register(
    store: EvidenceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(members, "parse_abu_page", _raise_value_error)
    client = ms.FixtureClient(ROUTES, store, ms.ticking(ms.REFRESH_AT))
    abu, sncu_report = refresh(["abu", "sncu"], client=client, store=store, config=CONFIG, now=ms.REFRESH_AT)
    assert (abu.ok, abu.records, abu.error) == (False, None, "ValueError: Invalid IPv6 URL")
    assert (sncu_report.ok, sncu_report.records) == (True, 4)
    assert failures(store) == {"abu": 1}
    rows = {row.register: row for row in status(store, ms.REFRESH_AT)}
    assert rows["abu"].records is None and rows["abu"].last_error == "ValueError: Invalid IPv6 URL"


def test_refresh_of_nbbu_counts_a_value_error_on_one_member_page(
    store: EvidenceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = members.parse_nbbu_member

    def flaky(body: bytes, url: str) -> members.Member:
        if "payroll-plus" in url:
            raise ValueError("Invalid IPv6 URL")
        return real(body, url)

    monkeypatch.setattr(members, "parse_nbbu_member", flaky)
    client = ms.FixtureClient(ROUTES, store, ms.ticking(ms.REFRESH_AT))
    (nbbu,) = refresh(["nbbu"], client=client, store=store, config=CONFIG, now=ms.REFRESH_AT)
    assert (nbbu.ok, nbbu.records) == (False, 1)  # De Brug read; 2 pages 404 and 1 ValueError
    assert nbbu.error is not None and nbbu.error.startswith("3 of 4 member pages could not be read")


def test_a_malformed_link_on_a_real_page_does_not_crash_a_build(store: EvidenceStore) -> None:
    """End to end: ABU page 1 whose next-page link is malformed fails the ABU section only."""
    page = ms.fixture_file("abu", "ledenregister-page-1.html")
    broken = ms.Route("abu", 200, page.body.replace(
        b'href="https://www.abu.nl/over-abu/ledenregister/page/2/"', b'href="http://[x/over-abu/ledenregister/page/2/"'
    ), page.content_type)
    assert broken.body != page.body
    result = online(FINED, store, routes={**ROUTES, members.ABU_FIRST_PAGE: broken})
    section = result.dossier.registers.abu
    assert section.status is ReadStatus.FAILED
    assert section.error is not None and section.error.startswith("LayoutChangedError:")
    assert result.dossier.registers.sncu.status is ReadStatus.READ


def test_an_unreadable_sna_row_of_the_partner_fails_the_section(store: EvidenceStore) -> None:
    """Row 10 of the export (KvK 60000001) has no name: absence from the rows would be false."""
    result = online(BRUG, store, routes={**ROUTES, **kvk_not_found("60000001")}, kvk_number="60000001", name=None)
    section = result.dossier.registers.sna
    assert section.status is ReadStatus.FAILED
    assert "SNA export row 10 for KvK 60000001 could not be read: no company name" in section.error


SNA_GEN = ms._sna_generator()
SNA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sna_route(lender_row: tuple[Any, ...], extra_header: str | None = None) -> dict[str, Any]:
    """The demo export with LENDER's row replaced; ``extra_header`` adds a column (the fixture rows get None)."""
    rows = list(SNA_GEN.small_rows())
    headers = SNA_GEN.HEADERS
    if extra_header is not None:
        headers = (*headers, extra_header)
        rows = [(*row, None) for row in rows]
    body = SNA_GEN.workbook_bytes([*rows, lender_row], headers=headers)
    return {ms.url_of(sna.EXPORT_URL): ms.Route("sna", 200, body, SNA_TYPE)}


def _lender_row(kvk_cell: Any = int(LENDER.kvk_number), module: str = SNA_GEN.TBA, *extra: Any) -> tuple[Any, ...]:
    return (LENDER.name, kvk_cell, "Hoogstraat 1 A", "3011 PK", "Rotterdam", "Nederland", module, "NEN 4400-1", *extra)


@pytest.mark.parametrize(
    ("lender_row", "extra_header"),
    [
        # a status that only starts with "Gecertificeerd" was read as certified
        (_lender_row(int(LENDER.kvk_number), SNA_GEN.TBA, "Gecertificeerd (opgeschort)"), "Status"),
        (_lender_row(int(LENDER.kvk_number), SNA_GEN.TBA, "Gecertificeerd tot 01-05-2026"), "Status"),
        # a status column under an unknown header was ignored: every row certified
        (_lender_row(int(LENDER.kvk_number), SNA_GEN.TBA, "Niet gecertificeerd"), "Certificaat"),
        (_lender_row(int(LENDER.kvk_number), SNA_GEN.TBA, "Geschorst"), "Certificaat"),
        # an unknown activity text read as "no TBA" failed the lender
        (_lender_row(int(LENDER.kvk_number), "Uitzenden en detacheren"), None),
        # a rejected row whose KvK cell has separators was not the partner's: "not in the register"
        (_lender_row("68.750.110", SNA_GEN.TBA, "Gecertificeerd"), "Status"),
        (_lender_row("68 750 110", SNA_GEN.TBA), None),
    ],
)
def test_an_sna_entry_the_parser_cannot_read_leaves_the_lender_unknown(
    store: EvidenceStore, pack: RulePack, lender_row: tuple[Any, ...], extra_header: str | None
) -> None:
    """Principle 1: the partner's SNA entry read neither as certified nor as a finding against it."""
    routes = {**ROUTES, **_sna_route(lender_row, extra_header)}
    dossier = online(LENDER, store, routes=routes, declarations=DECLARATIONS).dossier
    decision = evaluate(dossier, pack, AS_OF)
    (judged,) = [c for c in decision.criteria if c.id == "art14_3_a_sna"]
    assert (judged.outcome, judged.clause) == (Outcome.UNKNOWN, "register_failed")
    assert decision.verdict is Verdict.NEEDS_REVIEW


@pytest.mark.parametrize(
    ("text", "number"),
    [("68.750.110", "68750110"), ("68 750 110", "68750110"), ("'01234567", "01234567"), ("1.234.567", "01234567"),
     ("1234567.0", "01234567"), (" 68750110 ", "68750110"), ("1234-567", None), ("K68750110", None), ("", None),
     (None, None), ("123456789", None)],
)
def test_a_rejected_sna_rows_kvk_cell_is_read_as_the_list_reader_reads_it(text: str | None, number: str | None) -> None:
    assert _rejected_kvk(text) == number


def _profile(**changes: Any) -> kvk.KvkProfile:
    body = ms.fixture_file("kvk", "basisprofiel-lender-78201.json").body
    profile = kvk.parse_basisprofiel(body, KVK_URL + LENDER.kvk_number)
    return dataclasses.replace(profile, **changes)


@pytest.mark.parametrize(
    "changes",
    [
        {},  # BeslotenVennootschap, address in Nederland
        {"legal_form": "BuitenlandseEGVennootschap"},
        {"legal_form": None, "legal_form_extended": "Buitenlandse EG-vennootschap met onderneming in Nederland"},
        {"legal_form": "BuitenlandseNietEGVennootschap"},
        {"address": None},  # no country shown: not guessed
        {"legal_form": None, "legal_form_extended": None, "address": None},
    ],
)
def test_identity_is_not_marked_foreign_by_a_legal_form(changes: dict[str, Any]) -> None:
    """A foreign legal form is the rule pack's to read (``foreign_legal_forms``, rule pack 1.10.0): the adapter
    kept a second word list in Python and marked the identity by it."""
    given = _Partner(LENDER.kvk_number, (), (LENDER.name,), None)
    assert _identity(_profile(**changes), given, []).foreign is False


def test_identity_is_foreign_for_a_main_branch_abroad() -> None:
    profile = _profile()
    assert profile.address is not None
    abroad = _profile(address=dataclasses.replace(profile.address, country="Polen"))
    assert _identity(abroad, _Partner(LENDER.kvk_number, (), (), None), []).foreign is True


def _foreign_kvk_routes(old: bytes, new: bytes) -> dict[str, Any]:
    """The fixture routes with the lender's KvK profile changed in one place."""
    body = ms.fixture_file("kvk", "basisprofiel-lender-78201.json").body
    assert body.count(old) == 1
    route = ms.Route("kvk", 200, body.replace(old, new), "application/hal+json")
    return {**ROUTES, ms.url_of(KVK_URL + LENDER.kvk_number): route}


def test_a_foreign_lender_from_the_kvk_profile_with_a_nen_4400_1_certificate_is_unknown(
    store: EvidenceStore, pack: RulePack
) -> None:
    """The foreign-lender clauses were dead outside hand-written dossiers: nothing set ``foreign``. The rule pack
    reads the KvK legal form itself (1.8.0)."""
    routes = _foreign_kvk_routes(b'"BeslotenVennootschap"', b'"BuitenlandseEGVennootschap"')
    dossier = online(LENDER, store, routes=routes, declarations=DECLARATIONS).dossier
    assert dossier.registers.kvk is not None and dossier.registers.kvk.registration is not None
    assert dossier.registers.kvk.registration.legal_form == "BuitenlandseEGVennootschap"
    decision = evaluate(dossier, pack, AS_OF)
    (judged,) = [c for c in decision.criteria if c.id == "art14_3_a_sna"]
    assert (judged.outcome, judged.clause) == (Outcome.UNKNOWN, "foreign_norm")
    assert decision.verdict is not Verdict.ELIGIBLE


LONGER_FOREIGN_FORM = "Buitenlandse EG-vennootschap met onderneming/nevenvestiging in Nederland"


def test_a_kvk_profile_foreign_by_its_longer_legal_form_only_keeps_it_and_ends_as_a_foreign_lender(
    store: EvidenceStore, pack: RulePack
) -> None:
    """Short form BeslotenVennootschap, uitgebreideRechtsvorm foreign: the adapter read the longer form with its own
    word list and set ``partner.foreign``. The dossier now holds the longer form and the rule pack reads it (1.10.0):
    the same end, art. 14.3a asks NEN 4400-2, and the form is there for an auditor to see."""
    routes = _foreign_kvk_routes(b'"Besloten Vennootschap met gewone structuur"', f'"{LONGER_FOREIGN_FORM}"'.encode())
    dossier = online(LENDER, store, routes=routes, declarations=DECLARATIONS).dossier
    registration = dossier.registers.kvk.registration if dossier.registers.kvk else None
    assert registration is not None
    assert (registration.legal_form, registration.legal_form_extended) == ("BeslotenVennootschap", LONGER_FOREIGN_FORM)
    assert dossier.partner.foreign is False
    assert json.loads(dossier.model_dump_json())["registers"]["kvk"]["registration"]["legal_form_extended"] == (
        LONGER_FOREIGN_FORM)
    decision = evaluate(dossier, pack, AS_OF)
    (judged,) = [c for c in decision.criteria if c.id == "art14_3_a_sna"]
    assert (judged.outcome, judged.clause) == (Outcome.UNKNOWN, "foreign_norm")
    assert decision.verdict is Verdict.NEEDS_REVIEW


def test_a_kvk_profile_with_a_dutch_longer_legal_form_is_no_foreign_lender(
    store: EvidenceStore, pack: RulePack
) -> None:
    dossier = online(LENDER, store, declarations=DECLARATIONS).dossier
    registration = dossier.registers.kvk.registration if dossier.registers.kvk else None
    assert registration is not None
    assert registration.legal_form_extended == "Besloten Vennootschap met gewone structuur"
    judged = evaluate(dossier, pack, AS_OF).criterion("art14_3_a_sna")
    assert (judged.outcome, judged.clause) == (Outcome.PASS, "certified")


def test_nau_disabled_is_not_consulted(store: EvidenceStore) -> None:
    client = ms.FixtureClient(ROUTES, store, ms.ticking(NOW))
    result = build_dossier(
        LENDER.kvk_number, [Role.UITLENER], offline=False, store=store, client=client,
        config=ScraperConfig(nau_enabled=False), now=NOW,
    )  # fmt: skip
    assert result.dossier.registers.nau is None
    assert "nau: not consulted: NAU adapter disabled by configuration" in result.problems
    assert ms.url_of(NAU_REGISTER_URL) not in client.requested


# --- offline --------------------------------------------------------------------------------


def test_offline_from_the_store_of_an_online_build_is_the_same_dossier(store: EvidenceStore) -> None:
    built = online(FINED, store)
    replayed = offline(FINED, store)
    assert replayed.dossier == built.dossier
    assert replayed.problems == built.problems


def test_offline_from_a_prefilled_store_matches_online(tmp_path: Path) -> None:
    """A store filled earlier (e.g. by refresh) gives the online content, dated by the store."""
    stored_at = NOW - timedelta(days=2)
    store = EvidenceStore(tmp_path / "prefilled")
    for url, route in ROUTES.items():
        store.put(route.register, url, route.status, {"Content-Type": route.content_type}, route.body, stored_at)
    replayed = offline(BRUG, store).dossier
    live = online(BRUG, EvidenceStore(tmp_path / "live"), clock=lambda: stored_at).dossier
    assert replayed == live
    for register in ADAPTERS:
        section = getattr(replayed.registers, register)
        assert section.provenance.retrieved_at == stored_at
        assert section.provenance.sha256 == getattr(live.registers, register).provenance.sha256


def test_offline_with_an_empty_store_consults_nothing(store: EvidenceStore) -> None:
    result = offline(FINED, store)
    assert result.dossier.registers == type(result.dossier.registers)()
    for register in ADAPTERS:
        assert any(p.startswith(f"{register}: not consulted: no stored snapshot") for p in result.problems)
    assert (result.dossier.partner.name, result.dossier.partner.place) == (FINED.name, FINED.place)


def test_offline_latest_stored_error_answer_is_a_failure_not_new_evidence(store: EvidenceStore) -> None:
    online(FINED, store)
    broken_at = NOW + timedelta(hours=1)
    store.put("sna", sna.EXPORT_URL, 503, {}, b"<h1>Service Unavailable</h1>", broken_at)
    section = offline(FINED, store).dossier.registers.sna
    assert section.status is ReadStatus.FAILED
    assert section.error == f"FetchError: SNA export: HTTP 503 ({sna.EXPORT_URL})"
    assert section.provenance.retrieved_at == broken_at  # when that answer came, not when we replayed
    assert failures(store) == {}  # replaying reads no register: nothing new to record


class CountingStore(EvidenceStore):
    """Counts ``latest`` lookups per register."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.lookups: dict[str, int] = {}

    def latest(self, register: str, url: str, read_before: datetime | None = None) -> Any:
        self.lookups[register] = self.lookups.get(register, 0) + 1
        return super().latest(register, url, read_before)


def test_a_batch_replay_reads_each_bulk_register_once_and_builds_the_same_dossiers(tmp_path: Path) -> None:
    for partner in (LENDER, FINED, BRUG):
        online(partner, EvidenceStore(tmp_path / "evidence"))
    store = CountingStore(tmp_path / "evidence")
    alone = [offline(p, store) for p in (LENDER, FINED, BRUG)]
    per_partner = dict(store.lookups)
    store.lookups.clear()
    replay = StoreReplay(store)
    batch = [offline(p, store, replay=replay) for p in (LENDER, FINED, BRUG)]
    assert [b.dossier for b in batch] == [a.dossier for a in alone]
    assert [b.problems for b in batch] == [a.problems for a in alone]
    for register in ("sna", "sncu", "abu", "nau"):  # bulk: read for the first partner only
        assert store.lookups[register] == per_partner[register] // 3, register
    for register in ("kvk", "inspectorate", "snf"):  # searches: read for every partner
        assert store.lookups[register] == per_partner[register], register


def test_a_batch_replay_parses_the_nbbu_sitemap_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sitemap lists every member: read like a bulk register, so its slugs are indexed once."""
    for partner in (LENDER, FINED, BRUG):
        online(partner, EvidenceStore(tmp_path / "evidence"))
    store = EvidenceStore(tmp_path / "evidence")
    alone = [offline(p, store) for p in (LENDER, FINED, BRUG)]
    calls = []
    real = members.fetch_nbbu_sitemap
    monkeypatch.setattr(members, "fetch_nbbu_sitemap", lambda client, **kw: calls.append(1) or real(client, **kw))
    replay = StoreReplay(store)
    batch = [offline(p, store, replay=replay) for p in (LENDER, FINED, BRUG)]
    assert len(calls) == 1
    assert [b.dossier.registers.nbbu for b in batch] == [a.dossier.registers.nbbu for a in alone]


def test_a_batch_replay_answers_a_search_never_made_without_asking_the_store(tmp_path: Path) -> None:
    online(FINED, EvidenceStore(tmp_path / "evidence"))
    store = CountingStore(tmp_path / "evidence")
    replay = StoreReplay(store)
    never = offline(LENDER, store, replay=replay)  # LENDER's searches were never stored
    assert never.dossier.registers.inspectorate is None and never.dossier.registers.snf is None
    assert any(p.startswith("inspectorate: not consulted: no stored snapshot") for p in never.problems)
    assert "inspectorate" not in store.lookups and "snf" not in store.lookups
    found = offline(FINED, store, replay=replay)  # FINED's were: read as before
    assert found.dossier == offline(FINED, EvidenceStore(tmp_path / "evidence")).dossier
    assert store.lookups["inspectorate"] >= 1


def test_a_batch_replay_repeats_a_bulk_failure_for_every_partner(store: EvidenceStore) -> None:
    online(FINED, store)
    online(LENDER, store)
    store.put("sncu", sncu.LIST_URL, 200, {}, b"<html><body>Onderhoud</body></html>", NOW + timedelta(hours=1))
    replay = StoreReplay(store)
    sections = [offline(p, store, replay=replay).dossier.registers.sncu for p in (FINED, LENDER)]
    assert [s.status for s in sections] == [ReadStatus.FAILED, ReadStatus.FAILED]
    assert sections[0] == sections[1]
    assert "LayoutChanged" in (sections[0].error or "")


def test_a_batch_replay_keeps_the_snapshots_it_started_with(store: EvidenceStore) -> None:
    """Every row of a run is judged on the same bulk evidence, even if a refresh stores newer."""
    online(FINED, store)
    replay = StoreReplay(store)
    first = offline(FINED, store, replay=replay).dossier.registers.sna
    store.put("sna", sna.EXPORT_URL, 503, {}, b"<h1>Service Unavailable</h1>", NOW + timedelta(hours=1))
    assert offline(FINED, store, replay=replay).dossier.registers.sna == first
    assert offline(FINED, store).dossier.registers.sna.status is ReadStatus.FAILED  # a new run sees it


# --- refresh and status ---------------------------------------------------------------------


def test_refresh_reads_the_bulk_registers(store: EvidenceStore) -> None:
    client = ms.FixtureClient(ROUTES, store, ms.ticking(ms.REFRESH_AT))
    reports = refresh(None, client=client, store=store, config=CONFIG, now=ms.REFRESH_AT)
    by_register = {r.register: (r.ok, r.records) for r in reports}
    assert by_register == {
        "sna": (True, 10), "sncu": (True, 4), "abu": (True, 7), "nbbu": (False, 2), "nau": (True, 9)
    }
    (nbbu,) = [r for r in reports if r.register == "nbbu"]
    assert nbbu.error is not None and nbbu.error.startswith("2 of 4 member pages could not be read")
    assert failures(store) == {"nbbu": 1}
    assert not any("inspectie" in url or "kvk.nl" in url or "flexwonen" in url for url in client.requested)


def test_refresh_reports_failures_and_refuses_search_registers(store: EvidenceStore) -> None:
    client = ms.FixtureClient(ROUTES, store, ms.ticking(ms.REFRESH_AT), fail={"abu": "HTTP 503 after 4 retries"})
    (abu,) = refresh(["abu"], client=client, store=store, config=CONFIG, now=ms.REFRESH_AT)
    assert (abu.ok, abu.records) == (False, None)
    assert abu.error is not None and abu.error.startswith("FetchError: HTTP 503 after 4 retries")
    assert failures(store) == {"abu": 1}
    (nau,) = refresh(["nau"], client=client, store=store, config=ScraperConfig(), now=ms.REFRESH_AT)
    assert not nau.ok and nau.error is not None and "disabled by configuration" in nau.error
    with pytest.raises(ValueError, match="not bulk registers"):
        refresh(["kvk"], client=client, store=store, config=CONFIG, now=ms.REFRESH_AT)


def test_status_gives_age_records_and_last_error(store: EvidenceStore) -> None:
    client = ms.FixtureClient(ROUTES, store, ms.ticking(ms.REFRESH_AT))
    refresh(None, client=client, store=store, config=CONFIG, now=ms.REFRESH_AT)
    rows = {row.register: row for row in status(store, ms.REFRESH_AT + timedelta(days=3, hours=1))}
    assert list(rows) == list(ADAPTERS)
    assert (rows["sna"].age_days, rows["sna"].records, rows["sna"].last_error) == (3, 10, None)
    assert (rows["abu"].records, rows["sncu"].records, rows["nau"].records) == (7, 4, 9)
    assert rows["kvk"].last_read_at is None and rows["kvk"].age_days is None
    assert rows["nbbu"].records is None  # its last reading was incomplete
    assert rows["nbbu"].last_error is not None and rows["nbbu"].last_error_at == ms.REFRESH_AT


# --- end to end: the rules never call a broken register eligible ----------------------------


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_pack()


def test_clean_lender_built_from_the_registers_is_eligible(store: EvidenceStore, pack: RulePack) -> None:
    dossier = online(LENDER, store, declarations=DECLARATIONS).dossier
    assert evaluate(dossier, pack, AS_OF).verdict is Verdict.ELIGIBLE


@pytest.mark.parametrize(
    ("register", "criterion"),
    [("kvk", "b3_c_kvk_registration"), ("sna", "art14_3_a_sna"), ("inspectorate", "b3_f_fines"), ("sncu", "b3_g_sncu")],
)
def test_a_failed_register_is_never_eligible(
    store: EvidenceStore, pack: RulePack, register: str, criterion: str
) -> None:
    dossier = online(LENDER, store, fail={register: "connection refused"}, declarations=DECLARATIONS).dossier
    decision = evaluate(dossier, pack, AS_OF)
    assert decision.verdict in (Verdict.NEEDS_REVIEW, Verdict.NOT_ELIGIBLE)
    (judged,) = [c for c in decision.criteria if c.id == criterion]
    assert (judged.outcome, judged.clause) == (Outcome.UNKNOWN, "register_failed")


def test_unconsulted_registers_are_never_eligible(store: EvidenceStore, pack: RulePack) -> None:
    dossier = build_dossier(
        LENDER.kvk_number, [Role.UITLENER], name=LENDER.name, offline=True, store=store, client=None,
        config=CONFIG, now=NOW, declarations=DECLARATIONS,
    ).dossier  # fmt: skip
    assert evaluate(dossier, pack, AS_OF).verdict is Verdict.NEEDS_REVIEW


def test_a_name_linked_verdict_goes_to_review(store: EvidenceStore, pack: RulePack) -> None:
    """FINED's SNCU verdict of 2024-03-12 is in the two-year window on 2025-12-01, linked by name only."""
    dossier = online(FINED, store, declarations=DECLARATIONS).dossier
    decision = evaluate(dossier, pack, date(2025, 12, 1))
    (sncu_decision,) = [c for c in decision.criteria if c.id == "b3_g_sncu"]
    assert (sncu_decision.outcome, sncu_decision.clause) == (Outcome.UNKNOWN, "linked_by_name")
    assert decision.verdict is not Verdict.ELIGIBLE


def test_a_fine_under_the_partners_name_with_another_kvk_number_goes_to_review(
    store: EvidenceStore, pack: RulePack
) -> None:
    """A takeover gives a new KvK number: a fine under the partner's name on another number may
    be an undeclared predecessor's. It is kept as a name candidate, so the fines rule asks for review."""
    from scrapers import inspectorate

    url = ms.url_of(inspectorate.SEARCH_URL, inspectorate.search_params(FINED.name, 1))
    page = json.loads(ROUTES[url].body)
    (own,) = [r for r in page["Results"] if r.get("KvkNummer") == FINED.kvk_number]
    own["KvkNummer"] = "87654321"
    own["Inspectiedatum"] = "2026-03-05T00:00:00"  # inside the two-year window on AS_OF
    routes = {**ROUTES, url: ms.Route("inspectorate", 200, json.dumps(page).encode(), "application/json")}
    result = online(FINED, store, routes=routes, declarations=DECLARATIONS)
    results = result.dossier.registers.inspectorate.results
    other = [r for r in results if r.inspection_id == str(own["Id"])]
    assert other and {(r.link.method, r.link.score, r.link.matched_name) for r in other} == {
        (LinkMethod.NAME, 100.0, FINED.name)
    }
    assert sorted({(r.inspection_id, r.link.method) for r in results}) == [
        ("46001", LinkMethod.KVK), (str(own["Id"]), LinkMethod.NAME)
    ]  # page 2's inspection still carries the partner's own number
    assert (
        f"inspectorate: inspection {own['Id']} of {FINED.name!r} carries KvK number 87654321, not the partner's: "
        "a predecessor or another company with this name; linked by name, for review"
    ) in result.problems
    decision = evaluate(result.dossier, pack, AS_OF)
    (fines,) = [c for c in decision.criteria if c.id == "b3_f_fines"]
    assert fines.outcome is Outcome.UNKNOWN  # dropped, it would pass as "no violations in the window"
    assert fines.clause in ("not_final", "linked_by_name")


# --- the Labour Inspectorate is searched by every name ----------------------------------------


def inspectorate_search(name: str, page: int = 1) -> str:
    from scrapers import inspectorate

    return ms.url_of(inspectorate.SEARCH_URL, inspectorate.search_params(name, page))


def inspectorate_page(*results: dict[str, Any]) -> ms.Route:
    body = {"SearchResultInfo": {"PageCount": 1, "TotalCount": len(results)}, "Results": list(results)}
    return ms.Route("inspectorate", 200, json.dumps(body).encode(), "application/json")


def trade_name_fine(partner: Any, trade_name: str, inspection_id: int = 49001) -> dict[str, Any]:
    """Page 1's final Wav fine, published under a trade name with the partner's KvK number, in the window."""
    result = json.loads(ms.fixture_file("inspectorate", "search_page_1.json").body)["Results"][0]
    return {**result, "Id": inspection_id, "Bedrijfsnaam": trade_name, "KvkNummer": partner.kvk_number,
            "Inspectiedatum": "2026-03-05T00:00:00", "Onherroepelijk": True}  # fmt: skip


def kvk_profile_with_trade_names(partner: Any, *names: str) -> dict[str, Any]:
    """Routes serving the partner's KvK profile with ``names`` added as trade names."""
    url = ms.url_of(KVK_URL + partner.kvk_number)
    route = ROUTES[url]
    profile = json.loads(route.body)
    profile["handelsnamen"] += [{"naam": n, "volgorde": 10 + i} for i, n in enumerate(names)]
    return {url: ms.Route("kvk", 200, json.dumps(profile).encode(), route.content_type)}


def inspectorate_requests(client: Any) -> list[str]:
    from scrapers import inspectorate

    return [url for url in client.requested if url.startswith(inspectorate.SEARCH_URL)]


def test_a_fine_published_under_a_trade_name_is_found_and_the_partner_is_not_eligible(
    store: EvidenceStore, pack: RulePack
) -> None:
    """LENDER is clean under its registered name; the inspectorate published a fine under its trade
    name "Fixture Flex". Searched by the registered name only, the fines criterion passed."""
    routes = {**ROUTES, inspectorate_search("Fixture Flex"): inspectorate_page(trade_name_fine(LENDER, "Fixture Flex"))}
    result = online(LENDER, store, routes=routes, declarations=DECLARATIONS)
    assert result.dossier.partner.trade_names == ["Fixture Flex"]
    results = result.dossier.registers.inspectorate.results
    assert {(r.inspection_id, r.company_name, r.link.method) for r in results} == {
        ("49001", "Fixture Flex", LinkMethod.KVK)
    }
    decision = evaluate(result.dossier, pack, AS_OF)
    (fines,) = [c for c in decision.criteria if c.id == "b3_f_fines"]
    assert fines.outcome is Outcome.FAIL  # a final Wav fine in the window
    assert decision.verdict is Verdict.NOT_ELIGIBLE


def test_an_inspection_found_by_two_names_counts_once(store: EvidenceStore) -> None:
    """FINED's trade name "Flexwerk" finds the same inspections as its registered name (demo routes)."""
    client = ms.FixtureClient(ROUTES, store, ms.ticking(NOW))
    result = build_dossier(
        FINED.kvk_number, list(FINED.roles), offline=False, store=store, client=client, config=CONFIG, now=NOW
    )
    assert inspectorate_requests(client) == [
        inspectorate_search(FINED.name, 1), inspectorate_search(FINED.name, 2),
        inspectorate_search("Flexwerk", 1), inspectorate_search("Flexwerk", 2),
    ]  # fmt: skip
    results = result.dossier.registers.inspectorate.results
    keys = [(r.inspection_id, r.law) for r in results]
    assert len(keys) == len(set(keys))
    assert sorted({r.inspection_id for r in results}) == ["46001", "48213"]
    assert result.dossier == online(FINED, EvidenceStore(store.root.parent / "other"), name=None).dossier


def test_names_differing_only_in_case_or_spacing_are_searched_once(store: EvidenceStore) -> None:
    routes = {**ROUTES, **kvk_profile_with_trade_names(LENDER, "FIXTURE  flex", " Fixture Flex ")}
    client = ms.FixtureClient(routes, store, ms.ticking(NOW))
    result = build_dossier(
        LENDER.kvk_number, list(LENDER.roles), offline=False, store=store, client=client, config=CONFIG, now=NOW
    )
    assert inspectorate_requests(client) == [inspectorate_search(LENDER.name), inspectorate_search("Fixture Flex")]
    assert snf_requests(client) == [snf_search(LENDER.name), snf_search("Fixture Flex")]
    assert result.dossier.registers.inspectorate.status is ReadStatus.READ


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("A B.V.", "a  b.v.", "A B.V. ", "Flex"), ("A B.V.", "Flex")),
        ((" Flex ", "FLEX", ""), ("Flex",)),
        ((), ()),
    ],
)
def test_search_names(names: tuple[str, ...], expected: tuple[str, ...]) -> None:
    from scrapers._pipeline import search_names

    assert search_names(names) == expected


def test_more_names_than_the_bound_fails_the_section_instead_of_a_partial_search(
    store: EvidenceStore, pack: RulePack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A note would not stop the fines criterion passing: the section fails and says why."""
    from scrapers import _pipeline

    monkeypatch.setattr(_pipeline, "SEARCH_MAX_NAMES", 1)
    client = ms.FixtureClient(ROUTES, store, ms.ticking(NOW))
    result = build_dossier(
        LENDER.kvk_number, list(LENDER.roles), offline=False, store=store, client=client, config=CONFIG, now=NOW,
        declarations=DECLARATIONS,
    )  # fmt: skip
    section = result.dossier.registers.inspectorate
    assert section.status is ReadStatus.FAILED and section.results == []
    assert section.error is not None
    assert section.error.startswith("ScrapingError: the partner has 2 distinct names, more than the 1 searched")
    assert inspectorate_requests(client) == []
    snf_section = result.dossier.registers.snf  # the bound is shared by every search by name
    assert snf_section.status is ReadStatus.FAILED and snf_section.organisation is None
    assert snf_section.error == (
        "ScrapingError: the partner has 2 distinct names, more than the 1 searched: an SNF registration under a name "
        f"left out would look like none; check the register by hand ({SNF_URL})"
    )
    assert snf_requests(client) == []
    assert failures(store) == {"inspectorate": 1, "snf": 1}
    decision = evaluate(result.dossier, pack, AS_OF)
    (fines,) = [c for c in decision.criteria if c.id == "b3_f_fines"]
    assert (fines.outcome, fines.clause) == (Outcome.UNKNOWN, "register_failed")
    monkeypatch.setattr(_pipeline, "SEARCH_MAX_NAMES", 2)  # at the bound: every name is searched
    registers = online(LENDER, store).dossier.registers
    assert (registers.inspectorate.status, registers.snf.status) == (ReadStatus.READ, ReadStatus.READ)


def test_offline_a_trade_name_search_never_stored_fails_the_section(tmp_path: Path, pack: RulePack) -> None:
    """A store written before searches by trade names holds the registered name's search only:
    "not stored" must not read as "no results", or the fines criterion would pass."""
    store = EvidenceStore(tmp_path / "old")
    never = inspectorate_search("Fixture Flex")
    for url, route in ROUTES.items():
        if url != never:
            store.put(route.register, url, route.status, {"Content-Type": route.content_type}, route.body, NOW)
    result = build_dossier(
        LENDER.kvk_number, list(LENDER.roles), offline=True, store=store, client=None, config=CONFIG,
        now=NOW + timedelta(days=1), declarations=DECLARATIONS,
    )  # fmt: skip
    section = result.dossier.registers.inspectorate
    assert section.status is ReadStatus.FAILED and section.results == []
    assert section.error == (
        "ScrapingError: the search by 'Fixture Flex' was never stored (searched by 1 of 2 names): a fine under "
        f"that name would look like no fine; run an online build ({never})"
    )
    assert section.provenance.url == never and section.provenance.retrieved_at == NOW
    assert failures(store) == {}  # replaying reads no register: nothing new to record
    decision = evaluate(result.dossier, pack, AS_OF)
    (fines,) = [c for c in decision.criteria if c.id == "b3_f_fines"]
    assert (fines.outcome, fines.clause) == (Outcome.UNKNOWN, "register_failed")
    assert decision.verdict is Verdict.NEEDS_REVIEW


def test_a_date_that_is_not_day_first_fails_the_inspectorate_section(store: EvidenceStore) -> None:
    """Month 13 in a slash date: the site may write month-first, so no date of it can be trusted."""
    page_two = json.loads(ms.fixture_file("inspectorate", "search_page_2.json").body)
    page_two["Results"][0]["Publicatiedatum"] = "02/13/2023"
    route = ms.Route("inspectorate", 200, json.dumps(page_two).encode(), "application/json")
    result = online(FINED, store, routes={**ROUTES, inspectorate_search(FINED.name, 2): route})
    section = result.dossier.registers.inspectorate
    assert section.status is ReadStatus.FAILED
    assert section.error is not None and section.error.startswith(
        "ValueError: Results[0].Inspectieresultaten[0].Publicatiedatum: date '02/13/2023' is not a valid day-month-year"
    )


# --- the inspectorate's search results never vanish unseen (negative evidence) ---------------

LENDER_BRANCH = "000037178598"
"""The branch number (vestigingsnummer) LENDER's KvK profile lists for its main branch."""


def lender_shutdown(name: str = "Fixture Uitzendbureau B.V.", **number: Any) -> dict[str, Any]:
    """A final Waadi shutdown in the window on AS_OF, published under ``name`` (83.3 against
    LENDER's "Fixture Uitzend B.V."), with ``number`` as its KvK field (``KvkNummer=...``) if given."""
    return {
        "Id": 51877, "Bedrijfsnaam": name, "BedrijfPlaats": "Rotterdam", "Inspectieplaats": "Westland",
        "Inspectiedatum": "2025-10-07T00:00:00", "Onherroepelijk": True, **number,
        "Inspectieresultaten": [{
            "Omschrijving": "Wet allocatie arbeidskrachten door intermediairs", "OmschrijvingKort": "Waadi",
            "Resultaat": "Overtreding vastgesteld", "Sanctie": "Stillegging van de werkzaamheden",
        }],
    }  # fmt: skip


def lender_with(record: dict[str, Any], store: EvidenceStore) -> BuildResult:
    """LENDER built online with ``record`` as the only result of the search by its registered name."""
    routes = {**ROUTES, inspectorate_search(LENDER.name): inspectorate_page(record)}
    return online(LENDER, store, routes=routes, declarations=DECLARATIONS)


def fines_decision(result: BuildResult, pack: RulePack) -> tuple[Verdict, Outcome, str | None]:
    """The verdict and the fines criterion (B3.f) on AS_OF, through the public API."""
    decision = eligibility.evaluate(result.dossier, pack, AS_OF)
    (fines,) = [c for c in decision.criteria if c.id == "b3_f_fines"]
    return decision.verdict, fines.outcome, fines.clause


def test_without_the_shutdown_lender_is_eligible_so_the_cases_below_test_the_link(
    store: EvidenceStore, pack: RulePack
) -> None:
    """The control: LENDER's fixture world is eligible; only the shutdown can change that below."""
    result = lender_with({**lender_shutdown(KvkNummer=LENDER.kvk_number), "Inspectiedatum": "2019-01-07T00:00:00",
                          "Beschikkingsdatum": "2019-03-01"}, store)  # fmt: skip
    assert fines_decision(result, pack) == (Verdict.ELIGIBLE, Outcome.PASS, "none_in_window")


@pytest.mark.parametrize("written", ["KvK 68750110", "68 75 01 10", "KvK-nummer: 68750110"])
def test_a_kvk_number_written_with_a_label_or_spaces_links_the_shutdown(
    store: EvidenceStore, pack: RulePack, written: str
) -> None:
    """"KvK 68750110" was not understood, went into notes nobody read, and the record (name score
    83.3) was dropped: a Waadi shutdown read as "no fines" and LENDER as eligible."""
    result = lender_with(lender_shutdown(KvkNummer=written), store)
    results = result.dossier.registers.inspectorate.results
    assert [(r.inspection_id, r.kind.value, r.link.method) for r in results] == [("51877", "shutdown", LinkMethod.KVK)]
    assert not [p for p in result.problems if "not understood" in p]
    assert fines_decision(result, pack) == (Verdict.NOT_ELIGIBLE, Outcome.FAIL, "shutdown")


def test_a_branch_number_the_kvk_profile_lists_links_like_the_partners_own_number(
    store: EvidenceStore, pack: RulePack
) -> None:
    result = lender_with(lender_shutdown(KvkNummer=LENDER_BRANCH), store)
    assert result.dossier.partner.branches == [LENDER_BRANCH]
    results = result.dossier.registers.inspectorate.results
    assert [(r.inspection_id, r.link.method, r.link.score) for r in results] == [("51877", LinkMethod.KVK, None)]
    assert (
        f"inspectorate: inspection 51877 of 'Fixture Uitzendbureau B.V.' carries branch number {LENDER_BRANCH}, "
        "which the partner's KvK profile lists: linked as the partner's own KvK number"
    ) in result.problems
    assert fines_decision(result, pack) == (Verdict.NOT_ELIGIBLE, Outcome.FAIL, "shutdown")


def test_a_branch_number_published_as_a_json_number_links_like_the_partners_own_number(
    store: EvidenceStore, pack: RulePack
) -> None:
    """37178598 as a JSON number is branch "000037178598" without its zeros: it was read as KvK
    number "37178598", "not the partner's", the record (name 83.3 < 85) was dropped and the Waadi
    shutdown read as "no fines": LENDER eligible. Built and judged end to end, offline too."""
    result = lender_with(lender_shutdown(KvkNummer=int(LENDER_BRANCH)), store)
    assert result.dossier.partner.branches == [LENDER_BRANCH]
    results = result.dossier.registers.inspectorate.results
    assert [(r.inspection_id, r.kind.value, r.link.method, r.link.score) for r in results] == [
        ("51877", "shutdown", LinkMethod.KVK, None)
    ]
    assert (
        f"inspectorate: inspection 51877 of 'Fixture Uitzendbureau B.V.' carries branch number {LENDER_BRANCH} "
        "(published as the number 37178598), which the partner's KvK profile lists: linked as the partner's own "
        "KvK number"
    ) in result.problems
    assert not [p for p in result.problems if "not the partner's" in p]
    assert fines_decision(result, pack) == (Verdict.NOT_ELIGIBLE, Outcome.FAIL, "shutdown")
    assert offline(LENDER, store).dossier.registers.inspectorate.results == results


@pytest.mark.parametrize(
    ("number", "written"), [("37178598", "KvK number 37178598"), (87654321, "KvK number 87654321")],
    ids=["eight-digit-text", "json-number-no-branch"],
)
def test_a_number_that_is_no_listed_branch_without_its_zeros_is_not_linked_by_kvk(
    store: EvidenceStore, number: object, written: str
) -> None:
    """Text "37178598" is an 8-digit KvK number as written (no zeros lost); a JSON number whose
    12-digit padding is no listed branch is another company's number: both stay as before."""
    result = lender_with(lender_shutdown(KvkNummer=number), store)
    assert result.dossier.registers.inspectorate.results == []
    assert [p for p in result.problems if "lists a violation" in p and f"it carries {written}" in p]


def test_a_branch_number_the_profile_does_not_list_is_a_name_candidate_for_review(
    store: EvidenceStore, pack: RulePack
) -> None:
    """LENDER's profile lists its main branch only: another branch may still be its own, so the
    record is not dropped; linked by name it is for an officer to confirm."""
    result = lender_with(lender_shutdown(KvkNummer="000099999999"), store)
    (linked,) = result.dossier.registers.inspectorate.results
    assert (linked.link.method, linked.link.score) == (LinkMethod.NAME, 83.3)
    assert (
        "inspectorate: inspection 51877 of 'Fixture Uitzendbureau B.V.' carries branch number 000099999999, "
        "not one the partner's KvK profile lists; linked by name, for review"
    ) in result.problems
    assert fines_decision(result, pack) == (Verdict.NEEDS_REVIEW, Outcome.UNKNOWN, "linked_by_name")


@pytest.mark.parametrize("number", [{}, {"KvkNummer": "onbekend"}], ids=["no number", "unreadable number"])
def test_a_near_name_without_a_usable_number_is_kept_for_review_not_dropped(
    store: EvidenceStore, pack: RulePack, number: dict[str, str]
) -> None:
    """83.3 is below NAME_THRESHOLD (85) but above NAME_REVIEW_THRESHOLD: before, the record
    vanished and the shutdown read as "no fines"."""
    result = lender_with(lender_shutdown(**number), store)
    (linked,) = result.dossier.registers.inspectorate.results
    assert (linked.inspection_id, linked.link.method, linked.link.score, linked.link.matched_name) == (
        "51877", LinkMethod.NAME, 83.3, "Fixture Uitzendbureau B.V."
    )
    unread = (
        "inspectorate: inspection 51877 of 'Fixture Uitzendbureau B.V.': Results[0].KvkNummer: value 'onbekend' not "
        "understood as kvk_number; ignored"
    )
    assert (unread in result.problems) is bool(number)  # the parser's notes reach the officer
    assert fines_decision(result, pack) == (Verdict.NEEDS_REVIEW, Outcome.UNKNOWN, "linked_by_name")


@pytest.mark.parametrize(
    ("name", "number", "why"),
    [
        ("Schoonmaak Proef V.O.F.", {}, "its name scores 25.8 (below 70)"),
        (
            "Fixture Uitzendbureau B.V.", {"KvkNummer": "87654321"},
            "it carries KvK number 87654321, not the partner's, and its name scores 83.3 (below 85)",
        ),
    ],
)
def test_a_violation_that_is_not_linked_is_named_as_a_problem(
    store: EvidenceStore, name: str, number: dict[str, str], why: str
) -> None:
    result = lender_with(lender_shutdown(name, **number), store)
    assert result.dossier.registers.inspectorate.results == []
    assert (
        f"inspectorate: inspection 51877 of {name!r} (Rotterdam) lists a violation and was returned by the search, "
        f"but is not linked: {why}; check by hand whether it is the partner's"
    ) in result.problems


# --- SNF is searched by every name too ------------------------------------------------------

SNF_URL = "https://www.normeringflexwonen.nl/register"
HOUSING_LENDER = ms.DemoPartner(LENDER.kvk_number, LENDER.name, LENDER.place, (Role.UITLENER, Role.HUISVESTER))
"""LENDER offering housing too: its KvK profile names the trade name "Fixture Flex"."""


def snf_search(name: str, page: int = 1) -> str:
    from scrapers import snf

    return ms.url_of(snf.REGISTER_URL, {"q": name, "pagina": str(page), "limiet": str(snf.PAGE_SIZE), "volgorde": ""})


def snf_page(*rows: tuple[str, str, str, str]) -> ms.Route:
    """A result page listing ``rows`` (name, place, status, KvK number), each with a detail link."""
    cells = "".join(
        f'<tr><td><a href="/register/{name.lower().replace(" ", "-")}">{name}</a></td><td>{place}</td>'
        f"<td>{status}</td><td>{kvk_number}</td></tr>"
        for name, place, status, kvk_number in rows
    )
    body = (
        "<html><body><main><table><tr><th>Naam</th><th>Plaats</th><th>Status</th><th>KvK-nummer</th></tr>"
        f"{cells}</table></main></body></html>"
    )
    return ms.Route("snf", 200, body.encode(), "text/html; charset=utf-8")


def snf_requests(client: Any) -> list[str]:
    return [url for url in client.requested if url.startswith(SNF_URL)]


FLEX_ROW = ("Fixture Flex", "Rotterdam", "Gecertificeerd", LENDER.kvk_number)


def test_an_snf_registration_under_a_trade_name_is_found(store: EvidenceStore) -> None:
    """LENDER is certified under its trade name only: searched by its registered name only, SNF
    read "not registered" (a housing provider refused or sent to review for nothing)."""
    routes = {**ROUTES, snf_search("Fixture Flex"): snf_page(FLEX_ROW)}
    client = ms.FixtureClient(routes, store, ms.ticking(NOW))
    result = build_dossier(
        LENDER.kvk_number, list(HOUSING_LENDER.roles), offline=False, store=store, client=client, config=CONFIG,
        now=NOW, declarations=DECLARATIONS,
    )  # fmt: skip
    assert snf_requests(client) == [snf_search(LENDER.name), snf_search("Fixture Flex")]
    section = result.dossier.registers.snf
    assert section.status is ReadStatus.READ and section.organisation is not None
    organisation = section.organisation
    assert (organisation.name, organisation.kvk_number, organisation.status, organisation.link.method) == (
        "Fixture Flex", LENDER.kvk_number, "gecertificeerd", LinkMethod.KVK
    )
    assert (
        "snf: searched by 2 names ('Fixture Uitzend B.V.', 'Fixture Flex'); a registration found by several counts once"
    ) in result.problems
    offline_result = offline(HOUSING_LENDER, store)  # the same from the stored searches
    assert offline_result.dossier.registers.snf == section


def test_an_snf_registration_found_by_two_names_counts_once(store: EvidenceStore) -> None:
    """Both searches list the same row: one registration, no "also matched" note about itself."""
    routes = {**ROUTES, snf_search(LENDER.name): snf_page(FLEX_ROW), snf_search("Fixture Flex"): snf_page(FLEX_ROW)}
    result = online(HOUSING_LENDER, store, routes=routes)
    organisation = result.dossier.registers.snf.organisation
    assert organisation is not None and organisation.name == "Fixture Flex"
    assert [p for p in result.problems if p.startswith("snf: ")] == [
        "snf: searched by 2 names ('Fixture Uitzend B.V.', 'Fixture Flex'); a registration found by several counts once"
    ]  # and no "also matched" about the same row


def test_snf_rows_that_differ_are_both_kept_and_the_choice_is_noted(store: EvidenceStore) -> None:
    """Another status under the same name and number is no repeat: never dropped without a word."""
    suspended = (*FLEX_ROW[:2], "Opgeschort", FLEX_ROW[3])
    routes = {**ROUTES, snf_search(LENDER.name): snf_page(FLEX_ROW), snf_search("Fixture Flex"): snf_page(suspended)}
    result = online(HOUSING_LENDER, store, routes=routes)
    assert result.dossier.registers.snf.organisation is not None
    assert "snf: also matched 'Fixture Flex' (kvk, score 100); only the best match is in the dossier" in result.problems


SNF_HOUSING = [
    HousingLocation.model_validate(location)
    for location in json.loads((ROOT / "fixtures" / "dossiers" / "housing-provider.json").read_text(encoding="utf-8"))[
        "housing"
    ]
]
"""Two locations with SNF marks: the SNF register's entry for the partner then decides art. 14.3b."""
_HOUSING_DECLARATIONS = DECLARATIONS.model_dump(mode="json")
_HOUSING_DECLARATIONS["fines"]["housing_municipalities"] = sorted({location.municipality for location in SNF_HOUSING})
HOUSING_DECLARATIONS = Declarations.model_validate(_HOUSING_DECLARATIONS)
"""LENDER's declarations, naming the municipalities of its locations (B3.f, Wgv)."""
REMOVED_ROW = (LENDER.name, "Rotterdam", "Doorgehaald", LENDER.kvk_number)
CERTIFIED_SAME_NAME_ROW = (LENDER.name, "Rotterdam", "Gecertificeerd", LENDER.kvk_number)


def housing_lender_with_snf(store: EvidenceStore, *rows: tuple[str, str, str, str]) -> BuildResult:
    """HOUSING_LENDER with SNF-marked locations, the search by its registered name listing ``rows``."""
    routes = {**ROUTES, snf_search(LENDER.name): snf_page(*rows)}
    return online(HOUSING_LENDER, store, routes=routes, declarations=HOUSING_DECLARATIONS, housing=SNF_HOUSING)


def housing_marks(result: BuildResult, pack: RulePack) -> tuple[Verdict, Outcome, str | None]:
    """The verdict and the housing marks criterion (art. 14.3b) on AS_OF, through the public API."""
    decision = eligibility.evaluate(result.dossier, pack, AS_OF)
    (marks,) = [c for c in decision.criteria if c.id == "art14_3_b_housing_marks"]
    return decision.verdict, marks.outcome, marks.clause


def test_a_certified_snf_registration_alone_is_eligible(store: EvidenceStore, pack: RulePack) -> None:
    """The control for the conflicts below: only the removed row can make them fail."""
    result = housing_lender_with_snf(store, FLEX_ROW)
    assert housing_marks(result, pack) == (Verdict.ELIGIBLE, Outcome.PASS, "all_locations_certified")


@pytest.mark.parametrize("certified", [FLEX_ROW, CERTIFIED_SAME_NAME_ROW], ids=["trade name", "same name"])
@pytest.mark.parametrize("removed_first", [True, False], ids=["removed first", "certified first"])
def test_snf_rows_of_one_kvk_number_with_conflicting_statuses_keep_the_least_favourable_in_either_order(
    store: EvidenceStore, pack: RulePack, certified: tuple[str, str, str, str], removed_first: bool
) -> None:
    """SNF lists the partner's number twice, removed and certified. Picked by name and page order,
    the verdict was eligible one way round and not eligible the other."""
    rows = (REMOVED_ROW, certified) if removed_first else (certified, REMOVED_ROW)
    result = housing_lender_with_snf(store, *rows)
    organisation = result.dossier.registers.snf.organisation
    assert organisation is not None
    assert (organisation.name, organisation.kvk_number, organisation.status, organisation.link.method) == (
        LENDER.name, LENDER.kvk_number, "doorgehaald", LinkMethod.KVK
    )
    assert (
        f"snf: KvK number {LENDER.kvk_number} is listed with different statuses (doorgehaald, gecertificeerd); the "
        f"least favourable, doorgehaald ({LENDER.name!r}), is in the dossier"
    ) in result.problems
    assert f"snf: also matched {certified[0]!r} (kvk, score 100); only the best match is in the dossier" in (
        result.problems
    )
    assert housing_marks(result, pack) == (Verdict.NOT_ELIGIBLE, Outcome.FAIL, "snf_registration_not_valid")


REMOVED_BY_NAME_ROW = (LENDER.name, "Eindhoven", "Doorgehaald", "")
"""A row without a KvK number under the partner's name, in another place (score 90): perhaps a location
or an earlier entity of the partner's whose registration was removed."""


def test_a_removed_snf_row_linked_by_name_beside_a_certified_kvk_row_goes_to_review(
    store: EvidenceStore, pack: RulePack
) -> None:
    """The KvK-linked certified row is kept; the removed row linked by name only was a note the rules
    never saw, and the partner was eligible on art. 14.3b (pack 1.8.0). It is no confirmed identity
    either, so review, not a fail."""
    result = housing_lender_with_snf(store, FLEX_ROW, REMOVED_BY_NAME_ROW)
    assert housing_marks(result, pack) == (
        Verdict.NEEDS_REVIEW, Outcome.UNKNOWN, "snf_registration_not_certified_linked_by_name"
    )
    section = result.dossier.registers.snf
    assert section.organisation is not None
    assert (section.organisation.name, section.organisation.status, section.organisation.link.method) == (
        "Fixture Flex", "gecertificeerd", LinkMethod.KVK
    )
    (other,) = section.name_linked_not_certified
    assert (other.name, other.kvk_number, other.status, other.link.method, other.link.score) == (
        LENDER.name, None, "doorgehaald", LinkMethod.NAME, 90.0
    )
    assert f"snf: also matched {LENDER.name!r} (name, score 90); only the best match is in the dossier" in (
        result.problems
    )
    decision = eligibility.evaluate(result.dossier, pack, AS_OF)
    (marks,) = [c for c in decision.criteria if c.id == "art14_3_b_housing_marks"]
    assert any(LENDER.name in r["en"] and "doorgehaald" in r["en"] and "by name only" in r["en"] for r in marks.reasons)
    assert offline(HOUSING_LENDER, store).dossier.registers.snf == section  # the same from the stored searches


def test_a_certified_snf_row_linked_by_name_keeps_a_worse_name_linked_row_too(
    store: EvidenceStore, pack: RulePack
) -> None:
    """The best row is certified but linked by name; another name-linked row is removed. Both go to
    review, and the removed one is in the dossier, not only in a note."""
    certified_by_name = (LENDER.name, "Rotterdam", "Gecertificeerd", "")
    result = housing_lender_with_snf(store, REMOVED_BY_NAME_ROW, certified_by_name)
    section = result.dossier.registers.snf
    assert section.organisation is not None and section.organisation.status == "gecertificeerd"
    assert [(o.name, o.status) for o in section.name_linked_not_certified] == [(LENDER.name, "doorgehaald")]
    decision = eligibility.evaluate(result.dossier, pack, AS_OF)
    (marks,) = [c for c in decision.criteria if c.id == "art14_3_b_housing_marks"]
    assert decision.verdict is Verdict.NEEDS_REVIEW and marks.outcome is Outcome.UNKNOWN
    assert {"snf_registration_not_certified_linked_by_name", "snf_registration_not_shown"} <= set(marks.matched_clauses)


def test_a_certified_snf_row_linked_by_name_beside_a_certified_kvk_row_changes_nothing(
    store: EvidenceStore, pack: RulePack
) -> None:
    """A name-linked row the register shows certified says nothing against the partner: not in the
    dossier's list, and its bytes are those of a dossier from before the list existed."""
    result = housing_lender_with_snf(store, FLEX_ROW, (LENDER.name, "Eindhoven", "Gecertificeerd", ""))
    section = result.dossier.registers.snf
    assert section.name_linked_not_certified == []
    assert b"name_linked_not_certified" not in result.dossier.canonical_json
    assert housing_marks(result, pack) == (Verdict.ELIGIBLE, Outcome.PASS, "all_locations_certified")


def test_a_removed_snf_row_of_the_partners_name_under_another_kvk_number_is_noted(
    store: EvidenceStore, pack: RulePack
) -> None:
    """Such a row is never linked (another number is another company), and nothing said it was there: it may be
    a predecessor the officer did not give. A certified one, or one of another name, says nothing."""
    other_number = (LENDER.name, "Eindhoven", "Doorgehaald", "12345678")
    namesake_certified = (LENDER.name, "Venlo", "Gecertificeerd", "23456789")
    result = housing_lender_with_snf(store, FLEX_ROW, other_number, namesake_certified)
    assert [p for p in result.problems if "has the partner's name" in p] == [
        f"snf: {LENDER.name!r} (doorgehaald) has the partner's name (score 90) but KvK number 12345678: another "
        "company, or a predecessor; not linked (give it with --predecessor to have it judged)"]
    assert result.dossier.registers.snf.name_linked_not_certified == []
    assert housing_marks(result, pack) == (Verdict.ELIGIBLE, Outcome.PASS, "all_locations_certified")


def test_snf_dedupe_keeps_the_first_of_equal_rows_in_order() -> None:
    from scrapers.snf import SnfRecord, dedupe

    a = SnfRecord("A B.V.", "Venlo", "gecertificeerd", "01085927", "https://www.normeringflexwonen.nl/register/a")
    b = SnfRecord("B", None, None, None, None)
    a_other_status = SnfRecord("A B.V.", "Venlo", "opgeschort", "01085927", a.detail_url)
    assert dedupe([a, b, a, a_other_status, b]) == [a, b, a_other_status]


def test_offline_an_snf_trade_name_search_never_stored_fails_the_section(tmp_path: Path) -> None:
    """A store written before SNF was searched by trade names holds the registered name's search
    only: "not stored" must not read as "not registered"."""
    store = EvidenceStore(tmp_path / "old")
    never = snf_search("Fixture Flex")
    for url, route in ROUTES.items():
        if url != never:
            store.put(route.register, url, route.status, {"Content-Type": route.content_type}, route.body, NOW)
    result = offline(HOUSING_LENDER, store)
    section = result.dossier.registers.snf
    assert section.status is ReadStatus.FAILED and section.organisation is None
    assert section.error == (
        "ScrapingError: the search by 'Fixture Flex' was never stored (searched by 1 of 2 names): an SNF registration "
        f"under that name would look like none; run an online build ({never})"
    )
    assert section.provenance.url == never and section.provenance.retrieved_at == NOW
    assert failures(store) == {}  # replaying reads no register: nothing new to record


def test_an_undeterminable_nau_status_fails_the_section(store: EvidenceStore) -> None:
    """Toegelaten (dated) and Ingetrokken (no date) for one number: never pick one silently."""
    number = "70209458"
    routes = {**ROUTES, **kvk_not_found(number), ms.url_of(NAU_REGISTER_URL): ms.fixture_file(
        "nau", "register-null-date-history.json")}
    result = online(BRUG, store, routes=routes, kvk_number=number)
    section = result.dossier.registers.nau
    assert section.status is ReadStatus.FAILED and section.registration is None
    assert section.error is not None
    assert section.error.startswith("ScrapingError: latest NAU status of KvK 70209458 cannot be determined")
    assert failures(store) == {"nau": 1}
    assert result.dossier.registers.sna.status is ReadStatus.READ


FLEXWERK_VERDICT = ms.url_of(f"{sncu.LIST_URL}vonnis-sncu-vs-flexwerk-voorbeeld-bv-2024/")


def sncu_detail(body: bytes) -> dict[str, Any]:
    """Routes serving ``body`` as FINED's verdict page (the list links it)."""
    return {FLEXWERK_VERDICT: ms.Route("sncu", 200, body, "text/html; charset=utf-8")}


def _page(title: str, *paragraphs: str) -> bytes:
    text = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><body><main><article><h1>{title}</h1>{text}</article></main></body></html>".encode()


@pytest.mark.parametrize("separator", [b" / ", b" v ", b" contra "])
def test_a_verdict_with_an_unusual_title_is_linked_by_its_party(store: EvidenceStore, separator: bytes) -> None:
    """"Vonnis SNCU / X", "SNCU v X", "SNCU contra X": X is a party, linked by name for review."""
    body = ms.fixture_file("sncu", "detail_slash_title.html").body.replace(b" / ", separator)
    routes = {**ROUTES, **sncu_detail(body)}
    (verdict,) = online(FINED, store, routes=routes).dossier.registers.sncu.verdicts
    assert (verdict.link.method, verdict.link.score, verdict.link.matched_name) == (
        LinkMethod.NAME, 100.0, "Flexwerk Voorbeeld B.V."
    )


@pytest.mark.parametrize(
    ("body", "matched"),
    [
        (_page("Uitspraak kantonrechter Venlo inzake Flexwerk Voorbeeld B.V.", "Datum uitspraak: 12 mrt 2024"),
         "Flexwerk Voorbeeld B.V."),
        (_page("Uitspraak kantonrechter Venlo", "Datum uitspraak: 12 mrt 2024"), "flexwerk voorbeeld bv"),
    ],
    ids=["name-in-title", "name-in-slug-only"],
)
def test_a_verdict_naming_no_party_is_name_linked_by_its_title_or_slug(
    store: EvidenceStore, pack: RulePack, body: bytes, matched: str
) -> None:
    """No separator, no "Partijen:" label: the verdict must not vanish as "not listed"."""
    result = online(FINED, store, routes={**ROUTES, **sncu_detail(body)}, declarations=DECLARATIONS)
    (verdict,) = result.dossier.registers.sncu.verdicts
    assert verdict.parties == [] and verdict.url == FLEXWERK_VERDICT
    assert (verdict.link.method, verdict.link.score, verdict.link.matched_name) == (LinkMethod.NAME, 100.0, matched)
    assert any(p.startswith(f"sncu: verdict {FLEXWERK_VERDICT} names no party") for p in result.problems)
    decision = evaluate(result.dossier, pack, date(2025, 12, 1))
    (judged,) = [c for c in decision.criteria if c.id == "b3_g_sncu"]
    assert (judged.outcome, judged.clause) == (Outcome.UNKNOWN, "linked_by_name")


def test_a_verdict_naming_no_party_is_not_linked_to_another_partner(store: EvidenceStore) -> None:
    body = _page("Uitspraak kantonrechter Venlo inzake Flexwerk Voorbeeld B.V.", "Datum uitspraak: 12 mrt 2024")
    assert online(LENDER, store, routes={**ROUTES, **sncu_detail(body)}).dossier.registers.sncu.verdicts == []


def test_an_unlabelled_verdict_date_is_the_latest_and_is_noted(store: EvidenceStore, pack: RulePack) -> None:
    """"controlerapport van 14 juli 2020 ... vonnis van 2 februari 2026": in the window on 2026-11-23."""
    routes = {**ROUTES, **sncu_detail(ms.fixture_file("sncu", "detail_unlabelled_dates.html").body)}
    result = online(FINED, store, routes=routes, declarations=DECLARATIONS)
    (verdict,) = result.dossier.registers.sncu.verdicts
    assert verdict.verdict_date == date(2026, 2, 2)
    assert (
        f"sncu: verdict {FLEXWERK_VERDICT}: no labelled verdict date; the latest date in the article "
        "('2 februari 2026') was taken"
    ) in result.problems
    decision = evaluate(result.dossier, pack, AS_OF)
    (judged,) = [c for c in decision.criteria if c.id == "b3_g_sncu"]
    assert judged.outcome is Outcome.UNKNOWN


def test_a_skipped_impossible_date_of_an_unlabelled_verdict_is_named_in_the_note(store: EvidenceStore) -> None:
    """It may have been the verdict date: the officer reviewing the unlabelled verdict must see it."""
    body = _page("Vonnis SNCU vs. Flexwerk Voorbeeld B.V.", "Controlerapport van 14 juli 2020. Vonnis van 30-02-2026.")
    result = online(FINED, store, routes={**ROUTES, **sncu_detail(body)}, declarations=DECLARATIONS)
    assert (
        f"sncu: verdict {FLEXWERK_VERDICT}: no labelled verdict date; the latest date in the article "
        "('14 juli 2020') was taken; dates that do not exist were skipped: '30-02-2026'"
    ) in result.problems


def test_an_impossible_verdict_date_fails_the_sncu_section(store: EvidenceStore, pack: RulePack) -> None:
    """"Datum uitspraak: 31-02-2026" was skipped and the next label's 2020 taken as the verdict
    date: out of the two-year window, the SNCU criterion passed. Now the section fails, naming it."""
    body = _page("Vonnis SNCU vs. Flexwerk Voorbeeld B.V.", "Datum uitspraak: 31-02-2026", "Datum: 14-07-2020")
    result = online(FINED, store, routes={**ROUTES, **sncu_detail(body)}, declarations=DECLARATIONS)
    section = result.dossier.registers.sncu
    assert section.status is ReadStatus.FAILED and section.verdicts == []
    assert section.error is not None
    assert section.error.startswith("ValueError: date '31-02-2026' does not exist")
    assert section.provenance.url == FLEXWERK_VERDICT and section.provenance.parser_version == "sncu/5"
    decision = evaluate(result.dossier, pack, AS_OF)
    (judged,) = [c for c in decision.criteria if c.id == "b3_g_sncu"]
    assert (judged.outcome, judged.clause) == (Outcome.UNKNOWN, "register_failed")


# --- the committed demo store ---------------------------------------------------------------


def _fetch_index(store: EvidenceStore) -> list[tuple[object, ...]]:
    return [
        (r.register, r.url, r.retrieved_at, r.status, r.sha256, r.size, tuple(sorted(r.headers.items())))
        for register in sorted(ADAPTERS)
        for r in store.history(register)
    ]


def test_demo_store_is_what_make_store_writes(tmp_path: Path) -> None:
    committed = tmp_path / "committed"
    shutil.copytree(DEMO / "evidence", committed)  # opening a store may write: never in the repo
    fresh = ms.make_store(tmp_path / "fresh")
    assert _fetch_index(EvidenceStore(committed)) == _fetch_index(fresh)
    blobs = sorted(p.name for p in (committed / "snapshots").rglob("*") if p.is_file())
    assert blobs == sorted(p.name for p in (tmp_path / "fresh" / "snapshots").rglob("*") if p.is_file())


def test_demo_store_builds_every_demo_partner_offline(tmp_path: Path) -> None:
    shutil.copytree(DEMO / "evidence", tmp_path / "demo")
    store = EvidenceStore(tmp_path / "demo")
    for partner in ms.PARTNERS:
        result = offline(partner, store)
        problems = [p for p in result.problems if not p.startswith(("inspectorate: searched by 2", "snf: searched by 2"))]
        # The demo NAU register (our own format) lists statuses of 2027, read in 2026: a reading cannot show a
        # later status, so each is noted (the rule pack sends a status dated after its reading to review).
        later = [p for p in problems if p.startswith(f"nau: KvK {partner.kvk_number}: the register read on 2026-")]
        assert all("after the reading (a reading cannot show a later status: sent to review)" in p for p in later)
        assert [p for p in problems if p not in later] == ([UNLINKED_SCHOONMAAK] if partner is FINED else [])
        registers = result.dossier.registers
        if registers.nau.registration is not None and registers.nau.registration.since is not None:
            assert len(later) == 1 and registers.nau.registration.since.isoformat() in later[0]
        assert {name: getattr(registers, name).status for name in ADAPTERS} == dict.fromkeys(ADAPTERS, ReadStatus.READ)
        assert registers.kvk.provenance.retrieved_at >= ms.BUILD_AT


def test_the_url_of_a_failed_read_is_the_url_asked_for_even_when_the_client_says_none() -> None:
    """``_Reading.last_url`` is built only when read; it must still be the URL of the last request,
    as it was asked (params copied, so a caller reusing its dict cannot change it)."""
    from eligibility._errors import ScrapingError
    from scrapers._http import _full_url
    from scrapers._pipeline import _Reading

    class Failing:
        def get(self, url: str, **kwargs: Any) -> Any:
            raise ScrapingError("no url in this error", "")

    reading = _Reading(Failing())  # type: ignore[arg-type]
    assert reading.last_url is None
    params = {"q": "Jansen & Zn", "pagina": "1"}
    with pytest.raises(ScrapingError):
        reading.get("https://www.normeringflexwonen.nl/register", register="snf", params=params)
    params["pagina"] = "2"
    assert reading.last_url == _full_url("https://www.normeringflexwonen.nl/register", {"q": "Jansen & Zn", "pagina": "1"})
    assert reading.last_url == "https://www.normeringflexwonen.nl/register?q=Jansen+%26+Zn&pagina=1"
    reading.last_url = "https://example.org/set"
    assert reading.last_url == "https://example.org/set"


# --- a redirected fetch, replayed -----------------------------------------------------------


def _polite_client(tmp_path: Path, store: EvidenceStore, clock: Any) -> Any:
    from scrapers._http import PoliteClient, build_session

    config = ScraperConfig(min_interval_s=0, retries=0, obey_robots=False, cache_path=tmp_path / "cache.sqlite")
    return PoliteClient(config, store=store, session=build_session(config, cache=False, rate_limit=False), clock=clock)


def test_offline_a_redirected_search_is_found_under_the_url_asked_for(tmp_path: Path) -> None:
    """SNF answers the search with a redirect (here to ``/register/``). Online the body was stored
    under the final URL only: offline, the search asked for was "never stored" and the section was
    left out. The hop is kept, replay follows it, and the provenance names the final URL."""
    import responses

    from scrapers import snf

    store = EvidenceStore(tmp_path / "evidence")
    asked = snf_search(BRUG.name)
    final = asked.replace("/register?", "/register/?")
    page_two = snf_search(BRUG.name, 2)
    with responses.RequestsMock() as mocked:
        mocked.add(responses.GET, asked, status=301, headers={"Location": final.removeprefix("https://www.normeringflexwonen.nl")})
        mocked.add(responses.GET, final, body=ROUTES[asked].body, content_type="text/html")
        mocked.add(responses.GET, page_two, body=ROUTES[page_two].body, content_type="text/html")
        with _polite_client(tmp_path, store, ms.ticking(NOW)) as client:
            live_snapshots, live = snf.search(client, BRUG.name)
    assert live_snapshots[0].url == final
    assert [(r.url, r.status) for r in store.history("snf")] == [(asked, 301), (final, 200), (page_two, 200)]
    assert store.latest("snf", asked) is not None and store.latest("snf", asked).headers["location"] == (  # type: ignore[union-attr]
        "/register/?" + final.split("?", 1)[1]
    )

    replayed_snapshots, replayed = snf.search(StoreReplay(store), BRUG.name)
    assert replayed == live and len(replayed) == 28
    assert [s.url for s in replayed_snapshots] == [final, page_two]  # the final URL, as online
    assert replayed_snapshots[0].sha256 == live_snapshots[0].sha256
    assert replayed_snapshots[0].retrieved_at == NOW + timedelta(seconds=1)  # the body's time, not the hop's


def test_offline_a_stored_redirect_is_followed_through_every_hop_to_the_final_body(tmp_path: Path) -> None:
    from scrapers._http import MAX_REDIRECTS

    store = EvidenceStore(tmp_path / "evidence")
    hops = [f"https://register.example/{n}" for n in range(MAX_REDIRECTS + 1)]
    for here, there in zip(hops, hops[1:], strict=False):
        store.put("snf", here, 302, {"Location": there}, b"", NOW)
    store.put("snf", hops[-1], 200, {"Content-Type": "text/html"}, b"final", NOW + timedelta(seconds=1))
    snapshot = StoreReplay(store).get(hops[0], register="snf")
    assert (snapshot.url, snapshot.body, snapshot.retrieved_at) == (hops[-1], b"final", NOW + timedelta(seconds=1))


def test_offline_a_stored_redirect_loop_fails_as_it_did_online(tmp_path: Path) -> None:
    from eligibility._errors import FetchError

    store = EvidenceStore(tmp_path / "evidence")
    store.put("snf", "https://register.example/a", 302, {"Location": "/b"}, b"", NOW)
    store.put("snf", "https://register.example/b", 302, {"Location": "/a"}, b"", NOW)
    with pytest.raises(FetchError, match="more than 5 redirects"):
        StoreReplay(store).get("https://register.example/a", register="snf")


def test_offline_a_redirect_whose_target_was_never_stored_is_not_stored(tmp_path: Path) -> None:
    from scrapers._pipeline import _NotStored

    store = EvidenceStore(tmp_path / "evidence")
    store.put("snf", "https://register.example/a", 301, {"Location": "https://register.example/b"}, b"", NOW)
    with pytest.raises(_NotStored) as caught:
        StoreReplay(store).get("https://register.example/a", register="snf")
    assert caught.value.url == "https://register.example/b"


# --- KvK dates known only in part ("unknown parts are zeros", REGISTERS.md) ---------------------


@pytest.mark.parametrize(
    ("datum_einde", "outcome", "clause"),
    [
        ("20260600", Outcome.FAIL, "deregistered_date_partly_known"),  # ended by 2026-06-30
        ("20261100", Outcome.UNKNOWN, "end_date_partly_known"),  # may end after AS_OF, 23 November
        ("20270000", Outcome.PASS, "active_until_end_date"),  # surely after AS_OF: the reason says when
        (None, Outcome.PASS, "active"),
    ],
)
def test_a_partly_known_end_date_reaches_the_rule_instead_of_failing_the_register(
    store: EvidenceStore, pack: RulePack, datum_einde: str | None, outcome: Outcome, clause: str
) -> None:
    """The KvK section used to fail on a partly known datumEinde, so the partner was only ever
    *needs review*; a deregistration known to the month is a fail, as a full date is."""
    url = ms.url_of(KVK_URL + LENDER.kvk_number)
    profile = json.loads(ROUTES[url].body)
    if datum_einde is not None:
        profile.setdefault("materieleRegistratie", {})["datumEinde"] = datum_einde
    routes = {**ROUTES, url: ms.Route("kvk", 200, json.dumps(profile).encode(), ROUTES[url].content_type)}
    result = online(LENDER, store, routes=routes, declarations=DECLARATIONS)
    assert result.dossier.registers.kvk is not None and result.dossier.registers.kvk.status is ReadStatus.READ
    assert result.dossier.registers.kvk.registration is not None
    assert result.dossier.registers.kvk.registration.ended_on_raw == datum_einde
    (kvk_criterion,) = [c for c in evaluate(result.dossier, pack, AS_OF).criteria if c.id == "b3_c_kvk_registration"]
    assert (kvk_criterion.outcome, kvk_criterion.clause) == (outcome, clause)
    if clause == "active_until_end_date":
        assert "op zijn vroegst op 2027-01-01" in kvk_criterion.reasons[0]["nl"]
        assert "on 2027-01-01 at the earliest" in kvk_criterion.reasons[0]["en"]


def test_a_bulk_reading_shares_one_provenance_and_nothing_else_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch's bulk registers serve every partner the same snapshot objects: their provenance is made once and
    shared (frozen), with the oldest time and read_until. A reading not served by ``read_bulk`` (a search, any
    live read) is computed afresh and not remembered: its snapshots are new for each partner, and keeping them
    would keep their bodies alive."""
    from scrapers import _pipeline
    from scrapers._pipeline import _Reading
    from scrapers._store import Snapshot

    monkeypatch.setattr(_pipeline, "_PROVENANCES", {})

    def snapshot(hour: int) -> Snapshot:
        return Snapshot("ab" * 32, "https://example.org/list", datetime(2026, 11, 20, hour, tzinfo=UTC), 200, {}, "abu", b"")

    first, later = snapshot(6), snapshot(7)
    bulk = _Reading(client=None, snapshots=[first, later], shared=True)  # type: ignore[arg-type]
    shared = bulk.provenance("members/2")
    assert bulk.provenance("members/2") is shared
    assert (shared.retrieved_at, shared.read_until) == (first.retrieved_at, later.retrieved_at)
    assert bulk.provenance("members/3").parser_version == "members/3"
    search = _Reading(client=None, snapshots=[snapshot(6)])  # type: ignore[arg-type]
    alone = search.provenance("members/2")
    assert alone.read_until is None and alone.retrieved_at == first.retrieved_at
    assert search.provenance("members/2") is not alone
    assert len(_pipeline._PROVENANCES) == 2  # the bulk reading's two parser versions only


def test_a_warm_up_that_fails_still_closes_the_store_connection(store: EvidenceStore,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner forks right after ``warm_up``, failed or not: no SQLite connection may be left open to cross it."""
    from scrapers import _pipeline
    from scrapers._pipeline import StoreReplay, warm_up

    def broken(self: Any, register: str, partner: Any) -> Any:
        store._read_db()  # the read connection is open when the failure comes
        raise RuntimeError("disk gone")

    monkeypatch.setattr(_pipeline._Build, "consult", broken)
    with pytest.raises(RuntimeError, match="disk gone"):
        warm_up(StoreReplay(store), store, ScraperConfig(), datetime(2026, 11, 23, tzinfo=UTC))
    assert store._reader is None


def test_a_batch_replay_indexes_each_bulk_register_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SNA, SNCU and ABU come back from a batch's replay as the same tuple for every partner, so their names are
    indexed once; ABU's members came back as a list, indexed again for every partner (hundreds of names each)."""
    from scrapers import _pipeline
    from scrapers._link import NameIndex

    for partner in (LENDER, FINED, BRUG):
        online(partner, EvidenceStore(tmp_path / "evidence"))
    store = EvidenceStore(tmp_path / "evidence")
    built: list[int] = []

    class Counting(NameIndex[Any]):
        def __init__(self, records: Any, **options: Any) -> None:
            built.append(id(records))
            super().__init__(records, **options)

    monkeypatch.setattr(_pipeline, "NameIndex", Counting)
    monkeypatch.setattr(_pipeline, "_INDEXES", {})
    replay = StoreReplay(store)
    for partner in (LENDER, FINED, BRUG):
        offline(partner, store, replay=replay)
    for register in ("sna", "sncu", "abu"):
        parsed = replay._bulk[register][0]
        records = parsed.rows if register == "sna" else parsed.parties if register == "sncu" else parsed
        assert built.count(id(records)) == 1, register
