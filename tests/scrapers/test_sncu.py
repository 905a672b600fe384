"""SNCU adapter: list and detail parsing, dates in Dutch and English, paging, on our own fixtures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from eligibility._decision import Outcome, Verdict
from eligibility._dossier import Link, LinkMethod, ReadStatus
from eligibility._errors import FetchError, LayoutChangedError, ScrapingError
from eligibility._evaluate import evaluate
from eligibility._pack import RulePack, load_pack
from scrapers._pipeline import BuildResult
from scrapers._store import EvidenceStore
from scrapers.sncu import (
    LIST_URL,
    MONTHS,
    fetch_all,
    find_dates,
    parse_date,
    parse_detail,
    parse_list,
    parties_from,
    to_verdict,
)
from tests.scrapers.test_pipeline import AS_OF, DECLARATIONS, LENDER, ROUTES, ms, online

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "registers" / "sncu"
SITE = "https://www.sncu.nl/vonnissen-en-arresten/"
PAGE_2 = f"{SITE}page/2/"
FLEXWERK = f"{SITE}vonnis-sncu-vs-flexwerk-voorbeeld-bv-2024/"
PROEFPERSONEEL = f"{SITE}arrest-hof-den-bosch-proefpersoneel-2/"
DE_PROEF = f"{SITE}vonnis-sncu-vs-uitzendbureau-de-proef-2019/"
TESTMAN = f"{SITE}vonnis-sncu-vs-bouwbedrijf-testman-2017/"
SERVED: dict[str, str | bytes] = {
    LIST_URL: "list_page_1.html",
    PAGE_2: "list_page_2.html",
    FLEXWERK: "detail_flexwerk_voorbeeld_2024.html",
    PROEFPERSONEEL: "detail_proefpersoneel_arrest_2021.html",
    DE_PROEF: "detail_uitzendbureau_de_proef_2019.html",
    TESTMAN: "detail_bouwbedrijf_testman_2017.html",
}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --- list pages -------------------------------------------------------------------------------


def test_list_page_reads_three_entries_with_absolute_urls_dates_and_next_link() -> None:
    page = parse_list(fixture("list_page_1.html"), LIST_URL)
    assert [(e.title, e.url, e.date) for e in page.entries] == [
        ("Vonnis SNCU vs. Flexwerk Voorbeeld B.V.", FLEXWERK, date(2024, 3, 12)),
        ("Arrest Gerechtshof: Proefpersoneel Nederland B.V. tegen SNCU", PROEFPERSONEEL, date(2021, 10, 5)),
        ("Vonnis SNCU vs. Uitzendbureau De Proef B.V. en J. de Vries", DE_PROEF, date(2019, 1, 17)),
    ]
    assert page.next_url == PAGE_2


def test_list_ignores_links_outside_the_content_area() -> None:
    page = parse_list(fixture("list_page_1.html"), LIST_URL)
    assert not any("uitgelicht" in entry.url for entry in page.entries)


def test_last_list_page_has_no_next_link() -> None:
    page = parse_list(fixture("list_page_2.html"), PAGE_2)
    assert [(e.title, e.url, e.date) for e in page.entries] == [
        ("Vonnis SNCU vs. Bouwbedrijf Testman V.O.F. (2017)", TESTMAN, date(2017, 5, 3)),
    ]
    assert page.next_url is None


def test_list_entry_without_date_has_none() -> None:
    body = b'<html><body><main><ul><li><a href="/vonnissen-en-arresten/x-y/">Vonnis SNCU vs. X</a></li></ul></main></body></html>'
    (entry,) = parse_list(body, LIST_URL).entries
    assert (entry.url, entry.date) == (f"{SITE}x-y/", None)


def test_list_next_link_found_by_its_text_and_kept_within_the_section() -> None:
    body = (
        b'<html><body><main><a href="/vonnissen-en-arresten/a/">Vonnis SNCU vs. A</a>'
        b'<a href="https://elders.example/vonnissen-en-arresten/page/2/">Volgende</a>'
        b'<a href="/nieuws/page/2/">Next</a>'
        b'<a href="/vonnissen-en-arresten/page/2/">Volgende pagina \xc2\xbb</a></main></body></html>'
    )
    assert parse_list(body, LIST_URL).next_url == PAGE_2


@pytest.mark.parametrize("link", [b'<a class="next" href="https://sncu.nl/vonnissen-en-arresten/page/2/">Volgende</a>',
                                  b'<span>1</span><a href="https://SNCU.nl/vonnissen-en-arresten/page/2/">2</a>'])
def test_list_next_link_without_www_is_followed_on_the_lists_host(link: bytes) -> None:
    """sncu.nl and www.sncu.nl are one site (as for verdict links): a next link to the other form
    was passed over, and the list ended after page 1 without a word (review, helper 70)."""
    body = b'<html><body><main><a href="/vonnissen-en-arresten/a/">Vonnis SNCU vs. A</a>' + link + b"</main></body></html>"
    assert parse_list(body, LIST_URL).next_url == PAGE_2


def test_list_malformed_link_outside_the_section_is_skipped() -> None:
    """A malformed href (urljoin raises ValueError) that cannot be a verdict link is left out."""
    page = parse_list(fixture("list_page_1_bad_href.html"), LIST_URL)
    assert [e.url for e in page.entries] == [FLEXWERK, PROEFPERSONEEL, DE_PROEF]
    assert page.next_url == PAGE_2


def test_list_malformed_link_into_the_section_is_a_layout_change() -> None:
    """A malformed link that may be a verdict cannot be skipped: the verdict would vanish."""
    body = (
        b'<html><body><main><a href="/vonnissen-en-arresten/a/">Vonnis SNCU vs. A</a>'
        b'<a href="http://[x/vonnissen-en-arresten/b/">Vonnis SNCU vs. B</a></main></body></html>'
    )
    with pytest.raises(LayoutChangedError, match="not a valid URL") as caught:
        parse_list(body, LIST_URL)
    assert caught.value.url == LIST_URL


def test_list_malformed_next_link_is_a_layout_change() -> None:
    body = (
        b'<html><body><main><a href="/vonnissen-en-arresten/a/">Vonnis SNCU vs. A</a>'
        b'<a rel="next" href="http://[x/vonnissen-en-arresten/page/2/">Volgende</a></main></body></html>'
    )
    with pytest.raises(LayoutChangedError, match="not a valid URL"):
        parse_list(body, LIST_URL)


def test_list_numbered_pagination_without_next_link_is_followed() -> None:
    """Only page numbers (no rel=next, no "Volgende"): page N links page N+1."""
    assert parse_list(fixture("list_page_1_numbered_only.html"), LIST_URL).next_url == PAGE_2
    body = (
        b'<html><body><main><a href="/vonnissen-en-arresten/a/">Vonnis SNCU vs. A</a>'
        b'<a class="page-numbers" href="/vonnissen-en-arresten/">1</a><span class="current">2</span>'
        b'<a class="page-numbers" href="/vonnissen-en-arresten/page/3/">3</a></main></body></html>'
    )
    assert parse_list(body, PAGE_2).next_url == f"{SITE}page/3/"
    last = body.replace(b"page/3/", b"page/1/")
    assert parse_list(last, PAGE_2).next_url is None
    malformed = body.replace(b'href="/vonnissen-en-arresten/page/3/"', b'href="http://[x/vonnissen-en-arresten/page/3/"')
    with pytest.raises(LayoutChangedError, match="is not a valid URL"):
        parse_list(malformed, PAGE_2)


_LIST_1 = fixture("list_page_1.html")
_NAV_START = _LIST_1.index(b'<nav class="navigation pagination"')
_NAV_1 = _LIST_1[_NAV_START : _LIST_1.index(b"</nav>", _NAV_START) + len(b"</nav>")]


def list_page_1_with(pagination: str) -> bytes:
    """list_page_1.html with its next links (``<link rel="next">`` and the numbered nav) replaced."""
    body = _LIST_1.replace(b'<link rel="next" href="https://www.sncu.nl/vonnissen-en-arresten/page/2/">\n', b"")
    body = body.replace(_NAV_1, pagination.encode())
    assert PAGE_2.encode() not in body
    return body


QUERY_PAGING = (
    '<nav class="navigation pagination"><span aria-current="page" class="page-numbers current">1</span>'
    '<a class="page-numbers" href="https://www.sncu.nl/vonnissen-en-arresten/?sf_paged=2">2</a>'
    '<a class="page-numbers" href="https://www.sncu.nl/vonnissen-en-arresten/?sf_paged=3">3</a></nav>'
)
LOAD_MORE = (
    '<div class="load-more-wrap"><button class="load-more" data-next-page="2">Meer vonnissen laden</button></div>'
)


@pytest.mark.parametrize(
    ("pagination", "sign"),
    [
        (QUERY_PAGING, "a link to page 2 (https://www.sncu.nl/vonnissen-en-arresten/?sf_paged=2)"),
        (LOAD_MORE, "a load-more control ('Meer vonnissen laden')"),
        ('<p><a href="#" class="button">Meer laden</a></p>', "a load-more control ('Meer laden')"),
        ('<p class="paging-info">Pagina 1 van 3</p>', "'Pagina 1 van 3'"),
        ('<nav class="pagination"><span class="current">1</span><a href="#" data-page="2">2</a></nav>',
         "a page number 2 beyond page 1"),
        ('<a rel="next" href="/uitspraken/page/2/">Volgende</a>', 'a rel="next" link to https://www.sncu.nl/uitspraken/page/2/'),
    ],
    ids=["query-page-numbers", "load-more-button", "load-more-link", "page-1-of-3", "script-pager", "next-elsewhere"],
)
def test_a_pagination_the_parser_cannot_follow_is_a_layout_change(pagination: str, sign: str) -> None:
    """Page 1 says more pages exist but offers no next link the parser follows: read as the whole
    list, every verdict on page 2 would be "not listed" and the partner eligible."""
    with pytest.raises(LayoutChangedError) as caught:
        parse_list(list_page_1_with(pagination), LIST_URL)
    assert caught.value.url == LIST_URL
    assert caught.value.missing == f"a next-page link that can be followed (the page shows more pages: {sign})"


@pytest.mark.parametrize(
    "pagination",
    [
        "",
        '<div class="load-more-wrap"><button class="load-more" disabled>Meer vonnissen laden</button></div>',
        '<p class="paging-info">Pagina 1 van 1</p>',
        '<p><a href="https://www.sncu.nl/nieuws/?paged=2">Ouder nieuws</a></p>',  # another section's pages
    ],
    ids=["none", "disabled-load-more", "page-1-of-1", "other-section"],
)
def test_a_list_showing_no_more_pages_ends_without_error(pagination: str) -> None:
    page = parse_list(list_page_1_with(pagination), LIST_URL)
    assert (len(page.entries), page.next_url) == (3, None)


def test_fetch_all_reads_no_verdict_when_page_1_hides_page_2() -> None:
    client = FakeClient({**SERVED, LIST_URL: list_page_1_with(QUERY_PAGING)})
    with pytest.raises(LayoutChangedError, match="the page shows more pages"):
        fetch_all(client)  # type: ignore[arg-type]
    assert client.calls == [LIST_URL]


def test_changed_list_layout_names_url_and_what_is_missing() -> None:
    with pytest.raises(LayoutChangedError) as caught:
        parse_list(fixture("list_changed_layout.html"), LIST_URL)
    assert caught.value.url == LIST_URL
    assert caught.value.missing == "links to verdict pages (/vonnissen-en-arresten/<slug>/) in the content area"


# --- list entries whose link is not read: raised, never dropped -------------------------------

_DONALD = "Vonnis SNCU vs. Test BV Donald"


def with_entry(href: str, title: str = _DONALD, *, page: str = "list_page_1.html") -> bytes:
    """A list fixture with one more entry, first in the list, of the same markup as the others."""
    body = fixture(page)
    entry = (
        f'<article class="post-item"><h2 class="entry-title"><a href="{href}">{title}</a></h2>'
        '<div class="entry-meta"><span class="posted-on">5 maart 2025</span></div></article>'
    ).encode()
    changed = body.replace(b'<div class="posts-list">', b'<div class="posts-list">' + entry, 1)
    assert changed != body
    return changed


_UNREAD_LINKS = [
    "https://www.sncu.nl/wp-content/uploads/2025/03/Vonnis-SNCU-vs-Test-BV-Donald.pdf",
    "https://uitspraken.rechtspraak.nl/details?id=ECLI:NL:RBAMS:2025:1234",
    "https://www.sncu.nl/?p=4711",
    "https://www.sncu.nl/en/vonnissen-en-arresten/vonnis-sncu-vs-test-bv-donald/",
    "https://www.sncu.nl/uitspraken/vonnis-sncu-vs-test-bv-donald/",
    "/vonnissen-en-arresten/hoger-beroep/vonnis-sncu-vs-test-bv-donald/",  # a category path: not one verdict
    "/vonnissen-en-arresten/vonnis-sncu-vs-test-bv-donald/bijlage/",
]
_UNREAD_IDS = ["pdf", "other-host", "query-permalink", "english-path", "renamed-section", "category-path", "sub-page"]


@pytest.mark.parametrize("page", ["list_page_1.html", "list_page_2.html"], ids=["among-three", "beside-the-only-one"])
@pytest.mark.parametrize("href", _UNREAD_LINKS, ids=_UNREAD_IDS)
def test_a_list_entry_whose_link_is_not_read_fails_the_list_naming_it(href: str, page: str) -> None:
    """Dropped, the entry's verdict was lost and its partner came out eligible."""
    url = LIST_URL if page == "list_page_1.html" else PAGE_2
    with pytest.raises(LayoutChangedError) as caught:
        parse_list(with_entry(href, page=page), url)
    assert caught.value.url == url
    assert caught.value.missing.startswith(f"a verdict link (/vonnissen-en-arresten/<slug>/) in the list entry '{_DONALD}")
    assert href in caught.value.missing


