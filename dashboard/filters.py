"""Query-string filters (django-filter): each page's URL is its permalink.

Invalid values are answered with a 400 page naming the parameter (docs/design.md section 5),
so views check `filterset.is_valid()` rather than silently showing everything.
"""

import datetime as dt

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Exists, OuterRef

from breaches.models import Dataset, Figure, Force, Incident, Outcome
from breaches.vocabularies import (
    CATEGORIES,
    DETAILED_OUTCOMES,
    OUTCOME_GROUPS,
    OUTCOMES,
    ROLES,
    outcomes_in_group,
)

from . import measures
from .forms import PeriodField
from .league.rows import SORT_KEYS


def _choices(field: str) -> list[tuple[str, str]]:
    values = Force.objects.exclude(**{field: ""}).order_by(field).values_list(field, flat=True)
    return [(value, value) for value in values.distinct()]


def _keep(queryset, name, value):
    """For parameters that choose what to compute rather than which rows to keep."""
    return queryset


def _outcome_choices():
    """Outcome groups with their detailed outcomes beneath them, as the vocabulary nests."""
    return [
        (
            group.label,
            [(group.code, f"{group.label} (all)")]
            + [
                (term.code, term.label)
                for term in DETAILED_OUTCOMES.terms
                if term.group == group.code
            ],
        )
        for group in OUTCOME_GROUPS.terms
    ]


def public_datasets(request=None):
    """The datasets a filter may choose (evaluated per request: SHOW_SYNTHETIC_DATA)."""
    return Dataset.objects.public()


class PeriodFilter(django_filters.Filter):
    field_class = PeriodField


class LeagueFilter(django_filters.FilterSet):
    """Filters a league table: dataset and breakdown choose the figures; the rest the forces."""

    dataset = django_filters.ModelChoiceFilter(
        queryset=public_datasets,
        to_field_name="slug",
        method=_keep,
        empty_label=None,
        label="Dataset",
        error_messages={"invalid_choice": "There is no dataset with that code."},
    )
    period = PeriodFilter(method=_keep, label="Period", help_text="YYYY-MM-DD~YYYY-MM-DD")
    metric = django_filters.ChoiceFilter(
        choices=measures.choices(), method=_keep, empty_label=None, label="Measure"
    )
    category = django_filters.ChoiceFilter(
        choices=CATEGORIES.choices, method=_keep, empty_label="All categories", label="Category"
    )
    outcome = django_filters.ChoiceFilter(
        choices=_outcome_choices, method=_keep, empty_label="All outcomes", label="Outcome"
    )
    role = django_filters.ChoiceFilter(
        choices=ROLES.choices, method=_keep, empty_label="All roles", label="Role"
    )
    nation = django_filters.ChoiceFilter(
        label="Nation", choices=lambda: _choices("nation"), empty_label="All nations"
    )
    kind = django_filters.ChoiceFilter(
        choices=Force.KINDS, empty_label="All kinds of force", label="Kind of force"
    )
    region = django_filters.ChoiceFilter(
        choices=lambda: _choices("region"), empty_label="All regions", label="Region"
    )
    sort = django_filters.ChoiceFilter(
        choices=[(f"{d}{key}", f"{d}{key}") for key in SORT_KEYS for d in ("", "-")],
        method=_keep,
        label="Sort",
    )
    # The outcome-share columns, one group shown or hidden (hidden by default, so the table
    # fits a laptop's screen: docs/decisions/0011-league-layout.md).
    shares = django_filters.ChoiceFilter(
        choices=[("show", "show"), ("hide", "hide")], method=_keep, label="Outcome shares"
    )

    class Meta:
        model = Force
        # Declared order: what to count first, then which forces.
        fields = [
            "dataset",
            "period",
            "metric",
            "category",
            "outcome",
            "role",
            "nation",
            "kind",
            "region",
            "sort",
            "shares",
        ]

    def __init__(self, data=None, *args, **kwargs):
        # Without a dataset in the query string the page shows the featured one, and the
        # form must say so: otherwise its select shows the first option and the next
        # submit silently switches dataset.
        if data is not None and not data.get("dataset"):
            data = data.copy()
            featured = Dataset.objects.featured()
            data["dataset"] = featured.slug if featured else ""
        super().__init__(data, *args, **kwargs)

    def selected(self, name: str, default=None):
        value = self.form.cleaned_data.get(name)
        return value if value not in (None, "") else default

    def chosen_dataset(self) -> Dataset | None:
        return self.selected("dataset")


