"""Aliases added from an upload's preview: added with where they came from, removable.

An alias changes how every future file is read, and shows on the force's public page, so
one added from a preview records who added it, when, from which file, and (once that file
is confirmed) the batch of the next import that editor confirms (usually the corrected
file); the batch page lists it with a button to remove it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
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


def _pending(user):
    """Aliases this user added from previews lately that no confirmed import has taken up.

    Typically added from the preview of a file with errors, before the corrected file was
    uploaded: the next import the user confirms is the one they were added for.
    """
    since = timezone.now() - dt.timedelta(seconds=settings.UPLOAD_STAGING_MAX_AGE)
    return ForceAlias.objects.filter(
        added_by=user, batch__isnull=True, file_sha256__gt="", added_at__gte=since
    )


def attach_to_batch(batch: ImportBatch, user) -> int:
    """Link the aliases this user added from recent previews to the batch just confirmed."""
    return _pending(user).update(batch=batch)


def added_from_preview(user) -> list[ForceAlias]:
    """Aliases this user added from recent previews, not yet part of a confirmed import."""
    return list(_pending(user).select_related("force").order_by("added_at", "pk"))
