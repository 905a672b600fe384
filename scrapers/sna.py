"""SNA register (Stichting Normering Arbeid): the Excel export of certified lenders.

The export's header texts are unknown (REGISTERS.md), so columns are found by keyword in the
first rows of sheet 1, and the header row as found is kept for auditors together with which
column was chosen for which field, and why. A missing required column raises
``LayoutChangedError``; a bad data row is reported with its reason and never stops the parse.

Companies disappear from the export when their certificate ends, so "not in the export" is a
finding only for a snapshot that parsed; callers should also look at ``SnaExport.rejected``
before reading absence as "not certified".
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import chain
from typing import TYPE_CHECKING

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from eligibility._dossier import Link, SnaCertificate, SnaModule, SnaNorm, SnaStatus
from eligibility._errors import FetchError, LayoutChangedError

if TYPE_CHECKING:
    from scrapers._http import PoliteClient
    from scrapers._store import Snapshot

REGISTER = "sna"
PARSER_VERSION = "sna/3"
EXPORT_URL = "https://www.normeringarbeid.nl/snakeurmerk/gecertificeerde-ondernemingen/export"

HEADER_SEARCH_ROWS = 10
"""The header row is looked for in this many rows from the top of the sheet."""

# Field -> keywords, in folded form (see _fold). The order of fields breaks ties between two
# fields wanting the same column ("KvK-nummer onderneming" is the KvK column, not the name).
FIELD_KEYWORDS: dict[str, tuple[str, ...]] = {
    "kvk": ("kvk", "kvk nummer", "kvknummer", "kamer van koophandel"),
    "module": ("activiteit", "module", "werkzaamheden"),
    "status": ("status", "certificaatstatus", "certificering"),
    "norm": ("norm", "nen 4400"),
    "name": ("bedrijfsnaam", "naam", "onderneming"),
    "address": ("adres", "straat"),
    "place": ("plaats", "vestigingsplaats", "woonplaats"),
}
REQUIRED_FIELDS = ("name", "kvk", "module")

# Headers holding one of these are contact details, never a field ("E-mailadres" is no address).
_IGNORED_HEADER_WORDS = ("mail", "website", "telefoon", "contactpersoon")
# Headers holding one of these are never that field: "Certificeringsdatum" or "Certificerende
# instelling" mention certification but hold a date or a body, not a status.
_EXCLUDED_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "status": ("datum", "date", "instelling", "nummer", "geldig"),
}
# Cell texts that show a status column exists when none was recognised by its header: reading
# those rows as certified would be false (they are not certified), so the parse must fail.
_STATUS_WORDS = tuple(status.value for status in SnaStatus if status is not SnaStatus.GECERTIFICEERD)
# Fields whose free text may start with such a word without being a status ("Aangemeld B.V.").
_FREE_TEXT_FIELDS = ("name", "address", "place")
# Word stems (folded) that make a cell of a column mapped to no field look like a certificate
# status ("Niet gecertificeerd", "Geschorst", "In aanmelding"): such a column is a status column
# under a header this parser does not know, and every row defaulting to certified would be false.
# Scanned also when a status column was recognised: a second column saying "Opgeschort per 1-3-2026"
# beside "Gecertificeerd" qualifies that status in a way this parser does not read.
_STATUS_STEMS = (
    "certifi", "aanmeld", "aangemeld", "opgeschort", "schorsing", "geschorst", "doorgehaald", "doorhaling",
    "ingetrokken", "intrekking", "verlopen", "vervallen", "geldig", "beeindig", "inactief", "gestopt",
    "suspend", "revoked", "withdrawn", "expired",
)
# Words (folded) that make the header of a column mapped to no field a status or validity column
# ("Opgeschort" holding "Ja", "Actief" holding "Nee", "Certificaat geldig tot" holding a past date,
# "Statustoelichting" beside "Status"): its values say whether the certificate holds, in a form this
# parser does not read, so the export is refused rather than every row read as certified.
_STATUS_HEADER_WORDS = (
    "status", "opgeschort", "schorsing", "geschorst", "doorgehaald", "doorhaling", "aangemeld", "aanmelding",
    "actief", "gecertificeerd", "ingetrokken", "intrekking", "beeindig", "geldig", "einddatum", "vervaldatum",
    "vervallen", "verloop", "verlopen",
)

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_KVK_TEXT = re.compile(r"\d{1,8}")
_NORM = re.compile(r"4400 ?([12])\b")
_TBA_TEXT = re.compile(r"\bter ?beschikking(?: ?stell(?:en|ing))?(?: van arbeid)?\b|\btba\b")
_AANNEMING_TEXT = re.compile(r"\baanneming(?: van werk)?\b")
# What an activity text may hold besides the module names: the norm and joining words. Any other
# word is rejected, with or without TBA: it may be a spelling of TBA not known ("Uitzenden en
# detacheren"), a negation ("geen ter beschikking stellen van arbeid") or a status ("TBA
# (opgeschort)"), and reading past it would be a guess, in the lender's favour or against it.
_MODULE_FILLER_TEXT = re.compile(r"\b(?:nen ?)?4400 ?[12]\b|\b(?:en|and|module)\b")
# Status from least to most favourable: merged rows that disagree keep the least favourable.
_STATUS_ORDER = (SnaStatus.DOORGEHAALD, SnaStatus.OPGESCHORT, SnaStatus.AANGEMELD, SnaStatus.GECERTIFICEERD)

# What openpyxl and the zip/XML layers under it raise for bytes that are not a readable workbook.
# (LookupError: KeyError for a missing part, IndexError for a bad shared-string index;
# RuntimeError: NotImplementedError for an unknown zip compression method.)
_UNREADABLE = (
    zipfile.BadZipFile, zlib.error, LookupError, ValueError, TypeError, OSError, EOFError, SyntaxError,
    RuntimeError,
)


@dataclass(frozen=True, slots=True)
class ColumnChoice:
    """Which column was taken for a field, and the keyword that matched its header."""

    index: int
    header: str
    keyword: str

    @property
    def letter(self) -> str:
        """The Excel column letter, as an auditor sees it in the sheet."""
        return get_column_letter(self.index + 1)


@dataclass(frozen=True, slots=True)
class SnaRow:
    """One company row of the export."""

    row_number: int
    kvk_number: str | None
    """8 digits; None when the row lists no KvK number (some foreign companies): link by name."""
    name: str
    place: str | None
    address: str | None
    modules: tuple[SnaModule, ...]
    """Recognised modules, never empty: a text naming none, or holding any word beside the module
    names, the norm and joining words ("TBA (opgeschort)"), rejects the row (``_modules``)."""
    modules_raw: str
    status: SnaStatus
    norm: SnaNorm | None


@dataclass(frozen=True, slots=True)
class SnaRejectedRow:
    """A data row that could not be read, with why; ``kvk_text`` lets callers see whom it concerns."""

    row_number: int
    reason: str
    kvk_text: str | None
    name: str | None


@dataclass(frozen=True)
class SnaExport:
    """The parsed export: the rows, the rejected rows, and how the columns were found."""

    sheet_title: str
    header_row_index: int
    """1-based Excel row of the header."""
    header_row: tuple[str, ...]
    column_map: dict[str, ColumnChoice]
    rows: tuple[SnaRow, ...]
    rejected: tuple[SnaRejectedRow, ...]

    @cached_property
    def by_kvk(self) -> dict[str, list[SnaRow]]:
        """``index_by_kvk``, made once: a batch looks up every partner in the same export."""
        return index_by_kvk(self)


class _BadRow(Exception):
    """A data row this parser cannot read; becomes an SnaRejectedRow."""


# --- header detection ----------------------------------------------------------------------


def _fold(text: str) -> str:
    """Lower case, accents dropped, punctuation to single spaces: "KvK-nummer" -> "kvk nummer"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_ALNUM.sub(" ", plain).split())


