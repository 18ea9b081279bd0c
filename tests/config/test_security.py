"""Security headers on every response, framing only for embeds, HTTPS and `check --deploy`."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LEAGUE = "v=1&chart=league&dataset=bbw-2016"
PAGES = [
    "/",
    "/league/",
    "/league/?dataset=bbw-2016&_export=csv",
    "/league/?dataset=no-such-dataset",  # 400
    "/forces/",
    "/forces/surrey/",
    "/datasets/",
    "/datasets/bbw-2016/",
    "/figures/",
    "/incidents/",
    "/about/",
    "/healthz",
    "/charts/",  # redirect to the canonical state
    f"/charts/?{LEAGUE}",
    f"/charts/data.json?{LEAGUE}",
    f"/charts/data.csv?{LEAGUE}",
    "/admin/login/",
    "/admin/",  # redirect to sign in
    "/no-such-page/",  # 404
    "/static/css/site.css",
    "/static/js/charts.js",
]
EMBEDS = [f"/charts/embed/?{LEAGUE}", "/c/{pin}/embed/"]


@pytest.fixture
def pin(client, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")  # no og:image rendering
    response = client.post("/charts/pin", {"v": "1", "chart": "league", "dataset": "bbw-2016"})
    return re.fullmatch(r"/c/(\w+)/", response["Location"])[1]


def policy(response) -> dict[str, list[str]]:
    directives = [d.split() for d in response["Content-Security-Policy"].split(";") if d.strip()]
    return {name: sources for name, *sources in directives}


def assert_common_headers(response):
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no inline script, no eval, no other host
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    # plotly.js writes <style> elements: inline styles only, and nowhere else.
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
    sources = {s for name, values in csp.items() if name != "style-src" for s in values}
    assert sources <= {"'self'", "'none'", "data:"}
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    refused = dict(item.split("=") for item in response["Permissions-Policy"].split(", "))
    assert {"camera", "microphone", "geolocation", "payment", "usb"} <= set(refused)
    assert set(refused.values()) == {"()"}  # no page may use any of them, nor anything it loads
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    return csp


@pytest.mark.parametrize("path", PAGES)
def test_every_response_has_the_security_headers_and_refuses_framing(client, path):
    response = client.get(path)
    assert response.status_code in (200, 302, 400, 404), path
    csp = assert_common_headers(response)
    assert csp["frame-ancestors"] == ["'none'"]
    assert "sessionid" not in response.cookies  # only staff have sessions
    if not path.startswith("/static/"):  # whitenoise answers before the X-Frame-Options layer
        assert response["X-Frame-Options"] == "DENY"


def test_pinned_pages_refuse_framing_too(client, pin):
    for suffix in ("", "data.json", "data.csv", "image.png", "live.json"):
        response = client.get(f"/c/{pin}/{suffix}")
        assert response.status_code == 200, suffix
        assert policy(response)["frame-ancestors"] == ["'none'"], suffix
        assert response["X-Frame-Options"] == "DENY", suffix


@pytest.mark.parametrize("path", EMBEDS)
def test_embeds_may_be_framed_by_any_site(client, pin, path):
    response = client.get(path.format(pin=pin))
    assert response.status_code == 200
    csp = assert_common_headers(response)
    assert "frame-ancestors" not in csp
    assert "X-Frame-Options" not in response


def test_hsts_over_https_when_configured(client, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = False
    secure = client.get("/about/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/about/")  # never over plain http


def test_local_defaults_serve_plain_http(client, settings):
    """Tests, `make run` and the browser tests' live server use http: HTTPS is opt-in."""
    assert not settings.SECURE_SSL_REDIRECT
    assert settings.SECURE_HSTS_SECONDS == 0
    assert client.get("/about/").status_code == 200


# --- The production environment of .env.example -------------------------------------------


def production_env(**overrides) -> dict[str, str]:
    """The process environment plus every variable .env.example sets, and a real secret."""
    example = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if re.fullmatch(r"[A-Z_]+=.*", line):
            name, value = line.split("=", 1)
            example[name] = value
    assert example["DJANGO_DEBUG"] == "0"
    assert example["DJANGO_HTTPS"] == "1"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AXES_"))}
    env = {**env, **example, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    # The embedded database (the tests' own) instead of .env.example's empty DATABASE_URL.
    env["DATABASE_URL"] = os.environ.get("DATABASE_URL", "")
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run(args, env):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_no_issue_with_the_production_environment():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_flags_a_deployment_without_https_or_secret():
    env = production_env(DJANGO_HTTPS="0", DJANGO_SECRET_KEY=None)
    env = {k: v for k, v in env.items() if not k.startswith("DJANGO_HSTS")}
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 1
    flagged = set(re.findall(r"\(security\.(W\d+)\)", result.stderr))
    # HSTS, SSL redirect, SECRET_KEY, session and CSRF cookies
    assert flagged == {"W004", "W008", "W009", "W012", "W016"}


PRODUCTION_REQUESTS = """
import django; django.setup()
from django.test import Client
host = {"HTTP_HOST": "breaches.example.org"}
plain = Client().get("/admin/login/", **host)
print("plain", plain.status_code, plain["Location"])
proxied = Client().get("/admin/login/", HTTP_X_FORWARDED_PROTO="https", **host)
print("proxied", proxied.status_code, proxied["Strict-Transport-Security"])
cookie = proxied.cookies["csrftoken"]
print("cookie", bool(cookie["secure"]), cookie["samesite"])
"""


def test_the_production_environment_redirects_to_https_and_sends_hsts():
    result = run(["-c", PRODUCTION_REQUESTS], production_env())
    assert result.returncode == 0, result.stderr
    printed = [line for line in result.stdout.splitlines() if not line[:1].isdigit()]  # no logs
    assert printed == [
        "plain 301 https://breaches.example.org/admin/login/",
        "proxied 200 max-age=31536000; includeSubDomains; preload",
        "cookie True Lax",
    ]
