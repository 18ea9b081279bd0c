"""No public URL shows a withdrawn figure or incident.

Figures and incidents with conspicuous values are imported through the real importer, and
their batches retracted; then examples of every public URL pattern are requested (pages,
downloads in every format, charts and pinned charts) and none may show them. The patterns
are read from the URLconf: a pattern added later without an example here fails the test.
"""

import io
import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import load_workbook

from breaches.imports.pipeline import import_file
from breaches.imports.retraction import retract_batch
from breaches.models import Figure, Incident
from breaches.vocabularies import CATEGORIES
from dashboard.charts.state import CHARTS
from tests import fixture_files

pytestmark = pytest.mark.django_db

# The featured dataset (home page), and a dataset read from a force's case list.
DATASETS = ("bbw-2016", "northumbria-foi-183-20")
COUNT = 987654
NOTE = "WITHDRAWN CANARY note"
SOURCE = "Withdrawn canary source"
SUMMARY = "WITHDRAWN CANARY incident"
FIGURE_HEADER = (
    "dataset,force,period_start,period_end,category,outcome,role,count,source_title,note\n"
)
INCIDENT_HEADER = "dataset,force,reference,occurred_on,summary\n"
# Patterns that answer something other than a page or a download of rows.
NOT_ROWS = {
    "dashboard:pinned-image": "a PNG: it draws the pinned rows, already checked",
    "dashboard:favicon": "the site's icon",
}
# Pages with the change log (breaches/changes.py), which says that a figure was withdrawn,
# naming its source and note but never its value: there only the values are looked for.
CHANGE_LOG = {"dashboard:force", "dashboard:feed", "dashboard:force-feed"}


def canary_force(dataset: str) -> str:
    """A force with no figure and no incident record in the dataset."""
    taken = fixture_files.forces_with_a_figure(dataset) | {
        fixture_files.force_slug(row["force"])
        for row in fixture_files.rows("incidents.csv")
        if row["dataset"] == dataset
    }
    return sorted(f["slug"] for f in fixture_files.rows("forces.csv") if f["slug"] not in taken)[0]


def default_period(dataset: str) -> tuple:
    """The period a dataset's league opens on: the commonest among its force figures, or
    else (a dataset of incident records only) its whole period."""
    periods = fixture_files.forces_per_period(dataset)
    if periods:
        return periods.most_common(1)[0][0]
    row = next(row for row in fixture_files.rows("datasets.csv") if row["slug"] == dataset)
    return row["period_start"], row["period_end"]


def unused_category(dataset: str) -> str:
    used = {row["category"] for row in fixture_files.figures(dataset)}
    return next(code for code in CATEGORIES.codes if code not in used)


def load_and_retract(content: str, name: str) -> None:
    validation, result = import_file(content.encode(), name)
    assert validation.ok, validation.errors
    retract_batch(result.batch.pk)


@pytest.fixture
def withdrawn():
    """Per dataset: a force figure and a national figure in its commonest period, and an
    incident record, each for a force or category with nothing else there; all withdrawn."""
    figures, incidents = FIGURE_HEADER, INCIDENT_HEADER
    for dataset in DATASETS:
        start, end = default_period(dataset)
        name = fixture_files.force_name(canary_force(dataset))
        for force, category in ((name, ""), ("", unused_category(dataset))):
            figures += f'{dataset},{force},{start},{end},{category},,,{COUNT},{SOURCE},"{NOTE}"\n'
        incidents += f"{dataset},{name},CANARY-{dataset},{start},{SUMMARY}\n"
    load_and_retract(figures, "canary-figures.csv")
    load_and_retract(incidents, "canary-incidents.csv")
    assert Figure.objects.withdrawn().filter(count=COUNT).count() == 2 * len(DATASETS)
    assert Incident.objects.withdrawn().filter(summary=SUMMARY).count() == len(DATASETS)
    assert not Figure.objects.published().filter(count=COUNT).exists()


def public_patterns() -> list[str]:
    """Every named URL pattern outside the admin, as "namespace:name"."""
    names = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    inner = pattern.namespace or namespace
                    walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                name = pattern.name or str(pattern.pattern)
                names.append(f"{namespace}:{name}" if namespace else name)

    walk(get_resolver().url_patterns, "")
    return names


