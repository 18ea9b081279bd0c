"""Database faults against the embedded server: an outage under a running app (503 pages,
/healthz 503 within 5 s, recovery without a restart) and an import killed while saving."""

from __future__ import annotations

import csv
import datetime as dt
import signal
import subprocess
import sys
import time

import pytest

from tests.ops.support import ROOT, django_env, get, manage, tables_snapshot

# Pages that all query the database (the admin login page does not: it stays up).
PAGES = ["/", "/league/", "/forces/", "/datasets/", "/figures/", "/incidents/", "/charts/data.json"]
# Words that would mean the page leaks how the app is built or where the database is.
LEAKS = ["Traceback", "OperationalError", "psycopg2", "s.PGSQL", "/tmp/", "postgres"]


@pytest.fixture
def database_back(pg_server):
    """Whatever happens in the test, the session's server is running again after it."""
    yield pg_server
    if not pg_server.running():
        pg_server.start()


def statuses(app, paths, rounds=3):
    """{path: [status, ...]} over a few rounds, so that every gunicorn worker answers."""
    return {path: [get(app.url + path).status for _ in range(rounds)] for path in paths}


def test_pages_answer_503_while_the_database_is_down_and_recover_without_a_restart(
    pg_server, database_back, serve
):
    database = pg_server.clone("ops_outage")
    app = serve(django_env(pg_server, database))
    reachable = [get(app.url + path, timeout=30) for path in PAGES]
    # /charts/data.json redirects to its canonical query.
    assert [r.status for r in reachable] == [200] * 6 + [302]
    pages = [*PAGES[:6], reachable[6].headers["Location"]]
    assert all(s == [200] * 3 for s in statuses(app, pages).values())

    pg_server.stop()
    started = time.monotonic()
    health = get(app.url + "/healthz", timeout=10)
    assert time.monotonic() - started < 5
    assert health.status == 503
    for path in pages:
        for _ in range(3):  # both workers, each with a connection that just broke
            page = get(app.url + path)
            assert page.status == 503, (path, page.status, page.body[:300])
            assert "The figures are temporarily unavailable" in page.body
            assert page.headers["Retry-After"] == "30"
            assert "no-store" in page.headers["Cache-Control"]
            assert not [leak for leak in LEAKS if leak in page.body], path
    assert get(app.url + "/healthz").status == 503
    assert app.process.poll() is None  # the app is still up, only answering 503

    pg_server.start()
    # No app restart and no retry: the very next requests reconnect.
    assert get(app.url + "/healthz").status == 200
    assert all(s == [200] * 4 for s in statuses(app, pages, rounds=4).values())
    assert app.process.poll() is None


ROWS = 20_000


def big_figures_csv(path, forces: list[str]):
    """ROWS new daily figures for an existing dataset (vpnoverview-2021, 2016-2021)."""
    start = dt.date(2016, 1, 1)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dataset", "force", "period_start", "period_end", "count", "source_title"])
        for i in range(ROWS):
            day = start + dt.timedelta(days=i // len(forces))
            writer.writerow(
                ["vpnoverview-2021", forces[i % len(forces)], day, day, i % 7, "Ops test source"]
            )
    return path


def import_backends(watcher, database) -> list[tuple]:
    """(pid, backend_xid, query) of every other session on `database`.

    `watcher` is an autocommit connection: each query sees the activity of that moment.
    """
    with watcher.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_xid::text, query FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        return cursor.fetchall()


def test_an_import_killed_while_saving_leaves_nothing_half_written(pg_server, tmp_path):
    database = pg_server.clone("ops_killed_import")
    forces = [
        slug for (slug,) in pg_server.execute("SELECT slug FROM breaches_force", dbname=database)
    ]
    big = big_figures_csv(tmp_path / "big-figures.csv", forces)
    env = django_env(pg_server, database)
    before = tables_snapshot(pg_server, database, sequences=False)

    watcher = pg_server.connect()
    importer = subprocess.Popen(
        [sys.executable, "manage.py", "import_figures", str(big)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # Kill it once the save's transaction has written (it has a transaction id) and is
        # inserting the figures themselves: the batch row exists, some figures too.
        deadline = time.monotonic() + 60
        seen = None
        while time.monotonic() < deadline and importer.poll() is None:
            seen = next(
                (
                    backend
                    for backend in import_backends(watcher, database)
                    if backend[1] and 'INSERT INTO "breaches_figure"' in backend[2]
                ),
                None,
            )
            if seen:
                importer.send_signal(signal.SIGKILL)
                break
            time.sleep(0.002)
        importer.wait(timeout=10)
    finally:
        if importer.poll() is None:
            importer.kill()
            importer.wait()
        watcher.close()
    output = importer.stdout.read().decode(errors="replace")
    assert seen, f"the import ended before its save was seen: {importer.returncode}\n{output}"
    assert importer.returncode == -signal.SIGKILL

    # The server rolls the transaction back when it finds its client gone.
    deadline = time.monotonic() + 30
    watcher = pg_server.connect()
    try:
        while import_backends(watcher, database) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert import_backends(watcher, database) == []
    finally:
        watcher.close()
    assert tables_snapshot(pg_server, database, sequences=False) == before

    # Nothing is left locked or half-done: the same import then runs to the end.
    done = manage(env, "import_figures", big)
    assert f"{ROWS} created, 0 updated, 0 unchanged, 0 rejected" in done.stdout
    after = tables_snapshot(pg_server, database, sequences=False)
    assert after["breaches_figure"][0] == before["breaches_figure"][0] + ROWS
    assert after["breaches_importbatch"][0] == before["breaches_importbatch"][0] + 1
