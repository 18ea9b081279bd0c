"""Blank upload files for editors: the headers, one example row, and the vocabularies.

The example row names a dataset that cannot exist (TEMPLATE_EXAMPLE_DATASET): a template
uploaded with its example still in place is refused with a message saying so, instead of
restating a real published figure with a made-up value and source (issue 11).
"""

from __future__ import annotations

import csv
import io

from ..vocabularies import CATEGORIES, OUTCOMES, RETURN_STATUSES, ROLES
from .validation import FIGURE_COLUMNS, INCIDENT_COLUMNS, TEMPLATE_EXAMPLE_DATASET

EXAMPLES = {
    "figures": {
        "dataset": TEMPLATE_EXAMPLE_DATASET,
        "force": "Example Police (use the force's name)",
        "period_start": "2011-06-01",
        "period_end": "2015-12-31",
        "outcome": "resigned",
        "count": "0",
        "source_title": "Title of the FOI answer",
        "source_publisher": "Who published it",
        "source_date": "2016-03-01",
        "source_url": "https://example.org/the-foi-answer",
        "note": "Example row: delete it. The importer refuses it until you do.",
    },
    "incidents": {
        "dataset": TEMPLATE_EXAMPLE_DATASET,
        "force": "Example Police (use the force's name)",
        "reference": "EXAMPLE/001",
        "occurred_on": "2015-04-01",
        "category": "unauthorised-access",
        "role": "officer",
        "outcome": "final-written-warning; resigned",
        "outcome_date": "2015-09-30",
        "summary": "Example row: delete it. The importer refuses it until you do.",
    },
}
INSTRUCTIONS = [
    "How to fill in this template",
    "One row per figure (or per incident) on the first sheet, below the header row.",
    f"Delete the example row (dataset '{TEMPLATE_EXAMPLE_DATASET}'): it is refused on upload.",
    "dataset: the slug of a dataset that exists in admin (Datasets).",
    "force: the force's name, short name or a known alias; blank for a national figure.",
    "Dates: ISO yyyy-mm-dd (2015-12-31) or UK dd/mm/yyyy (31/12/2015), or date cells.",
    "count: a whole number; blank only with a status (not-disclosed, refused, ...).",
    "The 'vocabularies' sheet lists the codes the category, outcome, role and status "
    "columns accept.",
    "Nothing is saved until you have seen the preview and confirmed it.",
]
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
    instructions = workbook.create_sheet("instructions")
    for line in INSTRUCTIONS:
        instructions.append([line])
    instructions["A1"].font = Font(bold=True)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
