"""Chart pages, their twins, pinned charts and embeds, on the real published figures."""

import csv
import datetime as dt
import io
import json
import struct

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.core.management import CommandError, call_command

from dashboard.models import PinnedChart
from tests import fixture_files

pytestmark = pytest.mark.django_db

LEAGUE = "v=1&chart=league&dataset=bbw-2016"
SURREY_RESTATED = [
    ["dataset", "force", "period_start", "period_end", "count", "source_title", "note"],
    ["bbw-2016", "Surrey Police", "2011-06-01", "2015-12-31", "210", "Surrey FOI 2017", "Restated"],
]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def no_browser(monkeypatch):
    """Kaleido with no chromium to drive: rendering fails, as on a broken deployment."""
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def by_force(rows, series=""):
    return {row["force"]: row for row in rows if row["series"] == series}


def png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", content[16:24])


def test_league_json_twin_has_rows_sources_and_caveats(client, django_assert_max_num_queries):
    # form (dataset), data version, dataset, periods (published 1, counted 2), league (3),
    # counted league (the cells, complete lists, forces), sources
    with django_assert_max_num_queries(13):
        response = client.get(f"/charts/data.json?{LEAGUE}")
    assert response.status_code == 200
    data = response.json()
    assert data["state"] == {"v": "1", "chart": "league", "dataset": "bbw-2016"}
    assert [row["force"] for row in data["rows"][:2]] == ["West Midlands Police", "Surrey Police"]
    rows = by_force(data["rows"])
    assert rows["West Midlands Police"]["value"] == 488
    assert rows["Surrey Police"]["source_title"] == "Data breaches: Surrey Police second worst"
    assert rows["Northumbria Police"]["value"] is None
    assert rows["Northumbria Police"]["status"] == "not-disclosed"
    assert "not like for like" in data["caveat"]
    assert data["datasets"][0]["publisher"] == "Big Brother Watch"
    assert any(s["publisher"] == "Staines Informer" for s in data["sources"])
    assert data["summary"].startswith("West Midlands Police had the highest figure (488")


def test_twins_are_cached_until_the_data_version_changes(client, django_assert_num_queries):
    client.get(f"/charts/data.json?{LEAGUE}")
    with django_assert_num_queries(2):  # the dataset code's check and the data version
        assert client.get(f"/charts/data.json?{LEAGUE}").status_code == 200


def test_rate_per_1000_shows_the_workforce_date(client):
    rows = by_force(
        client.get(f"/charts/data.json?{LEAGUE}&metric=per-1000-officers").json()["rows"]
    )
    assert rows["Surrey Police"]["value"] == 108.4
    assert rows["Surrey Police"]["workforce_as_of"] == "2015-03-31"


def test_csv_twin_matches_the_json_rows(client):
    response = client.get(f"/charts/data.csv?{LEAGUE}")
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, first = lines[0], lines[1]
    assert header[:3] == ["force", "force_slug", "dataset"]
    assert dict(zip(header, first, strict=True))["value"] == "488"
    northumbria = next(line for line in lines if line and line[0] == "Northumbria Police")
    assert dict(zip(header, northumbria, strict=True))["value"] == ""
    # Pure CSV: every line is a row of the header's width; the caveats are in the JSON.
    assert all(len(line) == len(header) for line in lines)
    assert len(lines) == 1 + len(client.get(f"/charts/data.json?{LEAGUE}").json()["rows"])


def test_trend_keeps_datasets_as_separate_series(client):
    data = client.get("/charts/data.json?v=1&chart=trend&forces=sussex").json()
    sussex = [row for row in data["rows"] if row["force"] == "Sussex Police"]
    assert {row["dataset"] for row in sussex} == {"bbw-2016", "vpnoverview-2021", "dbc-2025"}
    year_2020 = next(row for row in sussex if row["period_start"] == "2020-01-01")
    assert year_2020["count"] == 334
    assert year_2020["value"] == 334.0  # a calendar year is one year, leap or not
    assert data["rows"] == sorted(data["rows"], key=lambda r: (r["period_start"], r["dataset"]))
    assert "compare the shape" in data["caveat"]
    assert len(data["datasets"]) == 3


