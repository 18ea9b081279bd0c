"""The league table's filters, measures, outcome shares, flags and sorting, by content."""

import pytest

from breaches.models import Figure, FigureRevision, ImportBatch
from tests.dashboard.test_views import league_rows

pytestmark = pytest.mark.django_db


def names(rows):
    return [row["Force"] for row in rows]


def test_outcome_filter_dismissed(client):
    rows = league_rows(client.get("/league/?dataset=bbw-2016&outcome=dismissed"))
    assert [(row["Force"], row["Count"]) for row in rows] == [
        ("Surrey Police", "29"),
        ("Cambridgeshire Constabulary", "at least 4"),  # staff only; officers not published
        ("Dorset Police", "4 Σ"),  # summed from officers (3) and staff (1), complete
        ("North Yorkshire Police", "3"),
        ("Cleveland Police", "at least 1"),  # one special constable; roles incomplete
    ]


def test_outcome_group_sums_detailed_outcomes(client):
    rows = league_rows(client.get("/league/?dataset=bbw-2016&outcome=resigned-or-dismissed"))
    by_force = {row["Force"]: row["Count"] for row in rows}
    assert by_force["Surrey Police"] == "38 Σ"
    assert by_force["Humberside Police"] == "at least 5"


def test_rate_measure_ranks_by_rate(client):
    rows = league_rows(client.get("/league/?dataset=bbw-2016&metric=per-1000-officers"))
    assert names(rows)[:3] == ["Surrey Police", "Humberside Police", "North Yorkshire Police"]
    # Each rank with its plausible range in brackets (tests/dashboard/test_rank_ranges.py).
    assert [row["Rank"].split()[0] for row in rows[:3]] == ["1", "2", "3"]
    assert rows[0]["Per 1,000 officers"].startswith("108.4")
    assert rows[-1]["Force"] == "Northumbria Police"  # not disclosed: last, unranked
    assert rows[-1]["Rank"] == "–"


def test_annualised_measure(client):
    rows = league_rows(client.get("/league/?dataset=bbw-2016&metric=annualised"))
    # 488 over 1 June 2011 to 31 December 2015: 55 months, 4.58 years
    assert rows[0]["Per year"] == "106.5"


def test_small_number_flag_only_for_rates(client):
    by_count = {r["Force"]: r for r in league_rows(client.get("/league/?dataset=bbw-2016"))}
    assert "small number" not in by_count["Dyfed-Powys Police"]["Flags"]
    by_rate = league_rows(client.get("/league/?dataset=bbw-2016&metric=per-1000-officers"))
    by_rate = {r["Force"]: r for r in by_rate}
    assert "small number" in by_rate["Dyfed-Powys Police"]["Flags"]  # 8 breaches
    assert "small number" not in by_rate["Durham Constabulary"]["Flags"]  # 13


def test_force_caveat_and_partial_period_flags(client):
    by_force = {r["Force"]: r for r in league_rows(client.get("/league/?dataset=bbw-2016"))}
    assert "force caveat" in by_force["West Midlands Police"]["Flags"]
    assert by_force["Surrey Police"]["Flags"] == "none"
    vpn = league_rows(client.get("/league/?dataset=vpnoverview-2021"))
    assert all("partial period" in row["Flags"] for row in vpn)  # 2020 of 2016 to 2021


def test_restated_flag(client):
    surrey = Figure.objects.get(dataset__slug="bbw-2016", force__slug="surrey", category=None,
                                outcome=None, role=None)  # fmt: skip
    batch = ImportBatch.objects.create(kind="figures", file_name="test.csv", sha256="0" * 64)
    FigureRevision.objects.create(figure=surrey, count=200, status="disclosed",
                                  source=surrey.source, replaced_by=batch)  # fmt: skip
    by_force = {r["Force"]: r for r in league_rows(client.get("/league/?dataset=bbw-2016"))}
    assert "restated" in by_force["Surrey Police"]["Flags"]
    assert "restated" not in by_force["Humberside Police"]["Flags"]


def test_outcome_shares_only_where_a_breakdown_exists(client):
    response = client.get("/league/?dataset=bbw-2016&shares=show")
    by_force = {r["Force"]: r for r in league_rows(response)}
    # Surrey: management action 86 + no action 16 + not proven 3 = 105 of 202
    assert by_force["Surrey Police"]["No formal action %"] == "52%"
    assert by_force["Surrey Police"]["Resigned or dismissed %"] == "19%"  # 38 of 202
    assert by_force["West Midlands Police"]["No formal action %"] == "no breakdown published"
    # Humberside published an outcome breakdown, but not this group: unknown, not 0%.
    assert by_force["Humberside Police"]["No formal action %"] == "not published"
    assert by_force["Humberside Police"]["Resigned or dismissed %"] == "≥ 3%"  # at least 5


