"""X-Forwarded-* headers are believed only from our own proxies (DJANGO_TRUSTED_PROXY_IPS).

The app reads X-Forwarded-For (the client's address, for rate limits and the sign-in
lockout) and, behind TLS, X-Forwarded-Proto. Any client that can reach an app server
directly could send them too; with DJANGO_TRUSTED_PROXY_IPS set, they are dropped from every
request that does not come from one of those addresses, before anything reads them.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings

FORWARDED_HEADERS = [
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
]


def from_trusted_proxy(remote_addr: str) -> bool:
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in network for network in settings.TRUSTED_PROXY_NETWORKS)


class ForwardedHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        networks = settings.TRUSTED_PROXY_NETWORKS
        if networks and not from_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
