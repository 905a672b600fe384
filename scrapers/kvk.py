"""KvK Handelsregister adapter: Zoeken v2, Basisprofiel v1 and Vestigingsprofiel v1.

Parsers are pure (bytes in, frozen records out) and raise ``LayoutChangedError`` when the
structure they rely on is missing. Fetch functions take a ``PoliteClient`` and tell "read, and
not found" (KvK's 404 with a recorded not-found ``IPD`` code) apart from a failed read (``FetchError``).
Shapes: shared/domain/REGISTERS.md, "KvK Handelsregister"; real recordings in
shared/real-world/kvk-test-api/.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from eligibility._dossier import KvkRegistration, SbiCode, kvk_date_range
from eligibility._errors import FetchError, LayoutChangedError, ScrapingError
from scrapers._config import KVK_TEST_BASE_URL

if TYPE_CHECKING:
    from scrapers._http import PoliteClient
    from scrapers._store import Snapshot

REGISTER = "kvk"
PARSER_VERSION = "kvk/2"
DEFAULT_BASE_URL = KVK_TEST_BASE_URL
API_KEY_HEADER = "apikey"
MAX_RESULTS_PER_PAGE = 100

# The IPD codes KvK answers with HTTP 404 when it has nothing, as recorded from its test API
# (shared/real-world/kvk-test-api): Basisprofiel "kan het product niet worden geleverd" and
# Zoeken "geen gegevens gevonden". Any other code in a 404 is a failed read, not "not found".
NOT_FOUND_BASISPROFIEL = frozenset({"IPD0005"})
NOT_FOUND_ZOEKEN = frozenset({"IPD5200"})

_KVK_NUMBER = re.compile(r"^\d{8}$", re.ASCII)
_VESTIGINGSNUMMER = re.compile(r"^\d{12}$", re.ASCII)
_RSIN = re.compile(r"^\d{9}$", re.ASCII)
_SBI_CODE = re.compile(r"^\d{2,6}$", re.ASCII)
_KVK_DATE = re.compile(r"^\d{8}$", re.ASCII)


# --- records -------------------------------------------------------------------------------


class DatePrecision(StrEnum):
    """How much of a KvK date ("YYYYMMDD", unknown parts zero) is known."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class SearchHitType(StrEnum):
    HOOFDVESTIGING = "hoofdvestiging"
    NEVENVESTIGING = "nevenvestiging"
    RECHTSPERSOON = "rechtspersoon"


@dataclass(frozen=True)
class KvkLink:
    rel: str
    href: str


@dataclass(frozen=True)
class KvkSbiActivity:
    code: str
    description: str | None
    main: bool


@dataclass(frozen=True)
class KvkAddress:
    """One address of the main branch; a shielded address may carry no street or place."""

    type: str | None
    street: str | None
    house_number: str | None
    house_letter: str | None
    house_number_addition: str | None
    postcode: str | None
    place: str | None
    country: str | None
    full_address: str | None
    shielded: bool | None


@dataclass(frozen=True)
class KvkProfile:
    """A Basisprofiel. Partly known dates keep their raw text; the date field is then None."""

    kvk_number: str
    name: str
    registered_on: date | None
    registered_on_raw: str | None
    registered_on_precision: DatePrecision | None
    started_on: date | None
    started_on_raw: str | None
    started_on_precision: DatePrecision | None
    ended_on: date | None
    ended_on_raw: str | None
    ended_on_precision: DatePrecision | None
    trade_names: tuple[str, ...]
    sbi_codes: tuple[KvkSbiActivity, ...]
    legal_form: str | None
    legal_form_extended: str | None
    rsin: str | None
    address: KvkAddress | None
    branches: tuple[str, ...]
    links: tuple[KvkLink, ...]
    # No Waadi field is known in the Basisprofiel (REGISTERS.md); None means "not stated".
    waadi_indicator: bool | None = None

    @property
    def deregistered(self) -> bool:
        """datumEinde present, even when only partly known."""
        return self.ended_on_raw is not None

    @property
    def place(self) -> str | None:
        return self.address.place if self.address else None