def _match_quality(header: str, keyword: str) -> int:
    """3: the header is the keyword; 2: a word of it starts with the keyword; 1: contains it."""
    if header == keyword:
        return 3
    if header.startswith(keyword) or f" {keyword}" in header:
        return 2
    return 1 if keyword in header else 0


def _map_columns(headers: Sequence[str]) -> dict[str, ColumnChoice]:
    """Best header per field, each column used once; better matches are served first."""
    candidates = []
    for column, raw in enumerate(headers):
        folded = _fold(raw)
        if not folded or any(word in folded for word in _IGNORED_HEADER_WORDS):
            continue
        for rank, (field, keywords) in enumerate(FIELD_KEYWORDS.items()):
            if any(word in folded for word in _EXCLUDED_HEADER_WORDS.get(field, ())):
                continue
            # max() keeps the first of equal matches: earlier keywords win ties.
            matches = ((_match_quality(folded, keyword), keyword) for keyword in keywords)
            quality, keyword = max(matches, key=lambda match: match[0])
            if quality:
                candidates.append((-quality, rank, column, field, keyword))
    chosen: dict[str, ColumnChoice] = {}
    taken: set[int] = set()
    for _, _, column, field, keyword in sorted(candidates):
        if field not in chosen and column not in taken:
            chosen[field] = ColumnChoice(column, headers[column], keyword)
            taken.add(column)
    return {field: chosen[field] for field in FIELD_KEYWORDS if field in chosen}


