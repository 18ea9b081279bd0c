"""The about page's known gaps and workforce coverage, read off the page against the files."""

import re
from collections import Counter, defaultdict

import pytest
from bs4 import BeautifulSoup

from dashboard import review
from tests import fixture_files

pytestmark = pytest.mark.django_db

REVIEW = fixture_files.FIXTURES / "review"


@pytest.fixture
def page(client, django_assert_max_num_queries):
    # Bounded: vocabularies need none; datasets, workforce, the allocation and the gaps a few.
    with django_assert_max_num_queries(10):
        response = client.get("/about/")
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode(), "html.parser")


def not_coded_by_reason():
    groups = defaultdict(list)
    for row in fixture_files.rows("review/not_coded.csv"):
        groups[row["reason_group"]].append(row)
    return groups


def test_every_number_not_coded_is_listed_under_its_reason_with_its_source(page):
    groups = not_coded_by_reason()
    tables = {table["data-reason"]: table for table in page.select("table.not-coded")}
    assert set(tables) == set(groups)
    heading = page.find(id="not-coded").get_text(" ", strip=True)
    assert f"({sum(len(rows) for rows in groups.values())})" in heading
    for reason, rows in groups.items():
        table = tables[reason]
        assert f"({len(rows)})" in table.caption.get_text()
        shown = table.tbody.find_all("tr")
        assert len(shown) == len(rows), reason
        for row, tr in zip(rows, shown, strict=True):
            cells = [cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])]
            dataset, force, measure, value, _, reason_text, _ = cells
            assert (dataset, force) == (row["dataset"], row["force"] or "National")
            assert (measure, value) == (row["measure"], row["count_or_status"])
            assert reason_text == " ".join(row["reason"].split())
            link = tr.find_all("td")[-1].a
            assert link["href"] == row["source_url"]


def test_groups_are_listed_with_links_to_their_tables(page):
    groups = not_coded_by_reason()
    links = {a["href"]: a.parent.get_text(" ", strip=True) for a in page.select(".gap-groups a")}
    assert len(links) == len(groups)
    for href, text in links.items():
        target = page.find(id=href.removeprefix("#"))
        assert target is not None
        assert target.name == "caption"
        reason = target.find_parent("table")["data-reason"]
        assert text.endswith(f"({len(groups[reason])})")


def test_not_coded_rows_link_to_loaded_datasets_only(page):
    loaded = {row["slug"] for row in fixture_files.rows("datasets.csv")}
    for tr in page.select("table.not-coded tbody tr"):
        first = tr.find("td")
        slug = first.get_text(strip=True)
        if slug in loaded:
            assert first.a["href"] == f"/datasets/{slug}/"
        else:
            assert first.a is None  # e.g. a publication we read but did not load


def test_source_conflicts_are_shown(page):
    notes = page.select_one(".review-notes")
    text = (REVIEW / "conflicts.md").read_text(encoding="utf-8")
    titles = [
        title.replace("`", "") for title in re.findall(r"^\s*\d+\. \*\*(.+?)\*\*", text, re.M)
    ]
    shown = [strong.get_text() for strong in notes.select("li > p > strong")]
    assert shown == titles
    sections = re.findall(r"^## (.+)$", text, re.M)
    assert [h.get_text() for h in notes.find_all("h4")] == sections
    # Item numbers run on across sections, as in the file.
    starts = [int(ol["start"]) for ol in notes.find_all("ol", recursive=False)]
    assert starts == [1, 2, 3, 8]


def test_workforce_coverage_counts_every_year_and_measure(page):
    counts = Counter(
        (row["as_of"][:4], row["measure"]) for row in fixture_files.rows("workforce.csv")
    )
    table = page.select_one("table.workforce-coverage")
    measures = [th.get_text(strip=True) for th in table.thead.find_all("th")][1:]
    assert measures == ["Police officers", "Police staff", "PCSOs", "Designated officers"]
    codes = ["officers-fte", "staff-fte", "pcso-fte", "designated-fte"]
    years = set()
    for tr in table.tbody.find_all("tr"):
        year = tr.th.get_text(strip=True)
        years.add(year)
        cells = [td.get_text(strip=True) for td in tr.find_all("td")]
        assert cells == [str(counts[year, code]) if counts[year, code] else "–" for code in codes]
    assert years == {year for year, _ in counts}
    without = page.select_one("p.without-officers").get_text(" ", strip=True)
    officers = {
        row["force"]
        for row in fixture_files.rows("workforce.csv")
        if row["measure"] == "officers-fte"
    }
    for force in fixture_files.rows("forces.csv"):
        assert (force["name"] in without) is (force["slug"] not in officers), force["slug"]


def test_unallocated_breaches_follow_the_figures(page):
    text = page.find(id="gaps").find_next("ul").get_text(" ", strip=True)
    published, withheld = fixture_files.coverage("bbw-2016")
    dataset = next(row for row in fixture_files.rows("datasets.csv") if row["slug"] == "bbw-2016")
    whole = fixture_files.period(dataset)
    totals = fixture_files.totals("bbw-2016", *whole)
    allocated = sum(count for count in totals.values() if count is not None)
    national = fixture_files.figures("bbw-2016", force="", category="", outcome="", role="")
    assert len(national) == 1
    assert fixture_files.period(national[0]) == whole
    total = int(national[0]["count"])
    assert total == 2315
    assert f"per-force figures are known for {len(published)} forces" in text
    assert f"{total - allocated:,} of the {total:,} breaches are not allocated" in text
    for slug in withheld:
        assert f"plus {fixture_files.force_name(slug)}, which did not disclose" in text


def test_review_text_is_escaped_and_only_web_links_are_links(
    client, settings, tmp_path, monkeypatch
):
    (tmp_path / "not_coded.csv").write_text(
        "raw_line,dataset,force,period_start,period_end,measure,count_or_status,reason_group,"
        "reason,source_url\n"
        "1,bbw-2016,<b>Kent</b>,,,<script>alert(1)</script>,3,<i>odd</i>,"
        '"a ""quoted"" <em>reason</em>",javascript:alert(1)\n',
        encoding="utf-8",
    )
    (tmp_path / "conflicts.md").write_text(
        "# Conflicts\n\n## <img src=x onerror=alert(1)>\n\n1. **<script>x</script>** `<b>`\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(review, "REVIEW_DIR", tmp_path)
    html = client.get("/about/").content.decode()
    for raw in ("<script>alert(1)</script>", "<b>Kent</b>", "<i>odd</i>", "<em>reason</em>",
                "<img src=x", "<script>x</script>", "<code><b>", 'href="javascript:'):  # fmt: skip
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<code>&lt;b&gt;</code>" in html
    page = BeautifulSoup(html, "html.parser")
    row = page.select_one("table.not-coded tbody tr")
    assert row.find_all("td")[-1].a is None  # not a web address: shown as text, not linked
