"""Server time per public page at the fixture scale (issue: p50 under 50 ms over 200 requests).

Usage: .venv/bin/python bench/bench_pages.py [--requests 200]
Runs in-process with Django's test client against a dedicated database on the embedded
server (or DATABASE_URL), loaded with the real fixtures; prints a Markdown table.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("EMBEDDED_PG_DATABASE", "breaches_bench")
# Measure the pages, not the download rate limit or the access log.
os.environ.setdefault("EXPORT_RATE_LIMIT", str(10**9))
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

PAGES = [
    "/",
    "/league/?dataset=bbw-2016",
    "/league/?dataset=bbw-2016&outcome=dismissed&metric=per-1000-officers",
    "/league/?dataset=bbw-2016&_export=csv",
    "/league/?dataset=bbw-2016&_export=xlsx",
    "/forces/",
    "/forces/surrey/",
    "/datasets/",
    "/datasets/bbw-2016/",
    "/figures/",
    "/figures/?q=allegations",
    "/incidents/",
    "/about/",
]
TARGET_MS = 50


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import override_settings

    # No setup_test_environment(): it instruments every template render and would inflate
    # the figures. The client names an allowed host instead.
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    client = Client(SERVER_NAME="127.0.0.1")
    print(f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"Date: {time.strftime('%Y-%m-%d %H:%M %Z')}; {args.requests} requests per page\n")
    print("| page | p50 ms | p95 ms | queries | p50 / 50 ms target |")
    print("|---|---:|---:|---:|---:|")
    for path in PAGES:
        for _ in range(20):  # warm up caches and connections
            assert client.get(path).status_code == 200, path
        timings = []
        for _ in range(args.requests):
            start = time.perf_counter()
            status = client.get(path).status_code
            timings.append((time.perf_counter() - start) * 1000)
            assert status == 200, (path, status)
        with override_settings(DEBUG=True):
            reset_queries()
            client.get(path)
            queries = len(connection.queries)
        p50 = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(f"| `{path}` | {p50:.1f} | {p95:.1f} | {queries} | {p50 / TARGET_MS:.2f} |")


if __name__ == "__main__":
    main()
