"""SNCU (Stichting Naleving CAO voor Uitzendkrachten): the published verdicts list.

The site's structure is [observed] only: a list page linking to detail pages under
/vonnissen-en-arresten/<slug>/ with irregular slugs, dates written with Dutch or English month
names. Entries are therefore found by their link target, not by CSS classes; a page without
such links, or a verdict without a date, raises LayoutChangedError. So does a list entry whose
link is not read (a PDF, another site, "?p=4711", a renamed section): an entry is never dropped,
its verdict would be lost and the partner pass (``_unread_entries``). The host may be written with
or without "www." and a detail page may sit under a date path ("2025/<slug>/", ``_VERDICT_PATH``).
SNCU publishes no KvK numbers: the parties read here can only be linked by name (needs review).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlsplit, urlunsplit

from bs4 import BeautifulSoup, Tag

from eligibility._dossier import Link, SncuVerdict
from eligibility._errors import FetchError, LayoutChangedError, ScrapingError
from scrapers._pages import more_pages, next_links, numbered_next, outline, resolve, same_site

if TYPE_CHECKING:
    from scrapers._http import PoliteClient
    from scrapers._store import Snapshot

REGISTER = "sncu"
PARSER_VERSION = "sncu/5"
"""3: several verdict dates, place and capacity phrases in party names (session 12).
4: ISO and slash dates; a labelled vonnis date on a page that mentions an appeal is not labelled.
5: list entries it cannot read raise; verdict and next-page links with or without "www." (sessions 13-14)."""
LIST_URL = "https://www.sncu.nl/vonnissen-en-arresten/"
_SECTION = "/vonnissen-en-arresten/"
_NOT_VERDICTS = frozenset({"page", "feed"})

# --- dates ------------------------------------------------------------------------------------

MONTHS: dict[str, int] = {
    "jan": 1, "januari": 1, "january": 1,
    "feb": 2, "februari": 2, "february": 2,
    "mrt": 3, "mar": 3, "maart": 3, "march": 3,
    "apr": 4, "april": 4,
    "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "aug": 8, "augustus": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oct": 10, "oktober": 10, "october": 10,
    "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}  # fmt: skip
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
# "2025-03-05" and "05/03/2025" too: an appeal dated only so was not seen and the first verdict's
# date counted alone (out of the window). A slash date is day-first, never read in another order.
_DATE = (
    rf"\d{{1,2}}\s+(?:{_MONTH_NAMES})\.?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}-\d{{1,2}}-\d{{4}}"
    rf"|\d{{1,2}}/\d{{1,2}}/\d{{4}}"
)
_DATE_RE = re.compile(rf"\b(?:{_DATE})\b", re.I)
# Only explicit "label: date" pairs: "het vonnis van 14 juli 2020" in an appeal judgment names
# the earlier verdict, and an appeal counts from its own date (LEGAL.md B3.g).
_LABELLED_DATE = re.compile(
    rf"\b(?:datum(?:\s+(?:van\s+)?(?:de\s+)?(?:uitspraak|vonnis|arrest))?|uitspraakdatum|uitspraak"
    rf"|date(?:\s+of\s+(?:judg(?:e)?ment|verdict|ruling))?)\s*:\s*({_DATE})\b",
    re.I,
)
# A publication date ("Geplaatst op 19 mrt 2024") is later than the verdict it reports by nature:
# it is no competing verdict date (an appeal judgment is), so it never overrides a labelled one.
_PUBLISHED_DATE = re.compile(
    rf"\b(?:geplaatst|gepubliceerd|publicatiedatum|posted|published)(?:\s+(?:op|on))?\s*:?\s*({_DATE})\b", re.I
)
_ECLI_YEAR = re.compile(r"\bECLI:NL:[A-Z]+:(\d{4}):\w+")
# Signs that the page reports an appeal (or cassation). Its date may be written in no shape read
# here ("in 2025 bekrachtigd") or only as a publication date: a labelled vonnis date is then not
# the verdict date that counts (LEGAL.md B3.g), so it is not taken as labelled. Broad on purpose:
# a false sign sends the verdict to review, a missed one lets an appeal pass as an old verdict.
_APPEAL = re.compile(
    r"\b(?:hoger\s+beroep|gerechtshof|het\s+hof|hof\s+(?:Amsterdam|Arnhem|Den\s+Haag|'s-Hertogenbosch|Leeuwarden)"
    r"|bekrachtig\w*|vernietig\w*|arrest|cassatie|Hoge\s+Raad|appellant\w*|ge[iï]ntimeerde\w*|appeal\w*)\b"
    r"|\bECLI:NL:(?:GH|HR)[A-Z]*:",
    re.I,
)
_ARREST_LABEL = re.compile(r"arrest", re.I)


def parse_date(text: str) -> date | None:
    """A date such as "17 Jan 2019", "17 januari 2019", "17 mrt. 2021", "17-01-2019", "17/01/2019"
    (day first, as on the Dutch site) or "2019-01-17"; None for text in none of these shapes (or
    with a word that is no month).

    A date in one of these shapes that does not exist ("31-02-2024", "30 feb 2020", "01/13/2025":
    no valid day-first date, so perhaps month-first) raises ValueError naming the text: dropped,
    the verdict date would be another date of the article (an earlier one, or one read as labelled
    when the labelled date was this one); the order is never guessed.
    """
    match = re.fullmatch(
        r"(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})|(\d{1,2})([-/])(\d{1,2})\5(\d{4})|(\d{4})-(\d{2})-(\d{2})", text.strip(), re.I
    )
    if match is None:
        return None
    if match[1]:
        month = MONTHS.get(match[2].lower())
        if month is None:
            return None
        day, year = int(match[1]), int(match[3])
    elif match[4]:
        day, month, year = int(match[4]), int(match[6]), int(match[7])
    else:
        year, month, day = int(match[8]), int(match[9]), int(match[10])
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"date {text.strip()!r} does not exist (day-month-year); refused rather than skipped") from None


def impossible_dates(text: str) -> list[str]:
    """The dates in the text that do not exist, as written (``find_dates`` skips them)."""
    found = []
    for match in _DATE_RE.finditer(text):
        try:
            parse_date(match[0])
        except ValueError:
            found.append(match[0])
    return found


def find_dates(text: str) -> list[tuple[date, str]]:
    """Every date in the text that exists, in order, with the text it was read from.

    A date that does not exist ("31-02-2024") in running text is skipped, not raised: such a date
    only ever dates a verdict that labels none, and an unlabelled verdict goes to review anyway
    (``date_labelled``); raising would fail the register for every partner over one typo in a list
    excerpt. A *labelled* verdict date that does not exist raises (``_verdict_date``)."""
    return [(day, written) for day, written, _ in _dates_at(text)]


def _dates_at(text: str) -> list[tuple[date, str, int]]:
    """``find_dates`` with where each date starts in the text (to tell a publication date apart)."""
    found: list[tuple[date, str, int]] = []
    for match in _DATE_RE.finditer(text):
        try:
            day = parse_date(match[0])
        except ValueError:
            continue
        if day is not None:
            found.append((day, match[0], match.start()))
    return found


# --- records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SncuListEntry:
    title: str
    url: str
    date: date | None


@dataclass(frozen=True)
class SncuListPage:
    entries: list[SncuListEntry]
    next_url: str | None


@dataclass(frozen=True)
class SncuDetail:
    """One verdict page. ``date_text`` is the date as written; ``date_labelled`` says whether a
    label ("Datum uitspraak:") named it, or it is the latest date in the article (a guess the
    pipeline reports). ``parties`` may be empty: the title and labels named none."""

    url: str
    slug: str
    title: str
    verdict_date: date
    date_text: str
    date_labelled: bool
    court: str | None
    ecli: str | None
    parties: tuple[str, ...]
    outcome: str | None
    dates_skipped: tuple[str, ...] = ()
    """Dates in the article that do not exist ("30-02-2026"), skipped when no date was labelled:
    one of them may have been the verdict date, so the pipeline names them to the officer."""
    date_conflicts: tuple[str, ...] = ()
    """Other verdict dates the page gives beside ``date_text`` (as written; an ECLI for its year):
    a second labelled date ("Datum vonnis:" and "Datum arrest:"), or a date or ECLI year after the
    labelled one (an appeal reported later). The latest is taken and ``date_labelled`` is False."""


# --- list pages -------------------------------------------------------------------------------


def _soup(body: bytes) -> BeautifulSoup:
    return BeautifulSoup(body, "html.parser")


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _main(soup: BeautifulSoup, selectors: tuple[str, ...]) -> Tag:
    """The page's content area, so menus, sidebars and footers are not read as content."""
    for selector in selectors:
        if (found := soup.select_one(selector)) is not None:
            return found
    return soup.body or soup


