"""Reading CSV and XLSX bytes into header + rows (breaches.imports.tabular): pure, no database."""

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook

from breaches.imports.tabular import MAX_COLUMNS, RowError, TableError, read_table


def table_error(content: bytes, file_name: str = "upload.csv", sheet=None) -> TableError:
    with pytest.raises(TableError) as caught:
        read_table(content, file_name, sheet)
    return caught.value


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    """A workbook written by openpyxl: {sheet title: rows}; None rows are left blank."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        worksheet = workbook.create_sheet(title)
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row or [], start=1):
                if value is not None:
                    worksheet.cell(row=number, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_member(content: bytes, member: str, change) -> bytes:
    """The same zip with one member's bytes passed through `change`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, change(data) if name == member else data)
    return out.getvalue()


# --- CSV: encodings ---------------------------------------------------------------------


def test_csv_utf8_without_bom():
    table = read_table("force,note\nSurrey Police,café\n".encode(), "upload.csv")
    assert table.header == ["force", "note"]
    assert table.rows == [(2, {"force": "Surrey Police", "note": "café"})]
    assert table.sheet_names == []


def test_csv_utf8_with_bom_does_not_leak_into_the_first_column_name():
    content = "\ufeffdataset,count\nbbw-2016,5\n".encode()
    assert content.startswith(b"\xef\xbb\xbf")
    table = read_table(content, "upload.csv")
    assert table.header == ["dataset", "count"]
    assert table.rows == [(2, {"dataset": "bbw-2016", "count": "5"})]


def test_csv_windows_1252_pound_sign_accent_and_curly_quote():
    content = 'force,note\nSurrey Police,"£70,000 fine – café’s"\n'.encode("cp1252")
    # '£' and 'é' as single cp1252 bytes
    assert b"\xa3" in content
    assert b"\xe9" in content
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")  # the test really feeds non-UTF-8 bytes
    table = read_table(content, "upload.csv")
    assert table.rows == [(2, {"force": "Surrey Police", "note": "£70,000 fine – café’s"})]


def test_csv_windows_1252_header():
    table = read_table("catégorie,count\nx,1\n".encode("cp1252"), "upload.csv")
    assert table.header == ["catégorie", "count"]


def test_csv_neither_utf8_nor_windows_1252():
    # 0x81 is undefined in Windows-1252 and invalid on its own in UTF-8.
    error = table_error(b"force,note\n\x81,1\n")
    assert "neither UTF-8 nor Windows-1252" in str(error)
    assert error.error.row == 1


# --- CSV: delimiters and quoting ---------------------------------------------------------


def test_csv_semicolon_delimiter_keeps_commas_in_values():
    table = read_table(b"dataset;force;count\nbbw-2016;Surrey Police;1,234\n", "upload.csv")
    assert table.header == ["dataset", "force", "count"]
    assert table.rows == [(2, {"dataset": "bbw-2016", "force": "Surrey Police", "count": "1,234"})]


def test_csv_tab_delimiter():
    table = read_table(b"dataset\tforce\tcount\nbbw-2016\tDorset Police\t81\n", "upload.tsv")
    assert table.header == ["dataset", "force", "count"]
    assert table.rows == [(2, {"dataset": "bbw-2016", "force": "Dorset Police", "count": "81"})]


def test_csv_quoted_delimiter_newline_and_doubled_quote():
    content = b'force,note\r\n"Avon, Somerset","line one\r\nline ""two"""\r\nKent Police,x\r\n'
    table = read_table(content, "upload.csv")
    assert table.rows == [
        (2, {"force": "Avon, Somerset", "note": 'line one\r\nline "two"'}),
        (3, {"force": "Kent Police", "note": "x"}),
    ]


def test_csv_crlf_line_endings():
    table = read_table(b"a,b\r\n1,2\r\n3,4\r\n", "upload.csv")
    assert table.rows == [(2, {"a": "1", "b": "2"}), (3, {"a": "3", "b": "4"})]


@pytest.mark.parametrize(
    "content",
    [b'a,b\n"x"y,2\n', b'a,b\n"never closed,2\n'],
    ids=["text-after-closing-quote", "unterminated-quote"],
)
def test_csv_malformed_quoting_is_an_error(content):
    error = table_error(content)
    assert "not valid CSV" in str(error)


# --- CSV: header ------------------------------------------------------------------------


def test_csv_header_is_stripped_and_lower_cased_and_values_stripped():
    table = read_table(b" Dataset , FORCE ,Count\n bbw-2016 ,  Kent Police ,  3 \n", "x.csv")
    assert table.header == ["dataset", "force", "count"]
    assert table.rows == [(2, {"dataset": "bbw-2016", "force": "Kent Police", "count": "3"})]


