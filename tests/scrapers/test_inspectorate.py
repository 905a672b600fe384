"""Labour Inspectorate adapter: parsing, dedupe, mapping and paging on our own fixtures."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest

from eligibility._dossier import FineKind, Law, Link, LinkMethod
from eligibility._errors import FetchError, LayoutChangedError, ScrapingError
from scrapers import inspectorate
from scrapers.inspectorate import (
    ASSUMED_FINE,
    InspectionFinding,
    InspectionRecord,
    classify_sanction,
    dedupe,
    fetch_all,
    normalise_law,
    parse_amount,
    parse_branch_number,
    parse_date,
    parse_kvk,
    parse_page,
    to_results,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "registers" / "inspectorate"
URL = "https://resultaten.nlarbeidsinspectie.nl/api/inspecties?searchString=Voorbeeld&currentPage=1"
LINK = Link(method=LinkMethod.KVK)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def page(name: str) -> inspectorate.InspectionPage:
    return parse_page(fixture(name), URL)


# --- parse_page -------------------------------------------------------------------------------


def test_page_one_reads_counts_and_every_inspection() -> None:
    result = page("search_page_1.json")
    assert (result.page_count, result.total_count) == (2, 4)
    assert [r.id for r in result.records] == ["48213", "48107", "47950"]
    first = result.records[0]
    assert first.company_name == "Flexwerk Voorbeeld B.V."
    assert (first.company_place, first.inspection_place) == ("Venlo", "Horst aan de Maas")
    assert first.inspection_date == date(2024, 3, 5)
    assert first.kvk_number == "01234567"
    assert first.found == {"kvk_number": "KvkNummer", "sanction": "Sanctie", "amount_eur": "Boetebedrag"}
    assert first.unrecognised == () and first.notes == ()
    wav, wml = first.findings
    assert (wav.law, wav.violation, wav.sanction, wav.sanction_source, wav.amount_eur) == (
        Law.WAV, True, FineKind.FINE, "Sanctie", 16000.0,
    )
    assert (wml.law, wml.violation, wml.sanction, wml.amount_eur) == (Law.WML, False, FineKind.NO_VIOLATION, None)
    assert wml.result_text == "Geen overtreding vastgesteld"


def _one_result(**fields: object) -> bytes:
    """A page with one inspection of one Wav result, its fields as given."""
    entry = {"Omschrijving": "Wet arbeid vreemdelingen", "OmschrijvingKort": "Wav", **fields}
    item = {"Id": 1, "Bedrijfsnaam": "X B.V.", "BedrijfPlaats": "Venlo", "Inspectieplaats": "Venlo",
            "Inspectiedatum": "2025-03-05T00:00:00", "Inspectieresultaten": [entry]}
    return json.dumps({"SearchResultInfo": {"PageCount": 1, "TotalCount": 1}, "Results": [item]}).encode()


@pytest.mark.parametrize(("sanction", "result", "kind", "source", "noted"), [
    ("Waarschuwing", "Overtreding vastgesteld, boete opgelegd", FineKind.FINE, "Resultaat", True),
    ("Boete", "Overtreding vastgesteld, bedrijf stilgelegd (stillegging)", FineKind.SHUTDOWN, "Resultaat", True),
    ("Stillegging", "Overtreding vastgesteld, boete opgelegd", FineKind.SHUTDOWN, "Sanctie", False),
    ("Waarschuwing", "Overtreding vastgesteld", FineKind.WARNING, "Sanctie", False),
])
def test_a_sanction_field_milder_than_the_result_text_does_not_make_it_milder(
        sanction: str, result: str, kind: FineKind, source: str, noted: bool) -> None:
    """A fine read as a warning could pass B3.f: the graver of field and text counts, with a note."""
    (record,) = parse_page(_one_result(Sanctie=sanction, Resultaat=result), URL).records
    (finding,) = record.findings
    assert (finding.sanction, finding.sanction_source) == (kind, source)
    assert bool(record.notes) is noted
    if noted:
        assert "the graver counts" in record.notes[0]


def test_stillegging_in_the_sanction_field_is_a_shutdown() -> None:
    (finding,) = page("search_page_1.json").records[1].findings
    assert (finding.law, finding.sanction, finding.sanction_source) == (Law.WAADI, FineKind.SHUTDOWN, "Sanctie")
    assert page("search_page_1.json").records[1].kvk_number is None


def test_page_two_reads_day_first_date_padded_kvk_text_amount_and_publication_date() -> None:
    (record,) = page("search_page_2.json").records
    assert record.inspection_date == date(2022, 9, 12)
    assert record.kvk_number == "01234567"
    (finding,) = record.findings
    assert finding.amount_eur == 9600.0
    assert finding.publication_date == date(2023, 2, 1)
    assert (finding.sanction, finding.sanction_source) == (FineKind.FINE, ASSUMED_FINE)
    assert record.found["publication_date"] == "Publicatiedatum"


def test_unknown_fields_and_unreadable_values_are_recorded_not_guessed() -> None:
    (record,) = page("duplicate_findings.json").records
    assert record.id == "c3f1a2d4-7b1e-4f0a-9c55-0e2b8d6a1f90"
    assert record.unrecognised == ("Vestigingsnummer",)
    assert record.notes == (
        "Results[0].Inspectieresultaten[5].Boetebedrag: value 'onbekend' not understood as amount_eur; ignored",
    )
    assert all(f.amount_eur is None for f in record.findings)
    assert "amount_eur" not in record.found


def test_laws_are_read_from_the_long_description_when_the_short_one_is_empty() -> None:
    (record,) = page("duplicate_findings.json").records
    assert [f.law for f in record.findings] == [Law.WAV] * 4 + [Law.WML] * 3 + [Law.OTHER]


def test_empty_search_is_a_valid_empty_page() -> None:
    result = page("empty.json")
    assert (result.records, result.page_count, result.total_count) == ([], 0, 0)


def test_changed_layout_names_url_and_what_is_missing() -> None:
    with pytest.raises(LayoutChangedError) as caught:
        page("changed_layout.json")
    assert caught.value.url == URL
    assert caught.value.missing == "SearchResultInfo"
    assert str(caught.value) == f"layout changed: SearchResultInfo ({URL})"


def _valid() -> dict:
    return json.loads(fixture("search_page_1.json"))


def _without(path: tuple, key: str) -> bytes:
    data = _valid()
    target = data
    for step in path:
        target = target[step]
    del target[key]
    return json.dumps(data).encode()


def _with(path: tuple, key: str, value: object) -> bytes:
    data = _valid()
    target = data
    for step in path:
        target = target[step]
    target[key] = value
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        (b"<!doctype html><html><body>Not found</body></html>", "a JSON body (SearchResultInfo, Results)"),
        (b"[]", "SearchResultInfo"),
        (_without((), "Results"), "Results"),
        (_with((), "Results", {"items": []}), "Results"),
        (_without(("SearchResultInfo",), "PageCount"), "SearchResultInfo.PageCount as a count"),
        (_with(("SearchResultInfo",), "TotalCount", "4"), "SearchResultInfo.TotalCount as a count"),
        (_without(("Results", 1), "Id"), "Results[1].Id"),
        (_without(("Results", 0), "Bedrijfsnaam"), "Results[0].Bedrijfsnaam"),
        (_without(("Results", 2), "Inspectiedatum"), "Results[2].Inspectiedatum"),
        (_with(("Results", 2), "Inspectiedatum", "juni 2023"), "Results[2].Inspectiedatum as a date (got 'juni 2023')"),
        (_without(("Results", 0), "Inspectieresultaten"), "Results[0].Inspectieresultaten as a list"),
        (_without(("Results", 0, "Inspectieresultaten", 1), "Resultaat"), "Results[0].Inspectieresultaten[1].Resultaat"),
        (
            _with(("Results", 0, "Inspectieresultaten", 1), "Resultaat", "In behandeling"),
            "Results[0].Inspectieresultaten[1].Resultaat in a known wording (got 'In behandeling')",
        ),
        (
            _with(("Results", 1, "Inspectieresultaten", 0), "Omschrijving", None)
            .replace(b'"OmschrijvingKort": "Waadi"', b'"OmschrijvingKort": ""'),
            "Results[1].Inspectieresultaten[0].Omschrijving or OmschrijvingKort",
        ),
    ],
)
def test_each_missing_structure_raises_with_its_name(body: bytes, missing: str) -> None:
    with pytest.raises(LayoutChangedError) as caught:
        parse_page(body, URL)
    assert caught.value.missing == missing
    assert caught.value.url == URL


# --- value parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05T00:00:00", date(2024, 3, 5)),
        ("2024-03-05", date(2024, 3, 5)),
        ("2024-03-05T22:30:00.000Z", date(2024, 3, 5)),  # a moment with a zone: its Dutch calendar date
        ("2024-03-05T00:00:00+01:00", date(2024, 3, 5)),
        ("2024-03-04T23:00:00Z", date(2024, 3, 5)),  # midnight in Dutch (winter) time: 5 March
        ("2024-07-04T22:00:00Z", date(2024, 7, 5)),  # summer time, UTC+2
        ("2024-03-04T22:59:59Z", date(2024, 3, 4)),
        ("2024-03-04T23:00:00+0000", date(2024, 3, 5)),
        ("2024-03-04 23:00:00Z", date(2024, 3, 5)),  # a space for the "T": the same moment
        ("05-03-2024", date(2024, 3, 5)),
        ("5-3-2024", date(2024, 3, 5)),
        ("05/03/2024", date(2024, 3, 5)),
        ("03/04/2025", date(2025, 4, 3)),  # [assumed] day-first, as on the Dutch site: 3 April
        ("13/04/2025", date(2025, 4, 13)),  # a day above 12: only day-first can read it
        ("31.12.2024", date(2024, 12, 31)),
        (" 29-02-2024 ", date(2024, 2, 29)),
        ("\t03/04/2025\n", date(2025, 4, 3)),
        ("05-03/2024", None),  # mixed separators: no known shape
        ("5 maart 2024", None),
        ("", None),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("03/13/2025", "not a valid day-month-year date"),  # month 13: month-first? never swapped
        ("12/31/2024", "not a valid day-month-year date"),
        (" 04/13/2024 ", "not a valid day-month-year date"),
        ("29-02-2023", "not a valid day-month-year date"),
        ("00/01/2024", "not a valid day-month-year date"),
        ("03/05/24", "two-digit year"),
        ("3.4.25", "two-digit year"),
    ],
)
def test_parse_date_refuses_a_slash_date_that_is_not_a_valid_day_first_date(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_date(text)


@pytest.mark.parametrize(
    "text",
    ["2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-02-30T00:00:00", "2024-02-30T10:00:00Z",
     "2024-04-31T00:00:00+02:00", "2024-03-05T25:00:00", "2024-03-05T10:60:00Z", " 2024-02-30 "],
)  # fmt: skip
def test_parse_date_refuses_an_iso_date_that_does_not_exist_naming_it(text: str) -> None:
    """As None, an optional date became an "ignored" note: the decision went on without it."""
    with pytest.raises(ValueError, match=re.escape(f"date '{text.strip()}' does not exist")):
        parse_date(text)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        # day-first would be month 13: the site may write month-first, every other date would be wrong too
        ("Inspectiedatum", "09/13/2022", r"Results\[0\]\.Inspectiedatum: date '09/13/2022' is not a valid"),
        ("Publicatiedatum", "02/13/2023", r"Results\[0\]\.Inspectieresultaten\[0\]\.Publicatiedatum: date '02/13/2023' is not"),
        # a date that does not exist: as None, an optional one became an "ignored" note
        ("Inspectiedatum", "2022-09-31T00:00:00", r"Results\[0\]\.Inspectiedatum: date '2022-09-31T00:00:00' does not exist"),
        ("Publicatiedatum", "2023-02-29T00:00:00",
         r"Results\[0\]\.Inspectieresultaten\[0\]\.Publicatiedatum: date '2023-02-29T00:00:00' does not exist"),
    ],
)  # fmt: skip
def test_a_date_refused_fails_the_page_naming_the_field_rather_than_becoming_a_note(
    field: str, value: str, message: str
) -> None:
    data = json.loads(fixture("search_page_2.json"))
    data["Results"][0][field] = value
    with pytest.raises(ValueError, match=message):
        parse_page(json.dumps(data).encode(), URL)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (16000, 16000.0),
        (8000.5, 8000.5),
        ("€ 12.000,00", 12000.0),
        ("EUR 9.600,-", 9600.0),
        ("1.500", 1500.0),
        ("12000", 12000.0),
        ("340,50", 340.5),
        ("12000.50", 12000.5),
        ("onbekend", None),
        (-5, None),
        (True, None),
        (None, None),
    ],
)
def test_parse_amount(value: object, expected: float | None) -> None:
    assert parse_amount(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("01234567", "01234567"), ("0123 4567", "01234567"), ("\u0661" * 8, None), (1234567, "01234567"), ("1234567", None), (123456789, None), (True, None),
     # a label before the number, as the site may write it: read as that number, never guessed
     ("KvK 68750110", "68750110"), ("68 75 01 10", "68750110"), ("6875.0110", "68750110"), ("KvK-nummer: 68750110", "68750110"),
     ("kvk nr. 68750110", "68750110"), ("K.v.K. 68750110", "68750110"), (" KvK:68750110 ", "68750110"),
     ("KvK 6875011", None), ("KvK 687501101", None), ("68750110a", None), ("6875-0110", None), ("2024-03-05", None),
     ("Vestiging 68750110", None), ("000037178598", None)],
)  # fmt: skip
def test_parse_kvk(value: object, expected: str | None) -> None:
    assert parse_kvk(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("000037178598", "000037178598"), ("KvK 000037178598", "000037178598"), ("0000 3717 8598", "000037178598"),
     (37178598000, "037178598000"), (123456789, "000123456789"), (37178598, None), ("68750110", None),
     ("00003717859", None), ("0000371785980", None), ("\u0661" * 12, None), (True, None)],
)  # fmt: skip
def test_parse_branch_number(value: object, expected: str | None) -> None:
    """12 digits; a JSON number of 8 digits or fewer is a KvK number (``parse_kvk``), not a branch."""
    assert parse_branch_number(value) == expected


@pytest.mark.parametrize(
    ("written", "kvk_number", "branch_number", "found"),
    [
        ("KvK 01234567", "01234567", None, "kvk_number"),
        ("0123 4567", "01234567", None, "kvk_number"),
        ("000037178598", None, "000037178598", "branch_number"),
    ],
)
def test_a_kvk_field_with_a_label_or_a_branch_number_is_read_not_noted_away(
    written: str, kvk_number: str | None, branch_number: str | None, found: str
) -> None:
    """Before, "KvK 01234567" and a 12-digit vestigingsnummer became a note nobody read, and the
    record was linked by name only, or dropped."""
    record = parse_page(_with(("Results", 0), "KvkNummer", written), URL).records[0]
    assert (record.kvk_number, record.branch_number) == (kvk_number, branch_number)
    assert record.found[found] == "KvkNummer" and record.notes == ()


@pytest.mark.parametrize(
    ("written", "from_int"),
    [(37178598, True), (1234567, True), ("37178598", False), ("KvK 01234567", False), (True, False),
     (123456789, False), ("000037178598", False)],  # a 12-digit branch number is no KvK number
)  # fmt: skip
def test_a_record_says_whether_its_kvk_number_came_as_a_json_number(written: object, from_int: bool) -> None:
    """A JSON number lost its leading zeros: 37178598 may be branch "000037178598" (the pipeline
    checks the partner's branches); before, nothing told it apart from the text "37178598"."""
    record = parse_page(_with(("Results", 0), "KvkNummer", written), URL).records[0]
    assert record.kvk_number_from_int is from_int


def test_a_kvk_field_in_no_known_shape_is_noted_and_never_guessed() -> None:
    record = parse_page(_with(("Results", 0), "KvkNummer", "KvK 6875011"), URL).records[0]
    assert (record.kvk_number, record.branch_number) == (None, None)
    assert record.notes == ("Results[0].KvkNummer: value 'KvK 6875011' not understood as kvk_number; ignored",)


@pytest.mark.parametrize(
    ("texts", "law"),
    [
        (("Wav",), Law.WAV),
        (("Wet arbeid vreemdelingen",), Law.WAV),
        (("WML",), Law.WML),
        (("Wet minimumloon en minimumvakantiebijslag",), Law.WML),
        (("Waadi",), Law.WAADI),
        (("Wet allocatie arbeidskrachten door intermediairs",), Law.WAADI),
        (("Arbeidsomstandighedenwet",), Law.ARBOWET),
        (("Arbowet",), Law.ARBOWET),
        (("Wtta",), Law.WTTA),
        (("Wet toelating terbeschikkingstelling arbeidskrachten",), Law.WTTA),
        (("Arbeidstijdenwet",), Law.OTHER),
        ((None, "Wet arbeid vreemdelingen"), Law.WAV),
        (("Tewerkstelling zonder vergunning", "Wet arbeid vreemdelingen"), Law.WAV),
        ((None, None), Law.OTHER),
    ],
)
def test_normalise_law(texts: tuple[str | None, ...], law: Law) -> None:
    assert normalise_law(*texts) is law


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Geen overtreding vastgesteld", FineKind.NO_VIOLATION),
        ("Overtreding niet vastgesteld", FineKind.NO_VIOLATION),
        ("Stillegging", FineKind.SHUTDOWN),
        ("Boete en stillegging van de werkzaamheden", FineKind.SHUTDOWN),
        ("Waarschuwing stillegging", FineKind.SHUTDOWN_WARNING),
        ("Voornemen tot stillegging", FineKind.SHUTDOWN_WARNING),
        ("Bestuurlijke boete", FineKind.FINE),
        ("Schriftelijke waarschuwing", FineKind.WARNING),
        ("Overtreding vastgesteld", None),
    ],
)
def test_classify_sanction(text: str, kind: FineKind | None) -> None:
    assert classify_sanction(text) is kind