def _header_texts(values: Sequence[object]) -> tuple[str, ...]:
    return tuple("" if value is None else str(value) for value in values)


def _find_header(
    top: Sequence[tuple[object, ...]], url: str
) -> tuple[int, tuple[str, ...], dict[str, ColumnChoice]]:
    """The first of the top rows naming every required field, else a LayoutChangedError."""
    best: tuple[int, tuple[str, ...], dict[str, ColumnChoice]] | None = None
    for offset, values in enumerate(top):
        headers = _header_texts(values)
        if not any(text.strip() for text in headers):
            continue
        column_map = _map_columns(headers)
        if all(field in column_map for field in REQUIRED_FIELDS):
            return offset + 1, headers, column_map
        if best is None or len(column_map) > len(best[2]):
            best = (offset + 1, headers, column_map)
    if best is None:
        raise LayoutChangedError(url, f"SNA export: sheet 1 is blank in its first {HEADER_SEARCH_ROWS} rows")
    index, headers, column_map = best
    missing = ", ".join(repr(field) for field in REQUIRED_FIELDS if field not in column_map)
    found = [text for text in headers if text.strip()]
    raise LayoutChangedError(url, f"SNA export: no column for {missing} among headers {found} (row {index})")


# --- cell values ---------------------------------------------------------------------------