def test_csv_trailing_empty_header_columns_are_ignored():
    table = read_table(b"a,b,,\n1,2,,\n", "upload.csv")
    assert table.header == ["a", "b"]
    assert table.rows == [(2, {"a": "1", "b": "2"})]


@pytest.mark.parametrize(
    ("content", "column"),
    [(b"count,force,count\n1,x,2\n", "count"), (b"Force,count,FORCE \n1,2,3\n", "force")],
)
def test_csv_duplicate_header(content, column):
    error = table_error(content)
    assert f"The column '{column}' appears twice in the header" in str(error)
    assert error.error.row == 1
    assert error.error.column == column


def test_csv_header_with_an_unnamed_column_in_the_middle():
    error = table_error(b"a,,b\n1,2,3\n")
    assert "has no name" in str(error)


def test_csv_header_with_too_many_columns():
    header = ",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)).encode()
    error = table_error(header + b"\n")
    assert f"at most {MAX_COLUMNS} allowed" in str(error)
    # exactly the limit is fine
    ok = ",".join(f"c{i}" for i in range(MAX_COLUMNS)).encode()
    assert len(read_table(ok + b"\n", "upload.csv").header) == MAX_COLUMNS


# --- CSV: rows --------------------------------------------------------------------------


def test_csv_blank_lines_are_skipped_but_row_numbers_stay_the_files():
    table = read_table(b"a,b\n1,2\n\n,\n  ,  \n3,4\n", "upload.csv")
    assert table.rows == [(2, {"a": "1", "b": "2"}), (6, {"a": "3", "b": "4"})]


def test_csv_header_only_has_no_rows():
    table = read_table(b"dataset,force,count\n", "upload.csv")
    assert table.header == ["dataset", "force", "count"]
    assert table.rows == []


def test_csv_row_with_more_cells_than_the_header_is_flagged():
    table = read_table(b"a,b\n1,2,surplus\n3,4,\n", "upload.csv")
    assert table.rows[0] == (2, {"__extra__": "surplus"})
    # an empty trailing cell is only a trailing comma, not data
    assert table.rows[1] == (3, {"a": "3", "b": "4"})


def test_csv_short_row_leaves_missing_columns_out():
    table = read_table(b"a,b,c\n1\n", "upload.csv")
    assert table.rows == [(2, {"a": "1"})]


# --- CSV: not a CSV at all -------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"   \r\n\n\t\n", b"\xef\xbb\xbf"])
def test_csv_empty_file(content):
    error = table_error(content)
    assert str(error) == "The file is empty"
    assert error.error == RowError(row=1, column="", value="", message="The file is empty")


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01",
        b"%PDF-1.4\n\x00\x01\x02binary",
        bytes(range(256)),
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00",  # an old binary .xls
    ],
    ids=["png", "pdf", "all-bytes", "xls"],
)
def test_binary_garbage_is_not_a_csv(content):
    error = table_error(content, "upload.csv")
    assert "not a CSV or XLSX file" in str(error)
    assert error.error.row == 1


def test_text_without_any_delimiter_is_not_a_csv():
    error = table_error(b"Dear FOI team,\n".replace(b",", b"") + b"please find attached\n")
    assert "no comma, semicolon or tab" in str(error)


def test_table_error_is_reported_as_a_row_error():
    error = table_error(b"")
    assert str(error.error) == "row 1: The file is empty."


def test_row_error_text_names_row_column_value_and_suggestions():
    error = RowError(7, "force", "Surey Police", "unknown force", ("Surrey Police",))
    assert str(error) == (
        "row 7, column 'force': unknown force (value: 'Surey Police'). Did you mean: Surrey Police?"
    )
    assert str(RowError(3, "", "", "the same figure appears twice")) == (
        "row 3: the same figure appears twice."
    )


# --- XLSX -------------------------------------------------------------------------------


def test_xlsx_values_keep_their_types_and_strings_are_stripped():
    content = xlsx_bytes(
        {
            "Figures": [
                [" Dataset ", "FORCE", "period_start", "count", "note"],
                ["bbw-2016", "  Surrey Police ", dt.datetime(2015, 12, 31), 202, 1.5],
            ]
        }
    )
    table = read_table(content, "figures.xlsx")
    assert table.header == ["dataset", "force", "period_start", "count", "note"]
    assert table.sheet_names == ["Figures"]
    assert table.rows == [
        (
            2,
            {
                "dataset": "bbw-2016",
                "force": "Surrey Police",
                "period_start": dt.datetime(2015, 12, 31, 0, 0),
                "count": 202,
                "note": 1.5,
            },
        )
    ]
    assert isinstance(table.rows[0][1]["period_start"], dt.datetime)


def test_xlsx_is_recognised_by_content_whatever_the_file_name():
    content = xlsx_bytes({"Sheet": [["a", "b"], [1, 2]]})
    assert read_table(content, "misnamed.csv").rows == [(2, {"a": 1, "b": 2})]


