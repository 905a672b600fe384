"""Partner lists as people make them: each fixture in fixtures/lists/ read row by row."""

from __future__ import annotations

from pathlib import Path

import pytest

from eligibility._dossier import Role
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
    assert rows[3] == PartnerRow(3, "Fixture Uitzend B.V.", "68750110", (Role.UITLENER,), "Rotterdam")
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
    ("68750110.0", ("68750110", None, None)),
    ("6875 0110", ("68750110", None, None)),
    ("68.750.110", ("68750110", None, None)),
    ("", (None, None, None)),
    (None, (None, None, None)),
    ("0", (None, None, "KvK number '0' is all zeros")),
    ("1234567890", (None, None, "KvK number 1234567890 has 10 digits; a KvK number has 8")),
    ("KvK 12345678", (None, None, "KvK number 'KvK 12345678' is not a number of 8 digits")),
    (1.5, (None, None, "KvK number 1.5 is not a whole number")),
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
    assert rows[3] == BadRow(5, "not readable as CSV: ';' expected after '\"'")
    assert isinstance(rows[4], PartnerRow) and rows[4].name == "F"
    assert rows[5] == BadRow(7, "not readable as CSV: unexpected end of data")
