"""Public pages read by their content, on the real published figures."""

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.db import connection

from tests import fixture_files

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def league_rows(response):
    """The league table's body rows as dicts keyed by column header, with each row's caveats
    but not the explanations behind its marks and flags (what they mean, not what they say)
    nor the words only screen readers hear."""
    table = soup(response).find("table", class_="league")
    for unseen in table.select(".visually-hidden, details.disclosure > p.disclosed"):
        unseen.decompose()
    headers = [th.get_text(" ", strip=True).rstrip("▲▼↕ ") for th in table.thead.find_all("th")]
    return [
        dict(
            zip(
                headers,
                [c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])],
                strict=True,
            )
        )
        for row in table.tbody.find_all("tr")
    ]


def test_home_shows_the_featured_dataset_headline(client, django_assert_max_num_queries):
    # The headline, the top forces, the league chart (with its counts of incident records)
    # and the map (the same league rows, and the forces without one): a fixed number,
    # whatever the rows.
    with django_assert_max_num_queries(32):
        response = client.get("/")
    assert response.status_code == 200
    page = soup(response)
    assert page.find(attrs={"data-figure": "total"}).get_text() == "2,315"
    shares = {tag["data-outcome"]: tag.get_text() for tag in page.select("[data-outcome]")}
    assert shares == {
        "no-formal-action": "55%",
        "resigned-or-dismissed": "13%",
        "criminal-sanction": "3%",
        "warning": "11%",
    }
    categories = {tag["data-category"]: tag.get_text() for tag in page.select("[data-category]")}
    assert categories["unauthorised-access"] == "869"
    assert categories["third-party-disclosure"] == "877"
    top = [li.get_text(" ", strip=True) for li in page.select(".top-forces li")]
    assert top[0].startswith("West Midlands Police")
    assert "488" in top[0]
    first_count = page.select_one(".top-forces li a.count")
    assert first_count["href"].startswith("https://www.computerweekly.com/")  # one click to source
    assert page.find("script", id="chart-league") is not None
    forces = len(fixture_files.coverage("bbw-2016")[0])
    assert f"published for {forces} forces only" in page.get_text(" ", strip=True)
    # Every headline number links to where it was read.
    assert page.select_one(".hero a")["href"].startswith("https://inforrm.org/")


def test_home_caveats_and_sources(client):
    text = soup(client.get("/")).get_text(" ", strip=True)
    assert "not like for like" in text
    assert "Staines Informer" in text


def test_league_table_by_content(client, django_assert_max_num_queries):
    # Bounded, whatever the number of forces: the league at each outcome group for the
    # share columns, sources and caveats in one query each, the filter's choices, and the
    # counts of incident records (periods, counts per force, complete lists, forces).
    with django_assert_max_num_queries(24):
        response = client.get("/league/?dataset=bbw-2016")
    assert response.status_code == 200
    rows = league_rows(response)
    assert [rows[0]["Rank"], rows[0]["Force"], rows[0]["Count"]] == [
        "1",
        "West Midlands Police",
        "488",
    ]
    by_force = {row["Force"]: row for row in rows}
    # bbw-2016 counts officers' and staff's breaches: its rate is per 1,000 of the workforce.
    assert "Per 1,000 officers" not in rows[0]
    assert by_force["Surrey Police"]["Per 1,000 workforce"].startswith("54.9")  # 202 / 3,680
    assert "workforce at 31 Mar 2015" in by_force["Surrey Police"]["Per 1,000 workforce"]
    assert by_force["Northumbria Police"]["Count"] == "Not disclosed"
    assert by_force["Northumbria Police"]["Rank"] == "–"
    assert by_force["Northumbria Police"]["Per 1,000 workforce"] == "–"
    assert "National" not in " ".join(by_force)
    assert "Computer Weekly" in by_force["West Midlands Police"]["Source"]
    assert "2 caveats" in by_force["West Midlands Police"]["Caveats"]  # its unit and its note


def test_league_lists_forces_without_a_figure_apart(client):
    page = soup(client.get("/league/?dataset=bbw-2016"))
    section = page.find("section", class_="no-figure")
    names = [li.get_text() for li in section.find_all("li")]
    assert "Kent Police" in names
    assert "Surrey Police" not in names
    assert "Northumbria Police" not in names
    # The Met's incident record is a case named in press coverage (fixtures/case_lists.csv:
    # examples): it counts nowhere, so the Met has no figure here.
    assert "Metropolitan Police Service" in names
    listed = fixture_files.forces_with_a_figure("bbw-2016")
    assert len(names) == len(fixture_files.rows("forces.csv")) - len(listed)


def test_league_defaults_to_the_featured_dataset(client):
    assert league_rows(client.get("/league/"))[0]["Force"] == "West Midlands Police"


def test_league_other_dataset_and_period(client):
    response = client.get("/league/?dataset=vpnoverview-2021&period=2016-01-01~2021-04-30")
    rows = league_rows(response)
    assert [row["Force"] for row in rows] == [
        "Lancashire Constabulary",
        "Cheshire Constabulary",
        "Sussex Police",
        "Police Service of Northern Ireland",
    ]
    by_force = {row["Force"]: row for row in rows}
    assert (
        by_force["Police Service of Northern Ireland"]["Per 1,000 workforce"]
        == "no workforce figure"
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("dataset=nope", "dataset: There is no dataset with that code."),
        ("period=2015", "period: Write the period as YYYY-MM-DD~YYYY-MM-DD"),
        ("period=2015-12-31~2011-01-01", "period: The period ends before it starts."),
        ("period=" + "9" * 500, "period: A period is two dates"),
    ],
)
def test_league_bad_query_strings_answer_400_naming_the_parameter(client, query, message):
    response = client.get(f"/league/?{query}")
    assert response.status_code == 400
    assert message in soup(response).get_text(" ", strip=True)


@pytest.mark.parametrize(
    "query",
    ["dataset=", "dataset=bbw-2016&dataset=nope", "dataset=%FF%FE", "unknown=1", "period=~"],
)
def test_league_odd_query_strings_never_500(client, query):
    assert client.get(f"/league/?{query}").status_code in (200, 400)


def test_league_period_without_figures_shows_an_empty_table(client):
    response = client.get("/league/?dataset=bbw-2016&period=1990-01-01~1990-12-31")
    assert response.status_code == 200
    assert "No figures at this level." in soup(response).get_text()


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    # No REDIS_URL in the tests: each process has its own cache, which cannot be down.
    assert response.json() == {"database": "ok", "cache": "local", "status": "ok"}


@pytest.mark.django_db(transaction=True)
def test_healthz_503_when_the_database_does_not_answer(client):
    """Point the connection at a socket folder where no server listens: a real failure."""
    real = connection.get_connection_params

    def unreachable():
        return {**real(), "host": "/nonexistent-socket-dir"}

    connection.close()
    connection.get_connection_params = unreachable
    try:
        response = client.get("/healthz")
    finally:
        del connection.get_connection_params
    assert response.status_code == 503
    assert response.json()["status"] == response.json()["database"] == "unavailable"
    # Once the database answers again, so does the app, without a restart.
    assert client.get("/healthz").status_code == 200


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content == (settings.BASE_DIR / "static" / "img" / "favicon.ico").read_bytes()
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    page = BeautifulSoup(client.get("/about/").content, "html.parser")
    icon = page.find("link", rel="icon")["href"]
    assert client.get(icon).status_code == 200
