"""The streamed XLSX writer: what openpyxl reads back, and that bytes leave before the rows end."""

import datetime as dt
import io
import itertools
import zipfile
from decimal import Decimal

from openpyxl import load_workbook

from dashboard.xlsx_writer import (
    MAX_CELL_TEXT,
    Sheet,
    stream_workbook,
    workbook_bytes,
)


def read(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_values_read_back_as_written():
    rows = [
        ["Kent", 12, 0.125, Decimal("3.5"), True, None, dt.date(2019, 5, 1)],
        ['Café & <Co> "quoted"', 0, 1.0, Decimal("0"), False, "", dt.date(2020, 1, 31)],
    ]
    header = ["Force", "Count", "Share", "Rate", "Flag", "Blank", "Date"]
    book = read(workbook_bytes([Sheet("Figures", rows, width=7, header=header)]))
    sheet = book["Figures"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == header
    assert values[1] == ["Kent", 12, 0.125, 3.5, True, None, "2019-05-01"]
    assert values[2] == ['Café & <Co> "quoted"', 0, 1, 0, False, None, "2020-01-31"]
    assert sheet["A1"].font.b
    assert not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"  # and stays in view


def test_number_formats_apply_to_their_column_only():
    rows = [[0.25, 0.25], [0.5, 0.5]]
    sheet = read(
        workbook_bytes(
            [Sheet("S", rows, width=2, header=["share", "plain"], number_formats=["0.0%", ""])]
        )
    )["S"]
    assert [sheet.cell(row=n, column=1).number_format for n in (2, 3)] == ["0.0%", "0.0%"]
    assert sheet.cell(row=2, column=2).number_format == "General"
    assert sheet.cell(row=1, column=1).number_format == "General"  # not the header


def test_text_is_never_a_formula_and_illegal_characters_are_dropped():
    rows = [["=1+1"], ["bell\x07 and nul\x00 gone, tab\tkept"], ["x" * (MAX_CELL_TEXT + 10)]]
    sheet = read(workbook_bytes([Sheet("S", rows, width=1)]))["S"]
    assert sheet["A1"].value == "=1+1"
    assert sheet["A1"].data_type == "s"
    assert sheet["A2"].value == "bell and nul gone, tab\tkept"
    assert len(sheet["A3"].value) == MAX_CELL_TEXT


def test_several_sheets_keep_their_titles_and_order():
    data = workbook_bytes(
        [
            Sheet("Incidents & more", [[1]], width=1, header=["n"]),
            Sheet("About these figures", [["Filters", "none"]], width=2),
        ]
    )
    book = read(data)
    assert book.sheetnames == ["Incidents & more", "About these figures"]
    assert [list(r) for r in book["About these figures"].iter_rows(values_only=True)] == [
        ["Filters", "none"]
    ]
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None  # every part's CRC holds


def test_bytes_leave_before_the_rows_are_all_read():
    read_so_far = itertools.count()

    def rows():
        for n in range(50_000):
            next(read_so_far)
            yield [n, f"row {n}"]

    pieces = stream_workbook([Sheet("S", rows(), width=2, header=["n", "text"])])
    first = next(pieces)
    second = next(pieces)
    assert first.startswith(b"PK")
    assert second
    assert next(read_so_far) < 5_000  # a few chunks of rows in, not all 50,000
    data = first + second + b"".join(pieces)
    sheet = read(data)["S"]
    assert sheet.max_row == 50_001
    assert [c.value for c in sheet[50_001]] == [49_999, "row 49999"]
