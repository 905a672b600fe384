"""SNF (Stichting Normering Flexwonen): the public list of certified housing organisations.

The list's URL and query parameters are known; its columns, detail pages and whether it shows
KvK numbers are not (REGISTERS.md). So the parser finds the result table by its header texts
(keywords, like the SNA export) and treats place, status, KvK number and detail link as optional.
The name column is required: a results area without it has changed layout, unless it says "no
results" and lists nothing. How many rows a page holds is not known either: paging follows the
page's own next/numbered links and checks the result count the page shows, if it shows one.
Locations (addresses, beds, m²) are login-only and never come from here.

Pages are read as a browser reads them (lexbor, ``_pages_lexbor``): SNF is searched for every
partner, and this is where building a tree in Python cost most. On a malformed page the browser's
reading is the one the officer checking a verdict sees (a cell left open ends at the next cell).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, parse_qs, urlsplit

from selectolax.lexbor import LexborNode

from eligibility._dossier import Link, SnfOrganisation
from eligibility._errors import FetchError, LayoutChangedError, ScrapingError
from scrapers._pages import (
    Outline,
    more_pages,
    next_links,
    numbered_next,
    resolve,
    same_site,
)
from scrapers._pages_lexbor import attribute, outline, parse, words

if TYPE_CHECKING:
    from scrapers._http import PoliteClient
    from scrapers._store import Snapshot

REGISTER = "snf"
PARSER_VERSION = "snf/4"  # snf/4: pages read by lexbor, as a browser reads them
REGISTER_URL = "https://www.normeringflexwonen.nl/register"
# The ``limiet`` asked for, as in the register's known URL. The server may show more or fewer:
# nothing is concluded from how many rows a page holds.
PAGE_SIZE = 25

# Header keywords per field, checked in this order ("Vestigingsplaats" is a place, not a name).
_COLUMN_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("kvk", ("kvk", "kamer van koophandel")),
    ("status", ("status",)),
    ("place", ("plaats", "gemeente")),
    ("name", ("naam", "organisatie", "bedrijf", "huisvester")),
)
_NO_RESULTS = re.compile(r"geen\s+(zoek)?resultaten|geen\s+organisaties|niets\s+gevonden|\b0\s+resultaten", re.I)
_TOTAL = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{3})+|\d+)\s+(?:zoek)?resulta(?:ten|at)\b(?!\s+per\s+pagina)", re.I)
_KVK = re.compile(r"(?<!\d)\d{8}(?!\d)")
_REGISTER_PATH = urlsplit(REGISTER_URL).path
# Not read for a "no results" message or a count: never shown, or beside the results (scripts
# and styles are gone from the tree already: ``_pages_lexbor.parse``).
_NOT_SHOWN = ("template", "select", "aside")
_MAYBE_HIDDEN = ", ".join([*_NOT_SHOWN, "[hidden]", "[style]"])


@dataclass(frozen=True)
class SnfRecord:
    """One row of the SNF result list, as shown; optional fields are None when not shown."""

    name: str
    place: str | None
    status: str | None
    kvk_number: str | None
    detail_url: str | None


@dataclass(frozen=True)
class SnfPage:
    """One result page: its rows, whether it links to a next page, and the result count it
    shows (None when it shows none)."""

    records: list[SnfRecord]
    has_next: bool
    total: int | None


def _cells(row: LexborNode) -> list[LexborNode]:
    """The row's own cells (its child elements)."""
    return [cell for cell in row.iter() if cell.tag in ("th", "td")]


def _header_row(table: LexborNode) -> LexborNode | None:
    """The column-heading row: the first row of <th> cells only, in <thead> if there is one.

    Rows below it may carry the name in a <th> (a row header): they are results, not headings."""
    head = table.css_first("thead")
    rows = (head if head is not None else table).css("tr")
    return next((row for row in rows if _cells(row) and row.css_first("td") is None), None)


def _header_columns(header_row: LexborNode) -> dict[str, int]:
    """Map field -> column index from the header row's cells."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(_cells(header_row)):
        label = words(cell).lower()
        for field, keywords in _COLUMN_KEYWORDS:
            if field not in columns and any(keyword in label for keyword in keywords):
                columns[field] = index
                break
    return columns


def _cell_text(cells: list[LexborNode], columns: dict[str, int], field: str) -> str | None:
    """Text of a field's cell; None when the column is absent or the cell is empty."""
    index = columns.get(field)
    if index is None or index >= len(cells):
        return None
    return words(cells[index]) or None


def _parse_row(cells: list[LexborNode], row: LexborNode, columns: dict[str, int], url: str, row_number: int) -> SnfRecord:
    name = _cell_text(cells, columns, "name")
    if name is None:
        raise LayoutChangedError(url, f"result row {row_number} has no organisation name")
    kvk_match = _KVK.search(_cell_text(cells, columns, "kvk") or "")
    status = _cell_text(cells, columns, "status")
    link = cells[columns["name"]].css_first("a[href]") or row.css_first("a[href]")
    # The detail URL is shown, never used to link or judge: a malformed one is left out.
    resolved = resolve(url, attribute(link, "href") or "") if link is not None else None
    return SnfRecord(
        name=name,
        place=_cell_text(cells, columns, "place"),
        status=status.lower() if status else None,
        kvk_number=kvk_match.group() if kvk_match else None,
        detail_url=resolved[0] if resolved is not None else None,
    )


