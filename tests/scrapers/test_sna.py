"""SNA export adapter: column detection, row reading, lookups, dossier mapping, fetching."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import re
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
from openpyxl import load_workbook

from eligibility._dossier import Link, LinkMethod, SnaCertificate, SnaModule, SnaNorm, SnaStatus
from eligibility._errors import FetchError, LayoutChangedError
from scrapers import sna
from scrapers._store import Snapshot

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "registers" / "sna"
URL = "https://www.normeringarbeid.nl/snakeurmerk/gecertificeerde-ondernemingen/export"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sna_make_fixtures", FIXTURES / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()
TBA, AANNEMING = gen.TBA, gen.AANNEMING
SHORT_HEADERS = ("Naam", "KvK-nummer", "Plaats", "Activiteit")


def workbook(
    rows: Sequence[Sequence[object]], headers: Sequence[str] = SHORT_HEADERS, **options: object
) -> bytes:
    return gen.workbook_bytes(rows, headers=headers, **options)


def parse(body: bytes) -> sna.SnaExport:
    return sna.parse_export(body, URL)


@pytest.fixture(scope="module")
def small() -> sna.SnaExport:
    return parse((FIXTURES / "sna-export-small.xlsx").read_bytes())


# --- the committed fixture -----------------------------------------------------------------


def test_fixture_header_is_recorded_as_found(small: sna.SnaExport) -> None:
    assert small.header_row_index == 1
    assert small.header_row == gen.HEADERS
    assert small.sheet_title == "Gecertificeerde ondernemingen"
    chosen = {field: (c.letter, c.header, c.keyword) for field, c in small.column_map.items()}
    assert chosen == {
        "kvk": ("B", "KvK-nummer", "kvk nummer"),
        "module": ("G", "Activiteit", "activiteit"),
        "norm": ("H", "Norm", "norm"),
        "name": ("A", "Naam onderneming", "naam"),
        "address": ("C", "Adres", "adres"),
        "place": ("E", "Plaats", "plaats"),
    }


def test_fixture_rows(small: sna.SnaExport) -> None:
    first = small.rows[0]
    assert first == sna.SnaRow(
        row_number=2,
        kvk_number="34123456",
        name="Flexkracht Noord B.V.",
        place="Groningen",
        address="Industrieweg 12",
        modules=(SnaModule.TBA,),
        modules_raw=TBA,
        status=SnaStatus.GECERTIFICEERD,
        norm=SnaNorm.NEN_4400_1,
    )
    assert [row.row_number for row in small.rows] == [2, 3, 4, 5, 6, 7, 8, 12]
    assert [row.kvk_number for row in small.rows] == [
        "34123456", "01085927", "09876543", "56789012", None, "71234567", "71234567", "45678901",
    ]
    assert small.rows[-1].name == "Schoonmaak & Zorg Flex B.V."


def test_fixture_foreign_company_without_kvk_is_kept_for_name_linking(small: sna.SnaExport) -> None:
    foreign = next(row for row in small.rows if row.kvk_number is None)
    assert (foreign.name, foreign.place) == ("Pracownicy Sp. z o.o.", "Warszawa")
    assert foreign.norm == SnaNorm.NEN_4400_2
    assert foreign.address == "ul. Długa 5"


def test_fixture_bad_rows_are_reported_not_dropped(small: sna.SnaExport) -> None:
    assert small.rejected == (
        sna.SnaRejectedRow(
            9, "KvK number '1234-567' is not 1 to 8 digits", "1234-567", "Foutieve Invoer B.V."
        ),
        sna.SnaRejectedRow(10, "no company name", "60000001", None),
    )


def test_generator_is_deterministic_and_matches_the_committed_fixture() -> None:
    built = gen.workbook_bytes(gen.small_rows())
    assert built == gen.workbook_bytes(gen.small_rows())
    assert built == (FIXTURES / "sna-export-small.xlsx").read_bytes(), "rerun make_fixtures.py"


# --- header detection ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (("Bedrijfsnaam", "KvK nummer", "Vestigingsadres", "Vestigingsplaats", "Werkzaamheden"),
         {"name": 0, "kvk": 1, "address": 2, "place": 3, "module": 4}),
        (("Onderneming", "Kamer van Koophandel", "Straat", "Woonplaats", "Module"),
         {"name": 0, "kvk": 1, "address": 2, "place": 3, "module": 4}),
        (("KVKNUMMER", "NAAM", "ACTIVITEITEN", "ADRES", "PLAATS"),
         {"kvk": 0, "name": 1, "module": 2, "address": 3, "place": 4}),
        # Accents and stray spaces; contact columns next to the real ones are not taken.
        ((" Naam contactpersoon", "E-mailadres", "Naam ", "KvK", "Adres", "Plaats", "Activiteit(en)",
          "Telefoon"),
         {"name": 2, "kvk": 3, "address": 4, "place": 5, "module": 6}),
        (("Naam onderneming", "KvK-nummer onderneming", "Activitéit", "Plaats"),
         {"name": 0, "kvk": 1, "module": 2, "place": 3}),
    ],
)
def test_header_wordings(headers: tuple[str, ...], expected: dict[str, int]) -> None:
    values = {"name": "Flex B.V.", "kvk": 12345678, "address": "Weg 1", "place": "Venlo", "module": TBA}
    row = [None] * len(headers)
    for field, column in expected.items():
        row[column] = values[field]
    export = parse(workbook([row], headers=headers))
    assert {field: choice.index for field, choice in export.column_map.items()} == expected
    assert export.header_row == headers
    (parsed,) = export.rows
    assert (parsed.name, parsed.kvk_number, parsed.modules) == ("Flex B.V.", "12345678", (SnaModule.TBA,))
    assert parsed.place == ("Venlo" if "place" in expected else None)
    assert parsed.address == ("Weg 1" if "address" in expected else None)


def test_header_below_a_title_block() -> None:
    preamble = [("SNA-register: gecertificeerde ondernemingen",), ("Export van 20-11-2026",), ()]
    export = parse(workbook([("Flex B.V.", 12345678, "Venlo", TBA)], preamble=preamble))
    assert export.header_row_index == 4
    assert export.header_row == SHORT_HEADERS
    assert [row.row_number for row in export.rows] == [5]


def test_header_is_looked_for_in_the_first_ten_rows_only() -> None:
    row = ("Flex B.V.", 12345678, "Venlo", TBA)
    found = parse(workbook([row], preamble=[("titel",)] * (sna.HEADER_SEARCH_ROWS - 1)))
    assert found.header_row_index == sna.HEADER_SEARCH_ROWS
    assert found.rows[0].row_number == sna.HEADER_SEARCH_ROWS + 1
    with pytest.raises(LayoutChangedError, match="no column for 'name', 'kvk', 'module'"):
        parse(workbook([row], preamble=[("titel",)] * sna.HEADER_SEARCH_ROWS))


@pytest.mark.parametrize(
    ("headers", "missing"),
    [
        (("Naam", "Plaats", "Activiteit"), "'kvk'"),
        (("Naam", "KvK-nummer", "Plaats"), "'module'"),
        (("KvK-nummer", "Plaats", "Activiteit"), "'name'"),
        (("Handelsregister", "Vestiging", "Soort"), "'name', 'kvk', 'module'"),
    ],
)
def test_missing_required_column_names_it_and_lists_the_headers(
    headers: tuple[str, ...], missing: str
) -> None:
    with pytest.raises(LayoutChangedError) as caught:
        parse(workbook([("a", "b", "c")], headers=headers))
    message = str(caught.value)
    assert f"SNA export: no column for {missing} among headers {list(headers)}" in message
    assert caught.value.url == URL


def test_a_blank_sheet_is_a_layout_change() -> None:
    with pytest.raises(LayoutChangedError, match="blank in its first 10 rows"):
        parse(workbook([], headers=()))


def test_header_with_no_rows_is_a_valid_empty_export() -> None:
    export = parse(workbook([]))
    assert export.rows == ()
    assert export.rejected == ()
    assert export.header_row == SHORT_HEADERS


# --- cells and rows ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (1085927, "01085927"),  # an int cell lost the leading zero
        (123, "00000123"),
        (34123456, "34123456"),
        (34123456.0, "34123456"),
        ("01085927", "01085927"),
        (" 1085927 ", "01085927"),
        (None, None),
        ("", None),
    ],
)
def test_kvk_numbers(cell: object, expected: str | None) -> None:
    (row,) = parse(workbook([("Flex B.V.", cell, "Venlo", TBA)])).rows
    assert row.kvk_number == expected


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        (123456789, "KvK number '123456789' is not 1 to 8 digits"),
        ("000038509504", "KvK number '000038509504' is not 1 to 8 digits"),
        ("1234 5678", "KvK number '1234 5678' is not 1 to 8 digits"),
        ("n.v.t.", "KvK number 'n.v.t.' is not 1 to 8 digits"),
        (12345.5, "KvK number '12345.5' is not 1 to 8 digits"),
        (-5, "KvK number '-5' is not 1 to 8 digits"),
        (0, "KvK number '0' is not 1 to 8 digits"),
        (True, "KvK number 'True' is not 1 to 8 digits"),
    ],
)
def test_bad_kvk_rejects_the_row_and_the_others_still_parse(cell: object, reason: str) -> None:
    rows = [
        ("Goed B.V.", 11111111, "Venlo", TBA),
        ("Fout B.V.", cell, "Venlo", TBA),
        ("Ook Goed B.V.", 22222222, "Venlo", TBA),
    ]
    export = parse(workbook(rows))
    assert [row.name for row in export.rows] == ["Goed B.V.", "Ook Goed B.V."]
    (bad,) = export.rejected
    assert (bad.row_number, bad.reason, bad.name) == (3, reason, "Fout B.V.")


def test_row_without_activity_is_rejected_and_blank_rows_are_skipped() -> None:
    rows = [("Flex B.V.", 11111111, "Venlo", None), (None, None, None, None), ("", "  ", None, None),
            ("Aantal ondernemingen: 1", None, None, None)]
    export = parse(workbook(rows))
    assert export.rows == ()
    assert [(bad.row_number, bad.reason) for bad in export.rejected] == [
        (2, "no activity (module)"), (5, "no activity (module)"),
    ]


@pytest.mark.parametrize(
    ("text", "modules"),
    [
        ("Ter beschikking stellen van arbeid", (SnaModule.TBA,)),
        ("ter beschikking stellen van arbeid (TBA)", (SnaModule.TBA,)),
        ("TBA", (SnaModule.TBA,)),
        ("Terbeschikkingstelling van arbeid", (SnaModule.TBA,)),
        ("Aanneming van werk", (SnaModule.AANNEMING,)),
        ("AANNEMING VAN WERK", (SnaModule.AANNEMING,)),
        (f"{TBA}, {AANNEMING}", (SnaModule.TBA, SnaModule.AANNEMING)),
        (f"{AANNEMING} / {TBA}", (SnaModule.TBA, SnaModule.AANNEMING)),
        (f"{AANNEMING} (NEN 4400-1)", (SnaModule.AANNEMING,)),
        (f"NEN 4400-1 / NEN 4400-2 {TBA}", (SnaModule.TBA,)),
        ("Ter beschikking stellen", (SnaModule.TBA,)),
        ("Module TBA en module aanneming", (SnaModule.TBA, SnaModule.AANNEMING)),
    ],
)
def test_module_normalisation_keeps_the_raw_text(text: str, modules: tuple[SnaModule, ...]) -> None:
    (row,) = parse(workbook([("Flex B.V.", 12345678, "Venlo", text)])).rows
    assert row.modules == modules
    assert row.modules_raw == text


@pytest.mark.parametrize(
    "text",
    [
        "Uitzenden en detacheren",  # may well be labour supply under a name not known
        "Bemiddeling",  # no module in REGISTERS.md; was read as "no modules", i.e. "no TBA"
        "Stabalisatie",  # "tba" inside a word is not TBA
        f"{AANNEMING}, Uitzenden",  # a known module beside an unknown one: TBA not ruled out
        "-",
        # Words beside TBA qualify it in a way not known: read as TBA, the row would pass a lender
        # whose certificate may not cover it (a status, a negation, an unknown activity).
        "TBA (opgeschort)",
        f"{TBA} - geschorst",
        f"{TBA} (ingetrokken per 01-03-2026)",
        f"{AANNEMING} (geen ter beschikking stellen van arbeid)",
        f"Niet: {TBA}",
        f"{TBA} en Bemiddeling",
    ],
)
def test_an_unrecognised_activity_rejects_the_row_instead_of_reading_no_tba(text: str) -> None:
    """Principle 1: a text that names no known module is not "no TBA" (the lender would fail
    no_labour_supply_module); the row is rejected, and for the partner that is unknown."""
    export = parse(workbook([("Flex B.V.", 12345678, "Venlo", text)]))
    assert export.rows == ()
    assert [(bad.row_number, bad.reason, bad.kvk_text) for bad in export.rejected] == [
        (2, f"unrecognised activity (module) {text!r}", "12345678"),
    ]


def test_without_status_column_every_row_is_certified(small: sna.SnaExport) -> None:
    assert {row.status for row in small.rows} == {SnaStatus.GECERTIFICEERD}


def test_status_column() -> None:
    headers = (*SHORT_HEADERS, "Status")
    rows = [
        ("A B.V.", 11111111, "Venlo", TBA, "Gecertificeerd"),
        ("B B.V.", 22222222, "Venlo", TBA, "aangemeld"),
        ("C B.V.", 33333333, "Venlo", TBA, "Opgeschort"),
        ("D B.V.", 44444444, "Venlo", TBA, "DOORGEHAALD"),
        ("E B.V.", 55555555, "Venlo", TBA, "Niet gecertificeerd"),
        ("F B.V.", 66666666, "Venlo", TBA, None),
        ("G B.V.", 77777777, "Venlo", TBA, " gecertificeerd "),
    ]
    export = parse(workbook(rows, headers=headers))
    assert export.column_map["status"].index == 4
    assert [row.status for row in export.rows] == [
        SnaStatus.GECERTIFICEERD, SnaStatus.AANGEMELD, SnaStatus.OPGESCHORT, SnaStatus.DOORGEHAALD,
        SnaStatus.GECERTIFICEERD,
    ]
    assert [(bad.row_number, bad.reason, bad.kvk_text) for bad in export.rejected] == [
        (6, "unknown status 'Niet gecertificeerd'", "55555555"),
        (7, "empty status", "66666666"),
    ]


@pytest.mark.parametrize(
    "text",
    ["Gecertificeerd (opgeschort)", "Gecertificeerd tot 01-05-2026", "gecertificeerd; aangemeld", "Gecertificeerd*",
     "Opgeschort per 01-03-2026", "Gecertificeerd, module TBA"],
)
def test_a_status_with_more_than_a_known_spelling_rejects_the_row(text: str) -> None:
    """Only the whole text is matched: a status that starts with "Gecertificeerd" but says more
    (suspended, until a date, a footnote mark) is not read as certified."""
    export = parse(workbook([("A B.V.", 11111111, "Venlo", TBA, text)], headers=(*SHORT_HEADERS, "Status")))
    assert export.rows == ()
    assert [(bad.reason, bad.kvk_text) for bad in export.rejected] == [(f"unknown status {text!r}", "11111111")]


@pytest.mark.parametrize("header", ["Certificering", "Certificaatstatus", "Status certificaat", "Certificeringsstatus"])
def test_status_column_found_by_other_header_words(header: str) -> None:
    """A status column headed "Certificering" must not leave every row "gecertificeerd"."""
    headers = ("Naam onderneming", "KvK-nummer", "Plaats", "Activiteit", "Norm", header)
    rows = [
        ("Flexwerk Voorbeeld B.V.", "01234567", "Venlo", TBA, "NEN 4400-1", "Aangemeld"),
        ("Snelwerk Personeel B.V.", "70209458", "Tilburg", TBA, "NEN 4400-1", "Opgeschort"),
    ]
    export = parse(workbook(rows, headers=headers))
    assert export.column_map["status"].index == 5
    assert [row.status for row in export.rows] == [SnaStatus.AANGEMELD, SnaStatus.OPGESCHORT]


@pytest.mark.parametrize("header", ["Certificeringsdatum", "Datum certificering", "Certificeringsinstelling"])
def test_a_certification_date_or_body_column_is_not_a_status(header: str) -> None:
    """Guard for the keyword above: these hold dates and names, never a status."""
    export = parse(workbook([("A B.V.", 11111111, "Venlo", TBA, "2025-03-01")], headers=(*SHORT_HEADERS, header)))
    assert "status" not in export.column_map
    assert [row.status for row in export.rows] == [SnaStatus.GECERTIFICEERD] and export.rejected == ()


def test_status_words_in_an_unrecognised_column_are_a_layout_change() -> None:
    """No column is recognised as status, yet one holds "Opgeschort": reading every row as
    certified would be false, so the parse fails and names the column and row. (An unmapped column
    saying "Gecertificeerd" is a status column too: row 2 is refused first.)"""
    headers = (*SHORT_HEADERS, "Stand van zaken")
    rows = [("A B.V.", 11111111, "Venlo", TBA, None), ("B B.V.", 22222222, "Venlo", TBA, "Opgeschort")]
    with pytest.raises(LayoutChangedError, match=r"column E \('Stand van zaken'\) holds status 'Opgeschort' in row 3"):
        parse(workbook(rows, headers=headers))


@pytest.mark.parametrize(
    ("header", "value"),
    [("Certificaat", "Niet gecertificeerd"), ("Certificaat", "Ingetrokken"), ("Certificaat", "Geschorst"),
     ("Certificaat", "Verlopen"), ("Certificaat", "In aanmelding"), ("Opmerking", "Certificaat ingetrokken"),
     ("Certificaat", "Gecertificeerd")],
)
def test_a_status_like_value_in_an_unmapped_column_is_a_layout_change(header: str, value: str) -> None:
    """No status column was recognised, yet an unmapped column holds status-like values
    ("Niet gecertificeerd", "Geschorst"): defaulting every row to certified would be a guess."""
    rows = [("A B.V.", 11111111, "Venlo", TBA, "Gecertificeerd"), ("B B.V.", 22222222, "Venlo", TBA, value)]
    if value == "Gecertificeerd":
        rows = rows[:1]
    with pytest.raises(LayoutChangedError, match=r"column E .* but no status column was recognised"):
        parse(workbook(rows, headers=(*SHORT_HEADERS, header)))


@pytest.mark.parametrize("value", ["Beëindigd", "Beeindigd", "Inactief", "Gestopt", "Ingetrokken"])
@pytest.mark.parametrize("status", [(), ("Status",)], ids=["no-status-column", "status-column"])
def test_ended_status_values_in_an_unmapped_column_are_a_layout_change(value: str, status: tuple[str, ...]) -> None:
    """Stems for an ended certificate ("Beëindigd", "Inactief", "Gestopt"), with or without a
    recognised status column: the row must not read as certified."""
    headers = (*SHORT_HEADERS, *status, "Stand")
    row = ("A B.V.", 11111111, "Venlo", TBA, *("Gecertificeerd" for _ in status), value)
    with pytest.raises(LayoutChangedError, match=rf"\('Stand'\) holds status {value!r} in row 2"):
        parse(workbook([row], headers=headers))


@pytest.mark.parametrize("status", [(), ("Status",)], ids=["no-status-column", "status-column"])
def test_unmapped_columns_without_status_words_are_left_alone(status: tuple[str, ...]) -> None:
    headers = (*SHORT_HEADERS, *status, "Land", "Postcode", "Ingangsdatum", "Certificeringsdatum")
    row = ("A B.V.", 11111111, "Venlo", TBA, *("Gecertificeerd" for _ in status), "Polska", "1234 AB", "2019-05-01",
           "2025-03-01")
    export = parse(workbook([row], headers=headers))
    assert [row.status for row in export.rows] == [SnaStatus.GECERTIFICEERD] and export.rejected == ()


@pytest.mark.parametrize("status", [(), ("Status",)])
def test_a_certifying_body_s_name_is_no_status(status: tuple[str, ...]) -> None:
    """"Normcheck Certificering B.V." holds the stem "certifi": in a column naming the certifying body it is a
    name, and the whole SNA section must not fail on it."""
    headers = (*SHORT_HEADERS, *status, "Certificerende instelling")
    row = ("A B.V.", 11111111, "Venlo", TBA, *("Gecertificeerd" for _ in status), "Normcheck Certificering B.V.")
    export = parse(workbook([row], headers=headers))
    assert [row.status for row in export.rows] == [SnaStatus.GECERTIFICEERD] and export.rejected == ()


@pytest.mark.parametrize(
    ("header", "value", "word"),
    [("Opgeschort", "Ja", "opgeschort"), ("Geschorst", "J", "geschorst"), ("Actief", "Nee", "actief"),
     ("Gecertificeerd", "Nee", "gecertificeerd"), ("Doorgehaald", "Ja", "doorgehaald"),
     ("Aangemeld", "Nee", "aangemeld"), ("Certificaat geldig tot", "01-01-2020", "geldig"),
     ("Geldig tot", "2020-01-01", "geldig"), ("Einddatum certificaat", "2020-01-01", "einddatum"),
     ("Vervaldatum", "2020-01-01", "vervaldatum"), ("Verloopt op", "2020-01-01", "verloop"),
     ("Beëindigd per", "2020-01-01", "beeindig")],
)
def test_a_status_or_validity_header_on_an_unmapped_column_is_a_layout_change(
    header: str, value: str, word: str
) -> None:
    """The values ("Ja", "Nee", a past date) hold no status word, but the header says they decide
    whether the certificate holds: reading every row as certified would be a guess in the
    lender's favour, so the export is refused, rows or no rows."""
    headers = (*SHORT_HEADERS, header)
    rows = [("A B.V.", 11111111, "Venlo", TBA, value)]
    message = rf"column E \({header!r}\) is headed like a status or validity \({word!r}\)"
    with pytest.raises(LayoutChangedError, match=message):
        parse(workbook(rows, headers=headers))
    with pytest.raises(LayoutChangedError, match=message):
        parse(workbook([], headers=headers))


