"""The data version changes with imports, retractions, reference data and admin edits, and
nothing else."""

import pytest
from django.urls import reverse

from breaches.models import Dataset
from breaches.versions import data_version

pytestmark = pytest.mark.django_db


def test_reading_does_not_change_the_version(client):
    before = data_version()
    client.get("/league/?dataset=bbw-2016")
    assert data_version() == before


def test_an_edit_in_admin_changes_the_version(admin_client):
    before = data_version()
    dataset = Dataset.objects.get(slug="bbw-2016")
    url = reverse("admin:breaches_dataset_change", args=[dataset.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["caveat"] = "Edited caveat (test)."
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert Dataset.objects.get(pk=dataset.pk).caveat == "Edited caveat (test)."
    assert data_version() != before


def test_figures_are_read_only_in_admin(admin_client):
    from breaches.models import Figure

    figure = Figure.objects.first()
    url = reverse("admin:breaches_figure_change", args=[figure.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "changed by uploading" in page.content.decode()
    admin_client.post(url, {"count": 999})
    figure.refresh_from_db()
    assert figure.count != 999
    assert admin_client.get(reverse("admin:breaches_figure_add")).status_code == 403


def _fixtures_with_doubled_officers(tmp_path, force: str):
    """A copy of fixtures/ in which `force` has twice the officers."""
    import csv
    import shutil

    from django.conf import settings

    folder = tmp_path / "fixtures"
    shutil.copytree(settings.BASE_DIR / "fixtures", folder)
    path = folder / "workforce.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["force"] == force:
            row["value"] = str(float(row["value"]) * 2)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


def test_loading_reference_data_moves_the_version_when_it_commits(
    tmp_path, django_capture_on_commit_callbacks
):
    import io

    from django.core.management import call_command

    before = data_version()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("load_reference_data", stdout=io.StringIO())
    assert callbacks, "the generation moves on commit"
    assert data_version() == before, "not before the transaction commits"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_reference_data", stdout=io.StringIO())
    assert data_version() != before


def test_a_cached_rate_follows_new_officer_numbers(
    client, tmp_path, django_capture_on_commit_callbacks
):
    """The figures are unchanged (no import batch): only the reference data moved."""
    import io

    from django.core.cache import cache
    from django.core.management import call_command

    cache.clear()
    url = "/charts/data.json?v=1&chart=league&dataset=bbw-2016&metric=per-1000-officers"

    def surrey_rate():
        rows = client.get(url).json()["rows"]
        return next(row["value"] for row in rows if row["force"] == "Surrey Police")

    assert surrey_rate() == 108.4
    folder = _fixtures_with_doubled_officers(tmp_path, "surrey")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_reference_data", folder=folder, stdout=io.StringIO())
    assert surrey_rate() == 54.2
    cache.clear()
