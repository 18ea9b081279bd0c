"""Benchmark "Share": press to permalink, and pin to the chart's own image (docs/benchmarks.md).

Usage (from the repository root, with the fixtures loaded in the database):
    python bench/bench_share.py [--port 8160] [--root PATH] [--pins 8]

Starts gunicorn (2 workers, DJANGO_DEBUG=0) from the checkout at --root (default this one:
pass an older checkout to measure it the same way), then in headless chromium, for --pins
chart states never pinned before, opens the chart builder and measures:
1. press to permalink: from the click on "Share this chart" until the POST's redirect
   arrives, until the pinned page is received, and until its chart is drawn;
2. pin to image: from the click until /c/<id>/image.png is the chart's own image rather
   than the generic card (polled every 100 ms).
Only ever targets 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench_charts import CHROMIUM_ARGS, ROOT, environment, start_gunicorn

# Pairs of forces: each state is a chart nobody pinned before this run (its old pin is
# deleted first), so every press creates a pin and starts a render.
FORCES = [
    "avon-and-somerset~sussex", "humberside~sussex", "dorset~surrey", "cleveland~durham",
    "lancashire~sussex", "merseyside~west-midlands", "north-wales~wiltshire",
    "dyfed-powys~south-wales", "kent~surrey", "cumbria~durham", "gwent~north-wales",
    "lincolnshire~norfolk",
]  # fmt: skip
GENERIC = (ROOT / "static" / "img" / "og-generic.png").read_bytes()


def states(count: int) -> list[str]:
    return [f"v=1&chart=league&dataset=bbw-2016&forces={pair}" for pair in FORCES[:count]]


def forget_pins(root: Path, env: dict, queries: list[str]) -> None:
    """Delete earlier runs' pins of these states, so that each press pins anew."""
    code = (
        "from dashboard.models import PinnedChart; "
        f"PinnedChart.objects.filter(query_string__in={queries!r}).delete()"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=root, env=env, check=True
    )


def own_image(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read() != GENERIC


def measure(base: str, queries: list[str]) -> list[dict]:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        for query in queries:
            page = browser.new_page()
            page.goto(f"{base}/charts/?{query}")
            page.wait_for_selector(".main-svg")
            answered = []
            page.on(
                "response",
                lambda r, seen=answered: (
                    seen.append(time.perf_counter()) if r.url.endswith("/charts/pin") else None
                ),
            )
            start = time.perf_counter()
            page.get_by_role("button", name="Share this chart").click()
            page.wait_for_url(re.compile(r"/c/[a-z2-7]{12}/(#share-link)?$"), wait_until="commit")
            permalink = time.perf_counter() - start
            pinned = answered[0] - start
            page.wait_for_selector(".main-svg")
            drawn = time.perf_counter() - start
            image_url = page.url.removesuffix("#share-link") + "image.png"
            while not own_image(image_url):
                if time.perf_counter() - start > 120:
                    raise SystemExit(f"no image for {page.url} within 120 s")
                time.sleep(0.1)
            results.append(
                {
                    "pinned": pinned,
                    "permalink": permalink,
                    "drawn": drawn,
                    "image": time.perf_counter() - start,
                }
            )
            print(query, {k: round(v * 1000) for k, v in results[-1].items()}, flush=True)
            page.close()
        browser.close()
    return results


def summary(results: list[dict], key: str) -> str:
    values = sorted(r[key] * 1000 for r in results)
    return f"median {statistics.median(values):,.0f} ms, max {values[-1]:,.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8160)
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--pins", type=int, default=8)
    args = parser.parse_args()
    env = environment()
    # An older checkout uses this one's database (and PostgreSQL server).
    env.setdefault("EMBEDDED_PG_DIR", str(ROOT / ".pgdata"))
    env["SITE_URL"] = f"http://127.0.0.1:{args.port}"
    queries = states(args.pins)
    forget_pins(args.root, env, queries)
    server = start_gunicorn(args.port, env, args.root.resolve())
    try:
        results = measure(f"http://127.0.0.1:{args.port}", queries)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    print(f"load average: {os.getloadavg()}")
    for key, what in (("pinned", "press to the POST's answer (302)"),
                      ("permalink", "press to permalink page received"),
                      ("drawn", "press to chart drawn"),
                      ("image", "press to own image")):  # fmt: skip
        print(f"{what}: {summary(results, key)} ({len(results)} pins)")


if __name__ == "__main__":
    main()