def test_a_second_status_column_beside_the_recognised_one_is_a_layout_change() -> None:
    """"Statustoelichting" is not taken as the status (the "Status" column is): its remark
    "Opgeschort per 1-3-2026" beside "Gecertificeerd" must not be ignored."""
    headers = (*SHORT_HEADERS, "Status", "Statustoelichting")
    rows = [("A B.V.", 11111111, "Venlo", TBA, "Gecertificeerd", "Opgeschort per 1-3-2026")]
    with pytest.raises(LayoutChangedError, match=r"column F \('Statustoelichting'\) is headed like a status"):
        parse(workbook(rows, headers=headers))


def test_status_words_in_an_unmapped_column_beside_a_status_column_are_a_layout_change() -> None:
    """The unmapped columns' values are scanned also when a status column was recognised."""
    headers = (*SHORT_HEADERS, "Status", "Opmerking")
    rows = [("A B.V.", 11111111, "Venlo", TBA, "Gecertificeerd", None),
            ("B B.V.", 22222222, "Venlo", TBA, "Gecertificeerd", "Opgeschort per 1-3-2026")]
    with pytest.raises(
        LayoutChangedError,
        match=r"column F \('Opmerking'\) holds status 'Opgeschort per 1-3-2026' in row 3, beside status column E "
              r"\('Status'\)",
    ):
        parse(workbook(rows, headers=headers))


