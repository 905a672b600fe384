"""Partner lists as people make them: CSV or XLSX, Dutch or English headers, Excel's habits.

What is accepted, and why:

- **Headers** in Dutch or English, in any case and with ``-``, ``_``, ``.`` or spaces
  (``KvK-nummer``, ``kvk_number``, ``KvK number``); see ``HEADER_ALIASES``. A title line above the
  header is skipped (the header is the first of the top ``HEADER_SEARCH_LINES`` non-empty lines
  naming at least two known columns). Unknown columns are ignored, with a warning naming them.
- **Separators** ``;`` (Dutch Excel), ``,`` or tab, chosen as the one under which a header is found.
- **Encoding**: UTF-8 with or without BOM. A line that is not UTF-8 is read as Windows-1252
  (Excel's "CSV" on Dutch Windows), line by line so that one pasted line does not garble the
  others; a warning names the lines.
- **KvK numbers** that lost their leading zeros (Excel reads ``01085927`` as the number 1085927)
  are padded to 8 digits when they have 1-7 digits; ``1085927.0`` (a number cell printed as a
  float) is read as 1085927. Anything else (9+ digits, letters, a date) makes an error row.
- **Roles** in Dutch or English, several in one cell separated by ``,`` ``;`` ``/`` ``+`` ``&``
  or the words ``en``/``and``.
- **Empty lines** (also lines of empty cells, as Excel writes ``;;;``) are skipped, not rows.

A row that cannot be read becomes a ``BadRow`` with its line number and the reason; reading
goes on. Only a list that cannot be read at all (no file, no header, no role column) raises
``ListError``: then no row could be screened.

Rows without a KvK number are kept with ``kvk_number=None``: the runner links them to the
registers by name and place and flags them "name-only" in every output.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from .._dossier import Role
from .._errors import EligibilityError

HEADER_SEARCH_LINES = 10
"""The header is looked for in this many non-empty lines from the top."""

DELIMITERS = (";", ",", "\t")
"""Candidate separators, in order of preference when two find the same header."""

FIELDS = ("name", "kvk", "roles", "place", "housing")

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("naam", "name", "bedrijfsnaam", "bedrijf", "company", "company name", "organisatie",
             "organisation", "organization", "naam partner", "partner", "partnernaam", "statutaire naam"),
    "kvk": ("kvk", "kvk nummer", "kvknummer", "kvk number", "kvk nr", "kvknr", "kvk no", "kvk_number",
            "kamer van koophandel", "kamer van koophandel nummer", "coc", "coc number", "chamber of commerce number"),
    "roles": ("rol", "role", "rollen", "roles", "rol partner", "type partner", "soort partner"),
    "place": ("plaats", "city", "place", "vestigingsplaats", "woonplaats", "stad", "town", "gemeente", "municipality"),
    "housing": ("huisvestingslocaties", "huisvestingslocatie", "huisvesting locaties", "locaties",
                "housing locations", "housing location", "housing"),
}
"""Folded header text (see ``fold_header``) -> field."""

ROLE_ALIASES: dict[str, Role] = {
    "uitlener": Role.UITLENER, "uitleners": Role.UITLENER, "uitzendbureau": Role.UITLENER,
    "uitzender": Role.UITLENER, "lender": Role.UITLENER, "temp agency": Role.UITLENER,
    "staffing agency": Role.UITLENER,
    "huisvester": Role.HUISVESTER, "huisvesters": Role.HUISVESTER, "huisvesting": Role.HUISVESTER,
    "housing": Role.HUISVESTER, "housing provider": Role.HUISVESTER,
    "werkgever": Role.WERKGEVER, "werkgevers": Role.WERKGEVER, "employer": Role.WERKGEVER,
    "dienstverlener": Role.DIENSTVERLENER, "dienstverleners": Role.DIENSTVERLENER,
    "service provider": Role.DIENSTVERLENER,
}
"""Folded role text -> role."""

_ROLE_SEPARATORS = re.compile(r"\s*(?:[,;/+&|]|\ben\b|\band\b)\s*", re.IGNORECASE)
_HOUSING_SEPARATORS = re.compile(r"\s*(?:[;|\n])\s*")
_FLOAT_INTEGER = re.compile(r"^(\d+)\.0+$")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_GROUPED = re.compile(r"\d{2,4}(?:[ .]\d{2,4})+")
"""Digits in groups, as typed from a letter ("6875 0110", "68.750.110"); taken when they make 8."""


class ListError(EligibilityError):
    """The list as a whole cannot be read: no row can be screened."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True, slots=True)
