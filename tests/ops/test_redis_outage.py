"""Redis failing soft (config/failsoft_cache.py): a real redis-server stopped under load and
started again while two gunicorn workers serve. No 5xx, /healthz says "degraded" with a 200,
rate limits counted per process, one log line per worker, the shared cache back without a
restart."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import pytest

from tests.ops.support import RedisServer, django_env, get, pin_default_chart, stored_keys

PAGES = ["/", "/league/", "/forces/", "/datasets/", "/figures/", "/incidents/", "/about/"]
# Answered with a redirect to their canonical query, which is what the load requests.
REDIRECTED = ["/charts/", "/charts/data.json"]
UNREACHABLE = "is unreachable"


@pytest.fixture
def redis_to_stop(tmp_path):
    """A redis-server of this test's own, which it stops and starts again on the same port."""
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(folder)
    server.start()
    yield server
    server.shutdown()


class Load:
    """A few threads requesting `urls` in turn until the block ends: bounded, loopback only.

    Every answer is counted under the phase the test had set when it was sent.
    """

    def __init__(self, urls: list[str], threads: int = 4):
        self.urls = urls
        self.phase = "Redis up"
        self.statuses: dict[str, Counter] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,)) for i in range(threads)]

    def _run(self, offset: int) -> None:
        turn = offset
        while not self._stop.is_set():
            phase = self.phase
            status = get(self.urls[turn % len(self.urls)], timeout=30).status
            with self._lock:
                self.statuses.setdefault(phase, Counter())[status] += 1
            turn += 1

    def run_phase(self, phase: str, seconds: float, timeout: float = 120) -> None:
        """Stay in `phase` for `seconds`, and until every URL has been answered in it: a busy
        machine may need longer."""
        self.phase = phase
        started = time.monotonic()
        while time.monotonic() - started < seconds or sum(
            self.statuses.get(phase, Counter()).values()
        ) < 2 * len(self.urls):
            assert time.monotonic() - started < timeout, (phase, self.statuses)
            time.sleep(0.1)

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


def health(app) -> tuple[int, dict]:
    answer = get(app.url + "/healthz")
    return answer.status, json.loads(answer.body)


def test_pages_answer_from_the_database_while_redis_is_down_and_the_cache_comes_back(
    pg_server, redis_to_stop, serve
):
    env = django_env(pg_server, pg_server.clone("ops_redis_outage"), REDIS_URL=redis_to_stop.url)
    pin = pin_default_chart(env)
    app = serve(env)
    canonical = [get(app.url + path).headers["Location"] for path in REDIRECTED]
    urls = [app.url + p for p in [*PAGES, *canonical, f"/c/{pin}/", f"/c/{pin}/data.json"]]
    assert [get(url, timeout=30).status for url in urls] == [200] * len(urls)
    assert stored_keys(redis_to_stop.url, ":1:charts:*")
    assert health(app) == (200, {"database": "ok", "cache": "ok", "status": "ok"})

    with Load(urls) as load:
        load.run_phase("Redis up", 1)
        redis_to_stop.stop()
        load.run_phase("Redis down", 3)
        assert health(app) == (200, {"database": "ok", "cache": "degraded", "status": "degraded"})
        redis_to_stop.start()
        # Each worker leaves Redis alone for 2 s after a failure (RETRY_SECONDS), then uses it.
        load.run_phase("Redis back", 4)

    for phase in ["Redis up", "Redis down", "Redis back"]:
        assert load.statuses[phase][200] >= len(urls), (phase, load.statuses)
        assert set(load.statuses[phase]) == {200}, (phase, load.statuses)
    # The restarted Redis was empty: the entries in it now were stored after it came back.
    assert stored_keys(redis_to_stop.url, ":1:charts:*")
    assert health(app) == (200, {"database": "ok", "cache": "ok", "status": "ok"})
    # Hundreds of failed requests, one line per worker (at most one a minute), and one more
    # per worker when Redis answered again.
    log = app.log.read_text(errors="replace")
    assert 1 <= log.count(UNREACHABLE) <= 2, log
    assert log.count("answers again") == log.count(UNREACHABLE), log
    assert f"127.0.0.1:{redis_to_stop.port}" in log
    assert app.process.poll() is None


def test_rate_limits_count_per_process_while_redis_is_down(pg_server, redis_to_stop, serve):
    limit = 3
    env = django_env(
        pg_server,
        pg_server.clone("ops_redis_limits"),
        REDIS_URL=redis_to_stop.url,
        EXPORT_RATE_LIMIT=limit,
    )
    app = serve(env, workers=1)  # one process: its own count is exact
    into_window = time.time() % 600  # do not start on the edge of a 10-minute window
    if into_window > 580:
        time.sleep(600 - into_window + 0.5)

    def downloads(count: int) -> list[int]:
        return [get(app.url + "/charts/data.csv").status for _ in range(count)]

    assert downloads(2) == [302, 302]  # counted in Redis
    redis_to_stop.stop()
    # Redis's two are not known to the process: it starts counting again, and still stops.
    assert downloads(limit + 1) == [302] * limit + [429]
    refused = get(app.url + "/charts/data.csv")
    assert refused.status == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 601

    redis_to_stop.start()  # empty: the counting in Redis starts afresh once it is used again
    time.sleep(2.5)
    assert downloads(limit + 1) == [302] * limit + [429]
    assert stored_keys(redis_to_stop.url, "ratelimit:*")