def _text(value: object) -> str | None:
    """A cell as stripped text; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _kvk_number(value: object) -> str | None:
    """8 digits, left-padded (an int cell lost its leading zeros); None when the cell is empty."""
    text = _text(value)
    if text is None:
        return None
    if not _KVK_TEXT.fullmatch(text) or int(text) == 0:
        raise _BadRow(f"KvK number {text!r} is not 1 to 8 digits")
    return text.zfill(8)


@lru_cache(maxsize=512)
def _modules(raw: str) -> tuple[SnaModule, ...]:
    """Modules named in an activity text ("Ter beschikking stellen van arbeid", "TBA", "Aanneming van werk").

    A text that names no module, or holds any word beyond the module names, the norm and joining
    words, is rejected (``_BadRow``): an unknown text read as "no TBA" would fail a lender whose
    certificate may well cover it, and "TBA (opgeschort)" or "Aanneming van werk (geen ter
    beschikking stellen van arbeid)" read as TBA would pass one whose certificate does not.
    """
    folded = _fold(raw)
    found = []
    if _TBA_TEXT.search(folded):
        found.append(SnaModule.TBA)
    if _AANNEMING_TEXT.search(folded):
        found.append(SnaModule.AANNEMING)
    rest = _MODULE_FILLER_TEXT.sub(" ", _AANNEMING_TEXT.sub(" ", _TBA_TEXT.sub(" ", folded)))
    if not found or rest.strip():
        raise _BadRow(f"unrecognised activity (module) {raw!r}")
    return tuple(found)


@lru_cache(maxsize=64)
def _status(raw: str) -> SnaStatus:
    """The status the whole folded text spells; anything more ("Gecertificeerd (opgeschort)",
    "Gecertificeerd tot 01-05-2026") qualifies it in a way not known, so the row is rejected."""
    decomposed = unicodedata.normalize("NFKD", raw.casefold())
    spelled = " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())
    try:  # not _fold: it drops punctuation, and "Gecertificeerd*" must not read as "Gecertificeerd"
        return SnaStatus(spelled)
    except ValueError:
        raise _BadRow(f"unknown status {raw!r}") from None


@lru_cache(maxsize=64)
def _norm(raw: str) -> SnaNorm | None:
    """The one norm the text names; None for none, or for both ("NEN 4400-1 en NEN 4400-2"):
    which one the certificate holds is then not shown (as ``find`` drops a disputed norm), where
    the first named decided whether a foreign partner failed or a Dutch one went to review."""
    named = {match.group(1) for match in _NORM.finditer(_fold(raw))}
    if len(named) != 1:
        return None
    return SnaNorm.NEN_4400_1 if named == {"1"} else SnaNorm.NEN_4400_2


# --- rows ----------------------------------------------------------------------------------


def _cell(values: tuple[object, ...], choice: ColumnChoice | None) -> object:
    """The value under a chosen column; rows may be shorter than the header (trailing blanks)."""
    if choice is None or choice.index >= len(values):
        return None
    return values[choice.index]


def _read_row(values: tuple[object, ...], row_number: int, columns: dict[str, ColumnChoice]) -> SnaRow:
    kvk_number = _kvk_number(_cell(values, columns["kvk"]))
    name = _text(_cell(values, columns["name"]))
    if name is None:
        raise _BadRow("no company name")
    modules_raw = _text(_cell(values, columns["module"]))
    if modules_raw is None:
        raise _BadRow("no activity (module)")
    status = SnaStatus.GECERTIFICEERD
    if "status" in columns:
        status_raw = _text(_cell(values, columns["status"]))
        if status_raw is None:
            raise _BadRow("empty status")
        status = _status(status_raw)
    norm_raw = _text(_cell(values, columns.get("norm")))
    return SnaRow(
        row_number=row_number,
        kvk_number=kvk_number,
        name=name,
        place=_text(_cell(values, columns.get("place"))),
        address=_text(_cell(values, columns.get("address"))),
        modules=_modules(modules_raw),
        modules_raw=modules_raw,
        status=status,
        norm=_norm(norm_raw) if norm_raw is not None else _norm(modules_raw),
    )


def _is_blank(values: tuple[object, ...]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def parse_export(body: bytes, url: str) -> SnaExport:
    """Read sheet 1 of the export. Blank lines are skipped; bad rows land in ``rejected``."""
    with warnings.catch_warnings():
        # openpyxl warns about what other writers do ("no default style", a date cell out of
        # range); what matters here surfaces as a rejected row or a LayoutChangedError instead.
        warnings.simplefilter("ignore", UserWarning)
        return _parse_workbook(body, url)


def _parse_workbook(body: bytes, url: str) -> SnaExport:
    try:
        book = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except _UNREADABLE as exc:
        raise _unreadable(body, url, exc) from exc
    try:
        if not book.worksheets:
            raise LayoutChangedError(url, "SNA export: the workbook has no worksheet")
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # a wrong <dimension> tag must not cut rows off
        return _parse_rows(sheet.title, _sheet_rows(sheet.iter_rows(values_only=True), body, url), url)
    finally:
        book.close()


def _unreadable(body: bytes, url: str, exc: Exception) -> LayoutChangedError:
    what = f"{type(exc).__name__}: {exc}; body starts {body[:16]!r}"
    return LayoutChangedError(url, f"SNA export: not a readable .xlsx workbook ({what})")


def _sheet_rows(rows: Iterable[tuple[object, ...]], body: bytes, url: str) -> Iterator[tuple[object, ...]]:
    """The sheet's rows, with openpyxl's errors on damaged XML mapped (and only those)."""
    try:
        yield from rows
    except _UNREADABLE as exc:
        raise _unreadable(body, url, exc) from exc


def _parse_rows(title: str, lines: Iterator[tuple[object, ...]], url: str) -> SnaExport:
    top = [values for _, values in zip(range(HEADER_SEARCH_ROWS), lines)]
    header_index, headers, columns = _find_header(top, url)
    kvk_column, name_column = columns["kvk"], columns["name"]
    free_text = {columns[field].index for field in _FREE_TEXT_FIELDS if field in columns} | {
        index for index, header in enumerate(headers) if _names_a_body(header)}
    mapped = {choice.index for choice in columns.values()}
    _refuse_status_headers(headers, mapped, url)
    status_column = columns.get("status")
    rows: list[SnaRow] = []
    rejected: list[SnaRejectedRow] = []
    for row_number, values in enumerate(chain(top[header_index:], lines), start=header_index + 1):
        if _is_blank(values):
            continue
        _refuse_unrecognised_status(values, free_text, mapped, status_column, headers, row_number, url)
        try:
            rows.append(_read_row(values, row_number, columns))
        except _BadRow as bad:
            kvk_text, name = _text(_cell(values, kvk_column)), _text(_cell(values, name_column))
            rejected.append(SnaRejectedRow(row_number, str(bad), kvk_text, name))
    return SnaExport(title, header_index, headers, columns, tuple(rows), tuple(rejected))


def _refuse_status_headers(headers: Sequence[str], mapped: set[int], url: str) -> None:
    """A column mapped to no field whose header names a status or a validity ("Opgeschort",
    "Actief", "Certificaat geldig tot", "Einddatum certificaat", "Statustoelichting") holds what
    decides whether a row is certified, in a form this parser does not read: refuse the export."""
    for index, header in enumerate(headers):
        if index in mapped:
            continue
        folded = _fold(header)
        word = next((word for word in _STATUS_HEADER_WORDS if word in folded), None)
        if word is not None:
            raise LayoutChangedError(
                url,
                f"SNA export: column {get_column_letter(index + 1)} ({header!r}) is headed like a status or "
                f"validity ({word!r}), but is not a status column this parser reads",
            )


def _names_a_body(header: str) -> bool:
    """Whether a column names the certifying body ("Certificerende instelling", "CI"): its cells are names
    ("Normcheck Certificering B.V."), and a status stem in a name ("certifi") is no status."""
    folded = _fold(header)
    return "instelling" in folded or folded.strip() in ("ci", "certificeerder")


def _refuse_unrecognised_status(
    values: tuple[object, ...], free_text: set[int], mapped: set[int], status_column: ColumnChoice | None,
    headers: Sequence[str], row_number: int, url: str,
) -> None:
    """A cell holding a status stem ("Niet gecertificeerd", "Ingetrokken", "Opgeschort per 1-3-2026")
    in a column mapped to no field is status information this parser does not read, beside a
    recognised status column or not. Without a recognised status column every row reads as
    certified, so a cell saying "Opgeschort" (or aangemeld, doorgehaald) in a mapped
    non-free-text column shows that would be false too."""
    for index, value in enumerate(values):
        if index in free_text or not isinstance(value, str):
            continue
        if index in mapped:
            if status_column is not None:
                continue
            looks_like_status = value.strip().casefold().startswith(_STATUS_WORDS)
        else:
            folded = _fold(value)
            looks_like_status = any(stem in folded for stem in _STATUS_STEMS)
        if looks_like_status:
            header = headers[index] if index < len(headers) else ""
            why = (
                "but no status column was recognised" if status_column is None
                else f"beside status column {status_column.letter} ({status_column.header!r})"
            )
            raise LayoutChangedError(
                url,
                f"SNA export: column {get_column_letter(index + 1)} ({header!r}) holds status {value.strip()!r} "
                f"in row {row_number}, {why}",
            )


# --- lookups -------------------------------------------------------------------------------


def index_by_kvk(export: SnaExport) -> dict[str, list[SnaRow]]:
    """Rows per KvK number, in sheet order; rows without a KvK number are left out."""
    index: dict[str, list[SnaRow]] = {}
    for row in export.rows:
        if row.kvk_number is not None:
            index.setdefault(row.kvk_number, []).append(row)
    return index


def find(export: SnaExport, kvk_number: str) -> SnaRow | None:
    """The company with this KvK number, its rows merged; None when the export does not list it.

    A company may have one row per module: modules are joined. When rows disagree on status the
    least favourable one is kept, and a norm they disagree on becomes unknown (None).
    """
    rows = export.by_kvk.get(kvk_number, [])
    if len(rows) <= 1:
        return rows[0] if rows else None
    first = rows[0]
    norms = {row.norm for row in rows}
    return SnaRow(
        row_number=first.row_number,
        kvk_number=kvk_number,
        name=first.name,
        place=first.place,
        address=first.address,
        modules=tuple(dict.fromkeys(module for row in rows for module in row.modules)),
        modules_raw="; ".join(dict.fromkeys(row.modules_raw for row in rows)),
        status=min((row.status for row in rows), key=_STATUS_ORDER.index),
        norm=norms.pop() if len(norms) == 1 else None,
    )


def to_certificate(row: SnaRow, link: Link) -> SnaCertificate:
    """The dossier's view of a row; ``link`` says how it was tied to the partner."""
    return SnaCertificate(
        kvk_number=row.kvk_number,
        name=row.name,
        status=row.status,
        norm=row.norm,
        modules=list(row.modules),
        place=row.place,
        link=link,
    )


# --- fetching ------------------------------------------------------------------------------


def fetch_export(client: PoliteClient, url: str = EXPORT_URL) -> tuple[Snapshot, SnaExport]:
    """Download and parse the whole export (about 5,700 companies; the register changes daily)."""
    snapshot = client.get(url, register=REGISTER)
    if snapshot.status != 200:
        raise FetchError(f"SNA export: HTTP {snapshot.status}", snapshot.url)
    return snapshot, parse_export(snapshot.body, snapshot.url)
