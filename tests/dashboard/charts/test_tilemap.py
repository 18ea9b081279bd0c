"""The tile map (chart=map and the home page): every force drawn in the right state, the
same content as the table, links to forces; the layout file is complete."""

import datetime as dt
import json

import pytest
from bs4 import BeautifulSoup

from dashboard.charts.tilemap import class_bounds, tile_state
from tests import fixture_files

pytestmark = pytest.mark.django_db
MAP = "v=1&chart=map&dataset=bbw-2016"


def layout_rows():
    return fixture_files.rows("force_tiles.csv")


def expected_states(client) -> dict[str, str]:
    """Force slug -> value / withheld / no-figure, from figures.csv for the map's period."""
    rows = json.loads(client.get(f"/charts/data.json?{MAP}").content)["rows"]
    dated = next(row for row in rows if row["period_start"])
    start, end = (dt.date.fromisoformat(dated[k]) for k in ("period_start", "period_end"))
    totals = fixture_files.totals("bbw-2016", start, end)
    return {
        tile["force"]: "no-figure"
        if tile["force"] not in totals
        else ("withheld" if totals[tile["force"]] is None else "value")
        for tile in layout_rows()
    }


@pytest.mark.django_db(False)
def test_layout_places_every_force_with_an_area_once():
    places = [(row["column"], row["row"]) for row in layout_rows()]
    assert len(places) == len(set(places))
    forces = {row["slug"]: row["kind"] for row in fixture_files.rows("forces.csv")}
    on_map = {row["force"] for row in layout_rows()}
    assert on_map <= set(forces)
    assert {slug for slug, kind in forces.items() if kind != "special"} == on_map


@pytest.mark.django_db(False)
def test_classes_are_quintiles_and_states_never_confuse_missing_with_zero():
    assert class_bounds([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == [3, 5, 7, 9, 10]
    zero = {"status": "disclosed", "value": 0, "count": 0}
    withheld = {"status": "not-disclosed", "value": None, "count": None}
    assert tile_state(zero) == "value"
    assert tile_state(withheld) == "withheld"
    assert tile_state(None) == "no-figure"


def test_chart_page_draws_every_force_in_its_state_and_the_table_matches(client):
    expected = expected_states(client)
    page = BeautifulSoup(client.get(f"/charts/?{MAP}").content, "html.parser")
    tiles = {a["data-force"]: a for a in page.select("svg.tilemap-svg a")}
    assert {slug: a["data-state"] for slug, a in tiles.items()} == expected
    for slug, a in tiles.items():
        assert a["href"] == f"/forces/{slug}/"
        if a["data-state"] != "value":
            assert a.select("text")[1].get_text() in ("n/d", "–")  # never a number
    table = {tr["data-force"]: tr for tr in page.select("table.tilemap-table tbody tr")}
    assert set(tiles) <= set(table)
    for slug, a in tiles.items():
        assert table[slug]["data-state"] == a["data-state"]
        value = table[slug].select_one("td").get_text(strip=True)
        if a["data-state"] == "value":
            assert value == a.select("text")[1].get_text()
            totals_value = a.select_one("title").get_text().split(": ")[-1]
            assert totals_value == value
    # Forces with no area are in the table only.
    apart = set(table) - set(tiles)
    assert all("not on the map" in table[slug].get_text() for slug in apart)
    assert "#chart-figure" not in str(page.select_one("figure.chart"))


def test_home_page_map_is_the_featured_dataset(client, settings):
    settings.FEATURED_DATASET = "bbw-2016"
    expected = expected_states(client)
    page = BeautifulSoup(client.get("/").content, "html.parser")
    tiles = {a["data-force"]: a["data-state"] for a in page.select("#map ~ .tilemap a")}
    assert tiles == expected
    assert page.select("details.map-table table.tilemap-table tbody tr")


def test_map_parameters(client):
    assert client.get(f"/charts/?{MAP}&forces=surrey")["Location"].endswith(f"?{MAP}")
    rate = client.get(f"/charts/data.json?{MAP}&metric=per-1000-officers")
    rows = json.loads(rate.content)["rows"]
    assert all(row["value"] == row["rate_per_1000"] for row in rows if row["value"] is not None)
    bad = client.get(f"/charts/?{MAP}&metric=most")
    assert bad.status_code == 400
    error = BeautifulSoup(bad.content, "html.parser").select_one("#error-metric")
    assert "Choose one of" in error.get_text()


def test_upload_text_is_escaped_in_the_map(client):
    from breaches.models import Force

    Force.objects.filter(slug="surrey").update(name="<script>x()</script> Surrey")
    response = client.get(f"/charts/?{MAP}")
    assert b"<script>x()</script>" not in response.content
    assert b"&lt;script&gt;x()&lt;/script&gt; Surrey" in response.content
