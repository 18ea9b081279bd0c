"""Force-name suggestions: which matcher finds the right force first, and how fast.

Compares, on the 40+ real-world spellings of tests/breaches/imports/test_matching.py:
difflib on folded names (the matcher before issue 11), difflib, rapidfuzz and PostgreSQL's
pg_trgm on canonical names (shared words dropped, abbreviations and initialisms spelt out).
pg_trgm is created inside a transaction that is rolled back, so the database is unchanged.

    python bench/bench_force_names.py
"""

import difflib
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from breaches.imports.matching import ForceMatcher, canonical  # noqa: E402
from breaches.imports.reference import name_key  # noqa: E402
from tests.breaches.imports.test_matching import VARIANTS, fixture_matcher  # noqa: E402

# Misspellings (the other half of what editors meet): one or two letters off.
TYPOS = [
    ("Surey Police", "surrey"),
    ("Glouctershire Constabulary", "gloucestershire"),
    ("Nottinghamshre Police", "nottinghamshire"),
    ("Metropolitian Police", "metropolitan"),
    ("Leicstershire Police", "leicestershire"),
    ("Hertfordshre Constabulary", "hertfordshire"),
    ("Lincolnshite Police", "lincolnshire"),
    ("Staffordshie Police", "staffordshire"),
    ("Cumbia Constabulary", "cumbria"),
    ("Norfok Constabulary", "norfolk"),
    ("Wiltsire Police", "wiltshire"),
    ("Warwickshre Police", "warwickshire"),
    ("Bedforshire Police", "bedfordshire"),
    ("Northhamptonshire Police", "northamptonshire"),
    ("Humbreside Police", "humberside"),
    ("Merseside Police", "merseyside"),
    ("Lancashre Constabulary", "lancashire"),
    ("Cleaveland Police", "cleveland"),
    ("Darbyshire Constabulary", "derbyshire"),
    ("Durhum Constabulary", "durham"),
    ("Northumbira Police", "northumbria"),
    ("Thames Vally Police", "thames-valley"),
    ("West Yorkshre Police", "west-yorkshire"),
    ("Greater Manchster Police", "greater-manchester"),
]


def first_right(suggest, table=VARIANTS) -> tuple[int, float]:
    _, names = fixture_matcher()
    right = 0
    started = time.perf_counter()
    for written, slug in table:
        found = suggest(written)
        right += bool(found) and found[0] == names[slug]
    return right, (time.perf_counter() - started) / len(table) * 1000


def main():
    matcher, names = fixture_matcher()
    spellings = list(zip(matcher.choices, matcher.slugs, strict=True))
    folded = {}
    for key, slug in zip(matcher.choices, matcher.slugs, strict=True):
        folded[key] = slug

    def difflib_folded(written):
        # The matcher before: folded (not canonical) spellings, difflib, cutoff 0.5.
        everything = {name_key(n): s for s, n in names.items()}
        everything.update({name_key(k): s for k, s in fixture_spellings().items()})
        hits = difflib.get_close_matches(name_key(written), everything, n=9, cutoff=0.5)
        return [names[everything[h]] for h in hits]

    def difflib_canonical(written):
        hits = difflib.get_close_matches(canonical(written), folded, n=9, cutoff=0.5)
        return [names[folded[h]] for h in hits]

    shared = ForceMatcher(fixture_spellings(), names)

    def rapidfuzz_canonical(written):
        shared._ranked.clear()  # time the ranking, not the memo
        return shared.nearest(written)

    def both(label, suggest):
        right, ms = first_right(suggest)
        typos, typo_ms = first_right(suggest, TYPOS)
        return label, right, typos, (ms + typo_ms) / 2

    results = [
        both("difflib, folded names (before)", difflib_folded),
        both("difflib, canonical names", difflib_canonical),
        both("rapidfuzz WRatio, canonical names", rapidfuzz_canonical),
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute("CREATE TEMP TABLE spelling (key text, slug text)")
            cursor.executemany("INSERT INTO spelling VALUES (%s, %s)", spellings)

            def trgm(written):
                cursor.execute(
                    "SELECT slug FROM spelling WHERE similarity(key, %s) > 0.2 "
                    "ORDER BY similarity(key, %s) DESC, key LIMIT 9",
                    [canonical(written)] * 2,
                )
                return [names[slug] for (slug,) in cursor.fetchall()]

            results.append(both("pg_trgm similarity, canonical names", trgm))
        transaction.set_rollback(True)
    print("| matcher | variants: right first | misspellings: right first | ms per name |")
    print("|---|---:|---:|---:|")
    for label, right, typos, ms in results:
        print(f"| {label} | {right}/{len(VARIANTS)} | {typos}/{len(TYPOS)} | {ms:.3f} |")
    # Throughput on distinct misspellings (what a large file with many unknown names costs).
    names_many = [f"Unknwn Force {n}" for n in range(5000)]
    started = time.perf_counter()
    matcher = ForceMatcher(fixture_spellings(), names)
    for written in names_many:
        matcher.nearest(written)
    print(f"rapidfuzz: {len(names_many)} distinct names in {time.perf_counter() - started:.2f} s")


def fixture_spellings():
    import csv

    from tests.breaches.imports.test_matching import FIXTURES

    spellings = {}
    with open(FIXTURES / "forces.csv", encoding="utf-8") as file:
        for force in csv.DictReader(file):
            for spelling in (force["slug"], force["name"], force["short_name"]):
                if spelling:
                    spellings[name_key(spelling)] = force["slug"]
    with open(FIXTURES / "aliases.csv", encoding="utf-8") as file:
        for alias in csv.DictReader(file):
            spellings[name_key(alias["alias"])] = alias["force"]
    return spellings


if __name__ == "__main__":
    main()
