"""Import benchmark: preview and confirm of a 20,000-row figures file and a 50,000-row
incidents file, against a baseline that saves the same rows one ORM call at a time.

Usage: python bench/bench_import.py [--write docs/benchmarks.md]

Runs on its own database (`<EMBEDDED_PG_DATABASE>_bench`, created and loaded with the
reference data), each scenario in a fresh process so that its peak memory is its own, and
each inside a transaction that is rolled back, so every scenario starts from the same data.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIGURE_ROWS = 20_000
INCIDENT_ROWS = 50_000
SCENARIOS = ["figures", "incidents", "figures-baseline", "incidents-baseline"]


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    name = os.environ.get("EMBEDDED_PG_DATABASE", "breaches")
    if not name.endswith("_bench"):
        os.environ["EMBEDDED_PG_DATABASE"] = f"{name}_bench"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("UPLOAD_MAX_ROWS", str(INCIDENT_ROWS))
    import django

    django.setup()


def figures_csv() -> bytes:
    from breaches.models import Force
    from breaches.vocabularies import CATEGORIES, ROLES

    forces = list(Force.objects.order_by("name").values_list("name", flat=True))[:50]
    breakdowns = [(c, r) for c in [None, *CATEGORIES.codes] for r in [None, *ROLES.codes]][:20]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            *("dataset", "force", "period_start", "period_end", "category", "role", "count"),
            *("source_title", "source_url", "note"),
        ]
    )
    for n in range(FIGURE_ROWS):
        force = forces[n % len(forces)]
        year = 2000 + (n // len(forces)) % 20
        category, role = breakdowns[n // (len(forces) * 20)]
        writer.writerow(
            [
                "bbw-2016",
                force,
                f"{year}-01-01",
                f"31/12/{year}",
                category or "",
                role or "",
                n % 300,
                f"Benchmark FOI {n % 40}",
                "https://example.org/foi",
                "",
            ]
        )
    return out.getvalue().encode()


def incidents_csv() -> bytes:
    from breaches.imports.validation import INCIDENT_COLUMNS
    from breaches.models import Force

    forces = list(Force.objects.order_by("name").values_list("slug", flat=True))[:50]
    outcomes = ["warning", "dismissed; resigned", "management-action", "", "Sacked"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(INCIDENT_COLUMNS)
    start = dt.date(2015, 1, 1)
    for n in range(INCIDENT_ROWS):
        day = start + dt.timedelta(days=n % 1500)
        writer.writerow(
            [
                "bbw-2016",
                forces[n % len(forces)],
                f"BENCH-{n:06d}",
                day.isoformat(),
                "unauthorised-access",
                "officer",
                outcomes[n % 5],
                "",
                f"Benchmark incident {n}",
            ]
        )
    return out.getvalue().encode()


def run_scenario(name: str) -> dict:
    from django.db import transaction

    from breaches.imports.pipeline import save
    from breaches.imports.reference import Reference
    from breaches.imports.saving import plan_figures, plan_incidents
    from breaches.imports.validation import parse

    kind = name.split("-")[0]
    content = figures_csv() if kind == "figures" else incidents_csv()
    result = {"scenario": name, "rows": FIGURE_ROWS if kind == "figures" else INCIDENT_ROWS}
    with transaction.atomic():
        if name.endswith("baseline"):
            validation = parse(content, f"{kind}.csv", Reference.load())
            assert validation.ok, validation.errors[:3]
            started = time.perf_counter()
            (_one_at_a_time_figures if kind == "figures" else _one_at_a_time_incidents)(
                validation.rows
            )
            result["save_s"] = time.perf_counter() - started
        else:
            started = time.perf_counter()
            validation = parse(content, f"{kind}.csv", Reference.load())
            assert validation.ok, validation.errors[:3]
            plan = (plan_figures if kind == "figures" else plan_incidents)(validation.rows)
            result["preview_s"] = time.perf_counter() - started
            assert len(plan.new) == result["rows"]
            started = time.perf_counter()
            validation = parse(content, f"{kind}.csv", Reference.load())
            saved = save(validation, content, f"{kind}.csv")
            result["confirm_s"] = time.perf_counter() - started
            assert saved.created == result["rows"]
        transaction.set_rollback(True)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _one_at_a_time_figures(rows) -> None:
    """The naive save: one get_or_create / update_or_create per row."""
    from breaches.models import Dataset, Figure, Force, Source

    for row in rows:
        source, _ = Source.objects.get_or_create(
            title=row.source.title,
            publisher=row.source.publisher,
            published_on=row.source.published_on,
            url=row.source.url,
        )
        Figure.objects.update_or_create(
            dataset=Dataset.objects.get(slug=row.dataset),
            force=Force.objects.get(slug=row.force) if row.force else None,
            period_start=row.period_start,
            period_end=row.period_end,
            category=row.category,
            outcome=row.outcome,
            role=row.role,
            defaults={"count": row.count, "status": row.status, "source": source, "note": ""},
        )


def _one_at_a_time_incidents(rows) -> None:
    from breaches.models import Dataset, Force, Incident, Outcome

    for row in rows:
        incident, _ = Incident.objects.update_or_create(
            dataset=Dataset.objects.get(slug=row.dataset),
            force=Force.objects.get(slug=row.force),
            reference=row.reference,
            defaults={
                "occurred_on": row.occurred_on,
                "category": row.category,
                "role": row.role,
                "summary": row.summary,
            },
        )
        for code in row.outcomes:
            Outcome.objects.get_or_create(incident=incident, outcome=code)


def prepare_database() -> None:
    import io as _io

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("load_reference_data", stdout=_io.StringIO())


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, {platform.platform()}, "
        f"Python {platform.python_version()}"
    )


def report(results: list[dict]) -> str:
    by = {r["scenario"]: r for r in results}
    lines = [
        "## Import (admin upload preview and confirm)",
        "",
        f"Run by `python bench/bench_import.py --write docs/benchmarks.md` on "
        f"{dt.date.today().isoformat()}.",
        f"Machine: {machine()}; PostgreSQL 18 (embedded), one process, one connection.",
        "Each scenario runs in a fresh process (peak memory is that process's maximum RSS, "
        "Django included) inside a transaction that is rolled back. *Preview* is parse + "
        "validate + plan (what the preview page computes); *confirm* is parse + validate + "
        "save (what the confirm button does, re-validating the staged file). The baseline "
        "saves the same validated rows one ORM call at a time (`update_or_create` per row).",
        "",
        "| file | rows | preview (s) | preview rows/s | confirm (s) | confirm rows/s "
        "| peak memory (MB) | one-at-a-time save (s) | confirm speed-up |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in ("figures", "incidents"):
        r, base = by[kind], by[f"{kind}-baseline"]
        lines.append(
            f"| {kind} CSV | {r['rows']:,} | {r['preview_s']:.1f} | "
            f"{r['rows'] / r['preview_s']:,.0f} | {r['confirm_s']:.1f} | "
            f"{r['rows'] / r['confirm_s']:,.0f} | {r['peak_mb']:.0f} | {base['save_s']:.1f} | "
            f"{base['save_s'] / r['confirm_s']:.1f}× |"
        )
    lines += [
        "",
        "Target (issue 3): preview and confirm each within 30 s, peak memory under 500 MB.",
        "",
    ]
    return "\n".join(lines)


def write(path: Path, section: str) -> None:
    """Replace this benchmark's section of the file, keeping any other sections."""
    heading = section.splitlines()[0]
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    if heading in text:
        before, rest = text.split(heading, 1)
        after = rest.split("\n## ", 1)
        text = before + section + ("\n## " + after[1] if len(after) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=SCENARIOS, help=argparse.SUPPRESS)
    parser.add_argument("--write", type=Path, help="write the results into this Markdown file")
    args = parser.parse_args()
    setup_django()
    if args.scenario:
        print(json.dumps(run_scenario(args.scenario)))
        return
    prepare_database()
    results = []
    for scenario in SCENARIOS:
        output = subprocess.run(
            [sys.executable, __file__, "--scenario", scenario],
            check=True,
            capture_output=True,
            text=True,
            env=os.environ,
        ).stdout
        results.append(json.loads(output.strip().splitlines()[-1]))
        print(results[-1], file=sys.stderr)
    section = report(results)
    print(section)
    if args.write:
        write(args.write, section)


if __name__ == "__main__":
    main()
