"""Labour Inspectorate (Nederlandse Arbeidsinspectie): published inspection results.

Reads the undocumented JSON API behind resultaten.nlarbeidsinspectie.nl [observed]. The names of
the KvK number, sanction, fine amount, dates and finality fields are [unknown]: they are looked
up under configurable candidate names, and every record says which names it found and which
fields it did not recognise, so a first live reading shows what the API really carries.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from eligibility._dossier import FineKind, InspectionResult, Law, Link
from eligibility._facts import as_dutch_date  # an inspection date is a Dutch calendar date
from eligibility._errors import FetchError, LayoutChangedError, ScrapingError

if TYPE_CHECKING:
    from scrapers._http import PoliteClient
    from scrapers._store import Snapshot

REGISTER = "inspectorate"
PARSER_VERSION = "inspectorate/5"
"""3: KvK numbers written with a label or spaces, branch numbers (session 12).
4: records say whether the KvK number came as a JSON number (``kvk_number_from_int``)."""
BASE = "https://resultaten.nlarbeidsinspectie.nl"
SEARCH_URL = f"{BASE}/api/inspecties"

_INSPECTION_KEYS = frozenset(
    {"Id", "Bedrijfsnaam", "BedrijfPlaats", "Inspectieplaats", "Inspectiedatum", "Inspectieresultaten"}
)
_FINDING_KEYS = frozenset({"Omschrijving", "OmschrijvingKort", "Resultaat"})

# A violation listed without any sanction field: the site publishes fines and shutdowns under
# Wav/WML/Waadi [fact], so the violation is taken as a fine of unknown amount and finality.
ASSUMED_FINE = "assumed: published violation without sanction field"


@dataclass(frozen=True)
class OptionalFields:
    """Candidate JSON names for fields not seen in any recorded response yet [unknown].

    Finding-level fields are looked up on the result entry first, then on the inspection.
    """

    kvk_number: tuple[str, ...] = ("KvkNummer", "Kvknummer", "KvKNummer", "KvkNr")
    sanction: tuple[str, ...] = ("Sanctie", "Boete", "Maatregel")
    amount_eur: tuple[str, ...] = ("Boetebedrag", "BoeteBedrag", "Bedrag")
    decision_date: tuple[str, ...] = ("Beschikkingsdatum", "Boetedatum", "Besluitdatum")
    publication_date: tuple[str, ...] = ("Publicatiedatum", "DatumPublicatie")
    final: tuple[str, ...] = ("Onherroepelijk", "Definitief")

    def names(self) -> frozenset[str]:
        return frozenset(
            self.kvk_number + self.sanction + self.amount_eur + self.decision_date + self.publication_date + self.final
        )


DEFAULT_FIELDS = OptionalFields()


@dataclass(frozen=True)
class InspectionFinding:
    """One published result line: a law and what was found under it.

    ``sanction_source`` names the JSON field the sanction came from, "Resultaat", or
    ``ASSUMED_FINE``; ``collapsed`` counts repeated listings (one per employee) merged into it.
    """

    law: Law
    law_text: str
    result_text: str
    violation: bool
    sanction: FineKind
    sanction_source: str
    amount_eur: float | None = None
    decision_date: date | None = None
    publication_date: date | None = None
    final: bool | None = None
    collapsed: int = 0


@dataclass(frozen=True)
class InspectionRecord:
    """One inspection as published. ``found`` maps attribute -> JSON name it was read from;
    ``unrecognised`` lists JSON names nobody told the parser about; ``notes`` says what was ignored.
    ``branch_number``: 12 digits found where the KvK number was looked for (a vestigingsnummer),
    which links the record only when the partner's KvK profile lists that branch.
    ``kvk_number_from_int``: the KvK number came as a JSON number, so leading zeros may have been
    lost: 37178598 may be branch "000037178598" as well as KvK number "37178598" (the pipeline
    checks it against the partner's branches; read as another company's number, a fine vanished)."""

    id: str
    company_name: str
    company_place: str | None
    inspection_place: str | None
    inspection_date: date
    kvk_number: str | None
    findings: tuple[InspectionFinding, ...]
    found: Mapping[str, str] = field(default_factory=dict)
    unrecognised: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    branch_number: str | None = None
    kvk_number_from_int: bool = False


@dataclass(frozen=True)
class InspectionPage:
    records: list[InspectionRecord]
    page_count: int
    total_count: int


# --- value parsing ----------------------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_DMY_DATE = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{2}|\d{4})")


def parse_date(text: str) -> date | None:
    """ISO ("2024-03-05", "2024-03-05T00:00:00"; a moment with a zone, "2024-03-04T23:00:00Z",
    is taken in Dutch time: 5 March) or day-first ("05-03-2024", "05/03/2024"); None for text in
    neither shape.

    An ISO value that does not exist ("2024-02-30", "2024-13-01", "2024-03-05T25:00:00") raises
    ValueError naming it: as None, an optional date became an "ignored" note and went unread.

    [assumed] Day-first, as on the Dutch site: "03/04/2025" is 3 April. The order is never
    guessed: a value in that shape that is no valid day-first date ("03/13/2025", "30-02-2025")
    raises ValueError, as does a two-digit year (century unknown). A month above 12 means the
    site may write month-first, and then every other slash date would be misread as well: such a
    value must fail the reading, never be swapped into a date.
    """
    text = text.strip()
    if _ISO_DATE.fullmatch(text):
        try:  # a moment is read whole (its time must exist too), "T" or " " between date and time
            return as_dutch_date(f"{text[:10]}T{text[11:]}" if len(text) > 10 else text)
        except ValueError:
            raise ValueError(f"date {text!r} does not exist; refused rather than ignored") from None
    if match := _DMY_DATE.fullmatch(text):
        day_text, _, month_text, year_text = match.groups()
        if len(year_text) != 4:
            raise ValueError(f"date {text!r} has a two-digit year; refused, the century is not known")
        try:
            return date(int(year_text), int(month_text), int(day_text))
        except ValueError:
            raise ValueError(
                f"date {text!r} is not a valid day-month-year date (the order assumed for the Dutch site); "
                "refused rather than read in another order"
            ) from None
    return None


def parse_amount(value: object) -> float | None:
    """A non-negative euro amount from a number or Dutch text ("€ 12.000,00", "9.600,-"); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value >= 0 else None
    if not isinstance(value, str):
        return None
    text = re.sub(r"(?i)€|eur(o)?|\s", "", value).removesuffix(",-").removesuffix(",=")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d{1,2})?|\d+(,\d{1,2})?", text):
        return float(text.replace(".", "").replace(",", "."))
    if re.fullmatch(r"\d+\.\d{1,2}", text):
        return float(text)
    return None


