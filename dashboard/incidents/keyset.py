"""Keyset pagination: a page is "the rows after (or before) this row" in a fixed, indexed order.

OFFSET pagination reads and throws away every row before the page, so the last page of a
million rows cost a second; and a row imported while a reader pages shifts every later page
by one, so rows repeat or go missing. Here a page is found from its neighbour's key by an
index range scan, whatever its depth, and an import moves no boundary. The key is the
natural key (dataset, force, reference): unique, never null, and the order the browser's
indexes end with (breaches/models.py).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from django.db.models import F, Func, TextField, Value
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual, LessThan

ORDER = ("dataset_id", "force_id", "reference")

# `page=N` from links made before keyset paging: its first key is found by OFFSET over the
# key columns (first_key), up to this page.
MAX_NUMBERED_PAGE = 1000


def encode(key: tuple) -> str:
    """A position in the list as a URL-safe token."""
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str) -> tuple:
    """The key a token names; ValueError for anything that is not one."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        dataset, force, reference = json.loads(raw)
    except (ValueError, TypeError) as error:  # binascii.Error and JSONDecodeError included
        raise ValueError("not a position in this list") from error
    if not (
        isinstance(dataset, int)
        and isinstance(force, int)
        and isinstance(reference, str)
        and 0 < dataset < 2**63
        and 0 < force < 2**63
        and "\x00" not in reference
    ):
        raise ValueError("not a position in this list")
    return dataset, force, reference


def key_of(row) -> tuple:
    return tuple(getattr(row, name) if not isinstance(row, dict) else row[name] for name in ORDER)


def _row(*parts) -> Func:
    # ROW(a, b, c) > ROW(x, y, z): PostgreSQL turns the comparison into one index range scan.
    return Func(*parts, function="ROW", output_field=TextField())  # type unused: compared only


@dataclass(frozen=True)
class Page:
    rows: list
    previous: str | None  # token for ?before=, None on the first page
    next: str | None  # token for ?after=, None on the last page
    number: int | None = None  # for ?page=N links only


def ordered(queryset, *, descending: bool = False):
    return queryset.order_by(*(f"-{name}" if descending else name for name in ORDER))


def first_key(queryset, skip: int) -> tuple | None:
    """The key of the row `skip` rows into the list: OFFSET over the key columns alone, which
    the indexes hold (an index-only scan), instead of over whole rows, whose summaries and
    search vectors would all be read only to be skipped."""
    keys = ordered(queryset.prefetch_related(None)).values_list(*ORDER)
    return next(iter(keys[skip : skip + 1]), None)


def page(queryset, *, per_page: int, after=None, before=None, last=False, number=None) -> Page:
    """One page of `queryset` in key order: after a key, before a key, the last, or page N."""
    columns = _row(*(F(name) for name in ORDER))
    if number is not None and number > 1:
        start = first_key(queryset, (number - 1) * per_page)
        if start is None:  # past the end
            return _page([], has_previous=True, has_next=False, number=number)
        queryset = queryset.filter(GreaterThanOrEqual(columns, _row(*map(Value, start))))
        rows = list(ordered(queryset)[: per_page + 1])
        more, rows = len(rows) > per_page, rows[:per_page]
        return _page(rows, has_previous=True, has_next=more, number=number)
    if before is not None or last:
        if before is not None:
            queryset = queryset.filter(LessThan(columns, _row(*map(Value, before))))
        rows = list(ordered(queryset, descending=True)[: per_page + 1])
        more, rows = len(rows) > per_page, rows[:per_page][::-1]
        return _page(rows, has_previous=more, has_next=before is not None)
    if after is not None:
        queryset = queryset.filter(GreaterThan(columns, _row(*map(Value, after))))
    rows = list(ordered(queryset)[: per_page + 1])
    more, rows = len(rows) > per_page, rows[:per_page]
    return _page(rows, has_previous=after is not None, has_next=more, number=None)


def _page(rows, *, has_previous: bool, has_next: bool, number=None) -> Page:
    return Page(
        rows=rows,
        previous=encode(key_of(rows[0])) if rows and has_previous else None,
        next=encode(key_of(rows[-1])) if rows and has_next else None,
        number=number,
    )
