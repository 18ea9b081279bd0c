"""Turn one spreadsheet cell into a typed value, or a message saying what is wrong with it."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from .tabular import Cell

EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's serial 1 is 1900-01-01 (after its leap-year bug)
UK_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# Commas only as thousands separators: '1,5' (a decimal comma, or a typo) is not 15.
THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
MAX_COUNT = 2_147_483_647  # PostgreSQL's integer
DATE_FORMATS = (
    "accepted formats: ISO yyyy-mm-dd (2015-12-31), UK dd/mm/yyyy (31/12/2015, also with - or "
    ". between), or a date cell in a spreadsheet"
)


class CellError(ValueError):
    pass


def text(cell: Cell) -> str:
    """The cell as stripped text ('' when empty); whole floats lose their '.0'."""
    if type(cell) is str:  # every CSV cell: checked first, it is most of the time spent
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    return str(cell).strip()


def date(cell: Cell) -> dt.date | None:
    """ISO (2015-12-31) or UK day-first (31/12/2015) text, a real date, or an Excel serial."""
    if cell is None or cell == "":
        return None
    if type(cell) is str:
        try:
            return _TEXT_DATES[cell]
        except KeyError:
            if len(_TEXT_DATES) > 100_000:
                _TEXT_DATES.clear()
            _TEXT_DATES[cell] = day = _text_date(cell)  # errors are raised, never kept
            return day
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if 1 <= cell < 2958466:  # serials up to 9999-12-31
            return EXCEL_EPOCH + dt.timedelta(days=int(cell))
        raise CellError(f"is not a date ({DATE_FORMATS})")
    return _text_date(str(cell))


# A case list spans a few thousand distinct days, written the same way on every row.
_TEXT_DATES: dict[str, dt.date] = {}


def _text_date(value: str) -> dt.date:
    value = value.strip()
    match = ISO_DATE.match(value)
    if match:
        year, month, day = (int(p) for p in match.groups())
        return _real_date(year, month, day, "yyyy-mm-dd", (year, day, month), "yyyy-dd-mm")
    match = UK_DATE.match(value)
    if match:
        day, month, year = (int(p) for p in match.groups())
        return _real_date(year, month, day, "dd/mm/yyyy", (year, day, month), "mm/dd/yyyy")
    raise CellError(f"is not a date: use YYYY-MM-DD or DD/MM/YYYY ({DATE_FORMATS})")


def _real_date(year, month, day, reading: str, swapped: tuple, other: str) -> dt.date:
    """The date, or an error saying why not and what the other day/month order would mean."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        pass
    why = f"read as {reading}, {_impossible(year, month, day)}"
    try:
        meant = dt.date(*swapped)
    except ValueError:
        if 1 <= swapped[1] <= 12:
            why += f"; read as {other}, {_impossible(*swapped)}"
    else:
        written = meant.isoformat() if reading.startswith("yyyy") else meant.strftime("%d/%m/%Y")
        why += (
            f"; it looks {other} (day and month swapped): if it means "
            f"{meant.day} {meant:%B %Y}, write {written}"
        )
    raise CellError(f"is not a real date: {why} ({DATE_FORMATS})")


def _impossible(year: int, month: int, day: int) -> str:
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    if year < 1:
        return f"there is no year {year}"
    days = calendar.monthrange(year, month)[1]
    return f"{calendar.month_name[month]} {year} has {days} days, not {day}"


def count(cell: Cell) -> int | None:
    """A whole number >= 0; thousands separators allowed. None when blank."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, bool):
        raise CellError("is not a whole number")
    if isinstance(cell, int):
        number = cell
    elif isinstance(cell, float):
        if not cell.is_integer():
            raise CellError("is not a whole number")
        number = int(cell)
    else:
        value = _without_thousands(str(cell))
        try:
            parsed = Decimal(value)
        except InvalidOperation:
            raise CellError("is not a number") from None
        if not parsed.is_finite() or parsed != parsed.to_integral_value():
            raise CellError("is not a whole number")
        # Before int(): int(Decimal("1e999999999")) would take forever.
        if parsed < 0:
            raise CellError("cannot be negative")
        if parsed > MAX_COUNT:
            raise CellError("is too large")
        number = int(parsed)
    if number < 0:
        raise CellError("cannot be negative")
    if number > MAX_COUNT:
        raise CellError("is too large")
    return number


def _without_thousands(value: str) -> str:
    value = value.strip()
    if "," in value and not THOUSANDS.match(value):
        raise CellError("is not a number: commas may only separate thousands (1,234)")
    return value.replace(",", "")


def decimal(cell: Cell) -> Decimal | None:
    if cell is None or cell == "":
        return None
    try:
        value = Decimal(_without_thousands(str(cell)))
    except InvalidOperation:
        raise CellError("is not a number") from None
    if not value.is_finite():
        raise CellError("is not a number")
    return value


def url(cell: Cell) -> str:
    """An http(s) URL or ''; other schemes (javascript:, data:) would be unsafe as links."""
    value = text(cell)
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise CellError("is not a web address starting with http:// or https://")
    return value


def bounded(cell: Cell, limit: int) -> str:
    value = text(cell)
    if len(value) > limit:
        raise CellError(f"is longer than {limit} characters")
    return value
