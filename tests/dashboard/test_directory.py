"""Force and dataset pages, the figures and incidents browsers and the about page, by content."""

import io
import math

import pytest
from bs4 import BeautifulSoup

from tests import fixture_files

pytestmark = pytest.mark.django_db


def text_of(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def test_force_directory_lists_every_force(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get("/forces/")
    page = BeautifulSoup(response.content, "html.parser")
    assert len(page.select("table.forces tbody tr")) == len(fixture_files.rows("forces.csv"))
    assert "Police Service of Northern Ireland" in page.get_text()


def test_force_page_shows_every_figure_with_sources_and_actions(
    client, django_assert_max_num_queries
):
    # Bounded by the force's datasets and periods (one chart series each), not by its rows;
    # its answers to every dataset take three more (datasets, returns, their figures).
    with django_assert_max_num_queries(28):
        response = client.get("/forces/greater-manchester/")
    text = text_of(response)
    assert "161" in text  # pa-2014 total
    assert "Evening Standard (Press Association)" in text
    assert "£150,000" in text  # two ICO penalties (2012 and 2017)
    assert "October or November 2012" in text
    page = BeautifulSoup(response.content, "html.parser")
    leagues = [a["href"] for a in page.select("#leagues ~ ul a")]
    assert "/league/?dataset=pa-2014&period=2009-01-01~2013-10-31" in leagues


def test_force_page_totals_over_time_keep_datasets_apart(client):
    page = BeautifulSoup(client.get("/forces/west-midlands/").content, "html.parser")
    rows = page.select("table.totals tbody tr")
    datasets = [row["data-dataset"] for row in rows]
    totals = [
        row
        for row in fixture_files.figures(category="", outcome="", role="")
        if row["force"] and fixture_files.force_slug(row["force"]) == "west-midlands"
    ]
    assert datasets == [row["dataset"] for row in sorted(totals, key=fixture_files.period)]
    assert datasets[0] == "bbw-2016"
    per_year = [row.select("td")[2].get_text(strip=True) for row in rows]
    assert per_year[0] == "106.5"  # 488 over 55 months (4.58 years)


def test_force_page_outcomes_in_vocabulary_order(client):
    page = BeautifulSoup(client.get("/forces/surrey/").content, "html.parser")
    outcomes = [row.th.get_text(strip=True) for row in page.select("table.outcomes tbody tr")]
    assert outcomes[:3] == ["No action", "Management action", "Not proven"]
    assert outcomes[-2:] == ["Ongoing", "Not recorded"]


def test_force_without_figures_says_so(client):
    text = text_of(client.get("/forces/jersey/"))
    assert "No total has been published" in text


def test_unknown_force_is_404(client):
    assert client.get("/forces/atlantis/").status_code == 404


def test_dataset_page_coverage_and_national_figures(client, django_assert_max_num_queries):
    # 10 for the published figures; 3 for the incident records counted (periods, counts per
    # force, lists marked complete)
    with django_assert_max_num_queries(13):
        response = client.get("/datasets/bbw-2016/")
    page = BeautifulSoup(response.content, "html.parser")
    headings = [h.get_text(strip=True) for h in page.select(".coverage h3")]
    disclosed, withheld = fixture_files.coverage("bbw-2016")
    unlisted = len(fixture_files.rows("forces.csv")) - len(disclosed | withheld)
    # The Met's and Dyfed-Powys' incident records are cases named in press coverage
    # (fixtures/case_lists.csv: examples): they count nowhere.
    assert headings == [
        f"Disclosed ({len(disclosed)})",
        f"Did not disclose ({len(withheld)})",
        f"No figure found ({unlisted})",
    ]
    withheld = page.select(".coverage div")[1].get_text()
    assert "Northumbria Police: not disclosed" in withheld
    national = page.select("table.national tbody tr")
    assert len(national) == len(fixture_files.figures("bbw-2016", force=""))
    assert "2,315" in national[0].get_text()


def incident_forces(dataset):
    """Slugs of the forces with incident rows in the dataset (incidents.csv)."""
    return {
        fixture_files.force_slug(row["force"])
        for row in fixture_files.rows("incidents.csv")
        if row["dataset"] == dataset
    }


def test_a_case_list_without_counts_is_not_no_figure(client):
    """Northumbria answered FOI 183/20 with a case list: its coverage says so and links to it."""
    page = BeautifulSoup(client.get("/datasets/northumbria-foi-183-20/").content, "html.parser")
    assert incident_forces("northumbria-foi-183-20") == {"northumbria"}
    records = sum(
        row["dataset"] == "northumbria-foi-183-20" for row in fixture_files.rows("incidents.csv")
    )
    headings = [h.get_text(strip=True) for h in page.select(".coverage h3")]
    assert "Counted from incident records (1)" in headings
    assert "Northumbria Police" not in page.select(".coverage div")[-1].get_text()
    link = page.select(".coverage div")[2].find_all("a")[-1]
    assert link.get_text(strip=True) == f"at least {records} incident records"
    listed = BeautifulSoup(client.get(link["href"]).content, "html.parser")
    assert len(listed.select("table.incidents tbody tr")) == records


def test_datasets_index(client):
    text = text_of(client.get("/datasets/"))
    for title in ("Safe in Police Hands?", "West Midlands Police FOI 4658_14"):
        assert title in text


def test_figures_browser_filters_and_paginates(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get("/figures/")
    page = BeautifulSoup(response.content, "html.parser")
    assert len(page.select("table.figures tbody tr")) == 50
    figures = len(fixture_files.rows("figures.csv"))
    assert f"Page 1 of {math.ceil(figures / 50)} ({figures} rows)" in page.get_text()
    filtered = BeautifulSoup(client.get("/figures/?dataset=wmp-foi-4658-14").content, "html.parser")
    wmp = len(fixture_files.figures("wmp-foi-4658-14"))
    assert 0 < wmp <= 50
    assert len(filtered.select("table.figures tbody tr")) == wmp


def test_figures_search_uses_full_text(client):
    page = BeautifulSoup(client.get("/figures/?q=allegation").content, "html.parser")
    rows = page.select("table.figures tbody tr")
    # stemming: "allegation" finds the notes that say "allegations", and only those
    expected = [row for row in fixture_files.rows("figures.csv") if "allegation" in row["note"]]
    assert len(rows) == len(expected) > 1
    assert any("West Midlands Police" in row.get_text() for row in rows)


def test_incidents_browser_search(client):
    page = BeautifulSoup(client.get("/incidents/?q=snapchat").content, "html.parser")
    rows = page.select("table.incidents tbody tr")
    assert len(rows) == 1
    assert "Metropolitan Police Service" in rows[0].get_text()
    assert "not published" in rows[0].get_text()  # no date or outcome published


def test_about_lists_vocabularies_with_synonyms(client):
    text = text_of(client.get("/about/"))
    assert "unauthorised-access" in text
    assert "sacked" in text
    assert "How to cite" in text
    assert "Table 2" in text


def test_withdrawn_figures_disappear_from_every_page(client):
    from breaches.models import Figure, ImportBatch

    retraction = ImportBatch.objects.create(kind="retraction", file_name="test", sha256="0" * 64)
    Figure.objects.filter(dataset__slug="bbw-2016", force__slug="surrey").update(
        retracted_by=retraction
    )
    dataset_page = BeautifulSoup(client.get("/datasets/bbw-2016/").content, "html.parser")
    disclosed, _ = fixture_files.coverage("bbw-2016")
    heading = dataset_page.select(".coverage h3")[0].get_text(strip=True)
    assert heading == f"Disclosed ({len(disclosed) - 1})"
    assert "Staines Informer" in text_of(client.get("/"))  # still the source of Sussex's 63
    forces = BeautifulSoup(client.get("/forces/").content, "html.parser")
    surrey = next(row for row in forces.select("table.forces tbody tr") if "Surrey" in row.th.text)
    others = {
        row["dataset"]
        for row in fixture_files.rows("figures.csv")
        if row["force"] and fixture_files.force_slug(row["force"]) == "surrey"
    } - {"bbw-2016"}
    assert surrey.select("td")[3].get_text(strip=True) == str(len(others))  # bbw-2016 is gone
    league = BeautifulSoup(client.get("/league/?dataset=bbw-2016").content, "html.parser")
    assert league.select('table.league tr[data-force="surrey"]') == []
    assert league.select('table.league tr[data-force="sussex"]') != []


def test_force_page_charts_keep_datasets_separate(client):
    import json

    page = BeautifulSoup(client.get("/forces/surrey/").content, "html.parser")
    trend = json.loads(page.find("script", id="chart-trend").string)
    names = {trace.get("name") for trace in trend["data"] if trace.get("name")}
    # one series per dataset with a Surrey total, never merged
    surrey = {
        row["dataset"]
        for row in fixture_files.figures(category="", outcome="", role="")
        if row["force"] and fixture_files.force_slug(row["force"]) == "surrey" and row["count"]
    }
    assert len(names) == len(surrey) > 2
    assert {"Surrey Police · Big Brother Watch 2016", "Surrey Police · VPNOverview 2021"} < names
    assert "Surrey Police · Parliament Street 2019" in names
    outcomes = json.loads(page.find("script", id="chart-outcomes-bbw-2016").string)
    shares = {t["name"]: t["x"][0] for t in outcomes["data"] if t.get("x") and t.get("name")}
    assert round(shares["No formal action"], 1) == 52.0  # 105 of 202
    assert "chart=trend" in page.select_one(".page-chart a")["href"]


def test_force_without_figures_has_no_chart(client):
    page = BeautifulSoup(client.get("/forces/jersey/").content, "html.parser")
    assert page.select("[data-chart]") == []
    assert "plotly" not in str(page.head)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("Northumbria", "Northumbria Police"), ("dismissed", "Surrey Police"),
     ("West Midlands", "West Midlands Police")],
)  # fmt: skip
def test_figures_search_finds_forces_outcomes_and_datasets(client, query, expected):
    page = BeautifulSoup(client.get(f"/figures/?q={query}").content, "html.parser")
    assert expected in page.select_one("table.figures tbody").get_text()
    assert "No figures at this level." not in page.get_text()


def test_league_form_shows_the_dataset_it_shows(client):
    page = BeautifulSoup(client.get("/league/").content, "html.parser")
    selected = page.select_one("#id_dataset option[selected]")
    assert selected["value"] == "bbw-2016"


def test_figures_browser_sorts_by_a_header_link(client):
    page = BeautifulSoup(client.get("/figures/?dataset=bbw-2016").content, "html.parser")
    count_link = next(a for a in page.select("table.figures thead a") if "Count" in a.get_text())
    ordered = BeautifulSoup(client.get(f"/figures/{count_link['href']}").content, "html.parser")
    header = next(th for th in ordered.select("table.figures thead th") if "Count" in th.get_text())
    assert header["aria-sort"] == "ascending"
    counts = [
        row.select_one("th").get_text(strip=True)  # the count is the row header
        for row in ordered.select("table.figures tbody tr")
    ]
    numbers = [int(c.replace(",", "")) for c in counts if c.replace(",", "").isdigit()]
    assert numbers == sorted(numbers)


def _every_figure_counts(response) -> list[int | None]:
    """The Count column of "Every figure" (its row headers), None where not published."""
    page = BeautifulSoup(response.content, "html.parser")
    cells = page.select("section[aria-labelledby=all-figures] tbody th[scope=row]")
    texts = [cell.get_text(strip=True).replace(",", "") for cell in cells]
    return [int(text) if text.isdigit() else None for text in texts]


def test_force_page_every_figure_sorts_by_its_headers(client):
    published = sorted(
        int(row["count"])
        for row in fixture_files.rows("figures.csv")
        if row["count"] and row["force"] and fixture_files.force_slug(row["force"]) == "surrey"
    )
    ascending = _every_figure_counts(client.get("/forces/surrey/?sort=count"))
    descending = _every_figure_counts(client.get("/forces/surrey/?sort=-count"))
    assert [c for c in ascending if c is not None] == published
    assert [c for c in descending if c is not None] == published[::-1]
    page = BeautifulSoup(client.get("/forces/surrey/?sort=-count").content, "html.parser")
    (header,) = [
        th
        for th in page.select("section[aria-labelledby=all-figures] thead th")
        if th.get_text(strip=True).startswith("Count")
    ]
    assert header["aria-sort"] == "descending"
    assert "sort=count" in header.a["href"]


def test_force_page_ignores_a_sort_it_does_not_know(client):
    unsorted = _every_figure_counts(client.get("/forces/surrey/"))
    assert _every_figure_counts(client.get("/forces/surrey/?sort=__class__")) == unsorted


@pytest.mark.parametrize(
    "written",
    ["west-midlands-police", "West-Midlands-Police", "west-mids-police"],
)
def test_force_names_and_aliases_as_slugs_redirect_for_good(client, written):
    force = fixture_files.force_slug("West Midlands Police")
    response = client.get(f"/forces/{written}/")
    assert response.status_code == 301
    assert response["Location"] == f"/forces/{force}/"


def test_every_short_name_and_alias_in_the_fixtures_reaches_its_force(client):
    from django.utils.text import slugify

    spellings = [(f["short_name"], f["slug"]) for f in fixture_files.rows("forces.csv")]
    spellings += [(f["name"], f["slug"]) for f in fixture_files.rows("forces.csv")]
    spellings += [(a["alias"], a["force"]) for a in fixture_files.rows("aliases.csv")]
    for spelling, slug in spellings:
        written = slugify(spelling)
        if not spelling or written == slug:
            continue
        response = client.get(f"/forces/{written}/")
        assert (response.status_code, response["Location"]) == (301, f"/forces/{slug}/"), spelling


def test_an_unknown_force_is_a_404_that_suggests_forces(client):
    response = client.get("/forces/west-midlans/")
    assert response.status_code == 404
    page = BeautifulSoup(response.content, "html.parser")
    assert "There is no force at “west-midlans”" in page.get_text()
    links = {a.get_text(): a["href"] for a in page.select("ul.suggestions a")}
    assert links["West Midlands Police"] == "/forces/west-midlands/"
    assert client.get(links["West Midlands Police"]).status_code == 200
    # Not an alias, but a newsroom initialism the matcher spells out.
    initialism = BeautifulSoup(client.get("/forces/tvp/").content, "html.parser")
    assert [a.get_text() for a in initialism.select("ul.suggestions a")] == ["Thames Valley Police"]
    nothing = client.get("/forces/xqzv-qqq/")
    assert nothing.status_code == 404
    assert BeautifulSoup(nothing.content, "html.parser").select("ul.suggestions a") == []
    assert "every force" in text_of(nothing)


def test_every_ico_action_links_to_a_public_page(client):
    for action in fixture_files.rows("enforcement_actions.csv"):
        slug = fixture_files.force_slug(action["force"])
        page = BeautifulSoup(client.get(f"/forces/{slug}/").content, "html.parser")
        cells = [row.select("td")[-1] for row in page.select("table.ico-actions tbody tr")]
        links = {cell.a["href"] for cell in cells if cell.a}
        assert action["url"] in links, action["force"]
        assert action["url"].startswith("https://") or action["url"].startswith("http://")


def test_a_source_with_no_public_page_says_so_and_why(client, write_csv):
    from django.core.management import call_command

    from breaches.models import EnforcementAction, Force

    upload = write_csv([
        ["dataset", "force", "period_start", "period_end", "count", "source_title"],
        ["pa-2014", "Dorset Police", "2009-01-01", "2013-10-31", "7", "Emailed FOI reply"],
    ])  # fmt: skip
    call_command("import_figures", upload, stdout=io.StringIO())
    EnforcementAction.objects.create(
        force=Force.objects.get(slug="dorset"),
        date="2020-01-01",
        action="reprimand",
        summary="test",
        source="A case file",
        url="files/case.pdf",
    )
    page = BeautifulSoup(client.get("/forces/dorset/").content, "html.parser")
    totals = page.select_one("table.totals").get_text(" ", strip=True)
    assert "Emailed FOI reply (no public link: read from a file uploaded to this site" in totals
    ico = page.select_one("table.ico-actions").get_text(" ", strip=True)
    assert "A case file (no public link: cited as “files/case.pdf”, which is not a web" in ico
    assert not page.select('table.ico-actions a[href="files/case.pdf"]')
    figures = BeautifulSoup(client.get("/figures/?q=Emailed").content, "html.parser")
    assert "no public link" in figures.get_text()
