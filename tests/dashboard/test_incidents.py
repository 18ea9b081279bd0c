"""/incidents/: facets, keyset pages, search on the stored vector, streamed downloads."""

import csv
import datetime as dt
import io
import json
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from breaches.imports.counting import add_to_counts, remove_from_counts
from breaches.models import Dataset, Force, ImportBatch, Incident, Outcome
from dashboard import exports
from dashboard.incidents.facets import incident_facets
from tests import fixture_files

FORCES = ["kent", "surrey", "west-midlands"]
CATEGORIES = ["unauthorised-access", "pnc-misuse", None]
ROLES = ["officer", "staff", "pcso", None]
OUTCOMES = [["dismissed"], ["warning", "dismissed"], ["management-action"], []]
IDS = "SELECT id FROM breaches_incident WHERE id = ANY(%s)"


@pytest.fixture(autouse=True)
def fresh_facet_cache():
    """Facet counts are cached by data version, which a rolled-back test does not move."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def make_incidents(n=60, *, dataset="pa-2014", prefix="T"):
    """n incidents over three forces, mixed categories, roles, outcomes and years."""
    data = Dataset.objects.get(slug=dataset)
    forces = {force.slug: force for force in Force.objects.filter(slug__in=FORCES)}
    incidents = Incident.objects.bulk_create(
        Incident(
            dataset=data,
            force=forces[FORCES[(i * i) % 3]],  # uneven: Kent a third, Surrey the rest
            reference=f"{prefix}-{i:04d}",
            occurred_on=None if i % 11 == 0 else dt.date(2015 + i % 4, 1 + i % 12, 1),
            category=CATEGORIES[i % 3],
            role=ROLES[i % 4],
            summary=f"Officer looked up a neighbour's record on the computer, case {i}.",
        )
        for i in range(n)
    )
    Outcome.objects.bulk_create(
        Outcome(incident=incident, outcome=code)
        for i, incident in enumerate(incidents)
        for code in OUTCOMES[i % 4]
    )
    # Written around the importer, so counted as it would count them: facets read the cells.
    add_to_counts(IDS, [[incident.pk for incident in incidents]])
    return incidents


def page_of(response):
    return BeautifulSoup(response.content, "html.parser")


def references(page) -> list[str]:
    rows = page.select("table.incidents tbody tr th")  # the empty list's row has no header
    return [row.get_text(strip=True) for row in rows]


def facets_on(page) -> dict[str, list[tuple[str, int, str | None]]]:
    """Facet name -> [(label, count, link)] as the page shows them; a selected value's link
    removes it, so it is given as None."""
    facets = {}
    for section in page.select("section.facet"):
        facets[section["data-facet"]] = [
            (
                item.select_one(".label").get_text(strip=True),
                int(item.select_one(".count").get_text(strip=True).replace(",", "")),
                item.a["href"] if item.a and "selected" not in item.get("class", []) else None,
            )
            for item in section.select("li")
        ]
    return facets


def walk(client, url):
    """Every reference on every page, following Next links from `url`."""
    seen = []
    while url:
        page = page_of(client.get(url))
        seen += references(page)
        link = page.select_one("a[rel=next]")
        url = f"/incidents/{link['href']}" if link else None
    return seen


def rows_of_csv(response) -> list[dict]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def rows_of_json(response) -> dict:
    assert response.streaming
    return json.loads(b"".join(response.streaming_content))


@pytest.mark.django_db
def test_facet_numbers_equal_the_filtered_lists_count(client):
    make_incidents(60)
    page = page_of(client.get("/incidents/?dataset=pa-2014&category=unauthorised-access"))
    facets = facets_on(page)
    forces = {label: count for label, count, _ in facets["force"]}
    # 20 unauthorised-access rows (i % 3 == 0), all on Kent: (i * i) % 3 == 0 for those i.
    assert forces == {"Kent Police": 20}
    assert "20 incidents match" in page.get_text(" ", strip=True)
    checked = 0
    for name, items in facets.items():
        for label, count, link in items:
            if link is None or name == "force":
                continue
            listed = walk(client, link + "&per_page=200")
            assert len(listed) == count, (name, label)
            checked += 1
    assert checked >= 8
    # Blank buckets make the force, category, role and year facets add up to the list.
    for name in ("force", "category", "role", "year"):
        assert sum(count for _, count, _ in facets[name]) == 20, name
    outcome = {label: count for label, count, _ in facets["outcome"]}
    # Incidents 0, 12, 24, 36, 48 (dismissed) and 9, 21, 33, 45, 57 (warning then dismissed):
    # the second group counts each incident once, though it reached two outcomes.
    assert outcome["Resigned or dismissed"] == 10
    assert outcome["Disciplinary action"] == 5


@pytest.mark.django_db
def test_facet_links_add_a_filter_and_the_selected_one_removes_it(client):
    make_incidents(30)
    page = page_of(client.get("/incidents/?role=staff"))
    kent = next(item for item in facets_on(page)["force"] if item[0] == "Kent Police")
    assert parse_qs(urlsplit(kent[2]).query) == {"role": ["staff"], "force": ["kent"]}
    narrowed = page_of(client.get(kent[2]))
    chips = [li.get_text(" ", strip=True) for li in narrowed.select(".active-filters li")]
    assert chips == ["Force: Kent Police ×", "Role: Police staff ×"]
    assert facets_on(narrowed)["force"] == [("Kent Police", 2, None)]  # i = 9, 21
    selected = narrowed.select_one("section[data-facet=force] li.selected a")
    assert parse_qs(urlsplit(selected["href"]).query) == {"role": ["staff"]}


@pytest.mark.django_db
def test_facets_are_one_group_by_each(django_assert_num_queries):
    make_incidents(30)
    queryset = Incident.objects.filter(role="officer")
    with django_assert_num_queries(6):  # five GROUP BYs and the forces' names
        facets = incident_facets(queryset)
    assert sum(item["count"] for item in facets["force"]) == queryset.count()


@pytest.mark.django_db
def test_cached_facets_follow_a_retraction(client):
    incidents = make_incidents(6)
    before = facets_on(page_of(client.get("/incidents/?dataset=pa-2014")))["force"]
    assert before == [("Surrey Police", 4, "/incidents/?dataset=pa-2014&force=surrey"),
                      ("Kent Police", 2, "/incidents/?dataset=pa-2014&force=kent")]  # fmt: skip
    retraction = ImportBatch.objects.create(kind="retraction", file_name="t", sha256="0" * 64)
    remove_from_counts(IDS, [[incidents[0].pk]])  # as retraction.py does
    Incident.objects.filter(pk=incidents[0].pk).update(retracted_by=retraction)  # Kent
    after = facets_on(page_of(client.get("/incidents/?dataset=pa-2014")))["force"]
    assert [count for _, count, _ in after] == [4, 1]


@pytest.mark.django_db
def test_json_export_carries_the_facets(client):
    make_incidents(30)
    data = rows_of_json(client.get("/incidents/?dataset=pa-2014&_export=json"))
    assert len(data["rows"]) == 30
    counts = {item["value"]: item["count"] for item in data["facets"]["force"]}
    assert counts == {"kent": 10, "surrey": 20}
    assert data["facets"]["year"][0] == {
        "value": 2018,
        "label": "2018",
        "count": 6,  # i % 4 == 3 below 30, less the undated 11
        "url": "/incidents/?dataset=pa-2014&year=2018",
        "selected": False,
    }


@pytest.mark.django_db
def test_streamed_exports_equal_the_lists_rows_in_order(client):
    make_incidents(130)
    url = "/incidents/?dataset=pa-2014&role=officer"
    listed = walk(client, url)
    assert len(listed) == 33
    assert len(set(listed)) == 33
    csv_rows = rows_of_csv(client.get(url + "&_export=csv"))
    assert [row["reference"] for row in csv_rows] == listed
    json_rows = rows_of_json(client.get(url + "&_export=json"))["rows"]
    assert [row["reference"] for row in json_rows] == listed
    # Outcomes in the order they were decided, as the page lists them.
    by_reference = {row["reference"]: row for row in json_rows}
    assert by_reference["T-0004"]["outcomes"] == "dismissed"
    assert by_reference["T-0000"]["outcomes"] == "dismissed"
    assert csv_rows[0]["occurred_on"] == ""  # T-0000 is undated


@pytest.mark.django_db
def test_exports_neutralise_formulas_and_skip_withdrawn_incidents(client):
    incidents = make_incidents(5)
    Incident.objects.filter(pk=incidents[0].pk).update(summary='=HYPERLINK("http://x")')
    retraction = ImportBatch.objects.create(kind="retraction", file_name="t", sha256="0" * 64)
    remove_from_counts(IDS, [[incidents[1].pk]])
    Incident.objects.filter(pk=incidents[1].pk).update(retracted_by=retraction)
    rows = rows_of_csv(client.get("/incidents/?dataset=pa-2014&_export=csv"))
    rows.sort(key=lambda row: row["reference"])
    assert sorted(row["reference"] for row in rows) == ["T-0000", "T-0002", "T-0003", "T-0004"]
    assert rows[0]["summary"] == '\'=HYPERLINK("http://x")'
    page = page_of(client.get("/incidents/?dataset=pa-2014"))
    assert "T-0001" not in references(page)
    assert sum(count for _, count, _ in facets_on(page)["force"]) == 4


@pytest.mark.django_db
def test_xlsx_is_written_row_by_row_and_refused_over_the_sheet_limit(client, monkeypatch):
    from django.conf import settings
    from openpyxl import load_workbook

    # By default an Excel download holds all a sheet holds: 1,048,576 rows, one the header.
    assert settings.XLSX_EXPORT_MAX_ROWS == exports.XLSX_MAX_ROWS == 1_048_575
    make_incidents(12)
    response = client.get("/incidents/?dataset=pa-2014&_export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    assert sheet.max_row == 13  # header and twelve rows
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 11)  # as if the sheet held 11 rows
    response = client.get("/incidents/?dataset=pa-2014&_export=xlsx")
    assert response.status_code == 400
    text = response.content.decode()
    assert "_export: more than 11 incidents match, more than an Excel sheet holds" in text
    assert "download CSV or JSON" in text


@pytest.mark.django_db
def test_xlsx_site_limit_below_the_sheets(client, settings):
    make_incidents(12)
    settings.XLSX_EXPORT_MAX_ROWS = 12
    assert client.get("/incidents/?dataset=pa-2014&_export=xlsx").status_code == 200
    settings.XLSX_EXPORT_MAX_ROWS = 10
    response = client.get("/incidents/?dataset=pa-2014&_export=xlsx")
    assert response.status_code == 400
    text = response.content.decode()
    assert "more than 10 incidents match, more than this site builds as an Excel file" in text
    assert "(a sheet holds 1,048,575)" in text


@pytest.mark.django_db
def test_search_reads_the_stored_vector(client):
    make_incidents(5)
    Incident.objects.filter(reference="T-0002").update(summary="Disclosed a victim's address.")
    with CaptureQueriesContext(connection) as queries:
        page = page_of(client.get("/incidents/?q=disclosing+victims"))  # stemmed words
    assert references(page) == ["T-0002"]
    searches = [q["sql"] for q in queries if "@@" in q["sql"]]
    assert searches
    assert all('"breaches_incident"."search" @@' in sql for sql in searches)
    assert not any("to_tsvector" in q["sql"] for q in queries)
    # websearch syntax: a quoted phrase and an excluded word.
    found = references(page_of(client.get('/incidents/?q="on the computer" -3')))
    assert sorted(found) == ["T-0000", "T-0001", "T-0004"]


@pytest.mark.django_db
def test_keyset_pages_last_page_and_old_numbered_links(client):
    make_incidents(120)
    every = walk(client, "/incidents/?dataset=pa-2014&per_page=50")
    assert len(every) == 120
    assert len(set(every)) == 120
    last = page_of(client.get("/incidents/?dataset=pa-2014&per_page=50&page=last"))
    # Keyset pages are counted from the end going back: the last page is the last 50.
    assert references(last) == every[-50:]
    assert last.select_one("a[rel=next]") is None
    back = last.select_one("a[rel=prev]")["href"]
    assert references(page_of(client.get(f"/incidents/{back}"))) == every[-100:-50]
    numbered = page_of(client.get("/incidents/?dataset=pa-2014&per_page=50&page=2"))
    assert references(numbered) == every[50:100]


@pytest.mark.django_db
def test_numbered_pages_skip_keys_not_rows(client):
    make_incidents(120)
    every = walk(client, "/incidents/?dataset=pa-2014&per_page=25")
    with CaptureQueriesContext(connection) as captured:
        third = page_of(client.get("/incidents/?dataset=pa-2014&per_page=25&page=3"))
    assert references(third) == every[50:75]
    assert third.select_one("a[rel=next]") is not None
    # The 50 rows before the page are skipped reading their keys alone (an index-only
    # scan); whole rows are read from the page's first key on.
    skipping = [q["sql"] for q in captured if "OFFSET 50" in q["sql"]]
    assert len(skipping) == 1
    assert '"breaches_incident"."summary"' not in skipping[0]
    fifth = page_of(client.get("/incidents/?dataset=pa-2014&per_page=25&page=5"))
    assert references(fifth) == every[100:120]
    assert fifth.select_one("a[rel=next]") is None
    beyond = page_of(client.get("/incidents/?dataset=pa-2014&per_page=25&page=9"))
    assert references(beyond) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("after=not-a-key", "after: not a position in this list"),
        ("before=" + "A" * 700, "before: not a position in this list"),
        ("page=5000", "page: pages past 1,000"),
        ("page=0", "page: use a page number of at least 1"),
        ("year=nineteen", "year:"),
        ("year=1066", "year:"),
        ("outcome=sacked", "outcome:"),
        ("per_page=500", "per_page: at most 200"),
        ("_export=pdf", "_export: use csv, xlsx or json"),
        ("after=WzEsMiwiYSJd&before=WzEsMiwiYSJd", "before: use only one of after and before"),
    ],
)
def test_bad_input_is_named(client, query, named):
    response = client.get(f"/incidents/?{query}")
    assert response.status_code == 400
    assert named in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_keyset_pages_neither_skip_nor_repeat_while_another_import_commits(client):
    from breaches.imports.pipeline import import_file
    from tests.conftest import load_reference_data

    load_reference_data()
    header = "dataset,force,reference,occurred_on,category,role,outcome,outcome_date,summary\n"

    def incidents_file(refs):
        lines = [f"pa-2014,{force},{ref},2019-05-01,,,,,Test." for force, ref in refs]
        return (header + "\n".join(lines) + "\n").encode()

    def load(refs):
        validation, result = import_file(incidents_file(refs), "incidents.csv")
        assert result is not None, validation

    first = [("Kent Police", f"M-{i:03d}") for i in range(60)]
    first += [("Surrey Police", f"M-{i:03d}") for i in range(60, 120)]
    load(first)
    url = "/incidents/?dataset=pa-2014&per_page=25"
    page = page_of(client.get(url))
    seen = references(page)
    # Committed between two pages: rows before and after the boundary, for both forces.
    load([("Kent Police", "A-1"), ("Kent Police", "Z-1"), ("Surrey Police", "A-2")])
    # And one committing while later pages are read.
    started = threading.Event()

    def import_meanwhile():
        try:
            started.set()
            load([("Kent Police", f"B-{i}") for i in range(5)] + [("Surrey Police", "N-1")])
        finally:
            connection.close()

    thread = threading.Thread(target=import_meanwhile)
    thread.start()
    started.wait()
    seen += walk(client, f"/incidents/{page.select_one('a[rel=next]')['href']}")
    thread.join()
    assert len(seen) == len(set(seen)), "a row repeated"
    original = {ref for _, ref in first}
    assert original <= set(seen), "a row was skipped"


@pytest.mark.django_db
def test_a_page_is_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    make_incidents(120)
    # Session, version, the page (and its prefetches), five facets, force names, choices.
    with django_assert_max_num_queries(16):
        page = page_of(client.get("/incidents/?category=pnc-misuse&per_page=10"))
    assert len(references(page)) == 10
    with django_assert_max_num_queries(10):  # facets now cached
        client.get("/incidents/?category=pnc-misuse&per_page=10&after=" + "WzEsMSwiQSJd")


@pytest.mark.django_db
def test_every_incident_row_and_export_row_links_to_where_it_was_read(client):
    publications = {row["slug"]: row for row in fixture_files.rows("datasets.csv")}
    listed = fixture_files.rows("incidents.csv")
    page = page_of(client.get("/incidents/?per_page=100"))
    rows = page.select("table.incidents tbody tr")
    assert len(rows) == len(listed)
    for row in rows:
        dataset = publications[row.select_one("td a").get_text()]
        link = row.select_one("td:last-child a")
        assert (link["href"], link.get_text()) == (dataset["url"], dataset["publisher"])
    for response in (
        client.get("/incidents/?_export=csv"),
        client.get("/incidents/?_export=json"),
    ):
        exported = (
            rows_of_csv(response) if "csv" in response["Content-Type"]
            else rows_of_json(response)["rows"]
        )  # fmt: skip
        assert len(exported) == len(listed)
        for row in exported:
            dataset = publications[row["dataset"]]
            source_url = row.get("source URL", row.get("source_url"))
            assert source_url == dataset["url"]
