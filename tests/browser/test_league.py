import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_league_table_reads_as_published(site, page):
    page.goto(f"{site.url}/")
    page.get_by_role("link", name=re.compile("full league table")).click()
    page.wait_for_url(re.compile(r"/league/\?dataset=bbw-2016"))

    table = page.get_by_role("table")
    assert "breaches per force" in table.locator("caption").inner_text()
    rows = table.locator("tbody tr")
    first = rows.nth(0).locator("td, th").all_inner_texts()
    assert first[:3] == ["1", "West Midlands Police", "488"]
    surrey = table.locator("tbody tr", has_text="Surrey Police").locator("td, th").all_inner_texts()
    assert surrey[3].startswith("54.9")  # per 1,000 of the workforce: it counts staff too
    northumbria = table.locator("tbody tr", has_text="Northumbria Police")
    assert northumbria.locator("td").nth(1).inner_text() == "Not disclosed"

    # The caveat behind the marker opens with a click, by keyboard-reachable <summary>.
    west_midlands = rows.nth(0)
    west_midlands.locator("td.caveats summary").click()
    assert "allegations" in west_midlands.locator("td.caveats details").inner_text()

    no_figure = page.locator("#no-figure + p + ul")
    assert "Metropolitan Police Service" in no_figure.inner_text()
    assert "West Midlands Police" not in no_figure.inner_text()
