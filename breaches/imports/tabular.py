"""Read an uploaded CSV or XLSX file into header + rows, without touching the database.

Both formats come from editors' spreadsheets, so this is forgiving about encodings and
delimiters and strict about everything that could hide a mistake (duplicate headers,
unknown columns are reported by the validator). Problems are returned, never raised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

MAX_COLUMNS = 100
CHUNK_BYTES = 1 << 20  # files are read and decoded this much at a time, never whole
# One line with its ending (\r\n, \n or a lone \r), as open(newline="") splits them for csv.
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)")
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


@dataclass
class TableStream:
    """A table being read: the header now, the rows as they are read (once).

    Iterating `rows` may raise TableError part-way through (bad encoding, broken quoting,
    too many rows): the rows before it were read, the file as a whole is refused.
    """

    header: list[str]
    rows: Iterator[tuple[int, dict[str, Cell]]]
    sheet_names: list[str] = field(default_factory=list)


class Deadline:
    """A budget of wall-clock seconds for reading one file (None: no limit).

    An admin upload is read inside a web request, which gunicorn kills after its timeout
    with a bare error page; a file that takes too long is refused by name instead.
    """

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds if seconds else None

    def check(self, row: int) -> None:
        """Raise TableError once the budget is spent; `row` is where reading stopped."""
        if self.ends is not None and time.monotonic() > self.ends:
            raise TableError(
                f"Reading the file took longer than {self.seconds:g} seconds, the most an "
                f"upload may take (UPLOAD_PARSE_SECONDS), so it was stopped at row {row:,}: "
                "split it into smaller files (a workbook saved as CSV also reads faster)"
            )


def read_table(
    content: bytes,
    file_name: str,
    sheet: str | None = None,
    max_rows: int | None = None,
    deadline: Deadline | None = None,
) -> Table:
    """Parse CSV or XLSX bytes; raises TableError with a message an editor can act on.

    `max_rows` limits the data rows (blank lines not counted); more is refused, not cut.
    """
    stream = open_table(io.BytesIO(content), file_name, sheet, max_rows)
    rows = []
    for number, values in stream.rows:
        if deadline is not None:
            deadline.check(number)
        rows.append((number, values))
    return Table(header=stream.header, rows=rows, sheet_names=stream.sheet_names)


def open_table(
    source: BinaryIO, file_name: str, sheet: str | None = None, max_rows: int | None = None
) -> TableStream:
    """Start reading a CSV or XLSX file (a seekable binary file) without reading it whole.

    The header is read now; rows are decoded and parsed as they are asked for, so a file
    over `max_rows` is refused as soon as the row past the limit is read.
    """
    start = source.read(8)
    source.seek(0)
    if start.startswith(OLE_MAGIC):
        raise _office_binary(source.read())  # refused whatever it holds
    if start.startswith(b"PK\x03\x04") or file_name.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(source, sheet, max_rows)
    return _read_csv(source, max_rows)


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


class _Decoder:
    """Decode a file chunk by chunk: UTF-8 (with or without a BOM), else Windows-1252.

    Excel on Windows saves "CSV" as Windows-1252. A file is read as Windows-1252 from its
    first byte that is not UTF-8, which gives the same text as decoding it whole only when
    everything before that byte is ASCII: so text that is UTF-8 in places and not in others
    is refused (it would be stored with the UTF-8 parts garbled: an en dash as three letters).
    """

    def __init__(self):
        self.offset = 0  # bytes decoded before the current chunk
        self.newlines = 0  # line breaks before the current chunk
        self.pending = b""  # an incomplete UTF-8 sequence held for the next chunk
        self.first_utf8: int | None = None  # line of the first non-ASCII (UTF-8) character
        self.not_utf8: tuple[int, int] | None = None  # (byte, line) once read as cp1252
        self.carry = b""  # the last bytes of the previous cp1252 chunk

    def decode(self, chunk: bytes, final: bool) -> str:
        if self.offset == 0 and not self.pending:
            _check_start(chunk)
        data = self.pending + chunk
        self.pending = b""
        if self.not_utf8 is not None:
            return self._cp1252(data)
        if not final:
            data, self.pending = _complete_utf8(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            return self._switch(data, error.start)
        if self.first_utf8 is None and not data.isascii():
            at = re.search(rb"[\x80-\xff]", data).start()
            self.first_utf8 = self.newlines + data.count(b"\n", 0, at) + 1
        self._advance(data)
        if self.offset == len(data) and text.startswith("\ufeff"):
            text = text[1:]
        return text

    def _advance(self, data: bytes) -> None:
        self.offset += len(data)
        self.newlines += data.count(b"\n")

    def _switch(self, data: bytes, bad: int) -> str:
        line = self.newlines + data.count(b"\n", 0, bad) + 1
        self.not_utf8 = (self.offset + bad, line)
        if self.first_utf8 is None and not data[:bad].isascii():
            at = re.search(rb"[\x80-\xff]", data).start()
            self.first_utf8 = self.newlines + data.count(b"\n", 0, at) + 1
        if self.first_utf8 is not None:
            raise self._mixed(self.first_utf8)
        ascii_part = data[:bad].decode("ascii")
        self._advance(data[:bad])
        return ascii_part + self._cp1252(data[bad:])

    def _cp1252(self, data: bytes) -> str:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as error:
            byte = self.offset + error.start
            raise TableError(
                f"The file is neither UTF-8 nor Windows-1252 text (byte {byte})"
            ) from None
        utf8 = UTF8_SEQUENCE.search(self.carry + data)
        if utf8:
            at = utf8.start() - len(self.carry)
            raise self._mixed(self.newlines + data.count(b"\n", 0, max(at, 0)) + 1)
        self.carry = data[-3:]
        self._advance(data)
        return text

    def _mixed(self, utf8_line: int) -> TableError:
        byte, line = self.not_utf8
        return TableError(
            f"The file mixes text encodings: line {line} is not UTF-8 "
            f"(byte {byte}) but line {utf8_line} is UTF-8; "
            'save it again as "CSV UTF-8"'
        )


def _check_start(chunk: bytes) -> None:
    if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableError(
            'The file is UTF-16 text (Excel\'s "Unicode text"): save it as "CSV UTF-8" instead'
        )
    if b"\x00" in chunk[:4096]:
        raise TableError("The file is not a CSV or XLSX file (it contains binary data)")


def _complete_utf8(data: bytes) -> tuple[bytes, bytes]:
    """Split off a UTF-8 sequence cut short by the end of a chunk."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            break
        if byte >= 0xC0:  # the lead byte says how long its sequence is
            length = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            if length > back:
                return data[:-back], data[-back:]
            break
    return data, b""