_VERDICT_PATH = re.compile(re.escape(_SECTION) + r"(?P<dated>\d{4}/(?:\d{1,2}/){0,2})?(?P<slug>[^/]+)/?")
"""A detail page: ``<slug>/`` right under the section, or under a WordPress date prefix
(``2025/<slug>/``, ``2025/03/<slug>/``, ``2025/03/05/<slug>/``) whose last segment holds a letter:
a year, month and day name no verdict, so such a path names one verdict. Any other nested path
(``hoger-beroep/<slug>/``, ``<slug>/bijlage/``) may be a category or a sub-page: not read as a
verdict, and a list entry linking only there raises (``_unread_entries``)."""


def _verdict_url(href: str, base: str) -> str | None:
    """Absolute detail-page URL (query and fragment dropped, on the list's own host), or None for
    any other link.

    The link's host may differ from the list's by a leading "www." only ("https://sncu.nl/..."
    on a www.sncu.nl list): the URL is then written with the list's host, so one verdict linked
    both ways is read once. A malformed href is skipped unless it points into the verdict section:
    that may be a verdict, and skipping it would make the verdict vanish (read as "no verdict")."""
    resolved = resolve(base, href)
    if resolved is None:
        if _SECTION in href:
            raise LayoutChangedError(base, f"a link into {_SECTION} is not a valid URL: {href!r}")
        return None
    parts, list_parts = resolved[1], urlsplit(base)
    match = _VERDICT_PATH.fullmatch(parts.path)
    if not same_site(parts, list_parts) or match is None or match["slug"] in _NOT_VERDICTS:
        return None
    if match["dated"] and not re.search(r"[^\W\d_]", match["slug"]):
        return None  # an archive of a month or day ("2025/03/"), no verdict
    return urlunsplit((parts.scheme, list_parts.netloc, parts.path.rstrip("/") + "/", "", ""))


