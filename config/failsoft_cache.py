"""Django's Redis cache, failing soft: while Redis is unreachable, local memory stands in.

Pages and rate limits read the cache on every request, so with the plain Redis backend an
unreachable Redis turned them into 500s. Here every entry operation that fails with a Redis
error is answered by a per-process local-memory cache instead: pages are computed from the
database (and kept locally for a while), rate limits are counted per process. After a failure
Redis is left alone for RETRY_SECONDS, so an outage costs one failed attempt per process per
interval rather than one per request (a Redis that hangs would otherwise hold every request
for the socket timeout). Once it answers again, entries go to Redis again: no restart.

The failure is logged at most once a minute per process, with a line when Redis is back.
`clear()` is not softened: `restore_db` calls it and tells the operator when it fails.
`redis_health()` is what /healthz reports.
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

RETRY_SECONDS = 2.0
LOG_EVERY_SECONDS = 60.0


class _Outage:
    """One Redis server's state in this process, shared by every cache that uses it."""

    def __init__(self, where: str):
        self.where = where
        self.down_until = 0.0
        self.down = False
        self.last_logged = float("-inf")
        self.failures_since_log = 0
        self.lock = threading.Lock()

    def skip(self) -> bool:
        return time.monotonic() < self.down_until

    def failed(self, error: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            self.down, self.down_until = True, now + RETRY_SECONDS
            self.failures_since_log += 1
            if now - self.last_logged < LOG_EVERY_SECONDS:
                return
            count, self.failures_since_log, self.last_logged = self.failures_since_log, 0, now
        log.error(
            "Redis at %s is unreachable (%s: %s): serving from this process's memory, "
            "rate limits counted per process (%d failed attempts since the previous line)",
            self.where,
            type(error).__name__,
            str(error).splitlines()[0] if str(error) else "",
            count,
        )

    def answered(self) -> None:
        if self.down:
            with self.lock:
                self.down, self.last_logged = False, float("-inf")
            log.warning("Redis at %s answers again: the shared cache is back", self.where)


_outages: dict[str, _Outage] = {}


def _outage_for(servers: list[str]) -> _Outage:
    # Host and port only: a URL may carry a password, which must not reach the logs.
    where = ", ".join(f"{urlsplit(s).hostname}:{urlsplit(s).port or 6379}" for s in servers)
    return _outages.setdefault(where, _Outage(where))


def _soft(operation: str):
    """A cache method that tries Redis, and local memory when Redis fails or is resting."""

    def method(self, *args, **kwargs):
        if not self._outage.skip():
            try:
                result = getattr(RedisCache, operation)(self, *args, **kwargs)
            except RedisError as error:
                self._outage.failed(error)
            else:
                self._outage.answered()
                return result
        return getattr(self._fallback, operation)(*args, **kwargs)

    method.__name__ = operation
    return method


class FailSoftRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        # Entries and counters of each cache stay apart: one local cache per prefix.
        self._fallback = LocMemCache(
            f"failsoft:{server}:{self.key_prefix}",
            {**params, "OPTIONS": {"MAX_ENTRIES": 5000}},
        )
        self._outage = _outage_for(self._servers)

    add = _soft("add")
    get = _soft("get")
    set = _soft("set")
    touch = _soft("touch")
    delete = _soft("delete")
    get_many = _soft("get_many")
    has_key = _soft("has_key")
    incr = _soft("incr")
    set_many = _soft("set_many")
    delete_many = _soft("delete_many")

    def ping(self) -> bool:
        """True when Redis answers now (ignores the resting interval)."""
        try:
            return bool(self._cache.get_client(None, write=True).ping())
        except RedisError:
            return False


def redis_health() -> str | None:
    """ "ok" or "degraded" (some Redis unreachable: serving from local memory); None without
    Redis (each process has its own cache by configuration)."""
    redis_caches = [c for c in caches.all() if isinstance(c, FailSoftRedisCache)]
    if not redis_caches:
        return None
    return "ok" if all(c.ping() for c in redis_caches) else "degraded"
