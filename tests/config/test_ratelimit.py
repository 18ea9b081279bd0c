"""Rate limits (config/ratelimit.py) on exports and pins: 429, Retry-After, per client address."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client, RequestFactory

from config import ratelimit
from config.ratelimit import client_ip, hit

# The limits' clock stands still mid-window (tests/conftest.py), unless a test sets it.
pytestmark = pytest.mark.usefixtures("mid_window")

LEAGUE = "v=1&chart=league&dataset=bbw-2016"
EXPORTS = [
    "/league/?dataset=bbw-2016&_export=csv",
    "/figures/?dataset=bbw-2016&_export=json",
    "/incidents/?_export=xlsx",
    f"/charts/data.csv?{LEAGUE}",
    f"/charts/data.json?{LEAGUE}",
]


def request(remote="198.51.100.7", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


# --- The client address --------------------------------------------------------------------


def test_without_trusted_proxies_the_address_is_remote_addr(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(forwarded="1.2.3.4")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the left entry is the client's own claim
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (1, "2001:db8::1", "2001:db8::1"),
        (2, "203.0.113.5", "198.51.100.7"),  # fewer hops than proxies: not through them all
        (1, "not-an-address", "198.51.100.7"),
        (1, "", "198.51.100.7"),
    ],
)
def test_behind_trusted_proxies_the_address_is_what_the_nearest_saw(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request(forwarded=forwarded)) == expected


# --- The counter ---------------------------------------------------------------------------


def test_hit_allows_count_requests_per_window_then_says_how_long_to_wait(monkeypatch):
    now = 60 * 16_666_667 + 29.5  # 29.5 s into a 60 s window
    monkeypatch.setattr(ratelimit.time, "time", lambda: now)
    assert [hit("t", request(), (3, 60)) for _ in range(3)] == [None, None, None]
    assert hit("t", request(), (3, 60)) == 31  # 30.5 s, rounded up
    assert hit("t", request(remote="198.51.100.8"), (3, 60)) is None
    assert hit("other-scope", request(), (3, 60)) is None
    now += 30.5  # the next window
    assert hit("t", request(), (3, 60)) is None


def test_the_counters_live_in_the_shared_ratelimit_cache(monkeypatch):
    monkeypatch.setattr(ratelimit.time, "time", lambda: 60 * 16_666_667 + 29.5)
    hit("t", request(), (3, 60))
    hit("t", request(), (3, 60))
    assert caches[settings.RATELIMIT_CACHE].get("t:198.51.100.7:16666667") == 2


# --- Views ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_export_shares_one_budget_and_then_answers_429(client, settings):
    settings.EXPORT_RATE_LIMIT = (len(EXPORTS), 600)
    for url in EXPORTS:
        assert client.get(url).status_code == 200, url
    for url in EXPORTS:
        refused = client.get(url)
        assert refused.status_code == 429, url
        assert 0 < int(refused["Retry-After"]) <= 601
        assert "Too many downloads from this address" in refused.content.decode()


@pytest.mark.django_db
def test_pages_are_not_limited_only_their_downloads(client, settings):
    settings.EXPORT_RATE_LIMIT = (1, 600)
    assert client.get("/league/?dataset=bbw-2016&_export=csv").status_code == 200
    assert client.get("/league/?dataset=bbw-2016&_export=csv").status_code == 429
    for url in ("/league/?dataset=bbw-2016", "/figures/", "/incidents/", f"/charts/?{LEAGUE}"):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_another_address_keeps_its_own_budget(client, settings):
    settings.EXPORT_RATE_LIMIT = (1, 600)
    assert client.get(EXPORTS[0]).status_code == 200
    assert client.get(EXPORTS[0]).status_code == 429
    assert Client(REMOTE_ADDR="203.0.113.20").get(EXPORTS[0]).status_code == 200


@pytest.mark.django_db
def test_behind_a_proxy_readers_are_told_apart_and_cannot_spoof_their_way_out(settings):
    settings.EXPORT_RATE_LIMIT = (1, 600)
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    alice = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.1")
    bob = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert alice.get(EXPORTS[0]).status_code == 200
    assert bob.get(EXPORTS[0]).status_code == 200
    assert alice.get(EXPORTS[0]).status_code == 429
    # Alice invents an address; the proxy appends the one it saw.
    spoofing = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.1")
    assert spoofing.get(EXPORTS[0]).status_code == 429


@pytest.mark.django_db
def test_pinning_past_the_limit_is_a_429_with_retry_after(client, settings, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")  # no og:image rendering
    settings.PIN_RATE_LIMIT = (1, 600)
    assert client.post("/charts/pin", {"v": "1", "chart": "league"}).status_code == 302
    refused = client.post("/charts/pin", {"v": "1", "chart": "outcomes"})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 601
    assert "Too many shared charts from this address" in refused.content.decode()
    # Exports have their own budget.
    assert client.get(EXPORTS[0]).status_code == 200
