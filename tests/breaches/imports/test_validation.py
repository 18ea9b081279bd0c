"""The importer (breaches.imports: validation, saving) on good files and on each kind of bad
input, against the real reference data loaded by tests/conftest.py.

Every figure and incident created here is test data: a test source title, and periods or
references that the real fixtures do not have.
"""

import csv
import datetime as dt
import hashlib
import io

import pytest
from openpyxl import Workbook

from breaches.imports.pipeline import import_file
from breaches.imports.reference import Reference
from breaches.imports.validation import FIGURE_COLUMNS, INCIDENT_COLUMNS, parse
from breaches.models import (
    Figure,
    FigureRevision,
    Force,
    ImportBatch,
    Incident,
    Outcome,
    Return,
    Source,
)
from tests import fixture_files

FIXTURES = fixture_files.FIXTURES
SOURCE = "Test source (pytest, not real data)"
# bbw-2016's real figures all cover 2011-06-01..2015-12-31: a calendar year is new.
START, END = "2014-01-01", "2014-12-31"
D_START, D_END = dt.date(2014, 1, 1), dt.date(2014, 12, 31)

pytestmark = pytest.mark.django_db


# --- helpers ----------------------------------------------------------------------------


def figure_row(**values) -> dict:
    row = {
        "dataset": "bbw-2016",
        "force": "Kent Police",
        "period_start": START,
        "period_end": END,
        "count": "7",
        "source_title": SOURCE,
    }
    row.update(values)
    return row


def incident_row(**values) -> dict:
    row = {"dataset": "bbw-2016", "force": "Kent Police", "reference": "TEST-INC-1"}
    row.update(values)
    return row


def to_csv(rows: list[dict], header=None) -> bytes:
    header = list(header or (FIGURE_COLUMNS if "count" in rows[0] else INCIDENT_COLUMNS))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return out.getvalue().encode()


def import_rows(rows, header=None, kind=None):
    return import_file(to_csv(rows, header), "upload.csv", kind=kind)


def only_error(validation):
    assert len(validation.errors) == 1, [str(e) for e in validation.errors]
    return validation.errors[0]


SNAPSHOT_MODELS = (Figure, FigureRevision, Source, ImportBatch, Return, Incident, Outcome)


def snapshot() -> dict[str, list[tuple]]:
    """Every field of every row the importer could write."""
    return {m.__name__: list(m._base_manager.order_by("pk").values_list()) for m in SNAPSHOT_MODELS}


def get_figure(force="kent", dataset="bbw-2016", start=D_START, end=D_END, **breakdown):
    lookup = {"category": None, "outcome": None, "role": None, **breakdown}
    return Figure.objects.get(
        dataset__slug=dataset,
        force__slug=force,
        period_start=start,
        period_end=end,
        **lookup,
    )


# --- the starting point -----------------------------------------------------------------


def test_the_test_database_holds_the_fixtures_and_no_test_figures():
    assert Force.objects.count() == len(fixture_files.rows("forces.csv"))
    assert Figure.objects.count() == len(fixture_files.rows("figures.csv"))
    assert Incident.objects.count() == len(fixture_files.rows("incidents.csv"))
    assert not Figure.objects.filter(force__slug="kent", dataset__slug="bbw-2016").exists()
    assert not Figure.objects.filter(period_start=D_START, period_end=D_END).exists()
    assert not Source.objects.filter(title=SOURCE).exists()


# --- good figure files ------------------------------------------------------------------


def test_good_figures_file_creates_figures_sources_batch_and_return():
    rows = [
        figure_row(
            count="12",
            source_publisher="Test publisher",
            source_date="2015-03-01",
            source_url="https://example.org/test-foi",
            note="Test note",
        ),
        figure_row(category="unauthorised-access", count="5"),
        figure_row(outcome="dismissed", role="officer", count="0"),
    ]
    content = to_csv(rows)
    figures_before = Figure.objects.count()

    validation, result = import_file(content, "kent-test.csv")

    assert validation.ok
    assert validation.kind == "figures"
    assert validation.rows_read == 3
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert result.changed
    assert Figure.objects.count() == figures_before + 3

    batch = result.batch
    assert batch.kind == "figures"
    assert batch.file_name == "kent-test.csv"
    assert batch.sha256 == hashlib.sha256(content).hexdigest()
    assert (batch.created, batch.updated, batch.unchanged) == (3, 0, 0)

    total = get_figure()
    assert total.count == 12
    assert total.status == "disclosed"
    assert total.note == "Test note"
    assert total.batch == batch
    assert total.source.title == SOURCE
    assert total.source.publisher == "Test publisher"
    assert total.source.published_on == dt.date(2015, 3, 1)
    assert total.source.url == "https://example.org/test-foi"
    assert get_figure(category="unauthorised-access").count == 5
    published_zero = get_figure(outcome="dismissed", role="officer")
    assert published_zero.count == 0  # a published zero is stored as zero, not blank
    assert published_zero.status == "disclosed"
    # Rows 2 and 3 share one source (same title, blank publisher/date/url).
    assert Source.objects.filter(title=SOURCE).count() == 2

    answer = Return.objects.get(dataset__slug="bbw-2016", force__slug="kent")
    assert answer.status == "disclosed"


