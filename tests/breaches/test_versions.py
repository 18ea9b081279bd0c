"""The data version changes with imports, retractions and admin edits, and nothing else."""

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