def test_trend_from_to_limits_the_periods(client):
    data = client.get("/charts/data.json?v=1&chart=trend&forces=sussex&from=2022").json()
    assert {row["dataset"] for row in data["rows"]} == {"dbc-2025"}


def test_outcomes_keep_a_published_zero_apart_from_no_figure(client):
    data = client.get("/charts/data.json?v=1&chart=outcomes&dataset=bbw-2016").json()
    humberside = {r["series"]: r for r in data["rows"] if r["force"] == "Humberside Police"}
    assert humberside["criminal-sanction"]["value"] == 0.0
    assert humberside["criminal-sanction"]["count"] == 0
    assert humberside["no-formal-action"]["value"] is None
    assert humberside["no-formal-action"]["status"] == "no-figure"
    # Resigned 5, dismissals not published: at least 5 of 168.
    assert humberside["resigned-or-dismissed"]["lower_bound"] is True
    assert humberside["resigned-or-dismissed"]["value"] == pytest.approx(3.0)
    surrey = {r["series"]: r for r in data["rows"] if r["force"] == "Surrey Police"}
    assert surrey["no-formal-action"]["count"] == 105  # 86 + 16 + 3, complete breakdown
    assert surrey["no-formal-action"]["lower_bound"] is False
    # Forces without an outcome breakdown are left out.
    assert "West Midlands Police" not in {r["force"] for r in data["rows"]}


def test_categories_list_only_forces_with_a_category_breakdown(client):
    data = client.get("/charts/data.json?v=1&chart=categories&dataset=bbw-2016").json()
    forces = {r["force"] for r in data["rows"]}
    assert forces == {"North Yorkshire Police", "Durham Constabulary"}
    assert {r["series"] for r in data["rows"]} == {"unauthorised-access"}


def test_chosen_force_without_figure_says_so(client):
    data = client.get(f"/charts/data.json?{LEAGUE}&forces=kent~surrey").json()
    rows = by_force(data["rows"])
    assert set(rows) == {"Surrey Police", "Kent Police"}
    assert rows["Kent Police"]["status"] == "no-figure"
    assert rows["Kent Police"]["value"] is None


@pytest.mark.parametrize("chart", ["league", "outcomes", "categories", "trend"])
def test_chart_page_embeds_the_figure_table_and_summary(client, chart):
    response = client.get(f"/charts/?v=1&chart={chart}&dataset=bbw-2016", follow=True)
    assert response.status_code == 200
    page = soup(response)
    figure = json.loads(page.find("script", id="chart-figure").get_text())
    assert figure["data"]
    assert page.select_one("[data-summary]").get_text().endswith(".")
    assert page.select(".chart-table tbody tr")
    assert not [
        s for s in page.find_all("script") if s.string and s.get("type") != "application/json"
    ]
    assert page.find("meta", property="og:image")["content"].endswith("/static/img/og-generic.png")
    assert page.find("meta", attrs={"name": "twitter:card"})["content"] == "summary_large_image"


def test_league_page_table_reads_as_published(client):
    page = soup(client.get(f"/charts/?{LEAGUE}"))
    cells = {
        row.th.get_text(strip=True): [td.get_text(" ", strip=True) for td in row.find_all("td")]
        for row in page.select(".chart-table tbody tr")
    }
    assert cells["West Midlands Police"][1] == "488"
    assert cells["Northumbria Police"][1] == "not disclosed"


def test_plotly_bundle_is_served_by_the_app(client):
    page = soup(client.get(f"/charts/?{LEAGUE}"))
    sources = [tag["src"] for tag in page.find_all("script", src=True)]
    assert "/static/vendor/plotly-basic-4.1.1.min.js" in sources
    assert "/static/js/charts.js" in sources
    assert all(not src.startswith("http") for src in sources)


def test_pages_refuse_framing_but_embeds_allow_it(client):
    assert client.get(f"/charts/?{LEAGUE}")["X-Frame-Options"] == "DENY"
    embed = client.get(f"/charts/embed/?{LEAGUE}")
    assert embed.status_code == 200
    assert b'class="embed-title">' in embed.content  # an embed says what it shows
    assert "X-Frame-Options" not in embed


