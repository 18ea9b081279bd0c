"""The whole import in one call, for the management commands and the tests: parse, and save
only when every row is valid.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import BinaryIO

from django.conf import settings
from django.db import transaction

from ..models import Dataset, Force
from ..versions import data_changed
from . import merge
from .reference import Reference
from .rows import Validation
from .saving import ImportResult, save_figures, save_incidents, save_staged_incidents
from .tabular import RowError, TableError, open_table
from .validation import NO_DATA_ROWS, RowValidator, parse

CHUNK_ROWS = 50_000  # rows validated and copied at a time by a streamed import
MAX_ERRORS_KEPT = 1_000  # a streamed file reports this many problems, then counts the rest


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def import_file(
    content: bytes,
    file_name: str,
    *,
    user=None,
    kind: str | None = None,
    sheet: str | None = None,
    capped: bool = True,
) -> tuple[Validation, ImportResult | None]:
    """Parse, validate and, only if every row is valid, save. `capped=False` lifts the
    admin upload's row limit (UPLOAD_MAX_ROWS)."""
    validation = parse(content, file_name, Reference.load(), kind=kind, sheet=sheet, capped=capped)
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


class _Checked:
    """What a streamed import has found so far; keeps the first MAX_ERRORS_KEPT problems."""

    def __init__(self):
        self.validation = Validation(kind="incidents")

    def add(self, errors: list[RowError]) -> None:
        """Record one row's problems (or the file's)."""
        kept, dropped = set(), set()
        for error in errors:
            if len(self.validation.errors) < MAX_ERRORS_KEPT:
                self.validation.errors.append(error)
                kept.add(error.row)
            else:
                dropped.add(error.row)
        self.validation.rejected_beyond += len(dropped - kept)


def import_incidents_stream(
    source: BinaryIO,
    file_name: str,
    *,
    user=None,
    sheet: str | None = None,
    max_rows: int | None = None,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[..., None] | None = None,
) -> tuple[Validation, ImportResult | None]:
    """Import an incidents file of any size from a seekable binary file, in one transaction.

    The file is decoded, validated and COPYed into the staging table `chunk_rows` at a time,
    so memory does not grow with it; the merge happens only if every row is valid (else
    nothing is written, and the first problems are reported). `validation.rows` stays empty.
    `progress(rows_read, bytes_read)` is called after each chunk, and with `phase="merging"`
    before the merge. No row limit by default:
    the admin upload passes UPLOAD_MAX_ROWS.
    """
    checked = _Checked()
    validation = checked.validation
    try:
        stream = open_table(source, file_name, sheet, max_rows)
    except TableError as problem:
        checked.add([problem.error])
        return validation, None
    reference = Reference.load()
    validator = RowValidator("incidents", reference)
    checked.add(validator.header_errors(stream.header))
    if not validation.ok:
        return validation, None
    datasets = dict(Dataset.objects.values_list("slug", "id"))
    forces = dict(Force.objects.values_list("slug", "id"))
    with transaction.atomic():
        merge.create_stage()
        chunk = []
        try:
            for number, values in stream.rows:
                validation.rows_read += 1
                clean, errors = validator.check(number, values)
                if errors:
                    checked.add(errors)
                else:  # staged even after a bad row, so that duplicates are reported too
                    chunk.append(clean)
                if len(chunk) >= chunk_rows:
                    merge.copy_rows(chunk, datasets, forces)
                    chunk = []
                    if progress:
                        progress(validation.rows_read, source.tell())
        except TableError as problem:
            checked.add([problem.error])
        if validation.ok and not validation.rows_read:
            checked.add([RowError(1, "", "", NO_DATA_ROWS)])
        merge.copy_rows(chunk, datasets, forces)
        if progress:
            progress(validation.rows_read, source.tell())
        checked.add(merge.duplicate_errors())
        if not validation.ok:
            transaction.set_rollback(True)
            return validation, None
        size = source.seek(0, 2)
        source.seek(0)
        digest = hashlib.file_digest(source, "sha256").hexdigest()
        # The original file is kept on the batch when an admin upload could have sent it;
        # a larger one is named by its SHA-256 only (it would need all of it in memory).
        content = None
        if size <= settings.UPLOAD_MAX_BYTES:
            source.seek(0)
            content = source.read()
        if progress:
            progress(validation.rows_read, size, phase="merging")
        result = save_staged_incidents(
            file_name=file_name, sha256=digest, user=user, content=content, sheet=sheet or ""
        )
    return validation, result
