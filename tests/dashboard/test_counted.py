"""Derived figures on the public pages: a case list counts in the league, on force and dataset
pages, in charts and in exports, always as a count of incident records with a link to them."""

import csv
import datetime as dt
import io
import json

import pytest
from bs4 import BeautifulSoup

from breaches.imports.pipeline import import_file
from breaches.imports.validation import INCIDENT_COLUMNS
from breaches.models import Dataset, Return
from breaches.vocabularies import group_of
from tests import fixture_files
from tests.dashboard.test_views import league_rows

pytestmark = pytest.mark.django_db

# (force, reference, occurred on, category, role, outcomes)
CASES = [
    ("kent", "k1", "2019-01-10", "unauthorised-access", "officer", "dismissed"),
    ("kent", "k2", "2019-01-22", "unauthorised-access", "staff", "warning"),
    ("kent", "k3", "2019-06-03", "third-party-disclosure", "officer", "resigned;dismissed"),
    ("kent", "k4", "", "", "", ""),
    ("surrey", "s1", "2019-02-14", "unauthorised-access", "officer", "no-action"),
    ("surrey", "s2", "2019-11-30", "", "staff", "warning"),
]


@pytest.fixture
def case_list():
    dataset = Dataset.objects.create(
        slug="case-list-2019",
        title="Case list 2019 (test)",
        publisher="Test",
        published_on=dt.date(2020, 2, 1),
        period_start=dt.date(2019, 1, 1),
        period_end=dt.date(2019, 12, 31),
        unit="breaches",
        definition="Each case listed.",
        url="https://example.org/case-list-2019",
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(INCIDENT_COLUMNS)
    for force, ref, day, category, role, outcomes in CASES:
        writer.writerow([dataset.slug, force, ref, day, category, role, outcomes, "", "A case."])
    validation, _ = import_file(out.getvalue().encode(), "cases.csv")
    assert validation.ok, validation.errors
    return dataset


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def incident_rows(client, url):
    """The incident records a link leads to, read from the list's JSON download."""
    separator = "&" if "?" in url else "?"
    response = client.get(f"{url}{separator}_export=json")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return json.loads(body)["rows"]


def test_the_league_ranks_forces_by_their_counted_incident_records(client, case_list):
    rows = league_rows(client.get("/league/?dataset=case-list-2019"))
    # Both are lower bounds, so either could belong first: both ranges start at 1.
    assert [(r["Rank"], r["Force"], r["Count"]) for r in rows] == [
        ("1 (1–2)", "Kent Police", "at least 4"),
        ("2 (1–2)", "Surrey Police", "at least 2"),
    ]
    assert rows[0]["Source"] == "Counted from 4 incident records"
    assert "counted from incidents" in rows[0]["Flags"]


def test_each_count_links_to_the_records_that_reproduce_it(client, case_list):
    queries = (
        "",
        "&outcome=resigned-or-dismissed",
        "&category=unauthorised-access&role=officer",
        "&period=2019-01-01~2019-12-31&outcome=dismissed",
    )
    for query in queries:
        page = soup(client.get(f"/league/?dataset=case-list-2019{query}"))
        links = page.select("table.league td.source a")
        assert links, query
        for link in links:
            shown = int(link.get_text().split()[2])
            assert len(incident_rows(client, link["href"])) == shown, (query, link["href"])


def test_an_incident_with_two_outcomes_of_a_group_counts_once_in_the_group(client, case_list):
    rows = league_rows(client.get("/league/?dataset=case-list-2019&outcome=resigned-or-dismissed"))
    assert [(r["Force"], r["Count"]) for r in rows] == [("Kent Police", "at least 2")]


def test_a_complete_case_list_gives_exact_counts(client, case_list):
    Return.objects.filter(dataset=case_list, force__slug="kent").update(case_list="complete")
    rows = {r["Force"]: r for r in league_rows(client.get("/league/?dataset=case-list-2019"))}
    assert rows["Kent Police"]["Count"] == "4"
    assert rows["Surrey Police"]["Count"] == "at least 2"


def test_a_published_figure_wins_and_a_differing_count_is_flagged(client, case_list, write_csv):
    header = ["dataset", "force", "period_start", "period_end", "count", "source_title"]
    path = write_csv([header, ["case-list-2019", "kent", "2019-01-01", "2019-12-31", "3",
                               "Kent's own total"]])  # fmt: skip
    validation, _ = import_file(path.read_bytes(), "total.csv")
    assert validation.ok, validation.errors
    data = client.get("/league/?dataset=case-list-2019&_export=json").json()
    kent = next(row for row in data["rows"] if row["force_slug"] == "kent")
    # Shown once: the published 3, not 3 + 4; the list's 4 records are more than 3.
    assert (kent["count"], kent["counted_from"], kent["incidents_counted"]) == (3, None, 4)
    assert "count-mismatch" in kent["flags"]
    assert len([row for row in data["rows"] if row["force_slug"] == "kent"]) == 1


def test_force_and_dataset_pages_show_counts_with_links(client, case_list):
    page = soup(client.get("/forces/kent/"))
    counted = page.find("section", attrs={"aria-labelledby": "counted"})
    text = counted.get_text(" ", strip=True)
    assert "Case list 2019 (test)" in text
    assert "at least 4" in text
    # k1 dismissed, k3 resigned and dismissed (once in the group), k2 a warning
    assert "Resigned or dismissed: 2" in text
    assert "Disciplinary action: 1" in text
    link = counted.find("a", string=lambda s: s and "Resigned or dismissed" in s)
    assert len(incident_rows(client, link["href"])) == 2
    page = soup(client.get("/datasets/case-list-2019/"))
    text = page.select_one(".coverage").get_text(" ", strip=True)
    assert "Counted from incident records (2)" in text
    assert "Kent Police : at least 4 incident records" in text


def test_a_trend_counts_records_by_month_and_says_how_many_are_undated(client, case_list):
    data = client.get("/charts/data.json?v=1&chart=trend&dataset=case-list-2019&by=month").json()
    assert [(r["force"], r["period_start"], r["value"]) for r in data["rows"]] == [
        ("All forces", "2019-01-01", 2),
        ("All forces", "2019-02-01", 1),
        ("All forces", "2019-06-01", 1),
        ("All forces", "2019-11-01", 1),
    ]
    assert "1 incident record has no date and is in no period" in data["subtitle"]
    kent = client.get(
        "/charts/data.json?v=1&chart=trend&dataset=case-list-2019&forces=kent&by=fy"
    ).json()
    assert [(r["period_start"], r["value"]) for r in kent["rows"]] == [
        ("2018-04-01", 2),
        ("2019-04-01", 1),
    ]


def chart_rows(client, chart, **params):
    query = "".join(f"&{k}={v}" for k, v in params.items())
    url = f"/charts/data.json?v=1&chart={chart}&dataset=case-list-2019{query}"
    return client.get(url, follow=True).json()


def expected_by_group(force: str) -> dict[str, int]:
    """Each outcome group's incidents of one force in CASES: once per group it reached."""
    counts: dict[str, int] = {}
    for case_force, *_rest, outcomes in CASES:
        if case_force != force:
            continue
        for group in {group_of(code) or code for code in outcomes.split(";") if code}:
            counts[group] = counts.get(group, 0) + 1
    return counts


def test_the_outcomes_chart_draws_counted_groups_as_shares_with_links(client, case_list):
    data = chart_rows(client, "outcomes")
    reached = set(expected_by_group("kent")) | set(expected_by_group("surrey"))
    for force, total in (("kent", 4), ("surrey", 2)):
        rows = [r for r in data["rows"] if r["force_slug"] == force]
        # Every group some force reached; a force's list without one counted none there.
        expected = {group: expected_by_group(force).get(group, 0) for group in reached}
        assert {r["series"]: r["count"] for r in rows} == expected
        for row in rows:
            assert row["total"] == total
            assert row["value"] == round(row["count"] / total * 100, 1)
            assert row["counted_from"] == row["count"]
            assert row["lower_bound"]  # neither list is known to be complete
            assert row["total_lower_bound"]  # nor, so, the total the shares divide
            assert len(incident_rows(client, row["incidents_url"])) == row["count"]


def test_the_outcomes_table_says_a_total_from_an_incomplete_list_is_a_lower_bound(
    client, case_list
):
    Return.objects.filter(dataset=case_list, force__slug="kent").update(case_list="complete")
    page = soup(client.get("/charts/?v=1&chart=outcomes&dataset=case-list-2019", follow=True))
    totals = {
        row.th.contents[0].strip(): row.select("td.num")[-1].get_text(strip=True)
        for row in page.select(".chart-table tbody tr")
    }
    assert totals == {"Kent Police": "4", "Surrey Police": "at least 2"}


def test_the_categories_chart_counts_each_category(client, case_list):
    rows = chart_rows(client, "categories")["rows"]
    expected = {}
    for force, _ref, _day, category, *_ in CASES:
        if category:
            expected[force, category] = expected.get((force, category), 0) + 1
    categories = {category for _force, category in expected}
    expected = {(f, c): expected.get((f, c), 0) for f in ("kent", "surrey") for c in categories}
    assert {(r["force_slug"], r["series"]): r["count"] for r in rows} == expected
    for row in rows:
        assert len(incident_rows(client, row["incidents_url"])) == row["count"]


def test_chart_tables_and_downloads_say_what_was_counted(client, case_list):
    page = soup(client.get("/charts/?v=1&chart=league&dataset=case-list-2019", follow=True))
    link = page.select_one(".chart-table a[href^='/incidents/']")
    assert link.get_text() == "counted from 4 incident records"
    assert len(incident_rows(client, link["href"])) == 4
    text = client.get(
        "/charts/data.csv?v=1&chart=league&dataset=case-list-2019", follow=True
    ).content
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    assert [(r["force_slug"], r["counted_from"]) for r in rows] == [("kent", "4"), ("surrey", "2")]
    assert all(r["incidents_url"].startswith("/incidents/?dataset=case-list-2019") for r in rows)


def test_a_chart_flags_incident_records_that_do_not_match_a_published_figure(
    client, case_list, write_csv
):
    header = ["dataset", "force", "period_start", "period_end", "count", "source_title"]
    path = write_csv([header, ["case-list-2019", "kent", "2019-01-01", "2019-12-31", "3",
                               "Kent's own total"]])  # fmt: skip
    validation, _ = import_file(path.read_bytes(), "total.csv")
    assert validation.ok, validation.errors
    kent = next(r for r in chart_rows(client, "league")["rows"] if r["force_slug"] == "kent")
    assert (kent["count"], kent["counted_from"], kent["incidents_counted"]) == (3, None, 4)
    assert kent["count_mismatch"]
    page = soup(client.get("/charts/?v=1&chart=league&dataset=case-list-2019", follow=True))
    note = page.select_one(".chart-table .counted").get_text(" ", strip=True)
    assert note == "4 incident records held : they do not match the published figure"


def test_the_count_parameter_is_canonical_and_checked(client, case_list):
    response = client.get("/charts/?chart=trend&by=year&dataset=case-list-2019")
    assert response.status_code == 302
    assert response["Location"].endswith("?v=1&chart=trend&dataset=case-list-2019&by=year")
    # Without a dataset there are no incident records to count: the parameter is dropped.
    response = client.get("/charts/?v=1&chart=trend&by=year")
    assert "by=" not in response["Location"]
    response = client.get("/charts/?v=1&chart=trend&dataset=case-list-2019&by=week")
    assert response.status_code == 400
    # The builder names the control beside it; the data twins name the URL parameter.
    assert "Count: Choose one of month, year, fy." in response.content.decode()
    response = client.get("/charts/data.json?v=1&chart=trend&dataset=case-list-2019&by=week")
    assert response.status_code == 400
    assert "by: Choose one of month, year, fy." in response.content.decode()


def test_northumbrias_case_list_ranks_it_by_its_incident_records(client):
    """FOI 183/20 answered with a list of cases and no total: the league counts the cases."""
    cases = [
        row for row in fixture_files.rows("incidents.csv")
        if row["dataset"] == "northumbria-foi-183-20"
    ]  # fmt: skip
    assert {fixture_files.force_slug(row["force"]) for row in cases} == {"northumbria"}
    rows = league_rows(client.get("/league/?dataset=northumbria-foi-183-20"))
    assert [(r["Rank"], r["Force"]) for r in rows] == [("1", "Northumbria Police")]
    # Not known to be the complete list for 2019: a lower bound.
    assert rows[0]["Count"] == f"at least {len(cases)}"
    assert rows[0]["Source"] == f"Counted from {len(cases)} incident records"
    page = soup(client.get("/league/?dataset=northumbria-foi-183-20"))
    link = page.select_one("table.league td.source a")
    assert len(incident_rows(client, link["href"])) == len(cases)


def test_cases_named_as_examples_are_listed_but_never_counted(client):
    """The press cases of bbw-2016 (fixtures/case_lists.csv: examples) rank no force."""
    examples = {
        (row["dataset"], row["force"])
        for row in fixture_files.rows("case_lists.csv")
        if row["case_list"] == "examples"
    }
    assert ("bbw-2016", "metropolitan") in examples
    data = client.get("/league/?dataset=bbw-2016&_export=json").json()
    assert "metropolitan" not in {row["force_slug"] for row in data["rows"]}
    dyfed = next(row for row in data["rows"] if row["force_slug"] == "dyfed-powys")
    assert dyfed["incidents_counted"] is None
    assert "count-mismatch" not in dyfed["flags"]
    page = soup(client.get("/forces/metropolitan/"))
    assert page.find("section", attrs={"aria-labelledby": "counted"}) is None
    listed = incident_rows(client, "/incidents/?dataset=bbw-2016&force=metropolitan")
    assert len(listed) == 1  # still listed, with its summary


def test_an_unknown_case_list_kind_is_refused_by_name(tmp_path):
    from django.core.management import CommandError, call_command

    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("forces.csv", "aliases.csv", "datasets.csv", "workforce.csv",
                 "enforcement_actions.csv", "figures.csv", "incidents.csv"):  # fmt: skip
        (folder / name).write_bytes((fixture_files.FIXTURES / name).read_bytes())
    (folder / "case_lists.csv").write_text(
        "dataset,force,case_list,why\nbbw-2016,metropolitan,anecdote,typo\n"
    )
    before = list(Return.objects.values_list("dataset_id", "force_id", "case_list"))
    with pytest.raises(
        CommandError,
        match=r"row 2, column 'case_list': use complete, examples, partial \(value: 'anecdote'\)",
    ):
        call_command("load_reference_data", folder=folder, stdout=io.StringIO())
    assert list(Return.objects.values_list("dataset_id", "force_id", "case_list")) == before


def test_a_case_list_league_offers_its_whole_period_then_each_year(case_list):
    from breaches.derived import IncidentCounts
    from breaches.queries import Period

    # Cases in Jan, Feb, Jun and Nov 2019: calendar 2019 is the whole period (listed once);
    # financial years 2018/19 (Kent and Surrey) and 2019/20 (Kent, Surrey).
    assert IncidentCounts(case_list).periods() == [
        (Period(dt.date(2019, 1, 1), dt.date(2019, 12, 31)), 2),
        (Period(dt.date(2018, 4, 1), dt.date(2019, 3, 31)), 2),
        (Period(dt.date(2019, 4, 1), dt.date(2020, 3, 31)), 2),  # Kent in June, Surrey in Nov
    ]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "/incidents/?occurred=2019-13-01~x",
            "occurred: Write the period as YYYY-MM-DD~YYYY-MM-DD",
        ),
        (
            "/incidents/?occurred=2020-01-01~2019-01-01",
            "occurred: The period ends before it starts.",
        ),
        ("/incidents/?outcome=sacked-twice", "outcome: "),
    ],
)
def test_the_links_filters_refuse_bad_input_by_name(client, url, message):
    response = client.get(url)
    assert response.status_code == 400
    assert message in response.content.decode()
