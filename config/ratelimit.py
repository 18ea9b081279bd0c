"""Per-client rate limits counted in the shared cache, answered with 429 and Retry-After.

A fixed window: each client address gets `count` requests per `seconds`, counted in a cache
key named after the window, so the wait until the next window is exact and the counter
expires by itself. With REDIS_URL the "ratelimit" cache is Redis, so every app server counts
against the same budget (docs/security.md). A burst straddling two windows can reach twice
the limit; that is the price of one cache operation per request.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the one our nearest trusted proxy saw.

    Behind TRUSTED_PROXY_COUNT proxies that each append the address they received from to
    X-Forwarded-For, the client is that many entries from the right; entries further left
    were written by the client and prove nothing.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) < proxies:
        return remote  # not sent through every proxy we were told about
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def hit(scope: str, request: HttpRequest, limit: tuple[int, int]) -> int | None:
    """Count one request; None while under `limit`, else the seconds until the next window."""
    count, seconds = limit
    now = time.time()
    window = int(now // seconds)
    key = f"{scope}:{client_ip(request)}:{window}"
    cache = caches[settings.RATELIMIT_CACHE]
    cache.add(key, 0, seconds + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # evicted between add and incr: start again
        cache.set(key, 1, seconds + 1)
        used = 1
    if used <= count:
        return None
    return max(1, math.ceil((window + 1) * seconds - now))


def rate_limit(
    scope: str,
    setting: str,
    *,
    what: str,
    when: Callable[[HttpRequest], bool] | None = None,
):
    """Decorate a view: past settings.<setting> requests per client, a 429 page.

    `what` names the requests in the page ("downloads"); `when` limits only the requests it
    accepts (for example only ?_export= on a page that is otherwise free).
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if when is None or when(request):
                retry_after = hit(scope, request, getattr(settings, setting))
                if retry_after is not None:
                    from .errors import too_many_requests

                    return too_many_requests(request, retry_after, what=what)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def exporting(request: HttpRequest) -> bool:
    """A download of a page's rows (?_export=...)."""
    return "_export" in request.GET
