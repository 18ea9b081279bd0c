"""The admin upload workflow's plumbing: stage a file between preview and confirm, and
describe what confirming it would do, without writing to the database.

A previewed file waits in a private folder (settings.UPLOAD_STAGING_DIR), named only by
the uploader's id and the file's SHA-256, so no name from the upload ever reaches a path.
The browser holds a signed token naming that file; confirm checks the signature, the user,
the age and the SHA-256 of the bytes again before anything is saved.
"""

from __future__ import annotations

import io
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core import signing

from ..vocabularies import CATEGORIES, OUTCOMES, RETURN_STATUSES, ROLES
from .pipeline import sha256
from .reference import Reference
from .rows import FigureRow, IncidentRow, Validation
from .saving import Plan, figure_values, incident_values, plan_figures, plan_incidents
from .tabular import RowError
from .validation import parse
from .xlsx_guard import check_xlsx_archive

TOKEN_SALT = "breaches.uploads.staged"
SHA256 = re.compile(r"^[0-9a-f]{64}$")
CHANGES_SHOWN = 500  # the preview lists this many restatements, then says how many more


class StagingError(Exception):
    """The staged upload cannot be used (expired, cancelled, tampered with)."""


@dataclass(frozen=True)
class Staged:
    sha256: str
    file_name: str
    user_id: int

    @property
    def token(self) -> str:
        payload = {"sha": self.sha256, "name": self.file_name, "user": self.user_id}
        return signing.dumps(payload, salt=TOKEN_SALT, compress=True)

    @property
    def path(self) -> Path:
        return staging_dir() / f"{self.user_id}-{self.sha256}"


def staging_dir() -> Path:
    return Path(settings.UPLOAD_STAGING_DIR)


def clean_file_name(name: str) -> str:
    """The file's own name, without any folder a browser sent, for display and history."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(c for c in name if c.isprintable())[:300] or "upload"


def stage(content: bytes, file_name: str, user) -> Staged:
    """Keep an uploaded file for its preview and confirm; returns its handle."""
    directory = staging_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    _remove_stale(directory)
    staged = Staged(sha256(content), clean_file_name(file_name), user.pk)
    partial = directory / f".{staged.path.name}.{os.getpid()}.part"
    partial.write_bytes(content)
    partial.chmod(0o600)
    os.replace(partial, staged.path)  # atomic: a reader never sees half a file
    return staged


def load(token: str, user) -> tuple[Staged, bytes]:
    """The staged file named by a token, checked against its user, age and SHA-256."""
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=settings.UPLOAD_STAGING_MAX_AGE)
        staged = Staged(str(payload["sha"]), str(payload["name"]), int(payload["user"]))
    except signing.SignatureExpired:
        raise StagingError("This upload has expired; upload the file again") from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise StagingError("This upload link is not valid; upload the file again") from None
    if staged.user_id != user.pk or not SHA256.match(staged.sha256):
        raise StagingError("This upload link is not valid; upload the file again")
    try:
        if staged.path.stat().st_size > settings.UPLOAD_MAX_BYTES:
            raise StagingError("This upload is larger than the upload limit")
        content = staged.path.read_bytes()
    except FileNotFoundError:
        raise StagingError(
            "This upload was confirmed, cancelled or has expired; upload the file again"
        ) from None
    if sha256(content) != staged.sha256:
        raise StagingError("The staged file has changed since it was uploaded; upload it again")
    return staged, content


def discard(staged: Staged) -> None:
    staged.path.unlink(missing_ok=True)


def _remove_stale(directory: Path) -> None:
    cutoff = time.time() - settings.UPLOAD_STAGING_MAX_AGE
    for path in directory.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass  # another request removed it first


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


@dataclass(frozen=True)
class Change:
    """One restatement shown in the preview: what, and its value before and after."""

    row: int
    force: str
    what: str
    old: str
    new: str
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
    changes: list[Change] = field(default_factory=list)
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

    @property
    def changes_hidden(self) -> int:
        return max(self.updated - len(self.changes), 0)

    @property
    def can_confirm(self) -> bool:
        return self.validation.ok and self.plan is not None and self.plan.changes_anything


def build_preview(content: bytes, file_name: str, sheet: str | None = None) -> Preview:
    """Parse, validate and plan a staged file: what confirming it would do, row by row."""
    sheets = sheet_names(content, file_name)
    if not sheets:
        sheet = None  # a CSV file (or an unreadable workbook) has no sheets to choose from
    # A sheet the workbook does not have is reported by parse(), with the sheets it has.
    reference = Reference.load()
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
    by_force: dict[str, ForceSummary] = {}

    def summary(row) -> ForceSummary:
        name = reference.force_names.get(row.force) if row.force else "National (no force)"
        return by_force.setdefault(name, ForceSummary(name))

    for row, _ in plan.new:
        summary(row).created += 1
    for row in plan.unchanged:
        summary(row).unchanged += 1
    for row, record in plan.changed:
        force = summary(row)
        force.updated += 1
        if len(preview.changes) < CHANGES_SHOWN:
            describe = _figure_change if plan.kind == "figures" else _incident_change
            preview.changes.append(describe(row, record, plan, force.name))
    preview.forces = sorted(by_force.values(), key=lambda s: s.name)


def _value(count, status) -> str:
    return str(count) if count is not None else RETURN_STATUSES.label(status)


def _breakdown(row: FigureRow) -> str:
    parts = [
        CATEGORIES.label(row.category) if row.category else "",
        OUTCOMES.label(row.outcome) if row.outcome else "",
        ROLES.label(row.role) if row.role else "",
    ]
    return " · ".join(p for p in parts if p) or "total"


def _figure_change(row: FigureRow, figure, plan: Plan, force: str) -> Change:
    new = figure_values(row, plan.sources)
    also = [
        label
        for name, label in (("source_id", "source"), ("note", "note"))
        if getattr(figure, name) != new[name]
    ]
    return Change(
        row=row.row,
        force=force,
        what=f"{row.dataset}, {row.period_start} to {row.period_end}, {_breakdown(row)}",
        old=_value(figure.count, figure.status),
        new=_value(row.count, row.status),
        also=", ".join(also),
    )


def _incident_change(row: IncidentRow, incident, plan: Plan, force: str) -> Change:
    new = incident_values(row)
    changed = [name for name in new if getattr(incident, name) != new[name]]
    old_outcomes = sorted(code for code, _ in plan.outcomes.get(incident.id, set()))
    return Change(
        row=row.row,
        force=force,
        what=f"{row.dataset}, incident {row.reference}",
        old=", ".join(OUTCOMES.label(c) for c in old_outcomes) or "no outcome",
        new=", ".join(OUTCOMES.label(c) for c in sorted(row.outcomes)) or "no outcome",
        also=", ".join(name.replace("_", " ") for name in changed),
    )
