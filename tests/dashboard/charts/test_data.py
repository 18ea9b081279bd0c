"""The rows behind the charts (dashboard/charts/data.py), read without a request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from breaches.models import Dataset, Figure
from breaches.queries import Level
from breaches.vocabularies import OUTCOME_GROUPS, Vocabulary
from dashboard.charts import data
from dashboard.charts.state import ChartState
from dashboard.league.rows import league_periods

pytestmark = pytest.mark.django_db


def outcomes(dataset="bbw-2016", **state):
    return data.chart_data(ChartState(chart="outcomes", dataset=dataset, **state))


def test_outcomes_chart_queries_do_not_grow_with_the_outcome_groups(
    monkeypatch, django_assert_max_num_queries
):
    # The dataset, its periods (published figures, case lists), whether it has counted
    # incident records, the total and every group with their notes and restatements
    # (three), the sources: one league's worth, not six.
    with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as every_group:
        assert outcomes().rows
    one_group = Vocabulary("outcome group", OUTCOME_GROUPS.terms[:1])
    monkeypatch.setattr(data, "OUTCOME_GROUPS", one_group)
    with CaptureQueriesContext(connection) as fewer_groups:
        rows = outcomes().rows
    assert {row["series"] for row in rows} == set(one_group.codes)
    assert len(every_group) == len(fewer_groups)


@pytest.mark.parametrize(
    ("dataset", "state"),
    [("bbw-2016", {}), ("bbw-2016", {"role": "officer"}), ("bbw-2011", {}), ("pa-2014", {})],
)
def test_outcomes_chart_shows_each_groups_league(dataset, state):
    """Each bar is the league's value for its group, as a share of the league's total."""
    chart = outcomes(dataset, **state)
    owner = Dataset.objects.get(slug=dataset)
    period = league_periods(owner)[0][0]  # the chart's period: the one most forces answered
    figures = Figure.objects.published().for_dataset(owner)

    def league(outcome):
        level = Level(state.get("category"), outcome, state.get("role"))
        return {v.force_slug: v for v in figures.force_values(period, level)}

    totals = {slug: v.count for slug, v in league(None).items()}
    groups = {group: league(group) for group in OUTCOME_GROUPS.codes}
    # Forces with a count in some group, each with a row for every group any force has.
    forces = {
        slug for values in groups.values() for slug, v in values.items() if v.count is not None
    }
    series = [group for group, values in groups.items() if values]
    rows = {(row["force_slug"], row["series"]): row for row in chart.rows}
    assert rows
    assert set(rows) == {(slug, group) for slug in forces for group in series}
    for (slug, group), row in rows.items():
        assert (row["period_start"], row["period_end"]) == (str(period.start), str(period.end))
        value = groups[group].get(slug)
        if value is None:
            assert (row["status"], row["value"]) == ("no-figure", None)
            continue
        assert row["count"] == value.count
        assert (row["status"], row["summed"], row["lower_bound"]) == (
            value.status,
            value.summed,
            value.lower_bound,
        )
        assert row["rate_per_1000"] == (value.rate_per_1000 and float(value.rate_per_1000))
        assert row["annualised"] == (value.annualised and float(value.annualised))
        assert (row["restated"], row["notes"]) == (value.restated, list(value.notes))
        total = totals.get(slug)
        if total and value.count is not None:
            assert row["total"] == total
            assert row["value"] == pytest.approx(value.count / total * 100, abs=0.05)
        else:
            assert row["value"] is None