def test_an_entry_of_the_same_markup_fails_the_list_whatever_its_title() -> None:
    """No verdict word in the title: the entry is known by its markup (an <article> like the others)."""
    with pytest.raises(LayoutChangedError, match="in the list entry 'Test BV Donald"):
        parse_list(with_entry("https://www.sncu.nl/?p=4711", "Test BV Donald"), LIST_URL)


@pytest.mark.parametrize(
    ("href", "url"),
    [
        ("https://sncu.nl/vonnissen-en-arresten/vonnis-sncu-vs-test-bv-donald/", f"{SITE}vonnis-sncu-vs-test-bv-donald/"),
        ("https://www.sncu.nl/vonnissen-en-arresten/2025/vonnis-sncu-vs-test-bv-donald/",
         f"{SITE}2025/vonnis-sncu-vs-test-bv-donald/"),
        ("/vonnissen-en-arresten/2025/03/vonnis-sncu-vs-test-bv-donald", f"{SITE}2025/03/vonnis-sncu-vs-test-bv-donald/"),
    ],
    ids=["without-www", "year-path", "year-month-path"],
)
def test_a_verdict_linked_without_www_or_under_a_date_path_is_read(href: str, url: str) -> None:
    entries = parse_list(with_entry(href), LIST_URL).entries
    assert (entries[0].title, entries[0].url, entries[0].date) == (_DONALD, url, date(2025, 3, 5))
    assert len(entries) == 4


