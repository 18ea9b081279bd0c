"""/transparency/ and the force page's answers, against the answers the fixtures hold."""

import json
from collections import Counter

import pytest
from bs4 import BeautifulSoup

from breaches.models import Dataset, Force, Return
from tests import fixture_files

pytestmark = pytest.mark.django_db
UNANSWERED = ("refused", "not-disclosed", "no-response")


def export(client, query):
    response = client.get(f"/transparency/?{query}")
    assert response.status_code == 200
    return json.loads(response.content)["rows"]


def expected_counts() -> dict[str, Counter]:
    """Force slug -> how many public datasets it answered with each status ('no-figure' for
    none), from the fixture files alone."""
    answers = fixture_files.answers()
    datasets = [row["slug"] for row in fixture_files.rows("datasets.csv")]
    counts = {}
    for force in fixture_files.rows("forces.csv"):
        counts[force["slug"]] = Counter(
            answers.get((dataset, force["slug"]), "no-figure") for dataset in datasets
        )
    return counts


def test_counts_per_force_match_the_fixtures(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        rows = export(client, "_export=json")
    expected = expected_counts()
    assert {row["force_code"] for row in rows} == set(expected)
    for row in rows:
        tally = expected[row["force_code"]]
        for status in ("disclosed", "refused", "not-disclosed", "no-response", "not-held"):
            assert row[status] == tally[status], (row["force_code"], status)
        assert row["no-figure"] == tally["no-figure"]
        assert row["unanswered"] == sum(tally[s] for s in UNANSWERED)
    # Most unanswered first by default.
    unanswered = [row["unanswered"] for row in rows]
    assert unanswered == sorted(unanswered, reverse=True)
    assert unanswered[0] > 0


def test_every_answer_exported_with_where_it_was_read(client):
    rows = export(client, "_export=json&rows=answers")
    answers = fixture_files.answers()
    datasets = fixture_files.rows("datasets.csv")
    assert len(rows) == len(datasets) * len(fixture_files.rows("forces.csv"))
    for row in rows:
        assert row["status"] == answers.get((row["dataset"], row["force_code"]), "no-figure")
    sources = {
        (row["dataset"], fixture_files.force_slug(row["force"]), row["source_url"])
        for row in fixture_files.figures()
        if row["force"]
    }
    for row in rows:
        if row["source_url"]:
            assert (row["dataset"], row["force_code"], row["source_url"]) in sources
            assert row["evidence_url"] == row["source_url"]
        elif row["status"] == "no-figure":
            assert row["evidence_url"] == f"/datasets/{row['dataset']}/#coverage"


def test_page_lists_each_answer_that_was_not_a_disclosure_linked_to_its_source(client):
    page = BeautifulSoup(client.get("/transparency/").content, "html.parser")
    listed = {
        (row["data-dataset"], row["data-force"]): row
        for row in page.select("table.withheld-answers tbody tr")
    }
    expected = {
        pair: status for pair, status in fixture_files.answers().items() if status != "disclosed"
    }
    assert set(listed) == set(expected)
    for pair, row in listed.items():
        assert row["data-status"] == expected[pair]
        link = row.select_one("a.answer-status")["href"]
        assert link in {
            source["source_url"]
            for source in fixture_files.figures(pair[0])
            if source["force"] and fixture_files.force_slug(source["force"]) == pair[1]
        }


def test_sorting_by_a_column(client):
    rows = export(client, "_export=json&sort=-not_held")
    held = [row["not-held"] for row in rows]
    assert held == sorted(held, reverse=True)
    assert held[0] > 0
    names = [row["force"] for row in export(client, "_export=json&sort=force")]
    assert names == sorted(names)


@pytest.mark.parametrize(
    ("query", "named"),
    [("sort=bogus", "sort"), ("rows=everything", "rows"), ("_export=pdf", "_export")],
)
def test_bad_input_is_named_and_changes_nothing(client, query, named):
    before = list(Return.objects.values_list("pk", "status").order_by("pk"))
    response = client.get(f"/transparency/?{query}")
    assert response.status_code == 400
    problems = [li.get_text() for li in BeautifulSoup(response.content, "html.parser").select("li")]
    assert any(problem.startswith(f"{named}:") for problem in problems)
    assert list(Return.objects.values_list("pk", "status").order_by("pk")) == before


def test_a_refusal_shows_its_foia_section_escaped(client):
    answer = Return.objects.get(dataset__slug="bbw-2011", force__slug="dyfed-powys")
    answer.status, answer.foia_section = "refused", "<b>s.31</b>"
    answer.save()
    response = client.get("/transparency/")
    assert b"<b>s.31</b>" not in response.content
    row = BeautifulSoup(response.content, "html.parser").select_one(
        'tr[data-force="dyfed-powys"][data-dataset="bbw-2011"]'
    )
    assert row.select_one("a.answer-status").get_text() == "Refused (<b>s.31</b>)"
    counts = {row["force_code"]: row for row in export(client, "_export=json")}
    assert counts["dyfed-powys"]["refused"] == 1


def test_synthetic_datasets_are_never_listed(client):
    synthetic = Dataset.objects.create(
        slug="synthetic-answers", title="Synthetic", publisher="bench", published_on="2030-01-01",
        period_start="2029-01-01", period_end="2029-12-31", unit="breaches",
        definition="generated", url="https://example.org/", synthetic=True,
    )  # fmt: skip
    Return.objects.create(dataset=synthetic, force=Force.objects.first(), status="refused")
    rows = export(client, "_export=json&rows=answers")
    assert "synthetic-answers" not in {row["dataset"] for row in rows}
    assert b"synthetic-answers" not in client.get("/transparency/").content


def test_force_page_gives_its_answer_to_every_dataset(client):
    page = BeautifulSoup(client.get("/forces/dyfed-powys/").content, "html.parser")
    rows = page.select("table.force-answers tbody tr")
    answers = fixture_files.answers()
    datasets = {row["slug"] for row in fixture_files.rows("datasets.csv")}
    assert {row["data-dataset"] for row in rows} == datasets
    for row in rows:
        assert row["data-status"] == answers.get((row["data-dataset"], "dyfed-powys"), "no-figure")
    unanswered = sum(answers.get((d, "dyfed-powys")) in UNANSWERED for d in datasets)
    assert f"did not answer {unanswered} of the {len(datasets)} datasets" in page.get_text()