def pin(client, query=LEAGUE):
    params = dict(pair.split("=") for pair in query.split("&"))
    return client.post("/charts/pin", params)


def test_pinning_is_idempotent_and_pinned_pages_are_immutable(client, no_browser):
    first = pin(client)
    assert first.status_code == 302
    assert first["Location"].startswith("/c/")
    assert pin(client)["Location"] == first["Location"]
    assert PinnedChart.objects.count() == 1
    url = first["Location"]
    for path in ("", "embed/", "data.json", "data.csv"):
        response = client.get(url + path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "X-Frame-Options" not in client.get(url + "embed/")
    assert client.get(url)["X-Frame-Options"] == "DENY"
    page = soup(client.get(url))
    assert page.find("meta", property="og:image")["content"].endswith(url + "image.png")
    assert "data as published on" in page.select_one(".pinned-note").get_text()


def test_a_pin_waits_with_a_generic_image_and_a_failed_render_is_kept(
    client, no_browser, monkeypatch
):
    url = pin(client)["Location"]
    pinned = PinnedChart.objects.get()
    assert (pinned.image, pinned.image_error) == (None, "")  # pending: rendered off the request
    generic = client.get(url + "image.png")
    assert generic["Content-Type"] == "image/png"
    assert generic["Cache-Control"] == "public, max-age=60"
    assert png_size(generic.content) == (1200, 630)

    with pytest.raises(CommandError, match="1 image"):  # no chromium: the error is kept
        call_command(
            "render_pinned_images", "--pending", stdout=io.StringIO(), stderr=io.StringIO()
        )
    pinned.refresh_from_db()
    assert "Chrome" in pinned.image_error
    assert client.get(url + "image.png").content == generic.content
    call_command("render_pinned_images", "--pending", stdout=io.StringIO())  # tried: not pending

    monkeypatch.delenv("BROWSER_PATH")
    call_command("render_pinned_images", stdout=io.StringIO())  # without --pending: failed too
    image = client.get(url + "image.png")
    assert image["Cache-Control"] == "public, max-age=31536000, immutable"
    assert png_size(image.content) == (1200, 630)
    assert image.content != generic.content


def test_renderers_never_render_a_pin_another_holds(client, no_browser):
    """Renderers started by several workers claim pins with SKIP LOCKED."""
    from dashboard.charts.rendering import pending, render_claimed

    pin(client)
    pin(client, "v=1&chart=outcomes&dataset=bbw-2016")
    first = PinnedChart.objects.order_by("created_at").first()
    claims = render_claimed(pending())
    claimed, _ = next(claims)  # the oldest pending pin (its render failed: no chromium)
    assert claimed.pk == first.pk
    assert [pin.pk for pin, _ in claims] == [PinnedChart.objects.exclude(pk=first.pk).get().pk]


def test_pin_urls_that_cannot_be_a_pin_are_404s(client):
    url = pin(client)["Location"]
    for bad in ("%00", "doesnotexist", "ABCDEFGHIJKL", url.split("/")[2] + "x"):
        for suffix in ("", "embed/", "image.png", "data.json", "data.csv", "live.json"):
            response = client.get(f"/c/{bad}/{suffix}")
            assert response.status_code == 404, (bad, suffix)
            assert b"Page not found" in response.content


def test_downloads_are_named_after_the_chart(client, no_browser):
    query = "v=1&chart=trend&dataset=&forces=kent~surrey&from=2012"
    response = client.get(f"/charts/data.csv?{query}", follow=True)
    assert response["Content-Disposition"] == (
        'attachment; filename="trend-all-datasets-forces-kent-surrey-from-2012.csv"'
    )
    league = client.get(f"/charts/data.json?{LEAGUE}&metric=per-1000-officers")
    assert league["Content-Disposition"] == (
        'inline; filename="league-bbw-2016-metric-per-1000-officers.json"'
    )
    url = pin(client)["Location"]
    pin_id = url.split("/")[2]
    for kind, disposition in (("csv", "attachment"), ("json", "inline")):
        assert client.get(f"{url}data.{kind}")["Content-Disposition"] == (
            f'{disposition}; filename="league-bbw-2016-{pin_id}.{kind}"'
        )


def test_pinned_chart_keeps_its_rows_after_a_restatement(client, no_browser, write_csv):
    url = pin(client)["Location"]
    assert client.get(url + "live.json").json()["changed"] is False

    call_command("import_figures", write_csv(SURREY_RESTATED), stdout=io.StringIO())

    frozen = by_force(client.get(url + "data.json").json()["rows"])
    assert frozen["Surrey Police"]["count"] == 202
    live = by_force(client.get(f"/charts/data.json?{LEAGUE}").json()["rows"])
    assert live["Surrey Police"]["count"] == 210
    status = client.get(url + "live.json").json()
    assert status == {"changed": True, "live_url": f"/charts/?{LEAGUE}"}
    # Pinning the live chart now gives a new id: the rows differ.
    assert pin(client)["Location"] != url


def test_pinning_needs_csrf_and_post(no_browser):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert pin(strict).status_code == 403
    assert strict.get("/charts/pin").status_code == 405


def test_pinning_is_rate_limited_per_client(client, no_browser, settings, mid_window):
    settings.PIN_RATE_LIMIT = (2, 600)
    assert pin(client).status_code == 302
    assert pin(client, "v=1&chart=outcomes&dataset=bbw-2016").status_code == 302
    assert pin(client, "v=1&chart=categories&dataset=bbw-2016").status_code == 429


def test_pin_with_bad_state_is_a_400(client, no_browser):
    response = client.post("/charts/pin", {"v": "1", "chart": "pie"})
    assert response.status_code == 400
    assert PinnedChart.objects.count() == 0


def test_pinned_pages_link_to_the_site_url_whoever_visits_first(client, no_browser, settings):
    """A pinned page is cached for good: its links must not keep the first visitor's host."""
    settings.SITE_URL = "https://breaches.example.org"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "mirror.invalid"]
    url = pin(client)["Location"]
    for path in ("", "embed/"):
        client.get(url + path, HTTP_HOST="mirror.invalid:8080")  # the first visitor, over http
        page = client.get(url + path, secure=True)
        html = page.content.decode()
        assert "mirror.invalid" not in html, path
        assert "://testserver" not in html, path
    page = soup(client.get(url))
    assert page.find("meta", property="og:url")["content"] == f"https://breaches.example.org{url}"
    assert page.find("meta", property="og:image")["content"] == (
        f"https://breaches.example.org{url}image.png"
    )
    assert page.select_one("#share-link")["value"] == f"https://breaches.example.org{url}"
    assert 'src="https://breaches.example.org/c/' in page.select_one("#frozen-embed").get_text()
    live = page.select_one("#live-embed").get_text()
    assert 'src="https://breaches.example.org/charts/embed/?v=1&amp;chart=league' in live