# --- dedupe and mapping -----------------------------------------------------------------------


def test_dedupe_collapses_per_employee_listings_per_law_and_counts_them() -> None:
    (record,) = dedupe(page("duplicate_findings.json").records)
    assert [(f.law, f.sanction, f.violation, f.collapsed) for f in record.findings] == [
        (Law.WAV, FineKind.FINE, True, 3),
        (Law.WML, FineKind.FINE, True, 2),
        (Law.OTHER, FineKind.NO_VIOLATION, False, 0),
    ]
    assert dedupe([record]) == [record]


def test_dedupe_drops_an_inspection_listed_twice_without_counting_it_as_collapsed() -> None:
    records = page("search_page_1.json").records
    deduped = dedupe(records + records[:1])
    assert [r.id for r in deduped] == ["48213", "48107", "47950"]
    assert all(f.collapsed == 0 for r in deduped for f in r.findings)


def _finding(kind: FineKind, amount: float | None = None) -> InspectionFinding:
    return InspectionFinding(
        law=Law.WAV, law_text="Wav", result_text="Overtreding vastgesteld", violation=kind is not FineKind.NO_VIOLATION,
        sanction=kind, sanction_source="Sanctie", amount_eur=amount,
    )


def test_dedupe_keeps_the_most_severe_then_the_largest_amount() -> None:
    record = InspectionRecord(
        id="1", company_name="X", company_place=None, inspection_place=None, inspection_date=date(2024, 1, 1),
        kvk_number=None,
        findings=(_finding(FineKind.FINE, 8000), _finding(FineKind.SHUTDOWN), _finding(FineKind.FINE, 24000)),
    )
    (kept,) = dedupe([record])[0].findings
    assert (kept.sanction, kept.collapsed) == (FineKind.SHUTDOWN, 2)
    fines = InspectionRecord(**{**record.__dict__, "findings": record.findings[::2] + (_finding(FineKind.NO_VIOLATION),)})
    (kept,) = dedupe([fines])[0].findings
    assert (kept.sanction, kept.amount_eur, kept.collapsed) == (FineKind.FINE, 24000.0, 2)