def _lines(source: BinaryIO) -> Iterator[str]:
    """The file's decoded lines, each with its line ending, read a chunk at a time."""
    decoder = _Decoder()
    rest = ""
    while True:
        chunk = source.read(CHUNK_BYTES)
        final = not chunk
        rest += decoder.decode(chunk, final)
        if final:
            break
        # A lone \r at the end may be the first half of \r\n: keep it for the next chunk.
        cut = max(rest.rfind("\n"), rest.rfind("\r", 0, len(rest) - 1)) + 1
        if cut:
            yield from LINE.findall(rest, 0, cut)
            rest = rest[cut:]
    # findall only on text that ends with a line break: on a long line without one it would
    # try (and fail) from every position, in quadratic time.
    cut = max(rest.rfind("\n"), rest.rfind("\r")) + 1
    yield from LINE.findall(rest, 0, cut)
    if rest[cut:]:
        yield rest[cut:]


def _read_csv(source: BinaryIO, max_rows: int | None = None) -> TableStream:
    lines = _lines(source)
    first_line = next(lines, "")
    delimiter = max(",;\t", key=first_line.count)
    if first_line.count(delimiter) == 0:
        if not first_line.strip() and not any(line.strip() for line in lines):
            raise TableError("The file is empty")
        raise TableError(
            "The file is not a CSV file with a header row: no comma, semicolon or tab "
            "separates the column names"
        )
    reader = csv.reader(itertools.chain([first_line], lines), delimiter=delimiter, strict=True)
    try:
        header = _check_header(next(reader))
    except csv.Error as error:
        raise TableError(f"The file is not valid CSV (line {reader.line_num}: {error})") from None
    return TableStream(header=header, rows=_csv_rows(reader, header, max_rows))


def _csv_rows(reader, header: list[str], max_rows: int | None):
    count = 0
    number = 1
    while True:
        try:
            record = next(reader, None)
        except csv.Error as error:
            raise TableError(
                f"The file is not valid CSV (line {reader.line_num}: {error})"
            ) from None
        if record is None:
            return
        number += 1
        if not any(value.strip() for value in record):
            continue  # blank lines are layout, not data
        count += 1
        if max_rows is not None and count > max_rows:
            raise _too_many_rows(max_rows)
        if len(record) > len(header):
            extra = [v for v in record[len(header) :] if v.strip()]
            if extra:
                yield number, {"__extra__": extra[0]}
                continue
        yield number, dict(zip(header, [v.strip() for v in record], strict=False))


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


def _read_xlsx(source: BinaryIO, sheet: str | None, max_rows: int | None = None) -> TableStream:
    from openpyxl import load_workbook

    from .xlsx_guard import ArchiveError, check_xlsx_archive

    try:
        check_xlsx_archive(source)
    except ArchiveError as error:
        raise TableError(str(error)) from None
    source.seek(0)

    # A damaged workbook fails in the zip (BadZipFile, zlib.error, EOFError, an unsupported
    # compression method...), in its XML (ParseError is a SyntaxError) or, as rows are
    # streamed, in a cell: whatever is raised, it is a problem to report, not a crash.
    try:
        # read_only streams rows; data_only returns cached values so formulas are never run.
        workbook = load_workbook(source, read_only=True, data_only=True)
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
    except TableError:
        workbook.close()
        raise
    except Exception as error:
        workbook.close()
        raise TableError(f"The file is not a readable XLSX workbook ({error})") from None
    return TableStream(header, _xlsx_rows(workbook, rows, header, max_rows), names)


def _xlsx_rows(workbook, rows, header: list[str], max_rows: int | None):
    count = 0
    try:
        for number, record in enumerate(rows, start=2):
            cells = [c.strip() if isinstance(c, str) else c for c in record]
            if all(c is None or c == "" for c in cells):
                continue
            count += 1
            if max_rows is not None and count > max_rows:
                raise _too_many_rows(max_rows)
            extra = [c for c in cells[len(header) :] if c not in (None, "")]
            if extra:
                yield number, {"__extra__": str(extra[0])}
                continue
            yield number, dict(zip(header, cells, strict=False))
    except TableError:
        raise
    except Exception as error:
        raise TableError(f"The file is not a readable XLSX workbook ({error})") from None
    finally:
        workbook.close()