def _chart_table(response) -> tuple[list[str], list[list[str]]]:
    table = soup(response).select_one(".chart-table table")
    headers = [th.get_text(strip=True) for th in table.select("thead th")]
    rows = [
        [cell.get_text(" ", strip=True) for cell in tr.select("th, td")]
        for tr in table.select("tbody tr")
    ]
    return headers, rows


def test_the_chart_table_says_each_number_once_with_dates_a_person_reads(client):
    surrey = fixture_files.figures(
        "bbw-2016", force="Surrey Police", category="", outcome="", role=""
    )
    (figure,) = surrey
    headers, rows = _chart_table(client.get(f"/charts/?{LEAGUE}&forces=surrey"))
    # A league of counts: the value is the count, so there is no second "Count" column.
    assert headers == ["Force", "Period", "Breaches", "Caveats", "Source"]
    start, end = (dt.date.fromisoformat(figure[k]) for k in ("period_start", "period_end"))
    assert rows[0][:3] == [
        "Surrey Police",
        f"{start.day} {start:%b %Y} to {end.day} {end:%b %Y}",
        figure["count"],
    ]
    # A rate differs from its count: then both are shown.
    headers, _rows = _chart_table(client.get(f"/charts/?{LEAGUE}&forces=surrey&metric=annualised"))
    assert "Count" in headers