# A label the site may write before the number: "KvK 68750110", "KvK-nummer: 68750110", "kvk nr. ...".
_KVK_LABEL = re.compile(r"(?i)\s*k\.?v\.?k\.?(?:[\s-]*(?:nummer|nr\.?|no\.?))?\s*[:#]?")


def _number_digits(value: object) -> str | None:
    """The digits of a number written with an optional KvK label, spaces or dots; None for any
    other character (a letter, a hyphen, a non-ASCII digit): digits are never picked out of text."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if label := _KVK_LABEL.match(text):
        text = text[label.end():]
    return digits if re.fullmatch(r"[0-9]+", digits := re.sub(r"[\s.]", "", text)) else None


def parse_kvk(value: object) -> str | None:
    """Eight digits as text ("68750110", "68 75 01 10", "KvK 68750110"); a JSON number that lost its
    leading zeros is padded back. Any other count of digits is no KvK number (never guessed)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**8:
        return f"{value:08d}"
    digits = _number_digits(value)
    return digits if digits is not None and len(digits) == 8 else None


def parse_branch_number(value: object) -> str | None:
    """Twelve digits as text: a branch number (vestigingsnummer), which the site may publish where a
    KvK number is expected. A JSON number of 9 to 12 digits is padded back to 12 (branch numbers
    start with zeros); 8 digits or fewer is read as a KvK number by ``parse_kvk`` instead."""
    if isinstance(value, int) and not isinstance(value, bool) and 10**8 <= value < 10**12:
        return f"{value:012d}"
    digits = _number_digits(value)
    return digits if digits is not None and len(digits) == 12 else None


