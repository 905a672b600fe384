"""Partner lists as people make them: each fixture in fixtures/lists/ read row by row."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from eligibility._dossier import Role
from eligibility._screen._dossiers import roles_of
from eligibility._screen._lists import BadRow, ListError, PartnerList, PartnerRow, normalise_kvk, parse_roles

LISTS = Path(__file__).resolve().parents[1] / "fixtures" / "lists"


def _rows(path: Path) -> dict[int, PartnerRow | BadRow]:
    return {row.line: row for row in PartnerList(path).rows()}


def test_dutch_list_with_bom_semicolons_title_line_and_empty_lines() -> None:
    partners = PartnerList(LISTS / "partners-nl.csv")
    assert partners.info.delimiter == ";"
    assert partners.info.encoding == "utf-8-sig"
    assert partners.info.header_line == 2  # line 1 is a title
    assert partners.info.columns == {"name": "naam", "kvk": "kvk-nummer", "roles": "rol", "place": "plaats",
                                     "housing": "huisvestingslocaties"}
    rows = _rows(LISTS / "partners-nl.csv")
    assert sorted(rows) == [3, 4, 6, 7, 8, 9, 11, 12, 13]  # 5 (empty line) and 10 (";;;;") are no rows
    assert rows[3] == PartnerRow(3, "Fixture Uitzend B.V.", "68750110", (Role.UITLENER, Role.WERKGEVER), "Rotterdam",
                                 notes=("role(s) werkgever added from line(s) 13, which list the same KvK number: the "
                                        "party is judged in every role listed",))
    assert isinstance(rows[4], PartnerRow) and rows[4].kvk_number == "01234567" and rows[4].notes == ()
    brug = rows[6]
    assert isinstance(brug, PartnerRow)
    assert brug.kvk_number == "01085927"
    assert brug.notes == ("KvK number 1085927 padded to 01085927 (leading zeros lost in a spreadsheet)",)
    assert brug.roles == (Role.UITLENER, Role.HUISVESTER)
    assert brug.housing == ("Spoorweg 8, Venlo", "Kerkstraat 1, Venlo")


def test_dutch_list_bad_rows_name_their_line_and_reason() -> None:
    rows = _rows(LISTS / "partners-nl.csv")
    name_only = rows[7]
    assert isinstance(name_only, PartnerRow) and name_only.name_only and name_only.name == "Uitzendbureau De Brug B.V."
    bad = {line: row.reason for line, row in rows.items() if isinstance(row, BadRow)}
    assert bad == {
        8: "KvK number 123456789 has 9 digits; a KvK number has 8",
        9: "role 'schoonmaker' is not one of uitlener, huisvester, werkgever, dienstverlener",
        11: "neither a KvK number nor a name: nothing to look the partner up by",
        12: "KvK number 'Zn B.V.' is not a number of 8 digits (the line has 6 values where the header has 5: "
            "is the separator used inside a value without quotes?)",
    }
    assert rows[8].name == "Bouwbedrijf Ünal & Zonen"  # type: ignore[union-attr]
    duplicate = rows[13]
    assert isinstance(duplicate, PartnerRow)
    assert duplicate.notes == ("same KvK number as line 3",)
    assert duplicate.roles == (Role.UITLENER, Role.WERKGEVER)


def test_english_list_with_commas_quotes_and_float_kvk() -> None:
    partners = PartnerList(LISTS / "partners-en.csv")
    assert (partners.info.delimiter, partners.info.encoding, partners.info.header_line) == (",", "utf-8", 1)
    rows = _rows(LISTS / "partners-en.csv")
    assert sorted(rows) == [2, 3, 4, 5, 6, 7]  # the blank last line is no row
    assert rows[3].roles == (Role.UITLENER, Role.WERKGEVER)  # type: ignore[union-attr]
    assert rows[3].kvk_number == "01234567"  # type: ignore[union-attr]
    jansen = rows[4]
    assert isinstance(jansen, PartnerRow) and jansen.name == "Jansen, Zn B.V." and jansen.name_only
    assert jansen.roles == (Role.WERKGEVER,)
    brug = rows[5]
    assert isinstance(brug, PartnerRow) and brug.kvk_number == "01085927"
    assert brug.roles == (Role.UITLENER, Role.HUISVESTER)
    assert rows[6] == BadRow(6, "KvK number 'ABC123' is not a number of 8 digits", "Bad Number Ltd", "ABC123",
                             "lender", "Utrecht")
    assert isinstance(rows[7], BadRow) and "12 digits: a branch number" in rows[7].reason


def test_windows_1252_export_is_read_and_said() -> None:
    partners = PartnerList(LISTS / "partners-excel-cp1252.csv")
    assert partners.info.encoding == "windows-1252"
    assert partners.info.warnings == ["the file is not UTF-8: read as Windows-1252 (Excel's CSV on Windows)",
                                      "columns not used: 'Opmerking'"]
    rows = _rows(LISTS / "partners-excel-cp1252.csv")
    assert [r.name for r in rows.values()] == ["Café De Brug", "Uitzendbureau Zoë", "Hôtel Ünal"]
    assert rows[2].roles == (Role.HUISVESTER,)  # type: ignore[union-attr]
    assert rows[5].name_only  # type: ignore[union-attr]


def test_one_windows_1252_line_in_a_utf8_file_leaves_the_others_intact(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes("naam;kvk;rol\nZoë Flex;12345678;uitlener\n".encode() + "Café Één;23456789;werkgever\n".encode("cp1252"))
    partners = PartnerList(path)
    assert partners.info.warnings == ["not UTF-8, read as Windows-1252: line(s) 3; check accented letters there"]
    assert [r.name for r in partners.rows()] == ["Zoë Flex", "Café Één"]


def test_xlsx_with_numbers_that_lost_their_zeros() -> None:
    partners = PartnerList(LISTS / "partners.xlsx")
    assert (partners.info.format, partners.info.header_line) == ("xlsx", 3)
    rows = _rows(LISTS / "partners.xlsx")
    assert sorted(rows) == [4, 5, 7, 8, 9, 10, 12]  # rows 6 and 11 are empty
    assert rows[4].kvk_number == "68750110"  # type: ignore[union-attr]
    assert rows[5].kvk_number == "01234567"  # type: ignore[union-attr]  # int cell 1234567
    assert rows[7].kvk_number == "01085927"  # type: ignore[union-attr]  # float cell 1085927.0
    assert rows[7].roles == (Role.UITLENER, Role.HUISVESTER)  # type: ignore[union-attr]
    assert rows[8].name_only  # type: ignore[union-attr]
    assert {line: r.reason for line, r in rows.items() if isinstance(r, BadRow)} == {
        9: "KvK number cell holds a date (2024-01-05 00:00:00); format the column as text",
        10: "KvK number 123456789012 has 12 digits; a KvK number has 8 (12 digits: a branch number, vestigingsnummer?)",
        12: "no role given (uitlener, huisvester, werkgever or dienstverlener)",
    }


@pytest.mark.parametrize(("value", "expected"), [
    ("68750110", ("68750110", None, None)),
    (" 1085927 ", ("01085927", "KvK number 1085927 padded to 01085927 (leading zeros lost in a spreadsheet)", None)),
    (1085927, ("01085927", "KvK number 1085927 padded to 01085927 (leading zeros lost in a spreadsheet)", None)),
    (68750110.0, ("68750110", None, None)),
    ("68750110.0", ("68750110", "KvK number 68750110.0 read as 68750110 (a number printed with decimals)", None)),
    ("6875 0110", ("68750110", "KvK number 6875 0110 read as 68750110 (digit groups joined)", None)),
    ("68.750.110", ("68750110", "KvK number 68.750.110 read as 68750110 (digit groups joined)", None)),
    ("", (None, None, None)),
    (None, (None, None, None)),
    ("0", (None, None, "KvK number '0' is all zeros")),
    ("1234567890", (None, None, "KvK number 1234567890 has 10 digits; a KvK number has 8")),
    ("KvK 12345678", (None, None, "KvK number 'KvK 12345678' is not a number of 8 digits")),
    (1.5, (None, None, "KvK number 1.5 is not a whole number")),
    # what Excel does to a number column, and what can be undone without guessing a digit
    ("'68750110", ("68750110", None, None)),  # Excel's "this is text" apostrophe
    ('="01234567"', ("01234567", None, None)),  # Excel's text formula, to keep the zero
    # a non-breaking space between the groups
    ("6875\u00a00110", ("68750110", "KvK number 6875 0110 read as 68750110 (digit groups joined)", None)),
    ("1.234.567", ("01234567", "KvK number 1234567 padded to 01234567 (leading zeros lost in a spreadsheet)", None)),
    ("1 085 927", ("01085927", "KvK number 1085927 padded to 01085927 (leading zeros lost in a spreadsheet)", None)),
    ("6.8750110E+07", ("68750110", "KvK number 6.8750110E+07 read as 68750110 (Excel's scientific notation, "
                       "every digit shown)", None)),
    ("1,085927E+06", ("01085927", "KvK number 1,085927E+06 read as 1085927 (Excel's scientific notation, every "
                      "digit shown); KvK number 1085927 padded to 01085927 (leading zeros lost in a spreadsheet)",
                      None)),
    ("6.875011E+07", (None, None, "KvK number '6.875011E+07' is Excel's scientific notation, which does not show "
                      "every digit: format the KvK column as text (or as a number without decimals) and export "
                      "the list again")),
    ("6,875011E+07", (None, None, "KvK number '6,875011E+07' is Excel's scientific notation, which does not show "
                      "every digit: format the KvK column as text (or as a number without decimals) and export "
                      "the list again")),
    ("1.234", (None, None, "KvK number '1.234' is not a number of 8 digits")),  # 1234 or 1.234? not guessed
    # Dutch Excel's "Getal" format: a decimal comma
    ("68750110,00", ("68750110", "KvK number 68750110,00 read as 68750110 (a number printed with decimals)", None)),
    ("1085927,0", ("01085927", "KvK number 1085927 padded to 01085927 (leading zeros lost in a spreadsheet)", None)),
    ("68750110.00", ("68750110", "KvK number 68750110.00 read as 68750110 (a number printed with decimals)", None)),
    ("123.000", (None, None, "KvK number '123.000' is not a number of 8 digits")),  # 123 or 123000? not guessed
    ("123,000", (None, None, "KvK number '123,000' is not a number of 8 digits")),
])
def test_kvk_numbers(value: object, expected: tuple[str | None, str | None, str | None]) -> None:
    assert normalise_kvk(value) == expected


@pytest.mark.parametrize(("text", "roles"), [
    ("uitlener", (Role.UITLENER,)),
    ("Uitlener, Huisvester", (Role.UITLENER, Role.HUISVESTER)),
    ("uitlener;huisvester", (Role.UITLENER, Role.HUISVESTER)),
    ("werkgever / dienstverlener", (Role.WERKGEVER, Role.DIENSTVERLENER)),
    ("uitlener+huisvester+uitlener", (Role.UITLENER, Role.HUISVESTER)),
    ("uitlener en huisvester", (Role.UITLENER, Role.HUISVESTER)),
    ("employer and housing provider", (Role.WERKGEVER, Role.HUISVESTER)),
    ("uitlener\nhuisvester", (Role.UITLENER, Role.HUISVESTER)),  # Alt+Enter in one cell
    ("uitlener\r\nwerkgever", (Role.UITLENER, Role.WERKGEVER)),
])
def test_roles(text: str, roles: tuple[Role, ...]) -> None:
    assert parse_roles(text) == (roles, None)


def test_unknown_role_is_named() -> None:
    assert parse_roles("uitlener, kok") == ((), "role 'kok' is not one of uitlener, huisvester, werkgever, dienstverlener")


@pytest.mark.parametrize(("content", "reason"), [
    (b"foo;bar\n1;2\n", "no header found in the first 10 non-empty lines"),
    (b"naam;kvk;plaats\nA;12345678;Venlo\n", "no role column (rol/role/rollen) among the headers 'naam', 'kvk', 'plaats'"),
])
def test_a_list_without_usable_header_cannot_be_screened(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(content)
    with pytest.raises(ListError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        PartnerList(path)


def test_other_formats_are_refused_with_what_to_do(tmp_path: Path) -> None:
    old = tmp_path / "list.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ListError, match="save it as .xlsx or .csv"):
        PartnerList(old)
    broken = tmp_path / "list.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ListError, match="not a readable XLSX workbook"):
        PartnerList(broken)


def test_a_list_without_kvk_column_is_all_name_only(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("Bedrijfsnaam,Rollen,Stad\nFlex B.V.,uitlener,Venlo\n", encoding="utf-8")
    partners = PartnerList(path)
    assert "no KvK column: every row is linked by name and place only (name-only)" in partners.info.warnings
    (row,) = partners.rows()
    assert isinstance(row, PartnerRow) and row.name_only and row.place == "Venlo"


def test_an_unclosed_quote_is_one_error_row_and_swallows_no_other_row(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(b'naam;kvk;rol\nA;12345678;uitlener\n"B;23456789;uitlener\nD;34567890;werkgever\n'
                     b'"E"x;45678901;uitlener\nF;56789012;uitlener\n"G;67890123;uitlener\n')
    rows = list(PartnerList(path).rows())
    assert [r.line for r in rows] == [2, 3, 4, 5, 6, 7]
    assert rows[1] == BadRow(3, "not readable as CSV: a quote opened on this line is still open on line 5 "
                                "(';' expected after '\"')")
    assert isinstance(rows[2], PartnerRow) and rows[2].name == "D"  # not swallowed by the quote on line 3
    assert rows[3] == BadRow(5, "not readable as CSV: a value starts with a quote (\") and has more text after its "
                                "closing quote (';' expected after '\"'): put the whole value in quotes and double the "
                                'quotes inside it ("""De Zon"" B.V."), or remove the quotes',
                             name="Ex", kvk_text="45678901", roles_text="uitlener")  # shown, read leniently
    assert isinstance(rows[4], PartnerRow) and rows[4].name == "F"
    assert rows[5] == BadRow(7, "not readable as CSV: a quote (\") opened on this line is never closed (unexpected "
                                "end of data): close it, or remove it", name="G;67890123;uitlener")