def _verdict_links(area: Tag, base: str) -> Iterator[tuple[Tag, str]]:
    for anchor in area.find_all("a", href=True):
        if (url := _verdict_url(str(anchor["href"]), base)) is not None:
            yield anchor, url


_GENERIC_LINK = re.compile(r"^(lees|read)\s+(meer|verder|more)\b|^(meer|more)\b|^»$", re.I)


def _kind(tag: Tag) -> tuple[str, tuple[str, ...]]:
    """An element's tag and classes: list entries are elements of one kind."""
    return tag.name, tuple(sorted(tag.get("class") or []))


def _entry_like(element: Tag) -> bool:
    """An element that can be a list entry: it holds a link or a heading (not a bare date line)."""
    return element.find("a", href=True) is not None or element.find(["h1", "h2", "h3", "h4", "h5", "h6"]) is not None


def _repeated(element: Tag) -> bool:
    """A sibling of the same tag and classes that can be an entry: ``element`` is one of a list."""
    return any(
        isinstance(sibling, Tag) and sibling is not element and _kind(sibling) == _kind(element) and _entry_like(sibling)
        for sibling in element.parent.children  # type: ignore[union-attr]
    )


def _entry_element(anchor: Tag, url: str, area: Tag, base: str) -> Tag:
    """The largest ancestor of the link that holds no other verdict and no entry-like element of
    its own kind beside it: one list entry. The second condition keeps an entry whose link is not
    recognised (a PDF) out of the only recognised entry's element, so it is still seen."""
    entry = anchor
    while entry.parent is not None and entry.parent is not area:
        if any(other != url for _, other in _verdict_links(entry.parent, base)):
            break
        if entry is not anchor and _repeated(entry):
            break
        entry = entry.parent
    return entry


_OUTSIDE_LIST = ("nav", "header", "footer", "aside", "form")
# An anchor whose text reads as a verdict's title: a singular verdict word ("Vonnissen en
# arresten", the section's own name, is no title), or SNCU next to a versus word ("Over SNCU" is
# no title).
_VERSUS_WORD = r"(?:vs\.?|versus|v\.|contra|tegen|/|[-–—])"
_VERDICT_TEXT = re.compile(
    rf"\b(?:vonnis|arrest|uitspraak|beschikking|judg(?:e)?ment|verdict)\b"
    rf"|\bSNCU\)?\s*{_VERSUS_WORD}\s*\w|\w\)?\s*{_VERSUS_WORD}\s*\(?SNCU\b",
    re.I,
)
_PDF = re.compile(r"\.pdf(?:$|[?#])", re.I)