def test_region_and_nation_filters_keep_only_those_forces(client):
    rows = league_rows(client.get("/league/?dataset=bbw-2016&region=South+East"))
    assert names(rows) == ["Surrey Police", "Sussex Police"]
    wales = league_rows(client.get("/league/?dataset=bbw-2016&nation=Wales"))
    assert names(wales) == ["Dyfed-Powys Police"]


def test_sorting_by_each_column_keeps_missing_values_last(client):
    ascending = league_rows(client.get("/league/?dataset=bbw-2016&sort=count"))
    assert names(ascending)[:2] == ["Dyfed-Powys Police", "Durham Constabulary"]
    assert names(ascending)[-1] == "Northumbria Police"
    by_name = league_rows(client.get("/league/?dataset=bbw-2016&sort=force"))
    assert names(by_name) == sorted(names(by_name))
    by_rate = league_rows(client.get("/league/?dataset=bbw-2016&sort=-rate"))
    assert names(by_rate)[0] == "Surrey Police"
    by_share = league_rows(
        client.get("/league/?dataset=bbw-2016&sort=-share-no-formal-action&shares=show")
    )
    # 105/202 > 42/81 > at least 7/98 (North Yorkshire's management advice, a lower bound)
    assert names(by_share)[:3] == ["Surrey Police", "Dorset Police", "North Yorkshire Police"]
    shares = [row["No formal action %"] for row in by_share]
    assert shares[:3] == ["52%", "52%", "≥ 7%"]
    # Forces that published no such outcome follow, A to Z, the undisclosed one among them.
    assert not any("%" in share for share in shares[3:])
    assert names(by_share)[3:] == sorted(names(by_share)[3:])


def test_sort_links_in_headers(client):
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get("/league/?dataset=bbw-2016&sort=-count").content, "html.parser")
    count_header = next(th for th in page.select("table.league th") if "Count" in th.get_text())
    assert count_header["aria-sort"] == "descending"
    assert "sort=count" in count_header.a["href"]
    assert "dataset=bbw-2016" in count_header.a["href"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("metric=per-officer", "metric"),
        ("outcome=fired", "outcome"),
        ("category=everything", "category"),
        ("role=boss", "role"),
        ("nation=Atlantis", "nation"),
        ("kind=secret", "kind"),
        ("sort=colour", "sort"),
        ("_export=pdf", "_export"),
    ],
)
def test_unknown_values_answer_400_naming_the_parameter(client, query, parameter):
    response = client.get(f"/league/?dataset=bbw-2016&{query}")
    assert response.status_code == 400
    assert f"{parameter}:" in response.content.decode()


def test_different_unit_flag_from_the_return(client):
    by_force = {r["Force"]: r for r in league_rows(client.get("/league/?dataset=bbw-2016"))}
    west_midlands = by_force["West Midlands Police"]
    assert "different unit or definition" in west_midlands["Flags"]
    assert "The force counted allegations, not breaches." in west_midlands["Caveats"]
    assert "different unit or definition" not in by_force["Surrey Police"]["Flags"]


def test_dated_officer_count_flag(client):
    query = "metric=per-1000-officers"
    pa = league_rows(client.get(f"/league/?dataset=pa-2014&{query}"))
    pa = {r["Force"]: r for r in pa}
    # 2009-2013 rates rest on officers at 31 March 2015, the earliest count: flagged.
    assert "dated officer count" in pa["Greater Manchester Police"]["Flags"]
    assert "officers at 31 Mar 2015" in pa["Greater Manchester Police"]["Per 1,000 officers"]
    assert "dated officer count" not in pa["Essex Police"]["Flags"]  # not disclosed: no rate
    vpn = league_rows(client.get(f"/league/?dataset=vpnoverview-2021&{query}"))
    vpn = {r["Force"]: r for r in vpn}
    # 2020 rates use officers at 31 March 2020, inside the period: not flagged.
    assert "officers at 31 Mar 2020" in vpn["Lancashire Constabulary"]["Per 1,000 officers"]
    assert "dated officer count" not in vpn["Lancashire Constabulary"]["Flags"]
    psni = vpn["Police Service of Northern Ireland"]
    assert psni["Per 1,000 officers"] == "no workforce figure"  # none found for the PSNI
    assert "dated officer count" not in psni["Flags"]
    bbw = {r["Force"]: r for r in league_rows(client.get(f"/league/?dataset=bbw-2016&{query}"))}
    assert "dated officer count" not in bbw["Surrey Police"]["Flags"]  # 2015 is in the period