def test_blank_force_is_a_national_figure_without_a_return():
    returns_before = Return.objects.count()
    validation, result = import_rows([figure_row(force="", count="99")])
    assert validation.ok, [str(e) for e in validation.errors]
    assert result.created == 1
    figure = Figure.objects.get(
        dataset__slug="bbw-2016", force=None, period_start=D_START, period_end=D_END
    )
    assert figure.count == 99
    assert Return.objects.count() == returns_before


def test_uk_dates_thousands_separators_and_header_in_any_order_and_case():
    header = ["Count", "SOURCE_TITLE", " Period_End ", "force", "Dataset", "period_start"]
    rows = [
        {
            "Count": "1,234",
            "SOURCE_TITLE": SOURCE,
            " Period_End ": "31/12/2014",
            "force": "Kent Police",
            "Dataset": "BBW-2016",
            "period_start": "01/01/2014",
        }
    ]
    validation, result = import_rows(rows, header=header)
    assert validation.ok, [str(e) for e in validation.errors]
    assert result.created == 1
    assert get_figure().count == 1234


def test_semicolon_separated_windows_1252_file():
    text = (
        "dataset;force;period_start;period_end;count;source_title;note\n"
        f"bbw-2016;Kent Police;{START};{END};3;{SOURCE};Test: £1,000 café\n"
    )
    validation, result = import_file(text.encode("cp1252"), "excel-export.csv")
    assert validation.ok, [str(e) for e in validation.errors]
    assert result.created == 1
    assert get_figure().note == "Test: £1,000 café"


def test_xlsx_with_real_date_cells_and_a_chosen_sheet():
    workbook = Workbook()
    workbook.active.title = "Read me"
    workbook.active.append(["this sheet is notes", "not figures"])
    sheet = workbook.create_sheet("Figures")
    sheet.append(["dataset", "force", "period_start", "period_end", "count", "source_title"])
    sheet.append(
        ["bbw-2016", "Kent Police", dt.datetime(2014, 1, 1), dt.date(2014, 12, 31), 8, SOURCE]
    )
    sheet.append(["bbw-2016", "Essex Police", 41640, 42004, 4.0, SOURCE])  # Excel serials
    buffer = io.BytesIO()
    workbook.save(buffer)

    validation, result = import_file(buffer.getvalue(), "figures.xlsx", sheet="Figures")

    assert validation.ok, [str(e) for e in validation.errors]
    assert result.created == 2
    assert get_figure().count == 8
    assert get_figure(force="essex").count == 4


def test_xlsx_formula_cell_is_not_evaluated_so_the_count_is_blank():
    workbook = Workbook()
    workbook.active.append(
        ["dataset", "force", "period_start", "period_end", "count", "source_title"]
    )
    workbook.active.append(["bbw-2016", "Kent Police", START, END, "=3+4", SOURCE])
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = snapshot()

    validation, result = import_file(buffer.getvalue(), "figures.xlsx")

    assert result is None
    error = only_error(validation)
    assert (error.row, error.column) == (2, "count")
    assert "count and status are both blank" in error.message
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Metropolitan Police", "metropolitan"),  # alias
        ("The Met", "metropolitan"),  # alias
        ("Metropolitan Police Service", "metropolitan"),  # official name
        ("WMP", "west-midlands"),  # alias
        ("wmp", "west-midlands"),  # alias, any case
        ("Avon & Somerset Police", "avon-and-somerset"),  # alias with '&'
        ("Avon and Somerset Constabulary", "avon-and-somerset"),
        ("AVON & SOMERSET CONSTABULARY", "avon-and-somerset"),  # '&' folded to 'and'
        ("Devon and Cornwall Police", "devon-and-cornwall"),
        ("  surrey police  ", "surrey"),
        ("Surrey", "surrey"),  # short name
        ("dyfed-powys", "dyfed-powys"),  # slug
        ("Dyfed Powys Police", "dyfed-powys"),  # punctuation folded
        ("PSNI", "northern-ireland"),
    ],
)
def test_force_resolved_through_names_aliases_and_slugs(name, slug):
    validation, result = import_rows([figure_row(force=name)])
    assert validation.ok, [str(e) for e in validation.errors]
    assert validation.rows[0].force == slug
    assert result.created == 1
    assert get_figure(force=slug).count == 7


