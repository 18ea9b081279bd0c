"""Fixtures of the operations tests (helpers and the reasons in support.py): an embedded
PostgreSQL server of their own, and gunicorn servers, each stopped by a finalizer."""

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from psycopg2 import sql

from tests.ops.support import (
    SEED_DB,
    EmbeddedServer,
    Server,
    django_env,
    free_port,
    gunicorn,
    manage,
)


@pytest.fixture(scope="session")
def pg_server():
    """An embedded server of the ops tests' own, with a migrated, loaded database SEED_DB."""
    # A short path keeps the socket inside the data folder (long paths move it elsewhere).
    pgdata = Path(tempfile.mkdtemp(prefix="ops-pg-", dir="/tmp")) / "data"
    server = EmbeddedServer(pgdata)
    try:
        server.start_first()
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SEED_DB)))
        env = django_env(server, SEED_DB)
        manage(env, "migrate", "--noinput")
        manage(env, "load_reference_data")
        yield server
    finally:
        server.shutdown()
        shutil.rmtree(pgdata.parent, ignore_errors=True)


@pytest.fixture
def serve(tmp_path):
    """serve(env) starts gunicorn on a free port with that environment; all stopped after."""
    servers = []

    def start(env: dict, workers: int = 2) -> Server:
        server = gunicorn(env, tmp_path / f"gunicorn-{len(servers)}.log", workers=workers)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


# Loopback only, nothing written to disk, in the foreground so that we can stop it.
REDIS_OPTIONS = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"]


@pytest.fixture(scope="session")
def redis_server():
    """Debian's redis-server on a free port with a temporary folder, stopped at the end."""
    executable = shutil.which("redis-server")
    assert executable, "Debian's redis-server is needed: `make test` installs it"
    folder = Path(tempfile.mkdtemp(prefix="ops-redis-"))
    process = log = None
    try:
        for _attempt in range(3):  # another run may take the port between probe and bind
            port = free_port()
            log = (folder / "redis.log").open("wb")
            process = subprocess.Popen(
                [executable, "--port", str(port), "--dir", str(folder), *REDIS_OPTIONS],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            url = f"redis://127.0.0.1:{port}/0"
            if _ours_when_up(process, url):
                break
            stop_process(process)
            log.close()
        else:
            raise AssertionError((folder / "redis.log").read_text())
        yield url
    finally:
        if process is not None:
            stop_process(process)
        if log is not None:
            log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _ours_when_up(process: subprocess.Popen, url: str, timeout: float = 10) -> bool:
    """Wait for redis-server to answer; True when the one answering is `process`."""
    import redis

    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None and time.monotonic() < deadline:
            try:
                return client.info("server")["process_id"] == process.pid
            except redis.ConnectionError:
                time.sleep(0.05)
        return False
    finally:
        client.close()


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def redis_url(redis_server):
    """The session's Redis, emptied for each test."""
    import redis

    client = redis.Redis.from_url(redis_server)
    client.flushall()
    client.close()
    return redis_server