def _outside_list(element: Tag, area: Tag) -> bool:
    """Inside a menu, header, footer, sidebar or form of the content area: never a list entry."""
    for parent in element.parents:
        if parent is area:
            return False
        if parent.name in _OUTSIDE_LIST or parent.get("role") == "navigation":
            return True
    return False


def _describe(element: Tag) -> str:
    text = _clean(element.get_text(" "))
    hrefs = [str(a["href"]) for a in element.find_all("a", href=True)]
    if element.name == "a" and element.has_attr("href"):
        hrefs = [str(element["href"])]
    return f"{text[:120]!r} (links: {', '.join(hrefs) or 'none'})"


def _unread_entries(area: Tag, url: str, entries: list[Tag]) -> None:
    """Raise LayoutChangedError naming the first list entry that has no verdict link read here.

    An entry read as no entry loses its verdict without a trace (the partner would pass), so a
    link this parser cannot read (a PDF, another host, ``?p=4711``, a renamed section, a nested
    path ``_VERDICT_PATH`` refuses) fails the list. An entry is:
    - an element of the same tag and classes as a recognised entry that holds a link or heading,
      beside it (same parent), or anywhere in the content area when that kind has classes;
    - an anchor outside every recognised entry whose text reads as a verdict title
      (``_VERDICT_TEXT``) or that links to a PDF.
    Menus, headers, footers, sidebars and forms in the content area are not read, nor links to the
    list itself (the section, its pages)."""

    # by identity: ``in`` on bs4 tags compares whole subtrees, which made this check cubic in the entries
    entry_ids = {id(entry) for entry in entries}

    def recognised(element: Tag) -> bool:
        return id(element) in entry_ids or any(id(parent) in entry_ids for parent in element.parents) or any(
            True for _ in _verdict_links(element, url)
        )

    kinds = {_kind(entry) for entry in entries if entry.name != "a"}
    by_parent: dict[int, tuple[Tag, set[tuple[str, tuple[str, ...]]]]] = {}
    for entry in entries:
        if entry.parent is not None:
            by_parent.setdefault(id(entry.parent), (entry.parent, set()))[1].add(_kind(entry))
    candidates: dict[int, Tag] = {}  # each element once, in the order found
    for parent, parent_kinds in by_parent.values():
        for sibling in parent.children:
            if isinstance(sibling, Tag) and _kind(sibling) in parent_kinds:
                candidates.setdefault(id(sibling), sibling)
    for name, classes in kinds:
        if classes:
            for element in area.find_all(name, class_=classes[0]):
                if _kind(element) == (name, classes):
                    candidates.setdefault(id(element), element)
    for element in candidates.values():
        if element.name == "a" and not _PDF.search(str(element.get("href", ""))) and not _VERDICT_TEXT.search(
            _clean(element.get_text(" "))
        ):
            continue  # a bare link beside bare verdict links is judged by its text and target below
        if _entry_like(element) and not recognised(element) and not _outside_list(element, area):
            raise LayoutChangedError(url, f"a verdict link ({_SECTION}<slug>/) in the list entry {_describe(element)}")
    for anchor in area.find_all("a", href=True):
        if recognised(anchor) or _outside_list(anchor, area):
            continue
        href = str(anchor["href"])
        resolved = resolve(url, href)
        if resolved is not None and (
            _PAGE_PATH.fullmatch(resolved[1].path) or resolved[1].path.rstrip("/") + "/" == _SECTION
        ):
            continue  # the list itself
        target = resolved[1].path if resolved is not None else href
        if _PDF.search(target) or _VERDICT_TEXT.search(_clean(anchor.get_text(" ") or str(anchor.get("title", "")))):
            raise LayoutChangedError(url, f"a verdict link ({_SECTION}<slug>/) in the list entry {_describe(anchor)}")


_PAGE_PATH = re.compile(re.escape(_SECTION) + r"page/(\d+)/?")


def _page_number(parts: SplitResult) -> int | None:
    """N for a list page .../page/N/; None for any other URL."""
    match = _PAGE_PATH.fullmatch(parts.path)
    return int(match[1]) if match else None