def _company_number(value: object) -> tuple[str, str] | None:
    """("kvk_number", 8 digits) or ("branch_number", 12 digits) from the KvK number field; else None."""
    if (kvk := parse_kvk(value)) is not None:
        return "kvk_number", kvk
    if (branch := parse_branch_number(value)) is not None:
        return "branch_number", branch
    return None


_LAWS: tuple[tuple[Law, re.Pattern[str]], ...] = (
    (Law.WTTA, re.compile(r"\bwtta\b|toelating\s+terbeschikkingstelling", re.I)),
    (Law.WAADI, re.compile(r"\bwaadi\b|allocatie\s+arbeidskrachten", re.I)),
    (Law.WAV, re.compile(r"\bwav\b|arbeid\s+(door\s+)?vreemdelingen", re.I)),
    (Law.WML, re.compile(r"\bwml\b|\bwmm\b|minimumloon", re.I)),
    (Law.ARBOWET, re.compile(r"\barbo(wet)?\b|arbeidsomstandigheden", re.I)),
)


def normalise_law(*texts: str | None) -> Law:
    """The law named by the first text that names one (short form first), else OTHER."""
    for text in texts:
        for law, pattern in _LAWS:
            if text and pattern.search(text):
                return law
    return Law.OTHER


_NO_VIOLATION = re.compile(r"geen\s+overtreding|overtreding\w*\s+niet\s+vastgesteld", re.I)
_SANCTIONS: tuple[tuple[FineKind, re.Pattern[str]], ...] = (
    (FineKind.NO_VIOLATION, _NO_VIOLATION),
    (
        FineKind.SHUTDOWN_WARNING,
        re.compile(r"(waarschuwing|aankondiging|voornemen)\w*\W+(\w+\W+){0,3}stillegg|stillegg\w*\W+(\w+\W+){0,3}(waarschuwing|aangekondigd|aankondiging)", re.I),
    ),
    (FineKind.SHUTDOWN, re.compile(r"stillegg", re.I)),
    (FineKind.FINE, re.compile(r"boete", re.I)),
    (FineKind.WARNING, re.compile(r"waarschuwing", re.I)),
)
_VIOLATION = re.compile(r"overtreding", re.I)


def classify_sanction(text: str) -> FineKind | None:
    """The sanction a Dutch result text names ("Stillegging" -> shutdown), or None."""
    return next((kind for kind, pattern in _SANCTIONS if pattern.search(text)), None)


# --- parsing ----------------------------------------------------------------------------------


def _pick(sources: Sequence[Mapping[str, Any]], names: Sequence[str]) -> tuple[str, Any] | None:
    """First candidate name with a non-empty value, searching the sources in order."""
    for source in sources:
        for name in names:
            if source.get(name) not in (None, ""):
                return name, source[name]
    return None


