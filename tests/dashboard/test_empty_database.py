"""A new installation, before any data is loaded: every public page answers, none with a 500,
and the pages that show data say that there is none yet."""

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

# Pages that show a dataset's figures: each says "No data yet" (with a 404: nothing to show).
DATA_PAGES = [
    "/",
    "/league/",
    "/charts/",
    "/charts/?v=1&chart=league",
    "/charts/?v=1&chart=trend",
    "/charts/?v=1&chart=outcomes",
    "/charts/?v=1&chart=categories",
    "/charts/embed/",
]
# Lists, downloads and the rest: an empty answer, a 404 for what does not exist, a 400 for a
# dataset that does not exist, never a 500.
OTHER_PAGES = [
    "/league/?dataset=bbw-2016",
    "/league/?_export=csv",
    "/forces/",
    "/forces/surrey/",
    "/datasets/",
    "/datasets/bbw-2016/",
    "/figures/",
    "/figures/?_export=csv",
    "/figures/?_export=json",
    "/incidents/",
    "/incidents/?_export=xlsx",
    "/about/",
    "/charts/data.json",
    "/charts/data.csv",
    "/c/abcdefgh/",
    "/c/abcdefgh/data.json",
    "/healthz",
]


@pytest.fixture
def empty_database():
    """Every table of the breaches app emptied (inside the test's transaction)."""
    tables = [model._meta.db_table for model in apps.get_app_config("breaches").get_models()]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


def text(response) -> str:
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text().split())


@pytest.mark.parametrize("url", DATA_PAGES)
def test_pages_of_figures_say_there_is_no_data_yet(client, empty_database, url):
    response = client.get(url, follow=True)
    assert response.status_code == 404, url
    assert "No data yet" in text(response)
    assert "load_reference_data" in text(response)


@pytest.mark.parametrize("url", OTHER_PAGES)
def test_other_pages_answer_without_a_server_error(client, empty_database, url):
    response = client.get(url, follow=True)
    assert response.status_code in (200, 400, 404), (url, response.status_code)


def test_sharing_a_chart_without_data_pins_nothing(client, empty_database, monkeypatch):
    from dashboard.models import PinnedChart

    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")  # no og:image rendering
    response = client.post("/charts/pin", {"v": "1", "chart": "league"})
    assert response.status_code == 404
    assert "No data yet" in text(response)
    assert not PinnedChart.objects.exists()


@pytest.mark.parametrize("url", ["/", "/league/", "/charts/", "/charts/embed/", "/charts/data.csv"])
def test_a_missing_featured_dataset_falls_back_to_the_latest(client, settings, url):
    from breaches.models import Dataset

    settings.FEATURED_DATASET = "no-such-dataset"
    latest = Dataset.objects.order_by("-published_on").first()
    response = client.get(url, follow=True)
    assert response.status_code == 200
    # A page names the dataset; the chart's CSV (rows only) gives its code in every row.
    shown = latest.slug if url.endswith(".csv") else latest.title
    assert shown in response.content.decode()
