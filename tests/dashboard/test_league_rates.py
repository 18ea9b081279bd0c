"""Rates on dated workforce counts: the count nearest each figure's period with its date, the
whole workforce for datasets that count staff too, and dated counts flagged and never the
default order (issue 12 item 10). Expectations come from fixtures/workforce.csv."""

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest

from breaches.queries import Period
from tests import fixture_files
from tests.dashboard.test_views import league_rows, soup

pytestmark = pytest.mark.django_db


def whole_workforce(slug: str, midpoint: dt.date) -> tuple[Decimal, dt.date] | None:
    """Officers + staff + PCSOs + designated officers at the 31 March nearest `midpoint` at
    which officers and staff were both counted (ties: the later date)."""
    by_date = defaultdict(dict)
    for row in fixture_files.rows("workforce.csv"):
        if row["force"] == slug:
            by_date[dt.date.fromisoformat(row["as_of"])][row["measure"]] = Decimal(row["value"])
    staffed = [d for d, m in by_date.items() if {"officers-fte", "staff-fte"} <= set(m)]
    if not staffed:
        return None
    nearest = min(staffed, key=lambda d: (abs((d - midpoint).days), -d.toordinal()))
    return sum(by_date[nearest].values()), nearest


def rate(count: int, workforce: Decimal) -> str:
    return str((Decimal(count) * 1000 / workforce).quantize(Decimal("0.1"), ROUND_HALF_UP))


def denominators() -> dict[str, str]:
    return {row["dataset"]: row["denominator"] for row in fixture_files.rows("denominators.csv")}


def test_a_dataset_counting_staff_shows_rates_per_1000_of_the_whole_workforce(client):
    assert denominators()["bbw-2016"] == "workforce"
    start, end = fixture_files.period(fixture_files.figures("bbw-2016", force="Surrey Police")[0])
    totals = fixture_files.totals("bbw-2016", start, end)
    rows = {r["Force"]: r for r in league_rows(client.get("/league/?dataset=bbw-2016"))}
    assert "Per 1,000 officers" not in next(iter(rows.values()))
    checked = 0
    for slug, count in totals.items():
        row = rows[fixture_files.force_name(slug)]
        found = whole_workforce(slug, Period(start, end).midpoint)
        if count is None or found is None:
            continue
        workforce, as_of = found
        assert (
            row["Per 1,000 workforce"] == f"{rate(count, workforce)} workforce at {as_of:%-d %b %Y}"
        )
        checked += 1
    assert checked >= 5


def test_a_workforce_count_over_a_year_away_is_flagged_and_not_the_default_order(client):
    # dbc-2025's latest year (2024/25): staff were counted up to 31 March 2023 only.
    response = client.get("/league/?dataset=dbc-2025&metric=per-1000-workforce")
    rows = league_rows(response)
    flagged = [row for row in rows if "dated workforce count" in row["Flags"]]
    assert flagged
    for row in flagged:
        as_of = dt.datetime.strptime(row["Per 1,000 workforce"].split(" at ")[1], "%d %b %Y")
        assert as_of.date() < dt.date(2024, 4, 1) - dt.timedelta(days=365)
    counts = [int(row["Count"].replace(",", "")) for row in rows if row["Count"][0].isdigit()]
    assert counts == sorted(counts, reverse=True)  # by count, not by the dated rate
    assert soup(response).select_one("[data-dated-rate]") is not None
    # Asked for, the rate orders the table.
    by_rate = league_rows(
        client.get("/league/?dataset=dbc-2025&metric=per-1000-workforce&sort=-rate-workforce")
    )
    rated = [row for row in by_rate if row["Per 1,000 workforce"][0].isdigit()]
    rates = [float(row["Per 1,000 workforce"].split()[0]) for row in rated]
    assert rates == sorted(rates, reverse=True)
    assert by_rate[: len(rated)] == rated  # forces without a rate come last


def test_a_rate_inside_the_period_is_the_default_order_and_unflagged(client):
    response = client.get("/league/?dataset=vpnoverview-2021&metric=per-1000-workforce")
    rows = [r for r in league_rows(response) if r["Per 1,000 workforce"][0].isdigit()]
    assert not any("dated workforce count" in row["Flags"] for row in rows)
    assert all("workforce at 31 Mar 2020" in row["Per 1,000 workforce"] for row in rows)
    rates = [float(row["Per 1,000 workforce"].split()[0]) for row in rows]
    assert rates == sorted(rates, reverse=True)
    assert soup(response).select_one("[data-dated-rate]") is None


def test_an_officers_only_dataset_keeps_the_officer_rate_and_refuses_the_workforce_one(client):
    officers_only = [slug for slug, d in denominators().items() if d == "officers"]
    assert officers_only
    slug = officers_only[0]
    rows = league_rows(client.get(f"/league/?dataset={slug}"))
    assert "Per 1,000 officers" in rows[0]
    assert "Per 1,000 workforce" not in rows[0]
    response = client.get(f"/league/?dataset={slug}&metric=per-1000-workforce")
    assert response.status_code == 400
    assert "metric: this dataset counts officers only" in response.content.decode()


def test_the_about_page_says_which_denominator_fits_which_dataset(client):
    page = soup(client.get("/about/"))
    table = page.select_one("table.denominators")
    shown = {
        tr.th.a["href"].rstrip("/").rsplit("/", 1)[1]: tr.select_one("[data-denominator]")
        for tr in table.tbody.find_all("tr")
    }
    expected = denominators()
    assert set(shown) <= set(expected)
    for slug, cell in shown.items():
        assert cell["data-denominator"] == expected[slug]
        words = "the whole workforce" if expected[slug] == "workforce" else "police officers"
        assert cell.get_text() == words


def test_a_workforce_rate_travels_with_its_count_and_date_in_the_export(client):
    import csv
    import io

    response = client.get("/league/?dataset=bbw-2016&_export=csv")
    exported = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    surrey = next(row for row in exported if row["force_slug"] == "surrey")
    workforce, as_of = whole_workforce(
        "surrey", Period(dt.date(2011, 6, 1), dt.date(2015, 12, 31)).midpoint
    )
    assert surrey["rate_per_1000_workforce"] == rate(int(surrey["count"]), workforce)
    assert surrey["whole_workforce_as_of"] == as_of.isoformat()
