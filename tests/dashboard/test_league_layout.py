"""The league's layout choices read from the page: the outcome-share group, sort link names,
the view a dataset without totals opens on, the breakdowns an empty filter links to, zero
lower bounds, and the dataset page's periods and sources (issue 12 items 1, 2, 5, 6, 11;
issue 13 item 9)."""

from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest

from breaches.vocabularies import OUTCOME_GROUPS, outcomes_in_group
from tests import fixture_files
from tests.dashboard.test_views import league_rows, soup

pytestmark = pytest.mark.django_db

SHARE_HEADERS = [f"{label} %" for _, label in OUTCOME_GROUPS.choices]


def published_levels(dataset: str, period: tuple) -> Counter:
    """(category, outcome, role) -> forces that published a count at it in `period`."""
    seen = {
        ((row["category"], row["outcome"], row["role"]), fixture_files.force_slug(row["force"]))
        for row in fixture_files.figures(dataset)
        if row["force"] and row["count"] and fixture_files.period(row) == period
    }
    return Counter(level for level, _ in seen)


def most_forces_period(dataset: str) -> tuple:
    counts = fixture_files.forces_per_period(dataset)
    most = max(counts.values())
    return max(key for key, forces in counts.items() if forces == most)  # ties: the latest


def headers(response) -> list[str]:
    return list(league_rows(response)[0]) if league_rows(response) else []


def test_share_columns_are_one_group_hidden_until_asked_for_and_kept_in_the_url(client):
    page = soup(client.get("/league/?dataset=bbw-2016"))
    assert not set(SHARE_HEADERS) & set(headers(client.get("/league/?dataset=bbw-2016")))
    toggle = page.select_one("a[data-share-toggle]")
    assert toggle.get_text() == "Show the outcome shares"
    query = parse_qs(urlsplit(toggle["href"]).query)
    assert query["shares"] == ["show"]
    assert query["dataset"] == ["bbw-2016"]
    assert toggle["href"].endswith("#results")

    shown = client.get(toggle["href"].split("#")[0].replace("?", "/league/?", 1))
    assert set(SHARE_HEADERS) <= set(headers(shown))
    page = soup(shown)
    assert page.select_one("a[data-share-toggle]").get_text() == "Hide the outcome shares"
    # The filter form keeps the group shown, and so does every sort link.
    assert page.select_one("form.filters input[name=shares]")["value"] == "show"
    for link in page.select("table.league thead a.sort"):
        assert parse_qs(urlsplit(link["href"]).query)["shares"] == ["show"]


def test_a_bad_shares_value_is_refused_by_name(client):
    response = client.get("/league/?dataset=bbw-2016&shares=sometimes")
    assert response.status_code == 400
    assert "shares:" in response.content.decode()


def test_sort_links_say_the_direction_and_land_on_the_results(client):
    page = soup(client.get("/league/?dataset=bbw-2016&sort=-count"))
    names = {link.find(string=True, recursive=False): link for link in page.select("thead a.sort")}
    count = names["Count"].select_one(".visually-hidden").get_text()
    assert count == " (sorted descending): sort smallest first"
    assert names["Force"].select_one(".visually-hidden").get_text() == ": sort A to Z"
    assert names["Per year"].select_one(".visually-hidden").get_text() == ": sort largest first"
    assert all(link["href"].endswith("#results") for link in names.values())
    assert page.find(id="results")["tabindex"] == "-1"
    assert page.select_one("form.filters")["action"].endswith("#results")


def test_a_lower_bound_of_zero_reads_not_published(client):
    # A force whose only published parts of a group are zeros: "at least 0" says nothing.
    zero_groups = {}
    for group in OUTCOME_GROUPS.codes:
        parts = [
            row
            for row in fixture_files.figures("bbw-2016", category="", role="")
            if row["force"] and row["outcome"] in outcomes_in_group(group)
        ]
        by_force = {}
        for row in parts:
            by_force.setdefault(fixture_files.force_name(fixture_files.force_slug(row["force"])),
                                []).append(int(row["count"] or 0))  # fmt: skip
        group_published = {
            fixture_files.force_slug(row["force"])
            for row in fixture_files.figures("bbw-2016", outcome=group, role="")
            if row["force"]
        }
        for force, counts in by_force.items():
            if not any(counts) and fixture_files.force_slug(force) not in group_published:
                zero_groups[force] = f"{OUTCOME_GROUPS.label(group)} %"
    assert zero_groups, "the fixtures hold a zero lower bound (Dyfed-Powys, resigned)"
    rows = {r["Force"]: r for r in league_rows(client.get("/league/?dataset=bbw-2016&shares=show"))}
    for force, column in zero_groups.items():
        assert rows[force][column] == "not published"
    assert not any(value.startswith("≥ 0%") for row in rows.values() for value in row.values())


