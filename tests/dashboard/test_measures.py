"""The one list of measures (dashboard/measures.py): the league and the chart builder offer,
head and draw each measure under the same code and label."""

import pytest
from bs4 import BeautifulSoup

from breaches.models import Dataset
from dashboard.measures import CHART_MEASURES, MEASURES
from tests.dashboard.test_views import league_rows

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def measure_options(response):
    select = soup(response).find("select", attrs={"name": "metric"})
    return [(option["value"], option.get_text(strip=True)) for option in select.find_all("option")]


@pytest.mark.parametrize("denominator", ["officers", "workforce"])
def test_league_offers_every_measure_under_its_column_header(client, denominator):
    dataset = Dataset.objects.filter(denominator=denominator).order_by("slug").first()
    response = client.get(f"/league/?dataset={dataset.slug}")
    assert measure_options(response) == [(m.code, m.label) for m in MEASURES]
    headers = set(league_rows(response)[0])
    # One rate column: the one on the dataset's denominator.
    shown = {m.label for m in MEASURES if m.denominator in ("", dataset.denominator)}
    assert shown <= headers
    assert not ({m.label for m in MEASURES} - shown) & headers


@pytest.mark.parametrize("measure", [m for m in MEASURES if m.ranks_by], ids=lambda m: m.code)
def test_league_says_what_it_ranks_by(client, measure):
    slug = "dbc-2025"  # counts staff too, so every measure fits
    response = client.get(f"/league/?dataset={slug}&metric={measure.code}")
    assert response.status_code == 200
    text = " ".join(soup(response).get_text().split())
    assert measure.ranks_by in text


def test_chart_builder_offers_the_chart_measures_under_the_same_labels(client):
    league = "/charts/?v=1&chart=league&dataset=bbw-2016"
    assert measure_options(client.get(league)) == [(m.code, m.label) for m in CHART_MEASURES]
    for measure in MEASURES:
        response = client.get(f"{league}&metric={measure.code}", follow=True)
        assert response.status_code == (200 if measure.in_charts else 400)


@pytest.mark.parametrize("measure", CHART_MEASURES, ids=lambda m: m.code)
def test_league_chart_draws_and_names_its_measure(client, measure):
    query = f"v=1&chart=league&dataset=bbw-2016&metric={measure.code}"
    data = client.get(f"/charts/data.json?{query}", follow=True).json()
    drawn = [row for row in data["rows"] if row["value"] is not None]
    assert drawn
    assert all(row["value"] == row[measure.attribute] for row in drawn)
    if measure.code != "count":  # a count's axis is the dataset's unit alone
        assert data["value_label"].endswith(measure.label.lower())
        assert data["subtitle"].endswith(measure.label.lower())
