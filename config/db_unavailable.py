"""Answer 503 with a clear page while the database is down, and recover without a restart.

A view (or its template) that cannot reach PostgreSQL raises django.db.OperationalError
(cannot connect, server closed the connection) or InterfaceError (the connection is already
closed). Without this middleware that is a 500 "something went wrong"; with it, the reader
gets a 503 that says the figures are briefly unavailable, with Retry-After, and monitors see
a status that means "try again" rather than "bug".

Every broken connection is closed here, so the next request opens a fresh one: when the
database is back, pages are too, with no app restart. (Django also closes unusable
connections when a request finishes; closing here as well keeps that true whatever the
connection settings are.) The page is rendered without a request context: context processors
and templates that query the database would fail again while it is down.

Place it last in MIDDLEWARE: process_exception hooks run bottom-up, so it sees the view's
exception first, and its response still passes through the security middleware above it.
It only sees exceptions raised by views and by rendering their templates; a failure inside
another middleware remains a 500.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def database_unavailable_response() -> HttpResponse:
    """The 503 page: templates/503.html, which needs no database."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)  # a proxy must not keep serving the outage
    return response


def close_connections() -> None:
    """Drop every open database connection; the next query reconnects."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:  # closing a broken socket may itself fail; it is gone either way
            log.debug("Closing a broken %s connection failed", connection.alias, exc_info=True)
            connection.connection = None


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.error(
            "Database unavailable on %s %s: %s: %s",
            request.method,
            request.path,
            type(exception).__name__,
            str(exception).strip().splitlines()[0] if str(exception).strip() else "",
        )
        close_connections()
        return database_unavailable_response()