@pytest.mark.parametrize(
    ("column", "given", "code"),
    [
        ("category", "Unauthorised Access", "unauthorised-access"),
        ("category", "UNAUTHORIZED ACCESS", "unauthorised-access"),
        ("category", "unauthorised_access", "unauthorised-access"),
        ("category", "PNC", "pnc-misuse"),
        ("category", "Disclosure to Third Parties", "third-party-disclosure"),
        ("outcome", "SACKED", "dismissed"),
        ("outcome", "Employment terminated", "dismissed"),
        ("outcome", "words of advice", "management-action"),
        ("outcome", "Resigned or Dismissed", "resigned-or-dismissed"),
        ("outcome", "NFA", "no-action"),
        ("role", "Police Staff", "staff"),
        ("role", "CIVILIAN", "staff"),
        ("role", "Police Officer", "officer"),
        ("role", "PCSO", "pcso"),
    ],
)
def test_labels_and_synonyms_accepted_case_insensitively(column, given, code):
    validation, result = import_rows([figure_row(**{column: given})])
    assert validation.ok, [str(e) for e in validation.errors]
    assert getattr(validation.rows[0], column) == code
    assert result.created == 1
    assert get_figure(**{column: code}).count == 7


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("not-disclosed", "not-disclosed"),
        ("Not Disclosed", "not-disclosed"),
        ("WITHHELD", "not-disclosed"),
        ("Refused", "refused"),
        ("exempt", "refused"),
        ("No reply", "no-response"),
        ("Information not held", "not-held"),
    ],
)
def test_status_only_row_creates_a_figure_without_count_and_a_return_with_that_status(given, code):
    assert not Return.objects.filter(dataset__slug="bbw-2016", force__slug="kent").exists()
    validation, result = import_rows([figure_row(count="", status=given)])
    assert validation.ok, [str(e) for e in validation.errors]
    assert result.created == 1
    figure = get_figure()
    assert figure.count is None
    assert figure.status == code
    answer = Return.objects.get(dataset__slug="bbw-2016", force__slug="kent")
    assert answer.status == code


def test_explicit_disclosed_status_with_a_count():
    validation, result = import_rows([figure_row(count="3", status="Disclosed")])
    assert validation.ok
    assert result.created == 1
    assert get_figure().status == "disclosed"


def test_breakdown_only_force_still_has_a_disclosed_return():
    validation, result = import_rows([figure_row(role="staff", count="2")])
    assert validation.ok
    assert result.created == 1
    assert Return.objects.get(dataset__slug="bbw-2016", force__slug="kent").status == "disclosed"


# --- bad figure files: one error, with its row, column and message ----------------------

GOOD = {}  # marker: the row is good


