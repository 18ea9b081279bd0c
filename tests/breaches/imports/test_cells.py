"""Cell conversions (breaches.imports.cells): pure, no database."""

import datetime as dt
from decimal import Decimal

import pytest

from breaches.imports import cells

# --- text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (None, ""),
        ("", ""),
        ("  Surrey Police \t", "Surrey Police"),
        (12, "12"),
        (12.0, "12"),  # XLSX stores whole numbers as floats
        (1.5, "1.5"),
        (dt.datetime(2015, 12, 31, 0, 0), "2015-12-31"),
        (dt.date(2015, 12, 31), "2015-12-31"),
    ],
)
def test_text(cell, expected):
    assert cells.text(cell) == expected


# --- date -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2015-12-31", dt.date(2015, 12, 31)),
        (" 2015-12-31 ", dt.date(2015, 12, 31)),
        ("2016-2-9", dt.date(2016, 2, 9)),
        ("2016-02-29", dt.date(2016, 2, 29)),  # leap day
        # UK day-first, whatever the separator
        ("31/12/2015", dt.date(2015, 12, 31)),
        ("31-12-2015", dt.date(2015, 12, 31)),
        ("31.12.2015", dt.date(2015, 12, 31)),
        ("1/2/2015", dt.date(2015, 2, 1)),  # 1 February, not 2 January
        ("05/04/2016", dt.date(2016, 4, 5)),
    ],
)
def test_date_from_text(cell, expected):
    assert cells.date(cell) == expected


def test_date_from_real_datetime_and_date():
    assert cells.date(dt.datetime(2015, 12, 31, 13, 45)) == dt.date(2015, 12, 31)
    assert type(cells.date(dt.datetime(2015, 12, 31, 13, 45))) is dt.date
    assert cells.date(dt.date(2011, 6, 1)) == dt.date(2011, 6, 1)


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (1, dt.date(1899, 12, 31)),
        (61, dt.date(1900, 3, 1)),
        (40695, dt.date(2011, 6, 1)),
        (42369, dt.date(2015, 12, 31)),
        (42369.0, dt.date(2015, 12, 31)),
        (42369.75, dt.date(2015, 12, 31)),  # a time of day is dropped
        (2958465, dt.date(9999, 12, 31)),
    ],
)
def test_date_from_excel_serial(serial, expected):
    assert cells.date(serial) == expected


@pytest.mark.parametrize("cell", [None, ""])
def test_date_blank_is_none(cell):
    assert cells.date(cell) is None


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("2015-02-30", "is not a real date"),
        ("2015-13-01", "is not a real date"),
        ("30/02/2015", "is not a real date"),
        ("12/31/2015", "is not a real date"),  # US month-first is not silently swapped
        ("2015/12/31", "use YYYY-MM-DD or DD/MM/YYYY"),
        ("31/12/15", "use YYYY-MM-DD or DD/MM/YYYY"),  # two-digit year is ambiguous
        ("2015-12-31T00:00:00", "use YYYY-MM-DD or DD/MM/YYYY"),
        ("December 2015", "use YYYY-MM-DD or DD/MM/YYYY"),
        ("2015", "use YYYY-MM-DD or DD/MM/YYYY"),
        ("yesterday", "is not a date"),
        (0, "is not a date"),
        (-1, "is not a date"),
        (2958466, "is not a date"),  # beyond 9999-12-31
        (True, "is not a date"),
    ],
)
def test_date_rejects(cell, fragment):
    with pytest.raises(cells.CellError, match=fragment):
        cells.date(cell)


def test_cell_error_is_a_value_error():
    assert issubclass(cells.CellError, ValueError)


# --- count ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("0", 0),  # a published zero is zero, not blank
        (0, 0),
        ("202", 202),
        (" 202 ", 202),
        ("2,315", 2315),
        ("1,234,567", 1234567),
        ("1,234.0", 1234),
        ("12.0", 12),
        ("+5", 5),
        (488, 488),
        (488.0, 488),
        (2_147_483_647, 2_147_483_647),
    ],
)
def test_count_accepts(cell, expected):
    result = cells.count(cell)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize("cell", [None, ""])
