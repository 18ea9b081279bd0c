"""Time /incidents/ on a running server (a throwaway helper; `make bench` is the official one).

Usage, against gunicorn serving the database bench/fill_incidents.py filled:
    EMBEDDED_PG_DATABASE=bench_incidents python bench/measure_incidents.py --port 8122
Prints, per URL, the first (cold: facet counts not yet cached) and the median of the next
requests (warm), then the CSV of every row: first byte, total, and the peak RSS of the
gunicorn workers (VmHWM, which only grows, read before and after).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from breaches.models import Incident  # noqa: E402
from dashboard.incidents import keyset  # noqa: E402

PAGES = [
    ("first page", ""),
    ("dataset", "dataset=bench-synthetic-incidents"),
    ("force", "force=kent"),
    ("category", "category=pnc-misuse"),
    ("role", "role=staff"),
    ("outcome group", "outcome=resigned-or-dismissed"),
    ("detailed outcome", "outcome=conviction"),
    ("year", "year=2019"),
    ("search", "q=snapchat+neighbour"),
    ("search, rare word", "q=shredding+footage+journalist"),
    ("force + outcome", "force=kent&outcome=dismissed"),
    ("category + year", "category=pnc-misuse&year=2016"),
]


def timed(url: str) -> tuple[float, float, int]:
    """Seconds to the first byte and to the last, and the bytes read."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        first = response.read(1)
        ttfb = time.perf_counter() - started
        size = len(first)
        while chunk := response.read(1 << 16):
            size += len(chunk)
    return ttfb, time.perf_counter() - started, size


def workers_peak_rss() -> dict[int, int]:
    """kB of peak resident memory per gunicorn worker."""
    out = subprocess.run(["pgrep", "-f", "gunicorn config.wsgi"], capture_output=True, text=True)
    peaks = {}
    for pid in map(int, out.stdout.split()):
        status = Path(f"/proc/{pid}/status").read_text()
        peaks[pid] = next(int(line.split()[1]) for line in status.splitlines() if "VmHWM" in line)
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8122)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-csv", action="store_true")
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}/incidents/"
    total = Incident.objects.count()
    row = keyset.ordered(Incident.objects.all())[999 * 50 - 1]  # the last row of page 999
    pages = [
        *PAGES,
        ("page 1,000 (keyset, ?after=)", f"after={keyset.encode(keyset.key_of(row))}"),
        ("page 1,000 (old ?page=N link)", "page=1000"),
        ("last page", "page=last"),
    ]
    print(f"{total:,} incidents")
    for label, query in pages:
        url = f"{base}?{query}"
        cold = timed(url)[1]
        warm = [timed(url)[1] for _ in range(args.repeat)]
        median = statistics.median(warm) * 1000
        print(f"{label:32} cold {cold * 1000:7.0f} ms   warm median {median:6.0f} ms")
    if args.no_csv:
        return
    before = workers_peak_rss()
    for fmt in ("csv", "json"):
        ttfb, seconds, size = timed(f"{base}?_export={fmt}")
        print(f"{fmt.upper()} of all rows: first byte {ttfb * 1000:.0f} ms, ", end="")
        print(f"total {seconds:.1f} s, {size / 1e6:.0f} MB")
    after = workers_peak_rss()
    print(
        "worker peak RSS (MB) before -> after:",
        {pid: f"{before.get(pid, 0) / 1024:.0f} -> {after[pid] / 1024:.0f}" for pid in after},
    )


if __name__ == "__main__":
    main()
