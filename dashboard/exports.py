"""CSV, XLSX and JSON downloads of exactly the rows a page shows.

Cells a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) are
neutralised in CSV and XLSX with a leading apostrophe, the OWASP recommendation: text from
uploads must never execute in a journalist's spreadsheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.text import slugify

from .xlsx_writer import Sheet, stream_workbook

FORMATS = ("csv", "xlsx", "json")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# An Excel sheet holds 1,048,576 rows; one is the header.
XLSX_MAX_ROWS = 1_048_576 - 1
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


@dataclass(frozen=True)
class Column:
    """One column of a download (dashboard/export_columns.py): `key` is its machine name, the
    CSV header and the JSON key; `title` heads it in XLSX, for people.

    Rows are dicts (read by key) or objects (read by attribute); `read` reads a value that
    lives elsewhere in the row."""

    key: str
    title: str
    read: Callable | None = None
    # An Excel number format for the XLSX cells ("0.0%" for shares stored as fractions).
    number_format: str = ""
    description: str = ""

    def reading(self, read: Callable) -> Column:
        """The same column, read from the row by `read`."""
        return replace(self, read=read)

    def value(self, row):
        if self.read is not None:
            return self.read(row)
        return row.get(self.key) if isinstance(row, dict) else getattr(row, self.key)


def neutralise(value):
    """Text that a spreadsheet would evaluate, made inert; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _plain(value):
    """A JSON- and spreadsheet-friendly scalar."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return " | ".join(str(v) for v in value)
    return value


def csv_bytes(columns: Sequence[Column], rows: Iterable) -> bytes:
    """A pure CSV: one header line of machine names, then one line per row, nothing else
    (notes and caveats travel in the XLSX About sheet, the JSON and /about/data/)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.key for column in columns])
    for row in rows:
        writer.writerow([neutralise(_plain(column.value(row))) for column in columns])
    # A BOM so that Excel opens UTF-8 (force names, £ signs) correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(columns, rows, about: list[tuple[str, str]], sheet_title: str) -> bytes:
    return b"".join(stream_xlsx(columns, rows, about, sheet_title))


def _json(columns, rows, about) -> bytes:
    notes: dict[str, str | list[str]] = {}
    for label, text in about:  # repeated labels (several sources) become a list
        if label in notes:
            earlier = notes[label]
            notes[label] = [*earlier, text] if isinstance(earlier, list) else [earlier, text]
        else:
            notes[label] = text
    payload = {
        "about": notes,
        "rows": [{column.key: _plain(column.value(row)) for column in columns} for row in rows],
    }
    return json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")


def export_response(
    fmt: str,
    *,
    name: str,
    columns: Sequence[Column],
    rows: list[dict],
    about: list[tuple[str, str]],
) -> HttpResponse:
    """The rows as a download; `about` (definition, caveats, sources) travels with them."""
    filename = slugify(name) or "export"
    if fmt == "csv":
        body = csv_bytes(columns, rows)
    elif fmt == "xlsx":
        body = _xlsx(columns, rows, about, "Figures")
    else:
        body = _json(columns, rows, about)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


# --- Streaming: rows from an iterator, memory flat whatever the number of rows -------------


class _Line:
    """A file-like object for csv.writer that hands back each line instead of storing it."""

    def write(self, text: str) -> str:
        return text


def _batched(lines: Iterable[str], size: int = 500) -> Iterator[bytes]:
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield "".join(batch).encode("utf-8")
            batch = []
    if batch:
        yield "".join(batch).encode("utf-8")


def stream_csv(columns: Sequence[Column], rows: Iterable[dict]) -> Iterator[bytes]:
    """The CSV of `csv_bytes`, a few hundred lines at a time."""
    writer = csv.writer(_Line())
    yield ("\ufeff" + writer.writerow([column.key for column in columns])).encode("utf-8")
    yield from _batched(
        writer.writerow([neutralise(_plain(column.value(row))) for column in columns])
        for row in rows
    )


def stream_json(
    columns: Sequence[Column],
    rows: Iterable[dict],
    about: list[tuple[str, str]],
    tail: Callable[[], dict] | None = None,
) -> Iterator[bytes]:
    """{"about": ..., "rows": [...], then the keys of `tail()`}, computed after the rows."""
    notes = json.loads(_json(columns, [], about))["about"]
    yield ('{"about": ' + json.dumps(notes, ensure_ascii=False) + ', "rows": [').encode("utf-8")

    def lines():
        for i, row in enumerate(rows):
            data = {column.key: _plain(column.value(row)) for column in columns}
            yield ("," if i else "") + "\n" + json.dumps(data, ensure_ascii=False)

    yield from _batched(lines())
    end = "\n]"
    for key, value in (tail() if tail else {}).items():
        end += f", {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
    yield (end + "}\n").encode("utf-8")


def stream_xlsx(columns, rows: Iterable[dict], about: list[tuple[str, str]], sheet_title: str):
    """The rows' sheet, then an "About these figures" sheet, streamed (dashboard/xlsx_writer.py).

    Text is written as text, never as a formula; it is neutralised anyway, so that a cell
    copied into another sheet stays inert."""

    def values(row):
        return [neutralise(_plain(column.value(row))) for column in columns]

    return stream_workbook(
        [
            Sheet(
                sheet_title,
                (values(row) for row in rows),
                width=len(columns),
                header=[column.title for column in columns],
                number_formats=[column.number_format for column in columns],
            ),
            Sheet(
                "About these figures",
                ([label, neutralise(text)] for label, text in about),
                width=2,
            ),
        ]
    )


def stream_response(
    fmt: str,
    *,
    name: str,
    columns: Sequence[Column],
    rows: Iterable[dict],
    about: list[tuple[str, str]],
    tail: Callable[[], dict] | None = None,
):
    """A download of `rows` (an iterator) that never holds them all in memory.

    Every format streams as the rows are read (XLSX too: dashboard/xlsx_writer.py). The
    caller keeps XLSX within XLSX_MAX_ROWS.
    """
    filename = f"{slugify(name) or 'export'}.{fmt}"
    if fmt == "xlsx":
        body = stream_xlsx(columns, rows, about, name.capitalize())
    elif fmt == "csv":
        body = stream_csv(columns, rows)
    else:
        body = stream_json(columns, rows, about, tail)
    response = StreamingHttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
