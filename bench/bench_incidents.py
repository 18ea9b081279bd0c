"""Incidents at scale: our /incidents/ pages against Datasette on the same rows, and imports.

Usage (`make bench` runs it with the bench extra installed):
    .venv/bin/python bench/bench_incidents.py [--sizes 10000,100000,1000000] [--repeat 7]
        [--write docs/benchmarks.md] [--skip-import] [--resume] [--ports 8140-8179]

For each size it builds (once; kept between runs in databases `incidents_bench_<size>` on the
embedded server and in bench/.data/) a synthetic dataset with `generate_synthetic_incidents`
and the same rows in SQLite for Datasette (indexed on every filter column, FTS5 on
summaries), serves the app with gunicorn (2 workers, DEBUG off, SHOW_SYNTHETIC_DATA on) and
Datasette on ports from --ports (default 8140-8179: the first half for gunicorn), and measures
interleaved request pairs with one client (median of --repeat, after a warm-up). URLs that
the app does not (yet) answer with a 200 are reported as such.
Then, unless --skip-import, it times `import_incidents` on a file of the largest size, a
re-import of it, and a 100k chunk into an empty dataset and into one of 900k.
Results are kept per size in bench/.data/results-<size>.json; --resume reuses them.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / ".data"
PYTHON = sys.executable
DATASET = "synthetic-incidents"
SEED = 1
PER_PAGE = 50
CHUNK = 100_000
# Ports for gunicorn (first half) and Datasette (second half); --ports overrides.
PORTS = (8140, 8179)


# --- processes ----------------------------------------------------------------------------


def env_for(database: str, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        EMBEDDED_PG_DATABASE=database,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or "bench-only-" + "x" * 40,
        DJANGO_LOG_LEVEL="WARNING",
        SHOW_SYNTHETIC_DATA="1",
        EXPORT_RATE_LIMIT=str(10**9),
        **extra,
    )
    return env


def manage(database: str, *args: str, check=True) -> str:
    """Run a management command on a database; its stdout."""
    process = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env_for(database),
        capture_output=True,
        text=True,
    )
    if check and process.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{process.stderr[-3000:]}")
    return process.stdout


def fresh_database(name: str) -> None:
    """Drop and recreate a database, then migrate and load the reference data."""
    import psycopg2
    from psycopg2 import sql

    from config.embedded_db.server import ensure_running

    socket_dir, port = ensure_running()
    connection = psycopg2.connect(dbname="postgres", user="postgres", host=socket_dir, port=port)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()
    manage(name, "migrate", "--noinput", "-v0")
    manage(name, "load_reference_data")


def measured_command(database: str, *args: str) -> tuple[str, float, float]:
    """A management command in its own wrapper process: (stdout, seconds, its peak RSS MB)."""
    code = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "s = time.perf_counter() - t\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps({'out': p.stdout, 'err': p.stderr[-3000:], 'code': p.returncode,"
        " 'seconds': s, 'peak': peak}))\n"
    )
    result = subprocess.run(
        [PYTHON, "-c", code, PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env_for(database),
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(result.stdout)
    if report["code"]:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{report['err']}")
    # The command's summary is its last line (a log line may come before it).
    summary = (report["out"].strip().splitlines() or [""])[-1]
    return summary, report["seconds"], report["peak"]


def free_port(first: int, last: int) -> int:
    for port in range(first, last + 1):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise SystemExit(f"no free port in {first}-{last}")


def wait_for(port: int, path: str, process: subprocess.Popen, what: str) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"{what} exited")
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _, _ = fetch(port, path)
            if status < 500:
                return
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{what} did not start")


@contextlib.contextmanager
def gunicorn(database: str):
    port = free_port(PORTS[0], (PORTS[0] + PORTS[1]) // 2)
    server = subprocess.Popen(
        [
            *(PYTHON, "-m", "gunicorn", "config.wsgi", "--workers", "2", "--timeout", "300"),
            *("--bind", f"127.0.0.1:{port}", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env_for(database),
    )
    try:
        wait_for(port, "/healthz", server, "gunicorn")
        yield port, server
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextlib.contextmanager
def datasette(path: Path):
    port = free_port((PORTS[0] + PORTS[1]) // 2 + 1, PORTS[1])
    settings = {
        # A careful user raises the one-second limits so that facets on a million rows answer.
        "sql_time_limit_ms": 60_000,
        "facet_time_limit_ms": 60_000,
        "max_csv_mb": 0,
    }
    args = [PYTHON, "-m", "datasette", "serve", str(path), "--port", str(port)]
    for name, value in settings.items():
        args += ["--setting", name, str(value)]
    server = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(port, "/-/versions.json", server, "datasette")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- one client for both servers ----------------------------------------------------------


def fetch(port: int, path: str, timeout: float = 300) -> tuple[int, float, float]:
    """GET a path; (status, seconds to the first body byte, seconds to the last)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Host": "127.0.0.1"})
    response = connection.getresponse()
    response.read(1)
    first = time.perf_counter() - started
    while response.read(1 << 16):
        pass
    total = time.perf_counter() - started
    connection.close()
    return response.status, first, total


