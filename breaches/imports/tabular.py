"""Read an uploaded CSV or XLSX file into header + rows, without touching the database.

Both formats come from editors' spreadsheets, so this is forgiving about encodings and
delimiters and strict about everything that could hide a mistake (duplicate headers,
unknown columns are reported by the validator). Problems are returned, never raised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

MAX_COLUMNS = 100
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls files and encrypted workbooks
# A well-formed multi-byte UTF-8 sequence (in a file that is not UTF-8 as a whole).
UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
# Cell values are kept as read (str, int, float, datetime) so that the validator can
# accept real XLSX dates and Excel serial numbers as well as text.
Cell = str | int | float | dt.datetime | dt.date | None


@dataclass(frozen=True)
class RowError:
    """One problem in a file: the file's row number (1 is the header), column, value, why."""

    row: int
    column: str
    value: str
    message: str
    suggestions: tuple[str, ...] = ()

    def __str__(self):
        where = f"row {self.row}" + (f", column '{self.column}'" if self.column else "")
        value = f" (value: {self.value!r})" if self.value else ""
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        return f"{where}: {self.message}{value}.{hint}"


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, dict[str, Cell]]] = field(default_factory=list)
    sheet_names: list[str] = field(default_factory=list)


class TableError(Exception):
    """The file as a whole cannot be read (not CSV, empty, unreadable workbook...)."""

    def __init__(self, message: str, column: str = ""):
        super().__init__(message)
        self.error = RowError(row=1, column=column, value="", message=message)


def read_table(
    content: bytes, file_name: str, sheet: str | None = None, max_rows: int | None = None
) -> Table:
    """Parse CSV or XLSX bytes; raises TableError with a message an editor can act on.

    `max_rows` limits the data rows (blank lines not counted); more is refused, not cut.
    """
    if content.startswith(OLE_MAGIC):
        raise _office_binary(content)
    if content.startswith(b"PK\x03\x04") or file_name.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(content, sheet, max_rows)
    return _read_csv(content, max_rows)


def _office_binary(content: bytes) -> TableError:
    """An OLE compound file: an encrypted workbook, or an old .xls (or .doc) file."""
    if "EncryptedPackage".encode("utf-16-le") in content:
        return TableError(
            "The workbook is password-protected (encrypted), so it cannot be read: "
            "remove the password in Excel (File > Info > Protect Workbook) and save it again"
        )
    return TableError(
        "The file is not a CSV or XLSX file: it is an old Excel .xls workbook (or another "
        "binary Office file); save it as .xlsx or CSV"
    )


def _too_many_rows(max_rows: int) -> TableError:
    return TableError(
        f"The file has more than {max_rows:,} data rows, the most one upload may have; "
        "split it into several files"
    )


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableError(
            'The file is UTF-16 text (Excel\'s "Unicode text"): save it as "CSV UTF-8" instead'
        )
    if b"\x00" in content[:4096]:
        raise TableError("The file is not a CSV or XLSX file (it contains binary data)")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        not_utf8 = error.start
    try:
        # Excel on Windows saves "CSV" as Windows-1252.
        text = content.decode("cp1252")
    except UnicodeDecodeError as error:
        raise TableError(
            f"The file is neither UTF-8 nor Windows-1252 text (byte {error.start})"
        ) from None
    # Text that is UTF-8 in places and not in others would be read as Windows-1252 with the
    # UTF-8 parts garbled (an en dash as three letters): refuse it rather than store mojibake.
    utf8 = UTF8_SEQUENCE.search(content)
    if utf8:
        raise TableError(
            f"The file mixes text encodings: line {_line_of(content, not_utf8)} is not UTF-8 "
            f"(byte {not_utf8}) but line {_line_of(content, utf8.start())} is UTF-8; "
            'save it again as "CSV UTF-8"'
        )
    return text


def _line_of(content: bytes, offset: int) -> int:
    return content.count(b"\n", 0, offset) + 1


def _read_csv(content: bytes, max_rows: int | None = None) -> Table:
    text = _decode(content)
    if not text.strip():
        raise TableError("The file is empty")
    first_line = text.splitlines()[0]
    delimiter = max(",;\t", key=first_line.count)
    if first_line.count(delimiter) == 0:
        raise TableError(
            "The file is not a CSV file with a header row: no comma, semicolon or tab "
            "separates the column names"
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = list(reader)
    except csv.Error as error:
        raise TableError(f"The file is not valid CSV (line {reader.line_num}: {error})") from None
    header = _check_header(records[0])
    table = Table(header=header)
    for number, record in enumerate(records[1:], start=2):
        if not any(value.strip() for value in record):
            continue  # blank lines are layout, not data
        if len(record) > len(header):
            extra = [v for v in record[len(header) :] if v.strip()]
            if extra:
                table.rows.append((number, {"__extra__": extra[0]}))
                continue
        values = dict(zip(header, (v.strip() for v in record), strict=False))
        table.rows.append((number, values))
        if max_rows is not None and len(table.rows) > max_rows:
            raise _too_many_rows(max_rows)
    return table


def _check_header(names: list[Cell]) -> list[str]:
    header = [str(name if name is not None else "").strip().lower() for name in names]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise TableError("The header row is empty")
    if len(header) > MAX_COLUMNS:
        raise TableError(f"The header has {len(header)} columns; at most {MAX_COLUMNS} allowed")
    seen = set()
    for name in header:
        if not name:
            raise TableError("A column in the header row has no name")
        if name in seen:
            raise TableError(f"The column '{name}' appears twice in the header", column=name)
        seen.add(name)
    return header


def _read_xlsx(content: bytes, sheet: str | None, max_rows: int | None = None) -> Table:
    from openpyxl import load_workbook

    from .xlsx_guard import ArchiveError, check_xlsx_archive

    try:
        check_xlsx_archive(content)
    except ArchiveError as error:
        raise TableError(str(error)) from None

    # A damaged workbook fails in the zip (BadZipFile, zlib.error, EOFError, an unsupported
    # compression method...), in its XML (ParseError is a SyntaxError) or, as rows are
    # streamed, in a cell: whatever is raised, it is a problem to report, not a crash.
    try:
        # read_only streams rows; data_only returns cached values so formulas are never run.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:
        raise TableError(f"The file is not a readable XLSX workbook ({error})") from None
    try:
        names = workbook.sheetnames
        if sheet is not None and sheet not in names:
            raise TableError(f"The workbook has no sheet '{sheet}' (sheets: {', '.join(names)})")
        worksheet = workbook[sheet] if sheet else workbook[names[0]]
        rows = worksheet.iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            raise TableError("The sheet is empty")
        header = _check_header(list(first))
        table = Table(header=header, sheet_names=names)
        for number, record in enumerate(rows, start=2):
            cells = [c.strip() if isinstance(c, str) else c for c in record]
            if all(c is None or c == "" for c in cells):
                continue
            extra = [c for c in cells[len(header) :] if c not in (None, "")]
            if extra:
                table.rows.append((number, {"__extra__": str(extra[0])}))
                continue
            table.rows.append((number, dict(zip(header, cells, strict=False))))
            if max_rows is not None and len(table.rows) > max_rows:
                raise _too_many_rows(max_rows)
        return table
    except TableError:
        raise
    except Exception as error:
        raise TableError(f"The file is not a readable XLSX workbook ({error})") from None
    finally:
        workbook.close()
