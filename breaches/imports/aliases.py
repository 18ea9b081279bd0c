"""Aliases added from an upload's preview: added with where they came from, removable.

An alias changes how every future file is read, and shows on the force's public page, so
one added from a preview records who added it, when, from which file, and (once that file
is confirmed) its batch; the batch page lists it with a button to remove it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Force, ForceAlias, ImportBatch


class AliasTaken(ValueError):
    """The name is already an alias (perhaps added by someone else a moment ago)."""


def add_from_preview(
    alias: str, force: Force, *, user, file_name: str, file_sha256: str
) -> ForceAlias:
    """Record `alias` as another name of `force`, from the preview of an uploaded file."""
    try:
        # A savepoint: two editors adding the same name at once meet the unique index, and
        # the loser gets a message, not a broken transaction (or a 500).
        with transaction.atomic():
            return ForceAlias.objects.create(
                alias=alias,
                force=force,
                note=f"Added from the preview of {file_name}"[:300],
                added_by=user,
                added_at=timezone.now(),
                file_name=file_name[:300],
                file_sha256=file_sha256,
            )
    except IntegrityError:
        existing = ForceAlias.objects.select_related("force").filter(alias__iexact=alias).first()
        where = f" of {existing.force}" if existing else ""
        raise AliasTaken(f"'{alias}' is already an alias{where}: nothing was added") from None


def attach_to_batch(batch: ImportBatch, user) -> int:
    """Link the aliases this user added from this file's preview to the batch it became."""
    return ForceAlias.objects.filter(
        file_sha256=batch.sha256, added_by=user, batch__isnull=True
    ).update(batch=batch)


def added_from_preview(file_sha256: str, user) -> list[ForceAlias]:
    """Aliases this user added from the preview of this file, not yet part of a batch."""
    return list(
        ForceAlias.objects.filter(file_sha256=file_sha256, added_by=user, batch__isnull=True)
        .select_related("force")
        .order_by("added_at", "pk")
    )