@dataclass(frozen=True)
class KvkSearchHit:
    kvk_number: str
    name: str
    type: SearchHitType
    vestigingsnummer: str | None
    rsin: str | None
    place: str | None
    active: bool | None
    expired_name: str | None
    links: tuple[KvkLink, ...]


@dataclass(frozen=True)
class KvkSearchResult:
    """All hits gathered over the pages read; ``complete`` is False when paging stopped early."""

    hits: tuple[KvkSearchHit, ...]
    total: int
    complete: bool


@dataclass(frozen=True)
class KvkBranch:
    """Minimal Vestigingsprofiel."""

    vestigingsnummer: str
    kvk_number: str | None
    name: str | None
    place: str | None
    active: bool | None


@dataclass(frozen=True)
class KvkError:
    """A KvK error body ``{"fout": [{"code", "omschrijving"}, ...]}``; all entries are kept."""

    status: int | None
    fouten: tuple[tuple[str, str], ...]

    @property
    def code(self) -> str:
        return self.fouten[0][0]

    @property
    def omschrijving(self) -> str:
        return self.fouten[0][1]

    @property
    def is_ipd(self) -> bool:
        """Every code is a KvK product code (IPDnnnn), so the body came from the KvK API itself."""
        return all(code.startswith("IPD") for code, _ in self.fouten)


# --- input validation ----------------------------------------------------------------------


def validate_kvk_number(value: object) -> str:
    """Exactly 8 digits as text; an int would already have lost its leading zeros."""
    if not isinstance(value, str) or not _KVK_NUMBER.fullmatch(value):
        raise ValueError(f"KvK number must be a string of exactly 8 digits, got {value!r}")
    return value


def _validate_digits(value: object, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"{what} must be a string of digits ({pattern.pattern}), got {value!r}")
    return value


# --- JSON helpers --------------------------------------------------------------------------


