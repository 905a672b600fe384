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
    records = snf.parse_page(fixture("search-p1.html"), PAGE_URL).records
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
    records = snf.parse_page(fixture("search-p2.html"), PAGE_URL).records
    assert [r.name for r in records] == ["Residence Regio 26 B.V.", "Test BV Donald", "Huisvesting & Zorg Oost"]
    last = records[2]
    assert (last.place, last.status, last.kvk_number) == ("Zwolle", None, None)


def test_missing_optional_columns_and_links() -> None:
    records = snf.parse_page(fixture("search-minimal-columns.html"), PAGE_URL).records
    assert records == [
        snf.SnfRecord("Seizoenswonen Maasland", "Maasland", None, None, None),
        snf.SnfRecord(
            "Agro Logies V.O.F.", None, None, None, "https://www.normeringflexwonen.nl/register/agro-logies-vof"
        ),
    ]


def test_no_results_message_is_an_empty_list() -> None:
    assert snf.parse_page(fixture("search-no-results.html"), PAGE_URL) == snf.SnfPage([], has_next=False, total=None)


def test_table_with_only_a_no_results_row_is_an_empty_list() -> None:
    body = b"<table><tr><th>Naam</th><th>Plaats</th></tr><tr><td colspan=2>Geen resultaten gevonden</td></tr></table>"
    assert snf.parse_page(body, PAGE_URL).records == []




@pytest.mark.parametrize(
    ("body", "missing"),
    [
        (fixture("search-layout-changed.html"), "no result table with a name column"),
        (b"<table><tr><th>Titel</th><th>Plaats</th></tr><tr><td>X</td><td>Y</td></tr></table>", "name column"),
        (b"<table><tr><th>Naam</th><th>Plaats</th></tr><tr><td></td><td>Venlo</td></tr></table>", "row 1 has no"),
        (b"<table><thead><tr><th>Naam</th><th>Plaats</th></tr></thead><tbody></tbody></table>", "table is empty"),
    ],
    ids=["cards-instead-of-table", "renamed-name-column", "empty-name-cell", "empty-table-without-message"],
)
def test_changed_layout_raises(body: bytes, missing: str) -> None:
    with pytest.raises(LayoutChangedError, match=missing) as caught:
        snf.parse_page(body, PAGE_URL)
    assert caught.value.url == PAGE_URL


# --- a name in a row header (<th>) -----------------------------------------------------------


@pytest.mark.parametrize(
    "table",
    [
        "<table><thead><tr><th>Naam</th><th>Plaats</th><th>KvK</th></tr></thead><tbody>{rows}</tbody></table>",
        "<table><tr><th>Naam</th><th>Plaats</th><th>KvK</th></tr>{rows}</table>",
    ],
    ids=["header-in-thead", "header-as-first-row"],
)
def test_rows_whose_name_is_a_row_header_are_results(table: str) -> None:
    """<tr><th>Name</th><td>...</td></tr> is a result (a certified provider must not read "not
    found"); only the column-heading row is the header."""
    rows = (
        '<tr><th scope="row"><a href="/register/flexhuis">Flexhuis B.V.</a></th><td>Venlo</td><td>70000000</td></tr>'
        "<tr><th>Logies Zuid B.V.</th><td>Tiel</td><td>70104729</td></tr>"
    )
    records = snf.parse_page(table.format(rows=rows).encode(), PAGE_URL).records
    assert records == [
        snf.SnfRecord("Flexhuis B.V.", "Venlo", None, "70000000", snf.REGISTER_URL + "/flexhuis"),
        snf.SnfRecord("Logies Zuid B.V.", "Tiel", None, "70104729", None),
    ]


# --- "no results" only from the results area, and never beside results ---------------------

CARDS = b'<div class="register-cards"><div class="card"><h3>Flexhuis Noord 01 B.V.</h3></div></div>'
ROWS = b"<table><tr><th>Naam</th><th>Plaats</th></tr><tr><td>Flexhuis B.V.</td><td>Venlo</td></tr></table>"


