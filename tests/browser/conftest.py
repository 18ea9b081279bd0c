"""Playwright driving Debian's chromium (Playwright's own browser download needs internet)."""

from pathlib import Path

import pytest

# The session's one Playwright and chromium (the `browser` fixture) and
# DJANGO_ALLOW_ASYNC_UNSAFE are in tests/conftest.py: tests outside this folder (tests/ops) drive
# the same browser, and a second Playwright in one process fails while the first one runs.
from tests.conftest import load_reference_data


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def site(live_server):
    """The live server with the real fixtures loaded (transactional tests start empty)."""
    load_reference_data()
    return live_server


# axe-core from npm (`make test` installs it); pages load it with add_init_script, since the
# CSP refuses inline scripts.
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page) -> list:
    """axe-core's serious and critical violations on the page: (rule, impact, first nodes)."""
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
