"""Heavy uploads through a real gunicorn worker (issue 11, item 8): the preview of a
100,000-row CSV with errors, the same file without errors (preview, reload, confirm), and the
2.4 MB workbook whose shared strings expand to 290 MB.

Usage: python bench/bench_uploads.py [--write docs/benchmarks.md] [--port 8120]
(`make bench-uploads`; not part of `make test`.)

Runs on its own database (`<EMBEDDED_PG_DATABASE>_bench_uploads`, loaded with the reference
data), one gunicorn server with one worker and deploy.md's --timeout 60 per file, so each
worker's peak memory (VmHWM, from /proc) is that file's. Times are wall-clock seconds of the
HTTP requests an editor's browser makes, from this process on the same machine.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import html
import http.cookiejar
import io
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ROWS = 100_000
PASSWORD = "bench-uploads-password-long-enough"
TARGET_SECONDS, TARGET_MB = 10, 500


def database() -> str:
    name = os.environ.get("EMBEDDED_PG_DATABASE", "breaches")
    return name if name.endswith("_bench_uploads") else f"{name}_bench_uploads"


def env() -> dict:
    return {
        **os.environ,
        "EMBEDDED_PG_DATABASE": database(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-uploads-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONWARNINGS": "ignore",
    }


def manage(*args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def prepare() -> None:
    """A fresh database with the reference data and an editor."""
    manage("migrate", "--noinput")
    manage("flush", "--noinput")
    manage("load_reference_data")
    manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.contrib.auth.models import User; "
        "from breaches.permissions import ensure_data_editors_group; "
        f"u = User.objects.create_user('bench', password='{PASSWORD}', is_staff=True); "
        "u.groups.add(ensure_data_editors_group())",
    )


def force_names() -> list[str]:
    code = (
        "from breaches.models import Force; "
        "print('|'.join(Force.objects.order_by('name').values_list('name', flat=True)))"
    )
    return manage("shell", "--no-imports", "-c", code).strip().split("|")


def figures_csv(forces: list[str], with_errors: bool) -> bytes:
    """ROWS new figures, one a day from 1 January 1900 for each force in turn. With errors:
    a misspelt force on every 7th row and another on every 11th, an impossible date on every
    1,000th, an unknown dataset on every 5,000th."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["dataset", "force", "period_start", "period_end", "count", "source_title"])
    first = dt.date(1900, 1, 1)
    for n in range(ROWS):
        day = (first + dt.timedelta(days=n // len(forces))).isoformat()
        force, start, dataset = forces[n % len(forces)], day, "bbw-2016"
        if with_errors:
            force = "Metropolitian Polise" if n % 7 == 3 else force
            force = "Surey Police" if n % 11 == 5 else force
            start = "2025-31-04" if n % 1000 == 999 else start
            dataset = "bbw-2061" if n % 5000 == 4999 else dataset
        writer.writerow([dataset, force, start, day, n % 300, f"Bench FOI answer {n % 40}"])
    return out.getvalue().encode()


class Server:
    """gunicorn with one worker, as deploy.md runs it, on 127.0.0.1:port."""

    def __init__(self, port: int, log: Path):
        self.url = f"http://127.0.0.1:{port}"
        self.log = log.open("wb")
        command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
        command += ["--workers", "1", "--timeout", "60", "--graceful-timeout", "5"]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env(), stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=5).read()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer on {self.url}")

    def worker(self) -> str:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return children.read_text().split()[0]

    def worker_kib(self, field: str) -> int:
        """VmHWM (peak) or VmRSS of the worker process, in KiB."""
        status = Path(f"/proc/{self.worker()}/status").read_text()
        return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1))

    def worker_cpu(self) -> float:
        """CPU seconds (user + system) the worker has used: unlike wall time, what a request
        costs whatever else the machine is doing."""
        fields = Path(f"/proc/{self.worker()}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


class Editor:
    """A signed-in editor's browser: cookies, CSRF tokens, no redirects followed."""

    def __init__(self, url: str):
        self.url = url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, path: str, data: bytes | None = None, headers=None) -> tuple[int, str, str]:
        request = urllib.request.Request(self.url + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=120) as answer:
                return answer.status, answer.headers.get("Location", ""), answer.read().decode()
        except urllib.error.HTTPError as error:
            body = error.read().decode(errors="replace")
            return error.code, error.headers.get("Location", ""), body

    def csrf(self, path: str) -> str:
        _, _, body = self.request(path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)

    def sign_in(self) -> None:
        token = self.csrf("/admin/login/")
        form = {"csrfmiddlewaretoken": token, "username": "bench", "password": PASSWORD}
        status, _, body = self.request("/admin/login/", urllib.parse.urlencode(form).encode())
        assert status == 302, f"could not sign in: {status} {body[:3000]}"

    def upload(self, name: str, content: bytes) -> tuple[int, str, str]:
        token = self.csrf("/admin/breaches/importbatch/add/")
        boundary = "bench-uploads-boundary"
        body = (
            (
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
                f'{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self.request("/admin/breaches/importbatch/add/", body, headers)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Result:
    name: str
    size: int
    upload_s: float  # the POST: stage, parse, validate, plan, keep the preview
    upload_cpu: float  # the worker's CPU seconds for it
    preview_s: float  # the GET it redirects to (reads the kept preview)
    reload_s: float
    confirm_s: float | None
    confirm_cpu: float | None
    confirm_status: int | None  # the status when confirm did not import (500: killed)
    rss_before_mb: float
    peak_mb: float
    shown: str


def measure(
    port: int, name: str, file_name: str, content: bytes, expect: str, confirm: bool = False
) -> Result:
    server = Server(port, ROOT / "bench" / ".data" / f"gunicorn-{file_name}.log")
    try:
        editor = Editor(server.url)
        editor.sign_in()
        rss_before = server.worker_kib("VmRSS") / 1024
        started, cpu = time.monotonic(), server.worker_cpu()
        status, location, body = editor.upload(file_name, content)
        upload_s, upload_cpu = time.monotonic() - started, server.worker_cpu() - cpu
        problem = re.findall(r"errorlist[^>]*>(.*?)</ul>", body, re.S) or body[:500]
        assert status == 302, f"{name}: upload answered {status}: {problem}"
        path = urllib.parse.urlsplit(location)
        path = path.path + "?" + path.query
        started = time.monotonic()
        status, _, page = editor.request(path)
        preview_s = time.monotonic() - started
        assert status == 200, f"{name}: preview answered {status}"
        started = time.monotonic()
        editor.request(path)
        reload_s = time.monotonic() - started
        shown = re.search(expect, page)
        assert shown, f"{name}: {expect!r} not on the preview"
        confirm_s = confirm_cpu = confirm_status = None
        if confirm:
            hidden = dict(re.findall(r'name="(token|version|sheet)" value="([^"]*)"', page))
            form = {**hidden, "csrfmiddlewaretoken": editor.csrf(path)}
            started, cpu = time.monotonic(), server.worker_cpu()
            status, location, _ = editor.request(
                "/admin/breaches/importbatch/confirm/", urllib.parse.urlencode(form).encode()
            )
            confirm_s = time.monotonic() - started
            # A worker killed at gunicorn's timeout is replaced: its CPU time is lost with it.
            confirm_cpu = server.worker_cpu() - cpu if status == 302 else None
            confirm_status = status if "/change/" not in location else None
        peak = server.worker_kib("VmHWM") / 1024
    finally:
        server.stop()
    return Result(
        name,
        len(content),
        upload_s,
        upload_cpu,
        preview_s,
        reload_s,
        confirm_s,
        confirm_cpu,
        confirm_status,
        rss_before,
        peak,
        " ".join(html.unescape(shown.group(0)).split()),
    )


def machine() -> str:
    from bench.bench_import import machine as describe

    return describe()


def report(results: list[Result], load: str) -> str:
    lines = [
        "## Heavy uploads through gunicorn (issue 11, item 8)",
        "",
        f"Run by `python bench/bench_uploads.py --write docs/benchmarks.md` (`make bench-uploads`)"
        f" on {dt.date.today().isoformat()}; load average before the run: {load}.",
        f"Machine: {machine()}; PostgreSQL 18 (embedded).",
        "One gunicorn server per file, one worker, `--timeout 60` (docs/deploy.md), on its own "
        "database; an editor's requests over HTTP on loopback. *Upload* is the POST (stage the "
        "file in PostgreSQL, parse, validate, plan, keep the preview); *preview* the GET it "
        "redirects to, *reload* that GET again (both read the kept preview: no parse). Peak "
        "memory is the worker's VmHWM, after the worker's own start (its RSS before the upload "
        "is given).",
        "",
        "| file | size | upload (s) | upload, worker CPU (s) | preview (s) | reload (s) "
        "| answered (s) | ratio to 10 s | confirm (s) | confirm, worker CPU (s) "
        "| worker before (MB) | worker peak (MB) | ratio to 500 MB | shown |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        answered = r.upload_s + r.preview_s
        confirm = f"{r.confirm_s:.1f}" if r.confirm_s is not None else "–"
        if r.confirm_status:
            confirm += f" (answered {r.confirm_status}, not imported)"
        confirm_cpu = f"{r.confirm_cpu:.1f}" if r.confirm_cpu is not None else "–"
        lines.append(
            f"| {r.name} | {r.size / 1e6:.1f} MB | {r.upload_s:.2f} | {r.upload_cpu:.2f} | "
            f"{r.preview_s:.2f} | {r.reload_s:.2f} | {answered:.2f} | "
            f"{answered / TARGET_SECONDS:.2f} | {confirm} | {confirm_cpu} | "
            f"{r.rss_before_mb:.0f} | {r.peak_mb:.0f} | {r.peak_mb / TARGET_MB:.2f} | {r.shown} |"
        )
    lines += [
        "",
        "Wall times grow with the machine's load (other processes share its 2 cores); the "
        "worker's CPU seconds are what the request itself costs, and what a quiet 2-core app "
        "server would take, plus PostgreSQL's share (not in the worker's CPU).",
        "",
        "Targets (issue 11): a 100,000-row file with errors previewed within 10 s at under "
        "500 MB of worker memory; the 290 MB shared-strings workbook refused quickly at bounded "
        "memory; no staff action answered by gunicorn's bare 500 (every request above answered "
        "in time, with the page the editor needs).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="write the results into this Markdown file")
    parser.add_argument("--port", type=int, default=8120)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["EMBEDDED_PG_DATABASE"] = database()
    import django

    django.setup()
    from tests.hostile.builders import shared_strings_bomb

    (ROOT / "bench" / ".data").mkdir(parents=True, exist_ok=True)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    prepare()
    forces = force_names()
    files = [
        (
            "100,000-row CSV with errors",
            "return-100k-errors.csv",
            figures_csv(forces, with_errors=True),
            r"[\d,]+ problems in [\d,]+ rows",
            False,
        ),
        (
            "100,000-row CSV, valid",
            "return-100k.csv",
            figures_csv(forces, with_errors=False),
            r"Confirming will create [\d,]+",
            True,
        ),
        (
            "XLSX, shared strings 290 MB",
            "shared-strings-290mb.xlsx",
            shared_strings_bomb(290 * 10**6, filler=600),
            r"The workbook part [^<]{0,12}xl/sharedStrings\.xml[^<]*?MB",
            False,
        ),
    ]
    results = []
    for name, file_name, content, expect, confirm in files:
        results.append(measure(args.port, name, file_name, content, expect, confirm))
        print(results[-1], file=sys.stderr)
    section = report(results, load)
    print(section)
    if args.write:
        from bench.bench_import import write

        write(args.write, section)


if __name__ == "__main__":
    main()