@pytest.mark.parametrize(
    "body",
    [
        b"<body><aside>Geen resultaten? Bel ons.</aside><main>" + CARDS + b"</main></body>",
        b"<body><main><aside>Geen resultaten? Bel ons.</aside>" + CARDS + b"</main></body>",
        b"<body><main>" + CARDS + b"<template><p>Geen resultaten gevonden</p></template></main></body>",
        b'<body><main>' + CARDS + b'<p class="empty" hidden>Geen resultaten gevonden</p></main></body>',
        b'<body><main>' + CARDS + b'<p style="display: none">Geen resultaten gevonden</p></main></body>',
        b"<body><main>" + CARDS + b"<script>const empty = 'Geen resultaten gevonden';</script></main></body>",
    ],
    ids=["sidebar", "sidebar-in-main", "template", "hidden", "display-none", "script"],
)
def test_no_results_text_outside_the_shown_results_area_is_not_an_empty_result(body: bytes) -> None:
    """Results shown as cards (a changed layout) beside a "Geen resultaten" that the results
    area does not show: a changed layout, not "not found"."""
    with pytest.raises(LayoutChangedError, match="no result table with a name column"):
        snf.parse_page(body, PAGE_URL)


@pytest.mark.parametrize(
    "body",
    [
        b"<main>" + ROWS + b'<p class="register-empty">Er zijn geen resultaten gevonden.</p></main>',
        b"<table><tr><th>Naam</th></tr><tr><td>Flexhuis B.V.</td></tr><tr><td>Geen resultaten</td></tr></table>",
        b'<main><p class="register-count">0 resultaten</p>' + ROWS + b"</main>",
    ],
    ids=["message-below-table", "message-row-among-rows", "zero-count"],
)
def test_result_rows_beside_a_no_results_message_are_a_contradiction(body: bytes) -> None:
    with pytest.raises(LayoutChangedError, match="either result rows or a 'no results' message"):
        snf.parse_page(body, PAGE_URL)


def test_a_hidden_no_results_message_beside_rows_is_not_read() -> None:
    hidden = b"<template><p>Geen resultaten gevonden</p></template><p hidden>Geen resultaten</p>"
    body = b"<main>" + ROWS + hidden + b"</main>"
    assert [r.name for r in snf.parse_page(body, PAGE_URL).records] == ["Flexhuis B.V."]


# --- read as a browser reads the page (lexbor) ---------------------------------------------


def test_a_cell_left_open_ends_where_a_browser_ends_it() -> None:
    """<td>Breda<td>...: the next <td> closes the cell, as in a browser. (BeautifulSoup's
    html.parser nested the cells, and the row read as place "Breda Gecertificeerd 72618225" with
    no status and no KvK number.)"""
    body = (
        b"<main><table><tr><th>Naam</th><th>Plaats</th><th>Status</th><th>KvK</th></tr>"
        b"<tr><td>Flexhuis B.V.</td><td>Breda<td>Gecertificeerd</td><td>72618225</td></tr></table></main>"
    )
    assert snf.parse_page(body, PAGE_URL).records == [
        snf.SnfRecord("Flexhuis B.V.", "Breda", "gecertificeerd", "72618225", None)
    ]


def test_a_page_that_is_not_utf8_is_read_in_its_declared_encoding() -> None:
    html = (
        '<html><head><meta charset="windows-1252"></head><body><main><table><tr><th>Naam</th><th>Plaats</th></tr>'
        "<tr><td>Logies Café B.V.</td><td>’s-Hertogenbosch</td></tr></table></main></body></html>"
    )
    record = snf.parse_page(html.encode("windows-1252"), PAGE_URL).records[0]
    assert (record.name, record.place) == ("Logies Café B.V.", "’s-Hertogenbosch")


def test_script_text_in_a_cell_is_no_part_of_its_text() -> None:
    body = (
        b"<main><table><tr><th>Naam</th><th>Status</th></tr><tr><td>Flexhuis B.V.<script>track('x')</script></td>"
        b"<td>Gecertificeerd<style>td { color: red }</style></td></tr></table></main>"
    )
    record = snf.parse_page(body, PAGE_URL).records[0]
    assert (record.name, record.status) == ("Flexhuis B.V.", "gecertificeerd")


