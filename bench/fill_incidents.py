"""Fill the database with N synthetic incidents for measuring the incidents browser.

A throwaway helper (not the official `generate_synthetic_incidents`): plain SQL, so a million
rows take about a minute. Skewed like real case lists (a few forces hold most cases), every
category, role and outcome, dates over 15 years, a few undated or uncoded rows.

Usage (reference data loaded first; use a database of its own):
    EMBEDDED_PG_DATABASE=bench_incidents python bench/fill_incidents.py 1000000
Re-running replaces the synthetic dataset's incidents.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from breaches.models import Dataset  # noqa: E402
from breaches.vocabularies import CATEGORIES, DETAILED_OUTCOMES, ROLES  # noqa: E402

SLUG = "bench-synthetic-incidents"
WORDS = [
    "officer",
    "accessed",
    "police",
    "national",
    "computer",
    "records",
    "neighbour",
    "without",
    "policing",
    "purpose",
    "staff",
    "member",
    "disclosed",
    "victim",
    "address",
    "partner",
    "social",
    "media",
    "snapchat",
    "photograph",
    "custody",
    "laptop",
    "lost",
    "train",
    "unencrypted",
    "memory",
    "stick",
    "email",
    "sent",
    "wrong",
    "recipient",
    "domestic",
    "abuse",
    "intelligence",
    "report",
    "shared",
    "journalist",
    "friend",
    "criminal",
    "associate",
    "vehicle",
    "check",
    "ex-partner",
    "files",
    "left",
    "unlocked",
    "office",
    "shredding",
    "bin",
    "body",
    "worn",
    "video",
    "footage",
    "posted",
    "online",
]


def sql_array(values) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]"


def fill(n: int) -> None:
    dataset, _ = Dataset.objects.update_or_create(
        slug=SLUG,
        defaults={
            "title": "Synthetic incidents (benchmark only)",
            "publisher": "bench/fill_incidents.py",
            "published_on": "2025-01-01",
            "period_start": "2010-01-01",
            "period_end": "2024-12-31",
            "unit": "breaches",
            "definition": "Synthetic rows for measuring; not real data.",
            "url": "http://127.0.0.1/",
        },
    )
    categories = sql_array(CATEGORIES.codes)
    roles = sql_array(ROLES.codes)
    outcomes = sql_array(DETAILED_OUTCOMES.codes)
    words = sql_array(WORDS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM breaches_outcome WHERE incident_id IN "
            "(SELECT id FROM breaches_incident WHERE dataset_id = %s)",
            [dataset.pk],
        )
        cursor.execute("DELETE FROM breaches_incident WHERE dataset_id = %s", [dataset.pk])
        cursor.execute("SELECT array_agg(id ORDER BY id) FROM breaches_force")
        forces = cursor.fetchone()[0]
        # random()^3 puts most rows on the first few forces, as in real case lists.
        cursor.execute(
            f"""
            INSERT INTO breaches_incident
                (dataset_id, force_id, reference, occurred_on, category, role, summary)
            SELECT %s,
                   (%s::bigint[])[1 + floor(power(random(), 3) * %s)::int],
                   'SYN-' || lpad(g::text, 8, '0'),
                   CASE WHEN random() < 0.03 THEN NULL
                        ELSE date '2010-01-01' + floor(random() * 5475)::int END,
                   CASE WHEN random() < 0.05 THEN NULL
                        ELSE ({categories})[1 + floor(random() * {len(CATEGORIES.codes)})::int] END,
                   CASE WHEN random() < 0.05 THEN NULL
                        ELSE ({roles})[1 + floor(power(random(), 2) * {len(ROLES.codes)})::int] END,
                   (SELECT string_agg(({words})[1 + floor(random() * {len(WORDS)})::int], ' ')
                      FROM generate_series(1, 8 + (g %% 12)) WHERE g > 0)
              FROM generate_series(1, %s) AS g
            """,
            [dataset.pk, forces, len(forces), n],
        )
        # One outcome for most incidents, a second for some, none for a few.
        cursor.execute(
            f"""
            INSERT INTO breaches_outcome (incident_id, outcome, decided_on)
            SELECT id, ({outcomes})[1 + (id %% {len(DETAILED_OUTCOMES.codes)})::int],
                   occurred_on + 60
              FROM breaches_incident WHERE dataset_id = %s AND id %% 17 <> 0
            UNION ALL
            SELECT id, ({outcomes})[1 + ((id / 7 + 3) %% {len(DETAILED_OUTCOMES.codes)})::int],
                   occurred_on + 120
              FROM breaches_incident WHERE dataset_id = %s AND id %% 5 = 0
            ON CONFLICT DO NOTHING
            """,
            [dataset.pk, dataset.pk],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE breaches_incident")
        cursor.execute("VACUUM ANALYZE breaches_outcome")


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    started = time.perf_counter()
    fill(count)
    print(f"{count:,} synthetic incidents in {time.perf_counter() - started:.1f} s")
