"""Playwright driving Debian's chromium (Playwright's own browser download needs internet)."""

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
