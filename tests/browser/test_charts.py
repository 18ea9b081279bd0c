"""Charts in a real browser: controls, sharing, frozen pins, embeds on another origin."""

import io
import re
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.core.management import call_command

from dashboard.charts.images import GENERIC_IMAGE

pytestmark = pytest.mark.django_db(transaction=True)

START = "/charts/?v=1&chart=league&dataset=bbw-2016&forces=dorset"
SURREY_RESTATED = [
    ["dataset", "force", "period_start", "period_end", "count", "source_title", "note"],
    ["bbw-2016", "Surrey Police", "2011-06-01", "2015-12-31", "210", "Surrey FOI 2017", "Restated"],
]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def rendered_image(page, url: str, seconds: int = 90):
    """The pinned chart's own image, which a spawned renderer stores seconds after the pin
    (dashboard/charts/rendering.py); until then image.png is the generic card, briefly cached."""
    deadline = time.monotonic() + seconds
    while True:
        image = page.request.get(url)
        if image.headers["cache-control"] == "public, max-age=31536000, immutable":
            return image
        assert image.headers["cache-control"] == "public, max-age=60"
        assert image.body() == GENERIC_IMAGE.read_bytes()
        assert time.monotonic() < deadline, f"no image rendered within {seconds} s"
        time.sleep(0.5)


def table_counts(page) -> dict[str, str]:
    rows = page.locator(".chart-table tbody tr")
    return {
        rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").nth(1).inner_text()
        for i in range(rows.count())
    }


def test_build_share_and_keep_a_pinned_chart(site, browser, page, write_csv):
    page.goto(site.url + START)
    page.wait_for_selector(".main-svg")
    assert table_counts(page) == {"Dorset Police": "81"}
    page.evaluate("window.notReloaded = true")

    page.locator(".forces-picker summary").click()
    page.get_by_label("Surrey Police").check()
    page.wait_for_url(re.compile(r"forces=dorset~surrey$"))
    page.wait_for_function("document.querySelectorAll('.chart-table tbody tr').length === 2")
    assert page.evaluate("window.notReloaded") is True
    assert table_counts(page) == {"Surrey Police": "202", "Dorset Police": "81"}

    page.get_by_role("button", name="Share this chart").click()
    # Share opens the pinned chart at its link, focused (test_chart_access.py).
    page.wait_for_url(re.compile(r"/c/[a-z2-7]{12}/#share-link$"), timeout=30_000)
    pinned_url = page.url.removesuffix("#share-link")

    fresh = browser.new_context()
    other = fresh.new_page()
    other.goto(pinned_url)
    other.wait_for_selector(".main-svg")
    assert table_counts(other) == {"Surrey Police": "202", "Dorset Police": "81"}
    assert "data as published on" in other.locator(".pinned-note").inner_text()
    assert other.locator("[data-live-notice]").is_hidden()
    image = rendered_image(other, pinned_url + "image.png")
    assert image.headers["content-type"] == "image/png"
    assert struct.unpack(">II", image.body()[16:24]) == (1200, 630)
    assert image.body() != GENERIC_IMAGE.read_bytes()
    fresh.close()

    call_command("import_figures", write_csv(SURREY_RESTATED), stdout=io.StringIO())

    fresh = browser.new_context()
    other = fresh.new_page()
    other.goto(pinned_url)
    other.wait_for_selector(".main-svg")
    assert table_counts(other)["Surrey Police"] == "202"
    notice = other.locator("[data-live-notice]")
    notice.wait_for(state="visible")
    assert "changed" in notice.inner_text()
    other.get_by_role("link", name="See the live chart").click()
    other.wait_for_selector(".main-svg")
    assert table_counts(other)["Surrey Police"] == "210"
    fresh.close()


class HostPage(BaseHTTPRequestHandler):
    """A news site on another origin, framing one embed and one ordinary page."""

    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def other_origin():
    server = ThreadingHTTPServer(("127.0.0.1", 0), HostPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_embed_frames_on_another_origin_and_pages_refuse(site, page, other_origin):
    embed = f"{site.url}/charts/embed/?v=1&chart=league&dataset=bbw-2016"
    ordinary = f"{site.url}/charts/?v=1&chart=league&dataset=bbw-2016"
    HostPage.body = (
        "<!doctype html><title>News</title><h1>An article</h1>"
        f'<iframe id="embed" src="{embed}" data-breaches-chart style="width:800px;height:200px">'
        f'</iframe><iframe id="page" src="{ordinary}"></iframe>'
        f'<script src="{site.url}/static/js/embed-resize.js"></script>'
    ).encode()
    host = f"http://127.0.0.1:{other_origin.server_address[1]}/"
    assert host.split(":")[2] != site.url.split(":")[2]
    page.goto(host)

    framed = page.frame_locator("#embed")
    framed.locator(".main-svg").first.wait_for()
    assert "West Midlands Police" in framed.locator(".chart-summary").inner_text()
    # The embed told the host page its height; the resize script applied it.
    page.wait_for_function("document.getElementById('embed').style.height !== '200px'")
    assert int(page.evaluate("parseInt(document.getElementById('embed').style.height)")) > 400

    refused = page.locator("#page").element_handle().content_frame()
    assert refused.url.startswith("chrome-error://")
    assert refused.locator(".chart-plot").count() == 0


def test_a_pin_left_pending_by_a_restart_is_rendered_by_the_next_share(site, page, settings):
    from django.test import Client

    from dashboard.models import PinnedChart

    settings.PIN_IMAGE_RENDERER = "off"  # as if the worker died before its renderer started
    left = Client().post("/charts/pin", {"v": "1", "chart": "outcomes", "dataset": "bbw-2016"})
    assert PinnedChart.objects.get().image is None
    settings.PIN_IMAGE_RENDERER = "spawn"

    page.goto(site.url + START)
    page.wait_for_selector(".main-svg")
    page.get_by_role("button", name="Share this chart").click()
    page.wait_for_url(re.compile(r"/c/[a-z2-7]{12}/#share-link$"))
    rendered_image(page, page.url.removesuffix("#share-link") + "image.png")
    rendered_image(page, site.url + left["Location"] + "image.png")
    assert PinnedChart.objects.filter(image__isnull=True).count() == 0