def test_a_link_to_the_next_page_in_a_template_still_says_the_results_go_on() -> None:
    """A <template> is no part of the page a browser shows, but a pager that a script fills from
    one is a sign of more pages: page 1 must not read as all there is."""
    pager = b'<template><nav class="pagination"><a href="/register?q=x&amp;pagina=2&amp;limiet=25">2</a></nav></template>'
    body = b"<main>" + ROWS + pager + b"</main>"
    assert snf.parse_page(body, PAGE_URL).has_next


def test_a_link_to_the_next_page_in_a_template_within_a_template_still_counts() -> None:
    inner = b'<template><div><template><a href="/register?q=x&amp;pagina=2&amp;limiet=25">2</a></template></div></template>'
    assert snf.parse_page(b"<main>" + ROWS + inner + b"</main>", PAGE_URL).has_next
    says = b"<template><template><p>Pagina 1 van 3</p></template></template>"
    with pytest.raises(LayoutChangedError, match="more pages: 'Pagina 1 van 3'"):
        snf.parse_page(b"<main>" + ROWS + says + b"</main>", PAGE_URL)


@pytest.mark.parametrize(
    "closed",
    ['<iframe src="/kaart/1" />', '<textarea name="q" />', "<title />", '<script src="/js/kaart.js" />',
     "<style />"],
    ids=["iframe", "textarea", "title", "script-src", "style"],
)
def test_markup_taken_in_by_a_raw_text_element_closed_the_xhtml_way_is_refused(closed: str) -> None:
    """A browser reads all that follows <iframe/> up to </iframe> as the iframe's text: here the second
    row (removed) and the pager. Read so, the page would show one certified row and no more pages."""
    body = (
        '<main><table><tr><th>Naam</th><th>Status</th></tr><tr><td>Flexhuis B.V.</td><td>Gecertificeerd</td></tr>'
        f'<tr><td>{closed}Flexhuis B.V.</td><td>Doorgehaald</td></tr></table><nav class="pagination">'
        '<a href="/register?q=x&amp;pagina=2&amp;limiet=25">Volgende</a></nav></main>'
        '<footer><iframe></iframe><textarea></textarea><title></title><script></script><style></style></footer>'
    ).encode()
    with pytest.raises(LayoutChangedError, match="markup read as the text of a"):
        snf.parse_page(body, PAGE_URL)


def test_a_script_holding_markup_in_a_string_is_no_layout_change() -> None:
    script = b"<script>const empty = '<p>Geen resultaten</p>';</script>"
    assert [r.name for r in snf.parse_page(b"<main>" + ROWS + script + b"</main>", PAGE_URL).records] == ["Flexhuis B.V."]


def test_a_page_declared_windows_1252_is_read_so_even_when_its_bytes_are_also_utf8() -> None:
    """A browser follows the declaration: "CafÃ©" is what the page shows (and what bs4 read)."""
    html = '<meta charset="windows-1252"><main><table><tr><th>Naam</th></tr><tr><td>CafÃ© B.V.</td></tr></table></main>'
    body = html.encode("windows-1252")
    body.decode("utf-8")  # valid UTF-8 too: it reads "Café" as UTF-8
    assert snf.parse_page(body, PAGE_URL).records[0].name == "CafÃ© B.V."


# --- paging by the page's own links and count, not by an assumed page size ------------------


def results_page(names: list[str], page: int, *, pages: int, total: int | None = None, volgende: bool = True) -> bytes:
    """A result page like the fixtures: a count (when given), the rows, and a pagination of page
    numbers with "Volgende" on every page but the last (``volgende=False``: numbers only)."""
    rows = "".join(f'<tr><td><a href="/register/{n.lower()}">{n}</a></td><td>Venlo</td></tr>' for n in names)
    link = '<a href="/register?q=x&amp;pagina={}&amp;limiet=25">{}</a>'
    numbers = "".join(link.format(n, n) if n != page else f"<span>{n}</span>" for n in range(1, pages + 1))
    more = link.format(page + 1, "Volgende") if volgende and page < pages else ""
    count = f'<p class="register-count">{total} resultaten</p>' if total is not None else ""
    return (
        f'<html><body><main id="content">{count}<div class="register-results"><table><thead><tr><th>Naam</th>'
        f'<th>Plaats</th></tr></thead><tbody>{rows}</tbody></table><nav class="pagination">{numbers}{more}</nav>'
        "</div></main></body></html>"
    ).encode()


