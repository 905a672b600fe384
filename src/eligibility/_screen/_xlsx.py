"""A small streaming XLSX writer: one sheet, text and whole numbers, a bold frozen header.

Why not openpyxl: its files carry the time of writing (zip entry times and ``docProps``), so two
runs over the same decisions would not give the same bytes, which a resumed screening run must;
and its cell objects cost several seconds per 100,000 rows of 30 columns. This writer streams
rows into the zip (memory does not grow with the row count), writes every timestamp as a fixed
value, and uses inline strings, which Excel, LibreOffice and openpyxl read.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
MAX_CELL_CHARS = 32_767
"""Excel's limit on the text of one cell; longer text is cut with a marker."""

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

STYLE_PLAIN, STYLE_HEADER, STYLE_GOOD, STYLE_BAD, STYLE_REVIEW, STYLE_ERROR = range(6)
"""Cell styles: the index into ``cellXfs`` of ``_STYLES``."""

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
</Types>"""

_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
</Relationships>"""

_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
</Relationships>"""

_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
<fills count="6"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>\
<fill><patternFill patternType="solid"><fgColor rgb="FFC6EFCE"/></patternFill></fill>\
<fill><patternFill patternType="solid"><fgColor rgb="FFFFC7CE"/></patternFill></fill>\
<fill><patternFill patternType="solid"><fgColor rgb="FFFFEB9C"/></patternFill></fill>\
<fill><patternFill patternType="solid"><fgColor rgb="FFD9D9D9"/></patternFill></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
<xf numFmtId="0" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1"/>\
<xf numFmtId="0" fontId="0" fillId="3" borderId="0" xfId="0" applyFill="1"/>\
<xf numFmtId="0" fontId="0" fillId="4" borderId="0" xfId="0" applyFill="1"/>\
<xf numFmtId="0" fontId="0" fillId="5" borderId="0" xfId="0" applyFill="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: str) -> str:
    value = _ILLEGAL_XML.sub("\ufffd", value)
    if len(value) > MAX_CELL_CHARS:
        value = value[: MAX_CELL_CHARS - 20] + " [... cut: too long]"
    space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
    return f"<t{space}>{escape(value)}</t>"


@lru_cache(maxsize=65_536, typed=True)
def _cell_rest(value: str | int, style: int) -> str:
    """A cell's XML after its reference: verdicts, outcomes, reasons and dates repeat from row
    to row, so each distinct (value, style) is escaped once."""
    attr = f' s="{style}"' if style else ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f'{attr}><v>{value}</v></c>'
    return f'{attr} t="inlineStr"><is>{_text(str(value))}</is></c>'


class XlsxWriter:
    """Write rows to ``path`` one at a time; ``close()`` finishes the file."""

    def __init__(self, path: Path, sheet_title: str, widths: Sequence[float]) -> None:
        self._zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6)
        self._title = sheet_title
        self._letters = [column_letter(i) for i in range(len(widths))]
        self._rows = 0
        self._put("[Content_Types].xml", _CONTENT_TYPES)
        self._put("_rels/.rels", _ROOT_RELS)
        self._put("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        self._put("xl/styles.xml", _STYLES)
        info = self._info("xl/worksheets/sheet1.xml")
        self._sheet: IO[bytes] = self._zip.open(info, "w", force_zip64=True)
        cols = "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>' for i, w in enumerate(widths, 1))
        self._write(
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            f"<cols>{cols}</cols><sheetData>"
        )

    def row(self, values: Sequence[str | int | None], styles: Sequence[int] | int = STYLE_PLAIN) -> None:
        """One row; ``styles`` is one style for every cell or one per cell."""
        self._rows += 1
        number = self._rows
        parts = [f'<row r="{number}">']
        letters = self._letters
        for index, value in enumerate(values):
            if value is None or value == "":
                continue
            style = styles if isinstance(styles, int) else styles[index]
            parts.append(f'<c r="{letters[index]}{number}"{_cell_rest(value, style)}')
        parts.append("</row>")
        self._write("".join(parts))

    def close(self) -> None:
        last = f"{self._letters[-1]}{max(self._rows, 1)}"
        self._write(f'</sheetData><autoFilter ref="A1:{last}"/></worksheet>')
        self._sheet.close()
        title = escape(self._title[:31], {'"': "&quot;"})
        self._put("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets>'
            f'<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            f"'{title}'!$A$1:${self._letters[-1]}${max(self._rows, 1)}</definedName></definedNames>"
            "</workbook>"
        ))
        self._zip.close()

    def abandon(self) -> None:
        """Close the file unfinished (the run failed; the caller removes it)."""
        self._sheet.close()
        self._zip.close()

    def _write(self, text: str) -> None:
        self._sheet.write(text.encode("utf-8"))

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def _put(self, name: str, text: str) -> None:
        self._zip.writestr(self._info(name), text.encode("utf-8"))
