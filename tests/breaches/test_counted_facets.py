"""Facets read from the counted cells equal facets counted from the incident rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from breaches.counted_facets import CellFilters
from breaches.models import Dataset, Force, Incident
from breaches.queries import Level
from dashboard.filters import IncidentFilter
from dashboard.incidents.facets import FACETS, facet_counts
from tests.dashboard.test_counted import CASES, case_list  # noqa: F401 (a fixture)
from tests.dashboard.test_incidents import make_incidents

# Filter sets the cells hold (each also as the list's query string).
HELD = [
    {},
    {"dataset": "pa-2014"},
    {"force": "surrey"},
    {"category": "unauthorised-access"},
    {"role": "officer"},
    {"outcome": "resigned-or-dismissed"},  # a group: any of its outcomes
    {"outcome": "warning"},  # a detailed outcome
    {"category": "pnc-misuse", "role": "staff"},  # two dimensions: years from the rows
    {"dataset": "pa-2014", "force": "kent", "category": "unauthorised-access"},
]


def _cells_for(params: dict) -> CellFilters:
    datasets = Dataset.objects.all()
    if "dataset" in params:
        datasets = datasets.filter(slug=params["dataset"])
    force = Force.objects.get(slug=params["force"]) if "force" in params else None
    return CellFilters(
        dataset_ids=list(datasets.values_list("pk", flat=True)),
        force_id=force.pk if force else None,
        level=Level(params.get("category"), params.get("outcome"), params.get("role")),
    )


def _incident_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if 'FROM "breaches_incident"' in q["sql"]]


@pytest.mark.django_db
@pytest.mark.parametrize("params", HELD, ids=lambda p: "&".join(map("=".join, p.items())) or "none")
def test_counted_facets_equal_row_counted_facets(params):
    make_incidents(60)  # beside the fixtures' incident records, in several datasets
    queryset = IncidentFilter(params, queryset=Incident.objects.all()).qs
    cells = _cells_for(params)
    from_rows = facet_counts(queryset)
    with CaptureQueriesContext(connection) as captured:
        from_cells = facet_counts(queryset, cells=cells)
    assert from_cells == from_rows
    assert sum(count for _, count in from_cells["force"]) == queryset.count()
    # The rows are read only for what cells cannot hold: the outcome facet under an outcome
    # filter, and years under two dimensions.
    row_counted = (cells.level.outcome is not None) + (cells.dimensions() > 1)
    assert len(_incident_queries(captured)) == row_counted
    assert cells.held() | {"outcome", "year"} == set(FACETS)


@pytest.mark.django_db
def test_counted_facets_follow_an_import_and_its_retraction(case_list):  # noqa: F811
    from breaches.imports.retraction import retract_batch
    from breaches.models import ImportBatch

    everything = Incident.objects.published()
    listed = facet_counts(everything, cells=_cells_for({}))
    assert listed == facet_counts(everything)
    in_case_list = facet_counts(everything, cells=_cells_for({"dataset": case_list.slug}))
    assert sum(count for _, count in in_case_list["force"]) == len(CASES)
    batch = ImportBatch.objects.filter(incidents__dataset=case_list, kind="incidents").distinct()
    retract_batch(batch.get().pk)
    withdrawn = facet_counts(everything, cells=_cells_for({}))
    assert withdrawn == facet_counts(everything)
    assert sum(n for _, n in withdrawn["force"]) == sum(n for _, n in listed["force"]) - len(CASES)