def _result_rows(table: LexborNode, header: LexborNode) -> Iterator[tuple[LexborNode, list[LexborNode]]]:
    """Rows that may be results, with their cells. Not results: rows in <thead> or <tfoot>, the
    heading row or a repeat of it, and a row whose only cell says "no results" (the message)."""
    headings = [words(cell) for cell in _cells(header)]
    for row in table.css("tr"):
        cells = _cells(row)
        texts = [words(cell) for cell in cells]
        if not cells or texts == headings or (row.parent is not None and row.parent.tag in ("thead", "tfoot")):
            continue
        if len(cells) == 1 and _NO_RESULTS.search(texts[0]):
            continue
        yield row, cells


def _table_records(area: LexborNode, url: str) -> tuple[LexborNode, list[SnfRecord]] | None:
    """The first table with a name column and its rows; None when the area has no such table."""
    for table in area.css("table"):
        header = _header_row(table) if table.mem_id != area.mem_id else None
        columns = _header_columns(header) if header is not None else {}
        if header is None or "name" not in columns:
            continue
        rows = enumerate(_result_rows(table, header), start=1)
        return table, [_parse_row(cells, row, columns, url, number) for number, (row, cells) in rows]
    return None


def _hidden(node: LexborNode) -> bool:
    style = (attribute(node, "style") or "").replace(" ", "").lower()
    return node.tag in _NOT_SHOWN or "hidden" in node.attributes or "display:none" in style or "visibility:hidden" in style


def _shown_text(area: LexborNode, table: LexborNode | None) -> tuple[str, str]:
    """The text a reader of the results area sees (no hidden elements, templates or sidebars),
    whole and without the result ``table``. Takes the hidden elements and then the table out of
    the tree: call it after everything else is read."""
    hidden = [node for node in area.css(_MAYBE_HIDDEN) if node.mem_id != area.mem_id and _hidden(node)]
    table_shown = table is not None and table.mem_id != area.mem_id and not any(
        _hidden(node) for node in _up_to(table, area)
    )
    for node in reversed(hidden):  # page order reversed: an element inside another goes first
        node.decompose()
    whole = words(area)
    if not table_shown:
        return whole, whole
    assert table is not None
    table.decompose()
    return whole, words(area)


def _up_to(node: LexborNode, area: LexborNode) -> Iterator[LexborNode]:
    """``node`` and its ancestors below ``area``."""
    current: LexborNode | None = node
    while current is not None and current.mem_id != area.mem_id:
        yield current
        current = current.parent


def _total(shown: str, url: str) -> int | None:
    """The result count the page shows ("28 resultaten"); None when it shows none."""
    counts = {int(match[1].replace(".", "")) for match in _TOTAL.finditer(shown)}
    if len(counts) > 1:
        raise LayoutChangedError(url, f"one result count, not several ({sorted(counts)})")
    return counts.pop() if counts else None


def _page_number(parts: SplitResult) -> int | None:
    """The ``pagina`` of a register URL; None for any other URL."""
    if parts.path.rstrip("/") != _REGISTER_PATH:
        return None
    value = parse_qs(parts.query).get("pagina", [""])[-1]
    return int(value) if value.isdecimal() else None


def _links_to_next(page: Outline, url: str) -> bool:
    """Whether the page links to page N+1: a "next" link, or else a numbered one.

    A "next" link into the register that leads elsewhere, or is malformed, raises: guessing
    would either stop early (results unread) or read the wrong pages. So does a page without
    either that still shows more pages (``more_pages``)."""
    wanted = (_page_number(urlsplit(url)) or 1) + 1
    here = urlsplit(url)._replace(fragment="")
    for candidate in next_links(page):
        href = candidate.href or ""
        resolved = resolve(url, href)
        if resolved is None:
            raise LayoutChangedError(url, f"next-page link is not a valid URL: {href!r}")
        parts = resolved[1]
        into_register = same_site(parts, here) and parts.path.rstrip("/") == _REGISTER_PATH
        if not into_register or parts._replace(fragment="") == here:
            continue
        if _page_number(parts) != wanted:
            raise LayoutChangedError(url, f"a next-page link to page {wanted} (got {href!r})")
        return True
    if numbered_next(page, url, _page_number, raise_if_malformed="pagina=") is not None:
        return True
    # A pager this parser cannot follow (a script's page buttons, "Pagina 1 van 3", "Meer laden")
    # must not end the search: whatever stands on the later pages would read as "not listed".
    if (sign := more_pages(page, url, within=_REGISTER_PATH)) is not None:
        raise LayoutChangedError(url, f"a next-page link that can be followed (the page shows more pages: {sign})")
    return False


