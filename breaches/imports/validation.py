"""Import FOI returns: parse (file -> rows) -> validate (rows -> clean rows + errors) -> save.

Parse and validate are pure: they read bytes and a Reference snapshot and return values,
so the admin preview and the management commands share them and can show every problem
before anything is written. Save is one transaction, idempotent on natural keys: a file
imported twice changes nothing the second time, and a restated figure keeps its previous
value as a FigureRevision. A file with any invalid row imports nothing.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

from django.conf import settings

from ..vocabularies import CATEGORIES, OUTCOMES, RETURN_STATUSES, ROLES, Vocabulary
from . import cells
from .reference import Reference
from .rows import FigureRow, IncidentRow, SourceKey, Validation
from .tabular import Cell, Deadline, RowError, TableError, read_table

FIGURE_COLUMNS = (
    "dataset",
    "force",
    "period_start",
    "period_end",
    "category",
    "outcome",
    "role",
    "count",
    "status",
    "source_title",
    "source_publisher",
    "source_date",
    "source_url",
    "note",
)
FIGURE_REQUIRED = ("dataset", "force", "period_start", "period_end", "count", "source_title")
INCIDENT_COLUMNS = (
    "dataset",
    "force",
    "reference",
    "occurred_on",
    "category",
    "role",
    "outcome",
    "outcome_date",
    "summary",
)
INCIDENT_REQUIRED = ("dataset", "force", "reference")
OUTCOME_SEPARATORS = (";", "~")
# The dataset of the upload templates' example rows (breaches/imports/templates.py). No
# dataset may have this slug, so a template uploaded unchanged can restate nothing.
TEMPLATE_EXAMPLE_DATASET = "example-delete-this-row"
# Invisible characters with no place in published text: control characters (tabs and line
# breaks excepted; NUL cannot even be stored) and the bidirectional overrides and isolates
# that make text display in another order than it is stored.
INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def detect_kind(header: list[str]) -> str | None:
    """'figures' or 'incidents' from the header row; None if it looks like neither."""
    if "reference" in header and "count" not in header:
        return "incidents"
    if "count" in header or "status" in header:
        return "figures"
    return None


def parse(
    content: bytes,
    file_name: str,
    reference: Reference,
    kind: str | None = None,
    sheet: str | None = None,
    max_rows: int | None = None,
    *,
    capped: bool = True,
) -> Validation:
    """Read and validate a figures or incidents file (recognised from its header).

    `max_rows` defaults to the UPLOAD_MAX_ROWS setting; `capped=False` (the commands) reads
    any number of rows, taking as long as it takes (an upload stops after UPLOAD_PARSE_SECONDS).
    """
    if max_rows is None and capped:
        max_rows = upload_max_rows()
    deadline = Deadline(getattr(settings, "UPLOAD_PARSE_SECONDS", None) if capped else None)
    try:
        table = read_table(content, file_name, sheet, max_rows=max_rows, deadline=deadline)
        kind = kind or detect_kind(table.header)
        if kind in ("figures", "incidents"):
            return _validate(table, kind, reference, deadline)
    except TableError as problem:
        return Validation(kind=kind or "unknown", errors=[problem.error])
    return Validation(kind="unknown", errors=[RowError(1, "", "", NEITHER_KIND)])


NEITHER_KIND = (
    "The header names neither a figures file (it needs a 'count' column) nor an "
    "incidents file (it needs a 'reference' column)"
)


def upload_max_rows() -> int | None:
    """The most data rows one admin upload may have (the commands have no limit)."""
    return getattr(settings, "UPLOAD_MAX_ROWS", None)


class _Row:
    """One row being validated: typed getters that record an error instead of raising."""

    def __init__(self, number: int, values: dict[str, Cell], reference: Reference):
        self.number, self.values, self.reference = number, values, reference
        self.errors: list[RowError] = []

    def error(self, column: str, message: str, suggestions: tuple[str, ...] = ()) -> None:
        value = cells.text(self.values.get(column))
        self.errors.append(RowError(self.number, column, value, message, suggestions))

    def get(self, column: str, convert: Callable = cells.text):
        try:
            return convert(self.values.get(column))
        except cells.CellError as problem:
            self.error(column, f"{column.replace('_', ' ')} {problem}")
            return None

    def required(self, column: str) -> str:
        value = cells.text(self.values.get(column))
        if not value:
            self.error(column, f"{column.replace('_', ' ')} is required")
        return value

    def code(self, column: str, vocabulary: Vocabulary) -> str | None:
        value = cells.text(self.values.get(column))
        if not value:
            return None
        code = vocabulary.resolve(value)
        if code is None:
            self.error(
                column, f"unknown {vocabulary.name}; use one of: {', '.join(vocabulary.codes)}"
            )
        return code

    def dataset(self) -> str | None:
        slug = self.required("dataset").lower()
        if slug and slug not in self.reference.datasets:
            hint = self.reference.nearest_datasets(slug)
            self.error("dataset", "unknown dataset (datasets are added in admin)", hint)
            return None
        return slug or None

    def force(self, *, required: bool) -> str | None:
        name = self.required("force") if required else cells.text(self.values.get("force"))
        if not name:
            return None
        slug = self.reference.force(name)
        if slug is None:
            self.error("force", "unknown force", self.reference.nearest_forces(name))
        return slug


class RowValidator:
    """Validates a file's header, then its rows one at a time (so a file can be streamed)."""

    def __init__(self, kind: str, reference: Reference):
        self.kind, self.reference = kind, reference
        if kind == "figures":
            self.columns, self.required, self.build = FIGURE_COLUMNS, FIGURE_REQUIRED, _figure_row
        else:
            self.columns, self.required = INCIDENT_COLUMNS, INCIDENT_REQUIRED
            self.build = _incident_row

    def header_errors(self, header: list[str]) -> list[RowError]:
        errors = []
        missing = [c for c in self.required if c not in header]
        unknown = [c for c in header if c not in self.columns]
        if missing:
            errors.append(RowError(1, missing[0], "", f"missing column(s): {', '.join(missing)}"))
        if unknown:
            expected = ", ".join(self.columns)
            message = f"unknown column(s): {', '.join(unknown)}; expected: {expected}"
            errors.append(RowError(1, unknown[0], "", message))
        return errors

    def check(self, number: int, values: dict[str, Cell]) -> tuple[object, list[RowError]]:
        """The clean row, or None and what is wrong with it (not duplicates: see `_validate`)."""
        row = _Row(number, values, self.reference)
        if "__extra__" in values:
            row.error(
                "", f"the row has more cells than the header has columns ({values['__extra__']!r})"
            )
            return None, row.errors
        if cells.text(values.get("dataset")).lower() == TEMPLATE_EXAMPLE_DATASET:
            # Only this error: the example's made-up force must not invite an alias.
            row.error(
                "dataset",
                "this is the template's example row, not data: delete the row and put the "
                "force's own rows in its place",
            )
            return None, row.errors
        _check_invisible(row)
        clean = self.build(row)
        return (None, row.errors) if row.errors else (clean, [])