def test_a_date_archive_under_the_section_is_no_verdict() -> None:
    body = fixture("list_page_1.html").replace(
        b'<p>Hieronder', b'<p><a href="/vonnissen-en-arresten/2025/03/">Maart 2025</a> Hieronder', 1
    )
    assert len(parse_list(body, LIST_URL).entries) == 3


@pytest.mark.parametrize(
    "anchor",
    [
        '<a href="https://uitspraken.rechtspraak.nl/details?id=ECLI:NL:HR:2025:1">het arrest van de Hoge Raad</a>',
        '<a href="/wp-content/uploads/2025/03/bijlage.pdf">bijlage</a>',
        '<a href="https://www.sncu.nl/?p=4711">SNCU tegen Test BV Donald</a>',
    ],
    ids=["verdict-word", "pdf", "sncu-versus"],
)
def test_a_verdict_like_link_outside_every_entry_fails_the_list(anchor: str) -> None:
    body = fixture("list_page_1.html").replace(b"<p>Hieronder", f"<p>Zie {anchor}. Hieronder".encode(), 1)
    with pytest.raises(LayoutChangedError, match="in the list entry"):
        parse_list(body, LIST_URL)


def test_a_list_of_items_with_a_pdf_item_fails_the_list() -> None:
    body = (
        b'<html><body><main><ul class="vonnissen">'
        b'<li><a href="/vonnissen-en-arresten/a-2024/">Vonnis SNCU vs. A B.V.</a> 12 mrt 2024</li>'
        b'<li><a href="https://sncu.nl/wp-content/uploads/b.pdf">B B.V.</a> 5 maart 2025</li>'
        b"</ul></main></body></html>"
    )
    with pytest.raises(LayoutChangedError, match=r"in the list entry 'B B\.V\. 5 maart 2025'"):
        parse_list(body, LIST_URL)


@pytest.mark.parametrize(
    ("find", "insert"),
    [
        (
            '<main id="main" class="site-main">',
            (
                '<main id="main" class="site-main"><div class="breadcrumbs"><a href="https://www.sncu.nl/">Home</a> &gt; '
                '<a href="https://www.sncu.nl/vonnissen-en-arresten/">Vonnissen en arresten</a></div>'
            ),
        ),
        ("<p>Hieronder", '<p>Lees <a href="/over-sncu/">over de SNCU</a> en <a href="/melding-doen/">meld</a>. Hieronder'),
        (
            "</main>",
            (
                '<aside class="sidebar"><a href="/wp-content/uploads/jaarverslag.pdf">Jaarverslag</a>'
                '<a href="/vonnissen-en-arresten/categorie/hoger-beroep/">Arresten: uitspraak in hoger beroep</a></aside>'
                '<nav class="menu"><a href="/wp-content/uploads/uitleg.pdf">Uitleg vonnis</a></nav>'
                '<footer><a href="/privacy.pdf">Privacy</a></footer></main>'
            ),
        ),
        (
            '<p class="excerpt">Vordering van de SNCU toegewezen.</p>',
            (
                '<p class="excerpt">Toegewezen. <a href="/wp-content/uploads/2019/01/vonnis.pdf">Download het vonnis (pdf)</a> '
                '<a href="https://uitspraken.rechtspraak.nl/x">Uitspraak op rechtspraak.nl</a></p>'
            ),
        ),
    ],
    ids=["breadcrumb", "intro-links", "sidebar-menu-footer-in-main", "pdf-in-a-read-entry"],
)
def test_menus_footers_and_a_read_entrys_own_links_do_not_fail_the_list(find: str, insert: str) -> None:
    body = fixture("list_page_1.html").replace(find.encode(), insert.encode(), 1)
    assert body != fixture("list_page_1.html")
    assert parse_list(body, LIST_URL) == parse_list(fixture("list_page_1.html"), LIST_URL)


def test_the_only_entry_of_a_page_keeps_its_own_pdf_link() -> None:
    body = fixture("list_page_2.html").replace(
        b'<div class="entry-meta">', b'<p><a href="/wp-content/uploads/v.pdf">PDF</a></p><div class="entry-meta">', 1
    )
    assert parse_list(body, PAGE_2) == parse_list(fixture("list_page_2.html"), PAGE_2)


def test_fetch_all_reads_a_verdict_linked_without_www_from_the_lists_host() -> None:
    donald = f"{SITE}vonnis-sncu-vs-test-bv-donald/"
    body = with_entry("https://sncu.nl/vonnissen-en-arresten/vonnis-sncu-vs-test-bv-donald/")
    client = FakeClient({**SERVED, LIST_URL: body, donald: "detail_flexwerk_voorbeeld_2024.html"})
    _, details = fetch_all(client)  # type: ignore[arg-type]
    assert donald in client.calls and donald in [d.url for d in details]


# --- detail pages -----------------------------------------------------------------------------


def test_detail_with_labelled_date_court_ecli_parties_and_outcome() -> None:
    detail = parse_detail(fixture("detail_flexwerk_voorbeeld_2024.html"), FLEXWERK)
    assert detail.title == "Vonnis SNCU vs. Flexwerk Voorbeeld B.V."
    assert detail.slug == "vonnis-sncu-vs-flexwerk-voorbeeld-bv-2024"
    assert (detail.verdict_date, detail.date_text, detail.date_labelled) == (date(2024, 3, 12), "12 mrt 2024", True)
    assert detail.court == "Rechtbank Limburg"
    assert detail.ecli == "ECLI:NL:RBLIM:2024:1873"
    assert detail.parties == ("Flexwerk Voorbeeld B.V.",)
    assert detail.outcome is not None and detail.outcome.startswith("De kantonrechter veroordeelt Flexwerk Voorbeeld B.V.")


