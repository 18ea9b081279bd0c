"""Error pages that look like the site and say nothing about its insides.

Wired in config/urls.py (handler400 ... handler500), as CSRF_FAILURE_VIEW, by the rate limiter
and by django-axes. No page shows an exception's message, a path on disk or a setting; the
request id lets a reader quote the error and a maintainer find its log lines.
"""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

log = logging.getLogger(__name__)

# If even the template cannot be rendered (a broken install), this still can.
BARE_500 = (
    "<!doctype html><html lang='en-GB'><meta charset='utf-8'>"
    "<title>Something went wrong · Police Data Breaches</title>"
    "<h1>Something went wrong</h1><p>The error has been logged. Please try again in a moment.</p>"
)


@requires_csrf_token
def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


@requires_csrf_token
def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    """The 500 page, rendered with no request context: no context processor, no database."""
    try:
        body = loader.get_template("500.html").render({"request_id": getattr(request, "id", "")})
    except Exception:
        log.exception("The 500 page could not be rendered")
        body = BARE_500
    return HttpResponseServerError(body)


def csrf_failure(request, reason=""):
    """A form posted without a valid CSRF token (usually a page left open too long)."""
    log.warning("CSRF check failed: %s", reason)
    return render(request, "403.html", {"csrf": True}, status=403)


def too_many_requests(request, retry_after: int, *, what: str) -> HttpResponse:
    """429 naming what was limited and when to try again, with Retry-After in seconds."""
    response = render(
        request,
        "429.html",
        {"what": what, "retry_minutes": max(1, math.ceil(retry_after / 60))},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def locked_out(request, original_response=None, credentials=None) -> HttpResponse:
    """django-axes: too many failed sign-ins from this address (AXES_LOCKOUT_CALLABLE)."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    return too_many_requests(request, seconds, what="failed sign-ins")