@pytest.mark.parametrize(("header", "columns"), [
    ("Naam organisatie;KvK-nummer (8 cijfers);Rol;Plaats",
     {"name": "Naam organisatie", "kvk": "KvK-nummer (8 cijfers)", "roles": "Rol", "place": "Plaats"}),
    ("Naam;KvK;Rol(len);Plaats", {"name": "Naam", "kvk": "KvK", "roles": "Rol(len)", "place": "Plaats"}),
    ("Name;Chamber of Commerce;Role;City",
     {"name": "Name", "kvk": "Chamber of Commerce", "roles": "Role", "place": "City"}),
])
def test_headers_with_a_note_in_parentheses_and_more_words(tmp_path: Path, header: str,
                                                          columns: dict[str, str]) -> None:
    path = tmp_path / "list.csv"
    values = ["Fixture Uitzend B.V.", "68750110", "uitlener", "Rotterdam"][:header.count(";") + 1]
    path.write_text(f"{header}\n{';'.join(values)}\n", encoding="utf-8")
    partners = PartnerList(path)
    assert partners.info.columns == columns
    assert partners.info.warnings == []
    (row,) = partners.rows()
    assert isinstance(row, PartnerRow) and row.kvk_number == "68750110"


def test_a_header_named_twice_through_its_note_is_still_said(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("Naam;Naam (statutair);KvK;Rol\nA;A B.V.;68750110;uitlener\n", encoding="utf-8")
    partners = PartnerList(path)
    assert partners.info.warnings == [
        "repeated columns: 'Naam (statutair)' (also name; the first, 'Naam', is used)"]


# --- whole files that are no CSV list, or a CSV list as other programs write it ----------------------


def test_excel_unicode_text_utf16_with_tabs_is_read(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes("\ufeffNaam\tKvK-nummer\tRol\tPlaats\r\nFixture Uitzend B.V.\t68750110\tuitlener\tRotterdam\r\n"
                     "Café Zoë\t1234567\tuitlener\tVenlo\r\n".encode("utf-16-le"))
    partners = PartnerList(path)
    assert (partners.info.encoding, partners.info.delimiter, partners.info.header_line) == ("utf-16", "\t", 1)
    rows = _rows(path)
    assert [(line, r.name, r.kvk_number) for line, r in rows.items()] == [  # type: ignore[union-attr]
        (2, "Fixture Uitzend B.V.", "68750110"), (3, "Café Zoë", "01234567")]


def test_mixed_line_ends_lose_no_row_and_number_lines_as_an_editor_does(tmp_path: Path) -> None:
    """A list joined from a Windows (CRLF) and a Mac (CR) export: the bare CR used to stay inside a
    line, which the CSV reader refused, and the row after it was in no output."""
    path = tmp_path / "list.csv"
    path.write_bytes(b"naam;kvk-nummer;rol;plaats\r\nA;68750110;uitlener;Rotterdam\rB;01234567;uitlener;Venlo\r\n"
                     b"C;1085927;uitlener;Venlo\n")
    rows = _rows(path)
    assert [(line, r.name) for line, r in rows.items()] == [(2, "A"), (3, "B"), (4, "C")]
    assert all(isinstance(r, PartnerRow) for r in rows.values())


def test_a_line_break_typed_in_a_quoted_cell_of_a_mac_export_stays_in_the_cell(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(b'naam;kvk-nummer;rol;plaats\r"Fixture Uitzend\nB.V.";68750110;uitlener;Rotterdam\r'
                     b"B;01234567;uitlener;Venlo\r")
    rows = _rows(path)
    assert sorted(rows) == [2, 4]  # the record on line 2 spans lines 2 and 3
    assert rows[2].name == "Fixture Uitzend\nB.V." and isinstance(rows[4], PartnerRow)


def test_a_dos_end_of_file_mark_is_no_row(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(b"naam;kvk;rol\r\nA;68750110;uitlener\r\n\x1a")
    assert list(_rows(path)) == [2]


def test_the_values_of_a_line_the_csv_reader_refuses_are_shown_in_its_error_row(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(b'naam;kvk-nummer;rol;plaats\n"De Zon" B.V.;68750110;uitlener;Rotterdam\nB;01234567;uitlener;R\n')
    rows = _rows(path)
    bad = rows[2]
    assert isinstance(bad, BadRow) and (bad.name, bad.kvk_text, bad.roles_text, bad.place) == (
        "De Zon B.V.", "68750110", "uitlener", "Rotterdam")
    assert "put the whole value in quotes and double the quotes inside it" in bad.reason
    assert isinstance(rows[3], PartnerRow)


@pytest.mark.parametrize(("header", "columns"), [
    ("Handelsnaam;KvK-nummer;Rol;Plaatsnaam", {"name": "Handelsnaam", "kvk": "KvK-nummer", "roles": "Rol",
                                               "place": "Plaatsnaam"}),
    ("Naam;K.v.K.;Rol;Town/City", {"name": "Naam", "kvk": "K.v.K.", "roles": "Rol", "place": "Town/City"}),
    ("Naam;Inschrijvingsnummer KvK;Rol", {"name": "Naam", "kvk": "Inschrijvingsnummer KvK", "roles": "Rol"}),
    ("Na\u200bam;KvK;Rol", {"name": "Na\u200bam", "kvk": "KvK", "roles": "Rol"}),  # a zero-width space
])
def test_more_headers_people_use(tmp_path: Path, header: str, columns: dict[str, str]) -> None:
    path = tmp_path / "list.csv"
    values = ["Fixture Uitzend B.V.", "68750110", "uitlener", "Rotterdam"][:header.count(";") + 1]
    path.write_text(f"{header}\n{';'.join(values)}\n", encoding="utf-8")
    partners = PartnerList(path)
    assert partners.info.columns == columns
    row = next(partners.rows())
    assert isinstance(row, PartnerRow) and row.name == "Fixture Uitzend B.V." and row.kvk_number == "68750110"


def test_a_note_in_parentheses_after_a_role_is_not_read_and_the_row_says_so(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("naam;kvk;rol\nA;68750110;uitlener (ABU, NBBU)\nB;01234567;huisvester (lid NBBU)\n",
                    encoding="utf-8")
    rows = _rows(path)
    assert isinstance(rows[2], PartnerRow) and rows[2].roles == (Role.UITLENER,)
    assert rows[2].notes == ("role 'uitlener (ABU, NBBU)' read as uitlener; the note (ABU, NBBU) is not read",)
    assert isinstance(rows[3], PartnerRow) and rows[3].roles == (Role.HUISVESTER,)


@pytest.mark.parametrize("note", ["(uitzendbedrijf)", "(detachering)", "(payroll)", "(ook uitlenen)", "(kok)",
                                  "(lends workers)", "(uit-lener)"])
def test_a_note_beside_a_role_that_is_not_understood_makes_an_error_row(tmp_path: Path, note: str) -> None:
    """'werkgever (uitzendbedrijf)' was screened as an employer only: lending in other words, dropped with the note,
    and the lender floor with it (helper 46). Only notes naming associations or marks are dropped."""
    path = tmp_path / "list.csv"
    path.write_text(f"naam;kvk;rol\nA;68750110;werkgever {note}\n", encoding="utf-8")
    row = _rows(path)[2]
    assert isinstance(row, BadRow) and "is not understood" in row.reason


@pytest.mark.parametrize("cell", ["werkgever (uitlener)", "huisvester (ook uitzendbureaus)", "huisvester(uitlener)",
                                  "werkgever (zie opmerking: uitlener)", "werkgever (geen uitlener)"])
def test_a_note_in_parentheses_that_names_another_role_makes_an_error_row(tmp_path: Path, cell: str) -> None:
    """The note was dropped with the role it names: 'werkgever (uitlener)' was screened as an employer only, without
    the SNA and Wtta floor of lenders, and came out eligible (helper 42). Neither dropped nor guessed: refused."""
    path = tmp_path / "list.csv"
    path.write_text(f"naam;kvk;rol\nA;68750110;{cell}\n", encoding="utf-8")
    row = _rows(path)[2]
    assert isinstance(row, BadRow) and "names uitlener besides" in row.reason
    assert "write every role the partner has without parentheses" in row.reason


def test_a_note_naming_a_role_the_row_already_has_is_only_noted(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("naam;kvk;rol\nA;68750110;huisvester (housing only)\n", encoding="utf-8")
    row = _rows(path)[2]
    assert isinstance(row, PartnerRow) and row.roles == (Role.HUISVESTER,)


def test_one_kvk_number_listed_with_different_roles_is_judged_in_all_of_them(tmp_path: Path) -> None:
    """Listed once as lender and once as employer, the employer row skipped the lender floor and was eligible
    beside the lender row's not eligible, in one run (helper 42). Rows with the same roles are left as they are."""
    path = tmp_path / "list.csv"
    path.write_text("naam;kvk;rol\nA;33112233;uitlener\nA;33112233;werkgever\nB;68750110;huisvester\n"
                    "B;68750110;huisvester\nA;33112233;werkgever, uitlener\n", encoding="utf-8")
    rows = _rows(path)
    assert all(isinstance(row, PartnerRow) for row in rows.values())
    assert rows[2].roles == (Role.UITLENER, Role.WERKGEVER) and rows[3].roles == (Role.WERKGEVER, Role.UITLENER)
    assert rows[6].roles == (Role.WERKGEVER, Role.UITLENER) and not any("added" in n for n in rows[6].notes)
    assert "role(s) werkgever added from line(s) 3, 6" in rows[2].notes[-1]
    assert "role(s) uitlener added from line(s) 2, 6" in rows[3].notes[-1]
    assert rows[4].roles == rows[5].roles == (Role.HUISVESTER,)
    assert not any("added" in note for note in (*rows[4].notes, *rows[5].notes))


def test_an_unreadable_row_of_a_kvk_number_makes_its_other_rows_error_rows(tmp_path: Path) -> None:
    """The row listing the party as lender was an error row; its employer row was judged alone, without the lender
    floor, and came out eligible (helper 46)."""
    path = tmp_path / "list.csv"
    path.write_text("naam;kvk;rol\nA;11223344;uitlener (huisvester)\nA;11223344;werkgever\nB;68750110;werkgever\n",
                    encoding="utf-8")
    rows = _rows(path)
    assert isinstance(rows[2], BadRow) and isinstance(rows[3], BadRow) and isinstance(rows[4], PartnerRow)
    assert rows[3].reason.startswith("line 2 lists the same KvK number but cannot be read (the note (huisvester)")
    assert rows[3].kvk_text == "11223344" and rows[3].name == "A"


def test_housing_locations_of_one_kvk_number_on_several_rows_are_joined(tmp_path: Path) -> None:
    """Two rows of one party each named a location; the row whose location an application described was eligible
    while the other location was undescribed (helper 45)."""
    path = tmp_path / "list.csv"
    path.write_text("naam;kvk;rol;locaties\nA;68750110;huisvester;Kerkstraat 1 Tegelen\n"
                    "A;68750110;huisvester;Spoorweg 8 Venlo\n", encoding="utf-8")
    rows = _rows(path)
    assert rows[2].housing == ("Kerkstraat 1 Tegelen", "Spoorweg 8 Venlo")  # type: ignore[union-attr]
    assert rows[3].housing == ("Spoorweg 8 Venlo", "Kerkstraat 1 Tegelen")  # type: ignore[union-attr]
    assert "housing location(s) Spoorweg 8 Venlo added from line(s) 3" in rows[2].notes[-1]  # type: ignore[union-attr]


def test_a_name_only_row_of_the_same_name_adds_its_roles_and_locations_to_the_kvk_row(tmp_path: Path) -> None:
    """Listed once with its number as lender and once without it as housing provider, the KvK row escaped the
    housing criteria and was eligible (helper 51)."""
    path = tmp_path / "list.csv"
    path.write_text("naam;kvk;rol;locaties\nFixture Uitzend B.V.;68750110;uitlener;\n"
                    "fixture uitzend b.v.;;huisvester;Spoorweg 8, Rotterdam\n", encoding="utf-8")
    rows = _rows(path)
    assert rows[2].roles == (Role.UITLENER, Role.HUISVESTER)  # type: ignore[union-attr]
    assert rows[2].housing == ("Spoorweg 8, Rotterdam",)  # type: ignore[union-attr]
    assert "which list the same name without a KvK number" in rows[2].notes[-1]  # type: ignore[union-attr]
    assert rows[3].kvk_number is None and rows[3].roles == (Role.HUISVESTER,)  # type: ignore[union-attr]


def test_an_error_row_whose_kvk_cell_holds_the_number_among_words_still_belongs_to_the_party(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("naam;kvk;rol\nA;68750110;uitlener\nA;KvK 68750110;huisvester (uitzendbedrijf)\n",
                    encoding="utf-8")
    rows = _rows(path)
    assert isinstance(rows[3], BadRow) and isinstance(rows[2], BadRow)
    assert rows[2].reason.startswith("line 3 lists the same KvK number but cannot be read")


@pytest.mark.parametrize("header", ["naam;kvk;rol;rol", "naam;kvk;rol;tweede rol", "naam;kvk;rol;opmerking"])
def test_a_role_in_a_column_that_is_not_read_makes_an_error_row(tmp_path: Path, header: str) -> None:
    """A repeated 'rol' column, or 'tweede rol', was ignored with a warning: the huisvester role it gave was
    dropped and the partner eligible as lender only (helper 51)."""
    path = tmp_path / "list.csv"
    path.write_text(f"{header}\nA;68750110;uitlener;huisvester\nB;01234567;uitlener;uitlener\n", encoding="utf-8")
    rows = _rows(path)
    assert isinstance(rows[2], BadRow) and "which is not read, names huisvester besides uitlener" in rows[2].reason
    assert isinstance(rows[3], PartnerRow)  # the same role again says nothing new


def test_mac_excel_cr_only_line_ends_are_lines(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(b"naam;kvk;rol;plaats\rA;68750110;uitlener;R\r\rB;01234567;bad;R\r")
    rows = _rows(path)
    assert sorted(rows) == [2, 4]
    assert isinstance(rows[2], PartnerRow) and rows[2].kvk_number == "68750110"
    assert isinstance(rows[4], BadRow) and rows[4].reason.startswith("role 'bad'")


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("list.csv", b"", "empty file: no header and no rows"),
    ("list.csv", b"\n\r\n  \n", "empty file: only empty lines, no header and no rows"),
    ("list.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "this is a PDF, not a list: export the list from Excel "
     "as .xlsx or .csv"),
    ("list.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "this is a PDF, not a list: export the list from Excel "
     "as .xlsx or .csv"),
    ("list.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "this is an old Excel workbook (.xls)"),
])
def test_a_file_that_is_no_list_says_what_it_is(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ListError) as caught:
        PartnerList(path)
    assert caught.value.reason.startswith(reason)


def test_a_zip_that_is_no_workbook_says_so(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("content.xml", "<x/>")
    with pytest.raises(ListError, match="this is a ZIP archive, not a CSV list"):
        PartnerList(path)


def test_an_xlsx_workbook_named_csv_is_read_as_a_workbook(tmp_path: Path) -> None:
    path = _workbook(tmp_path, [("Partners", [HEADER, *PARTNERS], "visible")], name="list.csv")
    partners = PartnerList(path)
    assert partners.info.format == "xlsx"
    assert "the file is named .csv but is an XLSX workbook: read as a workbook" in partners.info.warnings
    assert [r.name for r in partners.rows()] == [p[0] for p in PARTNERS]


# --- XLSX: workbooks as Excel and other programs write them --------------------------------------------


HEADER = ["Naam", "KvK-nummer", "Rol", "Plaats"]
PARTNERS = [["Fixture Uitzend B.V.", 68750110, "uitlener", "Rotterdam"],
            ["Uitzendbureau De Brug B.V.", 1085927, "uitlener", "Venlo"],
            ["Flexwerk Voorbeeld B.V.", 1234567, "werkgever", "Venlo"]]


def _workbook(tmp_path: Path, sheets: list[tuple[str, list[list[object]], str]], name: str = "list.xlsx",
              patch: dict[str, Callable[[str], str]] | None = None) -> Path:
    """A workbook of (title, rows, state) sheets, its parts then edited as text to make what openpyxl won't write."""
    book = Workbook()
    book.remove(book.active)
    for title, rows, state in sheets:
        sheet = book.create_sheet(title)
        sheet.sheet_state = state
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / name
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for entry in source.infolist():
            body = source.read(entry)
            if patch and entry.filename in patch:
                changed = patch[entry.filename](body.decode("utf-8"))
                assert changed != body.decode("utf-8"), f"the patch of {entry.filename} changed nothing"
                body = changed.encode("utf-8")
            target.writestr(entry, body)
    return path


SHEET1 = "xl/worksheets/sheet1.xml"


def test_one_unreadable_number_cell_is_an_error_row_and_the_rows_after_it_are_read(tmp_path: Path) -> None:
    path = _workbook(tmp_path, [("Partners", [HEADER, *PARTNERS], "visible")],
                     patch={SHEET1: lambda xml: xml.replace("<v>1085927</v>", "<v>1085927,0</v>")})
    rows = _rows(path)
    assert sorted(rows) == [2, 3, 4]
    assert isinstance(rows[2], PartnerRow) and isinstance(rows[4], PartnerRow)
    bad = rows[3]
    assert isinstance(bad, BadRow) and (bad.name, bad.kvk_text, bad.roles_text) == (
        "Uitzendbureau De Brug B.V.", "1085927,0", "uitlener")
    assert bad.reason.startswith("cell B3 (column 'KvK-nummer') cannot be read (")
    assert "'1085927,0'" in bad.reason and bad.reason.endswith("): type the value again in Excel and save the file")


def test_a_bad_cell_in_a_column_that_is_not_used_is_no_error(tmp_path: Path) -> None:
    rows = [[*HEADER, "Opmerking"], [*PARTNERS[0], 5]]
    path = _workbook(tmp_path, [("Partners", rows, "visible")],
                     patch={SHEET1: lambda xml: xml.replace("<v>5</v>", "<v>5,5</v>")})
    (row,) = PartnerList(path).rows()
    assert isinstance(row, PartnerRow) and row.kvk_number == "68750110"


def test_a_sheet_that_cannot_be_read_further_names_the_row_where_reading_stopped(tmp_path: Path) -> None:
    def truncate(xml: str) -> str:
        return xml[:xml.index('<row r="3"')] + '<row r="3"><c r="A3" t="inlineStr"><is><t>Uitzend'

    path = _workbook(tmp_path, [("Partners", [HEADER, *PARTNERS], "visible")], patch={SHEET1: truncate})
    partners = PartnerList(path)
    stopped = [w for w in partners.info.warnings if "cannot be read after row 2" in w]
    assert len(stopped) == 1 and "rows after it were not read" in stopped[0]
    rows = list(partners.rows())
    assert [r.line for r in rows] == [2, 3]
    assert isinstance(rows[0], PartnerRow)
    assert isinstance(rows[1], BadRow) and rows[1].reason.startswith(
        "sheet 'Partners' cannot be read after row 2 (")
    assert rows[1].reason.endswith("rows after it were not read: open the file in Excel, save it and screen it again")


def _start_row3() -> list[tuple[str, list[list[object]], str]]:
    """Two empty rows, the header on row 3, an empty row 5: the sheet's used range starts at A3."""
    return [("Partners", [[], [], ["Naam", "KvK", "Rol", "Plaats"], PARTNERS[0], [], *PARTNERS[1:]], "visible")]


def test_rows_are_numbered_as_the_sheet_numbers_them(tmp_path: Path) -> None:
    path = _workbook(tmp_path, _start_row3())
    partners = PartnerList(path)
    assert partners.info.header_line == 3
    rows = _rows(path)
    assert sorted(rows) == [4, 6, 7]
    assert [rows[4].name, rows[6].name, rows[7].name] == [p[0] for p in PARTNERS]


def test_a_damaged_workbook_numbering_two_rows_alike_keeps_both(tmp_path: Path) -> None:
    """Two ``<row r="3">`` (and a later row numbered 1): each row once, a repeat numbered one after the row
    before it, saying so; the run's state keys rows by number and crashed on the repeat."""
    def renumber(xml: str) -> str:
        return xml.replace('<row r="4"', '<row r="3"', 1).replace('<row r="5"', '<row r="1"', 1)

    path = _workbook(tmp_path, [("Partners", [HEADER, *PARTNERS, ["Vierde B.V.", 1234568, "uitlener", "Ede"]],
                                 "visible")], patch={SHEET1: renumber})
    rows = list(PartnerList(path).rows())
    assert [r.line for r in rows] == [2, 3, 4, 5]  # in file order, numbers that only grow
    assert [r.name for r in rows] == [p[0] for p in PARTNERS] + ["Vierde B.V."]
    assert rows[2].notes[-1] == ("the workbook numbers this row 3, at or above a row before it (a damaged "  # type: ignore[union-attr]
                                 "file?): shown as row 4")
    assert rows[3].notes[-1].startswith("the workbook numbers this row 1, ")  # type: ignore[union-attr]


@pytest.mark.parametrize("dimension", ["A1", "A1:D4", "A3:B7"])
def test_a_wrong_dimension_tag_loses_no_row_and_no_column(tmp_path: Path, dimension: str) -> None:
    path = _workbook(tmp_path, _start_row3(), patch={
        SHEET1: lambda xml: re.sub(r'<dimension ref="A3:D7"\s*/>', f'<dimension ref="{dimension}"/>', xml)})
    rows = _rows(path)
    assert sorted(rows) == [4, 6, 7]
    assert all(isinstance(r, PartnerRow) and r.place for r in rows.values())


def test_hidden_sheets_and_sheets_without_header_are_skipped_and_named(tmp_path: Path) -> None:
    path = _workbook(tmp_path, [
        ("Lookup", [["code", "rol"], ["U", "uitlener"]], "hidden"),
        ("Oud", [HEADER, ["Oud B.V.", 12345678, "uitlener", "X"]], "hidden"),
        ("Toelichting", [["Vul de lijst in op het tabblad Partners"]], "visible"),
        ("Partners", [HEADER, *PARTNERS], "visible"),
    ])
    partners = PartnerList(path)
    assert [r.name for r in partners.rows()] == [p[0] for p in PARTNERS]
    assert partners.info.warnings == [
        "read sheet 'Partners', the first visible sheet with a header; not read: 'Lookup' (hidden), 'Oud' (hidden, "
        "has a partner list header and rows: if it is the list, unhide it or copy its rows to 'Partners'), "
        "'Toelichting' (no header)"]


def test_a_second_sheet_with_a_list_is_said_not_screened(tmp_path: Path) -> None:
    path = _workbook(tmp_path, [("Noord", [HEADER, *PARTNERS[:2]], "visible"),
                                ("Zuid", [[], HEADER, PARTNERS[2]], "visible"),
                                ("Leeg", [HEADER], "visible")])
    partners = PartnerList(path)
    assert [r.name for r in partners.rows()] == [p[0] for p in PARTNERS[:2]]
    assert partners.info.warnings == [
        "read sheet 'Noord', the first visible sheet with a header; not read: 'Zuid' (has a partner list header and "
        "rows: its rows are NOT screened; copy them to 'Noord' or save that sheet as its own file), "
        "'Leeg' (a header but no rows)"]


def test_a_workbook_without_a_visible_list_names_the_sheets_looked_at(tmp_path: Path) -> None:
    path = _workbook(tmp_path, [("Toelichting", [["Vul de lijst in"]], "visible"),
                                ("Oud", [HEADER, ["Oud B.V.", 12345678, "uitlener", "X"]], "hidden")])
    with pytest.raises(ListError) as caught:
        PartnerList(path)
    assert caught.value.reason == (
        "no header found in the first 10 non-empty rows of any visible sheet (looked at: 'Toelichting'; hidden, "
        "not read: 'Oud' (has a partner list header and rows: unhide it if it is the list)): expected at least two "
        "of naam/name, kvk/kvk-nummer/KvK number, rol/role, plaats/city")


def test_values_in_columns_without_header_are_ignored_with_one_warning(tmp_path: Path) -> None:
    rows: list[list[object]] = [HEADER, ["Fixture Uitzend B.V.", 68750110, "schoonmaker", "Rotterdam"],
                                [*PARTNERS[1], None, "bellen met Piet"], PARTNERS[2]]
    rows += [[]] * 5 + [[None] * 7 + ["x"]]  # a stray cell in H10
    path = _workbook(tmp_path, [("Partners", rows, "visible")])
    partners = PartnerList(path)
    assert partners.info.warnings == ["values in columns without a header were ignored: F (row 3), H (row 10)"]
    found = _rows(path)
    assert sorted(found) == [2, 3, 4]  # row 10 holds nothing but the stray cell
    assert found[2] == BadRow(2, "role 'schoonmaker' is not one of uitlener, huisvester, werkgever, dienstverlener",
                              "Fixture Uitzend B.V.", "68750110", "schoonmaker", "Rotterdam")
    assert isinstance(found[3], PartnerRow) and found[3].notes == (
        "KvK number 1085927 padded to 01085927 (leading zeros lost in a spreadsheet)",)


def test_a_formula_without_a_stored_result_and_an_excel_error_are_named(tmp_path: Path) -> None:
    rows: list[list[object]] = [[*HEADER, "nr"], ["Fixture Uitzend B.V.", "=E2", "uitlener", "Rotterdam", 68750110],
                                ["Uitzendbureau De Brug B.V.", "#N/A", "uitlener", "Venlo"],
                                ["Flexwerk Voorbeeld B.V.", 1234567, "uitlener", "Venlo", "=1/0"]]
    path = _workbook(tmp_path, [("Partners", rows, "visible")])
    found = _rows(path)
    assert found[2] == BadRow(2, "cell B2 (column 'KvK-nummer') is a formula without a stored result (=E2): open the "
                                 "file in Excel and save it, so that the results are stored", "Fixture Uitzend B.V.",
                              "=E2", "uitlener", "Rotterdam")
    assert isinstance(found[3], BadRow) and found[3].reason == (
        "cell B3 (column 'KvK-nummer') holds the Excel error #N/A: correct the cell in Excel")
    assert isinstance(found[4], PartnerRow)  # the formula is in a column that is not used


def test_a_workbook_is_parsed_once_and_every_pass_gives_the_same_rows(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The sheet's XML is parsed when the list is opened; the run, the progress count and the
    applications' check replay those rows (an unreadable cell and a date included)."""
    from eligibility._screen import _lists

    bad_cell = [*PARTNERS[1][:1], 1085927, "uitlener", "Venlo"]
    path = _workbook(tmp_path, [("Partners", [HEADER, PARTNERS[0], bad_cell, PARTNERS[2]], "visible")],
                     patch={SHEET1: lambda xml: xml.replace("<v>1085927</v>", "<v>1085927,0</v>")})
    parsed = []
    real = _lists._sheet_rows
    monkeypatch.setattr(_lists, "_sheet_rows", lambda *a, **k: (parsed.append(a[1].title), real(*a, **k))[1])
    partners = PartnerList(path)
    parses_to_open = len(parsed)
    first, second = list(partners.rows()), list(partners.rows())
    assert len(parsed) == parses_to_open, "rows() parsed the workbook again"
    assert first == second and [type(r) for r in first] == [PartnerRow, BadRow, PartnerRow]
    assert isinstance(first[1], BadRow) and "cell B3" in first[1].reason


def test_the_parsed_rows_file_is_removed_with_the_list(tmp_path: Path) -> None:
    import gc

    partners = PartnerList(_workbook(tmp_path, [("Partners", [HEADER, *PARTNERS], "visible")]))
    spooled = partners._spool.path
    assert spooled.is_file() and spooled.stat().st_size > 0
    del partners
    gc.collect()
    assert not spooled.exists()


def test_a_spool_not_recorded_to_its_end_is_not_replayed() -> None:
    from eligibility._screen._spool import RowSpool

    spool = RowSpool()
    rows = spool.record(iter([(1, ["a"], None), (2, ["b"], None)]))
    next(rows)
    with pytest.raises(RuntimeError, match="not recorded to its end"):
        list(spool.replay())
    assert list(rows) == [(2, ["b"], None)] and list(spool.replay()) == [(1, ["a"], None), (2, ["b"], None)]
    spool.close()
    assert not spool.path.exists()


# --- reviewed (helper f4): rows that belonged to a partner, or to the list, were dropped -------------------------


@pytest.mark.parametrize("between", ["", ";;;;\n", "\n"])
def test_a_continuation_row_under_a_partner_makes_its_rows_error_rows(tmp_path: Path, between: str) -> None:
    """Merged name and KvK cells (or cells left empty) under a lender: its housing row was an error row of its own
    and the lender row was eligible as lender only (review finding 1)."""
    path = tmp_path / "list.csv"
    path.write_text("naam;kvk-nummer;rol;plaats;huisvestingslocaties\nA;68750110;uitlener;Rotterdam;\n"
                    f"{between};;huisvester;;Zandstraat 14 Veldhoven\nA;68750110;werkgever;Rotterdam;\n"
                    "B;01234567;werkgever;Venlo;\n", encoding="utf-8")
    rows = _rows(path)
    gap = len(between.splitlines())
    assert [type(row) for row in rows.values()] == [BadRow, BadRow, BadRow, PartnerRow]
    continuation = rows[3 + gap]
    assert isinstance(continuation, BadRow) and continuation.roles_text == "huisvester"
    assert "looks like a continuation of line 2 (merged cells" in continuation.reason
    assert rows[2].reason.startswith(f"line {3 + gap} looks like a continuation of line 2")  # type: ignore[union-attr]
    assert rows[4 + gap].reason.startswith(f"line {3 + gap} looks like a continuation")  # type: ignore[union-attr]


def test_a_continuation_row_of_a_name_only_partner_makes_it_an_error_row(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("naam;kvk;rol;locaties\nA;;uitlener;\n;;;Zandstraat 14 Veldhoven\nB;01234567;werkgever;\n",
                    encoding="utf-8")
    rows = _rows(path)
    assert isinstance(rows[2], BadRow) and rows[2].reason.startswith("line 3 looks like a continuation of line 2")
    assert isinstance(rows[3], BadRow) and isinstance(rows[4], PartnerRow)


def test_a_row_without_name_and_kvk_under_an_error_row_or_at_the_top_is_still_its_own_error(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("naam;kvk;rol\n;;uitlener\nA;123;schoonmaker\n;;huisvester\n", encoding="utf-8")
    rows = _rows(path)
    neither = "neither a KvK number nor a name: nothing to look the partner up by"
    assert rows[2].reason == rows[4].reason == neither  # type: ignore[union-attr]


def test_merged_cells_in_a_workbook_are_a_continuation(tmp_path: Path) -> None:
    path = _workbook(tmp_path, [("Partners", [["Lijst"], [], [*HEADER, "Huisvestingslocaties"],
                                              [*PARTNERS[0], None], [None, None, "huisvester", None, "Zandstraat 14"],
                                              PARTNERS[2]], "visible")])
    rows = _rows(path)
    assert isinstance(rows[4], BadRow) and rows[4].reason.startswith("line 5 looks like a continuation of line 4")
    assert isinstance(rows[5], BadRow) and isinstance(rows[6], PartnerRow)


def test_rows_above_the_header_that_look_like_partners_are_error_rows(tmp_path: Path) -> None:
    """Partner rows above the header (a list sorted with its header) disappeared with a warning (review finding 2);
    a title stays skipped."""
    path = tmp_path / "list.csv"
    path.write_text("Partnerlijst 2026\nA;68750110;uitlener;Rotterdam\nB;;werkgever;\nC;x;y;z\n\n"
                    "Opgesteld door;Piet\nnaam;kvk-nummer;rol;plaats\nD;01085927;uitlener;Venlo\n", encoding="utf-8")
    partners = PartnerList(path)
    rows = {row.line: row for row in partners.rows()}
    assert sorted(rows) == [2, 3, 4, 6, 8]  # 1 (a title) is skipped; "Opgesteld door;Piet" has 2 of 4 cells
    assert isinstance(rows[2], BadRow) and rows[2].kvk_text == "68750110" and rows[2].name == "A"
    assert rows[2].reason.startswith("above the header row (line 7): ")
    assert all(isinstance(rows[line], BadRow) for line in (3, 4, 6)) and isinstance(rows[8], PartnerRow)
    assert partners.info.warnings == ["the header is on line 7; line(s) 2, 3, 4, 6 above it look like partner rows "
                                      "and are error rows; the other lines above it were skipped"]


def test_a_workbook_sorted_with_its_header_keeps_the_rows_above_it(tmp_path: Path) -> None:
    path = _workbook(tmp_path, [("Partners", [PARTNERS[2], PARTNERS[0], HEADER, PARTNERS[1]], "visible")])
    rows = _rows(path)
    assert sorted(rows) == [1, 2, 4]
    assert isinstance(rows[1], BadRow) and rows[1].reason.startswith("above the header row (line 3)")
    assert rows[1].kvk_text == "1234567" and isinstance(rows[4], PartnerRow)


@pytest.mark.parametrize("cell", ["n.v.t.", "-", "N.v.t. (niet van toepassing)", "geen"])
def test_an_answer_of_none_in_the_housing_column_is_no_location(tmp_path: Path, cell: str) -> None:
    """'n.v.t.' or '-' made the lender a housing provider with a location '(n.v.t.; None)' (review finding 3)."""
    path = tmp_path / "list.csv"
    path.write_text(f"naam;kvk;rol;locaties\nA;68750110;uitlener;{cell}\nB;01234567;huisvester;\"Kerkstraat 1; -\"\n",
                    encoding="utf-8")
    rows = _rows(path)
    assert rows[2].housing == () and rows[2].roles == (Role.UITLENER,)  # type: ignore[union-attr]
    note = f"housing location cell {cell!r} read as no location (it says there is none)"
    assert rows[2].notes == (note,)  # type: ignore[union-attr]
    assert rows[3].housing == ("Kerkstraat 1",)  # type: ignore[union-attr]
    note = "housing location cell 'Kerkstraat 1; -': '-' read as no location (it says there is none)"
    assert rows[3].notes == (note,)  # type: ignore[union-attr]


@pytest.mark.parametrize("cell", ["?", "[adres]", "onbekend", "n.t.b.", "xxx"])
def test_an_unknown_in_the_housing_column_stays_a_location(tmp_path: Path, cell: str) -> None:
    """Read as no location, "onbekend" made the lender eligible without its housing criteria (review of the
    fourteenth session): it says nothing of whether the partner houses anyone, so the partner is a housing
    provider with a location by name only, and its housing criteria are unknown."""
    path = tmp_path / "list.csv"
    path.write_text(f"naam;kvk;rol;locaties\nA;68750110;uitlener;{cell}\n", encoding="utf-8")
    row = _rows(path)[2]
    assert isinstance(row, PartnerRow) and row.housing == (cell,)
    assert row.notes == (f"housing location {cell!r} names no place: kept as a location whose address is not known",)
    assert roles_of(row)[0] == [Role.UITLENER, Role.HUISVESTER]


@pytest.mark.parametrize("value", ["12.05.1987", "01-08-2025", "1/8/2025", "2025.08.01", "2025-08-01", " 01.08.2025"])
def test_a_date_typed_as_text_is_no_kvk_number(value: str) -> None:
    """'12.05.1987' was read as 12051987 by joining its digit groups (review finding 4)."""
    number, note, error = normalise_kvk(value)
    assert number is None and note is None
    assert error == f"KvK number {value.strip()!r} is a date, not a KvK number: enter the partner's KvK number"


@pytest.mark.parametrize(("value", "note"), [
    ("68.750.110", "KvK number 68.750.110 read as 68750110 (digit groups joined)"),
    ("6875 0110", "KvK number 6875 0110 read as 68750110 (digit groups joined)"),
    ("12.34.5678", "KvK number 12.34.5678 read as 12345678 (digit groups joined)"),  # no month 34: no date
    ("68750110,00", "KvK number 68750110,00 read as 68750110 (a number printed with decimals)"),
    ("01234567.0", "KvK number 01234567.0 read as 01234567 (a number printed with decimals)"),
])
def test_every_repair_of_a_kvk_number_is_noted(value: str, note: str) -> None:
    assert normalise_kvk(value)[1] == note


def test_a_kvk_number_also_listed_on_another_sheet_makes_its_rows_error_rows(tmp_path: Path) -> None:
    """A lender on sheet 'Uitleners' was eligible while sheet 'Huisvesters', not screened, listed it as housing
    provider (review finding 5)."""
    path = _workbook(tmp_path, [
        ("Uitleners", [HEADER, PARTNERS[0], PARTNERS[1]], "visible"),
        ("Huisvesters", [["Huisvesters"], [*HEADER, "Huisvestingslocaties"],
                         ["Fixture Uitzend B.V.", "68 750 110", "huisvester", "Rotterdam", "Zandstraat 14"]],
         "visible"),
        ("Oud", [HEADER, ["Uitzendbureau De Brug B.V.", 1085927, "uitlener", "Venlo"]], "hidden"),
    ])
    rows = _rows(path)
    assert isinstance(rows[2], BadRow) and rows[2].kvk_text == "68750110"
    assert rows[2].reason == ("KvK number also listed on sheet 'Huisvesters' (row 3), which is not screened: put the "
                              "partner's rows on one sheet")
    assert isinstance(rows[3], PartnerRow)  # on a hidden sheet only: the warning names that sheet


SHEET2 = "xl/worksheets/sheet2.xml"


def _two_lists(tmp_path: Path, damage: Callable[[str], str]) -> Path:
    """Sheet 'Uitleners' (screened) and sheet 'Huisvesters', whose XML ``damage`` edits: it lists De Brug on row 2
    and Fixture Uitzend, listed on the screened sheet too, on row 3."""
    return _workbook(tmp_path, [
        ("Uitleners", [HEADER, PARTNERS[0], PARTNERS[1]], "visible"),
        ("Huisvesters", [HEADER, ["Uitzendbureau De Brug B.V.", 1085927, "huisvester", "Venlo"],
                         ["Fixture Uitzend B.V.", 68750110, "huisvester", "Rotterdam"]], "visible"),
    ], patch={SHEET2: damage})


def test_another_sheet_that_breaks_off_says_the_numbers_after_the_break_were_not_compared(tmp_path: Path) -> None:
    """The numbers of another sheet that broke off were compared up to the break, and nobody was told that
    those after it were not."""
    def truncate(xml: str) -> str:
        return xml[:xml.index('<row r="3"')] + '<row r="3"><c r="A3" t="inlineStr"><is><t>Fixture'

    partners = PartnerList(_two_lists(tmp_path, truncate))
    assert len(partners.info.warnings) == 2 and partners.info.warnings[0].startswith("read sheet 'Uitleners', ")
    stopped = partners.info.warnings[1]
    assert stopped.startswith("sheet 'Huisvesters' cannot be read after row 2 (")
    assert stopped.endswith("): KvK numbers listed on it after that row were not compared with sheet 'Uitleners', "
                            "the one screened (a partner listed on both is judged without the roles given there): "
                            "open the file in Excel, save it and screen it again")
    rows = _rows(partners.path)
    assert isinstance(rows[3], BadRow) and rows[3].reason.startswith("KvK number also listed on sheet 'Huisvesters' "
                                                                     "(row 2)")  # before the break: compared
    assert isinstance(rows[2], PartnerRow)  # its row 3 on 'Huisvesters' was not read: the warning says so


def test_a_kvk_number_another_sheet_shows_unreadably_is_named_in_a_warning(tmp_path: Path) -> None:
    """A KvK cell of another sheet that cannot be read (a typo, an error value) was never compared with the
    screened sheet, and nobody was told."""
    path = _two_lists(tmp_path, lambda xml: xml.replace("<v>68750110</v>", "<v>6875O110</v>"))
    partners = PartnerList(path)
    assert partners.info.warnings[1] == (
        "sheet 'Huisvesters': the KvK number in row(s) 3 cannot be read, so it was not compared with sheet "
        "'Uitleners', the one screened (a partner listed on both is judged without the roles given there): correct "
        "it, or put the partner's rows on one sheet")
    assert [type(row) for row in partners.rows()] == [PartnerRow, BadRow]  # De Brug, row 2: compared


def test_another_sheet_that_breaks_off_before_its_header_is_named_as_unreadable(tmp_path: Path) -> None:
    def truncate(xml: str) -> str:
        return xml[:xml.index('<row r="1"')] + '<row r="1"><c r="A1" t="inlineStr"><is><t>Na'

    partners = PartnerList(_two_lists(tmp_path, truncate))
    (warning,) = partners.info.warnings
    assert warning.startswith("read sheet 'Uitleners', the first visible sheet with a header; not read: 'Huisvesters' "
                              "(cannot be read: sheet 'Huisvesters' cannot be read after row 0 (")
    assert warning.endswith("): rows after it were not read: open the file in Excel, save it and screen it again)")


def test_a_workbook_is_opened_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Choosing the sheet, reading the other sheets' KvK numbers and parsing the sheet each opened the workbook,
    and openpyxl read its shared strings (every text of every sheet) each time."""
    from eligibility._screen import _lists

    opened = []
    real = _lists._open_book
    monkeypatch.setattr(_lists, "_open_book", lambda path: (opened.append(path), real(path))[1])
    path = _two_lists(tmp_path, lambda xml: xml.replace("<v>1085927</v>", "<v>1234567</v>"))  # De Brug: on one sheet
    partners = PartnerList(path)
    assert opened == [path]
    assert [type(row) for row in partners.rows()] == [BadRow, PartnerRow]  # 68750110 is on 'Huisvesters' too


@pytest.mark.parametrize(("cell", "partner_row"), [
    ("2026", False),  # a year: a title
    ("68750110", True),
    ("01085927", True),  # its leading zero typed
    ("68 750 110", True),  # repaired, and noted, but typed with 8 digits
    ("68750110,00", True),
    ("1085927", False),  # 7 digits, padded
    ("1,085927E+06", False),  # read from scientific notation, then padded: two notes
])
def test_a_kvk_number_above_the_header_is_one_of_8_digits_as_typed(tmp_path: Path, cell: str,
                                                                    partner_row: bool) -> None:
    """Whether a line above the header holds a KvK number is decided from its digits, not from the wording of the
    note ``normalise_kvk`` gives (it looked for "padded" in it)."""
    path = tmp_path / "list.csv"
    path.write_text(f"{cell}\nnaam;kvk-nummer;rol;plaats\nD;01085927;uitlener;Venlo\n", encoding="utf-8")
    rows = _rows(path)
    assert sorted(rows) == ([1, 3] if partner_row else [3])
    if partner_row:
        assert isinstance(rows[1], BadRow) and rows[1].reason.startswith("above the header row (line 2): ")