def test_copies_of_one_inspection_that_differ_pool_their_findings() -> None:
    """Found by two names from searches stored at different times: an earlier "no violation" copy
    must not hide the fine a later copy shows, whichever comes first."""
    earlier = InspectionRecord(
        id="123", company_name="X", company_place=None, inspection_place=None, inspection_date=date(2025, 3, 1),
        kvk_number=None, findings=(_finding(FineKind.NO_VIOLATION),))
    later = InspectionRecord(**{**earlier.__dict__, "findings": (_finding(FineKind.FINE, 30000),)})
    for order in ([earlier, later], [later, earlier]):
        (kept,) = dedupe(order)
        assert [(f.sanction, f.amount_eur) for f in kept.findings] == [(FineKind.FINE, 30000.0)]


def test_copies_of_one_inspection_match_their_id_in_either_case() -> None:
    """A GUID id is one inspection whether it comes back in capitals or not: counted once."""
    lower = InspectionRecord(
        id="c3f1a2d4-7b1e", company_name="X", company_place=None, inspection_place=None,
        inspection_date=date(2025, 3, 1), kvk_number=None, findings=(_finding(FineKind.FINE, 30000),))
    upper = InspectionRecord(**{**lower.__dict__, "id": "C3F1A2D4-7B1E"})
    assert [record.id for record in dedupe([lower, upper])] == ["c3f1a2d4-7b1e"]