def test_norm_from_its_column_or_from_the_activity_text() -> None:
    with_column = parse(workbook(
        [("A", 1, "x", TBA, "NEN 4400-1"), ("B", 2, "x", TBA, "NEN4400-2"), ("C", 3, "x", TBA, None)],
        headers=(*SHORT_HEADERS, "Norm"),
    ))
    assert [row.norm for row in with_column.rows] == [SnaNorm.NEN_4400_1, SnaNorm.NEN_4400_2, None]
    inferred = parse(workbook([("A", 1, "x", f"{TBA} (NEN 4400-2)"), ("B", 2, "x", TBA)]))
    assert [row.norm for row in inferred.rows] == [SnaNorm.NEN_4400_2, None]


def test_a_cell_naming_both_norms_shows_neither() -> None:
    """Which norm the certificate holds is then not shown: the first named used to decide, so
    "NEN 4400-1 / NEN 4400-2" failed a foreign partner on NEN 4400-1."""
    export = parse(workbook(
        [("A", 1, "x", TBA, "NEN 4400-1 / NEN 4400-2"), ("B", 2, "x", TBA, "NEN 4400-2 en NEN 4400-1"),
         ("C", 3, "x", TBA, "NEN 4400-2, NEN4400-2")],
        headers=(*SHORT_HEADERS, "Norm"),
    ))
    assert [row.norm for row in export.rows] == [None, None, SnaNorm.NEN_4400_2]
    inferred = parse(workbook([("A", 1, "x", f"{TBA} (NEN 4400-1 en NEN 4400-2)")]))
    assert [row.norm for row in inferred.rows] == [None]