def canonical(port: int, path: str) -> str:
    """Follow the app's redirects (canonical chart URLs) once, so timings skip them."""
    for _ in range(3):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        response.read()
        location = response.getheader("Location")
        connection.close()
        if response.status not in (301, 302) or not location:
            return path
        path = re.sub(r"^https?://[^/]+", "", location)
    return path


def pair(ours: tuple[int, str], theirs: tuple[int, str] | None, repeat: int) -> dict:
    """Interleaved requests: ours, theirs, ours, theirs... medians of each (after a warm-up)."""
    ours = (ours[0], canonical(*ours))
    timings = {"ours": [], "theirs": []}
    statuses = {}
    for n in range(repeat + 1):
        for side, target in (("ours", ours), ("theirs", theirs)):
            if target is None:
                continue
            status, first, total = fetch(*target)
            statuses[side] = status
            if n:  # the first round warms caches
                timings[side].append((first, total))
    result = {"url": ours[1], "status": statuses.get("ours")}
    for side, values in timings.items():
        if values:
            result[side] = statistics.median(t for _, t in values)
            result[f"{side}_first_byte"] = statistics.median(f for f, _ in values)
    if theirs:
        result["datasette_url"] = theirs[1]
        result["datasette_status"] = statuses.get("theirs")
    return result


def worker_peak_mb(server: subprocess.Popen) -> float:
    """The largest peak RSS (VmHWM) of the gunicorn workers."""
    peaks = []
    for child in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split():
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{child}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024)
    return max(peaks, default=0.0)


# --- data ---------------------------------------------------------------------------------


def database(size: int) -> str:
    return f"incidents_bench_{size}"


def stored_count(db: str) -> int:
    out = manage(
        db,
        "shell",
        "-c",
        "from breaches.models import Incident; "
        f"print(Incident.objects.filter(dataset__slug='{DATASET}').count())",
        check=False,
    )
    # The last line: Django 5.2's shell first says how many objects it imported.
    last = (out.strip().splitlines() or ["0"])[-1]
    return int(last) if last.isdigit() else 0


def build(size: int) -> None:
    """The synthetic dataset in PostgreSQL and the same rows in SQLite (kept between runs)."""
    db = database(size)
    manage(db, "migrate", "--noinput", "-v0")
    if stored_count(db) != size:
        manage(db, "load_reference_data")
        print(f"  generating {size:,} incidents", file=sys.stderr)
        manage(db, "generate_synthetic_incidents", str(size), "--seed", str(SEED))
    sqlite_path = DATA / f"incidents-{size}.db"
    if not sqlite_path.exists():
        print(f"  copying {size:,} incidents to SQLite", file=sys.stderr)
        to_sqlite(db, sqlite_path)


def to_sqlite(db: str, path: Path) -> None:
    """Copy the dataset's incidents (one row each, outcomes as a JSON array) into SQLite."""
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    manage(db, "shell", "-c", EXPORT_SCRIPT.replace("PATH", str(partial)))
    os.replace(partial, path)


