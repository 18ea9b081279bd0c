"""The funnel plot and the tile map in chromium: drawn, read as tables, and usable on a phone."""

import pytest

from tests import fixture_files

pytestmark = pytest.mark.django_db(transaction=True)


def test_funnel_plot_draws_forces_and_limits(site, page):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{site.url}/charts/?v=1&chart=funnel&dataset=bbw-2016")
    page.wait_for_selector(".main-svg")
    # Points (forces) and lines (national rate and the limits) are both drawn.
    assert page.locator(".scatterlayer .trace").count() >= 5
    legend = page.locator("g.legend").text_content()
    assert "95% limits" in legend
    assert "99.8% limits" in legend
    rows = page.locator("table.funnel tbody tr")
    summary = page.locator("#chart-summary").inner_text()
    for i in range(rows.count()):
        name = rows.nth(i).locator("th").inner_text()
        outside = rows.nth(i).get_attribute("data-position") != "within"
        assert (name in summary) == outside
    assert not [e for e in errors if "favicon" not in e and "404" not in e]


def test_home_page_map_links_each_tile_and_has_the_table(site, page):
    page.goto(f"{site.url}/")
    tiles = page.locator("svg.tilemap-svg a")
    assert tiles.count() == len(fixture_files.rows("force_tiles.csv"))
    # The tiles are skipped by Tab: keyboard users reach the same content in the table.
    page.locator("details.map-table summary").focus()
    page.keyboard.press("Enter")
    table = page.locator("table.tilemap-table")
    assert table.is_visible()
    assert table.locator("tbody tr").count() >= tiles.count()
    surrey = page.locator('svg.tilemap-svg a[data-force="surrey"]')
    surrey.click()
    page.wait_for_url("**/forces/surrey/")


@pytest.mark.parametrize("path", ["/", "/charts/?v=1&chart=map&dataset=bbw-2016",
                                  "/charts/?v=1&chart=funnel&dataset=bbw-2016"])  # fmt: skip
def test_fits_a_phone(site, browser, path):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{site.url}{path}")
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 375
