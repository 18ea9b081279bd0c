"""A request id on every response and on every log line written while the request runs.

The id comes from the X-Request-ID header when a proxy (or a client) sends a sane one, so a
request can be followed from the proxy's log to ours; otherwise it is a new uuid. It is kept
in a context variable, which the logging filter reads: loggers need no request object.

The variable is cleared when the response is closed (request_finished), not when the
middleware returns: Django logs "Not Found" and "Internal Server Error" after the whole
middleware chain has run, and those lines need the id most.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar

from django.core.signals import request_finished

NO_REQUEST = "-"
current_request_id: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)

# Letters, digits and a few separators, at most 64: a uuid, a hex trace id, "req-123". Anything
# else (spaces, newlines, markup, a megabyte) is replaced, so the id cannot forge log lines.
SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

access_log = logging.getLogger("access")


def request_id_from(header: str | None) -> str:
    """The header's id if it is sane, else a new one."""
    if header and SANE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Set request.id and the X-Request-ID response header; log one access line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = request_id_from(request.headers.get("X-Request-ID"))
        current_request_id.set(request.id)
        started = time.monotonic()
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        # The path only (query strings may carry an upload's staging token), with control
        # characters escaped so that a crafted URL cannot start a fake log line.
        access_log.info(
            "%s %s %s %.0fms",
            request.method,
            request.path.encode("unicode_escape").decode("ascii"),
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response


def forget_request_id(**kwargs) -> None:
    current_request_id.set(NO_REQUEST)


request_finished.connect(forget_request_id, dispatch_uid="config.request_id")


class RequestIdFilter(logging.Filter):
    """Give every record a `request_id` ("-" outside a request) for the formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True
