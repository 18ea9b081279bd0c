"""Turn one spreadsheet cell into a typed value, or a message saying what is wrong with it."""

from __future__ import annotations

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
        raise CellError("is not a date")
    return _text_date(str(cell))


# A case list spans a few thousand distinct days, written the same way on every row.
_TEXT_DATES: dict[str, dt.date] = {}


def _text_date(value: str) -> dt.date:
    value = value.strip()
    for pattern, order in ((ISO_DATE, (0, 1, 2)), (UK_DATE, (2, 1, 0))):
        match = pattern.match(value)
        if match:
            parts = [int(p) for p in match.groups()]
            try:
                return dt.date(parts[order[0]], parts[order[1]], parts[order[2]])
            except ValueError:
                raise CellError("is not a real date") from None
    raise CellError("is not a date: use YYYY-MM-DD or DD/MM/YYYY")


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