def names(start: int, count: int) -> list[str]:
    return [f"Huisvester{n:03d}" for n in range(start, start + count)]


def test_fixture_pages_say_where_paging_ends() -> None:
    first = snf.parse_page(fixture("search-p1.html"), PAGE_URL)
    last = snf.parse_page(fixture("search-p2.html"), search_url("", 2))
    assert (first.has_next, first.total, last.has_next, last.total) == (True, 28, False, 28)


@pytest.mark.parametrize("volgende", [True, False], ids=["volgende-link", "page-numbers-only"])
def test_search_reads_on_after_a_page_of_fewer_than_25_rows(volgende: bool) -> None:
    """A server that shows 10 rows a page: page 1 is not the last because it is short."""
    client = FakeClient({
        search_url("x", 1): (200, results_page(names(0, 10), 1, pages=3, total=24, volgende=volgende)),
        search_url("x", 2): (200, results_page(names(10, 10), 2, pages=3, total=24, volgende=volgende)),
        search_url("x", 3): (200, results_page(names(20, 4), 3, pages=3, total=24, volgende=volgende)),
    })
    snapshots, records = snf.search(client, "x")
    assert [r.name for r in records] == names(0, 24)
    assert len(snapshots) == 3


@pytest.mark.parametrize("total", [30, None], ids=["counted", "not-counted"])
def test_search_stops_after_a_page_of_more_than_25_rows_that_links_no_further(total: int | None) -> None:
    client = FakeClient({search_url("x", 1): (200, results_page(names(0, 30), 1, pages=1, total=total))})
    snapshots, records = snf.search(client, "x")
    assert len(records) == 30
    assert len(snapshots) == len(client.calls) == 1


def test_search_raises_when_the_pages_count_more_results_than_were_read() -> None:
    """The page counts 12 but shows 10 and links to no page 2: two results would go unread."""
    client = FakeClient({search_url("x", 1): (200, results_page(names(0, 10), 1, pages=1, total=12))})
    with pytest.raises(LayoutChangedError, match="the 12 results the pages count") as caught:
        snf.search(client, "x")
    assert caught.value.url == search_url("x", 1)


def test_search_raises_when_a_linked_page_lists_nothing() -> None:
    client = FakeClient({
        search_url("x", 1): (200, results_page(names(0, 10), 1, pages=2)),
        search_url("x", 2): (200, fixture("search-no-results.html")),
    })
    with pytest.raises(LayoutChangedError, match="results on page 2, which page 1 links to"):
        snf.search(client, "x")


@pytest.mark.parametrize(
    ("nav", "missing"),
    [
        ('<a rel="next" href="/register?q=x&amp;page=2">Volgende</a>', "a next-page link to page 2"),
        ('<a class="next" href="http://[x/register?pagina=2">Volgende</a>', "next-page link is not a valid URL"),
        ('<span>1</span><a href="http://[x/register?q=x&amp;pagina=2">2</a>', "page link is not a valid URL"),
        ("<p>12 resultaten</p><p>14 resultaten</p>", "one result count, not several"),
        ("<p>9 resultaten</p>", "at most the 9 results the page counts"),
        ('<span>1</span><button type="button">2</button>', "the page shows more pages: a page number 2"),
        ("<p>Pagina 1 van 3</p>", "the page shows more pages: 'Pagina 1 van 3'"),
        ('<a href="/register?q=x&amp;pagina=3">3</a>', "the page shows more pages: a link to page 3"),
        ('<button class="load-more">Meer laden</button>', "the page shows more pages: a load-more control"),
    ],
    ids=["next-link-elsewhere", "malformed-next-link", "malformed-page-number", "two-counts", "more-rows-than-count",
         "script-pager", "page-of", "page-three-not-two", "load-more"],
)
def test_paging_the_parser_cannot_follow_raises(nav: str, missing: str) -> None:
    body = results_page(names(0, 10), 1, pages=1).replace(b"</nav>", nav.encode() + b"</nav>")
    with pytest.raises(LayoutChangedError, match=missing):
        snf.parse_page(body, PAGE_URL)


