"""The proxy in front (deploy/nginx/breaches.conf, docs/deploy.md): Debian's nginx serving the
site file, TLS aside, in front of two gunicorn servers; static files from disk, pinned charts
from the proxy's cache, compression, request ids, and X-Forwarded-* believed from it only."""

from __future__ import annotations

import gzip
import http.client
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from tests.ops.proxy import Nginx, behind_nginx
from tests.ops.support import django_env, eventually, manage, pin_default_chart, stored_keys

# nginx is the only client the app servers believe (DJANGO_TRUSTED_PROXY_IPS=127.0.0.1); the
# tests' clients send from other loopback addresses, so the app can tell a request through
# the proxy from one sent straight to an app server.
READER = "127.0.0.5"
BYPASSER = "127.0.0.3"


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def request(url: str, headers: dict | None = None, source: str = READER) -> Answer:
    """GET from the `source` address, without following redirects or decompressing."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=30, source_address=(source, 0)
    )
    try:
        connection.request(
            "GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers or {}
        )
        answer = connection.getresponse()
        return Answer(answer.status, answer.headers, answer.read())
    finally:
        connection.close()


@dataclass
class Stack:
    proxy: Nginx
    servers: list
    static: object
    pin: str
    redis: str

    def app_logs(self) -> list[str]:
        return [server.log.read_text(errors="replace") for server in self.servers]


@pytest.fixture(scope="module")
def stack(pg_server, redis_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("proxy")
    static = folder / "static"
    env = django_env(
        pg_server,
        pg_server.clone("ops_proxy"),
        REDIS_URL=redis_server,
        DJANGO_MANIFEST_STATIC=1,
        DJANGO_STATIC_ROOT=static,
        DJANGO_TRUSTED_PROXY_IPS="127.0.0.1",
        DJANGO_TRUSTED_PROXY_COUNT=1,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,breaches.example.org",
    )
    manage(env, "collectstatic", "--noinput", timeout=300)
    pin = pin_default_chart(env)
    with behind_nginx(env, folder, static, app_workers=1) as (proxy, servers):
        yield Stack(proxy, servers, static, pin, redis_server)


def test_http_is_redirected_to_https(stack):
    answer = request(
        f"http://127.0.0.1:{stack.proxy.redirect_port}/league/?dataset=bbw-2016",
        {"Host": "breaches.example.org"},
    )
    assert answer.status == 301
    assert answer.headers["Location"] == "https://breaches.example.org/league/?dataset=bbw-2016"


def test_requests_reach_each_app_server_with_the_request_id(stack):
    ids = [f"through-proxy-{n}" for n in range(4)]
    for request_id in ids:
        answer = request(stack.proxy.url + "/about/", {"X-Request-ID": request_id})
        assert answer.status == 200
        assert answer.headers["X-Request-ID"] == request_id  # the app kept the proxy's id
        assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
    logs = stack.app_logs()
    for log in logs:  # both servers answered some of them, and logged their ids
        assert any(f"[{request_id}] access: GET /about/ 200" in log for request_id in ids)
    assert eventually(lambda: all(f"id={i} " in stack.proxy.access_log() for i in ids))

    # No id from the client: nginx makes one, and the app logs and returns that one.
    answer = request(stack.proxy.url + "/about/")
    made = answer.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert eventually(lambda: f"id={made} " in stack.proxy.access_log())
    assert any(f"[{made}] access: GET /about/ 200" in log for log in stack.app_logs())


def test_static_files_come_from_disk_with_long_cache_headers_and_gzip(stack):
    manifest = json.loads((stack.static / "staticfiles.json").read_text())["paths"]
    hashed = (
        manifest["css/site.css"]
        if "css/site.css" in manifest
        else next(name for original, name in manifest.items() if original.endswith(".css"))
    )
    answer = request(f"{stack.proxy.url}/static/{hashed}", {"Accept-Encoding": "gzip"})
    assert answer.status == 200
    assert answer.headers["Content-Encoding"] == "gzip"
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert gzip.decompress(answer.body) == (stack.static / hashed).read_bytes()
    # A name without a hash may change at the next release: a minute only.
    original = next(o for o, h in manifest.items() if h == hashed)
    plain = request(f"{stack.proxy.url}/static/{original}")
    assert plain.status == 200
    assert plain.headers["Cache-Control"] == "public, max-age=60"
    # nginx answered: no app server saw a request for a static file.
    assert not any("/static/" in log for log in stack.app_logs())


def test_pages_are_compressed_brotli_first(stack):
    brotli = request(stack.proxy.url + "/about/", {"Accept-Encoding": "br, gzip"})
    assert brotli.headers["Content-Encoding"] == "br"
    plain = request(stack.proxy.url + "/about/", {"Accept-Encoding": "gzip"})
    assert plain.headers["Content-Encoding"] == "gzip"
    assert b"</html>" in gzip.decompress(plain.body)
    assert len(brotli.body) < len(gzip.decompress(plain.body)) / 3


def test_pinned_charts_are_served_from_the_proxy_cache_compressed_once(stack):
    def pinned(path, encoding):
        return request(stack.proxy.url + path, {"Accept-Encoding": encoding})

    for suffix in ["", "data.json"]:
        path = f"/c/{stack.pin}/{suffix}"
        # Two copies, compressed by the app once and kept: one for any list naming gzip...
        first, second = pinned(path, "gzip, deflate, br"), pinned(path, "gzip")
        assert (first.status, second.status) == (200, 200)
        assert first.headers["X-Cache-Status"] == "MISS"
        assert second.headers["X-Cache-Status"] == "HIT"
        assert second.headers["Content-Encoding"] == "gzip"
        assert second.body == first.body
        # ...and one for clients that take no compression.
        plain = [pinned(path, "identity") for _ in range(2)]
        assert [a.headers["X-Cache-Status"] for a in plain] == ["MISS", "HIT"]
        assert "Content-Encoding" not in plain[1].headers
        assert plain[1].body == gzip.decompress(second.body)
        answered = sum(log.count(f"access: GET {path} 200") for log in stack.app_logs())
        assert answered == 2, path  # one request per copy: the others came from nginx alone
    # The live view of a pin is never cached (Cache-Control: no-cache from the app).
    live = [request(f"{stack.proxy.url}/c/{stack.pin}/live.json") for _ in range(2)]
    assert all(a.status == 200 for a in live)
    assert all(a.headers["X-Cache-Status"] != "HIT" for a in live)


def test_forwarded_headers_are_believed_from_the_proxy_only(stack):
    """The address a rate limit counts against shows which X-Forwarded-For was believed."""
    import redis

    client = redis.Redis.from_url(stack.redis)
    client.flushall()
    client.close()
    spoofed = {"X-Forwarded-For": "203.0.113.9"}
    through = request(stack.proxy.url + "/charts/data.csv", spoofed)
    assert through.status == 302
    # nginx overwrote the header with the address it saw; the app believed nginx.
    assert [k.split(":")[3] for k in stored_keys(stack.redis, "ratelimit:*")] == [READER]

    server = stack.servers[0]
    straight = request(
        server.url + "/charts/data.csv", {"X-Forwarded-For": "203.0.113.7"}, source=BYPASSER
    )
    assert straight.status == 302
    addresses = sorted(k.split(":")[3] for k in stored_keys(stack.redis, "ratelimit:*"))
    assert addresses == sorted([READER, BYPASSER])  # not 203.0.113.7: sent by a client