def examples(client) -> dict[str, list[str]]:
    """Example URLs of each public pattern, reaching the withdrawn rows' datasets and forces."""
    pins = [
        client.post("/charts/pin", {"v": "1", "chart": chart, "dataset": dataset})["Location"]
        for dataset in DATASETS
        for chart in CHARTS
        if chart != "trend"
    ]
    pins.append(
        client.post(
            "/charts/pin", {"v": "1", "chart": "trend", "forces": canary_force(DATASETS[0])}
        )["Location"]
    )
    exports = ("", "&_export=csv", "&_export=xlsx", "&_export=json")
    chart_queries = [
        f"v=1&chart={chart}&dataset={dataset}" for dataset in DATASETS for chart in CHARTS
    ] + [f"v=1&chart=trend&forces={canary_force(d)}" for d in DATASETS]
    return {
        "dashboard:home": ["/"],
        "dashboard:league": [f"/league/?dataset={d}{e}" for d in DATASETS for e in exports],
        "dashboard:forces": ["/forces/"],
        "dashboard:force": [f"/forces/{canary_force(d)}/" for d in DATASETS],
        "dashboard:datasets": ["/datasets/"],
        "dashboard:dataset": [f"/datasets/{d}/" for d in DATASETS],
        "dashboard:figures": [f"/figures/?dataset={d}{e}" for d in DATASETS for e in exports]
        + [f"/figures/?force={canary_force(d)}" for d in DATASETS],
        "dashboard:incidents": [f"/incidents/?dataset={d}{e}" for d in DATASETS for e in exports]
        + ["/incidents/?q=canary"],
        "dashboard:about": ["/about/"],
        "dashboard:about-data": ["/about/data/"],
        "dashboard:feed": ["/feed/"],
        "dashboard:favicon": ["/favicon.ico"],
        "dashboard:force-feed": [f"/forces/{canary_force(d)}/feed/" for d in DATASETS],
        "dashboard:transparency": ["/transparency/"],
        "dashboard:healthz": ["/healthz"],
        "dashboard:charts": [f"/charts/?{q}" for q in chart_queries],
        "dashboard:chart-json": [f"/charts/data.json?{q}" for q in chart_queries],
        "dashboard:chart-csv": [f"/charts/data.csv?{q}" for q in chart_queries],
        "dashboard:chart-embed": [f"/charts/embed/?{q}" for q in chart_queries],
        "dashboard:chart-pin": pins,  # POSTed above; the pinned pages below read them
        "dashboard:pinned": pins,
        "dashboard:pinned-embed": [f"{pin}embed/" for pin in pins],
        "dashboard:pinned-image": [f"{pin}image.png" for pin in pins],
        "dashboard:pinned-json": [f"{pin}data.json" for pin in pins],
        "dashboard:pinned-csv": [f"{pin}data.csv" for pin in pins],
        "dashboard:pinned-live": [f"{pin}live.json" for pin in pins],
    }


def body_text(response) -> str:
    """What a reader of the response can see: the text of a page or of a download."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        workbook = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    text = content.decode("utf-8")
    if response["Content-Type"].startswith("application/json"):
        json.loads(text)  # a download that is not JSON would hide nothing
    return text


def test_no_public_url_shows_a_withdrawn_figure_or_incident(
    client, withdrawn, settings, monkeypatch
):
    settings.EXPORT_RATE_LIMIT = settings.PIN_RATE_LIMIT = (10_000, 600)
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")  # no pin images: not rows
    values = [str(COUNT), f"{COUNT:,}", SUMMARY, "CANARY-"]
    canaries = [*values, NOTE, SOURCE]
    for dataset in DATASETS:
        link = f"dataset={dataset}&force={canary_force(dataset)}"  # a count of its records
        canaries += [link, link.replace("&", "&amp;")]
    urls_of = examples(client)
    missing = set(public_patterns()) - set(urls_of)
    assert not missing, f"add examples of {sorted(missing)} to examples() in this file"
    requested = 0
    for name, urls in urls_of.items():
        assert urls, name
        for url in urls:
            response = client.get(url, follow=True)  # a chart state is made canonical
            assert response.status_code == 200, (url, response.status_code)
            requested += 1
            if name in NOT_ROWS:
                assert response["Content-Type"].startswith("image/"), url
                continue
            text = body_text(response)
            looked_for = values if name in CHANGE_LOG else canaries
            shown = [canary for canary in looked_for if canary in text]
            assert not shown, (url, shown)
    assert requested > len(public_patterns())
    # The same pages do show such rows once they are published again: the check can fail.
    Figure.objects.withdrawn().filter(count=COUNT).update(retracted_by=None)
    league = body_text(client.get(f"/league/?dataset={DATASETS[0]}&_export=json"))
    assert str(COUNT) in league
    assert NOTE in league
    Incident.objects.withdrawn().filter(summary=SUMMARY).update(retracted_by=None)
    assert SUMMARY in body_text(client.get(f"/incidents/?dataset={DATASETS[0]}"))
