"""The chart builder's state: parsed from the query string, written back in one canonical form.

A chart's URL is its permalink, so one chart has one spelling (docs/charts.md):
`v=1&chart=...&dataset=...&forces=a~b~c&metric=...&category=...&outcome=...&role=...&from=...&to=...`
in that order. `v`, `chart` and `dataset` (except for `trend`, where no dataset means every
dataset) are always spelled out, so that a link keeps its meaning if a default changes; the
other parameters appear only when they differ from their default and apply to the chart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.db.models import Count
from django.http import QueryDict

from breaches.models import Dataset, Force
from breaches.published import published_via
from breaches.vocabularies import CATEGORIES, OUTCOMES, ROLES

from .. import measures

SCHEMA_VERSION = "1"
CHARTS = {
    "league": "Forces ranked",
    "trend": "Forces over time",
    "outcomes": "Outcomes by force",
    "categories": "Kinds of breach by force",
    "funnel": "Funnel plot: rates against force size",
    "map": "Map of forces",
}
# A trend of one case-list dataset can count its incident records by month or year.
BUCKETS = {"month": "By month", "year": "By calendar year", "fy": "By financial year"}
# Which optional parameters mean something for each chart; the others are dropped.
APPLIES = {
    "league": {"forces", "metric", "category", "outcome", "role", "from", "to"},
    "trend": {"forces", "by", "category", "outcome", "role", "from", "to"},
    "outcomes": {"forces", "category", "role", "from", "to"},
    "categories": {"forces", "outcome", "role", "from", "to"},
    # Every force with a figure is compared with the national rate: no choice of forces.
    "funnel": {"category", "outcome", "role", "from", "to"},
    "map": {"metric", "category", "outcome", "role", "from", "to"},
}
# Spellings used by earlier links and by hand-written URLs.
OLD_NAMES = {"type": "chart", "force": "forces", "start": "from", "end": "to", "measure": "metric"}
ORDER = (
    "v", "chart", "dataset", "forces", "by", "metric", "category", "outcome", "role", "from", "to",
)  # fmt: skip
MAX_FORCES = 12
# Lists in URLs use `~`; commas, plus signs and spaces come from mangled or hand-typed links.
FORCE_SEPARATORS = re.compile(r"[~,+\s]+")
SLUG = re.compile(r"[-a-z0-9_]+")


class ForcesField(forms.Field):
    """Force slugs written `a~b~c`: known, deduplicated and sorted."""

    def to_python(self, value):
        slugs = sorted({slug.lower() for slug in FORCE_SEPARATORS.split(value or "") if slug})
        if len(slugs) > MAX_FORCES:
            raise forms.ValidationError(f"Choose at most {MAX_FORCES} forces.")
        # Only slug-shaped text reaches the query (PostgreSQL refuses NUL bytes outright).
        shaped = [slug for slug in slugs if SLUG.fullmatch(slug)]
        known = set(Force.objects.filter(slug__in=shaped).values_list("slug", flat=True))
        unknown = [slug for slug in slugs if slug not in known]
        if unknown:
            raise forms.ValidationError(
                f"No force has the code {', '.join(repr(s[:60]) for s in unknown[:3])}."
            )
        return tuple(slugs)


def _choice(vocabulary_choices, what: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=[("", "All"), *vocabulary_choices],
        required=False,
        error_messages={"invalid_choice": f"There is no {what} with that code."},
    )


class ChartStateForm(forms.Form):
    v = forms.ChoiceField(
        choices=[(SCHEMA_VERSION, SCHEMA_VERSION)],
        required=False,
        error_messages={"invalid_choice": "Only version 1 of the chart parameters exists."},
    )
    chart = forms.ChoiceField(
        choices=list(CHARTS.items()),
        required=False,
        error_messages={"invalid_choice": f"Choose one of {', '.join(CHARTS)}."},
    )
    dataset = forms.SlugField(required=False, max_length=50)
    forces = ForcesField(required=False)
    by = forms.ChoiceField(
        choices=list(BUCKETS.items()),
        required=False,
        error_messages={"invalid_choice": f"Choose one of {', '.join(BUCKETS)}."},
    )
    metric = forms.ChoiceField(
        choices=measures.choices(measures.CHART_MEASURES),
        required=False,
        error_messages={
            "invalid_choice": "Choose one of "
            f"{', '.join(measure.code for measure in measures.CHART_MEASURES)}."
        },
    )
    category = _choice(CATEGORIES.choices, "category")
    outcome = _choice(OUTCOMES.choices, "outcome")
    role = _choice(ROLES.choices, "role")
    from_year = forms.IntegerField(required=False, min_value=1990, max_value=2100)
    to_year = forms.IntegerField(required=False, min_value=1990, max_value=2100)

    # `from` is a Python keyword: the form fields are from_year / to_year.
    PARAMETER = {"from_year": "from", "to_year": "to"}  # field -> query-string parameter
    # What the builder's controls call each parameter: errors beside a control name the control.
    CONTROL = {
        "chart": "Chart", "dataset": "Dataset", "forces": "Forces",
        "by": "Count", "metric": "Measure", "category": "Category", "outcome": "Outcome",
        "role": "Role", "from_year": "From", "to_year": "To",
    }  # fmt: skip

    @classmethod
    def from_query(cls, query: QueryDict) -> ChartStateForm:
        """Bind to a query string, folding old names and repeated `forces` into one spelling."""
        data: dict[str, str] = {}
        forces: list[str] = []
        for name, values in query.lists():
            name = OLD_NAMES.get(name, name)
            if name == "forces":
                forces.extend(values)
            elif name in ORDER:
                data[{"from": "from_year", "to": "to_year"}.get(name, name)] = values[-1]
        if forces:
            data["forces"] = "~".join(forces)
        return cls(data)

    def clean_dataset(self):
        slug = self.cleaned_data["dataset"]
        if not slug:
            return None
        dataset = Dataset.objects.public().filter(slug=slug).first()
        if dataset is None:
            raise forms.ValidationError(f"There is no dataset with the code {slug!r}.")
        return dataset

    def clean(self):
        data = super().clean()
        start, end = data.get("from_year"), data.get("to_year")
        if start and end and start > end:
            self.add_error("to_year", f"The period would end ({end}) before it starts ({start}).")
        return data

    def control_errors(self) -> dict[str, str] | None:
        """{parameter: 'Control: message'} for the builder to show beside each control; None
        when a problem has no control to show it beside (`v=2`)."""
        if set(self.errors) - set(self.CONTROL):
            return None
        return {
            self.PARAMETER.get(name, name): f"{self.CONTROL[name]}: {' '.join(errors)}"
            for name, errors in self.errors.items()
        }

    def without_errors(self) -> ChartStateForm:
        """The same query with the invalid parameters left out: what can still be drawn."""
        data = {name: value for name, value in self.data.items() if name not in self.errors}
        return type(self)(data)

    def state(self) -> ChartState:
        """The canonical state (call after is_valid())."""
        data = self.cleaned_data
        chart = data["chart"] or "league"
        dataset = data["dataset"]
        if dataset is None and chart != "trend":
            dataset = Dataset.objects.featured()
        applies = APPLIES[chart]

        def keep(name, value, default=""):
            return value if name in applies and value not in (None, default) else default

        forces = keep("forces", data["forces"], ())
        # Counting by month or year needs one dataset's incident records; without a dataset
        # the parameter means nothing and is dropped. Without forces it counts nationally.
        by = keep("by", data["by"]) if dataset else ""
        if chart == "trend" and not forces and not by:
            forces = default_trend_forces()
        return ChartState(
            chart=chart,
            dataset=dataset.slug if dataset else "",
            forces=forces,
            by=by,
            metric=keep("metric", data["metric"], "count") or "count",
            category=keep("category", data["category"]),
            outcome=keep("outcome", data["outcome"]),
            role=keep("role", data["role"]),
            from_year=keep("from", data["from_year"], None),
            to_year=keep("to", data["to_year"], None),
        )


def default_trend_forces(limit: int = 3) -> tuple[str, ...]:
    """The forces published in the most datasets: a trend needs forces to compare."""
    rows = (
        # One filter() for both conditions, so the count below reads the same join.
        Force.objects.filter(published_via("figures"), figures__count__isnull=False)
        .annotate(datasets=Count("figures__dataset", distinct=True))
        .order_by("-datasets", "name")
        .values_list("slug", flat=True)[:limit]
    )
    return tuple(sorted(rows))


@dataclass(frozen=True)
class ChartState:
    """One chart, as the canonical query string describes it."""

    chart: str = "league"
    dataset: str = ""
    forces: tuple[str, ...] = ()
    by: str = ""
    metric: str = "count"
    category: str = ""
    outcome: str = ""
    role: str = ""
    from_year: int | None = None
    to_year: int | None = None

    def params(self) -> list[tuple[str, str]]:
        """Parameters in canonical order, defaults left out (except v, chart and dataset)."""
        pairs = [("v", SCHEMA_VERSION), ("chart", self.chart)]
        if self.dataset:
            pairs.append(("dataset", self.dataset))
        if self.forces:
            pairs.append(("forces", "~".join(self.forces)))
        if self.by:
            pairs.append(("by", self.by))
        if self.metric != "count":
            pairs.append(("metric", self.metric))
        pairs += [(name, getattr(self, name)) for name in ("category", "outcome", "role")]
        pairs += [("from", self.from_year), ("to", self.to_year)]
        return [(name, str(value)) for name, value in pairs if value not in ("", None)]

    def query_string(self) -> str:
        return urlencode(self.params(), safe="~")

    def as_dict(self) -> dict:
        return dict(self.params())

    @classmethod
    def from_dict(cls, params: dict) -> ChartState:
        """Rebuild a stored state (a pinned chart's); assumes it was canonical when stored."""
        forces = tuple(params["forces"].split("~")) if params.get("forces") else ()
        return cls(
            chart=params.get("chart", "league"),
            dataset=params.get("dataset", ""),
            forces=forces,
            by=params.get("by", ""),
            metric=params.get("metric", "count"),
            category=params.get("category", ""),
            outcome=params.get("outcome", ""),
            role=params.get("role", ""),
            from_year=int(params["from"]) if params.get("from") else None,
            to_year=int(params["to"]) if params.get("to") else None,
        )
