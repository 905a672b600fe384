"""Branch associations: ABU's member register and NBBU's member pages.

ABU lists members in a paged register (name, KvK number, website); NBBU lists member pages in
its XML sitemap, and the pages show name and place but no KvK number, so an NBBU membership can
only be linked by name (REGISTERS.md, "Branch associations"). Both layouts are observed by
others, not documented: the selectors below are assumptions (fixtures/registers/abu|nbbu/README.md)
and a page without them raises LayoutChangedError.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlparse

from bs4 import BeautifulSoup, Tag

from eligibility._dossier import Link, Membership
from eligibility._errors import FetchError, LayoutChangedError, ScrapingError
from scrapers._pages import numbered_next, outline, resolve

if TYPE_CHECKING:
    from scrapers._http import PoliteClient
    from scrapers._store import Snapshot

ABU_REGISTER = "abu"
NBBU_REGISTER = "nbbu"
PARSER_VERSION = "members/2"

ABU_FIRST_PAGE = "https://www.abu.nl/over-abu/ledenregister/"
NBBU_SITEMAP = "https://www.nbbu.nl/sitemap.xml"

_ABU_LIST = ".ledenregister"
_ABU_ITEM = ".ledenregister__item"
_ABU_NEXT = "link[rel~=next], a[rel~=next], .pagination a.next"
_ABU_PATH = urlparse(ABU_FIRST_PAGE).path
_ABU_PAGE = re.compile(re.escape(_ABU_PATH) + r"page/(\d+)/?")
_ABU_KVK = re.compile(r"kvk\D{0,30}?(?<!\d)(\d{8})(?!\d)", re.I)
_NBBU_MEMBER_PATH = re.compile(r"^/nl/onze-leden/[^/]+/?$")
_NBBU_PLACE_LABELS = {"plaats", "vestigingsplaats", "woonplaats"}


@dataclass(frozen=True)
class Member:
    """A member as its association lists it; fields the association does not show are None."""

    association: str
    name: str
    url: str
    kvk_number: str | None = None
    website: str | None = None
    place: str | None = None


def _text(tag: Tag) -> str:
    return " ".join(tag.get_text(" ").split())


def _require_ok(snapshot: Snapshot) -> None:
    if snapshot.status != 200:
        raise FetchError(f"{snapshot.register} answered HTTP {snapshot.status}", snapshot.url)


# --- ABU ----------------------------------------------------------------------------------


def _external_link(item: Tag, own_host: str | None) -> str | None:
    """The member's website: the first http(s) link that does not point back to ABU."""
    for anchor in item.find_all("a", href=True):
        try:
            href = urlparse(str(anchor["href"]))
            host = href.hostname
        except ValueError:  # e.g. "http://[x/": the website is never used to link or judge, so skip it
            continue
        if href.scheme in ("http", "https") and host != own_host:
            return href.geturl()
    return None


def _abu_member(item: Tag, url: str, number: int) -> Member:
    heading = item.find(["h2", "h3", "h4"])
    name = _text(heading) if heading is not None else ""
    if not name:
        raise LayoutChangedError(url, f"ABU member {number} has no name heading")
    kvk = _ABU_KVK.search(_text(item))
    website = _external_link(item, urlparse(url).hostname)
    return Member(ABU_REGISTER, name, url, kvk_number=kvk.group(1) if kvk else None, website=website)


def parse_abu_page(body: bytes, url: str) -> tuple[list[Member], str | None]:
    """Members on one register page and the next page's URL (None on the last page).

    The register is never empty and has no search, so a page without members is a changed
    layout, e.g. a list now rendered by JavaScript (every partner would read "not a member").
    """
    soup = BeautifulSoup(body, "html.parser")
    register = soup.select_one(_ABU_LIST)
    if register is None:
        raise LayoutChangedError(url, f"no member list ({_ABU_LIST})")
    items = register.select(_ABU_ITEM)
    if not items:
        held = "holds elements but no members" if register.find(True) is not None else "is empty"
        raise LayoutChangedError(url, f"member list {held} ({_ABU_ITEM}); rendered by JavaScript?")
    members = [_abu_member(item, url, n) for n, item in enumerate(items, start=1)]
    next_link = soup.select_one(_ABU_NEXT)
    if next_link is None or not next_link.get("href"):
        # Malformed hrefs elsewhere on the page are skipped; one into the register's pages may be the
        # next page itself, and skipping it would end the register early: it raises.
        numbered = numbered_next(outline(soup), url, _abu_page_number, raise_if_malformed=f"{_ABU_PATH}page/")
        return members, numbered[0] if numbered else None
    href = str(next_link["href"])
    resolved = resolve(url, href)
    if resolved is None:  # the rest of the register is behind this link: it cannot be skipped
        raise LayoutChangedError(url, f"next-page link is not a valid URL: {href!r}")
    next_url, parts = resolved
    if parts.hostname != urlparse(url).hostname or not parts.path.startswith(_ABU_PATH):
        raise LayoutChangedError(url, f"next-page link leaves the member register: {next_url}")
    return members, next_url


def _abu_page_number(parts: SplitResult) -> int | None:
    """N for a register page .../page/N/; None for any other URL."""
    match = _ABU_PAGE.fullmatch(parts.path)
    return int(match.group(1)) if match else None


