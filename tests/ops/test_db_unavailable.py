"""The 503 middleware in process (the real outage is in test_db_faults.py). These tests have
no database access: pytest-django makes any query fail, so the page provably needs none."""

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.test import RequestFactory
from django.utils.module_loading import import_string

from config.db_unavailable import DatabaseUnavailableMiddleware, database_unavailable_response

MIDDLEWARE = "config.db_unavailable.DatabaseUnavailableMiddleware"


def test_the_503_page_needs_no_database_and_is_never_cached():
    response = database_unavailable_response()
    assert response.status_code == 503
    page = response.content.decode()
    assert "<h1>The figures are temporarily unavailable</h1>" in page
    assert "Nothing has been lost" in page
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]


def test_only_lost_connections_become_503():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = RequestFactory().get("/league/")
    for error in (OperationalError("server closed the connection"), InterfaceError("closed")):
        assert middleware.process_exception(request, error).status_code == 503
    # Other errors (a bad query, a bug) stay 500s and are reported as such.
    for error in (DatabaseError("syntax error"), ValueError("bug")):
        assert middleware.process_exception(request, error) is None


def test_the_broken_connection_is_closed_so_the_next_request_reconnects():
    class Broken:
        closed = False

        def close(self):
            self.closed = True

    broken = Broken()
    connection.connection = broken
    try:
        middleware = DatabaseUnavailableMiddleware(lambda request: None)
        middleware.process_exception(RequestFactory().get("/"), OperationalError("gone"))
        assert broken.closed
        assert connection.connection is None
    finally:
        connection.connection = None


def test_it_sees_view_errors_before_any_other_middleware():
    """process_exception runs bottom-up: no middleware below it may answer first."""
    assert MIDDLEWARE in settings.MIDDLEWARE
    below = settings.MIDDLEWARE[settings.MIDDLEWARE.index(MIDDLEWARE) + 1 :]
    assert not [path for path in below if hasattr(import_string(path), "process_exception")]