def _next_url(soup: BeautifulSoup, page_url: str) -> str | None:
    """The next list page: rel="next", class "next", a "Volgende"/"»" link within the section,
    or else the numbered link to page N+1 (a pagination of page numbers only).

    None only when the page shows no sign of more pages (``more_pages``): a pagination this
    parser cannot follow ("?sf_paged=2", "Meer vonnissen laden") raises LayoutChangedError,
    since reading page 1 alone would show every verdict on later pages as "not listed"."""
    here = urlsplit(page_url)
    page = outline(soup)
    for candidate in next_links(page):
        href = candidate.href or ""
        resolved = resolve(page_url, href)
        if resolved is None:  # the rest of the list is behind it: never skipped
            raise LayoutChangedError(page_url, f"next-page link is not a valid URL: {href!r}")
        parts = resolved[1]._replace(netloc=here.netloc)  # read on the list's own host, as verdicts are
        if same_site(resolved[1], here) and parts.path.startswith(_SECTION) and parts.geturl() != page_url:
            return parts.geturl()
    # A malformed link into .../page/ may be page N+1: the list would end early, so it raises.
    numbered = numbered_next(page, page_url, _page_number, raise_if_malformed=f"{_SECTION}page/")
    if numbered is None:
        if (sign := more_pages(page, page_url, within=_SECTION)) is not None:
            raise LayoutChangedError(
                page_url, f"a next-page link that can be followed (the page shows more pages: {sign})"
            )
        return None
    parts = numbered[1]
    return urlunsplit((parts.scheme, here.netloc, parts.path, "", ""))


def parse_list(body: bytes, url: str) -> SncuListPage:
    """Verdict entries (title, absolute URL, date if shown) and the next page's URL.

    The list is assumed never to be empty, so a page without verdict links is a changed layout;
    an entry without a verdict link read here is one too (``_unread_entries``).
    """
    soup = _soup(body)
    area = _main(soup, ("main", '[role="main"]', "#content", "#main"))
    titles: dict[str, list[str]] = {}
    entries: dict[str, Tag] = {}
    for anchor, target in _verdict_links(area, url):
        titles.setdefault(target, []).append(_clean(anchor.get_text(" ")) or _clean(str(anchor.get("title", ""))))
        entries.setdefault(target, _entry_element(anchor, target, area, url))
    if not entries:
        raise LayoutChangedError(url, f"links to verdict pages ({_SECTION}<slug>/) in the content area")
    _unread_entries(area, url, list(entries.values()))
    result = []
    for target, element in entries.items():
        named = [text for text in titles[target] if text and not _GENERIC_LINK.match(text)]
        heading = element.find(["h1", "h2", "h3", "h4"])
        title = named[0] if named else (_clean(heading.get_text(" ")) if heading else "")
        if not title:
            raise LayoutChangedError(url, f"a title for the verdict link {target}")
        dates = find_dates(element.get_text(" "))
        result.append(SncuListEntry(title=title, url=target, date=dates[0][0] if dates else None))
    return SncuListPage(entries=result, next_url=_next_url(soup, url))


# --- detail pages -----------------------------------------------------------------------------

