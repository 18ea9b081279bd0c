"""Who answers: a reader sorts the per-force table and follows a status to its source."""

import pytest

from tests import fixture_files

pytestmark = pytest.mark.django_db(transaction=True)


def test_reader_sorts_by_refusals_and_finds_each_status_sourced(site, page):
    page.goto(f"{site.url}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Who answers").click()
    table = page.locator("table.answers-by-force")
    table.get_by_role("link", name="Not held").click()  # first click: largest first
    page.wait_for_url("**sort=-not_held**")
    first = table.locator("tbody tr").first.locator("th, td").all_inner_texts()
    not_held = {force for (_, force), s in fixture_files.answers().items() if s == "not-held"}
    assert fixture_files.force_slug(first[0]) in not_held
    assert table.locator("th[aria-sort=descending]").inner_text().startswith("NOT HELD")

    withheld = page.locator("table.withheld-answers tbody tr")
    expected = sum(s != "disclosed" for s in fixture_files.answers().values())
    assert withheld.count() == expected
    link = withheld.first.locator("a.answer-status")
    assert link.get_attribute("href").startswith("http")

    # The force's own page has the same answers, keyed by dataset.
    withheld.first.locator("th a").click()
    page.wait_for_url("**#answers")
    assert page.locator("table.force-answers tbody tr").count() == len(
        fixture_files.rows("datasets.csv")
    )


def test_fits_a_phone(site, browser):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{site.url}/transparency/")
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 375
