"""SNF (Stichting Normering Flexwonen): the public list of certified housing organisations.

The list's URL and query parameters are known; its columns, detail pages and whether it shows
KvK numbers are not (REGISTERS.md). So the parser finds the result table by its header texts
(keywords, like the SNA export) and treats place, status, KvK number and detail link as optional.
The name column is required: a page without it has changed layout, unless it says "no results".
Locations (addresses, beds, m²) are login-only and never come from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from eligibility._dossier import Link, SnfOrganisation
from eligibility._errors import FetchError, LayoutChangedError, ScrapingError

if TYPE_CHECKING:
    from scrapers._http import PoliteClient
    from scrapers._store import Snapshot

REGISTER = "snf"
PARSER_VERSION = "snf/1"
REGISTER_URL = "https://www.normeringflexwonen.nl/register"
PAGE_SIZE = 25

# Header keywords per field, checked in this order ("Vestigingsplaats" is a place, not a name).
_COLUMN_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("kvk", ("kvk", "kamer van koophandel")),
    ("status", ("status",)),
    ("place", ("plaats", "gemeente")),
    ("name", ("naam", "organisatie", "bedrijf", "huisvester")),
)
_NO_RESULTS = re.compile(r"geen\s+(zoek)?resultaten|geen\s+organisaties|niets\s+gevonden|\b0\s+resultaten", re.I)
_KVK = re.compile(r"(?<!\d)\d{8}(?!\d)")


@dataclass(frozen=True)
class SnfRecord:
    """One row of the SNF result list, as shown; optional fields are None when not shown."""

    name: str
    place: str | None
    status: str | None
    kvk_number: str | None
    detail_url: str | None


def _text(tag: Tag) -> str:
    return " ".join(tag.get_text(" ").split())


def _header_columns(table: Tag) -> dict[str, int]:
    """Map field -> column index from the table's header cells (empty when it has none)."""
    header_row = next((row for row in table.find_all("tr") if row.find("th")), None)
    if header_row is None:
        return {}
    columns: dict[str, int] = {}
    for index, cell in enumerate(header_row.find_all(["th", "td"])):
        label = _text(cell).lower()
        for field, keywords in _COLUMN_KEYWORDS:
            if field not in columns and any(keyword in label for keyword in keywords):
                columns[field] = index
                break
    return columns


def _cell_text(cells: list[Tag], columns: dict[str, int], field: str) -> str | None:
    """Text of a field's cell; None when the column is absent or the cell is empty."""
    index = columns.get(field)
    if index is None or index >= len(cells):
        return None
    return _text(cells[index]) or None


def _parse_row(row: Tag, columns: dict[str, int], url: str, row_number: int) -> SnfRecord:
    cells = row.find_all("td")
    name = _cell_text(cells, columns, "name")
    if name is None:
        raise LayoutChangedError(url, f"result row {row_number} has no organisation name")
    kvk_match = _KVK.search(_cell_text(cells, columns, "kvk") or "")
    status = _cell_text(cells, columns, "status")
    name_link = cells[columns["name"]].find("a", href=True)
    link = name_link or row.find("a", href=True)
    return SnfRecord(
        name=name,
        place=_cell_text(cells, columns, "place"),
        status=status.lower() if status else None,
        kvk_number=kvk_match.group() if kvk_match else None,
        detail_url=_absolute(url, str(link["href"])) if link is not None else None,
    )


def _absolute(base: str, href: str) -> str | None:
    """The detail link made absolute; None when malformed (urljoin raises ValueError on
    "http://[x/"): the detail URL is shown, never used to link or judge, so one bad href must
    not fail the whole search."""
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def parse_page(body: bytes, url: str) -> list[SnfRecord]:
    """Rows of one result page; [] for a page that says it found nothing."""
    soup = BeautifulSoup(body, "html.parser")
    for table in soup.find_all("table"):
        columns = _header_columns(table)
        if "name" not in columns:
            continue
        records = []
        data_rows = [row for row in table.find_all("tr") if not row.find("th")]
        for row_number, row in enumerate(data_rows, start=1):
            cells = row.find_all("td")
            if len(cells) == 1 and _NO_RESULTS.search(_text(cells[0])):
                continue  # a "no results" row spanning the table
            records.append(_parse_row(row, columns, url, row_number))
        return records
    if _NO_RESULTS.search(_text(soup)):
        return []
    raise LayoutChangedError(url, "no result table with a name column, and no 'no results' message")


def to_organisation(record: SnfRecord, link: Link) -> SnfOrganisation:
    """The dossier's view of a row; how it was tied to the partner is the caller's decision."""
    return SnfOrganisation(name=record.name, kvk_number=record.kvk_number, status=record.status, link=link)


def search(client: PoliteClient, text: str, max_pages: int = 20) -> tuple[list[Snapshot], list[SnfRecord]]:
    """All result pages for a query; raises rather than return a list cut short at max_pages."""
    snapshots: list[Snapshot] = []
    records: list[SnfRecord] = []
    for page in range(1, max_pages + 1):
        params = {"q": text, "pagina": str(page), "limiet": str(PAGE_SIZE), "volgorde": ""}
        snapshot = client.get(REGISTER_URL, register=REGISTER, params=params)
        if snapshot.status != 200:
            raise FetchError(f"SNF register answered HTTP {snapshot.status}", snapshot.url)
        if snapshots and snapshot.sha256 == snapshots[-1].sha256:
            raise LayoutChangedError(snapshot.url, f"page {page} is identical to page {page - 1}: 'pagina' ignored")
        page_records = parse_page(snapshot.body, snapshot.url)
        snapshots.append(snapshot)
        records.extend(page_records)
        if len(page_records) < PAGE_SIZE:
            return snapshots, records
    raise ScrapingError(
        f"SNF search {text!r} has more than {max_pages} full pages; results would be incomplete", REGISTER_URL
    )
