"""Staged uploads in PostgreSQL (or a storage chosen by setting), the preview computed once and
kept with them, and their removal after a day."""

import datetime as dt
import io

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from breaches.imports import staging
from breaches.imports.uploads import ROWS_PER_PAGE
from breaches.models import ImportBatch, StagedPreview, StagedPreviewPage, StagedUpload
from tests.breaches.imports.test_uploads import (
    HEADER,
    confirm,
    figure_file,
    preview,
    table,
    text,
    token_of,
    west_midlands,
)

pytestmark = pytest.mark.django_db
PREVIEW = "admin:breaches_importbatch_preview"
DAY = dt.timedelta(days=1)


@pytest.fixture
def in_a_folder(settings, tmp_path):
    """Staged bytes in a storage (a folder, as a shared mount would be), not in PostgreSQL."""
    settings.STORAGES = {
        **settings.STORAGES,
        "upload_staging": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "staged", "file_permissions_mode": 0o600},
        },
    }
    settings.UPLOAD_STAGING_STORAGE = "upload_staging"
    return tmp_path / "staged"


def many_new_figures(rows: int) -> bytes:
    """`rows` new figures for Surrey, one a day from 1 January 1800 (none is stored yet)."""
    days = (dt.date(1800, 1, 1) + dt.timedelta(days=n) for n in range(rows))
    lines = [
        f"bbw-2016,Surrey Police,{day},{day},,,,{n},,FOI answer\n" for n, day in enumerate(days)
    ]
    return (HEADER + "".join(lines)).encode()


def checked_at(response) -> str:
    return BeautifulSoup(response.content, "html.parser").find(id="checked-at").get_text()


def test_the_preview_is_kept_at_upload_and_a_reload_never_reads_the_file(client, editor):
    response = preview(client, many_new_figures(ROWS_PER_PAGE + 5))
    [kept] = StagedPreview.objects.all()
    assert StagedPreviewPage.objects.filter(preview=kept).count() == 2
    first_rows = table(response, "upload-rows")
    url = reverse(PREVIEW)
    token = token_of(response)

    # The staged bytes are replaced by a file that would preview quite differently: a reload
    # still shows what was checked at upload, because it never parses the file again.
    StagedUpload.objects.update(content=figure_file())
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, {"token": token})
    assert table(again, "upload-rows") == first_rows
    assert checked_at(again) == checked_at(response)
    assert not any('"content"' in query["sql"] for query in queries.captured_queries)
    second = client.get(url, {"token": token, "page": 2})
    assert [row[0] for row in table(second, "upload-rows")] == [
        str(row) for row in range(ROWS_PER_PAGE + 2, ROWS_PER_PAGE + 7)
    ]
    assert StagedPreview.objects.get().pk == kept.pk  # nothing computed again


def test_a_preview_drawn_before_the_data_moved_says_so_and_checks_again_on_request(client, editor):
    response = preview(client, figure_file(count=500))
    assert "The published data changed" not in text(response)
    # Another editor's upload restates the same figure meanwhile.
    other = User.objects.create_user("other", is_staff=True)
    other.groups.add(Group.objects.get(name="Data editors"))
    client.force_login(other)
    confirm(client, preview(client, figure_file(count=600)))
    client.force_login(editor)

    stale = client.get(reverse(PREVIEW), {"token": token_of(response)})
    assert "The published data changed since this file was checked" in text(stale)
    assert b"confirm-import" not in stale.content
    assert table(stale, "upload-rows")[0][:4] == [
        "2",
        "changed",
        "bbw-2016",
        "West Midlands Police",
    ]
    fresh = client.post(
        reverse("admin:breaches_importbatch_check"),
        {"token": token_of(response), "sheet": ""},
        follow=True,
    )
    assert "The published data changed" not in text(fresh)
    assert table(fresh, "upload-rows")[0][8:10] == ["600", "→ 500"]
    confirm(client, fresh)
    assert west_midlands().count == 500