@pytest.mark.parametrize(
    ("bad", "column", "fragment", "suggestions"),
    [
        ({"dataset": "bbw-2061"}, "dataset", "unknown dataset", ("bbw-2016",)),
        ({"dataset": "vpnoverview2021"}, "dataset", "unknown dataset", ("vpnoverview-2021",)),
        ({"dataset": ""}, "dataset", "dataset is required", ()),
        ({"force": "Surey Police"}, "force", "unknown force", ("Surrey Police",)),
        ({"force": "West Midland Police"}, "force", "unknown force", ("West Midlands Police",)),
        (
            {"force": "Metropolitan Polise"},
            "force",
            "unknown force",
            ("Metropolitan Police Service",),
        ),
        ({"period_start": "2014-02-30"}, "period_start", "period start is not a real date", ()),
        ({"period_start": "Jan 2014"}, "period_start", "period start is not a date", ()),
        ({"period_end": "31/13/2014"}, "period_end", "period end is not a real date", ()),
        ({"period_start": ""}, "period_start", "period start is required", ()),
        ({"period_end": ""}, "period_end", "period end is required", ()),
        (
            {"period_start": "2014-12-31", "period_end": "2014-01-01"},
            "period_end",
            "period end is before period start",
            (),
        ),
        ({"count": "-3"}, "count", "count cannot be negative", ()),
        ({"count": "lots"}, "count", "count is not a number", ()),
        ({"count": "1,5"}, "count", "count is not a number", ()),
        ({"count": "2.5"}, "count", "count is not a whole number", ()),
        ({"count": "-3", "status": ""}, "count", "count cannot be negative", ()),
        ({"count": "", "status": ""}, "count", "count and status are both blank", ()),
        (
            {"count": "5", "status": "refused"},
            "status",
            "a count is given but the status says 'refused'",
            (),
        ),
        (
            {"count": "5", "status": "withheld"},
            "status",
            "a count is given but the status says 'not-disclosed'",
            (),
        ),
        (
            {"count": "", "status": "disclosed"},
            "count",
            "the status says disclosed but the count is blank",
            (),
        ),
        ({"count": "", "status": "secret"}, "status", "unknown status; use one of:", ()),
        (
            {"category": "hacking"},
            "category",
            "unknown category; use one of: unauthorised-access",
            (),
        ),
        ({"outcome": "promoted"}, "outcome", "unknown outcome; use one of:", ()),
        ({"role": "dog handler"}, "role", "unknown role; use one of: officer, staff", ()),
        ({"source_title": ""}, "source_title", "source title is required", ()),
        ({"source_title": "x" * 501}, "source_title", "longer than 500 characters", ()),
        ({"source_date": "last week"}, "source_date", "source date is not a date", ()),
        (
            {"source_url": "javascript:alert(1)"},
            "source_url",
            "source url is not a web address starting with http:// or https://",
            (),
        ),
        ({"note": "x" * 5001}, "note", "longer than 5000 characters", ()),
    ],
)
def test_bad_figure_row_is_reported_with_row_column_and_message(bad, column, fragment, suggestions):
    rows = [
        figure_row(force="Essex Police"),
        figure_row(**bad),
        figure_row(force="Norfolk Constabulary"),
    ]
    before = snapshot()

    validation, result = import_rows(rows)

    assert result is None
    error = only_error(validation)
    assert error.row == 3  # header is row 1; the bad row is the second data row
    assert error.column == column
    assert fragment in error.message
    assert error.suggestions[: len(suggestions)] == suggestions
    assert validation.rejected == 1
    assert validation.rows_read == 3
    assert len(validation.rows) == 2  # the good rows were validated, but nothing was saved
    assert snapshot() == before


def test_unknown_force_message_lists_nearest_known_names():
    validation, _ = import_rows([figure_row(force="Surey Police")])
    error = only_error(validation)
    assert error.value == "Surey Police"
    assert error.suggestions[0] == "Surrey Police"
    assert 1 <= len(error.suggestions) <= 3
    assert str(error).startswith("row 2, column 'force': unknown force (value: 'Surey Police').")
    assert "Did you mean: Surrey Police" in str(error)


def test_unknown_dataset_message_suggests_the_nearest_slug():
    validation, _ = import_rows([figure_row(dataset="bbw-2061")])
    error = only_error(validation)
    assert error.suggestions[0] == "bbw-2016"
    assert "datasets are added in admin" in str(error)
    assert "Did you mean: bbw-2016" in str(error)


def test_every_bad_row_and_cell_is_reported():
    rows = [
        figure_row(count="-1", role="dog handler"),
        figure_row(force="Essex Police"),
        figure_row(force="Nowhere Constabulary", period_start="yesterday"),
    ]
    validation, result = import_rows(rows)
    assert result is None
    found = {(e.row, e.column) for e in validation.errors}
    assert found == {(2, "count"), (2, "role"), (4, "force"), (4, "period_start")}
    assert validation.rejected == 2
    assert validation.rows_read == 3


