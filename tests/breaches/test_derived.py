"""Derived figures (counts of incident records) against a brute-force count of the rows.

Random small case lists are imported through the importer; every count the dashboards read
(each force and period bucket, at every breakdown) must equal a count made here in Python
from the rows themselves, after imports, restatements and retractions.
"""

import csv
import datetime as dt
import io
import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from breaches.derived import IncidentCounts, year_of, year_period
from breaches.imports.pipeline import import_file
from breaches.imports.retraction import retract_batch
from breaches.imports.validation import INCIDENT_COLUMNS
from breaches.models import Dataset, Force, IncidentCount, Return
from breaches.queries import Level, Period
from breaches.vocabularies import CATEGORIES, DETAILED_OUTCOMES, ROLES, group_of

pytestmark = pytest.mark.django_db

FORCES = ("surrey", "kent", "dorset")
PERIOD = Period(dt.date(2018, 4, 1), dt.date(2020, 3, 31))

incidents = st.lists(
    st.fixed_dictionaries({
        "force": st.sampled_from(FORCES),
        "occurred_on": st.one_of(
            st.none(), st.dates(min_value=dt.date(2017, 11, 1), max_value=dt.date(2020, 6, 30))
        ),
        "category": st.one_of(st.none(), st.sampled_from(CATEGORIES.codes[:3])),
        "role": st.one_of(st.none(), st.sampled_from(ROLES.codes[:2])),
        "outcomes": st.sets(
            st.sampled_from(["warning", "dismissed", "resigned", "no-action",
                             "disciplinary-action"]), max_size=2
        ),
    }),
    min_size=1,
    max_size=25,
)  # fmt: skip


# Each example writes to the database: no deadline, and a shrink phase kept short (a failing
# example is reported as generated rather than shrunk for minutes).
QUICK = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture],
    "phases": [Phase.explicit, Phase.reuse, Phase.generate],
}


class Rollback(Exception):
    """Undo one generated example's writes."""


@pytest.fixture
def dataset():
    return Dataset.objects.create(
        slug="case-list-test",
        title="Case list (test)",
        publisher="Test",
        published_on=dt.date(2020, 6, 1),
        period_start=PERIOD.start,
        period_end=PERIOD.end,
        unit="breaches",
        definition="Cases listed one by one.",
        url="https://example.org/case-list",
    )


def case_list(rows, prefix="case") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(INCIDENT_COLUMNS)
    for number, row in enumerate(rows):
        writer.writerow([
            "case-list-test", row["force"], f"{prefix}-{number}",
            row["occurred_on"].isoformat() if row["occurred_on"] else "",
            row["category"] or "", row["role"] or "", ";".join(sorted(row["outcomes"])), "",
            "A case.",
        ])  # fmt: skip
    return out.getvalue().encode()


def imported(rows, prefix="case"):
    validation, result = import_file(case_list(rows, prefix), f"{prefix}.csv")
    assert validation.ok, validation.errors
    return result


def reached(row) -> set[str]:
    """Outcome codes an incident counts under: each stored outcome and each group reached."""
    codes = set(row["outcomes"])
    return codes | {group_of(code) or code for code in codes}


def at_level(row, level: Level) -> bool:
    return (
        (level.category is None or row["category"] == level.category)
        and (level.role is None or row["role"] == level.role)
        and (level.outcome is None or level.outcome in reached(row))
    )