def test_copies_of_one_inspection_pool_their_notes() -> None:
    """The pipeline shows a record's notes: one copy's unreadable value must not vanish with that copy."""
    plain = InspectionRecord(
        id="123", company_name="X", company_place=None, inspection_place=None, inspection_date=date(2025, 3, 1),
        kvk_number=None, findings=(_finding(FineKind.FINE),))
    noted = InspectionRecord(**{**plain.__dict__, "notes": ("Results[0].KvkNummer: value 'x' not understood",)})
    for order in ([plain, noted], [noted, plain]):
        (kept,) = dedupe(order)
        assert kept.notes == noted.notes


def test_to_results_gives_one_result_per_law_with_the_inspection_date() -> None:
    results = to_results(page("search_page_1.json").records[0], LINK)
    assert [(r.law, r.kind, r.amount_eur) for r in results] == [
        (Law.WAV, FineKind.FINE, 16000.0),
        (Law.WML, FineKind.NO_VIOLATION, None),
    ]
    wav = results[0]
    assert wav.inspection_id == "48213"
    assert wav.inspection_start_date == date(2024, 3, 5)
    assert (wav.decision_date, wav.publication_date, wav.final) == (None, None, None)
    assert (wav.company_name, wav.place, wav.link) == ("Flexwerk Voorbeeld B.V.", "Venlo", LINK)


