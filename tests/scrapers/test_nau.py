"""NAU (Wtta) adapter: our own JSON format, closed status list, off until enabled."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from eligibility._dossier import NauRegistration, NauStatus
from eligibility._errors import FetchError, LayoutChangedError, ScrapingError
from scrapers import nau
from scrapers._config import ScraperConfig
from scrapers._store import Snapshot

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "registers" / "nau"
URL = "https://register.example/nau.json"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class FakeClient:
    def __init__(self, status: int, body: bytes) -> None:
        self.status, self.body = status, body
        self.calls: list[tuple[str, str]] = []

    def get(
        self, url: str, *, register: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> Snapshot:
        self.calls.append((url, register))
        sha = hashlib.sha256(self.body).hexdigest()
        return Snapshot(sha, url, datetime(2027, 8, 1, tzinfo=UTC), self.status, {}, register, self.body)


def test_parses_every_record() -> None:
    records = nau.parse_register(fixture("register.json"), URL)
    assert len(records) == 9
    assert records[0] == nau.NauRecord("68750110", "Test BV Donald", NauStatus.TOEGELATEN, date(2027, 8, 15))
    assert records[3].kvk_number == "01085927"
    assert records[4].status_date is None
    assert {r.status for r in records} == set(NauStatus)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("toegelaten", NauStatus.TOEGELATEN),
        ("Toegelaten", NauStatus.TOEGELATEN),
        ("voorlopig toegelaten", NauStatus.VOORLOPIG_TOEGELATEN),
        ("Voorlopig  Toegelaten ", NauStatus.VOORLOPIG_TOEGELATEN),
        ("voorlopig_toegelaten", NauStatus.VOORLOPIG_TOEGELATEN),
        ("voorlopig\u00a0toegelaten", NauStatus.VOORLOPIG_TOEGELATEN),
        ("Ontheffing", NauStatus.ONTHEFFING),
        ("Aanvraag in behandeling", NauStatus.AANVRAAG_IN_BEHANDELING),
        ("aanvraag-in-behandeling", NauStatus.AANVRAAG_IN_BEHANDELING),
        ("aangemeld", NauStatus.AANGEMELD),
        ("Aangemeld (overgangsregeling)", NauStatus.AANGEMELD),
        ("aangemeld(overgangsregeling)", NauStatus.AANGEMELD),
        ("AANGEMELD ( Overgangsregeling )", NauStatus.AANGEMELD),
        ("Geschorst", NauStatus.GESCHORST),
        ("ingetrokken", NauStatus.INGETROKKEN),
        ("AFGEWEZEN", NauStatus.AFGEWEZEN),
    ],
)
def test_status_normalisation(text: str, expected: NauStatus) -> None:
    assert nau.normalise_status(text) is expected


@pytest.mark.parametrize("text", ["Tijdelijk toegelaten", "toegelaten?", "aangemeld (vrijwillig)", ""])
def test_unknown_status_text_raises(text: str) -> None:
    with pytest.raises(LayoutChangedError, match="unknown NAU status"):
        nau.normalise_status(text, URL)


def test_unknown_status_in_a_file_names_the_record() -> None:
    with pytest.raises(LayoutChangedError, match=r"records\[1\]\.status: unknown NAU status 'Tijdelijk toegelaten'"):
        nau.parse_register(fixture("register-unknown-status.json"), URL)


def test_empty_register_is_an_empty_list() -> None:
    assert nau.parse_register(fixture("register-empty.json"), URL) == []


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        (b"<html>Onderhoud</html>", "not JSON"),
        (b'{"register": "sna", "records": []}', '"register": "nau"'),
        (b'[{"kvkNummer": "68750110"}]', '"register": "nau"'),
        (b'{"register": "nau", "items": []}', '"records" list'),
        (b'{"register": "nau", "records": ["68750110"]}', r"records\[0\] is not an object"),
        (b'{"register": "nau", "records": [{"kvkNummer": 1085927, "status": "toegelaten"}]}', "8-digit string"),
        (b'{"register": "nau", "records": [{"kvkNummer": "68750110"}]}', r"records\[0\]\.status is missing"),
        (
            b'{"register": "nau", "records": [{"kvkNummer": "68750110", "status": "toegelaten", "datumStatus": "15-08-2027"}]}',
            "datumStatus is not a YYYY-MM-DD date",
        ),
    ],
)
def test_changed_format_raises(body: bytes, missing: str) -> None:
    with pytest.raises(LayoutChangedError, match=missing):
        nau.parse_register(body, URL)


def test_find_by_kvk() -> None:
    records = nau.parse_register(fixture("register.json"), URL)
    found = nau.find(records, "69599084")
    assert found is not None and found.status is NauStatus.AANGEMELD
    assert nau.find(records, "12345678") is None
    assert nau.find([], "69599084") is None


def test_find_takes_the_latest_of_several_records() -> None:
    records = nau.parse_register(fixture("register.json"), URL)
    found = nau.find(records, "70209458")
    assert found is not None and (found.status, found.status_date) == (NauStatus.GESCHORST, date(2027, 9, 30))


def _record(status: NauStatus, day: date | None) -> nau.NauRecord:
    return nau.NauRecord(kvk_number="70209458", name="Snelwerk Personeel B.V.", status=status, status_date=day)


def test_find_refuses_a_null_dated_status_beside_dated_ones() -> None:
    """Toegelaten on 2027-07-10 and Ingetrokken without a date: which is current is unknown, and
    taking the dated one would make a possibly withdrawn admission look valid."""
    records = nau.parse_register(fixture("register-null-date-history.json"), URL)
    with pytest.raises(ScrapingError, match="latest NAU status of KvK 70209458 cannot be determined") as caught:
        nau.find(records, "70209458")
    assert type(caught.value) is ScrapingError
    assert "a status without a date (ingetrokken) beside dated ones" in str(caught.value)


def test_find_refuses_two_statuses_on_the_latest_date() -> None:
    records = [
        _record(NauStatus.TOEGELATEN, date(2027, 7, 1)),
        _record(NauStatus.GESCHORST, date(2027, 9, 30)),
        _record(NauStatus.TOEGELATEN, date(2027, 9, 30)),
    ]
    for ordered in (records, records[::-1]):
        with pytest.raises(ScrapingError, match=r"2 statuses on 2027-09-30 \(geschorst, toegelaten\)"):
            nau.find(ordered, "70209458")


def test_find_accepts_repeats_that_agree() -> None:
    same_day = [_record(NauStatus.GESCHORST, date(2027, 9, 30)), _record(NauStatus.GESCHORST, date(2027, 9, 30))]
    found = nau.find([_record(NauStatus.TOEGELATEN, date(2027, 7, 1)), *same_day], "70209458")
    assert found is not None and found.status is NauStatus.GESCHORST
    undated = nau.find([_record(NauStatus.AANGEMELD, None)], "70209458")
    assert undated is not None and undated.status is NauStatus.AANGEMELD


def test_to_registration() -> None:
    record = nau.parse_register(fixture("register.json"), URL)[2]
    assert nau.to_registration(record) == NauRegistration(
        kvk_number="68727720", status=NauStatus.VOORLOPIG_TOEGELATEN, since=date(2027, 7, 1)
    )


def test_fetch_is_disabled_by_default() -> None:
    client = FakeClient(200, fixture("register.json"))
    with pytest.raises(nau.NauDisabled, match=r"disabled by configuration \(register not live before ~2027-07-01\)"):
        nau.fetch(client, URL)
    with pytest.raises(ScrapingError):
        nau.fetch(client, URL, enabled=ScraperConfig().nau_enabled)
    assert client.calls == []


def test_fetch_when_enabled() -> None:
    client = FakeClient(200, fixture("register.json"))
    snapshot, records = nau.fetch(client, URL, enabled=True)
    assert client.calls == [(URL, "nau")]
    assert snapshot.register == "nau" and len(records) == 9


def test_fetch_http_error_is_a_fetch_error() -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        nau.fetch(FakeClient(404, b"not found"), URL, enabled=True)


# --- the reading's date: a reading cannot show a status dated after it ----------------------------------------


def test_find_takes_the_status_in_force_on_the_day_of_the_reading() -> None:
    """Geschorst 2027-07-10 and Toegelaten 2027-08-20, read 2027-08-10: the suspension was in force
    when the register was read; the admission dated after the reading cannot have been."""
    records = [_record(NauStatus.GESCHORST, date(2027, 7, 10)), _record(NauStatus.TOEGELATEN, date(2027, 8, 20))]
    for ordered in (records, records[::-1]):
        found = nau.find(ordered, "70209458", date(2027, 8, 10))
        assert found is not None and (found.status, found.status_date) == (NauStatus.GESCHORST, date(2027, 7, 10))
        assert nau.dated_after(ordered, "70209458", date(2027, 8, 10)) == [records[1]]
    # read on the later record's own day, it is in force
    found = nau.find(records, "70209458", date(2027, 8, 20))
    assert found is not None and found.status is NauStatus.TOEGELATEN
    assert nau.dated_after(records, "70209458", date(2027, 8, 20)) == []


def test_find_without_a_reading_date_keeps_the_latest() -> None:
    records = [_record(NauStatus.GESCHORST, date(2027, 7, 10)), _record(NauStatus.TOEGELATEN, date(2027, 8, 20))]
    found = nau.find(records, "70209458")
    assert found is not None and found.status is NauStatus.TOEGELATEN


def test_find_with_every_record_dated_after_the_reading_returns_the_latest() -> None:
    """Not None: that would read as "not in the register" (a fail); the rule sends a status dated
    after its reading to review instead."""
    records = [_record(NauStatus.TOEGELATEN, date(2027, 7, 10)), _record(NauStatus.GESCHORST, date(2027, 9, 30))]
    found = nau.find(records, "70209458", date(2027, 7, 1))
    assert found is not None and (found.status, found.status_date) == (NauStatus.GESCHORST, date(2027, 9, 30))
    assert nau.dated_after(records, "70209458", date(2027, 7, 1)) == records


def test_find_with_one_status_repeated_takes_the_one_dated_before_the_reading() -> None:
    records = [_record(NauStatus.GESCHORST, date(2027, 7, 10)), _record(NauStatus.GESCHORST, date(2027, 8, 20))]
    found = nau.find(records, "70209458", date(2027, 8, 10))
    assert found is not None and found.status_date == date(2027, 7, 10)


def test_find_ignores_a_conflict_dated_after_the_reading() -> None:
    records = [
        _record(NauStatus.TOEGELATEN, date(2027, 7, 1)),
        _record(NauStatus.GESCHORST, date(2027, 9, 30)),
        _record(NauStatus.TOEGELATEN, date(2027, 9, 30)),
    ]
    found = nau.find(records, "70209458", date(2027, 8, 1))
    assert found is not None and (found.status, found.status_date) == (NauStatus.TOEGELATEN, date(2027, 7, 1))
    with pytest.raises(ScrapingError, match=r"2 statuses on 2027-09-30"):
        nau.find(records, "70209458", date(2027, 10, 1))


def test_find_still_refuses_a_null_dated_status_beside_dated_ones_whatever_the_reading_date() -> None:
    """Toegelaten dated after the reading and Ingetrokken without a date: passing over the later
    one would leave the undated one looking current; which is, the register does not say."""
    records = [_record(NauStatus.INGETROKKEN, None), _record(NauStatus.TOEGELATEN, date(2027, 8, 20))]
    for read_on in (date(2027, 8, 10), date(2027, 8, 30)):
        with pytest.raises(ScrapingError, match=r"a status without a date \(ingetrokken\) beside dated ones"):
            nau.find(records, "70209458", read_on)


def test_an_unknown_status_text_still_raises_before_any_date_is_looked_at() -> None:
    with pytest.raises(LayoutChangedError, match="unknown NAU status"):
        nau.parse_register(fixture("register-unknown-status.json"), URL)