def test_row_with_more_cells_than_the_header():
    content = (
        to_csv([figure_row()])
        + f"bbw-2016,Essex Police,{START},{END},,,,1,,{SOURCE},,,,,surplus\n".encode()
    )
    validation, result = import_file(content, "upload.csv")
    assert result is None
    error = only_error(validation)
    assert error.row == 3
    assert error.column == ""
    assert "more cells than the header has columns ('surplus')" in error.message


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({}, {"count": "8"}),  # same key, different value
        ({"force": "West Midlands Police"}, {"force": "WMP"}),  # same force through an alias
        ({}, {"period_start": "01/01/2014", "period_end": "31/12/2014"}),  # same dates
        ({"category": "unauthorised-access"}, {"category": "Unauthorised Access"}),
        ({"force": ""}, {"force": ""}),  # two national figures
    ],
)
def test_the_same_figure_twice_in_one_file(first, second):
    rows = [figure_row(force="Essex Police"), figure_row(**first), figure_row(**second)]
    before = snapshot()
    validation, result = import_rows(rows)
    assert result is None
    error = only_error(validation)
    assert error.row == 4
    assert "the same figure appears twice in the file (first at row 3)" in error.message
    assert snapshot() == before


def test_different_breakdowns_of_one_figure_are_not_duplicates():
    rows = [figure_row(), figure_row(role="officer"), figure_row(role="staff")]
    validation, result = import_rows(rows)
    assert validation.ok
    assert result.created == 3


# --- bad figure files: the file as a whole ----------------------------------------------


@pytest.mark.parametrize(
    ("drop", "column", "fragment"),
    [
        (("period_end",), "period_end", "missing column(s): period_end"),
        (("count", "source_title"), "count", "missing column(s): count, source_title"),
        (("dataset",), "dataset", "missing column(s): dataset"),
    ],
)
def test_missing_required_column(drop, column, fragment):
    header = [c for c in FIGURE_COLUMNS if c not in drop]
    validation, result = import_rows([figure_row()], header=header, kind="figures")
    assert result is None
    error = only_error(validation)
    assert (error.row, error.column) == (1, column)
    assert fragment in error.message


def test_unknown_column_is_refused_rather_than_ignored():
    header = [*FIGURE_COLUMNS, "colour"]
    validation, result = import_rows([figure_row()], header=header)
    assert result is None
    error = only_error(validation)
    assert (error.row, error.column) == (1, "colour")
    assert "unknown column(s): colour; expected: dataset, force" in error.message


def test_header_naming_neither_figures_nor_incidents():
    validation, result = import_file(b"name,value\nx,1\n", "upload.csv")
    assert result is None
    assert validation.kind == "unknown"
    error = only_error(validation)
    assert error.row == 1
    assert "names neither a figures file" in error.message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "The file is empty"),
        (b"\r\n  \r\n", "The file is empty"),
        (",".join(FIGURE_COLUMNS).encode() + b"\n", "the file has a header but no data rows"),
        (
            ",".join(FIGURE_COLUMNS).encode() + b"\n,,,\n\n",
            "the file has a header but no data rows",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV or XLSX file"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "not a CSV file with a header row"),
        (b"Dear requester\nPlease find our answer attached\n", "not a CSV file with a header row"),
        (b"PK\x03\x04 not really a workbook", "not a readable XLSX workbook"),
        (b'count,force\n"unclosed,1\n', "not valid CSV"),
        (b"count,force,Count\n1,x,2\n", "The column 'count' appears twice in the header"),
    ],
    ids=[
        "empty",
        "blank-lines",
        "header-only",
        "header-and-blank-rows",
        "png",
        "pdf-text",
        "prose",
        "fake-zip",
        "bad-quoting",
        "duplicate-header",
    ],
)
@pytest.mark.parametrize("kind", [None, "figures"])
def test_file_that_cannot_be_imported_at_all(content, fragment, kind):
    before = snapshot()
    validation, result = import_file(content, "upload.csv", kind=kind)
    assert result is None
    error = only_error(validation)
    assert error.row == 1
    assert fragment in error.message
    assert validation.rows == []
    assert snapshot() == before


def test_parse_is_pure_and_does_not_write():
    reference = Reference.load()
    before = snapshot()
    validation = parse(to_csv([figure_row()]), "upload.csv", reference)
    assert validation.ok
    assert validation.rows[0].force == "kent"
    assert validation.rows[0].count == 7
    assert snapshot() == before


# --- one bad row: nothing at all changes --------------------------------------------------