def fetch_abu(client: PoliteClient, *, max_pages: int = 60) -> tuple[list[Snapshot], list[Member]]:
    """Every page of the ABU register, following next-page links; raises rather than cut short."""
    snapshots: list[Snapshot] = []
    members: list[Member] = []
    url: str | None = ABU_FIRST_PAGE
    seen: set[str] = set()
    while url is not None:
        if len(snapshots) == max_pages:
            raise ScrapingError(f"ABU register has more than {max_pages} pages; members would be incomplete", url)
        seen.add(url)
        snapshot = client.get(url, register=ABU_REGISTER)
        _require_ok(snapshot)
        page_members, url = parse_abu_page(snapshot.body, snapshot.url)
        snapshots.append(snapshot)
        members.extend(page_members)
        if url in seen:
            raise LayoutChangedError(snapshot.url, f"next-page link points back to {url}")
    return snapshots, members


# --- NBBU ---------------------------------------------------------------------------------


def _local(tag: str) -> str:
    """An XML tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


@lru_cache(maxsize=16)  # pure; a batch reads the same stored sitemap for every partner
def _sitemap_locations(body: bytes, url: str) -> tuple[str, ...]:
    """Every <loc> of a sitemap <urlset>."""
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise LayoutChangedError(url, "sitemap declares a DOCTYPE or entities; refused")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise LayoutChangedError(url, f"sitemap is not XML ({exc})") from None
    if _local(root.tag) != "urlset":
        raise LayoutChangedError(url, f"sitemap root is <{_local(root.tag)}>, not <urlset>")
    locations = []
    for entry in root:
        loc = next((child.text for child in entry if _local(child.tag) == "loc"), None)
        if not (loc or "").strip():
            raise LayoutChangedError(url, "sitemap <url> without <loc>")
        locations.append(loc.strip())
    return tuple(locations)


def _member_urls(locations: Sequence[str], url: str) -> list[str]:
    """The /nl/onze-leden/<slug> locations, in order, without repeats.

    A malformed location (urlparse raises ValueError on "http://[x/") is skipped unless it may be
    a member page: skipping that could hide a membership, so it is a changed layout."""
    found: dict[str, None] = {}
    for loc in locations:
        try:
            path = urlparse(loc).path
        except ValueError:
            if "/onze-leden/" in loc:
                raise LayoutChangedError(url, f"sitemap location is not a valid URL: {loc!r}") from None
            continue
        if _NBBU_MEMBER_PATH.match(path):
            found.setdefault(loc)
    return list(found)


def parse_nbbu_sitemap(body: bytes, url: str) -> list[str]:
    """Member page URLs in one sitemap page; [] when it lists none."""
    return _member_urls(_sitemap_locations(body, url), url)


def parse_nbbu_member(body: bytes, url: str) -> Member:
    """Name (the page title) and, when shown, place of one NBBU member page."""
    soup = BeautifulSoup(body, "html.parser")
    heading = soup.select_one("main h1") or soup.find("h1")
    name = _text(heading) if heading is not None else ""
    if not name:
        raise LayoutChangedError(url, "member page has no <h1> name")
    place = None
    for label in soup.find_all(["div", "span", "dt", "th", "strong"]):
        if _text(label).rstrip(":").strip().lower() in _NBBU_PLACE_LABELS:
            value = label.find_next_sibling()
            place = _text(value) if value is not None else None
            break
    return Member(NBBU_REGISTER, name, url, place=place or None)


def fetch_nbbu_sitemap(client: PoliteClient, *, max_pages: int = 10) -> tuple[list[Snapshot], list[str]]:
    """Member URLs from sitemap pages 1, 2, ... until a page is missing, empty or repeats itself."""
    snapshots: list[Snapshot] = []
    member_urls: dict[str, None] = {}
    seen_locations: set[str] = set()
    for page in range(1, max_pages + 1):
        snapshot = client.get(NBBU_SITEMAP, register=NBBU_REGISTER, params={"page": str(page)})
        if page > 1 and snapshot.status == 404:
            break
        _require_ok(snapshot)
        snapshots.append(snapshot)
        locations = _sitemap_locations(snapshot.body, snapshot.url)
        if seen_locations.issuperset(locations):
            break
        seen_locations.update(locations)
        member_urls.update(dict.fromkeys(_member_urls(locations, snapshot.url)))
    else:
        raise ScrapingError(f"NBBU sitemap has more than {max_pages} pages; members would be incomplete", NBBU_SITEMAP)
    return snapshots, list(member_urls)


def fetch_nbbu_members(
    client: PoliteClient, member_urls: list[str], *, max_members: int = 2000
) -> tuple[list[Snapshot], list[Member]]:
    """Read the given member pages (e.g. those whose slug resembles a partner's name)."""
    if len(member_urls) > max_members:
        raise ScrapingError(f"{len(member_urls)} NBBU member pages asked for, more than the maximum {max_members}")
    snapshots: list[Snapshot] = []
    members: list[Member] = []
    for url in member_urls:
        snapshot = client.get(url, register=NBBU_REGISTER)
        _require_ok(snapshot)
        snapshots.append(snapshot)
        members.append(parse_nbbu_member(snapshot.body, snapshot.url))
    return snapshots, members


def to_membership(member: Member, link: Link) -> Membership:
    return Membership(association=member.association, member_name=member.name, link=link)