ECLI = re.compile(r"ECLI:NL:[A-Z]+:\d{4}:\w+")
_COURT = re.compile(
    r"\b(Hoge Raad|Centrale Raad van Beroep"
    r"|(?i:rechtbank|gerechtshof)\s+(?:'s-)?[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?"
    r"|(?i:kantonrechter)\s+(?:te|in)\s+(?:'s-)?[A-Z][\w'-]*)"
)
_SNCU = re.compile(r"\bSNCU\b|Stichting\s+Naleving\s+C(?:AO|ao)\s+voor\s+Uitzendkrachten", re.I)
_VERSUS = re.compile(
    r"\s+(?:vs\.?|versus|v\.|contra|tegen|[-–—])\s+"
    # " v " and "/" also occur inside names ("Bouw v d Berg", "Jansen / De Vries"): only next to SNCU
    r"|(?:(?<=SNCU)|(?<=SNCU\)))(?:\s+v\s+|\s*/\s*)"
    r"|(?:\s+v\s+|\s*/\s*)(?=\(?SNCU\b)",
    re.I,
)
_TITLE_PREFIX = re.compile(
    r"^(?:(?:vonnis|arrest|uitspraak|beschikking)\b(?:\s+(?:van\s+(?:de\s+|het\s+)?)?(?:kantonrechter|rechtbank|gerechtshof|hof|hoger\s+beroep)\b)?)?\s*:?\s*",
    re.I,
)
_TRAILING = re.compile(r"(?:[\s,]*(?:\([^)]*\)|\b(?:19|20)\d{2}\b))+\s*$")
_LEGAL_FORM_BEFORE = r"(?:(?<=B\.V\.)|(?<=N\.V\.)|(?<=V\.O\.F\.)|(?<=C\.V\.))"
_HONORIFIC = re.compile(r"^(?:de\s+heer|mevrouw|mevr\.|dhr\.|mr\.)\s+", re.I)
# Place and capacity phrases around a party's name ("X B.V. te Rotterdam", "mr. J. Jansen q.q.
# (curator van X B.V.)"): kept, they pull the name's score under the link threshold and the
# verdict is lost. Stripped conservatively. A place is 1-4 capitalised words (with "'s-", "aan
# den", ...), removed after "gevestigd/kantoorhoudende/wonende te" or after a bare "te"/"uit"
# that follows a legal form (anywhere, before a separator), and after a bare "te"/"uit" at the
# very end of a name only ("Kunst te Koop B.V." keeps its "te"). A capacity is "(de) curator
# (in het faillissement) van" or "bewindvoerder van" (the name after it is the party, the
# curator's before it is dropped) or "q.q."; a status is "in liquidatie", "in staat van
# faillissement". The pipeline also matches every verdict's title and slug word runs exactly
# (``_read_sncu``), so a name this still gets wrong is found there.
_UPPER = "A-ZÀ-ÖØ-Þ"
_PLACE = (
    rf"(?:['’]s-|['’]t\s+)?[{_UPPER}][\w'’-]*"
    rf"(?:\s+(?:(?:aan|op|bij|onder|in)\s+)?(?:(?:de|den|der|het)\s+)?[{_UPPER}][\w'’-]*){{0,3}}"
)
_SEATED = (
    r"(?i:(?:(?:beiden?|allen)\s+)?(?:statutair\s+)?(?:gevestigd|kantoorhoudende?|wonende|woonachtig)\s+(?:te|in))"
)
_PLACE_PHRASE = re.compile(
    rf"(?:(?:^|[\s,]+){_SEATED}|{_LEGAL_FORM_BEFORE}\s+(?i:te|uit))\s+{_PLACE}(?=\s*(?:$|[,;&)]|(?i:en)\b))"
)
_PLACE_AT_END = re.compile(rf"(?:^|[\s,]+)(?:{_SEATED}|(?i:te|uit))\s+{_PLACE}\s*$")
_STATUS_AT_END = re.compile(r"[\s,]+(?:in\s+(?:staat\s+van\s+faillissement|liquidatie)|i\.\s?l\.|failliet)\s*$", re.I)
_CAPACITY_IN_BRACKETS = re.compile(r"\s*\(([^()]*\b(?:curator|bewindvoerder)\b[^()]*)\)", re.I)
_CAPACITY = re.compile(
    r"^(?:.*?[\s,])?(?:in\s+(?:zijn|haar)\s+hoedanigheid\s+(?:van|als)\s+)?(?:de\s+)?(?:curator|bewindvoerder)"
    r"(?:\s+in\s+(?:het|de)\s+faillissement)?\s+van\s+",
    re.I,
)
_QQ = re.compile(r"(?:^|\s+)q\.\s?q\.(?:\s*,)?(?:\s+|$)", re.I)
_AFTER_LEGAL_FORM = re.compile(rf"{_LEGAL_FORM_BEFORE}\s*(?:,(?:\s*(?:&|\ben\b))?|&|\ben\b)\s*", re.I)
_PARTY_LABEL = re.compile(r"^(?:partijen|gedaagden?|wederpartij(?:en)?|bestuurders?|directeur(?:en)?)\s*:\s*(.+)$", re.I)
_OUTCOME_LABEL = re.compile(r"^(?:uitkomst|beslissing|dictum|oordeel|resultaat)\s*:\s*(.+)$", re.I)
_OUTCOME_WORDS = re.compile(r"veroordee|toegewezen|afgewezen|ordered|awarded|dismissed", re.I)