def test_detail_with_english_abbreviation_company_and_director() -> None:
    detail = parse_detail(fixture("detail_uitzendbureau_de_proef_2019.html"), DE_PROEF)
    assert (detail.verdict_date, detail.date_text, detail.date_labelled) == (date(2019, 1, 17), "17 Jan 2019", False)
    assert detail.court == "Rechtbank Gelderland"
    assert detail.ecli is None
    assert detail.parties == ("Uitzendbureau De Proef B.V.", "J. de Vries")
    assert detail.outcome == "De vordering van de SNCU wordt toegewezen; gedaagden worden hoofdelijk veroordeeld in de proceskosten."


def test_appeal_with_irregular_slug_counts_from_its_own_date() -> None:
    detail = parse_detail(fixture("detail_proefpersoneel_arrest_2021.html"), PROEFPERSONEEL)
    assert detail.slug == "arrest-hof-den-bosch-proefpersoneel-2"
    assert detail.verdict_date == date(2021, 10, 5)
    assert detail.court == "Gerechtshof 's-Hertogenbosch"
    assert detail.parties == ("Proefpersoneel Nederland B.V.",)


def test_detail_with_english_full_month_and_kantonrechter() -> None:
    detail = parse_detail(fixture("detail_bouwbedrijf_testman_2017.html"), TESTMAN)
    assert detail.verdict_date == date(2017, 5, 3)
    assert detail.court == "Kantonrechter te Zwolle"
    assert detail.parties == ("Bouwbedrijf Testman V.O.F.",)
    assert detail.outcome is not None and "ordered to pay" in detail.outcome


def test_detail_without_date_raises_naming_url() -> None:
    url = f"{SITE}vonnis-zonder-datum/"
    with pytest.raises(LayoutChangedError) as caught:
        parse_detail(fixture("detail_without_date.html"), url)
    assert caught.value.url == url
    assert caught.value.missing == "a verdict date (e.g. '17 januari 2019' or '17 Jan 2019')"


def test_detail_without_title_raises() -> None:
    with pytest.raises(LayoutChangedError, match="the verdict title"):
        parse_detail(b"<html><body><main><p>Datum uitspraak: 1 mei 2020</p></main></body></html>", FLEXWERK)


def test_title_without_versus_gives_parties_only_from_labels() -> None:
    body = (
        "<html><body><article><h1>Uitspraak kantonrechter over loonvordering</h1><p>1 mei 2020</p>"
        "<p>Gedaagde: Proef Flex B.V.</p></article></body></html>"
    ).encode()
    assert parse_detail(body, FLEXWERK).parties == ("Proef Flex B.V.",)


def test_labelled_date_wins_over_an_earlier_unlabelled_one() -> None:
    body = (
        "<html><body><article><h1>Vonnis SNCU vs. X B.V.</h1><p>Geplaatst 2 juni 2020</p>"
        "<p>Datum uitspraak: 28 mei 2020</p></article></body></html>"
    ).encode()
    detail = parse_detail(body, FLEXWERK)
    assert (detail.verdict_date, detail.date_labelled) == (date(2020, 5, 28), True)


APPEAL_UPDATE = (
    "Update: op 5 maart 2025 heeft het Gerechtshof Den Haag in hoger beroep het vonnis bekrachtigd "
    "(ECLI:NL:GHDHA:2025:321)."
)


def _detail(*paragraphs: str, title: str = "Arrest Gerechtshof: Fixture Uitzend B.V. tegen SNCU") -> bytes:
    text = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return f"<html><body><main><article><h1>{title}</h1>{text}</article></main></body></html>".encode()


def _dated(paragraphs: tuple[str, ...], **title: str) -> tuple[date, str, bool, tuple[str, ...]]:
    """The verdict date, as written, whether labelled, and the dates passed over, of a page of ``paragraphs``."""
    detail = parse_detail(_detail(*paragraphs, **title), FLEXWERK)
    return detail.verdict_date, detail.date_text, detail.date_labelled, detail.date_conflicts


@pytest.mark.parametrize(
    ("paragraphs", "expected", "conflicts"),
    [
        # an appeal judgment counts from its own date (LEGAL.md B3.g): the first label named 2020
        (("Datum vonnis: 14 juli 2020", "Datum arrest: 5 maart 2025"),
         (date(2025, 3, 5), "5 maart 2025"), ("14 juli 2020",)),
        (("Datum arrest: 5 maart 2025", "Datum vonnis: 14 juli 2020"),
         (date(2025, 3, 5), "5 maart 2025"), ("14 juli 2020",)),
        (("Datum uitspraak: 14 juli 2020", APPEAL_UPDATE),
         (date(2025, 3, 5), "5 maart 2025"), ("14 juli 2020", "ECLI:NL:GHDHA:2025:321")),
        # an ECLI gives a year only: 1 January of it, still later than the labelled date
        (("Datum uitspraak: 14 juli 2020", "In hoger beroep bekrachtigd: ECLI:NL:GHDHA:2025:321."),
         (date(2025, 1, 1), "ECLI:NL:GHDHA:2025:321"), ("14 juli 2020",)),
    ],
    ids=["two-labels", "two-labels-latest-first", "later-date-and-ecli-in-text", "later-ecli-only"],
)
def test_a_second_verdict_date_makes_the_latest_count_and_the_date_not_labelled(
    paragraphs: tuple[str, ...], expected: tuple[date, str], conflicts: tuple[str, ...]
) -> None:
    # the dates passed over are named to the officer by the pipeline's note
    assert _dated(paragraphs) == (*expected, False, conflicts)


@pytest.mark.parametrize(
    "paragraphs",
    [
        ("Datum uitspraak: 12 mrt 2024", "Uitspraak: 12-03-2024"),  # one date, written twice
        ("Datum uitspraak: 12 mrt 2024", "Geplaatst op 19 mrt 2024"),  # a later publication date
        ("Datum uitspraak: 12 mrt 2024", "ECLI:NL:RBLIM:2024:1873", "Controle van 3 januari 2023."),  # not later
    ],
    ids=["same-date-twice", "publication-date", "same-year-ecli-earlier-date"],
)
def test_a_single_labelled_date_stays_labelled(paragraphs: tuple[str, ...]) -> None:
    """A first-instance title: an "Arrest Gerechtshof" title mentions an appeal (see below)."""
    assert _dated(paragraphs, title="Vonnis SNCU vs. Fixture Uitzend B.V.") == (date(2024, 3, 12), "12 mrt 2024", True, ())


