"""XLSX files written as a stream: the first bytes leave before the last row is read.

openpyxl's write-only mode keeps memory flat but finishes the whole file before a byte can
be sent, at about 9,000 rows a second: a 350,000-row download waited 40 s for its first
byte, and a million rows outlasted gunicorn's timeout. A workbook is a zip of a few XML
parts, and a zip can be written front to back (each part's sizes follow it, in a data
descriptor), so here the sheet's XML is made row by row and compressed as it goes
(docs/decisions/0018-xlsx-written-as-a-stream.md).

Only what the downloads need: inline text, numbers, booleans and a number format per
column; no formulas (text is never read as one), no shared strings, no styles beyond the
number formats. Workbooks are checked by reading them back with openpyxl in the tests.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

from openpyxl.utils.cell import get_column_letter

# Characters XML 1.0 cannot carry (C0 controls but tab, newline and return; the two
# non-characters): dropped, as Excel would refuse the file.
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_CELL_TEXT = 32_767  # Excel's limit on the text of one cell
ROWS_PER_CHUNK = 1_000  # rows compressed between two pieces handed to the response

XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"

CONTENT_TYPES = (
    f'{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{OFFICE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{OFFICE}.styles+xml"/>'
    "{sheets}</Types>"
)
SHEET_TYPE = (
    f'<Override PartName="/xl/worksheets/sheet{{n}}.xml" ContentType="{OFFICE}.worksheet+xml"/>'
)
ROOT_RELS = (
    f'{XML}<Relationships xmlns="{PACKAGE_RELS}">'
    f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = f'{XML}<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>{{sheets}}</sheets></workbook>'
WORKBOOK_RELS = (
    f'{XML}<Relationships xmlns="{PACKAGE_RELS}">{{sheets}}'
    f'<Relationship Id="rIdStyles" Type="{RELS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
SHEET_REL = (
    f'<Relationship Id="rId{{n}}" Type="{RELS}/worksheet" Target="worksheets/sheet{{n}}.xml"/>'
)
FONTS = (  # the default, and bold for header rows
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
)
STYLES = (
    f'{XML}<styleSheet xmlns="{MAIN}">{{formats}}{FONTS}'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="{xfs_count}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>{xfs}</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
SHEET_START = (
    f'{XML}<worksheet xmlns="{MAIN}">'
    '<sheetViews><sheetView workbookViewId="0"{tab}>{pane}</sheetView></sheetViews><sheetData>'
)
FROZEN_HEADER = '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
SHEET_END = "</sheetData></worksheet>"
HEADER_STYLE = 1  # bold: the cellXfs entry after the default
FIRST_CUSTOM_FORMAT = 164  # ids below are Excel's built-in formats


def _text(value: str) -> str:
    return escape(ILLEGAL.sub("", value[:MAX_CELL_TEXT]))


def _attribute(value: str) -> str:
    return escape(ILLEGAL.sub("", value), {'"': "&quot;"})


def _cell(ref: str, value, style: int) -> str:
    """One <c> element. Empty cells are written too, so every row reads back full width."""
    styled = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{styled}/>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"{styled}><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        if not math.isfinite(value):  # XML numbers have no NaN or infinity
            return f'<c r="{ref}"{styled}/>'
        return f'<c r="{ref}"{styled}><v>{value}</v></c>'
    if isinstance(value, dt.date):
        value = value.isoformat()
    text = _text(str(value))
    return f'<c r="{ref}" t="inlineStr"{styled}><is><t xml:space="preserve">{text}</t></is></c>'


class Sheet:
    """One worksheet: rows of plain values (str, number, bool, date, None) of `width`
    columns, under an optional bold header row that stays in view, with an optional Excel
    number format per column ("0.0%")."""

    def __init__(
        self,
        title: str,
        rows: Iterable[Sequence],
        *,
        width: int,
        header: Sequence[str] = (),
        number_formats: Sequence[str] = (),
    ):
        self.title = title[:31]  # Excel's limit on a sheet's name
        self.rows = rows
        self.width = width
        self.header = header
        self.number_formats = list(number_formats) or [""] * width


def _styles(sheets: Sequence[Sheet]) -> tuple[str, dict[str, int]]:
    """styles.xml, and the style index of each number format."""
    formats = sorted({f for sheet in sheets for f in sheet.number_formats if f})
    ids = {f: FIRST_CUSTOM_FORMAT + i for i, f in enumerate(formats)}
    styles = {f: HEADER_STYLE + 1 + i for i, f in enumerate(formats)}
    number_formats = "".join(
        f'<numFmt numFmtId="{ids[f]}" formatCode="{_attribute(f)}"/>' for f in formats
    )
    xml = STYLES.format(
        formats=f'<numFmts count="{len(formats)}">{number_formats}</numFmts>' if formats else "",
        xfs_count=2 + len(formats),
        xfs="".join(
            f'<xf numFmtId="{ids[f]}" fontId="0" fillId="0" borderId="0" xfId="0" '
            'applyNumberFormat="1"/>'
            for f in formats
        ),
    )
    return xml, styles


class _Pipe:
    """What zipfile writes into: keeps the bytes until the response takes them."""

    def __init__(self):
        self.pieces: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.pieces.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.pieces = b"".join(self.pieces), []
        return data


def _sheet_xml(sheet: Sheet, styles: dict[str, int], first: bool) -> Iterator[str]:
    letters = [get_column_letter(i + 1) for i in range(sheet.width)]
    cell_styles = [styles.get(f, 0) for f in sheet.number_formats]
    tab = ' tabSelected="1"' if first else ""
    yield SHEET_START.format(tab=tab, pane=FROZEN_HEADER if sheet.header else "")
    if sheet.header:
        yield (
            '<row r="1">'
            + "".join(
                _cell(f"{letter}1", title, HEADER_STYLE)
                for letter, title in zip(letters, sheet.header, strict=True)
            )
            + "</row>"
        )
    chunk = []
    for n, row in enumerate(sheet.rows, start=2 if sheet.header else 1):
        cells = "".join(
            _cell(f"{letter}{n}", value, style)
            for letter, value, style in zip(letters, row, cell_styles, strict=True)
        )
        chunk.append(f'<row r="{n}">{cells}</row>')
        if len(chunk) >= ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk) + SHEET_END


def stream_workbook(sheets: Sequence[Sheet]) -> Iterator[bytes]:
    """The workbook's bytes, piece by piece, as its rows are read."""
    pipe = _Pipe()
    styles_xml, styles = _styles(sheets)
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        numbers = range(1, len(sheets) + 1)
        book.writestr(
            "[Content_Types].xml",
            CONTENT_TYPES.format(sheets="".join(SHEET_TYPE.format(n=n) for n in numbers)),
        )
        book.writestr("_rels/.rels", ROOT_RELS)
        book.writestr(
            "xl/workbook.xml",
            WORKBOOK.format(
                sheets="".join(
                    f'<sheet name="{_attribute(sheet.title)}" sheetId="{n}" r:id="rId{n}"/>'
                    for n, sheet in zip(numbers, sheets, strict=True)
                )
            ),
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            WORKBOOK_RELS.format(sheets="".join(SHEET_REL.format(n=n) for n in numbers)),
        )
        book.writestr("xl/styles.xml", styles_xml)
        yield pipe.take()
        for n, sheet in zip(numbers, sheets, strict=True):
            # force_zip64: the part's size is not known before it is written, and may pass 4 GB.
            with book.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as part:
                for xml in _sheet_xml(sheet, styles, first=n == 1):
                    part.write(xml.encode("utf-8"))
                    if data := pipe.take():
                        yield data
    yield pipe.take()


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    return b"".join(stream_workbook(sheets))
