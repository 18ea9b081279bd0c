"""Benchmark the proxy in front (results: docs/benchmarks.md, "The proxy").

Usage (from the repository root; `make wrk nginx` installs the tools):
    python bench/bench_proxy.py [--write docs/benchmarks.md] [--seconds 30] [--connections 64]

Builds what tests/ops/test_proxy.py tests, on an embedded PostgreSQL server of its own in a
temporary folder: the reference data, collectstatic, a pinned chart, two gunicorn servers
(2 sync workers each) and Debian's nginx serving deploy/nginx/breaches.conf (TLS aside) in
front of them. Then wrk (2 threads, loopback only) measures, one after the other:
1. a pinned chart page /c/<id>/ through nginx (served from the proxy's cache);
2. the league page /league/ through nginx (every request reaches an app server);
3. for comparison, the pinned chart page from one gunicorn server directly (gzip and not).
Everything it starts is stopped at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_import import write  # noqa: E402
from psycopg2 import sql  # noqa: E402

from tests.ops.proxy import behind_nginx  # noqa: E402
from tests.ops.support import (  # noqa: E402
    SEED_DB,
    EmbeddedServer,
    django_env,
    manage,
    pin_default_chart,
)

TARGET_PINNED = 10_000  # requests/s through nginx (issue 14, item 4)


@dataclass
class WrkResult:
    requests_per_second: float
    requests: int
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors (connect, read, write, timeout) and non-2xx/3xx answers
    detail: str


def wrk(url: str, seconds: int, connections: int, encoding: str = "gzip") -> WrkResult:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency"]
    output = subprocess.run(
        [*command, "-H", f"Accept-Encoding: {encoding}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = sum(map(int, re.findall(r"(?:connect|read|write|timeout) (\d+)", output)))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return WrkResult(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
        p50_ms=_ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),
        p99_ms=_ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1)),
        errors=errors,
        detail=output,
    )


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // (1024 * 1024)
    return f"{os.cpu_count()} cores ({cpu}), {memory} GiB, Python {platform.python_version()}"


def load() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def run(seconds: int, connections: int) -> str:
    # Stopped in reverse order whatever happens: nginx and gunicorn, the database, the folder.
    with contextlib.ExitStack() as cleanup:
        folder = Path(tempfile.mkdtemp(prefix="bench-proxy-", dir="/tmp"))
        cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
        database = EmbeddedServer(folder / "data")
        cleanup.callback(database.shutdown)
        database.start_first()
        database.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SEED_DB)))
        static = folder / "static"
        env = django_env(
            database,
            SEED_DB,
            DJANGO_MANIFEST_STATIC=1,
            DJANGO_STATIC_ROOT=static,
            DJANGO_TRUSTED_PROXY_IPS="127.0.0.1",
            DJANGO_TRUSTED_PROXY_COUNT=1,
        )
        manage(env, "migrate", "--noinput", timeout=600)
        manage(env, "load_reference_data", timeout=600)
        manage(env, "collectstatic", "--noinput", timeout=600)
        pin = pin_default_chart(env)
        proxy, servers = cleanup.enter_context(
            behind_nginx(env, folder, static, app_workers=2, nginx_workers=2)
        )
        # Warm: the proxy's cache holds the pin, each worker has rendered the league once.
        for path in [f"/c/{pin}/", "/league/"]:
            warm = ["wrk", "-t1", "-c4", "-d2s", "-H", "Accept-Encoding: gzip", proxy.url + path]
            subprocess.run(warm, check=True, capture_output=True)

        # The league last: the app servers work through its queue after wrk has stopped.
        loads = [load()]
        results = {}
        for name, url, encoding in [
            ("pinned", f"{proxy.url}/c/{pin}/", "gzip"),
            ("pinned, identity", f"{proxy.url}/c/{pin}/", "identity"),
            ("direct", f"{servers[0].url}/c/{pin}/", "gzip"),
            ("direct, identity", f"{servers[0].url}/c/{pin}/", "identity"),
            ("league", f"{proxy.url}/league/", "gzip"),
        ]:
            results[name] = wrk(url, seconds, connections, encoding)
            loads.append(load())
        cache_hits = proxy.access_log().count("cache=HIT")
        return report(seconds, connections, results, loads, cache_hits)


def report(seconds, connections, results, loads, cache_hits) -> str:
    def row(name, result, target):
        return (
            f"| {name} | {result.requests_per_second:,.0f} requests/s "
            f"({result.requests:,} in {seconds} s), p50 {result.p50_ms:.1f} ms, "
            f"p99 {result.p99_ms:.1f} ms, {result.errors} errors | {target} |"
        )

    ratio = results["pinned"].requests_per_second / TARGET_PINNED
    return "\n".join(
        [
            "## The proxy (nginx in front of two gunicorn servers)",
            "",
            f"Run by `python bench/bench_proxy.py --write docs/benchmarks.md` on "
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. Machine: {machine()}, Debian 12, "
            f"nginx {nginx_version()}, shared with other engineers' test runs: load average "
            f"(1, 5, 15 min) before, between and after the five runs: {' / '.join(loads)}.",
            "Set-up: what `tests/ops/test_proxy.py` tests: Debian's nginx (2 worker processes) "
            "serving `deploy/nginx/breaches.conf` (TLS aside) in front of two gunicorn servers "
            "of 2 sync workers each, embedded PostgreSQL, local-memory cache, `DJANGO_DEBUG=0`. "
            f"wrk: 2 threads, {connections} connections, {seconds} s each, loopback, "
            "`Accept-Encoding: gzip` (as browsers send) unless said, `--timeout 30s`.",
            "",
            "| measure | result | target (issue 14) |",
            "|---|---|---|",
            row(
                "pinned chart page `/c/<id>/` through nginx (proxy cache, gzip)",
                results["pinned"],
                f"≥ {TARGET_PINNED:,} requests/s: **{ratio:.2f}×** the target",
            ),
            row(
                "the same, `Accept-Encoding: identity` (nothing to compress)",
                results["pinned, identity"],
                "–",
            ),
            row(
                "pinned chart page from one gunicorn server directly, 2 workers",
                results["direct"],
                "–",
            ),
            row(
                "the same, `Accept-Encoding: identity` (nothing to compress)",
                results["direct, identity"],
                "– (before: 2,448-2,728, uncompressed)",
            ),
            row(
                "league page `/league/` through nginx (every request to an app server)",
                results["league"],
                "no errors",
            ),
            "",
            f"- {cache_hits:,} of the proxy's answers were cache hits (its access log).",
            "- wrk, nginx, gunicorn and PostgreSQL share the 2 cores, with the other sessions' "
            "work; wrk alone takes a good part of one core at these rates.",
            "- The league page: every request reaches one of the 4 app workers and renders "
            f"the whole table; at this load they served "
            f"{results['league'].requests_per_second:,.0f} pages/s, so {connections} "
            "connections queue for"
            " seconds. No request failed or was dropped, but only because wrk waited up to 30"
            " s (its default of 2 s would count most as timeouts); nginx waits 90 s "
            "(`proxy_read_timeout`). The league is not cached by the proxy: it changes with "
            "every import.",
            "- Straight from gunicorn the pinned page is now compressed by the app on every "
            "request (`gzip_page`, so that the proxy keeps compressed copies); behind nginx "
            "that happens once per copy; the two gunicorn rows show what that costs. The "
            "earlier 2,448-2,728 requests/s were measured at a load average of 3.6-4; compare "
            "ratios within one run only.",
            "",
        ]
    )


def nginx_version() -> str:
    output = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
    return output.strip().split("/")[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="write the results into this Markdown file")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    for tool in ["wrk", "nginx"]:
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed: `make {tool}` installs Debian's")
    section = run(args.seconds, args.connections)
    print(section)
    if args.write:
        write(args.write, section)


if __name__ == "__main__":
    main()
