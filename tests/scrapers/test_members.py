"""ABU member register pages and NBBU sitemap + member pages: parsing, paging, changed layouts."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from eligibility._dossier import Link, LinkMethod
from eligibility._errors import FetchError, LayoutChangedError, ScrapingError
from scrapers import members
from scrapers._store import Snapshot

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "registers"
ABU_PAGE = "https://www.abu.nl/over-abu/ledenregister/page/{}/"
ONE_MEMBER = b'<div class="ledenregister"><div class="ledenregister__item"><h3>Test BV Donald</h3></div></div>'
NBBU_MEMBER = "https://www.nbbu.nl/nl/onze-leden/{}"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def sitemap_url(page: int) -> str:
    return members.NBBU_SITEMAP + "?" + urlencode({"page": page})


class FakeClient:
    """Serves canned bodies by full URL; an unexpected URL fails the test with a KeyError."""

    def __init__(self, pages: dict[str, tuple[int, bytes]]) -> None:
        self.pages = pages
        self.calls: list[str] = []

    def get(
        self, url: str, *, register: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> Snapshot:
        full = url + ("?" + urlencode(params) if params else "")
        self.calls.append(full)
        status, body = self.pages[full]
        at = datetime(2026, 11, 23, tzinfo=UTC)
        return Snapshot(hashlib.sha256(body).hexdigest(), full, at, status, {}, register, body)


def abu_pages() -> dict[str, tuple[int, bytes]]:
    return {
        members.ABU_FIRST_PAGE: (200, fixture("abu/ledenregister-page-1.html")),
        ABU_PAGE.format(2): (200, fixture("abu/ledenregister-page-2.html")),
        ABU_PAGE.format(3): (200, fixture("abu/ledenregister-page-3.html")),
    }


# --- ABU ----------------------------------------------------------------------------------


def test_abu_page_members_and_next_link() -> None:
    found, next_url = members.parse_abu_page(fixture("abu/ledenregister-page-1.html"), members.ABU_FIRST_PAGE)
    assert next_url == ABU_PAGE.format(2)
    assert [m.name for m in found] == [
        "Uitzendgroep Noordkant B.V.",
        "Uitzendbureau De Brug B.V.",
        "Test BV Donald",
        "Flexkracht Oost B.V.",
    ]
    assert found[1] == members.Member(
        "abu", "Uitzendbureau De Brug B.V.", members.ABU_FIRST_PAGE, kvk_number="01085927",
        website="https://www.debrug-uitzend.example/",
    )
    assert (found[3].kvk_number, found[3].website) == ("70104729", None)


def test_abu_member_without_kvk_number() -> None:
    found, _ = members.parse_abu_page(fixture("abu/ledenregister-page-2.html"), ABU_PAGE.format(2))
    assert (found[1].name, found[1].kvk_number, found[1].website) == (
        "Werkplaats Nu B.V.",
        None,
        "https://www.werkplaatsnu.example/",
    )


def test_abu_last_page_has_no_next() -> None:
    found, next_url = members.parse_abu_page(fixture("abu/ledenregister-page-3.html"), ABU_PAGE.format(3))
    assert next_url is None
    assert [(m.name, m.kvk_number, m.website) for m in found] == [
        ("Zeeuwse Uitzendgroep B.V.", "70523645", "http://zeeuwse-uitzend.example")
    ]


@pytest.mark.parametrize(
    "body",
    [
        b'<main><div class="ledenregister"></div></main>',
        b'<main><h1>Ledenregister</h1><div class="ledenregister" data-source="/wp-json/abu/v1/leden"></div>'
        b'<script src="/wp-content/themes/abu/js/ledenregister.js"></script><nav class="pagination">'
        b'<span class="current">1</span><a href="/over-abu/ledenregister/page/2/">2</a></nav></main>',
    ],
    ids=["empty-list", "list-rendered-by-javascript"],
)
def test_abu_page_without_members_is_a_layout_change(body: bytes) -> None:
    """The register is never empty and has no search: an empty member list (e.g. one a script
    fills in the browser) must not read as "no members", which makes every partner a non-member."""
    with pytest.raises(LayoutChangedError, match="member list is empty") as caught:
        members.parse_abu_page(body, members.ABU_FIRST_PAGE)
    assert caught.value.url == members.ABU_FIRST_PAGE


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        (b"<main><table><tr><td>Naam</td></tr></table></main>", "no member list"),
        (b'<div class="ledenregister"><div class="ledenregister__item"><p>KvK 12345678</p></div></div>', "no name heading"),
        (b'<div class="ledenregister"><div class="lid"><h3>Test BV Donald</h3></div></div>', "holds elements but no members"),
        (
            ONE_MEMBER + b'<a class="next" rel="next" href="https://evil.example/page/2/">x</a>',
            "leaves the member register",
        ),
    ],
    ids=["no-list", "item-without-name", "renamed-items", "next-link-elsewhere"],
)
def test_abu_changed_layout_raises(body: bytes, missing: str) -> None:
    with pytest.raises(LayoutChangedError, match=missing):
        members.parse_abu_page(body, members.ABU_FIRST_PAGE)


def test_fetch_abu_follows_next_links() -> None:
    client = FakeClient(abu_pages())
    snapshots, found = members.fetch_abu(client)
    assert client.calls == [members.ABU_FIRST_PAGE, ABU_PAGE.format(2), ABU_PAGE.format(3)]
    assert len(snapshots) == 3 and {s.register for s in snapshots} == {"abu"}
    assert len(found) == 7
    assert found[-1].url == ABU_PAGE.format(3)


def test_fetch_abu_refuses_to_cut_short() -> None:
    client = FakeClient(abu_pages())
    with pytest.raises(ScrapingError, match="more than 2 pages") as caught:
        members.fetch_abu(client, max_pages=2)
    assert type(caught.value) is ScrapingError
    assert len(client.calls) == 2


def test_fetch_abu_detects_a_paging_loop() -> None:
    pages = abu_pages()
    pages[ABU_PAGE.format(3)] = pages[ABU_PAGE.format(2)]  # page 3 links "next" to page 3 again
    with pytest.raises(LayoutChangedError, match="points back to"):
        members.fetch_abu(FakeClient(pages))


def test_fetch_abu_http_error() -> None:
    with pytest.raises(FetchError, match="abu answered HTTP 403"):
        members.fetch_abu(FakeClient({members.ABU_FIRST_PAGE: (403, b"forbidden")}))


# --- NBBU ---------------------------------------------------------------------------------


def test_nbbu_sitemap_lists_member_pages_only_once() -> None:
    assert members.parse_nbbu_sitemap(fixture("nbbu/sitemap-page-1.xml"), sitemap_url(1)) == [
        NBBU_MEMBER.format("uitzendbureau-de-brug-bv"),
        NBBU_MEMBER.format("payroll-plus-nederland"),
        NBBU_MEMBER.format("flexkracht-oost-bv"),
    ]


def test_nbbu_sitemap_without_members_is_empty() -> None:
    body = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://www.nbbu.nl/nl</loc></url></urlset>'
    assert members.parse_nbbu_sitemap(body, sitemap_url(1)) == []


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        (b"<html><body>Onderhoud</body></html", "not XML"),
        (
            b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>x</loc></sitemap></sitemapindex>',
            "root is <sitemapindex>",
        ),
        (b"<urlset><url><lastmod>2026-01-01</lastmod></url></urlset>", "without <loc>"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><urlset/>', "DOCTYPE"),
    ],
    ids=["not-xml", "sitemap-index", "url-without-loc", "entities"],
)
def test_nbbu_sitemap_changed_layout_raises(body: bytes, missing: str) -> None:
    with pytest.raises(LayoutChangedError, match=missing):
        members.parse_nbbu_sitemap(body, sitemap_url(1))


def test_nbbu_member_page() -> None:
    url = NBBU_MEMBER.format("uitzendbureau-de-brug-bv")
    member = members.parse_nbbu_member(fixture("nbbu/member-uitzendbureau-de-brug-bv.html"), url)
    assert member == members.Member("nbbu", "Uitzendbureau De Brug B.V.", url, place="Venlo")


def test_nbbu_member_page_without_place() -> None:
    url = NBBU_MEMBER.format("payroll-plus-nederland")
    member = members.parse_nbbu_member(fixture("nbbu/member-payroll-plus-nederland.html"), url)
    assert (member.name, member.place, member.kvk_number) == ("Payroll Plus Nederland", None, None)


def test_nbbu_member_page_without_name_raises() -> None:
    with pytest.raises(LayoutChangedError, match="no <h1> name"):
        members.parse_nbbu_member(b"<main><h2>Uitzendbureau</h2></main>", NBBU_MEMBER.format("x"))


def test_fetch_nbbu_sitemap_pages_until_missing() -> None:
    client = FakeClient(
        {
            sitemap_url(1): (200, fixture("nbbu/sitemap-page-1.xml")),
            sitemap_url(2): (200, fixture("nbbu/sitemap-page-2.xml")),
            sitemap_url(3): (404, b"Not found"),
        }
    )
    snapshots, urls = members.fetch_nbbu_sitemap(client)
    assert len(snapshots) == 2
    assert urls[-1] == NBBU_MEMBER.format("werkplaats-nu-bv") and len(urls) == 4


def test_fetch_nbbu_sitemap_stops_when_a_page_repeats() -> None:
    page = (200, fixture("nbbu/sitemap-page-1.xml"))
    client = FakeClient({sitemap_url(1): page, sitemap_url(2): page})
    snapshots, urls = members.fetch_nbbu_sitemap(client)
    assert len(client.calls) == 2 and len(urls) == 3


def test_fetch_nbbu_sitemap_refuses_to_cut_short() -> None:
    client = FakeClient({sitemap_url(1): (200, fixture("nbbu/sitemap-page-1.xml"))})
    with pytest.raises(ScrapingError, match="more than 1 pages"):
        members.fetch_nbbu_sitemap(client, max_pages=1)


def test_fetch_nbbu_sitemap_first_page_missing_is_a_fetch_error() -> None:
    with pytest.raises(FetchError, match="nbbu answered HTTP 404"):
        members.fetch_nbbu_sitemap(FakeClient({sitemap_url(1): (404, b"Not found")}))


def test_fetch_nbbu_members() -> None:
    urls = [NBBU_MEMBER.format("uitzendbureau-de-brug-bv"), NBBU_MEMBER.format("payroll-plus-nederland")]
    client = FakeClient(
        {
            urls[0]: (200, fixture("nbbu/member-uitzendbureau-de-brug-bv.html")),
            urls[1]: (200, fixture("nbbu/member-payroll-plus-nederland.html")),
        }
    )
    snapshots, found = members.fetch_nbbu_members(client, urls)
    assert [m.name for m in found] == ["Uitzendbureau De Brug B.V.", "Payroll Plus Nederland"]
    assert [s.url for s in snapshots] == urls


def test_fetch_nbbu_members_checks_the_maximum_before_reading() -> None:
    client = FakeClient({})
    with pytest.raises(ScrapingError, match="3 NBBU member pages asked for, more than the maximum 2"):
        members.fetch_nbbu_members(client, [NBBU_MEMBER.format(n) for n in "abc"], max_members=2)
    assert client.calls == []


@pytest.mark.parametrize(
    ("member", "association"),
    [
        (members.Member("abu", "Test BV Donald", ABU_PAGE.format(1), kvk_number="68750110"), "abu"),
        (members.Member("nbbu", "Uitzendbureau De Brug B.V.", NBBU_MEMBER.format("x"), place="Venlo"), "nbbu"),
    ],
)
def test_to_membership(member: members.Member, association: str) -> None:
    link = Link(method=LinkMethod.NAME, score=93.5, matched_name=member.name)
    membership = members.to_membership(member, link)
    assert (membership.association, membership.member_name, membership.link) == (association, member.name, link)


# --- malformed links and numbered-only paging ---------------------------------------------


def test_abu_malformed_website_link_is_left_out_and_the_page_still_reads() -> None:
    """``http://[www...`` makes urlparse raise ValueError; the website is not needed for linking,
    so only that link is dropped (the member, its KvK number and the other members stay)."""
    found, next_url = members.parse_abu_page(
        fixture("abu/ledenregister-page-1-bad-website-href.html"), members.ABU_FIRST_PAGE
    )
    assert [(m.name, m.kvk_number) for m in found][:2] == [
        ("Uitzendgroep Noordkant B.V.", "33112233"), ("Uitzendbureau De Brug B.V.", "01085927")
    ]
    assert (found[0].website, found[1].website) == (None, "https://www.debrug-uitzend.example/")
    assert next_url == ABU_PAGE.format(2)


def test_abu_malformed_next_link_is_a_layout_change() -> None:
    body = ONE_MEMBER + b'<a class="next" rel="next" href="http://[x/page/2/">x</a>'
    with pytest.raises(LayoutChangedError, match="next-page link is not a valid URL") as caught:
        members.parse_abu_page(body, members.ABU_FIRST_PAGE)
    assert caught.value.url == members.ABU_FIRST_PAGE


def test_abu_numbered_pagination_without_next_link_is_followed() -> None:
    """WordPress may render only page numbers: page 1 links /page/2/ and /page/3/, no rel=next."""
    _, next_url = members.parse_abu_page(fixture("abu/ledenregister-page-1-numbered-only.html"), members.ABU_FIRST_PAGE)
    assert next_url == ABU_PAGE.format(2)
    numbered_2 = ONE_MEMBER + b'<nav><a href="/over-abu/ledenregister/">1</a>' \
                 b'<span class="current">2</span><a href="/over-abu/ledenregister/page/3/">3</a></nav>'
    assert members.parse_abu_page(numbered_2, ABU_PAGE.format(2))[1] == ABU_PAGE.format(3)
    last = ONE_MEMBER + b'<nav><a href="/over-abu/ledenregister/page/2/">2</a><span>3</span></nav>'
    assert members.parse_abu_page(last, ABU_PAGE.format(3))[1] is None


def test_abu_malformed_numbered_page_link_is_a_layout_change_not_the_end_of_the_register() -> None:
    """Without rel=next, a malformed link into the register's pages may be page N+1 itself:
    skipping it would end the register there and every later member would read "not a member"."""
    body = ONE_MEMBER + b'<nav><span class="current">1</span><a href="http://[x/over-abu/ledenregister/page/2/">2</a></nav>'
    with pytest.raises(LayoutChangedError, match="page link is not a valid URL"):
        members.parse_abu_page(body, members.ABU_FIRST_PAGE)
    elsewhere = ONE_MEMBER + b'<footer><a href="http://[x/contact/">contact</a></footer>'
    assert members.parse_abu_page(elsewhere, members.ABU_FIRST_PAGE)[1] is None


def test_fetch_abu_reads_every_page_when_pagination_is_numbered_only() -> None:
    pages = abu_pages()
    pages[members.ABU_FIRST_PAGE] = (200, fixture("abu/ledenregister-page-1-numbered-only.html"))
    client = FakeClient(pages)
    _, found = members.fetch_abu(client)
    assert client.calls == [members.ABU_FIRST_PAGE, ABU_PAGE.format(2), ABU_PAGE.format(3)]
    assert len(found) == 7


def test_nbbu_sitemap_malformed_location_never_escapes_as_value_error() -> None:
    """A malformed <loc> outside the member pages is skipped; one that may be a member page
    raises LayoutChangedError (skipping it could hide a membership)."""
    def sitemap(*locations: str) -> bytes:
        entries = "".join(f"<url><loc>{loc}</loc></url>" for loc in locations)
        return f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'.encode()

    good = NBBU_MEMBER.format("payroll-plus-nederland")
    url = sitemap_url(1)
    assert members.parse_nbbu_sitemap(sitemap("http://[x/nieuws/a", good), url) == [good]
    with pytest.raises(LayoutChangedError, match="sitemap location is not a valid URL") as caught:
        members.parse_nbbu_sitemap(sitemap(good, "http://[x/nl/onze-leden/b"), url)
    assert caught.value.url == url
