"""SNF register adapter: result table by header keywords, optional fields, paging, no results vs changed layout."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from eligibility._dossier import Link, LinkMethod
from eligibility._errors import FetchError, LayoutChangedError, ScrapingError
from scrapers import snf
from scrapers._store import Snapshot

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "registers" / "snf"
PAGE_URL = "https://www.normeringflexwonen.nl/register?q=&pagina=1&limiet=25&volgorde="


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def search_url(text: str, page: int) -> str:
    return snf.REGISTER_URL + "?" + urlencode({"q": text, "pagina": page, "limiet": 25, "volgorde": ""})


class FakeClient:
    """Serves canned bodies by full URL; an unexpected URL fails the test with a KeyError."""

    def __init__(self, pages: dict[str, tuple[int, bytes]]) -> None:
        self.pages = pages
        self.calls: list[tuple[str, str, dict[str, str] | None]] = []

    def get(
        self, url: str, *, register: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> Snapshot:
        self.calls.append((url, register, params))
        full = url + ("?" + urlencode(params) if params else "")
        status, body = self.pages[full]
        at = datetime(2026, 11, 23, 9, tzinfo=UTC)
        return Snapshot(hashlib.sha256(body).hexdigest(), full, at, status, {}, register, body)


def test_first_page_has_25_rows_with_all_columns() -> None:
    records = snf.parse_page(fixture("search-p1.html"), PAGE_URL)
    assert len(records) == 25
    assert records[3] == snf.SnfRecord(
        name="Flexwonen De Brug B.V.",
        place="Venlo",
        status="gecertificeerd",
        kvk_number="01085927",
        detail_url="https://www.normeringflexwonen.nl/register/flexwonen-de-brug-bv",
    )
    assert records[0].status == "opgeschort"


def test_empty_cells_become_none() -> None:
    records = snf.parse_page(fixture("search-p2.html"), PAGE_URL)
    assert [r.name for r in records] == ["Residence Regio 26 B.V.", "Test BV Donald", "Huisvesting & Zorg Oost"]
    last = records[2]
    assert (last.place, last.status, last.kvk_number) == ("Zwolle", None, None)


def test_missing_optional_columns_and_links() -> None:
    records = snf.parse_page(fixture("search-minimal-columns.html"), PAGE_URL)
    assert records == [
        snf.SnfRecord("Seizoenswonen Maasland", "Maasland", None, None, None),
        snf.SnfRecord(
            "Agro Logies V.O.F.", None, None, None, "https://www.normeringflexwonen.nl/register/agro-logies-vof"
        ),
    ]


def test_no_results_message_is_an_empty_list() -> None:
    assert snf.parse_page(fixture("search-no-results.html"), PAGE_URL) == []


def test_table_with_only_a_no_results_row_is_an_empty_list() -> None:
    body = b"<table><tr><th>Naam</th><th>Plaats</th></tr><tr><td colspan=2>Geen resultaten gevonden</td></tr></table>"
    assert snf.parse_page(body, PAGE_URL) == []


def test_empty_table_is_an_empty_list() -> None:
    body = b"<table><thead><tr><th>Naam</th><th>Plaats</th></tr></thead><tbody></tbody></table>"
    assert snf.parse_page(body, PAGE_URL) == []


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        (fixture("search-layout-changed.html"), "no result table with a name column"),
        (b"<table><tr><th>Titel</th><th>Plaats</th></tr><tr><td>X</td><td>Y</td></tr></table>", "name column"),
        (b"<table><tr><th>Naam</th><th>Plaats</th></tr><tr><td></td><td>Venlo</td></tr></table>", "row 1 has no"),
    ],
    ids=["cards-instead-of-table", "renamed-name-column", "empty-name-cell"],
)
def test_changed_layout_raises(body: bytes, missing: str) -> None:
    with pytest.raises(LayoutChangedError, match=missing) as caught:
        snf.parse_page(body, PAGE_URL)
    assert caught.value.url == PAGE_URL


def test_to_organisation() -> None:
    record = snf.parse_page(fixture("search-p1.html"), PAGE_URL)[3]
    link = Link(method=LinkMethod.KVK)
    organisation = snf.to_organisation(record, link)
    assert (organisation.name, organisation.kvk_number, organisation.status) == (
        "Flexwonen De Brug B.V.",
        "01085927",
        "gecertificeerd",
    )
    assert organisation.link == link


def test_search_follows_pages_until_a_short_page() -> None:
    client = FakeClient({search_url("", 1): (200, fixture("search-p1.html")), search_url("", 2): (200, fixture("search-p2.html"))})
    snapshots, records = snf.search(client, "")
    assert len(records) == 28
    assert records[26].kvk_number == "68750110"
    assert [s.url for s in snapshots] == [search_url("", 1), search_url("", 2)]
    assert client.calls[1] == (snf.REGISTER_URL, "snf", {"q": "", "pagina": "2", "limiet": "25", "volgorde": ""})


def test_search_with_no_results_reads_one_page() -> None:
    client = FakeClient({search_url("bestaat niet", 1): (200, fixture("search-no-results.html"))})
    snapshots, records = snf.search(client, "bestaat niet")
    assert records == []
    assert len(snapshots) == len(client.calls) == 1


def test_search_refuses_to_cut_results_short() -> None:
    client = FakeClient({search_url("", 1): (200, fixture("search-p1.html"))})
    with pytest.raises(ScrapingError, match="more than 1 full pages") as caught:
        snf.search(client, "", max_pages=1)
    assert type(caught.value) is ScrapingError


def test_search_detects_an_ignored_page_parameter() -> None:
    page = (200, fixture("search-p1.html"))
    client = FakeClient({search_url("", 1): page, search_url("", 2): page})
    with pytest.raises(LayoutChangedError, match="'pagina' ignored"):
        snf.search(client, "", max_pages=5)


def test_search_http_error_is_a_fetch_error() -> None:
    client = FakeClient({search_url("x", 1): (404, b"<html>Niet gevonden</html>")})
    with pytest.raises(FetchError, match="HTTP 404"):
        snf.search(client, "x")


def test_malformed_detail_link_is_left_out_and_the_row_still_reads() -> None:
    """The detail URL is not used for linking or judging: a malformed one is dropped, not fatal."""
    body = (
        b'<table><tr><th>Naam</th><th>Plaats</th></tr>'
        b'<tr><td><a href="http://[x/detail">Flexhuis B.V.</a></td><td>Venlo</td></tr>'
        b'<tr><td><a href="/register/b">B B.V.</a></td><td>Tiel</td></tr></table>'
    )
    records = snf.parse_page(body, PAGE_URL)
    assert [(r.name, r.place, r.detail_url) for r in records] == [
        ("Flexhuis B.V.", "Venlo", None),
        ("B B.V.", "Tiel", "https://www.normeringflexwonen.nl/register/b"),
    ]
