"""Downloads contain exactly the rows on screen, in the same order, and cannot run formulas."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from breaches.models import Figure
from dashboard.exports import neutralise
from tests import fixture_files
from tests.dashboard.test_views import league_rows

pytestmark = pytest.mark.django_db

QUERIES = [
    "dataset=bbw-2016",
    "dataset=bbw-2016&metric=per-1000-officers",
    "dataset=bbw-2016&outcome=dismissed&sort=force",
    "dataset=vpnoverview-2021&region=North+West",
]


def csv_rows(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def xlsx_sheets(response):
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return {name: [list(r) for r in workbook[name].iter_rows(values_only=True)]
            for name in workbook.sheetnames}  # fmt: skip


@pytest.mark.parametrize("query", QUERIES)
def test_exports_have_the_rows_on_screen_in_order(client, query):
    on_screen = [row["Force"] for row in league_rows(client.get(f"/league/?{query}"))]
    assert on_screen  # every query shows something

    as_csv = csv_rows(client.get(f"/league/?{query}&_export=csv"))
    assert [row["force"] for row in as_csv] == on_screen

    as_json = json.loads(client.get(f"/league/?{query}&_export=json").content)
    assert [row["force"] for row in as_json["rows"]] == on_screen

    sheets = xlsx_sheets(client.get(f"/league/?{query}&_export=xlsx"))
    figures = sheets["Figures"]
    force_column = figures[0].index("force")
    assert [row[force_column] for row in figures[1:]] == on_screen


def test_export_rows_carry_values_sources_and_caveats(client):
    rows = {r["force"]: r for r in csv_rows(client.get("/league/?dataset=bbw-2016&_export=csv"))}
    west_midlands = rows["West Midlands Police"]
    assert west_midlands["count"] == "488"
    assert west_midlands["rank"] == "1"
    assert west_midlands["source_url"].startswith("https://www.computerweekly.com/")
    assert "allegations" in west_midlands["caveats"]
    assert rows["Surrey Police"]["rate_per_1000"] == "108.4"
    northumbria = rows["Northumbria Police"]
    assert (northumbria["count"], northumbria["status"]) == ("", "not-disclosed")


def test_xlsx_has_a_sheet_about_the_dataset(client):
    sheets = xlsx_sheets(client.get("/league/?dataset=bbw-2016&_export=xlsx"))
    about = {row[0]: row[1] for row in sheets["About these figures"] if row[0] != "Source"}
    assert about["Code"] == "bbw-2016"
    assert "five-part FOI request" in about["Definition"]
    assert "not like for like" in about["Caveat"]
    sources = [row[1] for row in sheets["About these figures"] if row[0] == "Source"]
    assert any("Staines Informer" in source for source in sources)


def test_a_note_starting_with_equals_is_neutralised(client):
    surrey = Figure.objects.get(dataset__slug="bbw-2016", force__slug="surrey", category=None,
                                outcome=None, role=None)  # fmt: skip
    surrey.note = '=HYPERLINK("http://attacker.invalid","click")'
    surrey.save()
    rows = {r["force"]: r for r in csv_rows(client.get("/league/?dataset=bbw-2016&_export=csv"))}
    assert rows["Surrey Police"]["caveats"] == "'" + surrey.note
    figures = xlsx_sheets(client.get("/league/?dataset=bbw-2016&_export=xlsx"))["Figures"]
    caveats = figures[0].index("caveats")
    surrey_row = next(row for row in figures if row[1] == "Surrey Police")
    assert surrey_row[caveats] == "'" + surrey.note
    exported = client.get("/figures/?force=surrey&_export=csv")
    notes = [row["note"] for row in csv_rows(exported)]
    assert "'" + surrey.note in notes
    assert surrey.note not in notes


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+44", "'+44"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\tx", "'\tx"), ("\rx", "'\rx"), ("Surrey", "Surrey"), (42, 42), (None, None)],
)  # fmt: skip
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_figures_export_matches_the_filtered_browser(client):
    exported = csv_rows(client.get("/figures/?dataset=bbw-2016&force=dorset&_export=csv"))
    assert (
        len(exported)
        == Figure.objects.published().filter(dataset__slug="bbw-2016", force__slug="dorset").count()
    )
    assert {row["force"] for row in exported} == {"Dorset Police"}
    assert all(row["source_url"].startswith("http://www.bridportnews.co.uk/") for row in exported)


def test_filtered_downloads_say_what_they_hold(client):
    response = client.get("/league/?dataset=bbw-2016&outcome=dismissed&_export=csv")
    assert "league-bbw-2016-outcome-dismissed.csv" in response["Content-Disposition"]
    about = json.loads(
        client.get("/league/?dataset=bbw-2016&outcome=dismissed&_export=json").content
    )
    assert about["about"]["Filters"] == "outcome=dismissed"
    # every source of the dataset's figures, none lost to a repeated key
    sources = {
        (row["source_title"], row["source_publisher"], row["source_date"], row["source_url"])
        for row in fixture_files.figures("bbw-2016")
    }
    assert len(about["about"]["Source"]) == len(sources)
    sheets = xlsx_sheets(client.get("/league/?dataset=bbw-2016&outcome=dismissed&_export=xlsx"))
    assert ["Filters", "outcome=dismissed"] in sheets["About these figures"]


def test_share_lower_bounds_travel_with_the_shares(client):
    rows = {r["force"]: r for r in csv_rows(client.get("/league/?dataset=bbw-2016&_export=csv"))}
    humberside = rows["Humberside Police"]
    key = "share_resigned-or-dismissed_lower_bound"
    assert humberside[key] == "True"  # "≥ 3%" on screen
    assert rows["Surrey Police"][key] == "False"


def test_file_names_keep_the_dates_of_a_period_apart(client):
    response = client.get("/league/?dataset=dbc-2025&period=2024-04-01~2025-03-31&_export=csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="league-dbc-2025-period-2024-04-01-to-2025-03-31.csv"'
    )


def test_xlsx_shares_are_percentages(client):
    response = client.get("/league/?dataset=bbw-2016&_export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content))["Figures"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("share resigned or dismissed") + 1
    shares = [row[0] for row in sheet.iter_rows(min_row=2, min_col=column, max_col=column)]
    surrey = next(
        row[column - 1] for row in sheet.iter_rows(min_row=2) if row[1].value == "Surrey Police"
    )
    published = [cell for cell in shares if cell.value is not None]
    assert published, "bbw-2016 publishes outcomes"
    assert {cell.number_format for cell in published} == {"0.0%"}
    assert 0 < surrey.value < 1  # a fraction that Excel shows as a percentage
    # Counts keep Excel's general format.
    assert sheet.cell(row=2, column=header.index("count") + 1).number_format == "General"
