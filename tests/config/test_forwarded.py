"""X-Forwarded-* believed only from DJANGO_TRUSTED_PROXY_IPS (config/forwarded.py)."""

import ipaddress

import pytest

from config.ratelimit import client_ip

pytestmark = pytest.mark.django_db


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXY_NETWORKS = [ipaddress.ip_network("10.0.0.0/24")]
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True


def test_the_proxy_is_believed(client, behind_proxy):
    response = client.get(
        "/about/",
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert response.status_code == 200  # https as the proxy said: no redirect
    assert client_ip(response.wsgi_request) == "203.0.113.9"


def test_anyone_else_is_not(client, behind_proxy):
    response = client.get(
        "/about/",
        REMOTE_ADDR="192.0.2.7",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert response.status_code == 301  # plain http, whatever the header claimed
    assert response["Location"].startswith("https://")
    request = response.wsgi_request
    assert "HTTP_X_FORWARDED_FOR" not in request.META
    assert client_ip(request) == "192.0.2.7"


def test_without_the_setting_every_client_is_believed_as_before(client, behind_proxy, settings):
    settings.TRUSTED_PROXY_NETWORKS = []
    response = client.get("/about/", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
