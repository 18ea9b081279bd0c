"""Charts for everyone, in chromium: a keyboard-only journey through the builder, what a screen
reader is given (Playwright's accessibility tree), axe at 320 px and in forced colours, and
the force page's sortable table."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from tests import fixture_files
from tests.browser.conftest import AXE, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)

BUILDER = "/charts/?v=1&chart=league&dataset=bbw-2016"
TREND = "/charts/?v=1&chart=trend"
OUTCOMES = "/charts/?v=1&chart=outcomes&dataset=bbw-2016&forces=humberside~surrey"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def focused(page) -> dict:
    return page.evaluate(
        "() => { const el = document.activeElement; return {id: el.id, name: el.name || '',"
        " value: el.value || '', text: el.textContent.trim()}; }"
    )


def tab_to(page, matches, key="Tab", limit=120):
    """Press Tab (or Shift+Tab) until the focused element matches; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press(key)
        if matches(focused(page)):
            return focused(page)
    raise AssertionError(f"{key} never reached the element")


def announced(page) -> str:
    return page.locator("[data-announcer]").inner_text()


def wait_announced(page, text: str):
    page.wait_for_function(
        "text => document.querySelector('[data-announcer]').textContent.includes(text)", arg=text
    )


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_a_keyboard_only_journey_through_the_builder(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    page = context.new_page()
    chart_requests = []  # one per settled change (the canonical redirect it follows aside)

    def count(request):
        if request.resource_type == "fetch" and request.redirected_from is None:
            chart_requests.append(request.url)

    page.on("request", count)
    page.goto(site.url + BUILDER)
    page.wait_for_selector(".main-svg")
    page.evaluate("window.notReloaded = true")
    history = page.evaluate("history.length")

    # Chart type: arrowing through the closed select draws nothing until Enter commits it.
    tab_to(page, lambda el: el["id"] == "id_chart")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.wait_for_timeout(600)  # longer than the settling delay: still nothing sent
    assert chart_requests == []
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"chart=trend"))
    wait_announced(page, "Chart updated")
    assert len(chart_requests) == 1
    assert page.evaluate("history.length") == history + 1
    assert focused(page)["id"] == "id_chart"  # focus stays where it was
    assert "Forces over time" in announced(page) or "per year" in announced(page).lower()

    # Why forces are chosen already is said, next to them.
    why = page.locator("[data-forces-why]").inner_text()
    assert "three forces published in the most datasets" in why
    chosen_before = page.locator("[data-remove-force]").count()

    # Two more forces, ticked with Space: one request, focus stays on the list.
    tab_to(page, lambda el: el["text"] == "Choose forces")
    if not page.locator(".forces-picker details").evaluate("d => d.open"):
        page.keyboard.press("Enter")
    first = tab_to(
        page,
        lambda el: el["name"] == "forces" and not page.evaluate("document.activeElement.checked"),
    )
    page.keyboard.press("Space")
    second = tab_to(
        page,
        lambda el: el["name"] == "forces" and not page.evaluate("document.activeElement.checked"),
    )
    page.keyboard.press("Space")
    page.wait_for_url(
        re.compile(
            first["value"] + ".*" + second["value"] + "|" + second["value"] + ".*" + first["value"]
        )
    )
    wait_announced(page, "Chart updated")
    assert len(chart_requests) == 2
    assert focused(page)["value"] == second["value"]
    assert page.locator("[data-remove-force]").count() == chosen_before + 2
    chips = page.locator("[data-remove-force]").evaluate_all(
        "els => els.map(e => e.dataset.removeForce)"
    )
    assert {first["value"], second["value"]} <= set(chips)

    # The period: From moved with arrows applies once, and To cannot end before it.
    tab_to(page, lambda el: el["id"] == "id_from", key="Shift+Tab")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"from=\d{4}"))
    wait_announced(page, "Chart updated")
    assert len(chart_requests) == 3
    start = int(query(page.url)["from"])
    disabled = page.locator("#id_to option[disabled]").evaluate_all("os => os.map(o => +o.value)")
    years = page.locator("#id_to option").evaluate_all(
        "os => os.map(o => +o.value).filter(Boolean)"
    )
    assert disabled == [year for year in years if year < start]
    assert page.evaluate("window.notReloaded") is True  # all of it without a reload

    # Share: focus lands on the new permalink, then its copy button; "Copied" is announced.
    tab_to(page, lambda el: el["text"] == "Share this chart")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/c/[a-z2-7]{12}/#share-link$"), timeout=60_000)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'share-link'")
    link = page.locator("#share-link").input_value()
    assert link.endswith(urlsplit(page.url).path)
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Copy link"
    page.keyboard.press("Enter")
    wait_announced(page, "Copied")
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert page.get_by_role("heading", level=1).inner_text().startswith("Pinned chart")
    context.close()


def test_a_field_error_arrives_beside_its_field(site, page):
    page.goto(site.url + BUILDER + "&role=officer&from=2015&to=2012")
    error = page.locator("#error-to")
    assert error.inner_text().startswith("To: ")
    assert page.locator("#id_to").get_attribute("aria-invalid") == "true"
    assert page.locator("#id_role").input_value() == "officer"  # nothing else was lost


def test_a_chip_removes_its_force_and_keeps_focus_among_the_chips(site, page):
    page.goto(site.url + BUILDER + "&forces=dorset~surrey")
    page.wait_for_selector(".main-svg")
    page.get_by_role("button", name="Remove Dorset Police").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"forces=surrey$"))
    assert (
        page.evaluate("document.activeElement.getAttribute('aria-label')") == "Remove Surrey Police"
    )
    assert not page.get_by_label("Dorset Police").is_checked()


