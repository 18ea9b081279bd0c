"""The Content-Security-Policy in chromium: every page works under it and breaks none of its rules.

A violation is caught twice: by a `securitypolicyviolation` listener installed before the
page's own scripts run, and in the console, where chromium reports what it blocked.
"""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from breaches.permissions import ensure_data_editors_group

pytestmark = pytest.mark.django_db(transaction=True)

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""
CHARTS = [
    "/",
    "/forces/surrey/",
    "/charts/?v=1&chart=league&dataset=bbw-2016",
    "/charts/?v=1&chart=trend&forces=dorset~surrey~sussex",
    "/charts/?v=1&chart=outcomes&dataset=bbw-2016",
    "/charts/?v=1&chart=categories&dataset=bbw-2016",
    "/charts/?v=1&chart=funnel&dataset=bbw-2016",
    "/charts/embed/?v=1&chart=league&dataset=bbw-2016",
]
PAGES = [
    "/league/?dataset=bbw-2016",
    "/forces/",
    "/datasets/",
    "/datasets/bbw-2016/",
    "/figures/",
    "/incidents/",
    "/about/",
    "/transparency/",
    "/charts/?v=1&chart=map&dataset=bbw-2016",  # drawn as SVG by the server, not plotly
    "/no-such-page/",
    "/admin/login/",
]


@pytest.fixture
def watched(page):
    """The page, with every CSP report and console message it produces collected."""
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(LISTEN)
    page.console_messages = console
    return page


def violations(page) -> list[str]:
    """What the policy blocked on the current page (then forgets the console so far)."""
    # The violation event is queued as a task: let it run first.
    blocked = page.evaluate("new Promise(r => setTimeout(() => r(window.__violations), 50))")
    # Chromium's own reports, and plotly's "Cannot addRelatedStyleRule, probably due to strict CSP".
    reported = [m for m in page.console_messages if "Content Security Policy" in m or "CSP" in m]
    page.console_messages.clear()
    return blocked + reported


def test_every_chart_draws_under_the_policy(site, watched):
    found = {}
    for path in CHARTS:
        watched.goto(site.url + path)
        watched.wait_for_selector(".main-svg")
        watched.locator(".main-svg").first.hover()  # plotly's hover layer adds styles too
        found[path] = violations(watched)
    assert found == {path: [] for path in CHARTS}


def test_every_page_works_under_the_policy(site, watched):
    found = {}
    for path in PAGES:
        watched.goto(site.url + path)
        assert watched.locator("main, #content").count() >= 1, path
        found[path] = violations(watched)
    assert found == {path: [] for path in PAGES}


def test_pinned_chart_and_its_embed_draw_under_the_policy(site, watched, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")  # no og:image rendering
    response = Client().post("/charts/pin", {"v": "1", "chart": "outcomes", "dataset": "bbw-2016"})
    pinned = response["Location"]
    for path in (pinned, f"{pinned}embed/"):
        watched.goto(site.url + path)
        watched.wait_for_selector(".main-svg")
        assert violations(watched) == [], path


def test_the_admin_works_under_the_policy(site, watched):
    editor = User.objects.create_user("dana", password="a-long-test-password", is_staff=True)
    editor.groups.add(ensure_data_editors_group())
    watched.goto(f"{site.url}/admin/")
    watched.fill("#id_username", "dana")
    watched.fill("#id_password", "a-long-test-password")
    watched.click("input[type=submit]")
    watched.wait_for_url(re.compile(r"/admin/$"))
    assert violations(watched) == []
    for path in ("/admin/breaches/figure/", "/admin/breaches/importbatch/add/"):
        watched.goto(site.url + path)
        assert violations(watched) == [], path
    assert watched.get_by_role("heading", name=re.compile("Upload")).count() >= 1


def test_injected_inline_script_is_blocked_and_reported(site, watched):
    """What an XSS would try: the script does not run, and the browser says why."""
    watched.goto(f"{site.url}/about/")
    watched.evaluate(
        """() => {
          const s = document.createElement("script");
          s.textContent = "window.injected = true";
          document.body.append(s);
          const img = document.createElement("img");
          img.src = "https://evil.example/x.png";
          document.body.append(img);
        }"""
    )
    watched.wait_for_function("window.__violations.length >= 2")
    assert watched.evaluate("window.injected === undefined")
    assert sorted(watched.evaluate("window.__violations")) == [
        "img-src https://evil.example/x.png",
        "script-src-elem inline",
    ]
    assert any("Content Security Policy" in m for m in watched.console_messages)