def test_one_bad_row_among_good_rows_leaves_the_database_unchanged():
    surrey = Figure.objects.get(
        dataset__slug="bbw-2016",
        force__slug="surrey",
        category=None,
        outcome=None,
        role=None,
    )
    rows = [
        figure_row(),  # new
        figure_row(  # restates a real figure: would create a revision
            force="Surrey Police",
            period_start=surrey.period_start.isoformat(),
            period_end=surrey.period_end.isoformat(),
            count=str(surrey.count + 1),
        ),
        figure_row(force="Essex Police", count="", status="refused"),  # would add a return
        figure_row(force="Norfolk Constabulary", count="-1"),  # the bad row
        figure_row(force="Suffolk Constabulary", source_title="Another test source"),
    ]
    # Give every table in the snapshot some rows, so that a change to any would show.
    import_rows([figure_row(force="Cheshire Constabulary", count="1")])
    import_rows([figure_row(force="Cheshire Constabulary", count="2")])  # a revision
    import_rows([incident_row(outcome="warning")])
    before = snapshot()
    assert all(before.values()), {name: len(rows) for name, rows in before.items()}

    validation, result = import_rows(rows)

    assert result is None
    error = only_error(validation)
    assert (error.row, error.column) == (5, "count")
    assert len(validation.rows) == 4
    assert snapshot() == before


# --- importing again --------------------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing_the_second_time():
    content = to_csv(
        [
            figure_row(source_url="https://example.org/test", source_date="2015-01-01"),
            figure_row(category="Loss", count="1"),
            figure_row(force="Essex Police", count="", status="not-disclosed"),
            figure_row(force="", count="40"),
        ]
    )
    _, first = import_file(content, "upload.csv")
    assert (first.created, first.updated, first.unchanged) == (4, 0, 0)
    after_first = snapshot()

    validation, second = import_file(content, "upload.csv")

    assert validation.ok
    assert (second.created, second.updated, second.unchanged) == (0, 0, 4)
    assert second.batch is None
    assert not second.changed
    assert snapshot() == after_first  # no new batch, source, revision or return


def test_reimporting_the_real_figures_file_changes_nothing():
    before = snapshot()
    content = (FIXTURES / "figures.csv").read_bytes()
    validation, result = import_file(content, "figures.csv", kind="figures")
    assert validation.ok
    unchanged = len(fixture_files.rows("figures.csv"))
    assert (result.created, result.updated, result.unchanged) == (0, 0, unchanged)
    assert result.batch is None
    assert snapshot() == before


def test_changing_one_count_restates_it_and_keeps_the_old_value():
    rows = [figure_row(count="10", note="first"), figure_row(force="Essex Police", count="3")]
    _, first = import_rows(rows)
    assert first.created == 2
    kent = get_figure()
    assert kent.batch == first.batch

    rows[0] = figure_row(count="11", note="first")
    validation, second = import_rows(rows)

    assert validation.ok
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
    assert second.batch is not None
    assert second.batch != first.batch
    assert (second.batch.created, second.batch.updated, second.batch.unchanged) == (0, 1, 1)
    assert ImportBatch.objects.filter(pk__in=[first.batch.pk, second.batch.pk]).count() == 2

    kent.refresh_from_db()
    assert kent.count == 11
    assert kent.batch == second.batch
    revision = FigureRevision.objects.get(figure=kent)
    assert revision.count == 10
    assert revision.status == "disclosed"
    assert revision.note == "first"
    assert revision.source_id == kent.source_id
    assert revision.batch == first.batch  # the import that had set the old value
    assert revision.replaced_by == second.batch

    essex = get_figure(force="essex")
    assert essex.count == 3
    assert essex.batch == first.batch  # untouched
    assert not FigureRevision.objects.filter(figure=essex).exists()


def test_restating_a_real_figure_keeps_the_fixture_value_and_its_batch():
    surrey = Figure.objects.get(
        dataset__slug="bbw-2016", force__slug="surrey", category=None, outcome=None, role=None
    )
    old_count, old_batch, old_source = surrey.count, surrey.batch_id, surrey.source_id
    assert old_batch is not None
    row = figure_row(
        force="Surrey Police",
        period_start=surrey.period_start.isoformat(),
        period_end=surrey.period_end.isoformat(),
        count=str(old_count + 1),
    )
    _, result = import_rows([row])
    assert (result.created, result.updated) == (0, 1)
    surrey.refresh_from_db()
    assert surrey.count == old_count + 1
    assert surrey.source.title == SOURCE
    revision = surrey.revisions.get()
    assert (revision.count, revision.batch_id, revision.source_id) == (
        old_count,
        old_batch,
        old_source,
    )