def brute_force(rows, level: Level, period: Period | None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        day = row["occurred_on"]
        inside = period is None or (day is not None and period.start <= day <= period.end)
        if inside and at_level(row, level):
            counts[row["force"]] = counts.get(row["force"], 0) + 1
    return counts


LEVELS = [
    Level(category, outcome, role)
    for category, outcome, role in itertools.product(
        [None, CATEGORIES.codes[0]],
        [None, "warning", "dismissed", "disciplinary-action", "resigned-or-dismissed"],
        [None, ROLES.codes[0]],
    )
]


def slugs(counts: dict[int, int]) -> dict[str, int]:
    names = dict(Force.objects.filter(pk__in=counts).values_list("pk", "slug"))
    return {names[pk]: n for pk, n in counts.items()}


def assert_counts_match(dataset, rows):
    counts = IncidentCounts(dataset)
    whole = Period(dataset.period_start, dataset.period_end)
    years = {
        year_period(year_of(row["occurred_on"], bucket), bucket)
        for row in rows
        if row["occurred_on"]
        for bucket in ("year", "fy")
    }
    for level in LEVELS:
        assert slugs(counts.by_force(whole, level)) == brute_force(rows, level, None), level
        for period in years - {whole}:
            expected = brute_force(rows, level, period)
            assert slugs(counts.by_force(period, level)) == expected, (level, period)
        undated = [row for row in rows if row["occurred_on"] is None]
        assert counts.undated(level) == sum(brute_force(undated, level, None).values())
    for bucket in ("month", "year", "fy"):
        for level in (Level(), Level(outcome="disciplinary-action"), Level("other", None, None),
                      Level(CATEGORIES.codes[0], "warning", ROLES.codes[0])):  # fmt: skip
            series = {(r["period"].start, r["period"].end): r["count"]
                      for r in counts.series(bucket, level)}  # fmt: skip
            expected: dict[tuple, int] = {}
            for row in rows:
                if row["occurred_on"] and at_level(row, level):
                    day = row["occurred_on"]
                    start = day.replace(day=1) if bucket == "month" else year_of(day, bucket)
                    period = (
                        year_period(start, bucket)
                        if bucket != "month"
                        else Period(start, (start + dt.timedelta(days=32)).replace(day=1)
                                    - dt.timedelta(days=1))
                    )  # fmt: skip
                    key = (period.start, period.end)
                    expected[key] = expected.get(key, 0) + 1
            assert series == expected, (bucket, level)
    assert not IncidentCount.objects.filter(count__lte=0).exists()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=incidents)
def test_counts_equal_a_brute_force_count_of_the_rows(dataset, rows):
    try:
        with transaction.atomic():
            imported(rows)
            assert_counts_match(dataset, rows)
            raise Rollback
    except Rollback:
        pass


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=incidents, second=incidents)
def test_counts_follow_restatements_and_retractions(dataset, first, second):
    try:
        with transaction.atomic():
            imported(first)
            # The second file restates the first file's cases where force and reference
            # match (new dates, categories, outcomes) and adds the others.
            result = imported(second)
            state = {(row["force"], number): row for number, row in enumerate(first)}
            state.update({(row["force"], number): row for number, row in enumerate(second)})
            assert_counts_match(dataset, list(state.values()))
            if result.batch is not None:
                retract_batch(result.batch.pk)
            assert_counts_match(dataset, first)
            raise Rollback
    except Rollback:
        pass


def test_a_restatement_moves_an_incident_to_another_month(dataset):
    row = {"force": "surrey", "occurred_on": dt.date(2019, 1, 15), "category": None,
           "role": "staff", "outcomes": {"warning"}}  # fmt: skip
    imported([row])
    imported([{**row, "occurred_on": dt.date(2019, 5, 2), "outcomes": {"dismissed"}}])
    series = IncidentCounts(dataset).series("month", Level())
    assert [(r["period"].start, r["count"]) for r in series] == [(dt.date(2019, 5, 1), 1)]
    fy = IncidentCounts(dataset).series("fy", Level(outcome="resigned-or-dismissed"))
    assert [(r["period"].start, r["count"]) for r in fy] == [(dt.date(2019, 4, 1), 1)]
    assert IncidentCounts(dataset).series("month", Level(outcome="warning")) == []


def test_a_case_list_not_known_to_be_complete_gives_lower_bounds(dataset):
    imported([{"force": "kent", "occurred_on": None, "category": None, "role": None,
               "outcomes": set()}])  # fmt: skip
    whole = Period(dataset.period_start, dataset.period_end)
    (row,) = IncidentCounts(dataset).force_values(whole, Level())
    assert (row.force_slug, row.count, row.counted_from) == ("kent", 1, 1)
    assert row.lower_bound is True
    Return.objects.filter(dataset=dataset, force__slug="kent").update(case_list="complete")
    (row,) = IncidentCounts(dataset).force_values(whole, Level())
    assert row.lower_bound is False


def test_an_incident_with_two_outcomes_in_one_group_counts_once_in_the_group(dataset):
    imported([{"force": "dorset", "occurred_on": dt.date(2019, 2, 1), "category": None,
               "role": None, "outcomes": {"resigned", "dismissed"}}])  # fmt: skip
    whole = Period(dataset.period_start, dataset.period_end)
    counts = IncidentCounts(dataset)
    assert sum(counts.by_force(whole, Level(outcome="resigned-or-dismissed")).values()) == 1
    assert sum(counts.by_force(whole, Level(outcome="resigned")).values()) == 1
    assert sum(counts.by_force(whole, Level()).values()) == 1
    groups = counts.outcome_groups(whole, Level())
    assert {code: value.count for code, value in next(iter(groups.values())).items()} == {
        "resigned-or-dismissed": 1
    }
    assert DETAILED_OUTCOMES.get("resigned").group == "resigned-or-dismissed"
