"""Shared fixtures: the test database is created on the embedded PostgreSQL server (or the
server in DATABASE_URL) and loaded once with the real reference data and figures."""

import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from config.chromium import CHROMIUM_ARGS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# Run in parallel (`make test`: pytest-xdist, --dist loadgroup), each worker on its own test
# database. The ops tests share costly session fixtures (an embedded PostgreSQL server, gunicorn
# and Redis of their own), so they all run on one worker. Browser tests are grouped by file:
# each worker starts its own chromium once (about a second), and the browser files fill the
# other worker while the ops tests run.
GROUPED = ("browser", "ops")
BY_FILE = ("browser",)


# Playwright's sync API runs an event loop; Django refuses ORM calls inside one unless told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is needed: `make test` installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# The longest work first (pytest-xdist hands out groups in collection order): the ops group
# (servers of its own, about 100 s on one worker), the query-string sweep, then the browser
# files. Started last, the ops group ran alone at the end while the other worker idled. This
# hook runs before pytest-django's, which then sorts, keeping this order within each of its
# parts: tests that roll back first, then those that commit (and empty the tables after).
LONGEST_FIRST = ("tests/ops/", "tests/hostile/test_query_strings.py", "tests/browser/")


def _started_at(item) -> int:
    path = item.nodeid
    return next((n for n, prefix in enumerate(LONGEST_FIRST) if path.startswith(prefix)), 99)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        folder = item.path.parent.name
        if folder in GROUPED and item.path.parent.parent.name == "tests":
            group = f"{folder}/{item.path.stem}" if folder in BY_FILE else folder
            item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=_started_at)  # stable: within each part, the order pytest collected


def load_reference_data() -> None:
    """The real fixtures, as a transactional test (which starts from empty tables) needs them.

    Copied back from the snapshot taken when the session loaded them through the importer:
    a tenth of a second instead of the importer's two, which every browser test paid."""
    if _SNAPSHOT is None:
        call_command("load_reference_data", stdout=io.StringIO())
    else:
        _SNAPSHOT.restore()


class _Snapshot:
    """Every table's rows, as PostgreSQL's COPY writes them, and where each sequence stood."""

    def __init__(self):
        from django.db import connection

        self.tables = connection.introspection.django_table_names(only_existing=True)
        self.rows: dict[str, str] = {}
        with connection.cursor() as cursor:
            for table in self.tables:
                buffer = io.StringIO()
                cursor.cursor.copy_expert(f'COPY "{table}" TO STDOUT', buffer)
                self.rows[table] = buffer.getvalue()

    def restore(self):
        from django.apps import apps
        from django.core.management.color import no_style
        from django.db import connection, transaction

        # One transaction: foreign keys are checked at commit, whatever the tables' order.
        with transaction.atomic(), connection.cursor() as cursor:
            names = ", ".join(f'"{table}"' for table in self.tables)
            cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            for table, rows in self.rows.items():
                if rows:
                    cursor.cursor.copy_expert(f'COPY "{table}" FROM STDIN', io.StringIO(rows))
            for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
                cursor.execute(statement)


_SNAPSHOT: _Snapshot | None = None


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """Commits do not wait for the disk: a test database is thrown away anyway, and the
    suite commits often (every transactional test, every fixture copy, every migration)."""
    from django.conf import settings

    options = settings.DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every `db` test starts from the real fixtures (rolled back after each test); a
    transactional test copies them back from a snapshot (`load_reference_data`)."""
    global _SNAPSHOT
    with django_db_blocker.unblock():
        call_command("load_reference_data", stdout=io.StringIO())
        _SNAPSHOT = _Snapshot()


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Every test starts with unused rate limits (config/ratelimit.py): the suite makes many
    more downloads from 127.0.0.1 than a reader would."""
    from django.conf import settings
    from django.core.cache import caches

    caches[settings.RATELIMIT_CACHE].clear()


@pytest.fixture(autouse=True)
def fresh_page_cache():
    """Every test starts with an empty cache: what is cached by data version (league tables,
    facets, chart data) would outlive a rolled-back test's rows, which move no version."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def mid_window(monkeypatch):
    """Rate limits count in fixed windows (multiples of the window's length since the epoch):
    a test whose requests straddled a boundary saw its count start again. The clock the
    limits read stands still, mid-window, unless the test sets it."""
    from types import SimpleNamespace

    from config import ratelimit

    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_300.0))


@pytest.fixture
def write_csv(tmp_path):
    """Write rows (lists of cells, header first) to a CSV file and return its path."""
    import csv

    def write(rows, name="upload.csv", encoding="utf-8"):
        path = tmp_path / name
        with path.open("w", newline="", encoding=encoding) as handle:
            csv.writer(handle).writerows(rows)
        return path

    return write