# Runs inside `manage.py shell`: streams rows with a server-side cursor.
EXPORT_SCRIPT = """
import json, sqlite3
from django.db import connection, transaction
out = sqlite3.connect('PATH')
out.executescript('''
CREATE TABLE incidents (id INTEGER PRIMARY KEY, dataset TEXT, force TEXT, reference TEXT,
  occurred_on TEXT, year INTEGER, category TEXT, role TEXT, outcomes TEXT, summary TEXT);
''')
with transaction.atomic():
    cursor = connection.connection.cursor(name='bench_export')
    cursor.itersize = 50000
    cursor.execute('''
        SELECT i.id, d.slug, f.slug, i.reference, i.occurred_on, i.category, i.role,
          coalesce((SELECT json_agg(o.outcome ORDER BY o.outcome) FROM breaches_outcome o
                    WHERE o.incident_id = i.id), '[]'::json)::text, i.summary
        FROM breaches_incident i JOIN breaches_dataset d ON d.id = i.dataset_id
        JOIN breaches_force f ON f.id = i.force_id
        WHERE d.slug = 'synthetic-incidents' AND i.retracted_by_id IS NULL ORDER BY i.id''')
    while rows := cursor.fetchmany(50000):
        out.executemany('INSERT INTO incidents VALUES (?,?,?,?,?,?,?,?,?,?)', [
            (r[0], r[1], r[2], r[3], r[4] and r[4].isoformat(), r[4] and r[4].year,
             r[5], r[6], r[7], r[8]) for r in rows])
out.executescript('''
CREATE INDEX incidents_force ON incidents (force);
CREATE INDEX incidents_category ON incidents (category);
CREATE INDEX incidents_role ON incidents (role);
CREATE INDEX incidents_year ON incidents (year);
CREATE INDEX incidents_occurred_on ON incidents (occurred_on);
CREATE INDEX incidents_dataset ON incidents (dataset);
CREATE VIRTUAL TABLE incidents_fts USING fts5 (summary, content="incidents", content_rowid="id");
INSERT INTO incidents_fts (incidents_fts) VALUES ('rebuild');
ANALYZE;
''')
out.commit()
out.close()
"""


def facts(size: int) -> dict:
    """Filter values for the measured URLs, read from the SQLite copy (the same rows)."""
    db = sqlite3.connect(DATA / f"incidents-{size}.db")

    def top(column: str) -> tuple[str, int]:
        return db.execute(
            f"SELECT {column}, count(*) FROM incidents WHERE {column} IS NOT NULL "
            f"GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
        ).fetchone()

    # The export: the force whose rows come nearest 38 % of the dataset (380,000 of 1M).
    forces = db.execute("SELECT force, count(*) FROM incidents GROUP BY 1").fetchall()
    export_force = min(forces, key=lambda fc: abs(fc[1] - 0.38 * size))
    result = {
        "force": top("force")[0],
        "category": top("category")[0],
        "role": top("role")[0],
        "outcome": "dismissed",
        "year": 2020,
        "search": "firearms",
        "export_force": export_force[0],
        "export_rows": export_force[1],
        "forces": [force for force, _ in sorted(forces, key=lambda fc: -fc[1])],
    }
    db.close()
    return result


# --- measuring ------------------------------------------------------------------------------