def parties_from(text: str) -> list[str]:
    """Counterparties in "Vonnis SNCU vs. X B.V." or "Arrest: X B.V. en Y tegen SNCU": every side
    that is not SNCU, split after a legal form ("X B.V. en Y"), without a year, a role in
    brackets, a title such as "de heer", a place ("te Rotterdam", "gevestigd te Venlo") or a
    capacity ("curator van", "q.q."): see ``_PLACE_PHRASE`` for how conservative that is."""
    parties = []
    for side in _VERSUS.split(text):
        side = _TITLE_PREFIX.sub("", side.strip())
        if _SNCU.search(side):
            continue
        side = _PLACE_PHRASE.sub("", _CAPACITY_IN_BRACKETS.sub(r", \1", side))
        for part in _AFTER_LEGAL_FORM.split(side):
            for piece in _QQ.split(_CAPACITY.sub("", part.strip())):
                if name := _HONORIFIC.sub("", _bare_name(piece)).strip(" ,;"):
                    parties.append(name)
    return parties


def _bare_name(text: str) -> str:
    """The name without what may trail it, in any order: "(bestuurder)", "2019", "te Rotterdam",
    "in liquidatie"."""
    previous = None
    while text != previous:
        previous = text
        for trailing in (_TRAILING, _PLACE_AT_END, _STATUS_AT_END):
            text = trailing.sub("", text).strip(" ,;")
    return text


def _blocks(area: Tag) -> list[str]:
    return [_clean(el.get_text(" ")) for el in area.find_all(["p", "li", "h2", "h3", "h4", "dd", "td"])]


def _unique(names: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.casefold(), name)
    return tuple(seen.values())


@dataclass(frozen=True)
class _Dated:
    """A verdict date as ``_verdict_date`` found it (the fields of ``SncuDetail`` of that name)."""

    day: date
    written: str
    labelled: bool
    conflicts: tuple[str, ...] = ()


def _verdict_date(text: str) -> _Dated | None:
    """The verdict date: the labelled one when the page gives exactly one, else the latest.

    Unlabelled, the article may name earlier events ("controlerapport van 14 juli 2020 ... vonnis
    van 2 februari 2026") and later ones (a hearing in appeal): no date is certain. The latest is
    taken, and the verdict says it was not labelled (``SncuVerdict.date_labelled``), which sends
    the SNCU criterion to review whatever the date (rule b3_g_sncu, ``date_not_labelled``).

    Labelled, an appeal judgment counts from its own date (LEGAL.md B3.g), so the first label is
    not enough: two distinct labelled dates ("Datum vonnis: 14 juli 2020", "Datum arrest: 5 maart
    2025"), or a later date or ECLI year in the text ("op 5 maart 2025 heeft het Gerechtshof ...
    bekrachtigd"), make the date uncertain. The latest is taken (it keeps the verdict in the window
    longest) and marked not labelled. A publication date ("Geplaatst op") is not such a date.
    Every labelled date must exist: one that does not raises (``parse_date``).

    A single labelled date whose label is not an arrest's ("Datum vonnis:", "Datum uitspraak:",
    "Datum:") on a page that mentions an appeal (``_APPEAL``: "hoger beroep", "het hof",
    "bekrachtigd", ...) is kept but not labelled, with a note in ``conflicts``: the appeal's own
    date may be written in no shape read here, and the first verdict's date would let it pass.
    """
    matches = [(match, day) for match in _LABELLED_DATE.finditer(text) if (day := parse_date(match[1]))]
    labelled = [(day, match[1]) for match, day in matches]
    if not labelled:
        dates = find_dates(text)
        if not dates:
            return None
        latest, written = max(dates, key=lambda found: found[0])  # max keeps the first of equal dates
        return _Dated(latest, written, False)
    first_latest = max(labelled, key=lambda found: found[0])
    published = {match.start(1) for match in _PUBLISHED_DATE.finditer(text)}
    later = [(day, written) for day, written, at in _dates_at(text) if at not in published and day > first_latest[0]]
    # an ECLI gives its year only: 1 January of a later year is still later than the labelled date
    later += [(date(int(m[1]), 1, 1), m[0]) for m in _ECLI_YEAR.finditer(text) if int(m[1]) > first_latest[0].year]
    chosen = max(labelled + later, key=lambda found: found[0])
    if len({day for day, _ in labelled}) == 1 and not later:
        own = any(_ARREST_LABEL.search(match[0][: match.start(1) - match.start(0)]) for match, _ in matches)
        if own or (appeal := _APPEAL.search(text)) is None:  # an arrest label names the appeal's date
            return _Dated(chosen[0], chosen[1], True)
        mention = f'an appeal is mentioned ("{appeal[0]}") and its own date was not read'
        return _Dated(chosen[0], chosen[1], False, (mention,))
    others = dict.fromkeys(written for day, written in labelled + later if day != chosen[0])
    return _Dated(chosen[0], chosen[1], False, tuple(others))