def test_xlsx_formula_without_cached_value_is_not_evaluated():
    """openpyxl saves no cached result: data_only gives None, never 2 nor '=1+1'."""
    content = xlsx_bytes({"Sheet": [["a", "count"], ["x", "=1+1"]]})
    assert b"<f>1+1</f>" in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    table = read_table(content, "upload.xlsx")
    assert table.rows == [(2, {"a": "x", "count": None})]


def test_xlsx_formula_gives_the_cached_value_not_the_formula():
    content = xlsx_bytes({"Sheet": [["a", "count"], ["x", "=40+2"]]})
    # As Excel would save it: the formula with its last computed result (deliberately not 42,
    # so the test shows the value is read, not computed).
    content = rewrite_member(
        content,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"<f>40+2</f><v />", b"<f>40+2</f><v>7</v>"),
    )
    assert b"<v>7</v>" in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    table = read_table(content, "upload.xlsx")
    assert table.rows == [(2, {"a": "x", "count": 7})]


def test_xlsx_first_sheet_by_default_and_named_sheet_on_request():
    content = xlsx_bytes(
        {"Notes": [["about", "x"], ["read me", "1"]], "Figures": [["count", "force"], [3, "Kent"]]}
    )
    assert read_table(content, "u.xlsx").header == ["about", "x"]
    table = read_table(content, "u.xlsx", sheet="Figures")
    assert table.header == ["count", "force"]
    assert table.rows == [(2, {"count": 3, "force": "Kent"})]
    assert table.sheet_names == ["Notes", "Figures"]


def test_xlsx_unknown_sheet_name_lists_the_sheets():
    content = xlsx_bytes({"Notes": [["a", "b"]], "Figures": [["count", "force"]]})
    error = table_error(content, "u.xlsx", sheet="Figurse")
    assert str(error) == "The workbook has no sheet 'Figurse' (sheets: Notes, Figures)"
    assert error.error.row == 1


def test_xlsx_empty_sheet():
    content = xlsx_bytes({"Figures": [["count", "force"]], "Blank": []})
    error = table_error(content, "u.xlsx", sheet="Blank")
    assert str(error) == "The sheet is empty"


def test_xlsx_blank_rows_skipped_with_the_sheets_row_numbers():
    content = xlsx_bytes({"S": [["a", "b"], [1, 2], None, None, ["x", None], None, [None, 5]]})
    table = read_table(content, "u.xlsx")
    assert table.rows == [
        (2, {"a": 1, "b": 2}),
        (5, {"a": "x", "b": None}),
        (7, {"a": None, "b": 5}),
    ]


def test_xlsx_row_with_a_cell_beyond_the_header_is_flagged():
    content = xlsx_bytes({"S": [["a", "b"], [1, 2, "surplus"], [3, 4]]})
    table = read_table(content, "u.xlsx")
    assert table.rows == [(2, {"__extra__": "surplus"}), (3, {"a": 3, "b": 4})]


def test_xlsx_duplicate_header():
    content = xlsx_bytes({"S": [["count", "Count"], [1, 2]]})
    error = table_error(content, "u.xlsx")
    assert "The column 'count' appears twice" in str(error)
    assert error.error.column == "count"


def test_xlsx_blank_header_row():
    content = xlsx_bytes({"S": [None, ["a", "b"]]})
    assert "header row is empty" in str(table_error(content, "u.xlsx"))


@pytest.mark.parametrize(
    "content",
    [b"a,b\n1,2\n", b"PK\x03\x04 not really a zip"],
    ids=["csv-named-xlsx", "zip-magic-only"],
)
def test_xlsx_that_is_not_a_workbook(content):
    error = table_error(content, "upload.xlsx")
    assert "not a readable XLSX workbook" in str(error)


def test_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    error = table_error(buffer.getvalue(), "upload.xlsx")
    assert "not a readable XLSX workbook" in str(error)


@pytest.mark.parametrize(
    ("member", "damage"),
    [
        ("xl/workbook.xml", lambda xml: b"garbage"),
        ("xl/worksheets/sheet1.xml", lambda xml: xml[: len(xml) // 2]),  # truncated sheet
        ("xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"<v>3</v>", b"<v>abc</v>")),
    ],
    ids=["workbook-xml", "truncated-sheet", "bad-cell-value"],
)
def test_damaged_xlsx_is_reported_not_raised(member, damage):
    content = xlsx_bytes({"S": [["a", "b"], [dt.date(2015, 1, 1), 3]] + [["x", 1]] * 50})
    assert b"<v>3</v>" in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    error = table_error(rewrite_member(content, member, damage), "upload.xlsx")
    assert "not a readable XLSX workbook" in str(error)