def test_inline_strings_read_the_same_as_shared_strings(small: sna.SnaExport) -> None:
    inline = parse(gen.workbook_bytes(gen.small_rows(), shared_strings=False))
    assert inline.rows == small.rows
    assert inline.rejected == small.rejected


def test_a_wrong_dimension_tag_does_not_cut_rows_off() -> None:
    """Some writers record a stale sheet size; openpyxl read_only would stop reading there."""
    body = workbook([(f"Flex {i} B.V.", 10000000 + i, "Venlo", TBA) for i in range(5)])
    parts = _zip_parts(body)
    parts["xl/worksheets/sheet1.xml"], count = re.subn(
        rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', parts["xl/worksheets/sheet1.xml"]
    )
    assert count == 1
    export = parse(_zip(parts))
    assert [row.kvk_number for row in export.rows] == [f"{10000000 + i}" for i in range(5)]
    assert export.rows[0].modules == (SnaModule.TBA,)


def test_openpyxl_warnings_about_other_writers_do_not_fail_the_parse(small: sna.SnaExport) -> None:
    """Files from other libraries often lack a default cell style; openpyxl warns on them."""
    parts = _zip_parts((FIXTURES / "sna-export-small.xlsx").read_bytes())
    parts["xl/styles.xml"], count = re.subn(rb"<cellStyles.*</cellStyles>", b"", parts["xl/styles.xml"])
    assert count == 1
    body = _zip(parts)
    with pytest.warns(UserWarning, match="no default style"):
        load_workbook(io.BytesIO(body), read_only=True).close()
    assert parse(body).rows == small.rows


