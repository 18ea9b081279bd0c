"""Rank ranges on the league (dashboard/league/rows.py, breaches/stats.py): on the page and
in every export, honest about ties and lower bounds."""

import json

import pytest
from bs4 import BeautifulSoup
from scipy.stats import beta

pytestmark = pytest.mark.django_db


def exported(client, query):
    response = client.get(f"/league/?{query}&_export=json")
    assert response.status_code == 200
    return json.loads(response.content)["rows"]


def bounds(text: str) -> tuple[int, int]:
    low, _, high = text.partition("–")
    return int(low), int(high or low)


def test_every_ranked_row_has_a_range_holding_its_rank(client):
    rows = exported(client, "dataset=bbw-2016")
    ranked = [row for row in rows if row["rank"] is not None]
    assert ranked
    for row in rows:
        if row["rank"] is None:
            assert row["rank_range"] == ""  # not disclosed: no rank, no range
            continue
        low, high = bounds(row["rank_range"])
        assert low <= row["rank"] <= high
    # Ordered by rank, the ranges never go backwards.
    lows = [bounds(row["rank_range"])[0] for row in ranked]
    highs = [bounds(row["rank_range"])[1] for row in ranked]
    assert lows == sorted(lows)
    assert highs == sorted(highs)


def test_the_top_force_is_certain_only_when_far_ahead(client):
    rows = [r for r in exported(client, "dataset=bbw-2016") if r["rank"] is not None]
    first, second = rows[0], rows[1]
    # West Midlands' 488 against Surrey's 202: in every draw the first stays first (the
    # probability of the reverse, from scipy's beta, is far below 2.5%).
    behind = beta.cdf(0.5, first["count"] + 0.5, second["count"] + 0.5)
    assert behind < 1e-6
    assert first["rank_range"] == "1"
    # Small counts cannot be told apart: the last two forces' ranges overlap.
    last, before = bounds(rows[-1]["rank_range"]), bounds(rows[-2]["rank_range"])
    assert last[0] <= before[1]


def test_a_rate_ranks_counts_over_officers(client):
    rows = exported(client, "dataset=bbw-2016&metric=per-1000-officers")
    ranked = [row for row in rows if row["rank"] is not None]
    rates = [row["rate_per_1000"] for row in ranked]
    assert rates == sorted(rates, reverse=True)
    for row in ranked:
        low, high = bounds(row["rank_range"])
        assert low <= row["rank"] <= high


def test_lower_bounds_may_belong_higher_and_ties_share_a_range(client):
    rows = exported(client, "dataset=bbw-2016&outcome=dismissed")
    partial = [row for row in rows if row["lower_bound"] and row["rank"] is not None]
    assert partial  # Cambridgeshire and Cleveland: "at least N"
    assert all(row["rank_range"].startswith("1") for row in partial)
    by_count = {}
    for row in rows:
        if row["rank"] is not None and not row["lower_bound"]:
            by_count.setdefault(row["count"], set()).add(row["rank_range"])
    assert all(len(ranges) == 1 for ranges in by_count.values())


def test_page_shows_rank_with_its_range(client):
    page = BeautifulSoup(client.get("/league/?dataset=bbw-2016").content, "html.parser")
    rows = exported(client, "dataset=bbw-2016")
    cells = {
        tr["data-force"]: tr.select_one("td.num, th.num").get_text(" ", strip=True)
        for tr in page.select("table.league tbody tr")
    }
    for row in rows:
        if row["rank"] is None:
            assert cells[row["force_slug"]] == "–"
        elif row["rank_range"] == str(row["rank"]):
            assert cells[row["force_slug"]] == str(row["rank"])
        else:
            assert cells[row["force_slug"]] == f"{row['rank']} ({row['rank_range']})"
