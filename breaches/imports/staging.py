"""Previewed uploads, staged where every app server finds them until confirm or cancel.

A staged upload is a StagedUpload row in PostgreSQL: whichever server answers the confirm
behind a load balancer reads the same row (issue 14). Its bytes are in the row, or, with
settings.UPLOAD_STAGING_STORAGE naming an entry of STORAGES, in that storage under a name
made of the editor's id and the file's SHA-256 only, so no name from the upload reaches a
path. The browser holds a signed token naming the editor and the SHA-256; loading checks
the signature, the editor, the age and the SHA-256 of the bytes again.

Stagings older than UPLOAD_STAGING_MAX_AGE are removed by every new upload and by
`manage.py clean_staged_uploads` (docs/deploy.md).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import StagedUpload
from .pipeline import sha256

TOKEN_SALT = "breaches.uploads.staged"
SHA256 = re.compile(r"^[0-9a-f]{64}$")
GONE = "This upload was confirmed, cancelled or has expired; upload the file again"


class StagingError(Exception):
    """The staged upload cannot be used (expired, cancelled, tampered with)."""


@dataclass(frozen=True)
class Staged:
    """What a token names: an editor's staged file, by its SHA-256."""

    sha256: str
    file_name: str
    user_id: int

    @property
    def token(self) -> str:
        payload = {"sha": self.sha256, "name": self.file_name, "user": self.user_id}
        return signing.dumps(payload, salt=TOKEN_SALT, compress=True)

    @property
    def storage_name(self) -> str:
        return f"{self.user_id}-{self.sha256}"


def clean_file_name(name: str) -> str:
    """The file's own name, without any folder a browser sent, for display and history."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(c for c in name if c.isprintable())[:300] or "upload"


def _storage():
    """The storage holding staged bytes, or None when they are kept in PostgreSQL."""
    alias = settings.UPLOAD_STAGING_STORAGE
    return storages[alias] if alias else None


def stage(content: bytes, file_name: str, user) -> tuple[Staged, StagedUpload]:
    """Keep an uploaded file for its preview and confirm (replacing the same file staged
    before by the same editor, with its previews); returns its handle and row."""
    clean_up()
    staged = Staged(sha256(content), clean_file_name(file_name), user.pk)
    storage = _storage()
    if storage is not None:
        storage.delete(staged.storage_name)
        storage.save(staged.storage_name, ContentFile(content))
    try:
        with transaction.atomic():
            StagedUpload.objects.filter(uploaded_by=user, sha256=staged.sha256).delete()
            row = StagedUpload.objects.create(
                uploaded_by=user,
                sha256=staged.sha256,
                file_name=staged.file_name,
                size=len(content),
                content=None if storage is not None else content,
                staged_at=timezone.now(),
            )
    except IntegrityError:  # the same editor sent the same file to another server just now
        row = StagedUpload.objects.get(uploaded_by=user, sha256=staged.sha256)
    return staged, row


def find(token: str, user) -> tuple[Staged, StagedUpload]:
    """The staged upload a token names (its bytes not read), checked against the editor and
    its age."""
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=settings.UPLOAD_STAGING_MAX_AGE)
        staged = Staged(str(payload["sha"]), str(payload["name"]), int(payload["user"]))
    except signing.SignatureExpired:
        raise StagingError("This upload has expired; upload the file again") from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise StagingError("This upload link is not valid; upload the file again") from None
    if staged.user_id != user.pk or not SHA256.match(staged.sha256):
        raise StagingError("This upload link is not valid; upload the file again")
    row = (
        StagedUpload.objects.defer("content")
        .filter(uploaded_by=user, sha256=staged.sha256, staged_at__gte=_cutoff())
        .first()
    )
    if row is None:
        raise StagingError(GONE)
    return staged, row


def read(staged: Staged, row: StagedUpload) -> bytes:
    """The staged bytes, checked against the upload limit and their SHA-256."""
    if row.size > settings.UPLOAD_MAX_BYTES:
        raise StagingError("This upload is larger than the upload limit")
    storage = _storage()
    if storage is None:
        content = StagedUpload.objects.filter(pk=row.pk).values_list("content", flat=True).first()
        content = bytes(content) if content is not None else None
    else:
        try:
            with storage.open(staged.storage_name, "rb") as file:
                content = file.read(settings.UPLOAD_MAX_BYTES + 1)
        except FileNotFoundError:
            content = None
    if content is None:
        raise StagingError(GONE)
    if sha256(content) != staged.sha256:
        raise StagingError("The staged file has changed since it was uploaded; upload it again")
    return content


def discard(staged: Staged) -> None:
    """Forget a staged upload and its previews (confirmed or cancelled)."""
    StagedUpload.objects.filter(uploaded_by_id=staged.user_id, sha256=staged.sha256).delete()
    storage = _storage()
    if storage is not None:
        storage.delete(staged.storage_name)


def clean_up(now: dt.datetime | None = None) -> int:
    """Remove the stagings older than UPLOAD_STAGING_MAX_AGE; returns how many."""
    stale = StagedUpload.objects.filter(staged_at__lt=_cutoff(now))
    storage = _storage()
    if storage is not None:
        for user_id, digest in stale.values_list("uploaded_by_id", "sha256"):
            storage.delete(Staged(digest, "", user_id).storage_name)
    _, removed = stale.delete()  # their previews with them (ON DELETE CASCADE in Django)
    return removed.get(StagedUpload._meta.label, 0)


def _cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(seconds=settings.UPLOAD_STAGING_MAX_AGE)
