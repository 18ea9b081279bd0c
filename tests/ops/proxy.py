"""Debian's nginx serving deploy/nginx/breaches.conf on local ports, TLS aside.

The site file is used as it is, with only what a local run must change: the app servers'
addresses, the listening ports (plain http on 127.0.0.1 instead of 443 with TLS), and the
folders (static files, the proxy's cache, the access log). Each change must find its text
in the file, so the file and these tests cannot drift apart. The main configuration around
it (pid file, temporary folders, Debian's modules: brotli) is what Debian's nginx.conf
provides in production.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

from tests.ops.support import ROOT, free_port, gunicorn, stop_process

SITE = ROOT / "deploy" / "nginx" / "breaches.conf"

MAIN = """\
{user}
worker_processes {workers};
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
daemon off;
include /etc/nginx/modules-enabled/*.conf;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {folder}/tmp/body;
    proxy_temp_path {folder}/tmp/proxy;
    fastcgi_temp_path {folder}/tmp/fastcgi;
    uwsgi_temp_path {folder}/tmp/uwsgi;
    scgi_temp_path {folder}/tmp/scgi;
    include {folder}/breaches.conf;
}}
"""


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"{SITE} no longer has {old!r}: update tests/ops/proxy.py and docs"
    return text.replace(old, new)


def site_config(folder: Path, upstreams: list[str], port: int, redirect_port: int, static: Path):
    """deploy/nginx/breaches.conf for a local run (see the module's docstring)."""
    text = SITE.read_text()
    servers = "".join(f"server {address};\n    " for address in upstreams).rstrip()
    text = _replace(text, "server 127.0.0.1:8000;", servers)
    text = _replace(text, "listen 80;", f"listen 127.0.0.1:{redirect_port};")
    text = _replace(text, "listen 443 ssl;", f"listen 127.0.0.1:{port};")
    for tls_only in [
        "    http2 on;\n",
        "    ssl_certificate     /etc/letsencrypt/live/breaches.example.org/fullchain.pem;\n",
        "    ssl_certificate_key /etc/letsencrypt/live/breaches.example.org/privkey.pem;\n",
    ]:
        text = _replace(text, tls_only, "")
    text = _replace(text, "/var/cache/nginx/breaches", str(folder / "cache"))
    text = _replace(text, "/var/log/nginx/breaches.access.log", str(folder / "access.log"))
    return _replace(text, "/srv/breaches/staticfiles/", f"{static}/")


class Nginx:
    """nginx in the foreground with a folder of its own; stop() ends it."""

    def __init__(self, folder: Path, upstreams: list[str], static: Path, workers: int = 1):
        self.folder = folder
        (folder / "tmp").mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.redirect_port = free_port(exclude=(self.port,))
        (folder / "breaches.conf").write_text(
            site_config(folder, upstreams, self.port, self.redirect_port, static)
        )
        # As root, nginx would run its workers as nobody, who cannot read pytest's folders.
        user = "user root;" if os.geteuid() == 0 else ""
        (folder / "nginx.conf").write_text(MAIN.format(user=user, folder=folder, workers=workers))
        self.command = [shutil.which("nginx") or "nginx", "-c", str(folder / "nginx.conf")]
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def check(self) -> str:
        """`nginx -t`: the configuration is valid (raises with nginx's words if not)."""
        result = subprocess.run([*self.command, "-t"], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return result.stderr

    def start(self) -> None:
        self.check()
        with (self.folder / "nginx.out").open("wb") as out:
            self.process = subprocess.Popen(self.command, stdout=out, stderr=subprocess.STDOUT)
        _wait_for_port(self.port, self.process, self.folder / "error.log")

    def access_log(self) -> str:
        path = self.folder / "access.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 10) -> None:
    import socket
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text() if log.exists() else "nginx exited"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nginx did not listen on {port} within {timeout} s")


@contextlib.contextmanager
def behind_nginx(env: dict, folder: Path, static: Path, app_workers: int, nginx_workers: int = 1):
    """Two gunicorn servers with `env` and nginx in front: yields (nginx, [servers])."""
    servers, proxy = [], None
    try:
        for number in range(2):
            servers.append(gunicorn(env, folder / f"gunicorn-{number}.log", workers=app_workers))
        upstreams = [f"127.0.0.1:{server.port}" for server in servers]
        proxy = Nginx(folder / "nginx", upstreams, static, workers=nginx_workers)
        proxy.start()
        yield proxy, servers
    finally:
        if proxy is not None:
            proxy.stop()
        for server in servers:
            server.stop()
