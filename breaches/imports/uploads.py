"""The admin upload workflow's core: describe what confirming a file would do, without
writing to the database, and commit it only if the data is still as the preview showed.

The file waits between preview and confirm in staging.py; the preview is computed once and
kept beside it (previews.py).
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Paginator
from django.db import transaction

from ..versions import data_version
from ..vocabularies import CATEGORIES, OUTCOMES, RETURN_STATUSES, ROLES
from . import aliases, budget, pipeline
from .pipeline import sha256
from .reference import Reference
from .rows import FigureRow, IncidentRow, Validation
from .saving import (
    ImportResult,
    Plan,
    figure_values,
    incident_values,
    lock_imports,
    plan_figures,
    plan_incidents,
)
from .tabular import RowError
from .validation import parse
from .xlsx_guard import check_xlsx_archive

ROWS_PER_PAGE = 100  # rows to be created or changed shown per preview page


class DataMoved(Exception):
    """The published data changed since the preview was drawn: nothing was saved."""


def sheet_names(content: bytes, file_name: str) -> list[str]:
    """The sheets of an XLSX workbook ([] for CSV or an unreadable workbook)."""
    if not (content.startswith(b"PK\x03\x04") or file_name.lower().endswith(".xlsx")):
        return []
    from openpyxl import load_workbook

    try:
        check_xlsx_archive(content)
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # an archive too big, or damaged in one of many ways: parse() says which
        return []
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


@dataclass
class ForceSummary:
    name: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class DatasetSummary:
    """Rows per dataset: how many confirming would create, restate and leave alone."""

    slug: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class PreviewRow:
    """One row that confirming would create or change, with every value it sets."""

    row: int
    action: str  # "new", "published again" (a withdrawn record revived) or "changed"
    dataset: str
    force: str
    period: str  # figures: start to end; incidents: the date it occurred
    category: str
    outcome: str
    role: str
    old: str  # the value now ('' for a new row)
    new: str
    reference: str = ""  # incidents only
    also: str = ""  # other fields that change (source, note, summary...)


@dataclass(frozen=True)
class UnknownName:
    name: str
    rows: tuple[int, ...]
    suggestions: tuple[str, ...]


@dataclass
class Preview:
    """Everything the preview page shows; built without writing to the database."""

    file_name: str
    sha256: str
    sheet: str | None
    sheets: list[str]
    validation: Validation
    plan: Plan | None = None
    forces: list[ForceSummary] = field(default_factory=list)
    datasets: list[DatasetSummary] = field(default_factory=list)
    # (row, record or None, action) for every row confirming would write, in file order;
    # described (PreviewRow) only a page at a time, so a large file costs no more to show.
    entries: list[tuple] = field(default_factory=list)
    force_names: dict[str, str] = field(default_factory=dict)
    unknown_forces: list[UnknownName] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.validation.kind

    @property
    def created(self) -> int:
        return len(self.plan.new) if self.plan else 0

    @property
    def updated(self) -> int:
        return len(self.plan.changed) if self.plan else 0

    @property
    def unchanged(self) -> int:
        return len(self.plan.unchanged) if self.plan else 0

    def page(self, number, per_page: int = ROWS_PER_PAGE):
        """One page of the rows confirming would create or change, each fully described."""
        page = Paginator(self.entries, per_page).get_page(number)
        page.object_list = [self.describe(*entry) for entry in page.object_list]
        return page

    def describe(self, row, record, action: str) -> PreviewRow:
        """One entry (row, record or None, action) as the preview shows it."""
        force = self.force_names.get(row.force, row.force) if row.force else "National (no force)"
        describe = _figure_row if self.kind == "figures" else _incident_row
        return describe(row, record, action, self.plan, force)

    @property
    def can_confirm(self) -> bool:
        return self.validation.ok and self.plan is not None and self.plan.changes_anything


def build_preview(
    content: bytes, file_name: str, sheet: str | None = None, validation: Validation | None = None
) -> Preview:
    """Parse, validate and plan a staged file: what confirming it would do, row by row.

    `validation` is the file already parsed (by confirm), so that it is not parsed twice.
    """
    sheets = sheet_names(content, file_name)
    if not sheets:
        sheet = None  # a CSV file (or an unreadable workbook) has no sheets to choose from
    # A sheet the workbook does not have is reported by parse(), with the sheets it has.
    reference = Reference.load()
    if validation is None:
        validation = parse(content, file_name, reference, sheet=sheet)
    preview = Preview(file_name, sha256(content), sheet, sheets, validation)
    preview.unknown_forces = _unknown_forces(validation.errors)
    if not validation.ok:
        return preview
    if validation.kind == "figures":
        preview.plan = plan_figures(validation.rows)
    else:
        preview.plan = plan_incidents(validation.rows)
    _summarise(preview, reference)
    return preview


def parse_staged(content: bytes, file_name: str, sheet: str | None) -> Validation:
    """Parse and validate a staged file for confirm (the preview was parsed at upload)."""
    return parse(content, file_name, Reference.load(), sheet=sheet or None)


@transaction.atomic
def commit(
    validation: Validation,
    content: bytes,
    file_name: str,
    sheet: str | None,
    user,
    shown_version: str,
) -> ImportResult:
    """Save a previewed file, only if the data is still as the preview showed it.

    The data version is compared after the import lock is taken: an import or retraction
    committed while this one waited for the lock moves the version on, so the editor is sent
    back to a fresh preview instead of committing changes they were never shown. Everything
    here, the wait for the lock included, takes at most UPLOAD_SAVE_SECONDS, or raises
    budget.OverBudget and nothing is saved.
    """
    with budget.within(settings.UPLOAD_SAVE_SECONDS):
        lock_imports()
        if not shown_version or shown_version != data_version():
            raise DataMoved
        result = pipeline.save(validation, content, file_name, user=user, sheet=sheet)
        if result.batch is not None:
            aliases.attach_to_batch(result.batch, user)
    return result


def _unknown_forces(errors: list[RowError]) -> list[UnknownName]:
    rows: dict[str, list[int]] = defaultdict(list)
    suggestions: dict[str, tuple[str, ...]] = {}
    for error in errors:
        if error.column == "force" and error.message == "unknown force" and error.value:
            rows[error.value].append(error.row)
            suggestions[error.value] = error.suggestions
    return [UnknownName(name, tuple(rows[name]), suggestions[name]) for name in rows]


def _summarise(preview: Preview, reference: Reference) -> None:
    plan = preview.plan
    preview.force_names = reference.force_names
    by_force: dict[str, ForceSummary] = {}
    by_dataset: dict[str, DatasetSummary] = {}

    def count(row, what: str) -> None:
        name = reference.force_names.get(row.force) if row.force else "National (no force)"
        for summary in (
            by_force.setdefault(name, ForceSummary(name)),
            by_dataset.setdefault(row.dataset, DatasetSummary(row.dataset)),
        ):
            setattr(summary, what, getattr(summary, what) + 1)

    for row, record in plan.new:
        count(row, "created")
        preview.entries.append((row, record, "new" if record is None else "published again"))
    for row in plan.unchanged:
        count(row, "unchanged")
    for row, record in plan.changed:
        count(row, "updated")
        preview.entries.append((row, record, "changed"))
    preview.entries.sort(key=lambda entry: entry[0].row)
    preview.forces = sorted(by_force.values(), key=lambda s: s.name)
    preview.datasets = sorted(by_dataset.values(), key=lambda s: s.slug)


def _value(count, status) -> str:
    return str(count) if count is not None else RETURN_STATUSES.label(status)


def _figure_row(row: FigureRow, figure, action: str, plan: Plan, force: str) -> PreviewRow:
    also = ""
    if action == "changed":
        new = figure_values(row, plan.sources)
        also = ", ".join(
            label
            for name, label in (("source_id", "source"), ("note", "note"))
            if getattr(figure, name) != new[name]
        )
    return PreviewRow(
        row=row.row,
        action=action,
        dataset=row.dataset,
        force=force,
        period=f"{row.period_start} to {row.period_end}",
        category=CATEGORIES.label(row.category) if row.category else "all",
        outcome=OUTCOMES.label(row.outcome) if row.outcome else "all",
        role=ROLES.label(row.role) if row.role else "all",
        old=_value(figure.count, figure.status) if action == "changed" else "",
        new=_value(row.count, row.status),
        also=also,
    )


def _outcomes(codes) -> str:
    return ", ".join(OUTCOMES.label(code) for code in sorted(codes)) or "no outcome"


def _incident_row(row: IncidentRow, incident, action: str, plan: Plan, force: str) -> PreviewRow:
    also = ""
    old = ""
    if action == "changed":
        new = incident_values(row)
        also = ", ".join(
            name.replace("_", " ") for name in new if getattr(incident, name) != new[name]
        )
        old = _outcomes(code for code, _ in plan.outcomes.get(incident.id, set()))
    return PreviewRow(
        row=row.row,
        action=action,
        dataset=row.dataset,
        force=force,
        period=str(row.occurred_on or "date not given"),
        category=CATEGORIES.label(row.category) if row.category else "",
        outcome="",
        role=ROLES.label(row.role) if row.role else "",
        old=old,
        new=_outcomes(row.outcomes),
        reference=row.reference,
        also=also,
    )
