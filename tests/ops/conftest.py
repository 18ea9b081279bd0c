"""Fixtures of the operations tests (helpers and the reasons in support.py): an embedded
PostgreSQL server of their own, and gunicorn servers, each stopped by a finalizer."""

import shutil
import tempfile
from pathlib import Path

import pytest
from psycopg2 import sql

from tests.ops.support import (
    SEED_DB,
    EmbeddedServer,
    RedisServer,
    Server,
    django_env,
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


@pytest.fixture(scope="session")
def redis_server():
    """Debian's redis-server on a free port with a temporary folder, stopped at the end."""
    server = RedisServer(Path(tempfile.mkdtemp(prefix="ops-redis-")))
    try:
        server.start()
        yield server.url
    finally:
        server.shutdown()


@pytest.fixture
def redis_url(redis_server):
    """The session's Redis, emptied for each test."""
    import redis

    client = redis.Redis.from_url(redis_server)
    client.flushall()
    client.close()
    return redis_server
