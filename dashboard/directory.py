"""Force and dataset pages: everything published about one force or in one dataset."""

from django.db.models import Count, F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe
from django_tables2 import RequestConfig

from breaches.derived import IncidentCounts, counted_by_dataset
from breaches.imports.reference import Reference, name_key
from breaches.models import Dataset, EnforcementAction, Figure, Force, Return, Source
from breaches.published import published_via
from breaches.queries import Level, Period, annualised
from breaches.vocabularies import OUTCOME_GROUPS, OUTCOMES, group_of

from .charts.pages import force_charts
from .league.rows import incidents_url, league_periods
from .tables import FigureTable
from .transparency import force_answers

# Annotations over `figures__` join past every manager: they say "published" themselves.
PUBLISHED = published_via("figures")
BREAKDOWN = ("category", "outcome", "role")  # "all" (NULL) first: totals before their parts


@require_safe
def forces(request):
    listed = Force.objects.annotate(
        figures_published=Count("figures", filter=PUBLISHED & Q(figures__count__isnull=False)),
        datasets=Count("figures__dataset", filter=PUBLISHED, distinct=True),
    ).order_by("kind", "name")
    return render(request, "dashboard/forces.html", {"forces": listed})


@require_safe
def force(request, slug):
    force = Force.objects.filter(slug=slug).first()
    if force is None:
        return _other_spelling(request, slug)
    figures = Figure.objects.published().filter(force=force).select_related("dataset", "source")
    totals = _totals_over_time(force)
    table = FigureTable(
        figures.order_by(
            "-dataset__published_on",
            "period_start",
            "period_end",
            *(F(name).asc(nulls_first=True) for name in BREAKDOWN),
        ),
        caption=f"Every published figure for {force.name}",
        exclude=("force",),
    )
    # The "Every figure" headers are sort links: without this, ?sort= changed nothing.
    RequestConfig(request, paginate=False).configure(table)
    return render(
        request,
        "dashboard/force.html",
        {
            "force": force,
            "aliases": force.aliases.all(),
            "table": table,
            "totals": totals,
            "outcomes": _outcome_breakdowns(figures),
            "actions": EnforcementAction.objects.filter(force=force),
            "leagues": _leagues(force),
            "counted": _counted(force),
            "charts": force_charts(force),
            "answers": force_answers(force),
        },
    )


def _other_spelling(request, slug: str):
    """/forces/west-midlands-police/: an official name, short name or alias written as a slug
    is a permanent redirect to the force's page; anything else a 404 naming the forces it
    most resembles (the importer's matcher, breaches/imports/matching.py)."""
    reference = Reference.load()
    spellings = {_slug_key(spelling): known for spelling, known in reference.forces.items()}
    if known := spellings.get(_slug_key(slug)):
        return redirect(reverse("dashboard:force", args=[known]), permanent=True)
    slugs = {name: slug for slug, name in reference.force_names.items()}
    suggestions = [
        {"name": name, "url": reverse("dashboard:force", args=[slugs[name]])}
        for name in reference.nearest_forces(slug.replace("-", " "), limit=5)
    ]
    context = {"missing": f"There is no force at “{slug}”.", "suggestions": suggestions}
    return render(request, "404.html", context, status=404)


def _slug_key(name: str) -> str:
    """A name as a slug writes it: "Avon & Somerset" is avon-somerset, slugify drops the &."""
    return " ".join(word for word in name_key(name).split() if word != "and")


def _counted(force: Force) -> list[dict]:
    """Counts of the force's incident records, each linked to the list that reproduces it."""
    rows = counted_by_dataset(force)
    for row in rows:
        row["url"] = incidents_url(row["dataset"], force.slug, row["period"], Level())
        row["outcomes"] = [
            (OUTCOME_GROUPS.label(code), count, incidents_url(
                row["dataset"], force.slug, row["period"], Level(outcome=code)))
            for code, count in row["outcomes"]
        ]  # fmt: skip
    return rows


def _totals_over_time(force: Force) -> list[dict]:
    """The force's totals (all categories, outcomes, roles), each with its annualised rate."""
    rows = list(
        Figure.objects.published()
        .filter(force=force, category=None, outcome=None, role=None)
        .select_related("dataset", "source")
        .order_by("period_start", "period_end")
    )
    for figure in rows:
        period = Period(figure.period_start, figure.period_end)
        figure.per_year = annualised(figure.count, period)
        figure.period_label = str(period)
    return rows


