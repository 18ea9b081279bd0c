"""Blank upload files for editors: the headers, one example row, and the vocabularies."""

from __future__ import annotations

import csv
import io

from ..vocabularies import CATEGORIES, OUTCOMES, RETURN_STATUSES, ROLES
from .validation import FIGURE_COLUMNS, INCIDENT_COLUMNS

EXAMPLES = {
    "figures": {
        "dataset": "bbw-2016",
        "force": "Surrey Police",
        "period_start": "2011-06-01",
        "period_end": "2015-12-31",
        "outcome": "resigned",
        "count": "12",
        "source_title": "Surrey Police FOI response 2016/123",
        "source_publisher": "Surrey Police",
        "source_date": "2016-03-01",
        "source_url": "https://www.surrey.police.uk/foi-ai/",
        "note": "Example row: replace it with the force's figures.",
    },
    "incidents": {
        "dataset": "bbw-2016",
        "force": "Surrey Police",
        "reference": "PSD/2015/001",
        "occurred_on": "2015-04-01",
        "category": "unauthorised-access",
        "role": "officer",
        "outcome": "final-written-warning; resigned",
        "outcome_date": "2015-09-30",
        "summary": "Example row: replace it with the force's incidents.",
    },
}
COLUMNS = {"figures": FIGURE_COLUMNS, "incidents": INCIDENT_COLUMNS}


def template_csv(kind: str) -> bytes:
    """Header and example row, UTF-8 with a BOM so that Excel opens it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS[kind])
    writer.writerow([EXAMPLES[kind].get(column, "") for column in COLUMNS[kind]])
    return out.getvalue().encode("utf-8-sig")


def vocabulary_rows() -> list[tuple[str, str, str, str, str]]:
    """(column, code, label, group, also accepted) for every code an upload may use."""
    rows = []
    for column, vocabulary in (
        ("category", CATEGORIES),
        ("outcome", OUTCOMES),
        ("role", ROLES),
        ("status", RETURN_STATUSES),
    ):
        for term in vocabulary.terms:
            group = getattr(term, "group", None) or ""
            rows.append((column, term.code, term.label, group, "; ".join(term.synonyms)))
    return rows


def template_xlsx(kind: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind
    sheet.append(list(COLUMNS[kind]))
    sheet.append([EXAMPLES[kind].get(column, "") for column in COLUMNS[kind]])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    vocabularies = workbook.create_sheet("vocabularies")
    vocabularies.append(["column", "code", "label", "group", "also accepted"])
    for row in vocabulary_rows():
        vocabularies.append(list(row))
    for cell in vocabularies[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
