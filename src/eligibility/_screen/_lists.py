"""Partner lists as people make them: CSV or XLSX, Dutch or English headers, Excel's habits.

What is accepted, and why:

- **Headers** in Dutch or English, in any case and with ``-``, ``_``, ``.`` or spaces
  (``KvK-nummer``, ``kvk_number``, ``KvK number``), and with a note in parentheses
  (``KvK-nummer (8 cijfers)``, ``Rol(len)``), invisible characters (a zero-width space) ignored;
  see ``HEADER_ALIASES``. A title line above the
  header is skipped (the header is the first of the top ``HEADER_SEARCH_LINES`` non-empty lines
  naming at least two known columns). A line above the header that looks like a partner row (a KvK
  number of 8 digits, a role, or values in at least half the header's columns and at least two: a list
  sorted with its header) is an error row, "above the header row", not skipped. Unknown columns are
  ignored, with a warning naming them.
- **Separators** ``;`` (Dutch Excel), ``,`` or tab, chosen as the one under which a header is found.
- **Encoding**: UTF-8 with or without BOM. A line that is not UTF-8 is read as Windows-1252
  (Excel's "CSV" on Dutch Windows), line by line so that one pasted line does not garble the
  others; a warning names the lines. UTF-16 with a BOM (Excel's "Unicode text") is read as such.
  Line ends LF, CRLF, or CR alone (Excel for Mac), also mixed in one file; a DOS end-of-file mark
  (Ctrl-Z) is no row. A line the CSV reader refuses (a stray quote) is an error row that says how to
  mend it and shows the values it holds.
- **What the file is** is told by its bytes, not only its name: an empty file, a PDF, an old
  ``.xls`` or a ZIP archive that is no workbook is refused saying so; an XLSX workbook named
  ``.csv`` is read as a workbook, with a warning.
- **XLSX**: the first *visible* sheet with a header is read; a warning names every other sheet and
  why it was not read (hidden, no header), and says loudly when one holds a list too: those rows
  are not screened: a row of the read sheet whose KvK number another visible sheet with a header lists
  too is an error row naming that sheet and row (when that sheet breaks off, a warning says after which
  row its numbers were not compared). Row numbers are the sheet's own (a damaged sheet
  numbering a row at or above the one before it has that row renumbered after it, saying so). The
  ``<dimension>`` tag, which other programs leave stale, is not trusted: every ``<row>`` is read. Values in columns without a header (a note
  beside the list) are ignored, with one warning naming the columns and rows. A cell that cannot
  be read (a malformed number, a formula without a stored result, an Excel error such as ``#N/A``)
  makes an error row naming the cell, if the row needs that column; a sheet that breaks off makes
  one error row saying after which row reading stopped.
- **KvK numbers** that lost their leading zeros (Excel reads ``01085927`` as the number 1085927)
  are padded to 8 digits when they have 1-7 digits; ``1085927.0`` or ``1085927,00`` (a number cell
  printed with decimals, in English or Dutch) is read as 1085927. Excel's marks around text are dropped (``'01234567``,
  ``="01234567"``), digit groups joined (``6875 0110``, ``68.750.110``, ``1.234.567``), and
  scientific notation read only when it shows every digit (``1,085927E+06``; ``6.875011E+07``
  may have lost its last digit and is refused, saying so); each repair is noted on the row. A date,
  also one typed as text (``12.05.1987``, ``01-08-2025``, ``2025-08-01``: a day and month that can be
  one), makes an error row, as do 9+ digits and letters. No digit is ever guessed.
- **Roles** in Dutch or English, several in one cell separated by ``,`` ``;`` ``/`` ``+`` ``&``,
  line breaks (Alt+Enter) or the words ``en``/``and``. A note in parentheses (``uitlener (ABU)``)
  is not read, and the row says so, when it names associations or marks only; any other note
  (``werkgever (uitlener)``, ``werkgever (detachering)``) makes an error row, since dropping it
  could drop a role and that role's criteria.
- **Housing locations**: a cell (or a part of one) that names no place (``n.v.t.``, ``-``, ``?``,
  ``[adres]``) is no location, and the row says so: read as one, it made the partner a housing provider.
- **A continuation row** (no name and no KvK number, but a role or a housing location) under a readable
  partner row, empty lines between allowed, is what merged cells (or cells left empty) leave: it is an
  error row saying it looks like a continuation of that line, and the partner's rows become error rows
  naming it, as for any unreadable row of a KvK number. Under an error row it is its own error row.
- **One KvK number on several rows** stays several rows (each says which line listed it first); when
  the rows give it different roles, each of them is judged in all those roles, and says so.
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
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from .._dossier import Role, placeholder
from .._errors import EligibilityError
from .._visible import letters_and_digits, meaningful, plain_ascii, without_invisible
from ._spool import RowSpool

HEADER_SEARCH_LINES = 10
"""The header is looked for in this many non-empty lines from the top."""

DELIMITERS = (";", ",", "\t")
"""Candidate separators, in order of preference when two find the same header."""

FIELDS = ("name", "kvk", "roles", "place", "housing")

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("naam", "name", "bedrijfsnaam", "bedrijf", "company", "company name", "organisatie",
             "organisation", "organization", "naam partner", "partner", "partnernaam", "statutaire naam",
             "naam organisatie", "organisatienaam", "naam bedrijf", "handelsnaam", "ondernemingsnaam",
             "naam onderneming", "firmanaam", "trade name"),
    "kvk": ("kvk", "kvk nummer", "kvknummer", "kvk number", "kvk nr", "kvknr", "kvk no", "kvk_number",
            "kamer van koophandel", "kamer van koophandel nummer", "coc", "coc number", "chamber of commerce number",
            "chamber of commerce", "coc nr", "k v k", "k v k nummer", "k v k nr", "kvk inschrijvingsnummer",
            "inschrijvingsnummer kvk", "inschrijfnummer kvk", "kvk inschrijfnummer", "kvk inschrijving",
            "kvk registratienummer", "registratienummer kvk"),
    "roles": ("rol", "role", "rollen", "roles", "rol partner", "type partner", "soort partner"),
    "place": ("plaats", "city", "place", "vestigingsplaats", "woonplaats", "stad", "town", "gemeente", "municipality",
              "plaatsnaam", "town city", "vestigingsplaats kvk"),
    "housing": ("huisvestingslocaties", "huisvestingslocatie", "huisvesting locaties", "locaties",
                "housing locations", "housing location", "housing"),
}
"""Folded header text (see ``fold_header``) -> field. A note in parentheses is also dropped (``_field_of``)."""

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

_ROLE_SEPARATORS = re.compile(r"\s*(?:[,;/+&|\n\r]|\ben\b|\band\b)\s*", re.IGNORECASE)
_HOUSING_SEPARATORS = re.compile(r"\s*(?:[;|\n])\s*")
_FLOAT_INTEGER = re.compile(r"^(\d+)[.,]0{1,2}$")
"""A number cell printed with decimals: "68750110.0", "68750110,00" (Dutch Excel's "Getal" format). Not
"1.000": three digits after the mark are a thousands group, and reading them as decimals would guess."""
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_PARENTHESISED = re.compile(r"\([^()]*\)")
_GROUPED = re.compile(r"\d{2,4}(?:[ .]\d{2,4})+")
"""Digits in groups, as typed from a letter ("6875 0110", "68.750.110"); taken when they make 8."""
_THOUSANDS = re.compile(r"\d{1,3}([ .,])\d{3}(?:\1\d{3})+")
"""A number with thousands separators ("1.234.567"): two or more, so it cannot be a decimal point."""
_SCIENTIFIC = re.compile(r"(\d)(?:[.,](\d+))?[eE]\+?(\d{1,2})")
"""Excel's scientific notation as a CSV export prints it: "6.875011E+07", "1,085927E+06"."""
_TEXT_FORMULA = re.compile(r'="(.*)"')
"""Excel's way to keep leading zeros in a CSV: ="01234567"."""
_DATE = re.compile(r"(?P<d>\d{1,2})([.\-/])(?P<m>\d{1,2})\2\d{4}|\d{4}([.\-/])(?P<m2>\d{1,2})\4(?P<d2>\d{1,2})")
"""A date typed as text: "12.05.1987", "01-08-2025", "1/8/2025", "2025.08.01", "2025-08-01". Its digits are 8, and
joined as groups they made a KvK number (``_is_date`` asks for a day and month that can be one)."""
_SPACE = re.compile(r"\s")
"""Any space, also a non-breaking one, as pasted from a web page or a letter."""

_NOT_A_LIST = "export the list from Excel as .xlsx or .csv"


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
    continues: int | None = None
    """The partner row above that this row, without a name or KvK number of its own, seems to continue (merged
    cells): that partner's rows are then not judged without it."""


ListRow = PartnerRow | BadRow

_Raw = tuple[int, list[Any], str | None]
"""(line or sheet row, cell values, why the record is unreadable or None)."""


@dataclass(frozen=True, slots=True)
class _Unreadable:
    """An XLSX cell whose value cannot be taken: an error for its row only if the row uses that column."""

    ref: str
    text: str
    """What the cell holds, as far as it can be shown (the stored text, the formula)."""
    problem: str
    """Completes "cell B3 (column 'KvK') ...": what is wrong and what to do."""

    def __str__(self) -> str:
        return self.text


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


@lru_cache(maxsize=4096)  # role cells and headers repeat on every row
def fold_header(text: str) -> str:
    """"KvK-nummer", "kvk_nummer " and "KVK NUMMER" all give "kvk nummer"."""
    if plain_ascii(text):  # nothing to decompose or drop (a test holds it to the long way)
        plain = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        plain = without_invisible("".join(c for c in decomposed if not unicodedata.combining(c)))
    return _NOT_ALNUM.sub(" ", plain).strip()


_ALIAS_FIELD = {fold_header(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
_ROLE_FIELD = {fold_header(alias): role for alias, role in ROLE_ALIASES.items()}


def _field_of(text: str) -> str | None:
    """The field a header names: as written, else without its note in parentheses ("KvK-nummer (8 cijfers)")."""
    return _ALIAS_FIELD.get(fold_header(text)) or _ALIAS_FIELD.get(fold_header(_PARENTHESISED.sub(" ", text)))


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
        name = _field_of(text)
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

    Only what spreadsheets do to numbers is undone: leading zeros restored for 1-7 digits, a
    trailing ``.0`` dropped, Excel's text marks (``'``, ``="..."``) dropped, digit groups joined
    (``12 34 56 78``, ``12.345.678``, ``1.234.567``), and scientific notation read when it shows
    every digit. Anything else is refused with the reason: a digit is never guessed.
    """
    cell = _read_kvk(value)
    return cell.number, cell.note, cell.error


@dataclass(frozen=True, slots=True)
class _KvkCell:
    """A KvK cell as read (see ``normalise_kvk``), with how many digits its number had as typed."""

    number: str | None = None
    note: str | None = None
    error: str | None = None
    typed_digits: int = 0
    """Digits before leading zeros were restored: 8 for a KvK number as typed, 4 for a year ("2026")."""


def _read_kvk(value: Any) -> _KvkCell:
    """``normalise_kvk``'s reading, keeping the number of digits typed."""
    if value is None:
        return _KvkCell()
    if isinstance(value, bool):
        return _KvkCell(error=f"KvK number {value!r} is not a number")
    if isinstance(value, (datetime, date, time)):
        return _KvkCell(error=f"KvK number cell holds a date ({value}); format the column as text")
    if isinstance(value, float):
        if not value.is_integer() or value < 0:
            return _KvkCell(error=f"KvK number {value!r} is not a whole number")
        value = int(value)
    written = str(value).strip()
    text = _without_excel_marks(str(value))
    if not text:
        return _KvkCell()
    typed, repair = text, ""  # what was typed, and how it was repaired (noted unless a note says more)
    if _is_date(text):
        return _KvkCell(error=f"KvK number {text!r} is a date, not a KvK number: enter the partner's KvK number")
    notes: list[str] = []
    scientific = _SCIENTIFIC.fullmatch(text)
    integer = _FLOAT_INTEGER.match(text)
    if scientific:
        digits, error = _from_scientific(*scientific.groups())
        if digits is None:
            return _KvkCell(error=f"KvK number {written!r} {error}")
        notes.append(f"KvK number {text} read as {digits} (Excel's scientific notation, every digit shown)")
        text = digits
    elif integer:
        text = integer.group(1)
        repair = "a number printed with decimals"
    elif (_GROUPED.fullmatch(text) and len(re.sub(r"[ .]", "", text)) == 8) or _THOUSANDS.fullmatch(text):
        text = re.sub(r"[ .,]", "", text)
        repair = "digit groups joined"
    if not text.isascii() or not text.isdigit():
        return _KvkCell(error=f"KvK number {written!r} is not a number of 8 digits")
    if len(text) > 8:
        hint = " (12 digits: a branch number, vestigingsnummer?)" if len(text) == 12 else ""
        return _KvkCell(error=f"KvK number {text} has {len(text)} digits; a KvK number has 8{hint}")
    if int(text) == 0:
        return _KvkCell(error=f"KvK number {text!r} is all zeros")
    typed_digits = len(text)
    if typed_digits < 8:
        padded = text.zfill(8)
        notes.append(f"KvK number {text} padded to {padded} (leading zeros lost in a spreadsheet)")
        text = padded
    if repair and not notes:  # every repair is shown on the row: a screener can check the number read
        notes.append(f"KvK number {typed} read as {text} ({repair})")
    return _KvkCell(text, "; ".join(notes) or None, typed_digits=typed_digits)


def _is_date(text: str) -> bool:
    """Whether ``text`` has a date's shape with a day (1-31) and a month (1-12) that can be one: refused, not
    read as digit groups ("12.34.5678" has no month 34 and stays a KvK number typed in groups)."""
    found = _DATE.fullmatch(text)
    if found is None:
        return False
    day, month = found.group("d") or found.group("d2"), found.group("m") or found.group("m2")
    return 1 <= int(day) <= 31 and 1 <= int(month) <= 12


def _without_excel_marks(text: str) -> str:
    """The text without what Excel puts around a number kept as text: ``'68750110``, ``="01234567"``."""
    text = _SPACE.sub(" ", text).strip()
    formula = _TEXT_FORMULA.fullmatch(text)
    if formula:
        text = formula.group(1).strip()
    return text[1:].strip() if text.startswith("'") else text


def _from_scientific(first: str, fraction: str | None, exponent: str) -> tuple[str | None, str]:
    """(the digits, "") when the notation shows every digit of a whole number, else (None, why not)."""
    fraction, power = fraction or "", int(exponent)
    if len(fraction) < power:
        return None, ("is Excel's scientific notation, which does not show every digit: format the KvK column as "
                      "text (or as a number without decimals) and export the list again")
    if fraction[power:].strip("0"):
        return None, "is not a whole number"
    return str(int(first + fraction[:power])), ""


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


def _eight_digits(text: str) -> bool:
    """Whether ``text`` reads as a KvK number of 8 digits as typed (not one padded from fewer: "2026" is a year)."""
    cell = _read_kvk(text)
    return cell.error is None and cell.typed_digits == 8


def _bad_row_kvk(row: ListRow) -> str | None:
    """The KvK number an error row gives, when it can be read (its other cells could not)."""
    if not isinstance(row, BadRow) or not row.kvk_text:
        return None
    number, _, error = normalise_kvk(row.kvk_text)
    if error is None:
        return number
    runs = re.findall(r"(?<![0-9])[0-9]{8}(?![0-9])", row.kvk_text)  # "KvK 68750110", "68750110 (hoofdvestiging)"
    return runs[0] if len(runs) == 1 else None


@dataclass(slots=True)
class _Party:
    """The rows of one KvK number: its roles and housing locations over all of them, and rows that cannot be read."""

    roles: list[Role] = field(default_factory=list)
    housing: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    unreadable: list[tuple[int, str]] = field(default_factory=list)
    """(line, what is wrong with it: completes "line N ...")."""
    differs: bool = False

    def add(self, line: int, roles: tuple[Role, ...], housing: tuple[str, ...]) -> None:
        if self.lines and (set(self.roles) != set(roles) or set(self.housing) != set(housing)):
            self.differs = True
        self.roles.extend(role for role in roles if role not in self.roles)
        self.housing.extend(place for place in housing if place not in self.housing)
        self.lines.append(line)

    def applied_to(self, row: PartnerRow) -> ListRow:
        """``row`` judged as the party: an error row when another row of it cannot be read, else with every role
        and housing location the party's rows give."""
        return self.blocked(row) or (self.extended(row, "list the same KvK number") if self.differs else row)

    def blocked(self, row: PartnerRow) -> BadRow | None:
        """``row`` as an error row when a row of the party cannot be read: what that row says is unknown."""
        if not self.unreadable:
            return None
        line, what = self.unreadable[0]
        return BadRow(row.line, f"line {line} {what}: what it says about this partner (its roles) is unknown, so this "
                                "row is not judged without it; mend that line", row.name, row.kvk_number,
                      ", ".join(row.roles), row.place)

    def extended(self, row: PartnerRow, why: str) -> PartnerRow:
        """``row`` with the roles and housing locations the party's other rows give (``why``: what they share)."""
        others = ", ".join(str(line) for line in self.lines if line != row.line)
        added = [role for role in self.roles if role not in row.roles]
        places = [place for place in self.housing if place not in row.housing]
        if not added and not places:
            return row
        notes = list(row.notes)
        if added:
            notes.append(f"role(s) {', '.join(added)} added from line(s) {others}, which {why}: the party is judged "
                         "in every role listed")
        if places:
            notes.append(f"housing location(s) {'; '.join(places)} added from line(s) {others}, which {why}: the party "
                         "is judged on every location listed")
        return PartnerRow(row.line, row.name, row.kvk_number, (*row.roles, *added), row.place,
                          (*row.housing, *places), tuple(notes))


_HARMLESS_NOTE_WORDS = frozenset({
    "abu", "nbbu", "sna", "snf", "akf", "nen", "4400", "1", "2", "lid", "leden", "member", "members", "van", "en", "and",
    "gecertificeerd", "gecertificeerde", "certified", "keurmerk", "keurmerken", "only", "alleen",
})
"""Words a note beside a role may hold and still be dropped ("uitlener (ABU, NBBU)", "(lid NBBU)", "(NEN 4400-1)"):
associations and marks (and the words of the roles the row gives: "huisvester (housing only)"). Any other word may name a role in other words ("uitzendbedrijf", "detachering",
"payroll"): the row is refused rather than the note dropped with the role it names."""


_ROLE_WORD = re.compile(r"\b(" + "|".join(re.escape(alias) for alias in sorted(_ROLE_FIELD, key=len, reverse=True))
                        + ")")
"""Any role word at the start of a word (longest first): one search per cell, on every row's unread columns."""


def _roles_named_in(note: str) -> set[Role]:
    """Roles a note names anywhere, a word starting with a role word ("ook uitzendbureaus" names uitlener)."""
    return {_ROLE_FIELD[found] for found in _ROLE_WORD.findall(fold_header(note))}


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


def _given(cells: Sequence[Any], columns: dict[str, int]) -> dict[str, str | None]:
    """Name, KvK number, roles and place as the row gives them: shown for a row, even one that cannot be read."""
    return {"name": _field_text(cells, columns, "name"), "kvk_text": _field_text(cells, columns, "kvk"),
            "roles_text": _field_text(cells, columns, "roles"), "place": _field_text(cells, columns, "place")}


def _field_text(cells: Sequence[Any], columns: dict[str, int], name: str) -> str | None:
    """The text of the row's cell in the field's column; None when empty (an unreadable cell shows what it holds)."""
    index = columns.get(name)
    value = cells[index] if index is not None and index < len(cells) else None
    return _cell_text(value) or None


def _row(line: int, cells: Sequence[Any], columns: dict[str, int], header: Sequence[str], width: int) -> ListRow:
    """One data row -> PartnerRow, or BadRow with the reason."""
    def raw(name: str) -> Any:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    given = _given(cells, columns)
    name, place = given["name"], given["place"]
    roles_text = given["roles_text"] or ""
    kvk_raw = raw("kvk")
    unreadable = [f"cell {cell.ref} (column {header[index]!r}) {cell.problem}"
                  for index in sorted(columns.values()) if index < len(cells)
                  and isinstance(cell := cells[index], _Unreadable)]
    if unreadable:
        return BadRow(line, "; ".join(unreadable), **given)
    shifted = (f" (the line has {len(cells)} values where the header has {width}: is the separator used inside "
               "a value without quotes?)") if len(cells) > width else ""
    if any(_cell_text(c) for c in cells[width:]):
        return BadRow(line, f"values beyond the last column{shifted}", **given)
    kvk_number, kvk_note, kvk_error = normalise_kvk(kvk_raw)
    if kvk_error is not None:
        return BadRow(line, kvk_error + shifted, **given)
    roles, roles_error = parse_roles(roles_text)
    role_notes = _PARENTHESISED.findall(roles_text) if roles_error is not None else []
    if role_notes:  # "uitlener (ABU)": the roles without the note, which the row then shows
        roles, roles_error = parse_roles(_PARENTHESISED.sub(" ", roles_text))
    if roles_error is not None:
        return BadRow(line, roles_error + shifted, **given)
    named = sorted(_roles_named_in(" ".join(role_notes)) - set(roles))
    if named:  # "werkgever (uitlener)": dropping the note would drop a role and the criteria it brings
        return BadRow(line, f"the note {' '.join(role_notes)} in the role cell names {', '.join(named)} besides "
                            f"{', '.join(roles)}: write every role the partner has without parentheses", **given)
    own_words = {word for alias, role in _ROLE_FIELD.items() if role in roles for word in alias.split()} \
        if role_notes else set()
    unknown = sorted({word for note in role_notes for word in fold_header(note).split()} - _HARMLESS_NOTE_WORDS
                     - own_words)
    if unknown:  # "werkgever (uitzendbedrijf)", "(detachering)", "(payroll)": lending in other words
        return BadRow(line, f"the note {' '.join(role_notes)} in the role cell is not understood ({', '.join(unknown)}): "
                            f"it may name a role besides {', '.join(roles)}; write every role the partner has without "
                            "parentheses, and notes in another column", **given)
    read = set(columns.values())
    for index in range(min(width, len(cells))):
        named = sorted(_roles_named_in(_cell_text(cells[index])) - set(roles)) if index not in read else []
        if named:  # a repeated "rol" column, or "tweede rol": only the first role column is read
            return BadRow(line, f"column {header[index]!r}, which is not read, names {', '.join(named)} besides "
                                f"{', '.join(roles)}: put every role in the one role column", **given)
    if kvk_number is None and name is None:
        return BadRow(line, "neither a KvK number nor a name: nothing to look the partner up by", **given)
    housing, housing_note = _housing(_cell_text(raw("housing")))
    notes = [note for note in (kvk_note, housing_note) if note]
    if role_notes:
        notes.append(f"role {roles_text!r} read as {', '.join(r.value for r in roles)}; the note "
                     f"{' '.join(role_notes)} is not read")
    return PartnerRow(line, name, kvk_number, roles, place, housing, tuple(notes))


_NO_HOUSING = frozenset({"nvt", "nietvantoepassing", "nvtnietvantoepassing", "geen", "none", "nee", "no"})
"""Answers in the housing column that say the partner houses no one (letters and digits only)."""


def _housing(text: str) -> tuple[tuple[str, ...], str | None]:
    """(the housing locations a cell names, a note on what was read as no location, or as a location
    whose address is not given).

    "n.v.t.", "geen" or "-" says there is none: taken as a location it made the partner a housing
    provider with a location whose address is unknown. "onbekend", "?" or "[adres]" says nothing of
    whether there is one: read as none, the partner came out eligible without its housing criteria,
    so it stays a location (by name only: the housing criteria are unknown), with a note.
    """
    parts = [part for part in _HOUSING_SEPARATORS.split(text) if part] if text else []
    dropped = [part for part in parts if _says_none(part)]
    places = tuple(part for part in parts if part not in dropped)
    unknown = [part for part in places if not meaningful(part) or placeholder(part)]
    notes = []
    if dropped:
        what = repr(text) if not places else f"{text!r}: {', '.join(repr(part) for part in dropped)}"
        notes.append(f"housing location cell {what} read as no location (it says there is none)")
    if unknown:
        notes.append(f"housing location {', '.join(repr(part) for part in unknown)} names no place: kept as a "
                     "location whose address is not known")
    return places, "; ".join(notes) or None


def _says_none(part: str) -> bool:
    """Whether a housing cell's part answers "none": "n.v.t.", "geen", or a dash (no letter or digit, no "?")."""
    folded = letters_and_digits(part)
    return folded in _NO_HOUSING if folded else "?" not in part


def _continuation(line: int, cells: Sequence[Any], columns: dict[str, int], above: int | None) -> BadRow | None:
    """The row as an error row when it continues the partner row on line ``above``: no name and no KvK number,
    but a role or a housing location. Merged cells leave the name and number on the first row only (and a CSV
    export leaves them empty): read alone, the partner would be judged without the roles and places below it."""
    if above is None:
        return None
    if _field_text(cells, columns, "name") or _field_text(cells, columns, "kvk"):  # almost every row
        return None
    given = _given(cells, columns)
    index = columns.get("housing", len(cells))
    housing = _housing(_cell_text(cells[index]) if index < len(cells) else "")[0]
    if not (given["roles_text"] or housing):
        return None
    what = " and ".join(part for part in (given["roles_text"] and f"role {given['roles_text']!r}",
                                          housing and f"housing location(s) {'; '.join(housing)}") if part)
    return BadRow(line, f"no name and no KvK number, but {what}: it looks like a continuation of line {above} (merged "
                        "cells, or cells left empty under it); write the partner's name and KvK number on this line "
                        f"too (unmerge the cells), or put its roles and locations on line {above}", **given,
                  continues=above)


def _noted(row: ListRow, note: str | None) -> ListRow:
    """``row`` with one more note (a bad row: in its reason)."""
    if note is None:
        return row
    if isinstance(row, BadRow):
        return BadRow(row.line, f"{row.reason}; {note}", row.name, row.kvk_text, row.roles_text, row.place,
                      row.continues)
    return PartnerRow(row.line, row.name, row.kvk_number, row.roles, row.place, row.housing, (*row.notes, note))


_END_OF_FILE = "\x1a"
"""Ctrl-Z, which old DOS programs write at the end of a text file."""


def _empty(cells: Sequence[Any]) -> bool:
    return not any(_cell_text(c).strip(_END_OF_FILE) for c in cells)


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


def _no_header_reason(where: str = "lines") -> str:
    return (f"no header found in the first {HEADER_SEARCH_LINES} non-empty {where}: expected at least two of "
            "naam/name, kvk/kvk-nummer/KvK number, rol/role, plaats/city")


# --- what the file is ---------------------------------------------------------------------------

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"


@dataclass
class _Bytes:
    """What reading the file once tells: its digest, its first bytes, whether it holds anything but blanks."""

    sha256: str
    head: bytes
    blank: bool


def _read_bytes(path: Path) -> _Bytes:
    digest, head, blank = hashlib.sha256(), b"", True
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                head = head or block[:16]
                blank = blank and not block.strip()
    except OSError as exc:
        raise ListError(path, f"cannot be read: {exc}") from exc
    return _Bytes(digest.hexdigest(), head, blank)


def _refuse_what_is_no_list(path: Path, found: _Bytes) -> None:
    """An empty file, a PDF, an old .xls, a ZIP archive that is no workbook: refused, saying which."""
    if not found.head:
        raise ListError(path, "empty file: no header and no rows")
    if found.head.startswith(b"%PDF-"):
        raise ListError(path, f"this is a PDF, not a list: {_NOT_A_LIST}")
    if found.head.startswith(_OLE):
        raise ListError(path, "this is an old Excel workbook (.xls) or another old Office file, not a list: "
                              "save it from Excel as .xlsx or .csv")
    if found.head.startswith(_ZIP):
        _refuse_zip_without_workbook(path)
    if found.blank:
        raise ListError(path, "empty file: only empty lines, no header and no rows")


def _refuse_zip_without_workbook(path: Path) -> None:
    """A ZIP archive is read only when it holds an XLSX workbook (xl/workbook.xml)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ListError(path, f"not a readable XLSX workbook: the ZIP archive it is made of is damaged or incomplete "
                              f"({exc}): save the list again from Excel") from exc
    if "xl/workbook.xml" not in names:
        raise ListError(path, "this is a ZIP archive, not a CSV list or an XLSX workbook (an OpenDocument .ods or a "
                              f"Word file?): {_NOT_A_LIST}")


# --- CSV --------------------------------------------------------------------------------------


@dataclass
class _Decoding:
    """What decoding found: lines read as Windows-1252, and whether any line was UTF-8 beyond ASCII."""

    cp1252_lines: list[int] = field(default_factory=list)
    utf8_beyond_ascii: bool = False


def _decoded_lines(path: Path, found: _Decoding, utf16: bool = False) -> Iterator[str]:
    """The file's lines as text: UTF-16 if a BOM says so, else UTF-8 (BOM dropped), else that line as Windows-1252."""
    if utf16:
        with path.open(encoding="utf-16", errors="replace", newline="") as text:
            yield from text
        return
    with path.open("rb") as handle:
        for number, raw in enumerate(_byte_lines(handle), start=1):
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


def _byte_lines(handle: IO[bytes]) -> Iterator[bytes]:
    """The file's lines, ended by LF, CRLF or a CR alone, as editors and Excel count them: a list
    joined from a Windows and a Mac export has both, and a bare CR read as part of a line would
    make that line unreadable as CSV and hide the row after it."""
    with io.TextIOWrapper(handle, encoding="latin-1", newline="") as text:  # latin-1: every byte as it is
        for line in text:
            yield line.encode("latin-1")


def _csv_rows(path: Path, delimiter: str, found: _Decoding, first: int = 1, utf16: bool = False) -> Iterator[_Raw]:
    """(first physical line of the record, its fields, None) or (line, [], why it is unreadable).

    Quoted newlines stay inside a field, so a record may span lines; its first line is its
    number. Strict parsing: a quote opened and never closed would otherwise swallow every line
    after it into one field. Such a record becomes one error row, and reading starts again on
    the line after it, so the lines it swallowed are rows again.
    """
    lines = _decoded_lines(path, found, utf16)
    for _ in range(first - 1):
        next(lines, None)
    last = [""]
    reader = csv.reader(_remembering(lines, last), delimiter=delimiter, strict=True)
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
                yield from _csv_rows(path, delimiter, _Decoding(), start + 1, utf16)
                return
            yield start, _loosely(last[0], delimiter), f"not readable as CSV: {_csv_problem(exc)}"
            start = end + 1
            continue
        yield start, cells, None
        start = first + reader.line_num


def _csv_problem(exc: csv.Error) -> str:
    """What Python's csv module reports, said so that a screener can mend the line."""
    text = str(exc)
    if "expected after" in text:
        return (f"a value starts with a quote (\") and has more text after its closing quote ({text}): put the whole "
                "value in quotes and double the quotes inside it (\"\"\"De Zon\"\" B.V.\"), or remove the quotes")
    if "unexpected end of data" in text:
        return f"a quote (\") opened on this line is never closed ({text}): close it, or remove it"
    if "field larger than field limit" in text:
        return f"a value is longer than {csv.field_size_limit():,} characters ({text})"
    return text


def _loosely(text: str, delimiter: str) -> list[str]:
    """The values of one line the strict reader refused, read leniently: only so that the error row
    shows the name, KvK number and place it was about; the row is not screened."""
    try:
        return next(csv.reader([text], delimiter=delimiter), [])
    except csv.Error:
        return []


def _remembering(lines: Iterator[str], last: list[str]) -> Iterator[str]:
    """``lines``, keeping the latest in ``last[0]`` (the line a refused record ended on)."""
    for line in lines:
        last[0] = line
        yield line


def _sniff_csv(path: Path, utf16: bool) -> tuple[str, int, list[str]]:
    """(delimiter, header line, header cells): the separator under which a header is found."""
    best: tuple[int, str, int, list[str]] | None = None
    for delimiter in DELIMITERS:
        found = _find_header(_csv_rows(path, delimiter, _Decoding(), utf16=utf16))
        if found is None:
            continue
        known = len(_map_header(found[1])[0])
        if best is None or known > best[0]:
            best = (known, delimiter, *found)
    if best is None:
        raise ListError(path, _no_header_reason())
    return best[1], best[2], best[3]


# --- XLSX -------------------------------------------------------------------------------------
#
# Rows are read with openpyxl's own cell parser (``WorkSheetParser.parse_cell``: types, shared
# strings, dates), one ``<row>`` element at a time, rather than with ``iter_rows``: in read-only
# mode ``iter_rows`` trusts the ``<dimension>`` tag (a stale one drops rows and columns; openpyxl's
# ``reset_dimensions`` only undoes that) and pads every row to the sheet width, and one cell it
# cannot read raises inside its generator, which ends the sheet there. Here a bad cell stays that
# cell's problem, and XML that cannot be parsed further ends the sheet with an explicit row.
# This uses openpyxl internals (``WorkSheetParser``, a read-only sheet's ``_get_source`` and
# ``_shared_strings``, the book's date formats), as ``ReadOnlyWorksheet`` itself does; the
# XLSX tests in tests/test_screen_lists.py fail if a new openpyxl changes them.

_BROKEN = (SyntaxError, ValueError, EOFError, OSError, zipfile.BadZipFile, zlib.error)
"""What a damaged part raises while it is read (XML's ParseError is a SyntaxError; zlib, zip: damaged compression)."""


def _unreadable_book(path: Path, exc: Exception) -> ListError:
    """A workbook that cannot be opened or looked into: no row can be screened."""
    return ListError(path, f"not a readable XLSX workbook: {exc}")


@contextmanager
def _open_book(path: Path) -> Iterator[Any]:
    """The workbook, read-only, cached values; opened from a handle, so that a workbook named .csv is read too.

    Opened once per list: openpyxl reads the shared strings (the texts of every sheet) as it opens a workbook.
    One that cannot be opened raises ListError.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    with ExitStack() as opened:
        try:
            handle = opened.enter_context(path.open("rb"))
            book = load_workbook(handle, read_only=True, data_only=True)
        except (*_BROKEN, InvalidFileException, KeyError) as exc:
            raise _unreadable_book(path, exc) from exc
        opened.callback(book.close)
        yield book


_NOT_READ = "rows after it were not read"
"""What is lost when the sheet screened breaks off (see ``_sheet_rows``)."""


def _sheet_rows(book: Any, sheet: Any, stopped: list[str] | None = None, unread: str = _NOT_READ) -> Iterator[_Raw]:
    """(sheet row number, values by column from A, None) of every ``<row>`` of the sheet, in file order.

    If the sheet breaks off (damaged XML or compression), one last record says after which row
    reading stopped, and ``unread``, what that leaves out; its text is also added to ``stopped``.
    """
    from openpyxl.worksheet import _reader as reader
    from openpyxl.xml.functions import iterparse

    parser = reader.WorkSheetParser(None, sheet._shared_strings, data_only=True, epoch=book.epoch,
                                    date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
    last = 0
    try:
        with sheet._get_source() as source:
            for _, element in iterparse(source):
                if element.tag == reader.ROW_TAG:
                    row = _sheet_row(parser, element, reader)
                    element.clear()
                    last = row[0]
                    yield row
    except _BROKEN as exc:
        reason = (f"sheet {sheet.title!r} cannot be read after row {last} ({exc}): {unread}: "
                  "open the file in Excel, save it and screen it again")
        if stopped is not None:
            stopped.append(reason)
        yield last + 1, [], reason


def _sheet_row(parser: Any, element: Any, reader: Any) -> _Raw:
    """One ``<row>``: (its number, values by column; an unreadable cell as ``_Unreadable``, None).

    ``reader`` is openpyxl's worksheet reader module, for its tag names.
    """
    given = element.get("r")
    number = parser.row_counter + 1
    try:
        number = int(float(given)) if given is not None else number
    except (ValueError, OverflowError):
        parser.row_counter = number
        return number, [], f"the row after sheet row {number - 1} has no valid row number ({given!r})"
    parser.row_counter, parser.col_counter = number, 0
    values: list[Any] = []
    for child in element:
        if child.tag != reader.CELL_TAG:
            continue
        column, value = _sheet_cell(parser, child, reader)
        if value is None:
            continue
        values.extend([None] * (column - len(values)))
        values[column - 1] = value
    return number, values, None


def _sheet_cell(parser: Any, element: Any, reader: Any) -> tuple[int, Any]:
    """(column, value) of one ``<c>``; what cannot be taken as a value is kept as ``_Unreadable``."""
    from openpyxl.utils import get_column_letter

    ref = element.get("r")
    try:
        cell = parser.parse_cell(element)
    except Exception as exc:  # whatever openpyxl cannot read in one cell is that cell's problem, not the list's
        column = parser.col_counter = _column_of(ref, parser.col_counter + 1) if ref else parser.col_counter + 1
        return column, _Unreadable(ref or f"{get_column_letter(column)}{parser.row_counter}",
                                   element.findtext(reader.VALUE_TAG) or "",
                                   f"cannot be read ({exc}): type the value again in Excel and save the file")
    column = cell["column"]
    formula = element.find(reader.FORMULA_TAG)
    if formula is None and cell["data_type"] != "e":
        return column, cell["value"]
    ref = ref or f"{get_column_letter(column)}{parser.row_counter}"
    stored = element.find(reader.VALUE_TAG) is not None and (cell["value"] is not None or element.get("t") == "str")
    if formula is not None and not stored:  # "str" with an empty <v>: a formula whose result is ""
        text = f"={formula.text}" if formula.text else ""
        shown = f" ({text})" if text else ""
        return column, _Unreadable(ref, text, f"is a formula without a stored result{shown}: open the file in Excel "
                                              "and save it, so that the results are stored")
    if cell["data_type"] == "e":
        return column, _Unreadable(ref, str(cell["value"]),
                                   f"holds the Excel error {cell['value']}: correct the cell in Excel")
    return column, cell["value"]


def _column_of(ref: str, default: int) -> int:
    """The column of a cell reference such as "B3"; ``default`` when it is not one."""
    from openpyxl.utils import column_index_from_string

    letters = ref.rstrip("0123456789")
    try:
        return column_index_from_string(letters)
    except ValueError:
        return default


@dataclass
class _Sheet:
    """What a look at one sheet found: its header, whether rows follow it."""

    title: str
    hidden: bool
    header: tuple[int, list[str]] | None = None
    has_rows: bool = False
    broken: str | None = None
    """Why the sheet could not be read as far as a header, if so."""

    def note(self, chosen: str | None) -> str:
        """Why this sheet is not the list ("" for a hidden sheet without one), for a warning or an error.

        ``chosen`` is the sheet read instead, None when no sheet could be read.
        """
        lists = self.header is not None and self.has_rows
        if self.broken is not None:
            return self.broken
        if self.hidden:
            if not lists:
                return ""
            todo = "unhide it if it is the list" if chosen is None else \
                f"if it is the list, unhide it or copy its rows to {chosen!r}"
            return f"has a partner list header and rows: {todo}"
        if self.header is None:
            return "no header"
        if not lists:
            return "a header but no rows"
        return (f"has a partner list header and rows: its rows are NOT screened; copy them to {chosen!r} or save that "
                "sheet as its own file")


def _look_at(book: Any, sheet: Any) -> _Sheet:
    """The sheet's header and whether a row follows it, reading no further than that."""
    stopped: list[str] = []
    rows = _sheet_rows(book, sheet, stopped)
    try:
        header = _find_header(rows)
        has_rows = header is not None and any(error is not None or not _empty(cells) for _, cells, error in rows)
    finally:
        rows.close()
    broken = f"cannot be read: {stopped[0]}" if stopped and header is None else None
    return _Sheet(sheet.title, sheet.sheet_state != "visible", header, has_rows, broken)


def _choose_sheet(book: Any, path: Path) -> tuple[_Sheet, list[_Sheet]]:
    """(the first visible sheet with a header, every other sheet): raises ListError naming them when none has one."""
    try:
        sheets = [_look_at(book, sheet) for sheet in book.worksheets]
    except (*_BROKEN, KeyError) as exc:  # KeyError: a sheet's part missing from the archive
        raise _unreadable_book(path, exc) from exc
    chosen = next((s for s in sheets if not s.hidden and s.header is not None), None)
    if chosen is None:
        raise ListError(path, _no_header_reason(f"rows of any visible sheet ({_looked_at(sheets)})"))
    return chosen, [s for s in sheets if s is not chosen]


def _looked_at(sheets: list[_Sheet]) -> str:
    """ "looked at: 'A'; hidden, not read: 'B' (why)": the sheets of a workbook refused for having no header."""
    def named(sheet: _Sheet) -> str:
        note = sheet.note(None)
        return f"{sheet.title!r} ({note})" if note and note != "no header" else repr(sheet.title)

    looked = ", ".join(named(s) for s in sheets if not s.hidden) or "none"
    hidden = ", ".join(named(s) for s in sheets if s.hidden)
    return f"looked at: {looked}" + (f"; hidden, not read: {hidden}" if hidden else "")


def _others(chosen: _Sheet, others: list[_Sheet]) -> str:
    """A warning naming the sheet read and why each other one was not."""
    def named(sheet: _Sheet) -> str:
        notes = [n for n in ("hidden" if sheet.hidden else "", sheet.note(chosen.title)) if n]
        return f"{sheet.title!r} ({', '.join(notes)})"

    return (f"read sheet {chosen.title!r}, the first visible sheet with a header; not read: "
            + ", ".join(named(s) for s in others))


def _numbers_on(book: Any, sheets: list[_Sheet], screened: str, stopped: list[str]) -> dict[str, tuple[str, int]]:
    """KvK number -> (sheet, row) of its first row on ``sheets``, read by their own header (the same mapping).

    Only one sheet, ``screened``, is screened; a partner listed on another one too (as housing provider on
    "Huisvesters") would be judged without the roles given there. A sheet that breaks off adds to ``stopped``
    after which row its numbers were not compared.
    """
    found: dict[str, tuple[str, int]] = {}
    unread = (f"KvK numbers listed on it after that row were not compared with sheet {screened!r}, the one screened "
              "(a partner listed on both is judged without the roles given there)")
    for sheet in sheets:
        assert sheet.header is not None
        header_line, header = sheet.header
        column = _map_header(header)[0].get("kvk")
        if column is None:
            continue
        unreadable: list[int] = []
        for line, cells, _ in _sheet_rows(book, book[sheet.title], stopped, unread):
            value = cells[column] if line > header_line and column < len(cells) else None
            number, _, error = (None, None, "unreadable") if isinstance(value, _Unreadable) else normalise_kvk(value)
            if number is not None and error is None:
                found.setdefault(number, (sheet.title, line))
            elif error is not None:
                unreadable.append(line)
        if unreadable:
            stopped.append(f"sheet {sheet.title!r}: the KvK number in row(s) {_some(unreadable)} cannot be read, so "
                           f"it was not compared with sheet {screened!r}, the one screened (a partner listed on both is "
                           "judged without the roles given there): correct it, or put the partner's rows on one sheet")
    return found


def _some(lines: list[int]) -> str:
    """Row numbers for a message: the first ten, and how many more."""
    return ", ".join(str(n) for n in lines[:10]) + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")


def _unheaded_values(rows: Iterable[_Raw], header_line: int, header: Sequence[str]) -> str | None:
    """A warning naming the columns without a header that hold values below the header, and their rows."""
    from openpyxl.utils import get_column_letter

    found: dict[int, list[int]] = {}
    for line, cells, _ in rows:
        if line <= header_line:
            continue
        for index, value in enumerate(cells):
            if (index >= len(header) or not header[index].strip()) and _cell_text(value):
                found.setdefault(index, []).append(line)
    if not found:
        return None
    parts = []
    for index in sorted(found):
        lines = found[index]
        parts.append(f"{get_column_letter(index + 1)} (row{'s' if len(lines) > 1 else ''} {_some(lines)})")
    return f"values in columns without a header were ignored: {', '.join(parts)}"


# --- the list -----------------------------------------------------------------------------------


class PartnerList:
    """A partner list on disk: ``info`` is read at once; ``rows()`` streams (call it again to re-read).

    A CSV list is read from the file at every ``rows()``; a workbook's sheet is parsed once, when
    the list is opened, and replayed from a temporary file (``RowSpool``).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ListError(self.path, "no such file")
        suffix = self.path.suffix.lower()
        if suffix == ".xls":
            raise ListError(self.path, "old Excel format (.xls) is not read: save it as .xlsx or .csv")
        if suffix not in (".xlsx", ".xlsm", ".csv", ".txt", ".tsv"):
            raise ListError(self.path, f"unknown list format {suffix or '(no extension)'!r}: use .csv or .xlsx")
        found = _read_bytes(self.path)
        _refuse_what_is_no_list(self.path, found)
        self._sheet = ""
        self._elsewhere: dict[str, tuple[str, int]] = {}
        """KvK numbers listed on another visible sheet of the workbook, which is not screened: (sheet, row)."""
        self._joint: tuple[dict[str, _Party], dict[str, _Party]] | None = None
        """Parties by KvK number, and name-only rows by folded name (a KvK row of the same name is judged with
        their roles and locations): read once, by ``_joint_rows``."""
        self._utf16 = found.head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        workbook = found.head.startswith(_ZIP)  # a workbook, or _refuse_what_is_no_list had refused it
        if suffix in (".xlsx", ".xlsm") and not workbook:
            raise ListError(self.path, "not a readable XLSX workbook: it is no ZIP archive, as every .xlsx file "
                                       "is (if it is a CSV list, name it .csv)")
        with _open_book(self.path) if workbook else nullcontext() as book:  # opened once, for every look into it
            if book is None:
                self._init_csv(found.sha256)
            else:
                self._init_xlsx(book, found.sha256)
            if workbook and suffix not in (".xlsx", ".xlsm"):
                self.info.warnings.insert(0, f"the file is named {suffix} but is an XLSX workbook: read as a workbook")
            self._check_columns()
            if book is not None:
                self._check_whole_sheet(book)
        if self.info.header_line > 1:
            self.info.warnings.append(self._above_warning())

    def _check_columns(self) -> None:
        """The header's columns: a list without a role column cannot be screened; unknown, repeated or missing
        columns are warned about."""
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

    def _above_warning(self) -> str:
        """What became of the lines above the header: skipped, or error rows when they look like partner rows."""
        xlsx = self.info.format == "xlsx"
        where = f"row {self.info.header_line} of sheet {self._sheet!r}" if xlsx else f"line {self.info.header_line}"
        kind = "rows" if xlsx else "lines"
        rows = []
        for line, cells, error in self._raw():
            if line >= self.info.header_line:
                break
            if self._above_header(cells, error) is not None:
                rows.append(str(line))
        if not rows:
            return f"the header is on {where}; the {kind} above it were skipped"
        return (f"the header is on {where}; {kind[:-1]}(s) {', '.join(rows)} above it look like partner rows and are "
                f"error rows; the other {kind} above it were skipped")

    def _header_names(self) -> str:
        return ", ".join(repr(h) for h in self._header if h) or "(none)"

    def _init_csv(self, sha256: str) -> None:
        self._delimiter, line, self._header = _sniff_csv(self.path, self._utf16)
        with self.path.open("rb") as handle:
            bom = handle.read(3) == codecs.BOM_UTF8
        encoding = "utf-16" if self._utf16 else "utf-8-sig" if bom else "utf-8"
        self.info = ListInfo(self.path, "csv", sha256, encoding, self._delimiter, line, {})
        if self._utf16:
            return
        decoding = _Decoding()
        for _ in _decoded_lines(self.path, decoding):
            pass
        bad = decoding.cp1252_lines
        if bad and not decoding.utf8_beyond_ascii:
            self.info.encoding = "windows-1252"
            self.info.warnings.append("the file is not UTF-8: read as Windows-1252 (Excel's CSV on Windows)")
        elif bad:
            self.info.encoding += " (some lines windows-1252)"
            self.info.warnings.append(f"not UTF-8, read as Windows-1252: line(s) {_some(bad)}; check accented letters there")

    def _init_xlsx(self, book: Any, sha256: str) -> None:
        chosen, others = _choose_sheet(book, self.path)
        assert chosen.header is not None
        line, self._header = chosen.header
        self._sheet, self._delimiter = chosen.title, ""
        self.info = ListInfo(self.path, "xlsx", sha256, "xlsx", None, line, {})
        if others:
            self.info.warnings.append(_others(chosen, others))
            listing = [s for s in others if not s.hidden and s.header is not None]
            self._elsewhere = _numbers_on(book, listing, chosen.title, self.info.warnings)

    def _check_whole_sheet(self, book: Any) -> None:
        """Warnings only a read of the whole sheet can give: notes beside the list, a sheet that breaks off."""
        stopped: list[str] = []
        self._spool = RowSpool()  # this is the sheet's one parse: every later pass replays it
        rows = self._spool.record(_sheet_rows(book, book[self._sheet], stopped))
        unheaded = _unheaded_values(rows, self.info.header_line, self._header)
        self.info.warnings.extend([w for w in (unheaded, *stopped) if w])

    def _raw(self) -> Iterator[_Raw]:
        if self.info.format == "xlsx":
            return self._spool.replay()
        return _csv_rows(self.path, self._delimiter, _Decoding(), utf16=self._utf16)

    def rows(self) -> Iterator[ListRow]:
        """Every data row after the header, in file order; empty lines skipped. A KvK number listed
        on several rows is one party (art. 14.3 applies to the party): when the rows give it different
        roles or housing locations, each of them is judged with all of them, and says which rows they
        came from; when one of its rows cannot be read, what that row says is unknown, so the others
        are not judged without it: they become error rows naming it."""
        by_number, by_name = self._joint_rows()
        for row in self._parsed_rows():
            if isinstance(row, PartnerRow) and row.kvk_number:
                party = by_number.get(row.kvk_number)
                if party is not None:
                    row = party.applied_to(row)
                named = by_name.get(fold_header(row.name)) if isinstance(row, PartnerRow) and row.name else None
                if named is not None and isinstance(row, PartnerRow):  # the same company again, without its number
                    row = named.blocked(row) or named.extended(row, "list the same name without a KvK number")
            elif isinstance(row, PartnerRow) and row.name:  # name-only: blocked by an unreadable continuation
                named = by_name.get(fold_header(row.name))
                row = (named.blocked(row) if named is not None else None) or row
            yield row

    def _joint_rows(self) -> tuple[dict[str, _Party], dict[str, _Party]]:
        """Per KvK number on several rows that differ (or one of which is an error row), and per name of
        name-only rows: what they say together. Read once, by a pass over the list before the first row
        is screened."""
        if self._joint is None:
            name_only: dict[str, _Party] = {}
            first: dict[str, tuple[int, tuple[Role, ...], tuple[str, ...]]] = {}
            """A number's first row (line, roles, housing: little to hold for every row), until a second one makes
            it a party."""
            parties: dict[str, _Party] = {}
            above: PartnerRow | None = None
            """The latest partner row: the one a continuation row continues (``_parsed_rows`` ties it so)."""
            for row in self._parsed_rows():
                if isinstance(row, PartnerRow):
                    above = row
                if isinstance(row, PartnerRow) and row.kvk_number is None and row.name:
                    name_only.setdefault(fold_header(row.name), _Party()).add(row.line, row.roles, row.housing)
                number = row.kvk_number if isinstance(row, PartnerRow) else _bad_row_kvk(row)
                continued = None
                if isinstance(row, BadRow) and above is not None and row.continues == above.line:
                    continued = f"looks like a continuation of line {row.continues} (merged cells?)"
                    if above.kvk_number is None and above.name:
                        name_only[fold_header(above.name)].unreadable.append((row.line, continued))
                    number = above.kvk_number
                if number is None:
                    continue
                party = parties.get(number)
                if party is None and (isinstance(row, BadRow) or number in first):
                    party = parties[number] = _Party()
                    if number in first:
                        party.add(*first.pop(number))
                if party is None:
                    first[number] = (row.line, row.roles, row.housing)  # type: ignore[union-attr]
                elif isinstance(row, PartnerRow):
                    party.add(row.line, row.roles, row.housing)
                else:
                    party.unreadable.append((row.line, continued or f"lists the same KvK number but cannot be read "
                                                                    f"({row.reason})"))
            self._joint = {kvk: party for kvk, party in parties.items() if party.differs or party.unreadable}, name_only
        return self._joint

    def _parsed_rows(self) -> Iterator[ListRow]:
        """Every data row as written, before roles are joined across rows."""
        width = len(self._header)
        while width and not self._header[width - 1].strip():
            width -= 1  # trailing empty header cells (";;" at the end of the line) are no columns
        headed = [bool(h.strip()) for h in self._header[:width]]
        seen_kvk: dict[str, int] = {}
        above: int | None = None
        """The line of the partner row a row without name and KvK number would continue (empty lines between)."""
        for line, cells, error, renumbered in self._numbered():
            if error is not None:
                above = None
                yield _noted(BadRow(line, error, **_given(cells, self._columns)), renumbered)
                continue
            if self.info.format == "xlsx":  # a column without a header is a note beside the list: warned, not read
                cells = [value if known else None for value, known in zip(cells, headed)]
            if _empty(cells):
                continue
            continued = _continuation(line, cells, self._columns, above)
            if continued is not None:
                yield _noted(continued, renumbered)
                continue
            row = _noted(_row(line, cells, self._columns, self._header, width), renumbered)
            if isinstance(row, PartnerRow) and row.kvk_number in self._elsewhere:  # its other rows are not screened
                sheet, number = self._elsewhere[row.kvk_number]
                row = BadRow(line, f"KvK number also listed on sheet {sheet!r} (row {number}), which is not screened: "
                                   "put the partner's rows on one sheet", **_given(cells, self._columns))
            above = row.line if isinstance(row, PartnerRow) else None
            if isinstance(row, PartnerRow) and row.kvk_number is not None:
                first = seen_kvk.setdefault(row.kvk_number, line)
                if first != line:
                    row = PartnerRow(row.line, row.name, row.kvk_number, row.roles, row.place, row.housing,
                                     (*row.notes, f"same KvK number as line {first}"))
            yield row

    def _above_header(self, cells: Sequence[Any], error: str | None) -> str | None:
        """Why a line above the header is an error row, when it looks like a partner row (a list sorted with its
        header, rows pasted above it); None for a title or a note, which is skipped.

        It looks like one with a KvK number of 8 digits, a role, or values in at least half the header's columns
        (and two or more: a title alone in a two-column list is a title)."""
        texts = [_cell_text(value) for value in cells if not isinstance(value, _Unreadable)]
        headed = sum(1 for text in self._header if text.strip())
        filled = sum(1 for text in texts if text)
        if not (any(_eight_digits(text) or (text and parse_roles(text)[1] is None) for text in texts)
                or filled >= max(2, headed / 2)):
            return None
        why = f" ({error})" if error else ""
        return (f"above the header row (line {self.info.header_line}): this line looks like a partner row{why} but "
                "is not read as one, since the list starts at its header: move it below the header (was the list "
                "sorted with its header?)")

    def _numbered(self) -> Iterator[tuple[int, list[Any], str | None, str | None]]:
        """The rows after the header, in file order, each with a line number of its own.

        A CSV's lines only grow, but a damaged workbook may number two ``<row>`` elements alike, or
        number a row at or above one before it: such a row is numbered one after the row before it,
        and says so. Numbers then only grow, so each row is in the outputs once, by its number, and
        in the same order whether decisions.jsonl is written as the run goes or after a restart."""
        header_line, passed = self.info.header_line, False
        last = header_line
        for line, cells, error in self._raw():
            if not passed:  # the lines above the header, and the header itself
                passed = line == header_line
                above = None if passed else self._above_header(cells, error)
                if above is not None:
                    yield line, cells, above, None
                continue
            renumbered = None
            if line <= last:
                renumbered = (f"the workbook numbers this row {line}, at or above a row before it (a damaged "
                              f"file?): shown as row {last + 1}")
                line = last + 1
            last = line
            yield line, cells, error, renumbered
