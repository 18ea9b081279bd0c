"""The league and dataset pages on a laptop and a phone, by keyboard and by pointer, in chromium
(issue 12 items 1 and 5, issue 13 items 8 and 9)."""

import re

import pytest

from breaches.models import Dataset
from breaches.vocabularies import OUTCOME_GROUPS
from tests.browser.conftest import AXE, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)

SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    yield context.new_page()
    context.close()


def rect(locator) -> dict:
    return locator.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }"
    )


def overlap(a: dict, b: dict) -> bool:
    return not (
        a["right"] <= b["left"]
        or b["right"] <= a["left"]
        or a["bottom"] <= b["top"]
        or b["bottom"] <= a["top"]
    )


@pytest.mark.parametrize(
    "query", ["dataset=bbw-2016", "dataset=bbw-2016&shares=show", "dataset=dbc-2025&shares=show"]
)
def test_the_league_needs_no_sideways_scrolling_on_a_phone(site, phone, query):
    phone.goto(f"{site.url}/league/?{query}")
    assert phone.evaluate(SIDEWAYS) == 0
    box = phone.locator(".table-scroll")
    assert box.evaluate("el => el.scrollWidth <= el.clientWidth")
    # One force's numbers in one card, each labelled: no header row needed to read them.
    card = phone.locator("table.league tbody tr").first
    count = card.locator("td[data-label=Count]")
    assert count.is_visible()
    assert rect(count)["right"] <= 375
    label = count.evaluate("el => getComputedStyle(el, '::before').content")
    assert label == '"Count"'


def test_every_dataset_page_needs_no_sideways_scrolling_on_a_phone(site, phone):
    for slug in Dataset.objects.public().values_list("slug", flat=True):
        phone.goto(f"{site.url}/datasets/{slug}/")
        assert phone.evaluate(SIDEWAYS) == 0, slug


def test_the_force_column_and_header_stay_put_while_the_table_scrolls(site, page):
    page.goto(f"{site.url}/league/?dataset=bbw-2016&shares=show")
    box = page.locator(".table-scroll")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")  # the shares make it wide
    cue = page.locator(".more-columns")
    assert cue.is_visible()  # a visible cue that more columns exist
    force = page.locator("table.league tbody th[scope=row]").first
    header = page.locator("table.league thead th").nth(1)
    caption = page.locator("table.league caption .caption-text")
    before, caption_before = rect(force), rect(caption)
    box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    page.wait_for_function("document.querySelector('.table-scroll').scrollLeft > 0")
    after = rect(force)
    assert after["left"] == pytest.approx(before["left"], abs=1)  # did not move sideways
    assert rect(caption)["left"] == pytest.approx(caption_before["left"], abs=1)  # nor did this
    box.evaluate("el => { el.scrollTop = 300; }")
    page.wait_for_function("document.querySelector('.table-scroll').scrollTop > 0")
    header_after = rect(header)
    assert header_after["top"] == pytest.approx(rect(box)["top"] + 1, abs=1)  # stuck at the top
    # Still on top: the point at the force's cell is the force's cell, not a share column.
    middle = ((after["left"] + after["right"]) / 2, (header_after["bottom"] + 12))
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('th')?.scope", middle
    )
    assert on_top == "row"
    assert cue.is_hidden()  # at the right-hand end, nothing more to see


def test_the_share_group_is_shown_and_hidden_by_a_link_kept_in_the_url(site, page):
    labels = [f"{label} %" for _, label in OUTCOME_GROUPS.choices]
    page.goto(f"{site.url}/league/?dataset=bbw-2016")
    words = "ths => ths.map(th => (th.querySelector('a.sort')?.firstChild ?? th).textContent)"
    headers = page.locator("table.league thead th")
    assert not set(labels) & set(headers.evaluate_all(words))
    page.get_by_role("link", name="Show the outcome shares").click()
    page.wait_for_url(re.compile(r"shares=show.*#results$"))
    assert set(labels) <= set(headers.evaluate_all(words))
    assert page.evaluate("document.activeElement.id") == "results"
    page.reload()  # the URL remembers it
    assert page.get_by_role("link", name="Hide the outcome shares").is_visible()
    page.get_by_role("button", name="Show").click()  # and so does the filter form
    page.wait_for_url(re.compile(r"shares=show"))


def test_a_flag_is_a_button_that_discloses_its_text_and_esc_closes_it(site, page):
    page.goto(f"{site.url}/league/?dataset=bbw-2016")
    row = page.locator("table.league tbody tr", has_text="West Midlands Police")
    flags = row.locator("td.flags summary")
    assert flags.count() >= 2  # a flag beside another: opening one must not cover it
    first, second = flags.nth(0), flags.nth(1)
    text = row.locator("td.flags details").first.locator(".disclosed")
    assert text.is_hidden()
    first.focus()
    page.keyboard.press("Enter")
    assert text.is_visible()
    assert first.get_attribute("aria-expanded") is None  # a native summary states it itself
    assert row.locator("td.flags details").first.evaluate("el => el.open")
    # Not clipped by the table's scroll box, and not over the next flag.
    box, opened = rect(page.locator(".table-scroll")), rect(text)
    assert box["left"] <= opened["left"]
    assert opened["right"] <= box["right"]
    assert not overlap(opened, rect(second))
    page.keyboard.press("Escape")
    assert text.is_hidden()
    assert page.evaluate("document.activeElement.textContent") == first.inner_text()


def test_the_home_pages_caveat_is_visible_text_beside_the_number(site, page):
    page.goto(f"{site.url}/")
    first = page.locator(".top-forces li").first
    assert first.locator(".row-caveat").is_visible()
    assert "allegations" in first.locator(".row-caveat").inner_text()
    assert first.locator("[title] .marker, .marker[title]").count() == 0  # no hover-only text


def test_after_a_sort_the_keyboard_lands_on_the_results(site, page):
    page.goto(f"{site.url}/league/?dataset=bbw-2016")
    page.get_by_role("link", name=re.compile(r"^Count.*sort largest first")).click()
    page.wait_for_url(re.compile(r"sort=-count#results$"))
    assert page.evaluate("document.activeElement.id") == "results"
    page.keyboard.press("Tab")  # the next stop is in the results, not the site's header
    inside = page.evaluate("!!document.activeElement.closest('.results')")
    assert inside


def test_a_focused_sort_link_is_not_hidden_under_the_sticky_columns(site, page):
    page.goto(f"{site.url}/league/?dataset=bbw-2016&shares=show")
    box = page.locator(".table-scroll")
    box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    force = rect(page.locator("table.league thead th").nth(1))
    # Shift+Tab back from the last share header to the first sortable column after Force.
    page.locator("table.league thead a.sort").last.focus()
    for _ in range(len(OUTCOME_GROUPS.codes) + 2):
        page.keyboard.press("Shift+Tab")
        focused = page.evaluate("document.activeElement.closest('th')?.cellIndex")
        if focused is None or focused <= 1:
            break
        link = rect(page.locator(":focus"))
        assert link["left"] >= force["right"] - 1, focused


@pytest.mark.parametrize("width", [375, 1280])
def test_no_serious_accessibility_violations_in_the_league_layouts(site, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.add_init_script(path=str(AXE))
    page.goto(f"{site.url}/league/?dataset=bbw-2016&shares=show")
    page.locator("table.league td.flags summary").first.click()  # one disclosure open
    serious = serious_violations(page)
    context.close()
    assert serious == []