def test_to_results_collapses_duplicates_even_without_dedupe() -> None:
    (record,) = page("duplicate_findings.json").records
    results = to_results(record, LINK)
    assert [(r.law, r.kind) for r in results] == [
        (Law.WAV, FineKind.FINE), (Law.WML, FineKind.FINE), (Law.OTHER, FineKind.NO_VIOLATION),
    ]


def test_to_results_carries_shutdown_and_publication_date() -> None:
    (shutdown,) = to_results(page("search_page_1.json").records[1], LINK)
    assert (shutdown.law, shutdown.kind) == (Law.WAADI, FineKind.SHUTDOWN)
    (wml,) = to_results(page("search_page_2.json").records[0], LINK)
    assert (wml.publication_date, wml.inspection_start_date, wml.amount_eur) == (date(2023, 2, 1), date(2022, 9, 12), 9600.0)


# --- fetch_all --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeSnapshot:
    url: str
    status: int
    body: bytes
    register: str


@dataclass
class FakeClient:
    """Same ``get`` signature as scrapers._http.PoliteClient; serves bodies by currentPage."""

    pages: dict[str, bytes]
    status: int = 200
    calls: list[dict[str, str]] = field(default_factory=list)

    def get(
        self, url: str, *, register: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> FakeSnapshot:
        assert params is not None
        self.calls.append(params)
        return FakeSnapshot(f"{url}?{urlencode(params)}", self.status, self.pages[params["currentPage"]], register)


def test_fetch_all_reads_every_page_in_order() -> None:
    client = FakeClient({"1": fixture("search_page_1.json"), "2": fixture("search_page_2.json")})
    snapshots, records = fetch_all(client, "Voorbeeld")  # type: ignore[arg-type]
    assert client.calls == [
        {"searchString": "Voorbeeld", "currentPage": "1", "sortColumn": "Inspectie", "sortDescending": "true"},
        {"searchString": "Voorbeeld", "currentPage": "2", "sortColumn": "Inspectie", "sortDescending": "true"},
    ]
    assert [s.register for s in snapshots] == ["inspectorate", "inspectorate"]
    assert snapshots[0].url.startswith(inspectorate.SEARCH_URL + "?searchString=Voorbeeld&currentPage=1")
    assert [r.id for r in records] == ["48213", "48107", "47950", "46001"]


def test_fetch_all_dedupes_findings() -> None:
    _, (record,) = fetch_all(FakeClient({"1": fixture("duplicate_findings.json")}), "Oogst")  # type: ignore[arg-type]
    assert [f.collapsed for f in record.findings] == [3, 2, 0]


def test_fetch_all_of_an_empty_search_reads_one_page() -> None:
    client = FakeClient({"1": fixture("empty.json")})
    snapshots, records = fetch_all(client, "Niemand B.V.")  # type: ignore[arg-type]
    assert (len(snapshots), records, len(client.calls)) == (1, [], 1)


def test_fetch_all_refuses_more_pages_than_allowed() -> None:
    client = FakeClient({"1": fixture("search_page_1.json")})
    with pytest.raises(ScrapingError, match="has 2 pages \\(4 results\\), more than 1") as caught:
        fetch_all(client, "Voorbeeld", max_pages=1)  # type: ignore[arg-type]
    assert type(caught.value) is ScrapingError
    assert len(client.calls) == 1


def test_fetch_all_detects_an_ignored_page_parameter() -> None:
    client = FakeClient({"1": fixture("search_page_1.json"), "2": fixture("search_page_1.json")})
    with pytest.raises(LayoutChangedError, match="new results on page 2"):
        fetch_all(client, "Voorbeeld")  # type: ignore[arg-type]


def test_fetch_all_detects_an_empty_page_within_the_page_count() -> None:
    empty_page_two = json.dumps({"SearchResultInfo": {"PageCount": 2, "TotalCount": 4}, "Results": []}).encode()
    client = FakeClient({"1": fixture("search_page_1.json"), "2": empty_page_two})
    with pytest.raises(LayoutChangedError, match="results on page 2 of 2"):
        fetch_all(client, "Voorbeeld")  # type: ignore[arg-type]


def test_fetch_all_refuses_fewer_results_than_the_total_count() -> None:
    """A PageCount too small ends the paging early: the results missing are checked by count."""
    page_one = json.loads(fixture("search_page_1.json"))
    page_one["SearchResultInfo"]["PageCount"] = 1  # TotalCount still says 4; page 1 holds 3
    client = FakeClient({"1": json.dumps(page_one).encode()})
    with pytest.raises(ScrapingError, match="gave 3 results on 1 page\\(s\\), but the register counts 4"):
        fetch_all(client, "Voorbeeld")  # type: ignore[arg-type]
    assert len(client.calls) == 1


def test_fetch_all_raises_fetch_error_on_a_non_200_status() -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_all(FakeClient({"1": b"{}"}, status=404), "Voorbeeld")  # type: ignore[arg-type]


def test_fetch_all_refuses_an_empty_search() -> None:
    with pytest.raises(ValueError, match="empty search"):
        fetch_all(FakeClient({}), "  ")  # type: ignore[arg-type]


# --- fetch_all: the register changing between page reads ---------------------------------------


def _body(page_count: int, total_count: int, results: list[dict[str, object]]) -> bytes:
    return json.dumps({"SearchResultInfo": {"PageCount": page_count, "TotalCount": total_count}, "Results": results}).encode()


def _results(name: str) -> list[dict[str, object]]:
    results: list[dict[str, object]] = json.loads(fixture(name))["Results"]
    return results


def test_fetch_all_refuses_pages_whose_counts_changed_while_the_register_was_read() -> None:
    """Two rows a page. An inspection published between reading page 1 and page 2 shifts the rows:
    page 2 counts 3 pages / 5 results, repeats page 1's last row (48107) and the last inspection
    (46001, say the partner's shutdown) is never read. Before the fix the repeat was counted toward
    TotalCount (4 rows read, 4 expected) and 46001 silently vanished."""
    (a, b, c), (d,) = _results("search_page_1.json"), _results("search_page_2.json")
    client = FakeClient({"1": _body(2, 4, [a, b]), "2": _body(3, 5, [b, c]), "3": _body(3, 5, [d])})
    with pytest.raises(ScrapingError, match="changed while it was read .*page 2 counts 5 results on 3.*read again") as caught:
        fetch_all(client, "Voorbeeld")  # type: ignore[arg-type]
    assert type(caught.value) is ScrapingError
    assert "currentPage=2" in str(caught.value)
    assert len(client.calls) == 2


@pytest.mark.parametrize(("page_count", "total_count"), [(2, 5), (3, 4), (2, 3)])
def test_fetch_all_refuses_any_later_page_count_that_differs_from_page_one(page_count: int, total_count: int) -> None:
    page_two = _body(page_count, total_count, _results("search_page_2.json"))
    client = FakeClient({"1": fixture("search_page_1.json"), "2": page_two, "3": page_two})
    with pytest.raises(ScrapingError, match="changed while it was read") as caught:
        fetch_all(client, "Voorbeeld")  # type: ignore[arg-type]
    assert type(caught.value) is ScrapingError


def test_fetch_all_refuses_an_inspection_repeated_from_an_earlier_page_even_with_unchanged_counts() -> None:
    """One inspection published and one withdrawn between page reads: the counts stay 2 pages / 4
    results, but the rows shifted, so 47950 repeats on page 2 and one inspection was never read.
    Counting the repeat toward TotalCount would hide that."""
    first, second = _results("search_page_1.json"), _results("search_page_2.json")
    client = FakeClient({"1": fixture("search_page_1.json"), "2": _body(2, 4, [first[-1], *second])})
    with pytest.raises(ScrapingError, match="changed while it was read .*page 2 repeats inspection\\(s\\) 47950.*read again") as caught:
        fetch_all(client, "Voorbeeld")  # type: ignore[arg-type]
    assert type(caught.value) is ScrapingError


def test_fetch_all_sees_a_repeated_inspection_whose_id_came_back_in_another_case() -> None:
    """Paging compares ids as dedupe does: a GUID repeated in capitals is the same shifted row."""
    first, second = _results("search_page_1.json"), _results("search_page_2.json")
    repeated = {**first[-1], "Id": "ABC-47950"}
    page_one = _body(2, 4, [*first[:-1], {**first[-1], "Id": "abc-47950"}])
    client = FakeClient({"1": page_one, "2": _body(2, 4, [repeated, *second])})
    with pytest.raises(ScrapingError, match="page 2 repeats inspection\\(s\\) abc-47950"):
        fetch_all(client, "Voorbeeld")  # type: ignore[arg-type]


def test_fetch_all_compares_distinct_inspections_with_the_total_count() -> None:
    """Two rows of one inspection on a page whose TotalCount says 2: the second inspection is
    not there, so the read is incomplete."""
    (row,) = _results("search_page_2.json")
    client = FakeClient({"1": _body(1, 2, [row, row])})
    with pytest.raises(ScrapingError, match="gave 1 results on 1 page\\(s\\), but the register counts 2"):
        fetch_all(client, "Voorbeeld")  # type: ignore[arg-type]


def test_fetch_all_still_collapses_one_inspection_listed_twice_within_a_page() -> None:
    """The repeat check is across pages: within one page, copies of an inspection are deduped
    (findings pooled and collapsed) as before when the TotalCount counts the inspection once."""
    (row,) = _results("duplicate_findings.json")
    client = FakeClient({"1": _body(1, 1, [row, row])})
    _, (record,) = fetch_all(client, "Oogst")  # type: ignore[arg-type]
    assert [f.collapsed for f in record.findings] == [3, 2, 0]


def test_fetch_all_reads_three_pages_with_steady_counts() -> None:
    first, second = _results("search_page_1.json"), _results("search_page_2.json")
    new = {**first[0], "Id": 49999}
    client = FakeClient({
        "1": _body(3, 5, first[:2]), "2": _body(3, 5, [first[2], new]), "3": _body(3, 5, second),
    })
    _, records = fetch_all(client, "Voorbeeld")  # type: ignore[arg-type]
    assert [r.id for r in records] == ["48213", "48107", "47950", "49999", "46001"]
    assert len(client.calls) == 3