class FigureFilter(django_filters.FilterSet):
    """The figures browser: every figure, filterable and searchable."""

    q = django_filters.CharFilter(method="search", label="Search notes and sources", max_length=200)
    dataset = django_filters.ModelChoiceFilter(
        queryset=public_datasets, to_field_name="slug", empty_label="All datasets"
    )
    force = django_filters.ModelChoiceFilter(
        queryset=Force.objects.all(), to_field_name="slug", empty_label="All forces"
    )
    national = django_filters.BooleanFilter(
        field_name="force",
        lookup_expr="isnull",
        label="National figures only",
        widget=forms.Select(
            choices=[
                ("", "Forces and national"),
                ("true", "National only"),
                ("false", "Forces only"),
            ]
        ),
    )
    category = django_filters.ChoiceFilter(choices=CATEGORIES.choices, empty_label="Any category")
    outcome = django_filters.ChoiceFilter(choices=OUTCOMES.choices, empty_label="Any outcome")
    role = django_filters.ChoiceFilter(choices=ROLES.choices, empty_label="Any role")

    class Meta:
        model = Figure
        fields = ["q", "dataset", "force", "national", "category", "outcome", "role"]

    def search(self, queryset, name, value):
        # What a journalist types: a force, an outcome, a dataset, words from a note or source.
        vector = SearchVector(
            "force__name",
            "force__short_name",
            "dataset__title",
            "dataset__publisher",
            "category",
            "outcome",
            "role",
            "note",
            "source__title",
            "source__publisher",
            config="english",
        )
        return queryset.annotate(search=vector).filter(search=SearchQuery(value, config="english"))


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class IncidentFilter(django_filters.FilterSet):
    """The incidents browser. Every filter is served by an index (breaches/models.py)."""

    q = django_filters.CharFilter(method="search", label="Search summaries", max_length=200)
    dataset = django_filters.ModelChoiceFilter(
        queryset=public_datasets, to_field_name="slug", empty_label="All datasets"
    )
    force = django_filters.ModelChoiceFilter(
        queryset=Force.objects.all(), to_field_name="slug", empty_label="All forces"
    )
    category = django_filters.ChoiceFilter(choices=CATEGORIES.choices, empty_label="Any category")
    role = django_filters.ChoiceFilter(choices=ROLES.choices, empty_label="Any role")
    outcome = django_filters.ChoiceFilter(
        method="reached",
        choices=_outcome_choices,
        empty_label="Any outcome",
        label="Outcome",
    )
    occurred = PeriodFilter(
        method="occurred_in", label="Occurred", help_text="YYYY-MM-DD~YYYY-MM-DD"
    )
    year = YearFilter(method="in_year", label="Year", min_value=1900, max_value=2100)

    class Meta:
        model = Incident
        fields = ["q", "dataset", "force", "category", "role", "outcome", "year", "occurred"]

    def occurred_in(self, queryset, name, period):
        """Incidents dated inside a period (the links from counts of a year or a month)."""
        return queryset.filter(occurred_on__gte=period.start, occurred_on__lte=period.end)

    def search(self, queryset, name, value):
        # The stored, GIN-indexed vector (Incident.search): nothing is computed per row.
        # websearch syntax is what people type: "quoted phrases", or, -excluded.
        return queryset.filter(search=SearchQuery(value, config="english", search_type="websearch"))

    def reached(self, queryset, name, value):
        # A group means any of its outcomes (or the group itself, where only that was
        # published). EXISTS rather than a join: an incident with two outcomes is one row.
        codes = [value, *outcomes_in_group(value)]
        return queryset.filter(
            Exists(Outcome.objects.filter(incident=OuterRef("pk"), outcome__in=codes))
        )

    def in_year(self, queryset, name, value):
        # A date range rather than EXTRACT(year), so the date index serves it.
        year = int(value)
        return queryset.filter(
            occurred_on__gte=dt.date(year, 1, 1), occurred_on__lt=dt.date(year + 1, 1, 1)
        )