def parse_detail(body: bytes, url: str) -> SncuDetail:
    """One verdict page. No title or no date raises: an undated verdict cannot be placed in the
    two-year window (LEGAL.md B3.g counts the verdict date)."""
    soup = _soup(body)
    area = _main(soup, ("article", "main", '[role="main"]', "#content"))
    heading = area.find("h1") or soup.find("h1")
    title = _clean(heading.get_text(" ")) if heading else ""
    if not title:
        raise LayoutChangedError(url, "the verdict title (<h1>)")
    text = _clean(area.get_text(" "))
    found = _verdict_date(text)
    if found is None:
        raise LayoutChangedError(url, "a verdict date (e.g. '17 januari 2019' or '17 Jan 2019')")
    verdict_date, date_text, is_labelled = found.day, found.written, found.labelled
    blocks = _blocks(area)
    labelled_parties = [m[1] for block in blocks if (m := _PARTY_LABEL.match(block))]
    title_parties = parties_from(title) if _VERSUS.search(title) else []  # a title may name no party
    outcomes = [m[1] for block in blocks if (m := _OUTCOME_LABEL.match(block))]
    outcomes += [block for block in blocks if _OUTCOME_WORDS.search(block)]
    court, ecli = _COURT.search(text), ECLI.search(text)
    return SncuDetail(
        url=url,
        slug=urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1],
        title=title,
        verdict_date=verdict_date,
        date_text=date_text,
        date_labelled=is_labelled,
        court=court[0][0].upper() + court[0][1:] if court else None,
        ecli=ecli[0] if ecli else None,
        parties=_unique(title_parties + [p for value in labelled_parties for p in parties_from(value)]),
        outcome=outcomes[0] if outcomes else None,
        dates_skipped=() if is_labelled else tuple(impossible_dates(text)),
        date_conflicts=found.conflicts,
    )


def to_verdict(detail: SncuDetail, link: Link) -> SncuVerdict:
    """The dossier's view of a verdict, without its parties (LEGAL.md art. 10.3, "keep only what a
    decision needs"): they are often directors, the pipeline links by them before this, no rule
    reads them, and the party that matched is in ``link.matched_name``. Title and outcome stay:
    the rules quote the title, and the officer reviewing a name link reads what the court decided."""
    return SncuVerdict(
        title=detail.title,
        verdict_date=detail.verdict_date,
        date_labelled=detail.date_labelled,
        court=detail.court,
        ecli=detail.ecli,
        url=detail.url,
        outcome=detail.outcome,
        link=link,
    )


# --- fetching ---------------------------------------------------------------------------------


def _get(client: PoliteClient, url: str) -> Snapshot:
    snapshot = client.get(url, register=REGISTER, headers={"Accept": "text/html"})
    if snapshot.status != 200:
        raise FetchError(f"HTTP {snapshot.status} from the SNCU site", snapshot.url)
    return snapshot


def fetch_all(client: PoliteClient, *, max_pages: int = 20) -> tuple[list[Snapshot], list[SncuDetail]]:
    """The whole list (following "next" links), then every verdict page once.

    Raises rather than return part of the list: more than ``max_pages`` pages, or a next link
    pointing back to a page already read.
    """
    snapshots: list[Snapshot] = []
    entries: dict[str, SncuListEntry] = {}
    read: list[str] = []
    url: str | None = LIST_URL
    while url is not None:
        if len(read) == max_pages:
            raise ScrapingError(f"the verdict list has more than {max_pages} pages", url)
        snapshot = _get(client, url)
        snapshots.append(snapshot)
        read.append(url)
        page = parse_list(snapshot.body, snapshot.url)
        for entry in page.entries:
            entries.setdefault(entry.url, entry)
        if page.next_url in read:
            raise LayoutChangedError(snapshot.url, f"a next-page link to an unread page (got {page.next_url})")
        url = page.next_url
    details = []
    for entry in entries.values():
        snapshot = _get(client, entry.url)
        snapshots.append(snapshot)
        details.append(parse_detail(snapshot.body, snapshot.url))
    return snapshots, details
