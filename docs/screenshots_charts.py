"""Take the chart screenshots (docs/charts.md), from a running app.

Usage: python docs/screenshots_charts.py [BASE_URL]   (default http://127.0.0.1:8000)
Uses Debian's chromium through Playwright; writes docs/img/charts-*.png at 1280 and 320 px,
and the five-force trend in greyscale too (colour must not be the only cue).
"""

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright
from screenshots import CHROMIUM_ARGS

FIVE_FORCES = "avon-and-somerset~humberside~merseyside~surrey~west-midlands"
# name: (path, what to capture: None for the first screenful, else the element)
SHOTS = {
    "charts-builder": ("/charts/?v=1&chart=league&dataset=bbw-2016", None),
    "charts-trend-five": (f"/charts/?v=1&chart=trend&forces={FIVE_FORCES}", "figure.chart"),
    "charts-outcomes": (
        "/charts/?v=1&chart=outcomes&dataset=bbw-2016&forces=humberside~surrey",
        "figure.chart",
    ),
    "charts-home": ("/", "figure.chart"),
}
WIDTHS = {"desktop": 1280, "320": 320}
GREYSCALE = "html { filter: grayscale(1); }"


def shoot(page, base: str, path: str, target: str | None, file: Path, *, css: str = "") -> None:
    page.goto(base + path)
    if page.locator("[data-chart]").count():
        page.wait_for_selector("[data-chart] .main-svg")
    if css:
        page.add_style_tag(content=css)
    # Full-page captures came out with tiles from elsewhere in the page (headless chromium
    # without a GPU): a screenful, or one element, never does.
    if target:
        page.locator(target).first.screenshot(path=file)
    else:
        page.screenshot(path=file)


def main(base: str) -> None:
    out = Path(__file__).parent / "img"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        for label, width in WIDTHS.items():
            page = browser.new_page(viewport={"width": width, "height": 900})
            for name, (path, target) in SHOTS.items():
                shoot(page, base, path, target, out / f"{name}-{label}.png")
            path, target = SHOTS["charts-trend-five"]
            grey = out / f"charts-trend-five-grey-{label}.png"
            shoot(page, base, path, target, grey, css=GREYSCALE)
            page.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