def test_count_blank_is_none(cell):
    assert cells.count(cell) is None


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("-5", "cannot be negative"),
        (-5, "cannot be negative"),
        ("-1,234", "cannot be negative"),
        (-1.0, "cannot be negative"),
        ("1.5", "is not a whole number"),
        (1.5, "is not a whole number"),
        ("0.1", "is not a whole number"),
        ("NaN", "is not a whole number"),
        ("Infinity", "is not a whole number"),
        ("abc", "is not a number"),
        ("n/a", "is not a number"),
        ("12 breaches", "is not a number"),
        ("<5", "is not a number"),
        ("£5", "is not a number"),
        (True, "is not a whole number"),
        (2_147_483_648, "is too large"),
        ("99,999,999,999", "is too large"),
    ],
)
def test_count_rejects(cell, fragment):
    with pytest.raises(cells.CellError, match=fragment):
        cells.count(cell)


@pytest.mark.parametrize("cell", ["1,5", "12,34", "1,2,3", "1234,567", ",123", "1,23,456"])
def test_count_commas_only_as_thousands_separators(cell):
    """A decimal comma or a stray comma must not be read as a bigger whole number."""
    with pytest.raises(cells.CellError, match="commas may only separate thousands"):
        cells.count(cell)


# --- decimal ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2706.89", Decimal("2706.89")),
        ("1,072.91", Decimal("1072.91")),
        ("70000", Decimal(70000)),
        (150000, Decimal(150000)),
        (" 12.5 ", Decimal("12.5")),
    ],
)
def test_decimal_accepts(cell, expected):
    assert cells.decimal(cell) == expected


@pytest.mark.parametrize("cell", [None, ""])
def test_decimal_blank_is_none(cell):
    assert cells.decimal(cell) is None


@pytest.mark.parametrize("cell", ["abc", "NaN", "Infinity", "2706,89", "1.2.3"])
def test_decimal_rejects(cell):
    with pytest.raises(cells.CellError, match="not a number"):
        cells.decimal(cell)


# --- url --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "https://inforrm.org/2016/07/17/big-brother-watch-report/",
        "http://wired-gov.net/wg/wg-news-1.nsf/0/1CC135FA3D35E4A480257A9900541C73",
        "https://example.org/path?query=1&b=2#fragment",
        "HTTPS://Example.org/x",
    ],
)
def test_url_accepts_http_and_https(cell):
    assert cells.url(cell) == cell


def test_url_is_stripped_and_blank_is_empty():
    assert cells.url("  https://example.org/a  ") == "https://example.org/a"
    assert cells.url("") == ""
    assert cells.url(None) == ""


@pytest.mark.parametrize(
    "cell",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://example.org/file.csv",
        "mailto:foi@example.org",
        "http://",
        "https:example.org",
        "//example.org/path",
        "www.example.org",
        "https://example.org/a b",
        "https://exa\tmple.org/",
        "not a url",
    ],
)
def test_url_refuses_other_schemes_and_malformed(cell):
    with pytest.raises(cells.CellError, match="http:// or https://"):
        cells.url(cell)


# --- bounded ----------------------------------------------------------------------------


def test_bounded_accepts_up_to_the_limit_and_strips():
    assert cells.bounded("x" * 10, 10) == "x" * 10
    assert cells.bounded("  abc  ", 3) == "abc"
    assert cells.bounded(None, 3) == ""


def test_bounded_rejects_over_the_limit():
    with pytest.raises(cells.CellError, match="longer than 10 characters"):
        cells.bounded("x" * 11, 10)


@pytest.mark.parametrize(
    ("cell", "fragments"),
    [
        (
            "2025-31-04",
            (
                "is not a real date: read as yyyy-mm-dd, there is no month 31",
                "read as yyyy-dd-mm, April 2025 has 30 days, not 31",
            ),
        ),
        (
            "2025-13-04",
            (
                "it looks yyyy-dd-mm (day and month swapped): if it means 13 April 2025, "
                "write 2025-04-13",
            ),
        ),
        (
            "12/31/2025",
            (
                "read as dd/mm/yyyy, there is no month 31",
                "it looks mm/dd/yyyy (day and month swapped): if it means 31 December 2025, "
                "write 31/12/2025",
            ),
        ),
        ("31/02/2025", ("read as dd/mm/yyyy, February 2025 has 28 days, not 31",)),
        ("2024-02-30", ("February 2024 has 29 days, not 30",)),
        ("Jan 2014", ("is not a date",)),
    ],
)
def test_date_errors_name_the_formats_and_what_a_swapped_date_would_mean(cell, fragments):
    with pytest.raises(cells.CellError) as problem:
        cells.date(cell)
    message = str(problem.value)
    for fragment in fragments:
        assert fragment in message
    assert "accepted formats: ISO yyyy-mm-dd (2015-12-31), UK dd/mm/yyyy (31/12/2015" in message
