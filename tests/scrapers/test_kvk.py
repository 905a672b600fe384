"""KvK adapter: real recorded test-API responses, our own fixtures, and fetch with a fake client."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from eligibility._dossier import KvkRegistration
from eligibility._errors import FetchError, LayoutChangedError, ScrapingError
from scrapers import kvk
from scrapers.kvk import DatePrecision, KvkLink, KvkSbiActivity, SearchHitType

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "registers" / "kvk"
REAL = REPO.parent / "shared" / "real-world" / "kvk-test-api"
URL = "https://api.kvk.nl/test/api/v1/basisprofielen/x"
KEY = "test-key"

needs_real = pytest.mark.skipif(
    not REAL.is_dir(), reason=f"real KvK recordings not present at {REAL}"
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def recording(name: str) -> tuple[int, str, bytes]:
    """(status, request_uri, body bytes) of one recorded response."""
    data = json.loads((REAL / name).read_text(encoding="utf-8"))
    return data["status"]["code"], data["request_uri"], json.dumps(data["body"]).encode()


# --- real recordings -----------------------------------------------------------------------


@needs_real
def test_real_basisprofiel_69599084() -> None:
    status, uri, body = recording("basisprofiel-69599084.json")
    assert status == 200
    profile = kvk.parse_basisprofiel(body, uri)
    assert profile.kvk_number == "69599084"
    assert profile.name == "Test EMZ Dagobert"
    assert profile.registered_on == date(2017, 7, 10)
    assert profile.registered_on_precision is DatePrecision.DAY
    assert profile.started_on == date(2017, 1, 8)
    assert profile.ended_on is None and not profile.deregistered
    assert profile.sbi_codes == (
        KvkSbiActivity("10110", "Verwerking en conservering van vlees, met uitzondering van vlees van gevogelte", True),
        KvkSbiActivity("10120", "Verwerking en conservering van vlees van gevogelte", False),
        KvkSbiActivity("10130", "Vervaardiging van vleesproducten", False),
    )
    assert len(profile.trade_names) == 8
    assert profile.trade_names[0] == "Test EMZ Dagobert"
    assert profile.trade_names[-1] == "Vierde handelsnaam Vestiging2"
    assert profile.legal_form == "Eenmanszaak"
    assert profile.legal_form_extended == "Eenmanszaak"
    assert profile.rsin is None
    assert profile.branches == ("000038509504",)
    assert profile.place == "Amsterdam"
    assert profile.address is not None
    assert profile.address.postcode == "1034WL"
    assert profile.address.house_number == "17" and profile.address.house_letter == "M"
    assert profile.address.full_address == "Abebe Bikilalaan 17 M 1034WL Amsterdam"
    assert profile.address.shielded is False
    assert profile.links == (
        KvkLink("self", "https://api.kvk.nl/test/api/v1/basisprofielen/69599084"),
        KvkLink("vestigingen", "https://api.kvk.nl/test/api/v1/basisprofielen/69599084/vestigingen"),
    )
    assert profile.waadi_indicator is None


@needs_real
def test_real_basisprofiel_maps_into_the_dossier() -> None:
    _, uri, body = recording("basisprofiel-69599084.json")
    registration = kvk.to_registration(kvk.parse_basisprofiel(body, uri))
    assert isinstance(registration, KvkRegistration)
    assert registration.kvk_number == "69599084"
    assert registration.registered_on == date(2017, 7, 10)
    assert [(s.code, s.main) for s in registration.sbi_codes] == [
        ("10110", True), ("10120", False), ("10130", False)
    ]
    assert registration.legal_form == "Eenmanszaak"
    assert registration.waadi_indicator is None


@needs_real
def test_real_zoeken_kvknummer_69599084() -> None:
    status, uri, body = recording("zoeken-kvknummer-69599084.json")
    assert status == 200
    hits = kvk.parse_zoeken(body, uri)
    assert [(h.vestigingsnummer, h.type, h.place, h.name) for h in hits] == [
        ("000038509520", SearchHitType.NEVENVESTIGING, "Maastricht", "Test EMZ Nevenvestiging Govert"),
        ("000038509504", SearchHitType.HOOFDVESTIGING, "Amsterdam", "Test EMZ Dagobert"),
    ]
    assert {h.kvk_number for h in hits} == {"69599084"}
    assert hits[0].active is None
    assert KvkLink(
        "vestigingsprofiel", "https://api.kvk.nl/test/api/v1/vestigingsprofielen/000038509520"
    ) in hits[0].links


@needs_real
@pytest.mark.parametrize(
    ("name", "status", "code", "text_part"),
    [
        ("basisprofiel-404.json", 404, "IPD0005", "KVK-nummer 12345678"),
        ("zoeken-404.json", 404, "IPD5200", "geen gegevens gevonden"),
        ("vestigingsprofiel-404.json", 400, "IPD0006", "vestigingsnummer 12345678 is niet valide"),
    ],
)
def test_real_error_bodies(name: str, status: int, code: str, text_part: str) -> None:
    recorded_status, uri, body = recording(name)
    assert recorded_status == status
    error = kvk.parse_error(body, uri, recorded_status)
    assert error is not None
    assert (error.status, error.code, error.is_ipd) == (status, code, True)
    assert text_part in error.omschrijving


@needs_real
def test_real_success_body_is_not_an_error() -> None:
    _, uri, body = recording("basisprofiel-69599084.json")
    assert kvk.parse_error(body, uri) is None


# --- our fixtures --------------------------------------------------------------------------


def test_deregistered_company() -> None:
    profile = kvk.parse_basisprofiel(fixture("basisprofiel-deregistered.json"), URL)
    assert profile.deregistered
    assert profile.ended_on == date(2023, 12, 31)
    assert profile.ended_on_precision is DatePrecision.DAY
    assert profile.started_on == date(2019, 3, 1)
    assert profile.address is None and profile.branches == ()
    registration = kvk.to_registration(profile)
    assert registration.ended_on == date(2023, 12, 31)
    assert registration.legal_form == "Coöperatie"


def test_both_legal_forms_map_into_the_dossier_and_an_absent_longer_one_is_left_out_of_its_json() -> None:
    """The longer legal form (uitgebreideRechtsvorm) can name a foreign company beside a Dutch-looking short one; the
    rule pack reads it from the dossier (1.10.0). A registration without it keeps the JSON form, and so the hash, of
    dossiers made before the field existed."""
    profile = kvk.parse_basisprofiel(fixture("basisprofiel-deregistered.json"), URL)
    registration = kvk.to_registration(profile)
    assert (registration.legal_form, registration.legal_form_extended) == (
        "Coöperatie", "Coöperatie met uitgesloten aansprakelijkheid")
    assert registration.model_dump(mode="json")["legal_form_extended"] == (
        "Coöperatie met uitgesloten aansprakelijkheid")
    without = kvk.to_registration(dataclasses.replace(profile, legal_form_extended=None))
    assert without.legal_form_extended is None
    assert "legal_form_extended" not in without.model_dump(mode="json")
    assert without.model_dump(mode="json") == {
        key: value for key, value in registration.model_dump(mode="json").items() if key != "legal_form_extended"}


def test_both_link_styles_are_merged_without_duplicates() -> None:
    profile = kvk.parse_basisprofiel(fixture("basisprofiel-deregistered.json"), URL)
    assert profile.links == (
        KvkLink("self", "https://api.kvk.nl/test/api/v1/basisprofielen/96354429"),
        KvkLink("eigenaar", "https://api.kvk.nl/test/api/v1/basisprofielen/96354429/eigenaar"),
    )


def test_zero_parts_in_dates_are_kept_not_invented() -> None:
    profile = kvk.parse_basisprofiel(fixture("basisprofiel-zero-dates.json"), URL)
    assert profile.kvk_number == "00012345"
    assert (profile.registered_on, profile.registered_on_raw, profile.registered_on_precision) == (
        None, "20150600", DatePrecision.MONTH
    )
    assert (profile.started_on, profile.started_on_raw, profile.started_on_precision) == (
        None, "20150000", DatePrecision.YEAR
    )
    assert profile.trade_names == ("Fixture Huisvesting Nul", "Tweede Naam Nul")
    assert profile.links[0] == KvkLink("self", "https://api.kvk.nl/test/api/v1/basisprofielen/00012345")
    assert profile.address is not None and profile.address.shielded is True
    assert profile.place is None
    registration = kvk.to_registration(profile)
    assert registration.registered_on is None and registration.started_on is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("20240229", (date(2024, 2, 29), DatePrecision.DAY)),
        ("20150600", (None, DatePrecision.MONTH)),
        ("20150000", (None, DatePrecision.YEAR)),
        ("20150015", (None, DatePrecision.YEAR)),
        ("00000000", (None, None)),
    ],
)
def test_date_precision(raw: str, expected: tuple[date | None, DatePrecision | None]) -> None:
    body = json.dumps({"kvkNummer": "12345678", "naam": "X", "formeleRegistratiedatum": raw}).encode()
    profile = kvk.parse_basisprofiel(body, URL)
    assert (profile.registered_on, profile.registered_on_precision) == expected
    assert profile.registered_on_raw == raw


@pytest.mark.parametrize("raw", ["2015-06-01", "20151301", "20230230", "2015060", 20150601])
def test_impossible_dates_are_a_layout_change(raw: object) -> None:
    body = json.dumps({"kvkNummer": "12345678", "naam": "X", "formeleRegistratiedatum": raw}).encode()
    with pytest.raises(LayoutChangedError, match="formeleRegistratiedatum"):
        kvk.parse_basisprofiel(body, URL)


def _partly_known(**material: str) -> KvkRegistration:
    body = json.dumps({"kvkNummer": "12345678", "naam": "X", "materieleRegistratie": material}).encode()
    return kvk.to_registration(kvk.parse_basisprofiel(body, URL))


@pytest.mark.parametrize(
    ("raw", "ended_from", "ended_by"),
    [("20200600", date(2020, 6, 1), date(2020, 6, 30)), ("20240200", date(2024, 2, 1), date(2024, 2, 29)),
     ("20200000", date(2020, 1, 1), date(2020, 12, 31)), ("20200015", date(2020, 1, 1), date(2020, 12, 31)),
     ("00000000", None, None)],
)
def test_partly_known_end_date_is_kept_with_its_first_and_last_possible_day(
    raw: str, ended_from: date | None, ended_by: date | None
) -> None:
    registration = _partly_known(datumAanvang="20100101", datumEinde=raw)
    assert (registration.ended_on, registration.ended_on_raw, registration.ended_from, registration.ended_by) == (
        None, raw, ended_from, ended_by)
    assert registration.started_from == registration.started_by == registration.started_on == date(2010, 1, 1)


def test_full_end_date_and_partly_known_start() -> None:
    registration = _partly_known(datumAanvang="20150600", datumEinde="20231231")
    assert (registration.ended_on, registration.ended_on_raw, registration.ended_from, registration.ended_by) == (
        date(2023, 12, 31), "20231231", date(2023, 12, 31), date(2023, 12, 31))
    assert (registration.started_on, registration.started_from, registration.started_by) == (
        None, date(2015, 6, 1), date(2015, 6, 30))


@pytest.mark.parametrize("material", [{}, {"datumAanvang": "00000000"}])
def test_start_falls_back_to_the_formal_registration_date(material: dict[str, str]) -> None:
    """Only when datumAanvang is absent or has not even a year (a review found "00000000" hiding it)."""
    body = json.dumps({"kvkNummer": "12345678", "naam": "X", "formeleRegistratiedatum": "20150600",
                       "materieleRegistratie": material}).encode()
    registration = kvk.to_registration(kvk.parse_basisprofiel(body, URL))
    assert (registration.registered_on, registration.started_on, registration.started_from, registration.started_by) == (
        None, None, date(2015, 6, 1), date(2015, 6, 30))


def test_a_partly_known_start_is_not_replaced_by_a_full_formal_registration_date() -> None:
    body = json.dumps({"kvkNummer": "12345678", "naam": "X", "formeleRegistratiedatum": "20150602",
                       "materieleRegistratie": {"datumAanvang": "20270000"}}).encode()
    registration = kvk.to_registration(kvk.parse_basisprofiel(body, URL))
    assert (registration.registered_on, registration.started_on, registration.started_from, registration.started_by) == (
        date(2015, 6, 2), None, date(2027, 1, 1), date(2027, 12, 31))


@pytest.mark.parametrize(
    "fields",
    [
        {"ended_on_raw": "20200600"},  # the first and last days are missing
        {"ended_on_raw": "20200600", "ended_from": "2020-06-01", "ended_by": "2020-06-29"},
        {"ended_on_raw": "20200600", "ended_on": "2020-06-30", "ended_from": "2020-06-30", "ended_by": "2020-06-30"},
        {"ended_on": "2020-06-01", "ended_from": "2020-06-01", "ended_by": "2020-06-30"},
        {"started_on": "2015-01-01", "started_from": "2015-01-01", "started_by": "2015-12-31"},
        {"started_from": "2015-12-31", "started_by": "2015-01-01"},
        {"started_by": "2015-12-31"},  # a last day without a first
        {"ended_on_raw": "2020-06"},
        {"ended_on_raw": "\uff12\uff10\uff12\uff10\uff10\uff16\uff10\uff10"},  # fullwidth digits match \d
        {"ended_by": "2020-06-30"},  # a last day of no end: leaving the end out must not read as active
    ],
)
def test_dates_that_contradict_each_other_are_refused(fields: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="ended|started"):
        KvkRegistration.model_validate({"kvk_number": "12345678", **fields})


def test_lender_with_sbi_78201_and_hal_links_only() -> None:
    profile = kvk.parse_basisprofiel(fixture("basisprofiel-lender-78201.json"), URL)
    assert profile.sbi_codes[0] == KvkSbiActivity("78201", "Uitzendbureaus", True)
    assert [s.code for s in profile.sbi_codes if not s.main] == ["78202"]
    assert profile.rsin == "857587973"
    assert profile.legal_form == "BeslotenVennootschap"
    assert profile.place == "Rotterdam"
    assert profile.address is not None and profile.address.type == "bezoekadres"
    assert profile.branches == ("000037178598",)
    assert [link.rel for link in profile.links] == ["self", "vestigingen", "vestigingen"]
    registration = kvk.to_registration(profile)
    assert [(s.code, s.main) for s in registration.sbi_codes] == [("78201", True), ("78202", False)]


def test_error_fixture() -> None:
    error = kvk.parse_error(fixture("error-400-ipd0004.json"), URL, 400)
    assert error is not None
    assert (error.status, error.code, error.omschrijving) == (
        400, "IPD0004", "Het KVK-nummer 1234567 is niet valide."
    )


@pytest.mark.parametrize("body", [b'{"fout": []}', b'{"fout": [{"omschrijving": "x"}]}', b'{"fout": "IPD"}'])
def test_malformed_error_body_is_a_layout_change(body: bytes) -> None:
    with pytest.raises(LayoutChangedError, match="fout"):
        kvk.parse_error(body, URL)


def test_changed_layout_names_what_is_missing() -> None:
    with pytest.raises(LayoutChangedError) as info:
        kvk.parse_basisprofiel(fixture("basisprofiel-layout-changed.json"), URL)
    assert info.value.missing == "kvkNummer (a non-empty string)"
    assert info.value.url == URL


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({"kvkNummer": "1234567", "naam": "X"}, "kvkNummer as 8 digits"),
        ({"kvkNummer": "12345678"}, "naam"),
        ({"kvkNummer": "12345678", "naam": "X", "sbiActiviteiten": {"sbiCode": "78201"}}, "sbiActiviteiten as list"),
        ({"kvkNummer": "12345678", "naam": "X", "sbiActiviteiten": [{"sbiCode": "78201", "indHoofdactiviteit": "J"}]},
         "indHoofdactiviteit"),
        ({"kvkNummer": "12345678", "naam": "X", "_links": {"self": {"url": "x"}}}, "_links.self.href"),
        ({"kvkNummer": "12345678", "naam": "X", "links": [{"href": "x"}]}, "links[].rel"),
    ],
)
def test_basisprofiel_layout_changes(body: dict[str, Any], missing: str) -> None:
    with pytest.raises(LayoutChangedError, match=re.escape(missing)):
        kvk.parse_basisprofiel(json.dumps(body).encode(), URL)


@pytest.mark.parametrize("body", [b"", b"<html>502 Bad Gateway</html>", b'{"kvkNummer": ', b"\xff\xfe", b"[]"])
def test_malformed_json_is_a_layout_change(body: bytes) -> None:
    with pytest.raises(LayoutChangedError):
        kvk.parse_basisprofiel(body, URL)
    with pytest.raises(LayoutChangedError):
        kvk.parse_zoeken(body, URL)


def test_zoeken_paged_fixture() -> None:
    hits = kvk.parse_zoeken(fixture("zoeken-naam-page1.json"), URL)
    assert [(h.type, h.vestigingsnummer, h.rsin, h.active) for h in hits] == [
        (SearchHitType.HOOFDVESTIGING, "000037178598", None, True),
        (SearchHitType.RECHTSPERSOON, None, "857587973", True),
    ]
    assert hits[0].links[1] == KvkLink(
        "vestigingsprofiel", "https://api.kvk.nl/test/api/v1/vestigingsprofielen/000037178598"
    )
    inactive = kvk.parse_zoeken(fixture("zoeken-naam-page2.json"), URL)[0]
    assert (inactive.active, inactive.expired_name) == (False, "Fixture Uitzend Coöperatie")


def test_zoeken_empty_result_is_a_valid_empty_list() -> None:
    assert kvk.parse_zoeken(fixture("zoeken-empty.json"), URL) == []


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({"pagina": 1, "totaal": 0}, "resultaten"),
        ({"resultaten": []}, "totaal"),
        ({"totaal": 1, "resultaten": [{"kvkNummer": "12345678", "naam": "X", "type": "filiaal"}]}, "type as one of"),
        ({"totaal": 1, "resultaten": [{"naam": "X", "type": "rechtspersoon"}]}, "kvkNummer"),
        ({"fout": [{"code": "IPD5200", "omschrijving": "geen"}]}, "resultaten"),
    ],
)
def test_zoeken_layout_changes(body: dict[str, Any], missing: str) -> None:
    with pytest.raises(LayoutChangedError, match=missing):
        kvk.parse_zoeken(json.dumps(body).encode(), URL)


def test_vestigingsprofiel_minimal() -> None:
    branch = kvk.parse_vestigingsprofiel(fixture("vestigingsprofiel-000038509520.json"), URL)
    assert branch == kvk.KvkBranch("000038509520", "69599084", "Test EMZ Nevenvestiging Govert", "Maastricht", False)


def test_vestigingsprofiel_without_number_is_a_layout_change() -> None:
    with pytest.raises(LayoutChangedError, match="vestigingsnummer"):
        kvk.parse_vestigingsprofiel(b'{"kvkNummer": "69599084"}', URL)


# --- fetching with a fake client -----------------------------------------------------------


@dataclass(frozen=True)
class FakeSnapshot:
    """Same fields as scrapers._store.Snapshot."""

    url: str
    status: int
    body: bytes
    register: str
    headers: dict[str, str] = field(default_factory=dict)
    retrieved_at: datetime = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass
class FakeClient:
    """Answers queued (status, body) pairs in order and records every call."""

    answers: list[tuple[int, bytes]]
    calls: list[dict[str, Any]] = field(default_factory=list)

    def get(self, url: str, *, register: str, params: dict[str, str] | None = None,
            headers: dict[str, str] | None = None) -> FakeSnapshot:
        self.calls.append({"url": url, "register": register, "params": params, "headers": headers})
        status, body = self.answers.pop(0)
        return FakeSnapshot(url=url, status=status, body=body, register=register)


def test_fetch_basisprofiel_sends_apikey_and_parses() -> None:
    client = FakeClient([(200, fixture("basisprofiel-lender-78201.json"))])
    snapshot, profile = kvk.fetch_basisprofiel(client, "68750110", api_key=KEY)  # type: ignore[arg-type]
    assert profile is not None and profile.name == "Fixture Uitzend B.V."
    assert snapshot.status == 200
    assert client.calls == [{
        "url": "https://api.kvk.nl/test/api/v1/basisprofielen/68750110",
        "register": "kvk", "params": None, "headers": {"apikey": KEY},
    }]


def test_fetch_basisprofiel_uses_the_given_base_url_and_keeps_leading_zeros() -> None:
    client = FakeClient([(200, fixture("basisprofiel-zero-dates.json"))])
    _, profile = kvk.fetch_basisprofiel(client, "00012345", base_url="https://api.kvk.nl/api/", api_key=KEY)  # type: ignore[arg-type]
    assert profile is not None and profile.kvk_number == "00012345"
    assert client.calls[0]["url"] == "https://api.kvk.nl/api/v1/basisprofielen/00012345"


def test_fetch_basisprofiel_404_is_read_and_not_found() -> None:
    body = b'{"fout":[{"code":"IPD0005","omschrijving":"Op basis van het KVK-nummer 12345678 kan het product niet worden geleverd."}]}'
    client = FakeClient([(404, body)])
    snapshot, profile = kvk.fetch_basisprofiel(client, "12345678", api_key=KEY)  # type: ignore[arg-type]
    assert profile is None
    assert snapshot.status == 404 and snapshot.body == body


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (400, b'{"fout":[{"code":"IPD0004","omschrijving":"Het KVK-nummer is niet valide."}]}', "HTTP 400 (IPD0004: Het KVK"),
        (401, b'{"fault": "invalid apikey"}', "HTTP 401 (no KvK error body)"),
        (404, b"<html>Not Found</html>", "HTTP 404 (no KvK error body)"),
        (404, b'{"fout":[{"code":"GW404","omschrijving":"no route"}]}', "HTTP 404 (GW404: no route)"),
    ],
)
def test_fetch_basisprofiel_other_answers_raise_fetch_error(status: int, body: bytes, message: str) -> None:
    client = FakeClient([(status, body)])
    with pytest.raises(FetchError, match=re.escape(message)) as info:
        kvk.fetch_basisprofiel(client, "12345678", api_key=KEY)  # type: ignore[arg-type]
    assert info.value.url == "https://api.kvk.nl/test/api/v1/basisprofielen/12345678"


@pytest.mark.parametrize(
    "fouten",
    [
        [{"code": "IPD1002", "omschrijving": "Er is een fout opgetreden."}],
        [{"code": "IPD5200", "omschrijving": "geen gegevens"}],  # search's not-found code, not the profile's
        [{"code": "IPD0005", "omschrijving": "niet geleverd"}, {"code": "IPD9999", "omschrijving": "storing"}],
    ],
)
def test_fetch_basisprofiel_404_with_another_ipd_code_is_a_failed_read(fouten: list[dict[str, str]]) -> None:
    """Only IPD0005 is recorded as "no such number" (real-world/kvk-test-api/basisprofiel-404.json);
    another code says nothing of whether the number exists: the register failed, not "not found"."""
    client = FakeClient([(404, json.dumps({"fout": fouten}).encode())])
    with pytest.raises(FetchError, match=re.escape(fouten[-1]["code"])):
        kvk.fetch_basisprofiel(client, "12345678", api_key=KEY)  # type: ignore[arg-type]


@needs_real
def test_the_recorded_not_found_answers_still_read_as_not_found() -> None:
    """The accepted codes are the recorded ones: basisprofiel IPD0005, zoeken IPD5200."""
    status, _, body = recording("basisprofiel-404.json")
    _, profile = kvk.fetch_basisprofiel(FakeClient([(status, body)]), "12345678", api_key=KEY)  # type: ignore[arg-type]
    assert profile is None and kvk.NOT_FOUND_BASISPROFIEL == {"IPD0005"}
    status, _, body = recording("zoeken-404.json")
    _, result = kvk.search(FakeClient([(status, body)]), kvk_number="12345678", api_key=KEY)  # type: ignore[arg-type]
    assert (result.hits, result.complete) == ((), True) and kvk.NOT_FOUND_ZOEKEN == {"IPD5200"}


@pytest.mark.parametrize("code", ["IPD0005", "IPD1002"])
def test_search_404_with_another_ipd_code_is_a_failed_read(code: str) -> None:
    client = FakeClient([(404, json.dumps({"fout": [{"code": code, "omschrijving": "x"}]}).encode())])
    with pytest.raises(FetchError, match=code):
        kvk.search(client, kvk_number="12345678", api_key=KEY)  # type: ignore[arg-type]


def test_fetch_basisprofiel_rejects_a_profile_for_another_number() -> None:
    client = FakeClient([(200, fixture("basisprofiel-lender-78201.json"))])
    with pytest.raises(ScrapingError, match="asked KvK for 12345678, got 68750110"):
        kvk.fetch_basisprofiel(client, "12345678", api_key=KEY)  # type: ignore[arg-type]


@pytest.mark.parametrize("number", ["1234567", "123456789", "1234567a", " 12345678", 12345678, "１２３４５６７８", ""])
def test_kvk_number_is_validated_before_any_request(number: object) -> None:
    client = FakeClient([])
    with pytest.raises(ValueError, match="8 digits"):
        kvk.fetch_basisprofiel(client, number, api_key=KEY)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="8 digits"):
        kvk.search(client, kvk_number=number, api_key=KEY)  # type: ignore[arg-type]
    assert client.calls == []


def test_empty_api_key_is_refused() -> None:
    client = FakeClient([])
    with pytest.raises(ValueError, match="apikey"):
        kvk.fetch_basisprofiel(client, "12345678", api_key="")  # type: ignore[arg-type]
    assert client.calls == []


def test_search_pages_until_all_hits_are_read() -> None:
    client = FakeClient([(200, fixture("zoeken-naam-page1.json")), (200, fixture("zoeken-naam-page2.json"))])
    snapshots, result = kvk.search(client, naam=" Fixture Uitzend ", results_per_page=2, api_key=KEY)  # type: ignore[arg-type]
    assert len(snapshots) == 2
    assert (len(result.hits), result.total, result.complete) == (3, 3, True)
    assert [c["params"]["pagina"] for c in client.calls] == ["1", "2"]
    assert client.calls[0]["url"] == "https://api.kvk.nl/test/api/v2/zoeken"
    assert client.calls[0]["params"] == {
        "naam": "Fixture Uitzend", "inclusiefInactieveRegistraties": "false",
        "resultatenPerPagina": "2", "pagina": "1",
    }
    assert client.calls[0]["headers"] == {"apikey": KEY}


def test_search_stops_at_max_pages_and_says_so() -> None:
    client = FakeClient([(200, fixture("zoeken-naam-page1.json"))])
    snapshots, result = kvk.search(client, naam="Fixture", results_per_page=2, max_pages=1, api_key=KEY)  # type: ignore[arg-type]
    assert len(snapshots) == 1 and len(client.calls) == 1
    assert (len(result.hits), result.total, result.complete) == (2, 3, False)


def test_search_404_ipd5200_is_read_and_nothing_found() -> None:
    body = b'{"fout":[{"code":"IPD5200","omschrijving":"Er zijn geen gegevens gevonden die voldoen aan de opgegeven zoekparameters."}]}'
    client = FakeClient([(404, body)])
    snapshots, result = kvk.search(  # type: ignore[arg-type]
        client, kvk_number="12345678", hit_type=SearchHitType.RECHTSPERSOON, include_inactive=True, api_key=KEY
    )
    assert [s.status for s in snapshots] == [404]
    assert (result.hits, result.total, result.complete) == ((), 0, True)
    assert client.calls[0]["params"] == {
        "kvkNummer": "12345678", "type": "rechtspersoon", "inclusiefInactieveRegistraties": "true",
        "resultatenPerPagina": "100", "pagina": "1",
    }


def test_search_400_raises_fetch_error_with_kvk_code() -> None:
    client = FakeClient([(400, fixture("error-400-ipd0004.json"))])
    with pytest.raises(FetchError, match="IPD0004"):
        kvk.search(client, plaats="Rotterdam", api_key=KEY)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "at least one criterion"),
        ({"naam": "  "}, "at least one criterion"),
        ({"naam": "X", "results_per_page": 101}, "results_per_page"),
        ({"naam": "X", "max_pages": 0}, "max_pages"),
        ({"rsin": "85758797"}, "RSIN"),
        ({"vestigingsnummer": "38509504"}, "vestigingsnummer"),
    ],
)
def test_search_input_validation(kwargs: dict[str, Any], message: str) -> None:
    client = FakeClient([])
    with pytest.raises(ValueError, match=message):
        kvk.search(client, api_key=KEY, **kwargs)  # type: ignore[arg-type]
    assert client.calls == []