def _text(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return (value.strip() or None) if isinstance(value, str) else None


class _Reader:
    """Reads one inspection, collecting which optional fields it found and what it ignored."""

    def __init__(self, url: str, fields: OptionalFields) -> None:
        self.url, self.fields = url, fields
        self.found: dict[str, str] = {}
        self.notes: list[str] = []

    def require(self, obj: Mapping[str, Any], key: str, where: str) -> Any:
        if obj.get(key) in (None, ""):
            raise LayoutChangedError(self.url, f"{where}.{key}")
        return obj[key]

    def lookup(
        self, attr: str, sources: Sequence[Mapping[str, Any]], convert: Callable[[object], Any], where: str
    ) -> tuple[str, Any] | None:
        """(JSON name, value) of an optional field; an unusable value becomes a note, not a guess."""
        picked = _pick(sources, getattr(self.fields, attr))
        if picked is None:
            return None
        name, raw = picked
        value = _converted(convert, raw, f"{where}.{name}")
        if value is None:
            self.notes.append(f"{where}.{name}: value {raw!r} not understood as {attr}; ignored")
            return None
        self.found[attr] = name
        return name, value

    def optional(
        self, attr: str, sources: Sequence[Mapping[str, Any]], convert: Callable[[object], Any], where: str
    ) -> Any:
        found = self.lookup(attr, sources, convert, where)
        return None if found is None else found[1]

    def finding(self, entry: Any, inspection: Mapping[str, Any], where: str) -> InspectionFinding:
        if not isinstance(entry, Mapping):
            raise LayoutChangedError(self.url, f"{where} as an object")
        result_text = str(self.require(entry, "Resultaat", where)).strip()
        short, long = _text(entry, "OmschrijvingKort"), _text(entry, "Omschrijving")
        if not (short or long):
            raise LayoutChangedError(self.url, f"{where}.Omschrijving or OmschrijvingKort")
        from_result = classify_sanction(result_text)
        if from_result is None and not _VIOLATION.search(result_text):
            raise LayoutChangedError(self.url, f"{where}.Resultaat in a known wording (got {result_text!r})")
        violation = from_result is not FineKind.NO_VIOLATION
        sources = (entry, inspection)
        sanction, source = self._sanction(violation, from_result, sources, where)
        return InspectionFinding(
            law=normalise_law(short, long),
            law_text=short or long or "",
            result_text=result_text,
            violation=violation,
            sanction=sanction,
            sanction_source=source,
            amount_eur=self.optional("amount_eur", sources, parse_amount, where) if violation else None,
            decision_date=self.optional("decision_date", sources, _date_value, where),
            publication_date=self.optional("publication_date", sources, _date_value, where),
            final=self.optional("final", sources, _bool_value, where),
        )

    def _sanction(
        self, violation: bool, from_result: FineKind | None, sources: Sequence[Mapping[str, Any]], where: str
    ) -> tuple[FineKind, str]:
        """Kind and where it came from: a sanction field, else the Resultaat text, else assumed.

        A sanction field milder than the Resultaat text ("Waarschuwing" beside "boete opgelegd")
        does not make the result milder: the graver of the two counts, with a note. Which one the
        register meant is not known, and reading a fine as a warning could pass B3.f."""
        if not violation:
            return FineKind.NO_VIOLATION, "Resultaat"
        stated = self.lookup("sanction", sources, _sanction_value, where)
        if stated is not None and stated[1] is not FineKind.NO_VIOLATION:
            if from_result is not None and _SEVERITY[from_result] > _SEVERITY[stated[1]]:
                self.notes.append(f"{where}.{stated[0]}: says {stated[1].value} but Resultaat says "
                                  f"{from_result.value}; the graver counts")
                return from_result, "Resultaat"
            return stated[1], stated[0]
        if stated is not None:
            self.notes.append(f"{where}.{stated[0]}: says no violation but Resultaat says violation; ignored")
        if from_result is not None:
            return from_result, "Resultaat"
        return FineKind.FINE, ASSUMED_FINE


def _date_value(raw: object) -> date | None:
    return parse_date(raw) if isinstance(raw, str) else None


def _converted(convert: Callable[[object], Any], raw: object, where: str) -> Any:
    """``convert(raw)``; a ValueError (a date in no safe order) names the field and still fails the read."""
    try:
        return convert(raw)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from exc


def _bool_value(raw: object) -> bool | None:
    return raw if isinstance(raw, bool) else None


def _sanction_value(raw: object) -> FineKind | None:
    return classify_sanction(raw) if isinstance(raw, str) else None


def _record(item: Any, url: str, where: str, fields: OptionalFields) -> InspectionRecord:
    if not isinstance(item, Mapping):
        raise LayoutChangedError(url, f"{where} as an object")
    reader = _Reader(url, fields)
    raw_date = reader.require(item, "Inspectiedatum", where)
    inspection_date = _converted(_date_value, raw_date, f"{where}.Inspectiedatum")
    if inspection_date is None:
        raise LayoutChangedError(url, f"{where}.Inspectiedatum as a date (got {raw_date!r})")
    entries = item.get("Inspectieresultaten")
    if not isinstance(entries, list):
        raise LayoutChangedError(url, f"{where}.Inspectieresultaten as a list")
    findings = tuple(
        reader.finding(entry, item, f"{where}.Inspectieresultaten[{j}]") for j, entry in enumerate(entries)
    )
    known = _INSPECTION_KEYS | _FINDING_KEYS | fields.names()
    seen = set(item) | {key for entry in entries for key in entry}
    kind, number = reader.optional("kvk_number", (item,), _company_number, where) or (None, None)
    if kind == "branch_number":
        reader.found["branch_number"] = reader.found.pop("kvk_number")
    raw_number = item.get(reader.found["kvk_number"]) if kind == "kvk_number" else None
    return InspectionRecord(
        id=str(reader.require(item, "Id", where)),
        company_name=str(reader.require(item, "Bedrijfsnaam", where)).strip(),
        company_place=_text(item, "BedrijfPlaats"),
        inspection_place=_text(item, "Inspectieplaats"),
        inspection_date=inspection_date,
        kvk_number=number if kind == "kvk_number" else None,
        findings=findings,
        found=reader.found,
        unrecognised=tuple(sorted(seen - known)),
        notes=tuple(reader.notes),
        branch_number=number if kind == "branch_number" else None,
        kvk_number_from_int=isinstance(raw_number, int) and not isinstance(raw_number, bool),
    )


def _count(info: Mapping[str, Any], key: str, url: str) -> int:
    value = info.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise LayoutChangedError(url, f"SearchResultInfo.{key} as a count")
    return value


def parse_page(body: bytes, url: str, fields: OptionalFields = DEFAULT_FIELDS) -> InspectionPage:
    """One page of search results. A page listing nothing with TotalCount 0 is a real answer."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise LayoutChangedError(url, "a JSON body (SearchResultInfo, Results)") from exc
    if not isinstance(data, Mapping) or not isinstance(data.get("SearchResultInfo"), Mapping):
        raise LayoutChangedError(url, "SearchResultInfo")
    if not isinstance(data.get("Results"), list):
        raise LayoutChangedError(url, "Results")
    info = data["SearchResultInfo"]
    return InspectionPage(
        records=[_record(item, url, f"Results[{i}]", fields) for i, item in enumerate(data["Results"])],
        page_count=_count(info, "PageCount", url),
        total_count=_count(info, "TotalCount", url),
    )


# --- deduplication and mapping ----------------------------------------------------------------

_SEVERITY = {
    FineKind.NO_VIOLATION: 0,
    FineKind.WARNING: 1,
    FineKind.FINE: 2,
    FineKind.SHUTDOWN_WARNING: 3,
    FineKind.SHUTDOWN: 4,
}


def _collapse(findings: Iterable[InspectionFinding]) -> tuple[InspectionFinding, ...]:
    """One finding per law: the most severe (then largest amount), counting the listings merged."""
    by_law: dict[Law, list[InspectionFinding]] = {}
    for finding in findings:
        by_law.setdefault(finding.law, []).append(finding)
    kept = []
    for group in by_law.values():
        best = max(group, key=lambda f: (_SEVERITY[f.sanction], f.amount_eur or -1.0))
        kept.append(replace(best, collapsed=sum(f.collapsed + 1 for f in group) - 1))
    return tuple(kept)


def _same_inspection(inspection_id: str) -> str:
    """One inspection's key: a GUID id may come back in either case (dedupe and paging compare alike)."""
    return inspection_id.casefold()


def dedupe(records: Iterable[InspectionRecord]) -> list[InspectionRecord]:
    """One record per inspection (by id: across shifting pages, or found by several names) and one
    finding per law: one violation is sometimes listed per employee [observed].

    Copies of one inspection may differ (searches stored at different times, a fine added since):
    their findings are pooled before collapsing, so the most severe finding of any copy is kept
    and an earlier "no violation" copy never hides a later fine. Their notes are pooled too: the
    pipeline shows them, and a value one copy could not read must not vanish with that copy."""
    unique: dict[str, InspectionRecord] = {}
    for record in records:
        key = _same_inspection(record.id)
        first = unique.get(key)
        if first is None:
            unique[key] = record
        elif record.findings != first.findings or not set(record.notes) <= set(first.notes):
            extra = tuple(finding for finding in record.findings if finding not in first.findings)
            notes = first.notes + tuple(note for note in record.notes if note not in first.notes)
            unique[key] = replace(first, findings=first.findings + extra, notes=notes)
    return [replace(record, findings=_collapse(record.findings)) for record in unique.values()]


def to_results(record: InspectionRecord, link: Link) -> list[InspectionResult]:
    """One dossier result per (inspection, law); a law without violation becomes no_violation."""
    return [
        InspectionResult(
            inspection_id=record.id,
            law=finding.law,
            kind=finding.sanction,
            amount_eur=finding.amount_eur,
            final=finding.final,
            decision_date=finding.decision_date,
            publication_date=finding.publication_date,
            inspection_start_date=record.inspection_date,
            company_name=record.company_name,
            place=record.company_place,
            link=link,
        )
        for finding in _collapse(record.findings)
    ]


# --- fetching ---------------------------------------------------------------------------------


def search_params(search: str, page: int) -> dict[str, str]:
    return {"searchString": search, "currentPage": str(page), "sortColumn": "Inspectie", "sortDescending": "true"}


def fetch_all(
    client: PoliteClient, search: str, *, max_pages: int = 50, fields: OptionalFields = DEFAULT_FIELDS
) -> tuple[list[Snapshot], list[InspectionRecord]]:
    """Every page of one search (currentPage 1..PageCount), deduplicated.

    Raises rather than return a partial list: more pages than ``max_pages``, a page in range
    that is empty, a page repeating earlier results (paging parameter ignored), or fewer distinct
    inspections over all pages than page 1's TotalCount (a PageCount too small would otherwise
    end the search early, and a fine on a page never read would look like no fine).

    Also raises when the register changed while it was read: a later page whose TotalCount or
    PageCount differs from page 1's, or that lists an inspection (by id) already read on an
    earlier page. An inspection published between two page reads shifts the rows by one, so a
    row repeats and the last one is never read; a repeat must not count toward TotalCount.
    Repeats within one page (findings listed per employee) are not this: dedupe collapses them.
    """
    if not search.strip():
        raise ValueError("an empty search would list the whole register; give a company name")
    snapshots: list[Snapshot] = []
    records: list[InspectionRecord] = []
    seen_ids: set[str] = set()  # inspections read on earlier pages
    page_number, page_count, total_count = 1, 1, 0
    while page_number <= page_count:
        snapshot = client.get(
            SEARCH_URL, register=REGISTER, params=search_params(search, page_number), headers={"Accept": "application/json"}
        )
        if snapshot.status != 200:
            raise FetchError(f"HTTP {snapshot.status} from the inspection results API", snapshot.url)
        snapshots.append(snapshot)
        page = parse_page(snapshot.body, snapshot.url, fields)
        if page_number == 1:
            page_count, total_count = page.page_count, page.total_count
            if page_count > max_pages:
                raise ScrapingError(
                    f"search {search!r} has {page_count} pages ({page.total_count} results), more than {max_pages}",
                    snapshot.url,
                )
        if page.total_count and not page.records:
            raise LayoutChangedError(snapshot.url, f"results on page {page_number} of {page_count}")
        if page_number > 1 and (page.page_count, page.total_count) != (page_count, total_count):
            raise ScrapingError(
                f"search {search!r}: the register changed while it was read (page {page_number} counts "
                f"{page.total_count} results on {page.page_count} page(s), page 1 counted {total_count} on "
                f"{page_count}); results may be missing, read again", snapshot.url,
            )
        ids = {_same_inspection(record.id) for record in page.records}
        if page_number > 1 and ids <= seen_ids:
            raise LayoutChangedError(snapshot.url, f"new results on page {page_number} (it repeats earlier pages)")
        repeated = ids & seen_ids
        if repeated:
            raise ScrapingError(
                f"search {search!r}: the register changed while it was read (page {page_number} repeats "
                f"inspection(s) {', '.join(sorted(repeated))} from an earlier page, so the rows shifted); "
                f"results may be missing, read again", snapshot.url,
            )
        seen_ids |= ids
        records.extend(page.records)
        page_number += 1
    if len(seen_ids) < total_count:
        raise ScrapingError(
            f"search {search!r} gave {len(seen_ids)} results on {page_count} page(s), but the register counts "
            f"{total_count}: the results would be incomplete", snapshots[-1].url,
        )
    return snapshots, dedupe(records)
