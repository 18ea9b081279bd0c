"""Previews computed once and kept with the staged file, so that showing one never parses.

A preview is computed when the file is uploaded (and again only when the editor asks: another
sheet, an alias added, "Check again" after the data moved on) and kept in PostgreSQL with
the data version it was drawn at: its summary and problems in one row, the rows it would
create or change a page at a time. Reloading the preview, or paging through it, on any app
server, reads one summary and one page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.core.paginator import Paginator
from django.db import transaction
from django.utils import timezone

from ..models import StagedPreview, StagedPreviewPage, StagedUpload
from .staging import GONE, StagingError
from .tabular import RowError
from .uploads import ROWS_PER_PAGE, DatasetSummary, ForceSummary, Preview, PreviewRow

ERRORS_KEPT = 1000  # problems listed on the page; beyond them, only counted
ROWS_NAMED = 20  # rows named per unknown force name; beyond them, only counted


@dataclass(frozen=True)
class UnknownForce:
    name: str
    rows: tuple[int, ...]  # the first ROWS_NAMED rows naming it
    row_count: int
    suggestions: tuple[str, ...]

    @property
    def rows_not_named(self) -> int:
        return self.row_count - len(self.rows)


@dataclass
class KeptPreview:
    """A kept preview as the page shows it (the same names as Preview where they overlap)."""

    stored: StagedPreview
    file_name: str
    sha256: str
    sheet: str
    sheets: list[str]
    kind: str
    rows_read: int
    ok: bool
    error_count: int
    rejected: int
    errors: list[RowError]
    unknown_forces: list[UnknownForce]
    created: int
    updated: int
    unchanged: int
    can_confirm: bool
    datasets: list[DatasetSummary]
    forces: list[ForceSummary]
    entries: int

    @property
    def errors_not_listed(self) -> int:
        return self.error_count - len(self.errors)

    @property
    def version(self) -> str:
        return self.stored.data_version

    @property
    def checked_at(self) -> dt.datetime:
        return self.stored.checked_at

    def page(self, number, per_page: int = ROWS_PER_PAGE):
        """One page of the rows confirming would create or change, read from its own row."""
        page = Paginator(range(self.entries), per_page).get_page(number)
        kept = self.stored.pages.filter(number=page.number).values_list("rows", flat=True)
        page.object_list = [PreviewRow(**row) for row in kept.first() or []]
        return page


def keep(upload: StagedUpload, preview: Preview, version: str) -> KeptPreview:
    """Keep `preview` (drawn at data version `version`) for its sheet, replacing any before."""
    summary = _summary(preview)
    entries = preview.entries
    with transaction.atomic():
        # The staged row is locked: two servers keeping the same sheet at once take turns,
        # and a staging cancelled meanwhile is reported, not a broken foreign key.
        if not StagedUpload.objects.select_for_update().filter(pk=upload.pk).exists():
            raise StagingError(GONE)
        sheet = preview.sheet or ""
        StagedPreview.objects.filter(upload=upload, sheet=sheet).delete()
        stored = StagedPreview.objects.create(
            upload=upload,
            sheet=sheet,
            data_version=version,
            checked_at=timezone.now(),
            summary=_storable(summary),
        )
        StagedPreviewPage.objects.bulk_create(
            (
                StagedPreviewPage(
                    preview=stored,
                    number=start // ROWS_PER_PAGE + 1,
                    rows=_storable(
                        [
                            asdict(preview.describe(*entry))
                            for entry in entries[start : start + ROWS_PER_PAGE]
                        ]
                    ),
                )
                for start in range(0, len(entries), ROWS_PER_PAGE)
            ),
            batch_size=100,
        )
    return _read(stored)


def kept(upload: StagedUpload, sheet: str | None) -> KeptPreview | None:
    """The preview kept for this sheet ('' or None: the one shown first), if any."""
    stored = StagedPreview.objects.filter(upload=upload, sheet=sheet or "").first()
    if stored is None and not sheet:
        stored = upload.previews.order_by("pk").first()
    return None if stored is None else _read(stored)


def _read(stored: StagedPreview) -> KeptPreview:
    data = stored.summary
    return KeptPreview(
        stored=stored,
        file_name=data["file_name"],
        sha256=data["sha256"],
        sheet=data["sheet"],
        sheets=data["sheets"],
        kind=data["kind"],
        rows_read=data["rows_read"],
        ok=data["ok"],
        error_count=data["error_count"],
        rejected=data["rejected"],
        errors=[RowError(*error[:4], tuple(error[4])) for error in data["errors"]],
        unknown_forces=[
            UnknownForce(u["name"], tuple(u["rows"]), u["row_count"], tuple(u["suggestions"]))
            for u in data["unknown_forces"]
        ],
        created=data["created"],
        updated=data["updated"],
        unchanged=data["unchanged"],
        can_confirm=data["can_confirm"],
        datasets=[DatasetSummary(*row) for row in data["datasets"]],
        forces=[ForceSummary(*row) for row in data["forces"]],
        entries=data["entries"],
    )


def _storable(value):
    """`value` with every string storable in jsonb, which has no NUL (a problem's value may
    hold one: it is shown as the symbol for NUL) and no lone surrogates."""
    if isinstance(value, str):
        if value.isprintable() or (value.isascii() and "\x00" not in value):
            return value
        return value.replace("\x00", "\u2400").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value]
    if isinstance(value, dict):
        return {key: _storable(item) for key, item in value.items()}
    return value


def _summary(preview: Preview) -> dict:
    validation = preview.validation
    return {
        "file_name": preview.file_name,
        "sha256": preview.sha256,
        "sheet": preview.sheet or "",
        "sheets": preview.sheets,
        "kind": validation.kind,
        "rows_read": validation.rows_read,
        "ok": validation.ok,
        "error_count": len(validation.errors),
        "rejected": validation.rejected,
        "errors": [
            [e.row, e.column, e.value, e.message, list(e.suggestions)]
            for e in validation.errors[:ERRORS_KEPT]
        ],
        "unknown_forces": [
            {
                "name": name.name,
                "rows": list(name.rows[:ROWS_NAMED]),
                "row_count": len(name.rows),
                "suggestions": list(name.suggestions),
            }
            for name in preview.unknown_forces
        ],
        "created": preview.created,
        "updated": preview.updated,
        "unchanged": preview.unchanged,
        "can_confirm": preview.can_confirm,
        "datasets": [[s.slug, s.created, s.updated, s.unchanged] for s in preview.datasets],
        "forces": [[s.name, s.created, s.updated, s.unchanged] for s in preview.forces],
        "entries": len(preview.entries),
    }