def test_staged_bytes_can_live_in_a_storage_named_by_a_setting(client, editor, in_a_folder):
    content = figure_file()
    response = preview(client, content)
    [row] = StagedUpload.objects.all()
    assert row.content is None
    staged_file = in_a_folder / f"{editor.pk}-{row.sha256}"
    assert staged_file.read_bytes() == content
    assert staged_file.stat().st_mode & 0o777 == 0o600
    confirm(client, response)
    assert bytes(ImportBatch.objects.get(uploaded_by=editor).original) == content
    assert not staged_file.exists()
    assert not StagedUpload.objects.exists()


def test_a_missing_staged_file_is_reported_not_a_500(client, editor, in_a_folder):
    response = preview(client, figure_file())
    for staged_file in in_a_folder.iterdir():
        staged_file.unlink()
    done = client.post(
        reverse("admin:breaches_importbatch_confirm"),
        {"token": token_of(response), "version": "x"},
        follow=True,
    )
    assert "This upload was confirmed, cancelled or has expired" in text(done)
    assert not ImportBatch.objects.filter(uploaded_by=editor).exists()


def staged_at(row: StagedUpload, when) -> StagedUpload:
    StagedUpload.objects.filter(pk=row.pk).update(staged_at=when)
    return row


@pytest.mark.parametrize("where", ["database", "folder"])
def test_cleanup_removes_stagings_older_than_a_day_and_keeps_newer_ones(
    editor, request, where, settings
):
    folder = request.getfixturevalue("in_a_folder") if where == "folder" else None
    assert DAY.total_seconds() == settings.UPLOAD_STAGING_MAX_AGE
    now = timezone.now()
    # Staged first, then made older: each upload cleans up, so they are aged afterwards.
    _, old = staging.stage(figure_file(count=1), "return.csv", editor)
    _, recent = staging.stage(figure_file(count=2), "return.csv", editor)
    staged_at(old, now - DAY - dt.timedelta(minutes=1))
    staged_at(recent, now - DAY + dt.timedelta(minutes=5))
    StagedPreview.objects.create(upload=old, data_version="v", checked_at=old.staged_at, summary={})
    out = io.StringIO()
    call_command("clean_staged_uploads", stdout=out)
    assert out.getvalue().strip() == "Removed 1 staged upload."
    assert list(StagedUpload.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not StagedPreview.objects.exists()
    if folder is not None:
        assert sorted(path.name for path in folder.iterdir()) == [f"{editor.pk}-{recent.sha256}"]
    # The next upload cleans up too: the recent one, once past the day, goes with it.
    staged_at(recent, now - 2 * DAY)
    _, newest = staging.stage(figure_file(count=3), "return.csv", editor)
    assert list(StagedUpload.objects.values_list("pk", flat=True)) == [newest.pk]


def test_an_expired_staging_is_refused_by_name(client, editor):
    response = preview(client, figure_file())
    StagedUpload.objects.update(staged_at=timezone.now() - DAY - dt.timedelta(seconds=1))
    page = client.get(reverse(PREVIEW), {"token": token_of(response)}, follow=True)
    assert "This upload was confirmed, cancelled or has expired" in text(page)


def test_checking_again_with_a_bad_or_missing_token_says_so_and_changes_nothing(client, editor):
    response = preview(client, figure_file())
    kept = StagedPreview.objects.get()
    check = reverse("admin:breaches_importbatch_check")
    for sent in ({}, {"token": token_of(response)[:-3] + "abc"}, {"token": "x", "sheet": "s"}):
        page = client.post(check, sent, follow=True)
        assert "This upload link is not valid; upload the file again" in text(page)
    assert client.get(check, {"token": token_of(response)}).status_code == 405
    assert StagedPreview.objects.get() == kept
    assert StagedPreview.objects.get().checked_at == kept.checked_at


def test_a_staging_without_a_preview_sends_the_editor_back_to_upload(client, editor):
    response = preview(client, figure_file())
    StagedPreview.objects.all().delete()  # as if the upload had stopped before checking it
    page = client.get(reverse(PREVIEW), {"token": token_of(response)}, follow=True)
    assert page.redirect_chain[-1][0] == reverse("admin:breaches_importbatch_add")
    assert "This file has no preview; upload it again." in text(page)