# --- unreadable bodies ---------------------------------------------------------------------


def _zip_parts(body: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _without(name: str) -> bytes:
    parts = _zip_parts((FIXTURES / "sna-export-small.xlsx").read_bytes())
    del parts[name]
    return _zip(parts)


def _damaged_sheet() -> bytes:
    parts = _zip_parts((FIXTURES / "sna-export-small.xlsx").read_bytes())
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"][:-200]
    return _zip(parts)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"Naam;KvK-nummer\nFlex;12345678\n", id="csv"),
        pytest.param(b"<!DOCTYPE html><html><body>Even geduld...</body></html>", id="html"),
        pytest.param((FIXTURES / "sna-export-small.xlsx").read_bytes()[:2000], id="truncated"),
        pytest.param(_zip({"readme.txt": b"not a workbook"}), id="zip-not-xlsx"),
        pytest.param(_damaged_sheet(), id="sheet-xml-cut-off"),
    ],
)
def test_unreadable_bytes_are_a_layout_change(body: bytes) -> None:
    with pytest.raises(LayoutChangedError, match="SNA export: not a readable .xlsx workbook") as caught:
        parse(body)
    assert caught.value.url == URL


def test_workbook_without_worksheet() -> None:
    with pytest.raises(LayoutChangedError, match="SNA export: the workbook has no worksheet"):
        parse(_without("xl/worksheets/sheet1.xml"))


