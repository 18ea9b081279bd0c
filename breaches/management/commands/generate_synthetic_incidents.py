"""`manage.py generate_synthetic_incidents N --seed S`: made-up incidents for measuring."""

import csv
import datetime as dt
import itertools
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from breaches.imports import merge
from breaches.imports.saving import save_staged_incidents
from breaches.imports.synthetic import SyntheticIncidents, describe
from breaches.imports.validation import INCIDENT_COLUMNS
from breaches.models import Dataset, Force

COPY_ROWS = 50_000  # rows held in memory at a time


class Command(BaseCommand):
    help = (
        "Write N synthetic (made-up) incidents, deterministic for a seed, into a dataset "
        "marked synthetic (hidden from public pages unless SHOW_SYNTHETIC_DATA is on), through "
        "the importer's COPY-and-merge save; or, with --csv, write them as an incidents file."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="how many incidents")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--dataset", default="synthetic-incidents", help="dataset slug")
        parser.add_argument(
            "--chunk", type=int, default=0, help="save every CHUNK rows as its own import batch"
        )
        parser.add_argument(
            "--offset", type=int, default=0, help="start at this row (continue a dataset)"
        )
        parser.add_argument("--csv", type=Path, help="write an incidents CSV file instead")

    def handle(self, *args, count, seed, dataset, chunk, offset, csv: Path | None, **options):
        if count < 1 or offset < 0 or chunk < 0:
            raise CommandError("N must be at least 1; --offset and --chunk cannot be negative")
        target = synthetic_dataset(dataset, seed)
        forces = list(Force.objects.values_list("slug", flat=True))
        if not forces:
            raise CommandError("No forces: run `manage.py load_reference_data` first")
        rows = SyntheticIncidents(target.slug, forces, seed).rows(count, offset)
        if csv is not None:
            write_csv(csv, rows)
            self.stdout.write(f"{csv}: {count:,} synthetic incidents for {target.slug}")
            return
        ids = {
            "datasets": {target.slug: target.pk},
            "forces": dict(Force.objects.values_list("slug", "id")),
        }
        step = chunk or count
        for start in range(offset, offset + count, step):
            size = min(step, offset + count - start)
            result = save_synthetic(
                itertools.islice(rows, size), ids, target.slug, seed, size, start
            )
            self.stdout.write(
                f"rows {start:,}-{start + size - 1:,}: {result.created:,} created, "
                f"{result.updated:,} updated, {result.unchanged:,} unchanged"
            )


def synthetic_dataset(slug: str, seed: int) -> Dataset:
    """The synthetic dataset with this slug, created if missing; never a real one."""
    dataset, _ = Dataset.objects.get_or_create(
        slug=slug,
        defaults={
            "title": f"Synthetic incidents (generated, seed {seed}): not real data",
            "publisher": "Synthetic data (generate_synthetic_incidents)",
            "published_on": dt.date(2025, 1, 1),
            "period_start": dt.date(2010, 1, 1),
            "period_end": dt.date(2024, 12, 31),
            "unit": "breaches",
            "definition": "Made-up incidents for measuring the dashboard at scale. Not real data.",
            "caveat": "Synthetic data: generated, not published by any force.",
            "url": "https://example.org/synthetic",
            "synthetic": True,
        },
    )
    if not dataset.synthetic:
        raise CommandError(f"The dataset {slug!r} holds real data: choose another --dataset")
    return dataset


@transaction.atomic
def save_synthetic(rows, ids: dict, dataset: str, seed: int, count: int, offset: int):
    """Stage and merge one chunk of generated rows, as an import of a file would."""
    merge.create_stage()
    while batch := list(itertools.islice(rows, COPY_ROWS)):
        merge.copy_rows(batch, ids["datasets"], ids["forces"])
    name, sha256 = describe(dataset, seed, count, offset)
    return save_staged_incidents(file_name=name, sha256=sha256)


def write_csv(path: Path, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(INCIDENT_COLUMNS)
        for row in rows:
            writer.writerow(
                [
                    row.dataset,
                    row.force,
                    row.reference,
                    row.occurred_on or "",
                    row.category or "",
                    row.role or "",
                    ";".join(row.outcomes),
                    row.outcome_date or "",
                    row.summary,
                ]
            )
