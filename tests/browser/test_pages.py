"""Every public page in chromium: no console error, no failed request, no sideways scrolling
on a 375 px phone (issue 12, "Also check")."""

import pytest
from django.test import Client

from tests import fixture_files

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 375, "height": 812}


def public_pages() -> list[str]:
    """Every kind of public page: one force, and every dataset (their long URLs overflowed)."""
    return [
        "/",
        "/league/?dataset=bbw-2016",
        "/figures/",
        "/incidents/",
        "/forces/",
        "/forces/west-midlands/",
        "/forces/west-midlands-police/",  # redirects to the force
        "/forces/west-midlans/",  # a 404 that suggests forces
        "/datasets/",
        *(f"/datasets/{row['slug']}/" for row in fixture_files.rows("datasets.csv")),
        "/charts/?v=1&chart=league&dataset=bbw-2016",
        "/charts/?v=1&chart=trend&forces=dorset~surrey~sussex",
        "/transparency/",
        "/about/",
    ]


def pinned_pages() -> list[str]:
    """A pinned chart and its embed (pinned here: its image renders in a process of its own)."""
    pinned = Client().post("/charts/pin", {"v": "1", "chart": "outcomes", "dataset": "bbw-2016"})
    return [pinned["Location"], pinned["Location"] + "embed/"]


class Problems:
    """Console errors, failed requests and error responses while a page loads."""

    def __init__(self, page):
        self.found: list[str] = []
        self.document = ""
        page.on("console", self._console)
        page.on("requestfailed", lambda r: self.found.append(f"failed: {r.url} {r.failure}"))
        page.on("response", self._response)

    def _console(self, message):
        # "Failed to load resource" repeats a response below, where its URL is known.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.found.append(f"console: {message.text}")

    def _response(self, response):
        # A 404 page is itself a 404: only what it loads must succeed.
        if response.status >= 400 and response.url != self.document:
            self.found.append(f"{response.status}: {response.url}")

    def visit(self, page, url: str) -> list[str]:
        self.found, self.document = [], url
        # "load", not "networkidle" (half a second of quiet on every page): these pages fetch
        # nothing after loading (charts draw from JSON in the page), and a late console
        # message or request still has the pause below to arrive.
        page.goto(url, wait_until="load")
        page.evaluate("new Promise(r => setTimeout(r, 150))")
        return self.found


def test_every_public_page_loads_without_an_error_and_fits_a_phone(site, browser):
    """One visit per page, on a 375 px phone: nothing fails, and nothing scrolls sideways.
    (Desktop widths are visited by every other browser test.)"""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True)
    page = context.new_page()
    problems = Problems(page)
    found, overflow = {}, {}
    for path in public_pages() + pinned_pages():
        found[path] = problems.visit(page, site.url + path)
        assert page.locator("h1, h2").first.is_visible(), path  # the page itself, not a blank
        overflow[path] = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    context.close()
    assert found == {path: [] for path in found}
    assert overflow == dict.fromkeys(overflow, 0)