@pytest.mark.parametrize(
    ("paragraphs", "expected", "conflicts"),
    [
        # the appeal's date in a shape the date regex did not know: 2020 counted alone, labelled
        (("Datum vonnis: 14 juli 2020", "Bij arrest van 05/03/2025 heeft het hof het vonnis bekrachtigd."),
         (date(2025, 3, 5), "05/03/2025"), ("14 juli 2020",)),
        (("Datum vonnis: 14 juli 2020", "Bij arrest van 2025-03-05 heeft het hof het vonnis bekrachtigd."),
         (date(2025, 3, 5), "2025-03-05"), ("14 juli 2020",)),
        # the appeal has no date read here: the labelled vonnis date stays, but not labelled
        (("Datum vonnis: 14 juli 2020", "In hoger beroep is het vonnis in 2025 bekrachtigd."),
         (date(2020, 7, 14), "14 juli 2020"),
         ('an appeal is mentioned ("hoger beroep") and its own date was not read',)),
        # a publication date is no verdict date, but the appeal it reports is
        (("Datum vonnis: 14 juli 2020", "Gepubliceerd op 5 maart 2025: het hof heeft het vonnis bekrachtigd."),
         (date(2020, 7, 14), "14 juli 2020"), ('an appeal is mentioned ("het hof") and its own date was not read',)),
        (("Datum uitspraak: 14 juli 2020", "Het Gerechtshof Den Haag vernietigt het vonnis."),
         (date(2020, 7, 14), "14 juli 2020"),
         ('an appeal is mentioned ("Gerechtshof") and its own date was not read',)),
    ],
    ids=["slash-date", "iso-date", "appeal-without-date", "appeal-under-publication-date", "vernietigd"],
)
def test_an_appeal_the_labelled_vonnis_date_is_not_the_date_of_is_never_labelled(
    paragraphs: tuple[str, ...], expected: tuple[date, str], conflicts: tuple[str, ...]
) -> None:
    """LEGAL.md B3.g: an appeal judgment counts from its own date. Labelled, the 2020 vonnis date
    put the verdict out of the window and B3.g passed; not labelled, it goes to review."""
    assert _dated(paragraphs, title="Vonnis SNCU vs. Fixture Uitzend B.V.") == (*expected, False, conflicts)


def test_an_arrest_title_makes_a_vonnis_or_uitspraak_label_not_labelled() -> None:
    detail = parse_detail(_detail("Datum uitspraak: 12 mrt 2024"), FLEXWERK)  # "Arrest Gerechtshof: ..."
    assert (detail.verdict_date, detail.date_labelled) == (date(2024, 3, 12), False)
    assert detail.date_conflicts == ('an appeal is mentioned ("Arrest") and its own date was not read',)


@pytest.mark.parametrize(
    "paragraphs",
    [
        ("Datum arrest: 5 maart 2025", "Het hof bekrachtigt het vonnis van de kantonrechter."),
        ("Datum van de arrest: 5 maart 2025", "In hoger beroep."),
    ],
)
def test_an_arrest_label_is_the_appeals_own_date_and_stays_labelled(paragraphs: tuple[str, ...]) -> None:
    detail = parse_detail(_detail(*paragraphs), FLEXWERK)
    assert (detail.verdict_date, detail.date_labelled, detail.date_conflicts) == (date(2025, 3, 5), True, ())


def test_recorded_fixtures_keep_their_dates_and_labels() -> None:
    """sncu/4 reads more date shapes and appeal mentions: the recorded pages read as before."""
    read = {
        name: parse_detail(fixture(name), f"{SITE}x/")
        for name in ("detail_flexwerk_voorbeeld_2024.html", "detail_slash_title.html", "detail_unlabelled_dates.html",
                     "detail_proefpersoneel_arrest_2021.html", "detail_bouwbedrijf_testman_2017.html",
                     "detail_uitzendbureau_de_proef_2019.html")
    }  # fmt: skip
    assert {name: (d.verdict_date, d.date_text, d.date_labelled, d.date_conflicts) for name, d in read.items()} == {
        "detail_flexwerk_voorbeeld_2024.html": (date(2024, 3, 12), "12 mrt 2024", True, ()),
        "detail_slash_title.html": (date(2026, 3, 12), "12 mrt 2026", True, ()),
        "detail_unlabelled_dates.html": (date(2026, 2, 2), "2 februari 2026", False, ()),
        "detail_proefpersoneel_arrest_2021.html": (date(2021, 10, 5), "5 oktober 2021", False, ()),
        "detail_bouwbedrijf_testman_2017.html": (date(2017, 5, 3), "3 May 2017", False, ()),
        "detail_uitzendbureau_de_proef_2019.html": (date(2019, 1, 17), "17 Jan 2019", False, ()),
    }


def test_a_slash_date_that_is_no_valid_day_first_date_is_skipped_in_running_text() -> None:
    """"03/13/2025" may be month-first: never read in another order; named to the officer."""
    detail = parse_detail(_detail("Vonnis van 14 juli 2020.", "Arrest van 03/13/2025."), FLEXWERK)
    assert (detail.verdict_date, detail.date_labelled, detail.dates_skipped) == (date(2020, 7, 14), False, ("03/13/2025",))


def test_a_second_labelled_date_that_does_not_exist_fails_the_page() -> None:
    """Skipped, it could have been the appeal's date: the first label's date would count alone."""
    with pytest.raises(ValueError, match="date '31-02-2026' does not exist"):
        parse_detail(_detail("Datum vonnis: 12 mrt 2024", "Datum arrest: 31-02-2026"), FLEXWERK)


@pytest.mark.parametrize(
    ("dates", "impossible"),
    [
        # skipped, the next label's date was taken as the labelled verdict date: 2020, out of the window
        (("Datum uitspraak: 31-02-2026", "Datum: 14-07-2020"), "31-02-2026"),
        (("Datum uitspraak: 31 feb 2026", "Datum uitspraak: 28 mei 2020"), "31 feb 2026"),
    ],
)
def test_an_impossible_labelled_date_fails_the_page_instead_of_another_date_being_taken(
    dates: tuple[str, ...], impossible: str
) -> None:
    paragraphs = "".join(f"<p>{text}</p>" for text in dates)
    body = f"<html><body><article><h1>Vonnis SNCU vs. X B.V.</h1>{paragraphs}</article></body></html>".encode()
    with pytest.raises(ValueError, match=f"date '{impossible}' does not exist"):
        parse_detail(body, FLEXWERK)


def test_an_impossible_date_in_running_text_is_skipped_and_the_verdict_goes_to_review() -> None:
    """Unlabelled, the verdict date is a guess whatever is skipped: ``date_labelled`` is False, which
    sends B3.g to review; failing the page would fail SNCU for every partner over one typo."""
    body = ("<html><body><article><h1>Vonnis SNCU vs. X B.V.</h1><p>Controlerapport van 14 juli 2020.</p>"
            "<p>Vonnis van 30-02-2026.</p></article></body></html>").encode()
    detail = parse_detail(body, FLEXWERK)
    assert (detail.verdict_date, detail.date_labelled) == (date(2020, 7, 14), False)
    assert detail.dates_skipped == ("30-02-2026",)  # named to the officer by the pipeline's note


def test_an_impossible_date_on_the_list_page_is_skipped() -> None:
    body = fixture("list_page_1.html").replace(b"12 mrt 2024", b"31-04-2024", 1)
    assert body != fixture("list_page_1.html")
    entries = parse_list(body, LIST_URL).entries
    assert [entry.url for entry in entries] == [entry.url for entry in parse_list(fixture("list_page_1.html"), LIST_URL).entries]