@pytest.mark.parametrize("dataset", ["bbw-2011", "wmp-foi-4658-14"])
def test_a_dataset_without_totals_opens_on_the_breakdown_most_forces_published(client, dataset):
    period = most_forces_period(dataset)
    levels = published_levels(dataset, period)
    assert ("", "", "") not in levels  # the fixtures publish no total per force here
    most = max(levels.values())
    level = min(
        (key for key, forces in levels.items() if forces == most),
        key=lambda key: tuple((value != "", value) for value in key),
    )
    response = client.get(f"/league/?dataset={dataset}")
    rows = league_rows(response)
    assert len(rows) == most
    assert all(row["Count"] not in ("", "–") for row in rows)
    notice = soup(response).select_one("[data-opened-on]").get_text(" ", strip=True)
    for name, value in zip(("category", "outcome", "role"), level, strict=True):
        if value:
            form_value = soup(response).select_one(f"select[name={name}] option[selected]")
            assert form_value["value"] == value  # the form says which view it is, too
            assert form_value.get_text().split(" (")[0] in notice
    assert f"({most} force{'s' if most > 1 else ''})" in notice


def test_an_empty_filter_links_the_breakdowns_the_dataset_has(client):
    period = most_forces_period("dbc-2025")
    levels = published_levels("dbc-2025", period)
    assert ("", "dismissed", "") not in levels
    response = client.get("/league/?dataset=dbc-2025&outcome=dismissed")
    assert not soup(response).select("tbody tr[data-force]")
    block = soup(response).select_one("[data-breakdowns]")
    assert "No force published a figure for this breakdown" in block.get_text()
    links = block.select("li")
    assert len(links) == len(levels)
    for item in links:
        query = parse_qs(urlsplit(item.a["href"]).query)
        level = tuple(query.get(name, [""])[0] for name in ("category", "outcome", "role"))
        forces = levels[level]
        assert f"({forces} force{'s' if forces > 1 else ''})" in item.get_text()
        assert query["dataset"] == ["dbc-2025"]
        assert "sort" not in query
        followed = league_rows(client.get(item.a["href"].split("#")[0].replace("?", "/league/?")))
        assert len([row for row in followed if row["Count"][0].isdigit()]) == forces
    # 51 forces "with no figure" for a breakdown nobody published would be noise.
    assert soup(response).find(id="no-figure") is None


def test_the_league_opens_on_the_period_with_the_most_forces(client):
    start, end = most_forces_period("dbc-2025")
    page = soup(client.get("/league/?dataset=dbc-2025"))
    selected = page.select_one("select[name=period] option[selected]")
    assert selected["value"] == f"{start:%Y-%m-%d}~{end:%Y-%m-%d}"
    forces = fixture_files.forces_per_period("dbc-2025")[(start, end)]
    assert selected.get_text().endswith(f"({forces} forces)")
    options = page.select("select[name=period] option")
    assert len(options) == len(fixture_files.forces_per_period("dbc-2025"))


def test_the_dataset_page_lists_its_periods_and_names_every_source(client):
    page = soup(client.get("/datasets/dbc-2025/"))
    periods = fixture_files.forces_per_period("dbc-2025")
    items = page.select(".periods-list li")
    assert len(items) == len(periods)
    start, end = most_forces_period("dbc-2025")
    assert f"period={start:%Y-%m-%d}~{end:%Y-%m-%d}" in items[0].a["href"]
    assert "the league opens on this period" in items[0].get_text()
    for item in items:
        query = parse_qs(urlsplit(item.a["href"]).query)
        first, last = query["period"][0].split("~")
        key = fixture_files.period({"period_start": first, "period_end": last})
        assert f": {periods[key]} force" in item.get_text()
    sources = {
        (row["source_title"], row["source_publisher"], row["source_date"], row["source_url"])
        for row in fixture_files.figures("dbc-2025")
    }
    titles = {source[0] for source in sources}
    listed = [item.get_text(" ", strip=True) for item in page.select(".source-list li")]
    assert len(listed) == len(sources)
    for title in titles:
        assert any(text.startswith(title) for text in listed), title
    assert f"Read from {len(sources)} sources" in page.get_text(" ", strip=True)
