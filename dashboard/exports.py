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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from django.utils.text import slugify

FORMATS = ("csv", "xlsx", "json")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str
    title: str


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


def _csv(columns: Sequence[Column], rows: Iterable[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.title for column in columns])
    for row in rows:
        writer.writerow([neutralise(_plain(row.get(column.key))) for column in columns])
    # A BOM so that Excel opens UTF-8 (force names, £ signs) correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(columns, rows, about: list[tuple[str, str]], sheet_title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    data = workbook.create_sheet(sheet_title[:31])

    def text_cells(sheet, values):
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=neutralise(value))
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            cells.append(cell)
        return cells

    data.append(text_cells(data, [column.title for column in columns]))
    for row in rows:
        data.append(text_cells(data, [_plain(row.get(column.key)) for column in columns]))
    notes = workbook.create_sheet("About these figures")
    for label, text in about:
        notes.append(text_cells(notes, [label, text]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
        "rows": [{column.key: _plain(row.get(column.key)) for column in columns} for row in rows],
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
        body, content_type = _csv(columns, rows), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = _xlsx(columns, rows, about, "Figures")
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, content_type = _json(columns, rows, about), "application/json"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
