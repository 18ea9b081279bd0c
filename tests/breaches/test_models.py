"""The database itself refuses what the rules forbid, whatever path writes."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from breaches.models import Dataset, Figure, Force, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def figure_values():
    return {
        "dataset": Dataset.objects.get(slug="bbw-2016"),
        "force": Force.objects.get(slug="kent"),
        "period_start": dt.date(2011, 6, 1),
        "period_end": dt.date(2015, 12, 31),
        "count": 1,
        "source": Source.objects.first(),
    }


@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        # PositiveIntegerField adds its own check before ours: either refuses.
        ({"count": -1}, "count_check|figure_count_not_negative"),
        ({"period_end": dt.date(2010, 1, 1)}, "figure_period_ordered"),
        ({"count": None}, "figure_count_matches_status"),
        ({"status": "not-disclosed"}, "figure_count_matches_status"),
        ({"category": "made-up"}, "figure_category_known"),
        ({"outcome": "fired"}, "figure_outcome_known"),
        ({"role": "boss"}, "figure_role_known"),
    ],
)
def test_constraints_in_the_database(figure_values, change, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Figure.objects.create(**{**figure_values, **change})


def test_natural_key_treats_blank_breakdowns_as_equal(figure_values):
    Figure.objects.create(**figure_values)
    with pytest.raises(IntegrityError, match="figure_natural_key"), transaction.atomic():
        Figure.objects.create(**{**figure_values, "count": 2})


def test_national_figures_are_unique_too():
    national = Figure.objects.get(dataset__slug="bbw-2016", force=None, category=None,
                                  outcome=None, role=None)  # fmt: skip
    national.pk = None
    with pytest.raises(IntegrityError, match="figure_natural_key"), transaction.atomic():
        national.save()


def test_featured_is_the_configured_dataset_or_else_the_latest(settings):
    assert Dataset.objects.featured().slug == settings.FEATURED_DATASET == "bbw-2016"
    settings.FEATURED_DATASET = "no-such-dataset"
    latest = max(Dataset.objects.all(), key=lambda dataset: dataset.published_on)
    assert Dataset.objects.featured() == latest