# Every page that draws a chart: the builder's four kinds, an embed, the home and force pages.
CATEGORIES = "/charts/?v=1&chart=categories&dataset=bbw-2016"
EMBED = "/charts/embed/?v=1&chart=league&dataset=bbw-2016"
CHART_PAGES = [BUILDER, TREND, OUTCOMES, CATEGORIES, EMBED, "/", "/forces/surrey/"]


@pytest.mark.parametrize("path", CHART_PAGES)
def test_every_chart_is_a_named_figure_without_svg_noise(site, page, path):
    page.goto(site.url + path)
    page.wait_for_selector("[data-chart] .main-svg")
    figures = page.locator("figure.chart")
    assert figures.count() >= 1
    for index in range(figures.count()):
        figure = figures.nth(index)
        plot_texts = set(figure.locator(".chart-plot text").all_text_contents()) - {""}
        assert plot_texts  # plotly drew its ticks and labels...
        name = figure.evaluate(
            "f => f.getAttribute('aria-label') ||"
            " document.getElementById(f.getAttribute('aria-labelledby')).firstChild.textContent"
        ).strip()
        assert page.get_by_role("figure", name=name).count() >= 1  # named by its heading
        tree = figure.aria_snapshot()
        said = {
            line.strip().removeprefix("- text: ").strip('"')
            for line in tree.splitlines()
            if line.strip().startswith("- text:")
        }
        assert not said & plot_texts  # ...and none of the SVG's text reaches a screen reader
        assert "- img" not in tree
        # Nothing inside the hidden plot takes focus (plotly's toolbar buttons did).
        focusable = figure.locator(".chart-plot").evaluate(
            "p => [...p.querySelectorAll('*')].filter(e => e.tabIndex >= 0).length"
        )
        assert focusable == 0
        summary = figure.get_attribute("aria-describedby")
        assert page.locator(f"#{summary}").inner_text().strip()


@pytest.mark.parametrize("path", [BUILDER, TREND, OUTCOMES, "/", "/forces/surrey/"])
@pytest.mark.parametrize("forced_colors", ["none", "active"])
def test_axe_finds_nothing_serious_at_320_px(site, browser, path, forced_colors):
    context = browser.new_context(viewport={"width": 320, "height": 800})
    page = context.new_page()
    page.emulate_media(forced_colors=forced_colors)
    page.add_init_script(path=str(AXE))  # the CSP refuses inline scripts
    page.goto(site.url + path)
    page.wait_for_selector("[data-chart] .main-svg")
    assert serious_violations(page) == []
    # Laid out for the width: nothing pushes the page sideways, no toolbar over the plot.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert page.locator(".modebar-container .modebar").count() == 0
    context.close()


def test_narrow_bars_have_their_names_above_them(site, browser):
    context = browser.new_context(viewport={"width": 320, "height": 800})
    page = context.new_page()
    page.goto(site.url + OUTCOMES)
    page.wait_for_selector("[data-chart] .main-svg")
    names = page.locator(".chart-plot .annotation-text").all_text_contents()
    assert "Surrey Police · No formal action" in names
    plot = page.locator(".chart-plot").bounding_box()
    for label in page.locator(".chart-plot .annotation").all():
        box = label.bounding_box()
        assert plot["x"] <= box["x"]
        assert box["x"] + box["width"] <= plot["x"] + plot["width"]
    context.close()


def test_forced_colours_mark_only_the_current_nav_link(site, page):
    page.emulate_media(forced_colors="active")
    page.goto(site.url + BUILDER)
    borders = page.locator(".site-header nav a").evaluate_all(
        "links => links.map(a => [a.textContent, a.hasAttribute('aria-current'),"
        " getComputedStyle(a).borderBottomColor,"
        " getComputedStyle(a.closest('header')).backgroundColor])"
    )
    for text, current, border, background in borders:
        if current:
            assert border != background, text
        else:
            assert border == background, text  # invisible: not "current" to anyone


def test_outcome_share_axis_runs_to_100_percent(site, page):
    page.goto(site.url + OUTCOMES)
    page.wait_for_selector("[data-chart] .main-svg")
    ticks = page.locator(".chart-plot .xtick text").all_text_contents()
    assert ticks[0] == "0%"
    assert ticks[-1] == "100%"


def test_force_page_every_figure_sorts_in_the_browser(site, page):
    page.goto(site.url + "/forces/surrey/")
    section = page.locator("section[aria-labelledby=all-figures]")
    section.get_by_role("link", name=re.compile("^Count")).click()
    page.wait_for_url(re.compile(r"sort=count"))

    def counts():
        texts = section.locator("tbody th[scope=row]").all_inner_texts()
        return [int(t.replace(",", "")) for t in texts if t.replace(",", "").isdigit()]

    published = sorted(
        int(row["count"])
        for row in fixture_files.rows("figures.csv")
        if row["count"] and row["force"] and fixture_files.force_slug(row["force"]) == "surrey"
    )
    assert counts() == published
    header = section.locator("thead th", has_text="Count")
    assert header.get_attribute("aria-sort") == "ascending"
    header.get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=-count"))
    assert counts() == published[::-1]
    assert header.get_attribute("aria-sort") == "descending"


def test_admin_login_has_a_heading_and_its_error_is_tied_to_the_fields(site, page):
    page.goto(site.url + "/admin/login/")
    assert page.get_by_role("heading", level=1, name="Log in").is_visible()
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    error = page.locator("#login-error").inner_text()
    assert "username" in error.lower()
    assert "password" in error.lower()
    for label in ("Username", "Password"):
        field = page.get_by_label(label)
        assert field.get_attribute("aria-invalid") == "true"
        described = field.evaluate(
            "f => f.getAttribute('aria-describedby').split(' ')"
            ".map(id => document.getElementById(id).textContent).join(' ')"
        )
        assert described.strip() == error.strip()