def duplicate_error(kind: str, number: int, first: int) -> RowError:
    message = f"the same {kind[:-1]} appears twice in the file (first at row {first})"
    return RowError(number, "", "", message)


NO_DATA_ROWS = "the file has a header but no data rows"


def _validate(table, kind, reference, deadline: Deadline | None = None) -> Validation:
    """Every row's problems; raises TableError if `deadline` passes (nothing is kept)."""
    result = Validation(kind=kind, rows_read=len(table.rows))
    validator = RowValidator(kind, reference)
    result.errors = validator.header_errors(table.header)
    if result.errors:
        return result
    if not table.rows:
        result.errors.append(RowError(1, "", "", NO_DATA_ROWS))
        return result
    first_seen: dict[tuple, int] = {}
    for number, values in table.rows:
        if deadline is not None:
            deadline.check(number)
        clean, errors = validator.check(number, values)
        if errors:
            result.errors.extend(errors)
            continue
        if clean.key in first_seen:
            result.errors.append(duplicate_error(kind, number, first_seen[clean.key]))
            continue
        first_seen[clean.key] = number
        result.rows.append(clean)
    return result


def _check_invisible(row: _Row) -> None:
    # Every invisible character is unprintable: one C-speed test clears most rows at once.
    values = row.values.values()
    try:
        text = "".join(values)
    except TypeError:  # XLSX cells may be numbers and dates
        text = "".join(value for value in values if isinstance(value, str))
    if text.isprintable():
        return
    for column, value in row.values.items():
        found = INVISIBLE.search(value) if isinstance(value, str) else None
        if found:
            character = found.group()
            name = unicodedata.name(character, "")
            row.error(
                column,
                f"{column.replace('_', ' ')} contains the invisible character "
                f"U+{ord(character):04X}{f' ({name})' if name else ''}, which is not allowed: "
                "remove it",
            )