def test_title_with_a_slash_between_sncu_and_the_party_names_the_party() -> None:
    detail = parse_detail(fixture("detail_slash_title.html"), f"{SITE}vonnis-sncu-flexwerk-voorbeeld-2024/")
    assert detail.parties == ("Flexwerk Voorbeeld B.V.",)
    assert (detail.verdict_date, detail.date_labelled) == (date(2026, 3, 12), True)


def test_without_a_label_the_latest_date_in_the_article_is_the_verdict_date() -> None:
    """"controlerapport van 14 juli 2020 ... vonnis van 2 februari 2026": the first date would put
    the verdict outside a two-year window; the latest keeps it in (the conservative reading)."""
    detail = parse_detail(fixture("detail_unlabelled_dates.html"), f"{SITE}x/")
    assert (detail.verdict_date, detail.date_text, detail.date_labelled) == (date(2026, 2, 2), "2 februari 2026", False)
    assert detail.parties == ("Flexwerk Voorbeeld B.V.",)


def test_to_verdict_carries_every_field_and_the_link() -> None:
    link = Link(method=LinkMethod.NAME, score=92.5, matched_name="Flexwerk Voorbeeld B.V.")
    verdict = to_verdict(parse_detail(fixture("detail_flexwerk_voorbeeld_2024.html"), FLEXWERK), link)
    assert verdict.model_dump() == {
        "title": "Vonnis SNCU vs. Flexwerk Voorbeeld B.V.",
        "verdict_date": date(2024, 3, 12),
        "date_labelled": True,
        "court": "Rechtbank Limburg",
        "ecli": "ECLI:NL:RBLIM:2024:1873",
        "url": FLEXWERK,
        "parties": [],  # linked against, not kept (LEGAL.md art. 10.3): see the next test
        "outcome": verdict.outcome,
        "link": link.model_dump(),
    }
    assert verdict.outcome is not None and "€ 25.000" in verdict.outcome


def test_to_verdict_leaves_out_a_director_named_as_a_party() -> None:
    """Directors' names are personal data that no rule reads; the party that matched is in the link."""
    detail = parse_detail(fixture("detail_uitzendbureau_de_proef_2019.html"), DE_PROEF)
    assert "J. de Vries" in detail.parties  # linked against by the pipeline
    link = Link(method=LinkMethod.NAME, score=100, matched_name="Uitzendbureau De Proef B.V.")
    verdict = to_verdict(detail, link)
    assert verdict.parties == [] and "de Vries" not in verdict.model_dump_json(exclude={"title"})
    assert "J. de Vries" in verdict.title  # the title as published stays: the rules quote it
    assert verdict.link.matched_name == "Uitzendbureau De Proef B.V."


def test_to_verdict_says_when_the_date_was_not_labelled() -> None:
    """The rules send such a verdict to review (b3_g_sncu date_not_labelled): the date is a guess."""
    link = Link(method=LinkMethod.NAME, score=92.5, matched_name="Flexwerk Voorbeeld B.V.")
    verdict = to_verdict(parse_detail(fixture("detail_unlabelled_dates.html"), FLEXWERK), link)
    assert verdict.date_labelled is False


# --- dates and parties ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "month"), sorted(MONTHS.items()))
def test_every_month_form_is_read(name: str, month: int) -> None:
    expected = date(2019, month, 17)
    assert parse_date(f"17 {name} 2019") == expected
    assert parse_date(f"17 {name.capitalize()}. 2019") == expected
    assert find_dates(f"Uitspraak van 17 {name.upper()} 2019.") == [(expected, f"17 {name.upper()} 2019")]


def test_every_month_has_dutch_and_english_forms() -> None:
    assert sorted(set(MONTHS.values())) == list(range(1, 13))
    assert {"mrt", "mar", "mei", "may", "okt", "oct", "sep", "sept", "maart", "march"} <= set(MONTHS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17 Jan 2019", date(2019, 1, 17)),
        ("17 januari 2019", date(2019, 1, 17)),
        ("17 mrt 2021", date(2021, 3, 17)),
        ("1 mei 2020", date(2020, 5, 1)),
        ("17-01-2019", date(2019, 1, 17)),
        (" 29-02-2024 ", date(2024, 2, 29)),
        ("17 foo 2019", None),  # no month: not a date at all
        ("31 foo 2019", None),
        ("januari 2019", None),
        ("2019-01-17", date(2019, 1, 17)),  # ISO: an appeal dated only so was not seen (sncu/4)
        ("17/01/2019", date(2019, 1, 17)),  # slash: day first, as on the Dutch site
        ("05/03/2025", date(2025, 3, 5)),
        ("2019/01/17", None),
        ("17-01/2019", None),  # mixed separators: no date
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["31-02-2024", "31 feb 2019", "30 Februari 2020", "29-02-2023", "0 januari 2020", "00-01-2020",
             "17-13-2019", "32 mei 2020", " 31-04-2024 ", "2024-02-30", "2024-13-01", "31/04/2024",
             "03/13/2025"],  # no valid day-first date: perhaps month-first, never read in another order
)  # fmt: skip
def test_parse_date_refuses_a_date_that_does_not_exist_naming_it(text: str) -> None:
    """Returned as None it was dropped: the verdict date became another date of the article."""
    with pytest.raises(ValueError, match=f"date '{text.strip()}' does not exist"):
        parse_date(text)


def test_find_dates_keeps_order() -> None:
    text = "Zitting 3 feb 2020, vonnis 3 maart 2020, hoger beroep 1 Oct 2021 en 02-11-2021."
    assert find_dates(text) == [
        (date(2020, 2, 3), "3 feb 2020"),
        (date(2020, 3, 3), "3 maart 2020"),
        (date(2021, 10, 1), "1 Oct 2021"),
        (date(2021, 11, 2), "02-11-2021"),
    ]


def test_find_dates_skips_a_date_that_does_not_exist() -> None:
    assert find_dates("Zitting 30 feb 2020, vonnis 3 maart 2020.") == [(date(2020, 3, 3), "3 maart 2020")]