class PartnerRow:
    """One readable row. ``kvk_number`` None means name-only: linked by name and place."""

    line: int
    """Line in the CSV file (1-based, as an editor shows it) or row in the sheet."""
    name: str | None
    kvk_number: str | None
    roles: tuple[Role, ...]
    place: str | None
    housing: tuple[str, ...] = ()
    """Housing locations as written in the list (free text; see the runner for their use)."""
    notes: tuple[str, ...] = ()
    """What was repaired in reading, e.g. a padded KvK number."""

    @property
    def name_only(self) -> bool:
        return self.kvk_number is None


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that could not be read: shown in every output with its reason, never dropped."""

    line: int
    reason: str
    name: str | None = None
    kvk_text: str | None = None
    roles_text: str | None = None
    place: str | None = None


ListRow = PartnerRow | BadRow

_Raw = tuple[int, list[Any], str | None]
"""(line or sheet row, cell values, why the record is unreadable or None)."""


@dataclass
class ListInfo:
    """How the list was read: shown in the summary so a screener can check it."""

    path: Path
    format: str
    sha256: str
    encoding: str
    delimiter: str | None
    header_line: int
    columns: dict[str, str]
    """Field -> the header text it was read from."""
    warnings: list[str] = field(default_factory=list)


def fold_header(text: str) -> str:
    """"KvK-nummer", "kvk_nummer " and "KVK NUMMER" all give "kvk nummer"."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\ufeff", "").casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_ALNUM.sub(" ", plain).strip()