def test_changing_only_the_source_is_a_restatement():
    import_rows([figure_row(source_url="https://example.org/old")])
    _, result = import_rows([figure_row(source_url="https://example.org/new")])
    assert (result.created, result.updated) == (0, 1)
    figure = get_figure()
    assert figure.source.url == "https://example.org/new"
    assert figure.revisions.get().source.url == "https://example.org/old"


def test_status_restated_to_a_count_updates_the_return():
    import_rows([figure_row(count="", status="refused")])
    assert Return.objects.get(dataset__slug="bbw-2016", force__slug="kent").status == "refused"
    _, result = import_rows([figure_row(count="6")])
    assert result.updated == 1
    figure = get_figure()
    assert (figure.count, figure.status) == (6, "disclosed")
    revision = figure.revisions.get()
    assert (revision.count, revision.status) == (None, "refused")
    assert Return.objects.get(dataset__slug="bbw-2016", force__slug="kent").status == "disclosed"


def test_uploader_is_recorded_on_the_batch(django_user_model):
    editor = django_user_model.objects.create_user("test-editor", password="x")
    _, result = import_file(to_csv([figure_row()]), "upload.csv", user=editor)
    assert result.batch.uploaded_by == editor


# --- incidents --------------------------------------------------------------------------


def outcome_set(reference, force="kent"):
    incident = Incident.objects.get(
        dataset__slug="bbw-2016", force__slug=force, reference=reference
    )
    return set(incident.outcomes.values_list("outcome", "decided_on"))


def test_good_incidents_file_creates_incidents_and_outcomes():
    rows = [
        incident_row(
            reference="TEST-INC-1",
            occurred_on="2014-03-01",
            category="Unauthorised Access",
            role="Police Officer",
            outcome="Warning; SACKED",
            outcome_date="01/09/2014",
            summary="Test incident one (not real).",
        ),
        incident_row(
            reference="TEST-INC-2",
            force="WMP",
            outcome="management-action ~ resigned",
            summary="Test incident two (not real).",
        ),
        incident_row(reference="TEST-INC-3", summary="Test incident without an outcome."),
    ]
    content = to_csv(rows)
    incidents_before = Incident.objects.count()

    validation, result = import_file(content, "incidents.csv")

    assert validation.ok, [str(e) for e in validation.errors]
    assert validation.kind == "incidents"
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert result.batch.kind == "incidents"
    assert result.batch.sha256 == hashlib.sha256(content).hexdigest()
    assert Incident.objects.count() == incidents_before + 3

    one = Incident.objects.get(force__slug="kent", reference="TEST-INC-1")
    assert one.dataset.slug == "bbw-2016"
    assert one.occurred_on == dt.date(2014, 3, 1)
    assert one.category == "unauthorised-access"
    assert one.role == "officer"
    assert one.summary == "Test incident one (not real)."
    assert one.batch == result.batch
    assert outcome_set("TEST-INC-1") == {
        ("warning", dt.date(2014, 9, 1)),
        ("dismissed", dt.date(2014, 9, 1)),
    }
    assert outcome_set("TEST-INC-2", force="west-midlands") == {
        ("management-action", None),
        ("resigned", None),
    }
    assert outcome_set("TEST-INC-3") == set()


def test_repeated_outcome_in_one_cell_is_stored_once():
    validation, result = import_rows([incident_row(outcome="warning; Written warning;WARNING")])
    assert validation.ok
    assert result.created == 1
    assert validation.rows[0].outcomes == ("warning",)
    assert outcome_set("TEST-INC-1") == {("warning", None)}


def test_reimporting_incidents_unchanged():
    content = to_csv(
        [
            incident_row(outcome="warning;dismissed", outcome_date="2014-09-01"),
            incident_row(reference="TEST-INC-2", summary="Test."),
        ]
    )
    _, first = import_file(content, "incidents.csv")
    assert first.created == 2
    after_first = snapshot()

    _, second = import_file(content, "incidents.csv")

    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert second.batch is None
    assert snapshot() == after_first