@pytest.mark.parametrize(
    ("text", "parties"),
    [
        ("Vonnis SNCU vs. Flexwerk Voorbeeld B.V.", ["Flexwerk Voorbeeld B.V."]),
        ("Vonnis SNCU vs Flexwerk Voorbeeld B.V. 2019", ["Flexwerk Voorbeeld B.V."]),
        ("Vonnis SNCU tegen Bouw en Techniek B.V.", ["Bouw en Techniek B.V."]),
        ("Vonnis SNCU vs. X B.V. en J. de Vries", ["X B.V.", "J. de Vries"]),
        ("X B.V. en de heer J. de Vries (bestuurder)", ["X B.V.", "J. de Vries"]),
        ("Arrest Gerechtshof: Y N.V. tegen SNCU", ["Y N.V."]),
        ("Stichting Naleving CAO voor Uitzendkrachten (SNCU) tegen Z V.O.F. (2017)", ["Z V.O.F."]),
        ("Vonnis SNCU / Flexwerk Voorbeeld B.V.", ["Flexwerk Voorbeeld B.V."]),
        ("SNCU v Flexwerk Voorbeeld B.V.", ["Flexwerk Voorbeeld B.V."]),
        ("Vonnis SNCU contra Flexwerk Voorbeeld B.V. (2024)", ["Flexwerk Voorbeeld B.V."]),
        ("Uitspraak: SNCU v Jansen/De Vries Personeel B.V.", ["Jansen/De Vries Personeel B.V."]),
        ("Vonnis SNCU vs. Bouwbedrijf v d Berg B.V.", ["Bouwbedrijf v d Berg B.V."]),
        ("Flexwerk Voorbeeld B.V. / SNCU", ["Flexwerk Voorbeeld B.V."]),
    ],
    ids=["vs", "vs-year", "tegen", "company-and-director", "honorific", "appeal", "full-name", "slash", "v",
         "contra", "slash-inside-a-name", "v-inside-a-name", "slash-before-sncu"],
)
def test_parties_from(text: str, parties: list[str]) -> None:
    assert parties_from(text) == parties


@pytest.mark.parametrize(
    ("text", "parties"),
    [
        ("Vonnis SNCU vs. Fixture Uitzend B.V. te Rotterdam", ["Fixture Uitzend B.V."]),
        ("Vonnis SNCU vs. Fixture Uitzend B.V., gevestigd te Rotterdam", ["Fixture Uitzend B.V."]),
        ("Vonnis SNCU vs. Fixture Uitzend B.V. gevestigd te 's-Hertogenbosch (2025)", ["Fixture Uitzend B.V."]),
        ("Arrest Gerechtshof: Fixture Uitzend B.V. te Den Haag tegen SNCU", ["Fixture Uitzend B.V."]),
        ("Vonnis SNCU vs. J. Jansen uit Rotterdam", ["J. Jansen"]),
        ("Vonnis SNCU vs. curator van Fixture Uitzend B.V.", ["Fixture Uitzend B.V."]),
        ("Vonnis SNCU tegen de curator in het faillissement van Fixture Uitzend B.V.", ["Fixture Uitzend B.V."]),
        ("Vonnis SNCU tegen mr. J. Jansen q.q. (curator van Fixture Uitzend B.V.)", ["Fixture Uitzend B.V."]),
        ("Vonnis SNCU tegen mr. J. Jansen q.q.", ["J. Jansen"]),
        ("Vonnis SNCU vs. Fixture Uitzend B.V. in liquidatie", ["Fixture Uitzend B.V."]),
        ("Vonnis SNCU vs. X B.V., gevestigd te Den Haag, en Y B.V., gevestigd te Alphen aan den Rijn",
         ["X B.V.", "Y B.V."]),
        ("Vonnis SNCU vs. X B.V. te Capelle aan den IJssel en de heer J. de Vries uit Etten-Leur",
         ["X B.V.", "J. de Vries"]),
        ("Vonnis SNCU vs. Kunst te Koop B.V.", ["Kunst te Koop B.V."]),  # "te" inside a name stays
        ("Vonnis SNCU vs. Uitzendbureau Bergen op Zoom B.V.", ["Uitzendbureau Bergen op Zoom B.V."]),
    ],
    ids=["te", "gevestigd-te", "gevestigd-te-s-year", "te-in-appeal", "uit", "curator-van", "curator-faillissement",
         "qq-curator-in-brackets", "qq", "in-liquidatie", "two-seated", "te-and-uit", "te-inside-a-name",
         "place-inside-a-name"],
)
def test_parties_from_strips_place_and_capacity_phrases(text: str, parties: list[str]) -> None:
    """Kept whole, "Fixture Uitzend B.V. te Rotterdam" scored under the link threshold against the
    partner "Fixture Uitzend B.V.": the verdict was not linked and the partner was eligible."""
    assert parties_from(text) == parties


# --- fetch_all --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeSnapshot:
    url: str
    status: int
    body: bytes
    register: str