def _load_object(body: bytes, url: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LayoutChangedError(url, f"body is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise LayoutChangedError(url, f"top-level JSON object (got {type(data).__name__})")
    return data


def _optional(data: dict[str, Any], key: str, kind: type, url: str, where: str) -> Any:
    value = data.get(key)
    if value is not None and not isinstance(value, kind):
        raise LayoutChangedError(url, f"{where}{key} as {kind.__name__} (got {type(value).__name__})")
    return value


def _required_str(data: dict[str, Any], key: str, url: str, where: str = "") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise LayoutChangedError(url, f"{where}{key} (a non-empty string)")
    return value.strip()


def _optional_str(data: dict[str, Any], key: str, url: str, where: str = "") -> str | None:
    value = _optional(data, key, str, url, where)
    return (value.strip() or None) if isinstance(value, str) else None


def _optional_digits(
    data: dict[str, Any], key: str, pattern: re.Pattern[str], url: str, where: str = ""
) -> str | None:
    value = _optional_str(data, key, url, where)
    if value is not None and not pattern.fullmatch(value):
        raise LayoutChangedError(url, f"{where}{key} matching {pattern.pattern} (got {value!r})")
    return value


def _ja_nee(data: dict[str, Any], key: str, url: str, where: str = "") -> bool | None:
    value = data.get(key)
    if value is None:
        return None
    if value not in ("Ja", "Nee"):
        raise LayoutChangedError(url, f'{where}{key} as "Ja"/"Nee" (got {value!r})')
    return value == "Ja"


def _kvk_date(
    value: object, url: str, field: str
) -> tuple[date | None, str | None, DatePrecision | None]:
    """Parse "YYYYMMDD" where unknown parts are zeros (``kvk_date_range``); never invent the missing parts."""
    if value is None:
        return None, None, None
    if not isinstance(value, str) or not _KVK_DATE.fullmatch(value):
        raise LayoutChangedError(url, f"{field} as YYYYMMDD (got {value!r})")
    try:
        found = kvk_date_range(value)
    except ValueError as exc:  # a month outside 01-12 or a day its month does not have
        raise LayoutChangedError(url, f"{field} as a calendar date with a month 01-12 (got {value!r})") from exc
    if found is None:
        return None, value, None
    first, last = found
    if first == last:
        return first, value, DatePrecision.DAY
    return None, value, DatePrecision.MONTH if first.month == last.month else DatePrecision.YEAR


def _links(data: dict[str, Any], url: str, where: str = "") -> tuple[KvkLink, ...]:
    """Both link styles: ``links`` [{rel, href}] and HAL ``_links`` {rel: {href} | [{href}]}."""
    found: list[KvkLink] = []
    for item in _optional(data, "links", list, url, where) or []:
        if not isinstance(item, dict):
            raise LayoutChangedError(url, f"{where}links[] entries as objects with rel and href")
        found.append(KvkLink(_required_str(item, "rel", url, f"{where}links[]."),
                             _required_str(item, "href", url, f"{where}links[].")))
    for rel, value in (_optional(data, "_links", dict, url, where) or {}).items():
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, dict):
                raise LayoutChangedError(url, f"{where}_links.{rel} as an object with href")
            found.append(KvkLink(rel, _required_str(item, "href", url, f"{where}_links.{rel}.")))
    return tuple(dict.fromkeys(found))


def _address(item: object, url: str, where: str) -> KvkAddress:
    if not isinstance(item, dict):
        raise LayoutChangedError(url, f"{where[:-1]} entries as objects")
    number = item.get("huisnummer")
    if number is not None and not isinstance(number, (int, str)):
        raise LayoutChangedError(url, f"{where}huisnummer as a number")
    return KvkAddress(
        type=_optional_str(item, "type", url, where),
        street=_optional_str(item, "straatnaam", url, where),
        house_number=None if number is None else str(number),
        house_letter=_optional_str(item, "huisletter", url, where),
        house_number_addition=_optional_str(item, "huisnummerToevoeging", url, where),
        postcode=_optional_str(item, "postcode", url, where),
        place=_optional_str(item, "plaats", url, where),
        country=_optional_str(item, "land", url, where),
        full_address=" ".join((_optional_str(item, "volledigAdres", url, where) or "").split()) or None,
        shielded=_ja_nee(item, "indAfgeschermd", url, where),
    )


def _main_address(adressen: list[Any] | None, url: str, where: str) -> KvkAddress | None:
    """The visiting address (bezoekadres) when given, else the first address."""
    addresses = [_address(item, url, f"{where}adressen[].") for item in adressen or []]
    visiting = [a for a in addresses if a.type == "bezoekadres"]
    return (visiting or addresses or [None])[0]


# --- parsers -------------------------------------------------------------------------------


def parse_error(body: bytes, url: str, status: int | None = None) -> KvkError | None:
    """A KvK error body, or None when the JSON object carries no ``fout``."""
    data = _load_object(body, url)
    if "fout" not in data:
        return None
    fout = data["fout"]
    if not isinstance(fout, list) or not fout:
        raise LayoutChangedError(url, "fout as a non-empty list of {code, omschrijving}")
    fouten = []
    for item in fout:
        if not isinstance(item, dict):
            raise LayoutChangedError(url, "fout[] entries as objects with code and omschrijving")
        fouten.append((_required_str(item, "code", url, "fout[]."),
                       _optional_str(item, "omschrijving", url, "fout[].") or ""))
    return KvkError(status=status, fouten=tuple(fouten))


def parse_basisprofiel(body: bytes, url: str) -> KvkProfile:
    data = _load_object(body, url)
    kvk_number = _required_str(data, "kvkNummer", url)
    if not _KVK_NUMBER.fullmatch(kvk_number):
        raise LayoutChangedError(url, f"kvkNummer as 8 digits (got {kvk_number!r})")
    name = _required_str(data, "naam", url)
    registered = _kvk_date(data.get("formeleRegistratiedatum"), url, "formeleRegistratiedatum")
    material = _optional(data, "materieleRegistratie", dict, url, "") or {}
    started = _kvk_date(material.get("datumAanvang"), url, "materieleRegistratie.datumAanvang")
    ended = _kvk_date(material.get("datumEinde"), url, "materieleRegistratie.datumEinde")

    trade_names = []
    for item in _optional(data, "handelsnamen", list, url, "") or []:
        if not isinstance(item, dict):
            raise LayoutChangedError(url, "handelsnamen[] entries as objects with naam")
        order = item.get("volgorde")
        trade_names.append((order if isinstance(order, int) else len(trade_names),
                            _required_str(item, "naam", url, "handelsnamen[].")))

    sbi = []
    for item in _optional(data, "sbiActiviteiten", list, url, "") or []:
        if not isinstance(item, dict):
            raise LayoutChangedError(url, "sbiActiviteiten[] entries as objects")
        code = _required_str(item, "sbiCode", url, "sbiActiviteiten[].")
        if not _SBI_CODE.fullmatch(code):
            raise LayoutChangedError(url, f"sbiActiviteiten[].sbiCode as 2-6 digits (got {code!r})")
        sbi.append(KvkSbiActivity(
            code=code,
            description=_optional_str(item, "sbiOmschrijving", url, "sbiActiviteiten[]."),
            main=_ja_nee(item, "indHoofdactiviteit", url, "sbiActiviteiten[].") is True,
        ))

    embedded = _optional(data, "_embedded", dict, url, "") or {}
    owner = _optional(embedded, "eigenaar", dict, url, "_embedded.") or {}
    main_branch = _optional(embedded, "hoofdvestiging", dict, url, "_embedded.") or {}
    branch_number = _optional_digits(
        main_branch, "vestigingsnummer", _VESTIGINGSNUMMER, url, "_embedded.hoofdvestiging."
    )
    return KvkProfile(
        kvk_number=kvk_number,
        name=name,
        registered_on=registered[0],
        registered_on_raw=registered[1],
        registered_on_precision=registered[2],
        started_on=started[0],
        started_on_raw=started[1],
        started_on_precision=started[2],
        ended_on=ended[0],
        ended_on_raw=ended[1],
        ended_on_precision=ended[2],
        trade_names=tuple(dict.fromkeys(n for _, n in sorted(trade_names, key=lambda t: t[0]))),
        sbi_codes=tuple(sbi),
        legal_form=_optional_str(owner, "rechtsvorm", url, "_embedded.eigenaar."),
        legal_form_extended=_optional_str(owner, "uitgebreideRechtsvorm", url, "_embedded.eigenaar."),
        rsin=_optional_digits(owner, "rsin", _RSIN, url, "_embedded.eigenaar."),
        address=_main_address(
            _optional(main_branch, "adressen", list, url, "_embedded.hoofdvestiging."),
            url,
            "_embedded.hoofdvestiging.",
        ),
        branches=(branch_number,) if branch_number else (),
        links=_links(data, url),
    )


def _parse_zoeken_page(body: bytes, url: str) -> tuple[list[KvkSearchHit], int]:
    """Hits of one page and the ``totaal`` the API reports."""
    data = _load_object(body, url)
    results = data.get("resultaten")
    total = data.get("totaal")
    if not isinstance(results, list):
        raise LayoutChangedError(url, "resultaten (a list of search results)")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise LayoutChangedError(url, "totaal (a non-negative integer)")
    hits = []
    for item in results:
        where = "resultaten[]."
        if not isinstance(item, dict):
            raise LayoutChangedError(url, "resultaten[] entries as objects")
        kvk_number = _required_str(item, "kvkNummer", url, where)
        if not _KVK_NUMBER.fullmatch(kvk_number):
            raise LayoutChangedError(url, f"{where}kvkNummer as 8 digits (got {kvk_number!r})")
        raw_type = _required_str(item, "type", url, where)
        try:
            hit_type = SearchHitType(raw_type)
        except ValueError as exc:
            raise LayoutChangedError(
                url, f"{where}type as one of {', '.join(SearchHitType)} (got {raw_type!r})"
            ) from exc
        address = _optional(item, "adres", dict, url, where) or {}
        domestic = _optional(address, "binnenlandsAdres", dict, url, f"{where}adres.") or {}
        hits.append(KvkSearchHit(
            kvk_number=kvk_number,
            name=_required_str(item, "naam", url, where),
            type=hit_type,
            vestigingsnummer=_optional_digits(item, "vestigingsnummer", _VESTIGINGSNUMMER, url, where),
            rsin=_optional_digits(item, "rsin", _RSIN, url, where),
            place=_optional_str(domestic, "plaats", url, f"{where}adres.binnenlandsAdres."),
            active=_ja_nee(item, "actief", url, where),
            expired_name=_optional_str(item, "vervallenNaam", url, where),
            links=_links(item, url, where),
        ))
    return hits, total


def parse_zoeken(body: bytes, url: str) -> list[KvkSearchHit]:
    """One Zoeken v2 page; an empty ``resultaten`` list is a real "nothing found"."""
    return _parse_zoeken_page(body, url)[0]


def parse_vestigingsprofiel(body: bytes, url: str) -> KvkBranch:
    data = _load_object(body, url)
    number = _required_str(data, "vestigingsnummer", url)
    if not _VESTIGINGSNUMMER.fullmatch(number):
        raise LayoutChangedError(url, f"vestigingsnummer as 12 digits (got {number!r})")
    material = _optional(data, "materieleRegistratie", dict, url, "")
    active = None if material is None else (
        _kvk_date(material.get("datumEinde"), url, "materieleRegistratie.datumEinde")[1] is None
    )
    address = _main_address(_optional(data, "adressen", list, url, ""), url, "")
    return KvkBranch(
        vestigingsnummer=number,
        kvk_number=_optional_digits(data, "kvkNummer", _KVK_NUMBER, url),
        name=_optional_str(data, "eersteHandelsnaam", url) or _optional_str(data, "statutaireNaam", url),
        place=address.place if address else None,
        active=active,
    )


# --- mapping into the dossier --------------------------------------------------------------


def to_registration(profile: KvkProfile) -> KvkRegistration:
    """Map into the dossier. A partly known end date is kept as KvK gave it (``ended_on_raw``) with
    the first and last day it can be: dropping it would make a deregistered company look active.
    The start is kept the same way (``started_from``, ``started_by``) from datumAanvang, even when
    only partly known, or else (datumAanvang absent or without a year) from formeleRegistratiedatum.
    Both legal forms are kept: the longer one can name a foreign company where the short one does not, and the
    rule pack, not the adapter, reads them (``foreign_legal_forms``)."""
    ended = kvk_date_range(profile.ended_on_raw) if profile.ended_on_raw else None
    started = next((found for raw in (profile.started_on_raw, profile.registered_on_raw)
                    if raw is not None and (found := kvk_date_range(raw)) is not None), None)
    return KvkRegistration(
        kvk_number=profile.kvk_number,
        name=profile.name,
        registered_on=profile.registered_on,
        started_on=profile.started_on,
        ended_on=profile.ended_on,
        ended_on_raw=profile.ended_on_raw,
        ended_from=ended[0] if ended else None,
        ended_by=ended[1] if ended else None,
        started_from=started[0] if started else None,
        started_by=started[1] if started else None,
        legal_form=profile.legal_form,
        legal_form_extended=profile.legal_form_extended,
        sbi_codes=[SbiCode(code=s.code, description=s.description, main=s.main) for s in profile.sbi_codes],
        waadi_indicator=profile.waadi_indicator,
    )


# --- fetching ------------------------------------------------------------------------------


def _headers(api_key: str) -> dict[str, str]:
    if not api_key:
        raise ValueError("a KvK API key is required (header 'apikey')")
    return {API_KEY_HEADER: api_key}


def _kvk_error(snapshot: Snapshot) -> KvkError | None:
    """The KvK error in a non-200 answer, or None when the body is not one (e.g. a gateway page)."""
    try:
        return parse_error(snapshot.body, snapshot.url, snapshot.status)
    except LayoutChangedError:
        return None


def _fetch_error(snapshot: Snapshot, error: KvkError | None) -> FetchError:
    detail = "; ".join(f"{code}: {text}" for code, text in error.fouten) if error else "no KvK error body"
    return FetchError(f"KvK answered HTTP {snapshot.status} ({detail})", snapshot.url)


def _not_found_or_raise(snapshot: Snapshot, not_found: frozenset[str]) -> None:
    """Return when KvK says "nothing here" (HTTP 404 whose every error code is one of ``not_found``),
    else raise: another IPD code (a product KvK cannot deliver, a fault) says nothing of existence."""
    error = _kvk_error(snapshot)
    if snapshot.status == 404 and error is not None and all(code in not_found for code, _ in error.fouten):
        return
    raise _fetch_error(snapshot, error)


def fetch_basisprofiel(
    client: PoliteClient, kvk_number: str, *, base_url: str = DEFAULT_BASE_URL, api_key: str
) -> tuple[Snapshot, KvkProfile | None]:
    """Read one Basisprofiel; ``None`` means the register was read and has no such number."""
    kvk_number = validate_kvk_number(kvk_number)
    url = f"{base_url.rstrip('/')}/v1/basisprofielen/{kvk_number}"
    snapshot = client.get(url, register=REGISTER, headers=_headers(api_key))
    if snapshot.status == 200:
        profile = parse_basisprofiel(snapshot.body, snapshot.url)
        if profile.kvk_number != kvk_number:
            raise ScrapingError(f"asked KvK for {kvk_number}, got {profile.kvk_number}", snapshot.url)
        return snapshot, profile
    _not_found_or_raise(snapshot, NOT_FOUND_BASISPROFIEL)
    return snapshot, None


def search(
    client: PoliteClient,
    *,
    kvk_number: str | None = None,
    rsin: str | None = None,
    vestigingsnummer: str | None = None,
    naam: str | None = None,
    plaats: str | None = None,
    postcode: str | None = None,
    huisnummer: int | None = None,
    hit_type: SearchHitType | None = None,
    include_inactive: bool = False,
    results_per_page: int = MAX_RESULTS_PER_PAGE,
    max_pages: int = 10,
    base_url: str = DEFAULT_BASE_URL,
    api_key: str,
) -> tuple[list[Snapshot], KvkSearchResult]:
    """Zoeken v2, page by page until all ``totaal`` hits are read or ``max_pages`` is reached."""
    if not 1 <= results_per_page <= MAX_RESULTS_PER_PAGE:
        raise ValueError(f"results_per_page must be 1..{MAX_RESULTS_PER_PAGE}, got {results_per_page}")
    if max_pages < 1:
        raise ValueError(f"max_pages must be at least 1, got {max_pages}")
    criteria = {
        "kvkNummer": None if kvk_number is None else validate_kvk_number(kvk_number),
        "rsin": None if rsin is None else _validate_digits(rsin, _RSIN, "RSIN"),
        "vestigingsnummer": None if vestigingsnummer is None
        else _validate_digits(vestigingsnummer, _VESTIGINGSNUMMER, "vestigingsnummer"),
        "naam": naam.strip() if naam and naam.strip() else None,
        "plaats": plaats.strip() if plaats and plaats.strip() else None,
        "postcode": postcode.replace(" ", "").upper() if postcode and postcode.strip() else None,
        "huisnummer": None if huisnummer is None else str(huisnummer),
    }
    params = {key: value for key, value in criteria.items() if value is not None}
    if not params:
        raise ValueError("a KvK search needs at least one criterion (kvk_number, rsin, naam, ...)")
    if hit_type is not None:
        params["type"] = SearchHitType(hit_type).value
    params["inclusiefInactieveRegistraties"] = "true" if include_inactive else "false"
    params["resultatenPerPagina"] = str(results_per_page)

    url = f"{base_url.rstrip('/')}/v2/zoeken"
    headers = _headers(api_key)
    snapshots: list[Snapshot] = []
    hits: list[KvkSearchHit] = []
    total = 0
    for page in range(1, max_pages + 1):
        snapshot = client.get(url, register=REGISTER, params={**params, "pagina": str(page)},
                              headers=headers)
        snapshots.append(snapshot)
        if snapshot.status != 200:
            _not_found_or_raise(snapshot, NOT_FOUND_ZOEKEN)
            break
        page_hits, total = _parse_zoeken_page(snapshot.body, snapshot.url)
        hits.extend(page_hits)
        if not page_hits or len(hits) >= total:
            break
    return snapshots, KvkSearchResult(hits=tuple(hits), total=total, complete=len(hits) >= total)