def measure_pages(size: int, repeat: int) -> dict:
    f = facts(size)
    db_path = DATA / f"incidents-{size}.db"
    base = f"/{db_path.stem}/incidents"
    pages = math.ceil(size / PER_PAGE)
    results: dict = {"size": size, "facts": f, "pairs": {}, "ours_only": {}}
    with gunicorn(database(size)) as (port, server), datasette(db_path) as theirs:
        ours = lambda path: (port, path)  # noqa: E731
        them = lambda path: (theirs, path)  # noqa: E731
        nosuggest = lambda path: (theirs, path + ("&" if "?" in path else "?") + "_nosuggest=1")  # noqa: E731
        results["cold"] = measure_cold(port, f)
        filters = {
            "unfiltered": ("", ""),
            "dataset": (f"dataset={DATASET}", f"dataset={DATASET}"),
            "force": (f"force={f['force']}", f"force={f['force']}"),
            "category": (f"category={f['category']}", f"category={f['category']}"),
            "role": (f"role={f['role']}", f"role={f['role']}"),
            "outcome": (f"outcome={f['outcome']}", f"outcomes__arraycontains={f['outcome']}"),
        }
        for name, (mine, theirs_query) in filters.items():
            path = f"/incidents/?{mine}" if mine else "/incidents/"
            other = f"{base}?{theirs_query}" if theirs_query else base
            results["pairs"][f"first page, {name}"] = pair(ours(path), them(other), repeat)
            results["pairs"][f"first page, {name} (nosuggest)"] = pair(
                ours(path), nosuggest(other), repeat
            )
        facet = f"category={f['category']}"
        results["pairs"]["facet counts by force, one category"] = pair(
            ours(f"/incidents/?{facet}"), them(f"{base}?{facet}&_facet=force"), repeat
        )
        results["pairs"]["facet counts by force, one category (nosuggest)"] = pair(
            ours(f"/incidents/?{facet}"),
            them(f"{base}?{facet}&_facet=force&_nosuggest=1"),
            repeat,
        )
        results["pairs"]["full-text search"] = pair(
            ours(f"/incidents/?q={f['search']}"), them(f"{base}?_search={f['search']}"), repeat
        )
        results["pairs"]["full-text search (nosuggest)"] = pair(
            ours(f"/incidents/?q={f['search']}"), nosuggest(f"{base}?_search={f['search']}"), repeat
        )
        # Datasette pages with keyset tokens (_next=<last rowid>); ours with ?page=N (numbered
        # links work up to page 1,000) and ?page=last (the Last link: a keyset from the end).
        deep = min(1000, pages)  # page 1,000 from 50,000 incidents up
        results["deep_page"] = deep
        results["pairs"]["page 1,000"] = pair(
            ours(f"/incidents/?dataset={DATASET}&page={deep}"),
            them(f"{base}?_next={(deep - 1) * PER_PAGE}&_nosuggest=1"),
            repeat,
        )
        results["pairs"]["last page"] = pair(
            ours(f"/incidents/?dataset={DATASET}&page=last"),
            them(f"{base}?_next={(pages - 1) * PER_PAGE}&_nosuggest=1"),
            repeat,
        )
        results["pairs"]["page 1 (for the deep pages)"] = pair(
            ours(f"/incidents/?dataset={DATASET}"), them(f"{base}?_nosuggest=1"), repeat
        )
        export = f"force={f['export_force']}"
        results["pairs"][f"csv export, {f['export_rows']:,} rows"] = pair(
            ours(f"/incidents/?{export}&_export=csv"),
            them(f"{base}.csv?{export}&_stream=on&_size=max"),
            max(2, repeat // 3),
        )
        # Datasette streams only CSV (its JSON stops at max_returned_rows): ours alone.
        results["pairs"][f"json export, {f['export_rows']:,} rows"] = pair(
            ours(f"/incidents/?{export}&_export=json"), None, max(2, repeat // 3)
        )
        results["export_worker_peak_mb"] = worker_peak_mb(server)
        # Excel streams too (dashboard/xlsx_writer.py); Datasette has none: once, ours alone.
        status, first, total = fetch(port, f"/incidents/?{export}&_export=xlsx", timeout=900)
        peak = worker_peak_mb(server)
        results["xlsx"] = {"status": status, "seconds": total, "first_byte": first,
                           "rows": f["export_rows"], "worker_peak_mb": peak}  # fmt: skip
        for name, path in {
            "league": f"/league/?dataset={DATASET}",
            "force page": f"/forces/{f['force']}/",
            "dataset page": f"/datasets/{DATASET}/",
            "/charts/data.json": f"/charts/data.json?chart=league&dataset={DATASET}",
        }.items():
            results["ours_only"][name] = pair(ours(path), None, repeat)
    return results


def measure_cold(port: int, f: dict) -> dict:
    """Pages whose facet counts are not cached yet: the first unfiltered request, and the
    first request for each of several forces (facets are cached by filters and data version,
    so the medians above are warm pages)."""
    for n in range(6):  # new workers: imports, templates, connections (no facet is cached)
        fetch(port, f"/incidents/?q=warm-up-{n}")
    _, _, unfiltered = fetch(port, "/incidents/")
    forces = [slug for slug in f["forces"] if slug != f["force"]][:7]
    times = [fetch(port, f"/incidents/?force={slug}")[2] for slug in forces]
    median = statistics.median(times)
    return {"unfiltered": unfiltered, "forces": len(times), "force_median": median}


def csv_file(db: str, path: Path, dataset: str, count: int, seed: int, offset: int = 0) -> None:
    """A synthetic incidents file (kept between runs); its dataset is created in `db`."""
    target = path if not path.exists() else Path(os.devnull)
    common = ["--seed", str(seed), "--dataset", dataset, "--offset", str(offset)]
    manage(db, "generate_synthetic_incidents", str(count if target == path else 1), *common,
           "--csv", str(target))  # fmt: skip


def measure_imports(size: int) -> dict:
    """import_incidents of a `size`-row file, a re-import, and a 100k chunk empty vs 900k."""
    results: dict = {"size": size}
    db = "incidents_bench_import"
    fresh_database(db)
    path = DATA / f"import-{size}.csv"
    csv_file(db, path, "bench-import", size, seed=2)
    out, seconds, peak = measured_command(db, "import_incidents", str(path), "--no-progress")
    results["import"] = {"rows": size, "seconds": seconds, "peak_mb": peak, "out": out.strip()}
    out, seconds, peak = measured_command(db, "import_incidents", str(path), "--no-progress")
    results["reimport"] = {"seconds": seconds, "peak_mb": peak, "out": out.strip()}
    # A 100k chunk into an empty dataset; then, after 800k more, the chunk after 900k.
    db = "incidents_bench_chunks"
    fresh_database(db)
    first, last = DATA / "chunk-first.csv", DATA / "chunk-last.csv"
    csv_file(db, first, "bench-chunks", CHUNK, seed=3)
    csv_file(db, last, "bench-chunks", CHUNK, seed=3, offset=900_000)
    out, seconds, peak = measured_command(db, "import_incidents", str(first), "--no-progress")
    results["chunk_into_empty"] = {"seconds": seconds, "peak_mb": peak, "out": out.strip()}
    manage(db, "generate_synthetic_incidents", "800000", "--seed", "3", "--dataset",
           "bench-chunks", "--offset", str(CHUNK))  # fmt: skip
    out, seconds, peak = measured_command(db, "import_incidents", str(last), "--no-progress")
    results["chunk_into_900k"] = {"seconds": seconds, "peak_mb": peak, "out": out.strip()}
    return results


def main() -> None:
    global PORTS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--import-size", type=int, default=1_000_000)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--resume", action="store_true", help="reuse results kept from a run")
    parser.add_argument("--write", type=Path, help="write the section into this Markdown file")
    parser.add_argument("--ports", default=f"{PORTS[0]}-{PORTS[1]}", help="e.g. 8110-8119")
    args = parser.parse_args()
    PORTS = tuple(int(port) for port in args.ports.split("-"))
    DATA.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    from incidents_report import plot, report, write

    from config.embedded_db.server import ensure_running

    ensure_running()  # held by this process for the whole run, so commands do not restart it
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        kept = DATA / f"results-{size}.json"
        if args.resume and kept.exists():
            results.append(json.loads(kept.read_text()))
            continue
        print(f"{size:,} incidents: building", file=sys.stderr)
        build(size)
        print(f"{size:,} incidents: measuring", file=sys.stderr)
        results.append(measure_pages(size, args.repeat))
        kept.write_text(json.dumps(results[-1], indent=1))
    imports = None
    if not args.skip_import:
        kept = DATA / f"imports-{args.import_size}.json"
        if args.resume and kept.exists():
            imports = json.loads(kept.read_text())
        else:
            print("imports: measuring", file=sys.stderr)
            imports = measure_imports(args.import_size)
            kept.write_text(json.dumps(imports, indent=1))
    section = report(results, imports, plot(results))
    print(section)
    if args.write:
        write(args.write, section)


if __name__ == "__main__":
    main()