def test_flipped_bytes_never_escape_as_other_errors() -> None:
    original = (FIXTURES / "sna-export-small.xlsx").read_bytes()
    for position in range(0, len(original), max(1, len(original) // 97)):
        damaged = bytearray(original)
        damaged[position] ^= 0xFF
        try:
            parse(bytes(damaged))
        except LayoutChangedError:
            pass


# --- lookups and the dossier ---------------------------------------------------------------


def test_index_by_kvk(small: sna.SnaExport) -> None:
    index = sna.index_by_kvk(small)
    assert sorted(index) == ["01085927", "09876543", "34123456", "45678901", "56789012", "71234567"]
    assert [row.row_number for row in index["71234567"]] == [7, 8]


def test_find(small: sna.SnaExport) -> None:
    found = sna.find(small, "01085927")
    assert found is not None and found.name == "Uitzendbureau De Brug B.V."
    assert sna.find(small, "99999999") is None
    assert sna.find(small, "1085927") is None  # the key is the 8-digit text


def test_find_merges_one_company_listed_once_per_module(small: sna.SnaExport) -> None:
    merged = sna.find(small, "71234567")
    assert merged is not None
    assert merged.modules == (SnaModule.TBA, SnaModule.AANNEMING)
    assert merged.modules_raw == f"{TBA}; {AANNEMING}"
    assert merged.row_number == 7
    assert (merged.status, merged.norm) == (SnaStatus.GECERTIFICEERD, SnaNorm.NEN_4400_1)


def test_find_keeps_the_least_favourable_status_and_drops_a_disputed_norm() -> None:
    rows = [("A B.V.", 11111111, "x", TBA, "Gecertificeerd", "NEN 4400-1"),
            ("A B.V.", 11111111, "x", AANNEMING, "Opgeschort", "NEN 4400-2")]
    export = parse(workbook(rows, headers=(*SHORT_HEADERS, "Status", "Norm")))
    merged = sna.find(export, "11111111")
    assert merged is not None
    assert (merged.status, merged.norm) == (SnaStatus.OPGESCHORT, None)


def test_to_certificate(small: sna.SnaExport) -> None:
    row = sna.find(small, "56789012")
    assert row is not None
    link = Link(method=LinkMethod.KVK)
    certificate = sna.to_certificate(row, link)
    assert certificate == SnaCertificate(
        kvk_number="56789012",
        name="Agro Seizoenswerk B.V.",
        status=SnaStatus.GECERTIFICEERD,
        norm=SnaNorm.NEN_4400_1,
        modules=[SnaModule.TBA, SnaModule.AANNEMING],
        place="Naaldwijk",
        link=link,
    )


def test_to_certificate_without_kvk_number(small: sna.SnaExport) -> None:
    foreign = next(row for row in small.rows if row.kvk_number is None)
    link = Link(method=LinkMethod.NAME, score=92.0, matched_name=foreign.name)
    certificate = sna.to_certificate(foreign, link)
    assert (certificate.kvk_number, certificate.norm, certificate.link) == (None, SnaNorm.NEN_4400_2, link)


# --- fetching ------------------------------------------------------------------------------


class FakeClient:
    """Answers every get with one prepared response; records the calls."""

    def __init__(self, body: bytes, status: int = 200) -> None:
        self.body, self.status = body, status
        self.calls: list[tuple[str, str]] = []

    def get(self, url: str, *, register: str, params: dict[str, str] | None = None,
            headers: dict[str, str] | None = None) -> Snapshot:
        self.calls.append((url, register))
        return Snapshot(
            sha256=hashlib.sha256(self.body).hexdigest(),
            url=url,
            retrieved_at=datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
            status=self.status,
            headers={"content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
            register=register,
            body=self.body,
        )


def test_fetch_export() -> None:
    body = (FIXTURES / "sna-export-small.xlsx").read_bytes()
    client = FakeClient(body)
    snapshot, export = sna.fetch_export(client)  # type: ignore[arg-type]
    assert client.calls == [(sna.EXPORT_URL, "sna")]
    assert snapshot.body == body
    assert len(export.rows) == 8
    provenance = snapshot.provenance(sna.PARSER_VERSION)
    assert (provenance.source, provenance.parser_version, provenance.url) == ("sna", "sna/3", sna.EXPORT_URL)


@pytest.mark.parametrize("status", [403, 404])
def test_fetch_export_http_error(status: int) -> None:
    with pytest.raises(FetchError, match=f"SNA export: HTTP {status}"):
        client = FakeClient(b"<html>weg</html>", status=status)
        sna.fetch_export(client, "https://example.test/export")  # type: ignore[arg-type]


def test_fetch_export_of_an_html_page_is_a_layout_change() -> None:
    with pytest.raises(LayoutChangedError, match="not a readable .xlsx"):
        sna.fetch_export(FakeClient(b"<!DOCTYPE html><html>cookies</html>"))  # type: ignore[arg-type]
