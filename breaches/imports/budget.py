"""A time budget for the database work of one request (confirming an upload).

gunicorn kills a worker that takes longer than its --timeout, and the editor gets a bare
error page. A confirm is one transaction of many statements, so its budget is checked before
every statement, and each statement may run only for what is left of it (PostgreSQL's
statement_timeout, set for the transaction alone): past the budget the transaction is rolled
back and the editor is told why, by name.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

from django.db import OperationalError, connection

QUERY_CANCELED = "57014"  # PostgreSQL's code for a statement stopped by statement_timeout
SAVEPOINT_STATEMENTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


class OverBudget(Exception):
    """The work took longer than its budget; the transaction it ran in must roll back."""

    def __init__(self, seconds: float):
        super().__init__(f"took longer than {seconds:g} seconds")
        self.seconds = seconds


@contextmanager
def within(seconds: float | None):
    """Run the enclosed queries (inside a transaction) within `seconds`, or raise OverBudget."""
    if not seconds:
        yield
        return
    ends = time.monotonic() + seconds

    def bounded(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(SAVEPOINT_STATEMENTS):
            # A savepoint's rollback must always run, also in a transaction a failed statement
            # aborted (where nothing else may run first).
            return execute(sql, params, many, context)
        left = ends - time.monotonic()
        if left <= 0:
            raise OverBudget(seconds)
        # The raw cursor, so that this statement does not come back through this wrapper.
        context["cursor"].cursor.execute(
            "SELECT set_config('statement_timeout', %s, true)", [f"{max(int(left * 1000), 1)}"]
        )
        try:
            return execute(sql, params, many, context)
        except OperationalError as error:
            if getattr(error.__cause__, "pgcode", None) == QUERY_CANCELED:
                raise OverBudget(seconds) from error
            raise

    with connection.execute_wrapper(bounded):
        yield
