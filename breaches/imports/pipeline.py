"""The whole import in one call, for the management commands and the tests: parse, and save
only when every row is valid.
"""

from __future__ import annotations

import hashlib

from ..versions import data_changed
from .reference import Reference
from .rows import Validation
from .saving import ImportResult, save_figures, save_incidents
from .validation import parse


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def import_file(
    content: bytes, file_name: str, *, user=None, kind: str | None = None, sheet: str | None = None
) -> tuple[Validation, ImportResult | None]:
    """Parse, validate and, only if every row is valid, save. The commands' entry point."""
    validation = parse(content, file_name, Reference.load(), kind=kind, sheet=sheet)
    if not validation.ok:
        return validation, None
    return validation, save(validation, content, file_name, user=user, sheet=sheet)


def save(
    validation: Validation, content: bytes, file_name: str, *, user=None, sheet: str | None = None
) -> ImportResult:
    """Save a valid file's rows, keeping the original file on the batch."""
    saver = save_figures if validation.kind == "figures" else save_incidents
    result = saver(
        validation.rows,
        file_name=file_name,
        sha256=sha256(content),
        user=user,
        content=content,
        sheet=sheet or "",
    )
    data_changed()
    return result
