"""The embedded PostgreSQL server recovers by itself from a damaged or stale list of the
processes holding it (config/embedded_db/server.py), and stops when its last holder exits.

The tests share one data folder of their own (initdb once), so the shared test database is
never disturbed; each leaves the server stopped.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START = "from config.embedded_db.server import ensure_running; print(ensure_running())"
HOLD = START + "; import sys; sys.stdin.read()"  # holds the server until its stdin closes
STOP_IF_UNUSED = "from config.embedded_db.server import stop_if_unused; print(stop_if_unused())"


pytestmark = pytest.mark.xdist_group("embedded-db-handles")


@pytest.fixture(scope="module")
def pgdata():
    # A short path keeps the socket inside the data folder (long paths move it elsewhere).
    folder = Path(tempfile.mkdtemp(prefix="pg-handle-", dir="/tmp"))
    data = folder / "data"
    initialised = python(data, START)  # initdb, start, and stop as the process exits
    assert initialised.returncode == 0, initialised.stderr
    yield data
    subprocess.run(
        [sys.executable, "-c", "from config.embedded_db.server import stop; stop()"],
        cwd=ROOT,
        env=_env(data),
        capture_output=True,
        check=False,
        timeout=60,
    )
    shutil.rmtree(folder, ignore_errors=True)


def _env(data: Path) -> dict:
    return {**os.environ, "EMBEDDED_PG_DIR": str(data), "PYTHONWARNINGS": "ignore"}


def python(data: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_env(data),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def hold(data: Path) -> subprocess.Popen:
    """A process holding the server (until killed); returns once the server answers."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD],
        cwd=ROOT,
        env=_env(data),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline(), "the holder could not start the server"
    return process


def running(data: Path) -> bool:
    return (data / "postmaster.pid").exists()


def handle_file(data: Path) -> Path:
    return data / ".handle_pids.json"


def test_the_last_process_to_exit_stops_the_server(pgdata):
    started = python(pgdata, START)
    assert started.returncode == 0, started.stderr
    assert not running(pgdata)
    assert json.loads(handle_file(pgdata).read_text()) == []


@pytest.mark.parametrize("damage", ["", "[1234, 56", '{"pids": [1]}'])
def test_a_damaged_list_of_holders_is_replaced_and_logged(pgdata, damage):
    handle_file(pgdata).write_text(damage)

    again = python(pgdata, START)

    assert again.returncode == 0, again.stderr
    assert "was damaged" in again.stderr
    assert "Traceback" not in again.stderr
    assert not running(pgdata), "the server stops when its only holder exits"
    assert json.loads(handle_file(pgdata).read_text()) == []


def test_holders_that_died_are_dropped_so_the_server_stops_again(pgdata):
    killed = hold(pgdata)
    killed.send_signal(signal.SIGKILL)  # no atexit: it stays listed, the server keeps running
    killed.wait()
    assert running(pgdata)
    assert json.loads(handle_file(pgdata).read_text()) == [killed.pid]

    again = python(pgdata, START)

    assert again.returncode == 0, again.stderr
    assert f"processes that have exited ({killed.pid})" in again.stderr
    assert not running(pgdata), "a dead holder no longer keeps the server running"


def test_stop_if_unused_leaves_a_server_in_use_and_stops_an_abandoned_one(pgdata):
    holder = hold(pgdata)
    try:
        assert python(pgdata, STOP_IF_UNUSED).stdout.strip() == "False"
        assert running(pgdata)
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        assert running(pgdata)

        stopped = python(pgdata, STOP_IF_UNUSED)

        assert stopped.stdout.strip() == "True", stopped.stderr
        assert not running(pgdata)
    finally:
        holder.kill()
        holder.wait()
