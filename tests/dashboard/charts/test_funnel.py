"""The funnel plot (chart=funnel): its rows, limits and summary against the fixtures and an
independent computation of the limits (scipy); its twins, pin, embed and image."""

import csv
import datetime as dt
import io
import json
import struct

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from scipy.stats import poisson

from dashboard.charts.funnel import add_limits, excluded_reason
from tests import fixture_files

pytestmark = pytest.mark.django_db
FUNNEL = "v=1&chart=funnel&dataset=bbw-2016"


def limit(mean, p):
    r = poisson.ppf(p, mean)
    above, below = poisson.cdf(r, mean), poisson.cdf(r - 1, mean)
    return max(r - (above - p) / (above - below), 0.0)


def chart_json(client, query=FUNNEL):
    response = client.get(f"/charts/data.json?{query}")
    assert response.status_code == 200
    return json.loads(response.content)


def test_rows_are_the_published_counts_with_limits_computed_independently(client):
    data = chart_json(client)
    plotted = [row for row in data["rows"] if row["value"] is not None]
    assert plotted
    start, end = (dt.date.fromisoformat(plotted[0][k]) for k in ("period_start", "period_end"))
    published = fixture_files.totals("bbw-2016", start, end)
    national = sum(r["count"] for r in plotted) / sum(r["officers"] for r in plotted)
    for row in plotted:
        assert row["count"] == published[row["force_slug"]]
        assert row["value"] == pytest.approx(row["count"] / row["officers"] * 1000, abs=1e-3)
        assert row["national_rate"] == pytest.approx(national * 1000, abs=1e-3)
        mean = national * row["officers"]
        for level, (low, high) in {"95": (0.025, 0.975), "99.8": (0.001, 0.999)}.items():
            lower = limit(mean, low) / row["officers"] * 1000
            upper = limit(mean, high) / row["officers"] * 1000
            assert row[f"lower_{level}"] == pytest.approx(lower, abs=1e-3)
            assert row[f"upper_{level}"] == pytest.approx(upper, abs=1e-3)
    # Forces that did not disclose are listed apart, never plotted at zero.
    withheld = {slug for slug, count in published.items() if count is None}
    apart = {row["force_slug"]: row["excluded"] for row in data["rows"] if row["value"] is None}
    assert withheld <= set(apart)
    assert all(apart[slug] == "not disclosed" for slug in withheld)


def test_summary_names_exactly_the_forces_outside_the_limits(client):
    data = chart_json(client)
    plotted = [row for row in data["rows"] if row["value"] is not None]
    outside = []
    for row in plotted:
        mean = data["rows"][0]["national_rate"] / 1000 * row["officers"]
        if not limit(mean, 0.025) <= row["count"] <= limit(mean, 0.975):
            outside.append(row["force"])
    assert outside  # bbw-2016 has forces far from the national rate
    summary = data["summary"]
    for row in plotted:
        assert (row["force"] in summary) == (row["force"] in outside), row["force"]
    assert f"Across the {len(plotted)} forces plotted" in summary


def test_constructed_rows_sit_where_the_arithmetic_puts_them():
    def row(force, count, officers, **extra):
        return {"force": force, "count": count, "officers": officers, "status": "disclosed",
                "lower_bound": False, "value": None, **extra}  # fmt: skip

    rows = add_limits([
        row("Even", 100, 1000),
        row("High", 180, 1000),
        row("Low", 40, 1000),
        row("Withheld", None, 1000, status="not-disclosed"),
        row("Partial", 12, 1000, lower_bound=True),
        row("No officers", 20, None),
    ])  # fmt: skip
    # National rate: (100 + 180 + 40) / 3,000 officers = 106.7 per 1,000.
    assert rows[0]["national_rate"] == pytest.approx(320 / 3000 * 1000, abs=1e-3)
    assert [r["position"] for r in rows[:3]] == ["within", "above-99.8", "below-99.8"]
    assert [excluded_reason(r) for r in rows[3:]] == [
        "not disclosed", "only a lower bound (at least 12)", "no officer count",
    ]  # fmt: skip
    assert all(r["value"] is None for r in rows[3:])


def test_csv_twin_carries_the_limits(client):
    response = client.get(f"/charts/data.csv?{FUNNEL}")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = lines[0]
    for column in ("officers", "national_rate", "lower_95", "upper_99.8", "position", "excluded"):
        assert column in header
    data = {row["force_slug"]: row for row in chart_json(client)["rows"]}
    for line in lines[1:]:
        if not line:
            break
        cells = dict(zip(header, line, strict=True))
        if cells["position"]:
            assert float(cells["upper_95"]) == data[cells["force_slug"]]["upper_95"]


def test_page_has_the_chart_the_table_and_the_forces_apart(client):
    page = BeautifulSoup(client.get(f"/charts/?{FUNNEL}").content, "html.parser")
    rows = chart_json(client)["rows"]
    table = page.select("table.funnel tbody tr")
    assert len(table) == sum(row["value"] is not None for row in rows)
    positions = {tr["data-force"]: tr["data-position"] for tr in table}
    assert positions == {r["force_slug"]: r["position"] for r in rows if r["value"] is not None}
    apart = page.select(".funnel-apart li")
    assert len(apart) == sum(row["value"] is None for row in rows)
    assert page.select_one("#chart-figure")


def test_parameters_that_do_not_apply_are_dropped_and_bad_ones_named(client):
    response = client.get(f"/charts/?{FUNNEL}&forces=surrey&metric=annualised")
    assert response.status_code == 302
    assert response["Location"].endswith(f"?{FUNNEL}")
    bad = client.get("/charts/?v=1&chart=funnels&dataset=bbw-2016")
    assert bad.status_code == 400
    error = BeautifulSoup(bad.content, "html.parser").select_one("#error-chart")
    assert "Choose one of" in error.get_text()
    assert "funnel" in error.get_text()


def png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", body[16:24])


def test_pinned_funnel_has_frozen_rows_an_embed_and_an_image(client):
    response = client.post("/charts/pin", {"v": "1", "chart": "funnel", "dataset": "bbw-2016"})
    assert response.status_code == 302
    url = response["Location"]
    frozen = json.loads(client.get(url + "data.json").content)
    assert frozen["rows"] == chart_json(client)["rows"]
    page = BeautifulSoup(client.get(url).content, "html.parser")
    assert len(page.select("table.funnel tbody tr")) == sum(
        row["value"] is not None for row in frozen["rows"]
    )
    embed = BeautifulSoup(client.get(url + "embed/").content, "html.parser")
    assert embed.select_one("#chart-figure")
    assert embed.select_one("#chart-summary").get_text() == frozen["summary"]
    # The pin's own image is drawn off the request, by the renderer (run here in-process).
    call_command("render_pinned_images", "--pending", stdout=io.StringIO())
    image = client.get(url + "image.png")
    assert image["Cache-Control"] == "public, max-age=31536000, immutable"
    assert png_size(image.content) == (1200, 630)