def _outcome_breakdowns(figures) -> list[dict]:
    """Outcome figures grouped by dataset and period, roles kept apart."""
    groups: dict[tuple, dict] = {}
    for figure in figures.filter(outcome__isnull=False, category=None).order_by(
        "-dataset__published_on", "period_start", "outcome", "role"
    ):
        key = (figure.dataset_id, figure.period_start, figure.period_end)
        group = groups.setdefault(
            key,
            {
                "dataset": figure.dataset,
                "period": Period(figure.period_start, figure.period_end),
                "figures": [],
            },
        )
        group["figures"].append(figure)
    for group in groups.values():  # in vocabulary order: groups, then their outcomes
        group["figures"].sort(key=lambda f: (_outcome_order(f.outcome), f.role or ""))
    return list(groups.values())


def _outcome_order(code: str) -> tuple[int, int]:
    """Groups in vocabulary order, each followed by its detailed outcomes."""
    group = group_of(code) or code
    return OUTCOME_GROUPS.codes.index(group), OUTCOMES.codes.index(code)


def _leagues(force: Force) -> list[dict]:
    """The league tables (dataset and period) in which the force has a row."""
    rows = (
        Figure.objects.published()
        .filter(force=force, category=None, outcome=None, role=None)
        .values("dataset__slug", "dataset__title", "period_start", "period_end")
        .order_by("dataset__slug", "period_start")
        .distinct()
    )
    leagues = [{**row, "period": Period(row["period_start"], row["period_end"])} for row in rows]
    listed = {row["dataset__slug"] for row in leagues}
    for counted in counted_by_dataset(force):  # leagues that count the force's incident records
        if counted["dataset"].slug not in listed:
            leagues.append({
                "dataset__slug": counted["dataset"].slug,
                "dataset__title": counted["dataset"].title,
                "period_start": counted["period"].start,
                "period_end": counted["period"].end,
                "period": counted["period"],
            })  # fmt: skip
    return leagues


@require_safe
def datasets(request):
    listed = Dataset.objects.public().annotate(
        figure_count=Count("figures", filter=PUBLISHED),
        forces_with_figures=Count(
            "figures__force", filter=PUBLISHED & Q(figures__count__isnull=False), distinct=True
        ),
    )
    return render(request, "dashboard/datasets.html", {"datasets": listed})


def dataset_sources(dataset: Dataset):
    """Every source the dataset's figures were read from, each with how many forces' figures
    it gave (a dataset gathered from several publications names them all)."""
    return (
        Source.objects.filter(published_via("figures"), figures__dataset=dataset)
        .annotate(forces=Count("figures__force", distinct=True))
        .order_by("-forces", "title")
    )


@require_safe
def dataset(request, slug):
    dataset = get_object_or_404(Dataset.objects.public(), slug=slug)
    figures = Figure.objects.published().for_dataset(dataset)
    disclosed = Force.objects.with_published_figures(dataset=dataset, count__isnull=False)
    withheld = Return.objects.filter(dataset=dataset).exclude(status="disclosed")
    withheld = withheld.select_related("force")
    covered = set(figures.by_force().values_list("force", flat=True))
    whole = Period(dataset.period_start, dataset.period_end)
    incident_counts = IncidentCounts(dataset)
    counted = incident_counts.by_force(whole, Level())
    counted_rows = [
        {"force": force, "count": counted[force.pk],
         "url": incidents_url(dataset, force.slug, whole, Level())}
        for force in Force.objects.filter(pk__in=counted)
    ]  # fmt: skip
    return render(
        request,
        "dashboard/dataset.html",
        {
            "dataset": dataset,
            "periods": league_periods(dataset),
            "sources": dataset_sources(dataset),
            "national": figures.national()
            .select_related("source")
            .order_by("period_start", *(F(f).asc(nulls_first=True) for f in BREAKDOWN)),
            "disclosed": disclosed,
            "withheld": withheld,
            "no_figure": Force.objects.exclude(pk__in=covered | set(counted)),
            "counted": counted_rows,
            "counts_complete": incident_counts.complete_forces(),
            "incident_count": incident_counts.listed(),
        },
    )