@dataclass
class FakeClient:
    """Same ``get`` signature as scrapers._http.PoliteClient; serves fixture files by URL."""

    served: dict[str, str | bytes]
    statuses: dict[str, int] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def get(
        self, url: str, *, register: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> FakeSnapshot:
        self.calls.append(url)
        body = self.served[url]
        return FakeSnapshot(url, self.statuses.get(url, 200), fixture(body) if isinstance(body, str) else body, register)


def test_fetch_all_follows_pagination_then_reads_each_verdict_once() -> None:
    client = FakeClient(SERVED)
    snapshots, details = fetch_all(client)  # type: ignore[arg-type]
    assert client.calls == [LIST_URL, PAGE_2, FLEXWERK, PROEFPERSONEEL, DE_PROEF, TESTMAN]
    assert [s.register for s in snapshots] == ["sncu"] * 6
    assert [(d.url, d.verdict_date) for d in details] == [
        (FLEXWERK, date(2024, 3, 12)),
        (PROEFPERSONEEL, date(2021, 10, 5)),
        (DE_PROEF, date(2019, 1, 17)),
        (TESTMAN, date(2017, 5, 3)),
    ]


def test_fetch_all_follows_numbered_only_pagination() -> None:
    client = FakeClient({**SERVED, LIST_URL: "list_page_1_numbered_only.html"})
    _, details = fetch_all(client)  # type: ignore[arg-type]
    assert client.calls[:2] == [LIST_URL, PAGE_2]
    assert TESTMAN in [d.url for d in details]


def test_fetch_all_refuses_more_list_pages_than_allowed() -> None:
    client = FakeClient(SERVED)
    with pytest.raises(ScrapingError, match="more than 1 pages") as caught:
        fetch_all(client, max_pages=1)  # type: ignore[arg-type]
    assert type(caught.value) is ScrapingError
    assert client.calls == [LIST_URL]


def test_fetch_all_detects_a_pagination_loop() -> None:
    back_to_start = fixture("list_page_2.html").replace(
        b'<link rel="prev" href="https://www.sncu.nl/vonnissen-en-arresten/">',
        b'<link rel="next" href="https://www.sncu.nl/vonnissen-en-arresten/">',
    )
    client = FakeClient({**SERVED, PAGE_2: back_to_start})
    with pytest.raises(LayoutChangedError, match="a next-page link to an unread page"):
        fetch_all(client)  # type: ignore[arg-type]


def test_fetch_all_raises_fetch_error_when_a_verdict_page_is_gone() -> None:
    client = FakeClient(SERVED, statuses={DE_PROEF: 404})
    with pytest.raises(FetchError, match="HTTP 404") as caught:
        fetch_all(client)  # type: ignore[arg-type]
    assert caught.value.url == DE_PROEF


# --- end to end: LENDER ("Fixture Uitzend B.V.", eligible on the demo registers) and one verdict ---


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence")


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_pack()


def lender_with(store: EvidenceStore, url: str, body: bytes) -> BuildResult:
    """LENDER built online from the demo routes, ``url`` (a verdict the list links, or the list)
    serving ``body`` instead."""
    routes = {**ROUTES, ms.url_of(url): ms.Route("sncu", 200, body, "text/html; charset=utf-8")}
    return online(LENDER, store, routes=routes, declarations=DECLARATIONS)


def judged(result: BuildResult, pack: RulePack) -> tuple[Verdict, Outcome, str | None]:
    decision = evaluate(result.dossier, pack, AS_OF)
    (criterion,) = [c for c in decision.criteria if c.id == "b3_g_sncu"]
    return decision.verdict, criterion.outcome, criterion.clause


def test_the_lender_is_eligible_with_the_demo_verdicts(store: EvidenceStore, pack: RulePack) -> None:
    """The baseline of the tests below: only the verdict page they serve makes the difference."""
    result = lender_with(store, TESTMAN, fixture("detail_bouwbedrijf_testman_2017.html"))
    assert result.dossier.registers.sncu.verdicts == []
    assert judged(result, pack) == (Verdict.ELIGIBLE, Outcome.PASS, "not_listed")


@pytest.mark.parametrize(
    "paragraphs",
    [
        ("Datum vonnis: 14 juli 2020", "Datum arrest: 5 maart 2025", "Instantie: Gerechtshof Den Haag"),
        ("Datum uitspraak: 14 juli 2020", APPEAL_UPDATE),
    ],
    ids=["two-labels", "later-appeal-in-text"],
)
def test_an_appeal_judgment_in_the_window_is_not_dated_by_the_first_verdict(
    store: EvidenceStore, pack: RulePack, paragraphs: tuple[str, ...]
) -> None:
    """Dated 14 juli 2020 (the first label), the verdict fell outside the two-year window and the
    partner was eligible; the appeal of 5 maart 2025 is inside it."""
    result = lender_with(store, TESTMAN, _detail(*paragraphs))
    (verdict,) = result.dossier.registers.sncu.verdicts
    assert (verdict.verdict_date, verdict.date_labelled) == (date(2025, 3, 5), False)
    assert (verdict.link.method, verdict.link.matched_name) == (LinkMethod.NAME, "Fixture Uitzend B.V.")
    assert any(
        note.startswith(f"sncu: verdict {TESTMAN}: the page gives more than one verdict date ('14 juli 2020', ")
        and note.endswith("the latest, '5 maart 2025', was taken and is treated as not labelled")
        for note in result.problems
    )
    assert judged(result, pack) == (Verdict.NEEDS_REVIEW, Outcome.UNKNOWN, "linked_by_name")


@pytest.mark.parametrize(
    "title",
    [
        "Vonnis SNCU vs. Fixture Uitzend B.V. te Rotterdam",
        "Vonnis SNCU vs. Fixture Uitzend B.V. gevestigd te Rotterdam",
        "Vonnis SNCU tegen mr. J. Jansen q.q. (curator van Fixture Uitzend B.V.)",
    ],
    ids=["te", "gevestigd-te", "curator"],
)
def test_a_party_with_a_place_or_capacity_is_linked(store: EvidenceStore, pack: RulePack, title: str) -> None:
    result = lender_with(store, TESTMAN, _detail("Datum uitspraak: 3 maart 2025", title=title))
    (verdict,) = result.dossier.registers.sncu.verdicts
    assert (verdict.link.method, verdict.link.score, verdict.link.matched_name) == (
        LinkMethod.NAME, 100.0, "Fixture Uitzend B.V."
    )
    assert not any("of its title or slug" in note for note in result.problems)  # linked by its party
    assert judged(result, pack) == (Verdict.NEEDS_REVIEW, Outcome.UNKNOWN, "linked_by_name")


def test_a_verdict_whose_title_holds_the_partner_name_is_linked_whatever_its_parties(
    store: EvidenceStore, pack: RulePack
) -> None:
    """"Holding Jansen en Fixture Uitzend B.V." reads as one party (no legal form to split after),
    which scores under the threshold: the title's run "Fixture Uitzend B.V." still links it."""
    title = "Vonnis SNCU vs. Holding Jansen en Fixture Uitzend B.V."
    assert parties_from(title) == ["Holding Jansen en Fixture Uitzend B.V."]
    result = lender_with(store, TESTMAN, _detail("Datum uitspraak: 3 maart 2025", title=title))
    (verdict,) = result.dossier.registers.sncu.verdicts
    assert (verdict.link.method, verdict.link.score, verdict.link.matched_name) == (
        LinkMethod.NAME, 100.0, "Fixture Uitzend B.V."
    )
    assert (
        f"sncu: verdict {TESTMAN}: linked by the words 'Fixture Uitzend B.V.' of its title or slug; no party read "
        "from it ('Holding Jansen en Fixture Uitzend B.V.') matched the partner's names"
    ) in result.problems
    assert judged(result, pack) == (Verdict.NEEDS_REVIEW, Outcome.UNKNOWN, "linked_by_name")


@pytest.mark.parametrize("pagination", [QUERY_PAGING, LOAD_MORE], ids=["query-page-numbers", "load-more"])
def test_a_list_hiding_its_next_page_fails_the_section(store: EvidenceStore, pack: RulePack, pagination: str) -> None:
    """Read as complete, page 1 alone showed no verdict of the partner's: eligible."""
    result = lender_with(store, LIST_URL, list_page_1_with(pagination))
    section = result.dossier.registers.sncu
    assert section.status is ReadStatus.FAILED and section.verdicts == []
    assert section.error is not None
    assert section.error.startswith("LayoutChangedError: layout changed: a next-page link that can be followed")
    assert judged(result, pack) == (Verdict.NEEDS_REVIEW, Outcome.UNKNOWN, "register_failed")


@pytest.mark.parametrize(
    "href",
    [
        "https://www.sncu.nl/wp-content/uploads/2026/09/Vonnis-SNCU-vs-Fixture-Uitzend-BV.pdf",
        "https://www.sncu.nl/uitspraken/vonnis-sncu-vs-fixture-uitzend-bv-2026/",
    ],
    ids=["pdf", "renamed-section"],
)
def test_a_list_entry_that_is_not_read_fails_the_section(store: EvidenceStore, pack: RulePack, href: str) -> None:
    """The partner's own verdict, linked so the parser cannot read it, was dropped: eligible."""
    body = with_entry(href, "Vonnis SNCU vs. Fixture Uitzend B.V.")
    result = lender_with(store, LIST_URL, body)
    section = result.dossier.registers.sncu
    assert section.status is ReadStatus.FAILED and section.verdicts == []
    assert section.error is not None
    assert section.error.startswith(
        "LayoutChangedError: layout changed: a verdict link (/vonnissen-en-arresten/<slug>/) in the list entry "
        "'Vonnis SNCU vs. Fixture Uitzend B.V."
    )
    assert judged(result, pack) == (Verdict.NEEDS_REVIEW, Outcome.UNKNOWN, "register_failed")