def parse_page(body: bytes, url: str) -> SnfPage:
    """One result page. No rows is a result only when the results area says so: rows beside a
    "no results" message, or neither, is a changed layout."""
    tree = parse(body, url)
    paging = outline(tree)
    # The results area: a sidebar or menu outside it may say "geen resultaten" about something else.
    area = (tree.css_first("main") or tree.css_first('[role="main"]') or tree.css_first('[id="content"]')
            or tree.body or tree.root)
    assert area is not None, "lexbor makes <html> and <body> of any input"
    table, records = _table_records(area, url) or (None, None)
    shown, outside_table = _shown_text(area, table)
    says_none = _NO_RESULTS.search(shown) is not None
    if records is None and not says_none:
        raise LayoutChangedError(url, "no result table with a name column, and no 'no results' message")
    if records and says_none:
        raise LayoutChangedError(url, f"either result rows or a 'no results' message (got {len(records)} rows and one)")
    if records == [] and not says_none:
        raise LayoutChangedError(url, "result rows or a 'no results' message (the result table is empty)")
    records = records or []
    # counted outside the result table: a KvK number in the last cell is no count of "resultaten" below it
    total = _total(outside_table, url)
    if total is not None and len(records) > total:
        raise LayoutChangedError(url, f"at most the {total} results the page counts (got {len(records)} rows)")
    has_next = _links_to_next(paging, url)
    if has_next and not records:
        raise LayoutChangedError(url, "a page that lists no results links to a next page")
    return SnfPage(records, has_next, total)


def dedupe(records: Iterable[SnfRecord]) -> list[SnfRecord]:
    """Each row once, first seen first: a registration found by several searches (the partner's
    name and a trade name) comes back as the same row.

    A row has no id: only a row equal in every field shown (name, place, status, KvK number,
    detail link) is a repeat. Rows that differ in any field are kept, as within one search, and
    the linking chooses among them with a note: dropping one (another status, say) would be a guess.
    """
    return list(dict.fromkeys(records))


_NOT_CERTIFIED = ("doorgehaald", "opgeschort", "aangemeld")
"""Statuses that are no registration (REGISTERS.md), least favourable first."""
CERTIFIED = "gecertificeerd"
"""The one status that is a registration."""


def status_rank(status: str | None) -> int:
    """0 for the least favourable status: removed, suspended, applied; then a status not known
    (none, or a word the register did not use before), which cannot count as certified; then
    certified."""
    if status in _NOT_CERTIFIED:
        return _NOT_CERTIFIED.index(status)
    return len(_NOT_CERTIFIED) + (status == CERTIFIED)


def least_favourable(records: Iterable[SnfRecord]) -> SnfRecord:
    """Of rows for one registration (one KvK number) that disagree, the one least favourable to
    the partner, as ``sna.find`` keeps: the register's row order must never decide whether
    a removed registration counts as certified. Ties go by the fields shown, not by order."""
    return min(
        records,
        key=lambda r: (status_rank(r.status), r.name.casefold(), r.name, r.place or "", r.detail_url or ""),
    )


def to_organisation(record: SnfRecord, link: Link) -> SnfOrganisation:
    """The dossier's view of a row; how it was tied to the partner is the caller's decision."""
    return SnfOrganisation(name=record.name, kvk_number=record.kvk_number, status=record.status, link=link)


def search(client: PoliteClient, text: str, max_pages: int = 20) -> tuple[list[Snapshot], list[SnfRecord]]:
    """All result pages for a query, as far as the pages link on; raises rather than return a
    list cut short (at max_pages, or fewer rows read than the pages count)."""
    snapshots: list[Snapshot] = []
    records: list[SnfRecord] = []
    total: int | None = None
    for page in range(1, max_pages + 1):
        params = {"q": text, "pagina": str(page), "limiet": str(PAGE_SIZE), "volgorde": ""}
        snapshot = client.get(REGISTER_URL, register=REGISTER, params=params)
        if snapshot.status != 200:
            raise FetchError(f"SNF register answered HTTP {snapshot.status}", snapshot.url)
        if snapshots and snapshot.sha256 == snapshots[-1].sha256:
            raise LayoutChangedError(snapshot.url, f"page {page} is identical to page {page - 1}: 'pagina' ignored")
        result = parse_page(snapshot.body, snapshot.url)
        if page > 1 and not result.records:
            raise LayoutChangedError(snapshot.url, f"results on page {page}, which page {page - 1} links to")
        snapshots.append(snapshot)
        records.extend(result.records)
        total = result.total if result.total is not None else total
        if not result.has_next:
            if total is not None and total != len(records):
                raise LayoutChangedError(snapshot.url, f"the {total} results the pages count (read {len(records)})")
            return snapshots, records
    raise ScrapingError(
        f"SNF search {text!r} links on past page {max_pages}; results would be incomplete", REGISTER_URL
    )