def _figure_row(row: _Row) -> FigureRow | None:
    dataset = row.dataset()
    force = row.force(required=False)
    start = row.get("period_start", cells.date)
    end = row.get("period_end", cells.date)
    for column, value in (("period_start", start), ("period_end", end)):
        if value is None and not any(e.column == column for e in row.errors):
            row.error(column, f"{column.replace('_', ' ')} is required")
    if start and end and start > end:
        row.error("period_end", "period end is before period start")
    count = row.get("count", cells.count)
    status = row.code("status", RETURN_STATUSES)
    # An unreadable count or an unknown status is already reported: neither is "blank".
    reported = any(e.column in ("count", "status") for e in row.errors)
    if count is None and status is None and not reported:
        row.error(
            "count",
            "count and status are both blank: give a count, or a status saying why there is none",
        )
    elif count is not None and status not in (None, "disclosed"):
        row.error("status", f"a count is given but the status says '{status}'")
    elif count is None and status == "disclosed":
        row.error("count", "the status says disclosed but the count is blank")
    source = SourceKey(
        title=row.required("source_title")
        and row.get("source_title", lambda c: cells.bounded(c, 500)),
        publisher=row.get("source_publisher", lambda c: cells.bounded(c, 300)) or "",
        published_on=row.get("source_date", cells.date),
        url=row.get("source_url", cells.url) or "",
    )
    category = row.code("category", CATEGORIES)
    outcome = row.code("outcome", OUTCOMES)
    role = row.code("role", ROLES)
    note = row.get("note", lambda c: cells.bounded(c, 5000)) or ""
    if row.errors:
        return None
    return FigureRow(
        row=row.number,
        dataset=dataset,
        force=force,
        period_start=start,
        period_end=end,
        category=category,
        outcome=outcome,
        role=role,
        count=count,
        status=status or "disclosed",
        source=source,
        note=note,
    )


@functools.lru_cache(maxsize=4096)  # a case list repeats the same few outcome cells
def _outcomes(raw: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The outcome codes in one cell (in order, once each) and the problems found."""
    outcomes, problems = [], []
    for separator in OUTCOME_SEPARATORS:
        raw = raw.replace(separator, "\n")
    for part in filter(None, (p.strip() for p in raw.split("\n"))):
        code = OUTCOMES.resolve(part)
        if code is None:
            problems.append(f"unknown outcome '{part}'; use one of: {', '.join(OUTCOMES.codes)}")
        elif code not in outcomes:
            outcomes.append(code)
    return tuple(outcomes), tuple(problems)


def _incident_row(row: _Row) -> IncidentRow | None:
    dataset = row.dataset()
    force = row.force(required=True)
    reference = row.required("reference")
    if len(reference) > 100:
        row.error("reference", "reference is longer than 100 characters")
    occurred_on = row.get("occurred_on", cells.date)
    outcome_date = row.get("outcome_date", cells.date)
    if occurred_on and outcome_date and outcome_date < occurred_on:
        row.error("outcome_date", "outcome date is before the date the incident occurred")
    outcomes, problems = _outcomes(cells.text(row.values.get("outcome")))
    for problem in problems:
        row.error("outcome", problem)
    category = row.code("category", CATEGORIES)
    role = row.code("role", ROLES)
    summary = row.get("summary", lambda c: cells.bounded(c, 10000)) or ""
    if row.errors:
        return None
    return IncidentRow(
        row=row.number,
        dataset=dataset,
        force=force,
        reference=reference,
        occurred_on=occurred_on,
        category=category,
        role=role,
        outcomes=outcomes,
        outcome_date=outcome_date,
        summary=summary,
    )
