"""Every download's CSV, XLSX and JSON carry the same columns and rows, under one documented
column scheme (dashboard/export_columns.py, printed at /about/data/)."""

import csv
import datetime as dt
import io
import json

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from dashboard.export_columns import EXPORTS

pytestmark = pytest.mark.django_db

VIEWS = [
    "/league/?dataset=bbw-2016",
    "/league/?dataset=bbw-2016&outcome=dismissed&metric=per-1000-officers",
    "/league/?dataset=northumbria-foi-183-20",
    "/figures/?dataset=bbw-2016&force=dorset",
    "/incidents/?dataset=northumbria-foi-183-20",
]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def cell(value):
    """A cell read from any format, comparable with the others: text as CSV writes it,
    numbers as numbers (a spreadsheet reads 0.0 back as 0)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    text = str(value)
    if isinstance(value, bool):
        return text
    try:
        return float(text)
    except ValueError:
        return text


def downloads(client, view):
    """(header, rows) of the CSV, the XLSX (header = labels) and the JSON (keys)."""
    text = body(client.get(f"{view}&_export=csv")).decode("utf-8-sig")
    csv_lines = list(csv.reader(io.StringIO(text)))
    sheet = load_workbook(io.BytesIO(body(client.get(f"{view}&_export=xlsx"))), read_only=True)
    xlsx_lines = [list(row) for row in sheet.worksheets[0].iter_rows(values_only=True)]
    json_rows = json.loads(body(client.get(f"{view}&_export=json")))["rows"]
    return csv_lines, xlsx_lines, json_rows


@pytest.mark.parametrize("view", VIEWS)
def test_csv_xlsx_and_json_of_one_view_carry_the_same_columns_and_rows(client, view):
    csv_lines, xlsx_lines, json_rows = downloads(client, view)
    header = csv_lines[0]
    assert json_rows, view  # every view here has rows
    assert [list(row) for row in json_rows] == [header] * len(json_rows)  # the same keys
    assert len(xlsx_lines[0]) == len(header)  # labels, one per machine name
    assert len(csv_lines) == len(xlsx_lines) == 1 + len(json_rows)
    for csv_row, xlsx_row, json_row in zip(csv_lines[1:], xlsx_lines[1:], json_rows, strict=True):
        in_csv = [cell(value) for value in csv_row]
        assert in_csv == [cell(value) for value in xlsx_row], view
        assert in_csv == [cell(json_row[key]) for key in header], view


def test_the_league_csv_header_is_machine_names_and_the_xlsx_header_labels(client):
    csv_lines, xlsx_lines, _ = downloads(client, VIEWS[0])
    assert csv_lines[0][:3] == ["rank", "force", "force_slug"]
    assert xlsx_lines[0][:3] == ["rank", "force", "force code"]
    assert all(name == name.lower() and " " not in name for name in csv_lines[0])


def test_the_data_dictionary_describes_every_column_of_every_download(client):
    page = BeautifulSoup(client.get("/about/data/").content, "html.parser")
    described = {
        table.find_previous("h2").get_text(strip=True): {
            row.th.get_text(strip=True): row.select("td")[1].get_text(strip=True)
            for row in table.select("tbody tr")
        }
        for table in page.select("table.data-dictionary")
    }
    assert set(described) == {title for title, _, _ in EXPORTS}
    assert all(all(described[title].values()) for title in described)  # none undescribed
    # The dictionary's names are the names the downloads use.
    shown = {
        "League table": downloads(client, VIEWS[0])[0][0],
        "Figures": downloads(client, VIEWS[3])[0][0],
        "Incident records": downloads(client, VIEWS[4])[0][0],
        "Chart data": next(csv.reader(io.StringIO(
            client.get("/charts/data.csv?v=1&chart=league&dataset=bbw-2016")
            .content.decode("utf-8-sig")
        ))),
    }  # fmt: skip
    for title, header in shown.items():
        assert set(header) <= set(described[title]), title
