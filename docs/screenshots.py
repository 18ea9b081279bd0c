"""Take the screenshots used in the README and docs, from a running app.

Usage: python docs/screenshots.py [BASE_URL]   (default http://127.0.0.1:8000)
Uses Debian's chromium through Playwright; writes docs/img/*.png.
"""

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script
from config.chromium import CHROMIUM_ARGS

PAGES = {
    "home": "/",
    "league": "/league/?dataset=bbw-2016",
    "league-dismissed": "/league/?dataset=bbw-2016&outcome=dismissed&metric=per-1000-officers",
    "force": "/forces/surrey/",
    "force-west-midlands": "/forces/west-midlands/",
    "dataset": "/datasets/bbw-2016/",
    "dataset-sources": "/datasets/dbc-2025/",
    "figures": "/figures/?dataset=bbw-2016",
    "about": "/about/",
}
WIDTHS = {"desktop": 1280, "mobile": 375}


def main(base: str) -> None:
    out = Path(__file__).parent / "img"
    out.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        for label, width in WIDTHS.items():
            page = browser.new_page(viewport={"width": width, "height": 900})
            for name, path in PAGES.items():
                page.goto(base + path)
                if page.locator("[data-chart]").count():
                    page.wait_for_selector("[data-chart] .main-svg")
                page.screenshot(path=out / f"{name}-{label}.png", full_page=True)
            page.close()
        known_gaps(browser, base, out)
        league_scrolled(browser, base, out)
        home_caveat(browser, base, out)
        browser.close()


def known_gaps(browser, base: str, out: Path) -> None:
    """The about page's known gaps: the section's first 1,700 pixels, at desktop width."""
    page = browser.new_page(viewport={"width": WIDTHS["desktop"], "height": 900})
    page.goto(base + "/about/")
    top = page.evaluate("document.getElementById('gaps').getBoundingClientRect().top + scrollY")
    clip = {"x": 0, "y": top - 24, "width": WIDTHS["desktop"], "height": 1700}
    page.screenshot(path=out / "about-known-gaps.png", full_page=True, clip=clip)
    page.close()


def league_scrolled(browser, base: str, out: Path) -> None:
    """The league with its outcome shares, scrolled: at desktop width the table's box scrolled
    right and down (the header and force column stay put); on a phone, the cards."""
    page = browser.new_page(viewport={"width": WIDTHS["desktop"], "height": 900})
    page.goto(base + "/league/?dataset=bbw-2016&shares=show#results")
    page.evaluate("document.getElementById('results').scrollIntoView()")
    page.locator(".table-scroll").evaluate("el => { el.scrollLeft = 600; el.scrollTop = 260; }")
    page.screenshot(path=out / "league-scrolled-desktop.png")
    page.close()
    page = browser.new_page(viewport={"width": WIDTHS["mobile"], "height": 900})
    page.goto(base + "/league/?dataset=bbw-2016&shares=show#results")
    flag = page.locator("table.league tbody td.flags summary").first
    flag.click()  # one flag's text disclosed, in the card's flow
    flag.evaluate("el => el.closest('tr').scrollIntoView()")
    page.screenshot(path=out / "league-scrolled-mobile.png")
    page.close()


def home_caveat(browser, base: str, out: Path) -> None:
    """The home page's top forces, each first caveat in plain view beside its number."""
    page = browser.new_page(viewport={"width": WIDTHS["desktop"], "height": 900})
    page.goto(base + "/")
    page.locator(".top-forces summary").first.click()
    page.locator(".top-forces").screenshot(path=out / "home-caveat.png")
    page.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