def test_a_kvk_number_in_the_last_cell_is_not_a_result_count() -> None:
    """Counted outside the table: "68750110" in the last row, then "Resultaten 1-2" below it, is
    no count of 68,750,110 results (which made the search fail as cut short)."""
    body = (b'<html><body><main><table><tr><th>Naam</th><th>KvK-nummer</th></tr>'
            b'<tr><td>Huisvester A</td><td>01085927</td></tr><tr><td>Huisvester B</td><td>68750110</td></tr>'
            b'</table><p>Resultaten 1-2</p></main></body></html>')
    page = snf.parse_page(body, PAGE_URL)
    assert ([r.kvk_number for r in page.records], page.total) == (["01085927", "68750110"], None)
    client = FakeClient({search_url("x", 1): (200, body)})
    assert len(snf.search(client, "x")[1]) == 2


def test_a_page_size_choice_is_not_a_result_count() -> None:
    page = results_page(names(0, 10), 1, pages=1, total=10)
    body = page.replace(b"</nav>", b"<p>Toon 25 resultaten per pagina</p></nav>")
    assert snf.parse_page(body, PAGE_URL).total == 10


def test_to_organisation() -> None:
    record = snf.parse_page(fixture("search-p1.html"), PAGE_URL).records[3]
    link = Link(method=LinkMethod.KVK)
    organisation = snf.to_organisation(record, link)
    assert (organisation.name, organisation.kvk_number, organisation.status) == (
        "Flexwonen De Brug B.V.",
        "01085927",
        "gecertificeerd",
    )
    assert organisation.link == link


def test_search_follows_the_next_link_to_the_last_page() -> None:
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
    with pytest.raises(ScrapingError, match="links on past page 1") as caught:
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
    records = snf.parse_page(body, PAGE_URL).records
    assert [(r.name, r.place, r.detail_url) for r in records] == [
        ("Flexhuis B.V.", "Venlo", None),
        ("B B.V.", "Tiel", "https://www.normeringflexwonen.nl/register/b"),
    ]


# --- rows of one registration that disagree ---------------------------------------------------


def _row(name: str, status: str | None, detail: str | None = None) -> snf.SnfRecord:
    return snf.SnfRecord(name, "Rotterdam", status, "68750110", detail)


@pytest.mark.parametrize(
    ("statuses", "kept"),
    [
        (("gecertificeerd", "doorgehaald"), "doorgehaald"),
        (("gecertificeerd", "opgeschort"), "opgeschort"),
        (("aangemeld", "gecertificeerd"), "aangemeld"),
        (("opgeschort", "doorgehaald", "aangemeld"), "doorgehaald"),
        (("gecertificeerd", None), None),  # no status shown: not certified, but no removal either
        (("gecertificeerd", "in behandeling"), "in behandeling"),  # a word not known: never read as certified
        (("in behandeling", "doorgehaald"), "doorgehaald"),
    ],
)
def test_least_favourable_keeps_the_worst_status_whatever_the_order(
    statuses: tuple[str | None, ...], kept: str | None
) -> None:
    """SNF listing one KvK number with several statuses: the row order must not decide (as ``sna.find``)."""
    rows = [_row(f"Fixture {i}", status) for i, status in enumerate(statuses)]
    for order in (rows, rows[::-1]):
        assert snf.least_favourable(order).status == kept


def test_least_favourable_breaks_ties_by_the_fields_shown_not_by_order() -> None:
    """Two removed rows of one name (another detail link): the same row is kept either way."""
    a = _row("Fixture Uitzend B.V.", "doorgehaald", "https://www.normeringflexwonen.nl/register/a")
    b = _row("Fixture Uitzend B.V.", "doorgehaald", "https://www.normeringflexwonen.nl/register/b")
    certified = _row("Fixture Flex", "gecertificeerd")
    assert snf.least_favourable([certified, b, a]) is a and snf.least_favourable([a, certified, b]) is a


def test_status_rank_orders_removed_below_unknown_below_certified() -> None:
    ranks = [snf.status_rank(s) for s in ("doorgehaald", "opgeschort", "aangemeld", None, "onbekend", "gecertificeerd")]
    assert ranks == [0, 1, 2, 3, 3, 4]