def test_reimporting_the_real_incidents_file_changes_nothing():
    before = snapshot()
    content = (FIXTURES / "incidents.csv").read_bytes()
    validation, result = import_file(content, "incidents.csv", kind="incidents")
    assert validation.ok
    unchanged = len(fixture_files.rows("incidents.csv"))
    assert (result.created, result.updated, result.unchanged) == (0, 0, unchanged)
    assert snapshot() == before


def test_changed_incident_summary_is_one_update():
    rows = [
        incident_row(summary="Test summary v1", outcome="warning", outcome_date="2014-09-01"),
        incident_row(reference="TEST-INC-2", summary="Other test"),
    ]
    _, first = import_rows(rows)
    rows[0] = incident_row(summary="Test summary v2", outcome="warning", outcome_date="2014-09-01")

    _, second = import_rows(rows)

    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
    changed = Incident.objects.get(force__slug="kent", reference="TEST-INC-1")
    assert changed.summary == "Test summary v2"
    assert changed.batch == second.batch
    assert outcome_set("TEST-INC-1") == {("warning", dt.date(2014, 9, 1))}
    other = Incident.objects.get(force__slug="kent", reference="TEST-INC-2")
    assert other.batch == first.batch


def test_changed_incident_outcomes_replace_the_old_ones():
    import_rows([incident_row(outcome="ongoing")])
    _, result = import_rows([incident_row(outcome="warning;resigned", outcome_date="2015-01-31")])
    assert (result.created, result.updated) == (0, 1)
    assert outcome_set("TEST-INC-1") == {
        ("warning", dt.date(2015, 1, 31)),
        ("resigned", dt.date(2015, 1, 31)),
    }


def test_same_reference_for_another_force_is_another_incident():
    validation, result = import_rows(
        [incident_row(), incident_row(force="Essex Police"), incident_row(dataset="pa-2014")]
    )
    assert validation.ok
    assert result.created == 3


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({}, {"summary": "different summary"}),
        ({"force": "West Midlands Police"}, {"force": "WMP"}),
    ],
)
def test_duplicate_incident_reference_in_one_file(first, second):
    rows = [
        incident_row(reference="TEST-INC-0"),
        incident_row(**first),
        incident_row(**second),
    ]
    before = snapshot()
    validation, result = import_rows(rows)
    assert result is None
    error = only_error(validation)
    assert error.row == 4
    assert "the same incident appears twice in the file (first at row 3)" in error.message
    assert snapshot() == before


@pytest.mark.parametrize(
    ("bad", "column", "fragment", "suggestions"),
    [
        ({"force": "Surey Police"}, "force", "unknown force", ("Surrey Police",)),
        ({"force": ""}, "force", "force is required", ()),
        ({"dataset": "bbw2016"}, "dataset", "unknown dataset", ("bbw-2016",)),
        ({"reference": ""}, "reference", "reference is required", ()),
        ({"reference": "R" * 101}, "reference", "longer than 100 characters", ()),
        ({"occurred_on": "2014-02-30"}, "occurred_on", "occurred on is not a real date", ()),
        (
            {"occurred_on": "2014-06-01", "outcome_date": "2014-05-31"},
            "outcome_date",
            "outcome date is before the date the incident occurred",
            (),
        ),
        ({"outcome": "warning; promoted"}, "outcome", "unknown outcome 'promoted'", ()),
        ({"category": "hacking"}, "category", "unknown category", ()),
        ({"role": "dog handler"}, "role", "unknown role", ()),
    ],
)
def test_bad_incident_row(bad, column, fragment, suggestions):
    rows = [incident_row(reference="TEST-INC-0"), incident_row(**bad)]
    before = snapshot()
    validation, result = import_rows(rows)
    assert result is None
    error = only_error(validation)
    assert (error.row, error.column) == (3, column)
    assert fragment in error.message
    assert error.suggestions[: len(suggestions)] == suggestions
    assert snapshot() == before


def test_incidents_file_missing_the_reference_column():
    header = [c for c in INCIDENT_COLUMNS if c != "reference"]
    validation, result = import_rows([incident_row()], header=header, kind="incidents")
    assert result is None
    error = only_error(validation)
    assert (error.row, error.column) == (1, "reference")
    assert "missing column(s): reference" in error.message


def test_incidents_file_given_as_figures_is_refused():
    validation, result = import_rows([incident_row()], kind="figures")
    assert result is None
    assert validation.errors[0].row == 1
    assert "missing column(s): period_start, period_end, count, source_title" in (
        validation.errors[0].message
    )
