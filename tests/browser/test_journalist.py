"""A journalist's journey through the site in chromium, and axe-core on every main page."""

import csv
import io
import re
from pathlib import Path

import pytest

from tests.browser.conftest import AXE, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


def table_rows(page):
    # A header's own words: not its sort link's direction, which only screen readers hear.
    headers = page.locator("table.league thead th").evaluate_all(
        "ths => ths.map(th => (th.querySelector('a.sort')?.firstChild ?? th).textContent.trim())"
    )
    rows = page.locator("table.league tbody tr").all()
    cells = [[c.strip() for c in row.locator("th, td").all_inner_texts()] for row in rows]
    return [dict(zip(headers, row, strict=True)) for row in cells]


def test_from_home_to_a_filtered_sorted_export_and_a_source(site, page):
    page.goto(f"{site.url}/")
    assert page.locator("[data-figure=total]").inner_text() == "2,315"
    page.get_by_role("link", name=re.compile("full league table")).click()

    page.get_by_label("Outcome").select_option("dismissed")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile("outcome=dismissed"))
    assert [row["Force"] for row in table_rows(page)] == [
        "Surrey Police", "Cambridgeshire Constabulary", "Dorset Police",
        "North Yorkshire Police", "Cleveland Police",
    ]  # fmt: skip

    # bbw-2016 counts officers' and staff's breaches: its rate is per 1,000 of the workforce.
    page.get_by_role("link", name=re.compile("Per 1,000 workforce")).click()
    page.wait_for_url(re.compile("sort=-rate-workforce"))
    on_screen = table_rows(page)
    rates = [float(re.search(r"\d+\.\d", row["Per 1,000 workforce"])[0]) for row in on_screen]
    assert rates == sorted(rates, reverse=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    exported = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert [row["force"] for row in exported] == [row["Force"] for row in on_screen]
    counts = {"Surrey Police": "29", "Cambridgeshire Constabulary": "4", "Dorset Police": "4",
              "North Yorkshire Police": "3", "Cleveland Police": "1"}  # fmt: skip
    assert [row["count"] for row in exported] == [counts[row["force"]] for row in exported]

    page.get_by_role("link", name="Surrey Police").first.click()
    page.wait_for_url(re.compile("/forces/surrey/"))
    assert page.get_by_role("heading", name="Surrey Police").is_visible()
    page.wait_for_selector("#chart-trend ~ * .main-svg, [data-figure-id=chart-trend] .main-svg")
    assert page.locator("[data-chart] .main-svg").count() >= 2  # over time, and outcomes

    # The source is on another site (not reachable from here): answer it locally and check
    # that the link leads exactly there.
    page.route("https://www.pressreader.com/**", lambda route: route.fulfill(body="source page"))
    link = page.locator("table.totals a", has_text="Data breaches: Surrey Police second worst")
    link.click()
    page.wait_for_url("https://www.pressreader.com/uk/staines-informer/20160714/281629599608210")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/league/",
        "/forces/surrey/",
        "/datasets/bbw-2016/",
        "/figures/",
        "/incidents/?category=third-party-disclosure",
        "/about/",
    ],
)
def test_no_serious_accessibility_violations(site, page, path):
    # An init script: the Content-Security-Policy refuses inline <script> tags.
    page.add_init_script(path=str(AXE))
    page.goto(f"{site.url}{path}")
    # Once as the page loads (the charts may still be drawing), once every chart is drawn.
    assert serious_violations(page) == []
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')]"
        ".every(plot => plot.querySelector('.main-svg'))"
    )
    assert serious_violations(page) == []


def test_league_is_usable_at_phone_width(site, browser):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{site.url}/league/?dataset=bbw-2016&shares=show")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375  # the page does not scroll sideways, nor does the table: rows are cards
    box = page.locator(".table-scroll").first
    assert box.evaluate("el => el.scrollWidth <= el.clientWidth")
    context.close()
