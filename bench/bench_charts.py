"""Benchmark the chart pages the way the public meets them (results: docs/benchmarks.md).

Usage (from the repository root, with the fixtures loaded in the database):
    python bench/bench_charts.py [--port 8042]

Starts gunicorn (2 workers, DJANGO_DEBUG=0, hashed and compressed static files after
collectstatic), pins a chart through the real Share form, then measures:
1. a pinned chart page with wrk (10 connections, 10 s): requests/s and errors;
2. /charts/data.json latency: cold (distinct states, nothing cached) and warm (cached);
3. a first visit to a chart page in headless chromium: compressed bytes transferred and the
   time until the chart's SVG appears.
Only ever targets 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the project's modules are beside bench/
from config.chromium import CHROMIUM_ARGS  # noqa: E402

STATE = "v=1&chart=league&dataset=bbw-2016"
COLD_STATES = [
    f"v=1&chart=trend&forces={a}~{b}"
    for a, b in [
        ("avon-and-somerset", "sussex"),
        ("humberside", "sussex"),
        ("dorset", "surrey"),
        ("cleveland", "durham"),
        ("lancashire", "sussex"),
        ("merseyside", "west-midlands"),
        ("north-wales", "wiltshire"),
        ("dyfed-powys", "south-wales"),
    ]
] + [
    f"v=1&chart={chart}&dataset={dataset}"
    for chart in ("league", "outcomes", "categories")
    for dataset in ("bbw-2016", "bbw-2011", "pa-2014", "vpnoverview-2021")
]


def environment() -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or "bench-only-" + "x" * 40,
        DJANGO_MANIFEST_STATIC="1",
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def start_gunicorn(port: int, env: dict, root: Path = ROOT) -> subprocess.Popen:
    """gunicorn serving the checkout at `root` (another one to compare with this)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=root,
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def pin_chart(base: str) -> str:
    """Press Share the way a browser does: GET the page for the CSRF cookie, then POST."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/charts/?{STATE}", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, **dict(urllib.parse.parse_qsl(STATE))}
    ).encode()
    request = urllib.request.Request(
        f"{base}/charts/pin", data=body, headers={"Referer": f"{base}/charts/"}
    )
    response = opener.open(request, timeout=60)
    return urllib.parse.urlparse(response.geturl()).path


def wrk(url: str) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", "-c10", "-d10s", "--latency", url], capture_output=True, text=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    return {
        "requests_per_s": rate,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "none",
        "p50": p50,
    }


def timed_get(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        assert response.status == 200, url
    return (time.perf_counter() - start) * 1000


def json_latency(base: str) -> dict:
    cold = [timed_get(f"{base}/charts/data.json?{state}") for state in COLD_STATES]
    warm = [timed_get(f"{base}/charts/data.json?{STATE}") for _ in range(200)]
    return {
        "cold_p50_ms": statistics.median(cold),
        "cold_max_ms": max(cold),
        "cold_n": len(cold),
        "warm_p50_ms": statistics.median(warm),
        "warm_p95_ms": statistics.quantiles(warm, n=20)[-1],
        "warm_n": len(warm),
    }


def first_visit(url: str) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        results = []
        for _ in range(5):
            context = browser.new_context()  # empty cache: a first visit
            page = context.new_page()
            finished = []
            page.on("requestfinished", lambda request, seen=finished: seen.append(request))
            start = time.perf_counter()
            page.goto(url, wait_until="commit")
            page.wait_for_selector(".main-svg")
            svg_ms = (time.perf_counter() - start) * 1000
            page.wait_for_load_state("networkidle")
            transferred = sum(
                r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in finished
            )
            results.append((svg_ms, transferred, len(finished)))
            context.close()
        browser.close()
    return {
        "svg_ms_median": statistics.median(r[0] for r in results),
        "svg_ms_max": max(r[0] for r in results),
        "bytes_transferred": results[-1][1],
        "requests": results[-1][2],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8042)
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    server = start_gunicorn(args.port, environment())
    try:
        pinned = pin_chart(base)
        print(f"pinned chart: {pinned}")
        timed_get(base + pinned)  # the first view renders and caches the page
        print("pinned page (wrk, 2 threads, 10 connections, 10 s):", wrk(base + pinned))
        print("pinned data.json (wrk):", wrk(base + pinned + "data.json"))
        print("/charts/data.json:", json_latency(base))
        print("first visit to a chart page:", first_visit(f"{base}/charts/?{STATE}"))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