_ALIAS_FIELD = {fold_header(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
_ROLE_FIELD = {fold_header(alias): role for alias, role in ROLE_ALIASES.items()}


def _map_header(cells: Sequence[str]) -> tuple[dict[str, int], dict[str, str], list[str], list[str]]:
    """(field -> column, field -> header text, unknown headers, repeated fields)."""
    columns: dict[str, int] = {}
    texts: dict[str, str] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    for index, cell in enumerate(cells):
        text = cell.strip().replace("\ufeff", "")
        if not text:
            continue
        name = _ALIAS_FIELD.get(fold_header(text))
        if name is None:
            unknown.append(text)
        elif name in columns:
            repeated.append(f"{text!r} (also {name}; the first, {texts[name]!r}, is used)")
        else:
            columns[name], texts[name] = index, text
    return columns, texts, unknown, repeated


def _is_header(cells: Sequence[str]) -> bool:
    columns = _map_header(cells)[0]
    return len(columns) >= 2 and ("kvk" in columns or "name" in columns)


def normalise_kvk(value: Any) -> tuple[str | None, str | None, str | None]:
    """(8-digit KvK number or None when empty, a note on a repair, an error reason).

    Only two repairs, both for what spreadsheets do to numbers: leading zeros restored for 1-7
    digits, and a trailing ``.0`` dropped. Spaces and dots between digit groups are removed
    (``12 34 56 78``, ``12.345.678``). Anything else is refused with the reason.
    """
    if value is None:
        return None, None, None
    if isinstance(value, bool):
        return None, None, f"KvK number {value!r} is not a number"
    if isinstance(value, (datetime, date, time)):
        return None, None, f"KvK number cell holds a date ({value}); format the column as text"
    if isinstance(value, float):
        if not value.is_integer() or value < 0:
            return None, None, f"KvK number {value!r} is not a whole number"
        value = int(value)
    text = str(value).strip()
    if not text:
        return None, None, None
    integer = _FLOAT_INTEGER.match(text)
    if integer:
        text = integer.group(1)
    elif _GROUPED.fullmatch(text) and len(re.sub(r"[ .]", "", text)) == 8:
        text = re.sub(r"[ .]", "", text)
    if not text.isascii() or not text.isdigit():
        return None, None, f"KvK number {str(value).strip()!r} is not a number of 8 digits"
    if len(text) > 8:
        hint = " (12 digits: a branch number, vestigingsnummer?)" if len(text) == 12 else ""
        return None, None, f"KvK number {text} has {len(text)} digits; a KvK number has 8{hint}"
    if int(text) == 0:
        return None, None, f"KvK number {text!r} is all zeros"
    if len(text) < 8:
        padded = text.zfill(8)
        return padded, f"KvK number {text} padded to {padded} (leading zeros lost in a spreadsheet)", None
    return text, None, None


def parse_roles(text: str) -> tuple[tuple[Role, ...], str | None]:
    """(roles in the order written, without repeats; an error reason)."""
    parts = [part for part in _ROLE_SEPARATORS.split(text.strip()) if part.strip()]
    if not parts:
        return (), "no role given (uitlener, huisvester, werkgever or dienstverlener)"
    roles: list[Role] = []
    for part in parts:
        role = _ROLE_FIELD.get(fold_header(part))
        if role is None:
            return (), (f"role {part.strip()!r} is not one of uitlener, huisvester, werkgever, dienstverlener")
        if role not in roles:
            roles.append(role)
    return tuple(roles), None


def _cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious ``.0``, dates as ISO, None as empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _row(line: int, cells: Sequence[Any], columns: dict[str, int], width: int) -> ListRow:
    """One data row -> PartnerRow, or BadRow with the reason."""
    def raw(name: str) -> Any:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    name = _cell_text(raw("name")) or None
    place = _cell_text(raw("place")) or None
    roles_text = _cell_text(raw("roles"))
    kvk_raw = raw("kvk")
    kvk_text = _cell_text(kvk_raw) or None
    given = {"name": name, "kvk_text": kvk_text, "roles_text": roles_text or None, "place": place}
    shifted = (f" (the line has {len(cells)} values where the header has {width}: is the separator used inside "
               "a value without quotes?)") if len(cells) > width else ""
    if any(_cell_text(c) for c in cells[width:]):
        return BadRow(line, f"values beyond the last column{shifted}", **given)
    kvk_number, kvk_note, kvk_error = normalise_kvk(kvk_raw)
    if kvk_error is not None:
        return BadRow(line, kvk_error + shifted, **given)
    roles, roles_error = parse_roles(roles_text)
    if roles_error is not None:
        return BadRow(line, roles_error + shifted, **given)
    if kvk_number is None and name is None:
        return BadRow(line, "neither a KvK number nor a name: nothing to look the partner up by", **given)
    housing_text = _cell_text(raw("housing"))
    housing = tuple(part for part in _HOUSING_SEPARATORS.split(housing_text) if part) if housing_text else ()
    return PartnerRow(line, name, kvk_number, roles, place, housing, (kvk_note,) if kvk_note else ())


def _empty(cells: Sequence[Any]) -> bool:
    return not any(_cell_text(c) for c in cells)


# --- CSV --------------------------------------------------------------------------------------


@dataclass
class _Decoding:
    """What decoding found: lines read as Windows-1252, and whether any line was UTF-8 beyond ASCII."""

    cp1252_lines: list[int] = field(default_factory=list)
    utf8_beyond_ascii: bool = False


def _decoded_lines(path: Path, found: _Decoding) -> Iterator[str]:
    """The file's lines as text: UTF-8 (BOM dropped), else that one line as Windows-1252."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                found.cp1252_lines.append(number)
                yield raw.decode("cp1252", errors="replace")
            else:
                found.utf8_beyond_ascii = found.utf8_beyond_ascii or not raw.isascii()
                yield text


def _csv_rows(path: Path, delimiter: str, found: _Decoding, first: int = 1) -> Iterator[_Raw]:
    """(first physical line of the record, its fields, None) or (line, [], why it is unreadable).

    Quoted newlines stay inside a field, so a record may span lines; its first line is its
    number. Strict parsing: a quote opened and never closed would otherwise swallow every line
    after it into one field. Such a record becomes one error row, and reading starts again on
    the line after it, so the lines it swallowed are rows again.
    """
    lines = _decoded_lines(path, found)
    for _ in range(first - 1):
        next(lines, None)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    start = first
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            end = first - 1 + reader.line_num
            if end > start:  # the record ran over several lines: read them again, one by one
                yield start, [], f"not readable as CSV: a quote opened on this line is still open on line {end} ({exc})"
                yield from _csv_rows(path, delimiter, _Decoding(), start + 1)
                return
            yield start, [], f"not readable as CSV: {exc}"
            start = end + 1
            continue
        yield start, cells, None
        start = first + reader.line_num


def _find_header(rows: Iterable[_Raw]) -> tuple[int, list[str]] | None:
    seen = 0
    for line, cells, _ in rows:
        if _empty(cells):
            continue
        texts = [_cell_text(c) for c in cells]
        if _is_header(texts):
            return line, texts
        seen += 1
        if seen >= HEADER_SEARCH_LINES:
            return None
    return None


def _sniff_csv(path: Path) -> tuple[str, int, list[str]]:
    """(delimiter, header line, header cells): the separator under which a header is found."""
    best: tuple[int, str, int, list[str]] | None = None
    for delimiter in DELIMITERS:
        found = _find_header(_csv_rows(path, delimiter, _Decoding()))
        if found is None:
            continue
        known = len(_map_header(found[1])[0])
        if best is None or known > best[0]:
            best = (known, delimiter, *found)
    if best is None:
        raise ListError(path, _no_header_reason())
    return best[1], best[2], best[3]


def _no_header_reason() -> str:
    return (f"no header found in the first {HEADER_SEARCH_LINES} non-empty lines: expected at least two of "
            "naam/name, kvk/kvk-nummer/KvK number, rol/role, plaats/city")


# --- XLSX -------------------------------------------------------------------------------------


def _xlsx_rows(path: Path) -> Iterator[_Raw]:
    """(sheet row number, cell values) of the first sheet, gaps in row numbers kept."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=sheet.min_row or 1):
            yield number, list(values), None
    finally:
        book.close()


# --- the list -----------------------------------------------------------------------------------


class PartnerList:
    """A partner list on disk: ``info`` is read at once; ``rows()`` streams (call it again to re-read)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ListError(self.path, "no such file")
        suffix = self.path.suffix.lower()
        digest = hashlib.sha256()
        try:
            with self.path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except OSError as exc:
            raise ListError(self.path, f"cannot be read: {exc}") from exc
        if suffix in (".xlsx", ".xlsm"):
            self._init_xlsx(digest.hexdigest())
        elif suffix in (".csv", ".txt", ".tsv"):
            self._init_csv(digest.hexdigest())
        elif suffix == ".xls":
            raise ListError(self.path, "old Excel format (.xls) is not read: save it as .xlsx or .csv")
        else:
            raise ListError(self.path, f"unknown list format {suffix or '(no extension)'!r}: use .csv or .xlsx")
        self._columns, texts, unknown, repeated = _map_header(self._header)
        if "roles" not in self._columns:
            raise ListError(self.path, f"no role column (rol/role/rollen) among the headers {self._header_names()}")
        self.info.columns = texts
        if unknown:
            self.info.warnings.append(f"columns not used: {', '.join(repr(u) for u in unknown)}")
        if repeated:
            self.info.warnings.append(f"repeated columns: {'; '.join(repeated)}")
        if "kvk" not in self._columns:
            self.info.warnings.append("no KvK column: every row is linked by name and place only (name-only)")
        if self.info.header_line > 1:
            self.info.warnings.append(f"the header is on line {self.info.header_line}; the lines above it were skipped")

    def _header_names(self) -> str:
        return ", ".join(repr(h) for h in self._header if h) or "(none)"

    def _init_csv(self, sha256: str) -> None:
        self._delimiter, line, self._header = _sniff_csv(self.path)
        with self.path.open("rb") as handle:
            bom = handle.read(3) == codecs.BOM_UTF8
        self.info = ListInfo(self.path, "csv", sha256, "utf-8-sig" if bom else "utf-8", self._delimiter, line, {})
        decoding = _Decoding()
        for _ in _decoded_lines(self.path, decoding):
            pass
        bad = decoding.cp1252_lines
        if bad and not decoding.utf8_beyond_ascii:
            self.info.encoding = "windows-1252"
            self.info.warnings.append("the file is not UTF-8: read as Windows-1252 (Excel's CSV on Windows)")
        elif bad:
            self.info.encoding += " (some lines windows-1252)"
            shown = ", ".join(str(n) for n in bad[:10]) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
            self.info.warnings.append(f"not UTF-8, read as Windows-1252: line(s) {shown}; check accented letters there")

    def _init_xlsx(self, sha256: str) -> None:
        try:
            found = _find_header(_xlsx_rows(self.path))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise ListError(self.path, f"not a readable XLSX workbook: {exc}") from exc
        if found is None:
            raise ListError(self.path, _no_header_reason() + " (first sheet)")
        line, self._header = found
        self._delimiter = ""
        self.info = ListInfo(self.path, "xlsx", sha256, "xlsx", None, line, {})

    def _raw(self) -> Iterator[_Raw]:
        if self.info.format == "xlsx":
            return _xlsx_rows(self.path)
        return _csv_rows(self.path, self._delimiter, _Decoding())

    def rows(self) -> Iterator[ListRow]:
        """Every data row after the header, in file order; empty lines skipped."""
        width = len(self._header)
        while width and not self._header[width - 1].strip():
            width -= 1  # trailing empty header cells (";;" at the end of the line) are no columns
        seen_kvk: dict[str, int] = {}
        for line, cells, error in self._raw():
            if line <= self.info.header_line:
                continue
            if error is not None:
                yield BadRow(line, error)
                continue
            if _empty(cells):
                continue
            row = _row(line, cells, self._columns, width)
            if isinstance(row, PartnerRow) and row.kvk_number is not None:
                first = seen_kvk.setdefault(row.kvk_number, line)
                if first != line:
                    row = PartnerRow(row.line, row.name, row.kvk_number, row.roles, row.place, row.housing,
                                     (*row.notes, f"same KvK number as line {first}"))
            yield row
