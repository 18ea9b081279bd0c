"""The management commands import_figures, import_incidents and load_reference_data."""

import io
import re
import shutil
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from breaches.models import Figure, ImportBatch, Incident
from tests import fixture_files

FIXTURES = fixture_files.FIXTURES
SOURCE = "Test source (pytest, not real data)"
FIGURES_HEADER = ["dataset", "force", "period_start", "period_end", "count", "source_title"]
INCIDENTS_HEADER = ["dataset", "force", "reference", "outcome", "summary"]

pytestmark = pytest.mark.django_db


def run(command, *args, **options):
    """Run a command; returns (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def run_failing(command, *args, **options):
    """Run a command that must fail; returns (the CommandError, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(command, *args, stdout=out, stderr=err, **options)
    return caught.value, out.getvalue(), err.getvalue()


def snapshot():
    """Every row of every table in the breaches app."""
    return {
        model.__name__: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_app_config("breaches").get_models()
    }


def test_the_snapshot_covers_every_breaches_table():
    names = set(snapshot())
    assert {"Figure", "FigureRevision", "Source", "ImportBatch", "Return", "Incident"} <= names
    assert {"Force", "ForceAlias", "Dataset", "Workforce", "EnforcementAction"} <= names


# --- import_figures ---------------------------------------------------------------------


def test_import_figures_prints_what_it_did(write_csv):
    path = write_csv(
        [FIGURES_HEADER, ["bbw-2016", "Kent Police", "2014-01-01", "2014-12-31", "7", SOURCE]],
        name="kent-test.csv",
    )
    batches_before = set(ImportBatch.objects.values_list("pk", flat=True))

    out, err = run("import_figures", str(path))

    assert err == ""
    (batch,) = ImportBatch.objects.exclude(pk__in=batches_before)
    assert out.strip() == (
        f"kent-test.csv: 1 created, 0 updated, 0 unchanged, 0 rejected (batch {batch.pk})"
    )
    assert batch.kind == "figures"
    assert batch.file_name == "kent-test.csv"
    figure = Figure.objects.get(dataset__slug="bbw-2016", force__slug="kent")
    assert figure.count == 7
    assert figure.batch == batch


def test_import_figures_twice_reports_nothing_changed(write_csv):
    path = write_csv(
        [
            FIGURES_HEADER,
            ["bbw-2016", "Kent Police", "2014-01-01", "2014-12-31", "7", SOURCE],
            ["vpnoverview-2021", "Essex Police", "2016-01-01", "2016-12-31", "2", SOURCE],
        ]
    )
    first, _ = run("import_figures", path)
    assert "2 created, 0 updated, 0 unchanged" in first
    after_first = snapshot()

    second, err = run("import_figures", path)

    assert err == ""
    assert "upload.csv: 0 created, 0 updated, 2 unchanged, 0 rejected" in second
    assert "batch" not in second
    assert snapshot() == after_first


def test_import_figures_reports_a_restated_figure(write_csv):
    row = ["bbw-2016", "Kent Police", "2014-01-01", "2014-12-31", "7", SOURCE]
    run("import_figures", write_csv([FIGURES_HEADER, row]))
    row[4] = "8"
    out, _ = run("import_figures", write_csv([FIGURES_HEADER, row], name="restated.csv"))
    assert "restated.csv: 0 created, 1 updated, 0 unchanged" in out
    figure = Figure.objects.get(dataset__slug="bbw-2016", force__slug="kent")
    assert figure.count == 8
    assert figure.revisions.get().count == 7


def test_import_figures_bad_file_names_row_and_column_and_changes_nothing(write_csv):
    path = write_csv(
        [
            FIGURES_HEADER,
            ["bbw-2016", "Kent Police", "2014-01-01", "2014-12-31", "7", SOURCE],
            ["bbw-2016", "Essex Police", "2014-01-01", "2014-12-31", "-1", SOURCE],
        ]
    )
    before = snapshot()

    error, out, err = run_failing("import_figures", path)

    assert str(error) == "1 of 2 rows rejected: nothing imported"
    assert error.returncode != 0
    assert out == ""
    assert "upload.csv: row 3, column 'count': count cannot be negative (value: '-1')." in err
    assert "row 2" not in err
    assert snapshot() == before


def test_import_figures_unknown_force_suggests_on_stderr(write_csv):
    path = write_csv(
        [FIGURES_HEADER, ["bbw-2016", "Surey Police", "2014-01-01", "2014-12-31", "7", SOURCE]]
    )
    before = snapshot()
    error, _, err = run_failing("import_figures", path)
    assert "1 of 1 rows rejected" in str(error)
    assert "row 2, column 'force': unknown force (value: 'Surey Police')" in err
    assert "Did you mean: Surrey Police" in err
    assert snapshot() == before


def test_import_figures_lists_every_error_on_stderr(write_csv):
    path = write_csv(
        [
            FIGURES_HEADER,
            ["bbw-2061", "Kent Police", "2014-01-01", "2014-12-31", "7", SOURCE],
            ["bbw-2016", "Kent Police", "2014-01-01", "2014-12-31", "7", SOURCE],
            ["bbw-2016", "Kent Police", "2014-12-31", "2014-01-01", "lots", SOURCE],
        ]
    )
    error, _, err = run_failing("import_figures", path)
    assert str(error) == "2 of 3 rows rejected: nothing imported"
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("upload.csv: row 2, column 'dataset': unknown dataset")
    assert {line.split(":")[1].strip() for line in lines[1:]} == {
        "row 4, column 'period_end'",
        "row 4, column 'count'",
    }


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "row 1: The file is empty."),
        (b"dataset,force,period_start,period_end,count,source_title\n", "no data rows"),
        (b"\x00\x01\x02\x03binary", "not a CSV or XLSX file"),
        (
            b"dataset,force,reference\nbbw-2016,Kent Police,TEST-1\n",
            "row 1, column 'period_start': missing column(s): period_start, period_end, count",
        ),
    ],
    ids=["empty", "header-only", "binary", "incidents-file"],
)
def test_import_figures_refuses_a_file_it_cannot_read(tmp_path, content, fragment):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    before = snapshot()
    error, out, err = run_failing("import_figures", path)
    assert "nothing imported" in str(error)
    assert out == ""
    assert fragment in err
    assert snapshot() == before


def test_import_figures_missing_path(tmp_path):
    error, _, _ = run_failing("import_figures", tmp_path / "no-such-file.csv")
    assert "No such file" in str(error)
    assert "no-such-file.csv" in str(error)


def test_import_figures_xlsx_sheet_option(tmp_path):
    workbook = Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["not", "figures"])
    sheet = workbook.create_sheet("Figures")
    sheet.append(FIGURES_HEADER)
    sheet.append(["bbw-2016", "Kent Police", "2014-01-01", "2014-12-31", 5, SOURCE])
    path = tmp_path / "figures.xlsx"
    workbook.save(path)

    out, _ = run("import_figures", path, sheet="Figures")
    assert "figures.xlsx: 1 created" in out
    assert Figure.objects.get(dataset__slug="bbw-2016", force__slug="kent").count == 5

    before = snapshot()
    error, _, err = run_failing("import_figures", path, sheet="Figurse")
    assert "nothing imported" in str(error)
    assert "no sheet 'Figurse' (sheets: Notes, Figures)" in err
    assert snapshot() == before


# --- import_incidents -------------------------------------------------------------------


def test_import_incidents_creates_then_reports_unchanged(write_csv):
    path = write_csv(
        [
            INCIDENTS_HEADER,
            ["bbw-2016", "Kent Police", "TEST-INC-1", "warning; dismissed", "Test incident."],
            ["bbw-2016", "WMP", "TEST-INC-2", "", "Test incident."],
        ],
        name="incidents-test.csv",
    )
    out, err = run("import_incidents", path)
    assert err == ""
    assert re.fullmatch(
        r"incidents-test\.csv: 2 created, 0 updated, 0 unchanged, 0 rejected \(batch \d+\)\n",
        out,
    )
    incident = Incident.objects.get(force__slug="kent", reference="TEST-INC-1")
    assert set(incident.outcomes.values_list("outcome", flat=True)) == {"warning", "dismissed"}
    assert Incident.objects.filter(force__slug="west-midlands", reference="TEST-INC-2").exists()
    after_first = snapshot()

    again, _ = run("import_incidents", path)

    assert "incidents-test.csv: 0 created, 0 updated, 2 unchanged, 0 rejected" in again
    assert snapshot() == after_first


def test_import_incidents_bad_file(write_csv):
    path = write_csv(
        [
            INCIDENTS_HEADER,
            ["bbw-2016", "Kent Police", "TEST-INC-1", "", ""],
            ["bbw-2016", "Kent Police", "TEST-INC-1", "", "again"],
            ["bbw-2016", "Kent Police", "TEST-INC-2", "promoted", ""],
        ]
    )
    before = snapshot()
    error, out, err = run_failing("import_incidents", path)
    assert str(error) == "2 of 3 rows rejected: nothing imported"
    assert out == ""
    assert "row 3: the same incident appears twice in the file (first at row 2)." in err
    assert "row 4, column 'outcome': unknown outcome 'promoted'" in err
    assert snapshot() == before


def test_import_incidents_refuses_a_figures_file(write_csv):
    path = write_csv(
        [FIGURES_HEADER, ["bbw-2016", "Kent Police", "2014-01-01", "2014-12-31", "7", SOURCE]]
    )
    before = snapshot()
    _, _, err = run_failing("import_incidents", path)
    assert "row 1, column 'reference': missing column(s): reference" in err
    assert snapshot() == before


# --- load_reference_data ----------------------------------------------------------------


def test_load_reference_data_twice_is_idempotent():
    before = snapshot()
    counts = {name: len(rows) for name, rows in before.items()}
    assert counts["Force"] == len(fixture_files.rows("forces.csv"))
    assert counts["Dataset"] == len(fixture_files.rows("datasets.csv"))
    assert counts["Figure"] == len(fixture_files.rows("figures.csv"))
    assert counts["Incident"] == len(fixture_files.rows("incidents.csv"))
    assert counts["Workforce"] == len(fixture_files.rows("workforce.csv"))
    assert counts["EnforcementAction"] == len(fixture_files.rows("enforcement_actions.csv"))

    first, _ = run("load_reference_data")
    second, _ = run("load_reference_data")

    assert snapshot() == before
    figures, incidents = (
        len(fixture_files.rows("figures.csv")),
        len(fixture_files.rows("incidents.csv")),
    )
    for out in (first, second):
        assert f"forces.csv: {counts['Force']} rows in the table" in out
        assert f"datasets.csv: {counts['Dataset']} rows in the table" in out
        assert f"workforce.csv: {counts['Workforce']} rows in the table" in out
        assert f"figures.csv: 0 created, 0 updated, {figures} unchanged, 0 rejected" in out
        assert f"incidents.csv: 0 created, 0 updated, {incidents} unchanged, 0 rejected" in out


def test_every_fixture_row_is_loaded_with_its_values():
    """Spot nothing: every dataset, workforce row and return note of the files is stored."""
    from breaches.models import Dataset, Return, Workforce

    assert set(Dataset.objects.values_list("slug", flat=True)) == {
        row["slug"] for row in fixture_files.rows("datasets.csv")
    }
    stored = {
        (slug, as_of.isoformat(), measure): value
        for slug, as_of, measure, value in Workforce.objects.values_list(
            "force__slug", "as_of", "measure", "value"
        )
    }
    assert stored == {
        (row["force"], row["as_of"], row["measure"]): Decimal(row["value"])
        for row in fixture_files.rows("workforce.csv")
    }
    for row in fixture_files.rows("returns.csv"):
        answer = Return.objects.get(
            dataset__slug=row["dataset"], force__slug=fixture_files.force_slug(row["force"])
        )
        assert (answer.unit, answer.definition, answer.caveat) == (
            row["unit"],
            row["definition"],
            row["caveat"],
        )
    by_key = {
        (i.dataset.slug, i.force.slug, i.reference)
        for i in Incident.objects.select_related("dataset", "force")
    }
    assert by_key == {
        (row["dataset"], fixture_files.force_slug(row["force"]), row["reference"])
        for row in fixture_files.rows("incidents.csv")
    }


def test_figures_not_disclosed_are_stored_without_a_count():
    """A refusal, no reply or 'not held' is a status, never a zero."""
    withheld = [row for row in fixture_files.rows("figures.csv") if row["status"]]
    assert withheld  # the fixtures have some: this test would pass vacuously otherwise
    stored = Figure.objects.exclude(status="disclosed")
    assert stored.count() == len(withheld)
    assert not stored.filter(count__isnull=False).exists()
    assert sorted(stored.values_list("status", flat=True)) == sorted(r["status"] for r in withheld)


def test_load_reference_data_refuses_an_unknown_workforce_measure(tmp_path):
    folder = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, folder)
    with (folder / "workforce.csv").open("a", encoding="utf-8") as handle:
        handle.write("kent,2015-03-31,specials-headcount,10,test row (pytest)\n")
    before = snapshot()

    error, _, _ = run_failing("load_reference_data", folder=folder)

    assert "workforce.csv" in str(error)
    assert "column 'measure': unknown measure (known: officers-fte, staff-fte" in str(error)
    assert "(value: 'specials-headcount')" in str(error)
    assert snapshot() == before


def test_load_reference_data_with_a_bad_file_changes_nothing(tmp_path):
    folder = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, folder)
    with (folder / "aliases.csv").open("a", encoding="utf-8") as handle:
        # a good new alias (would be saved by a non-atomic loader), then a bad one
        handle.write("kent,Kent Test Alias,test alias (pytest)\n")
        handle.write("atlantis,Atlantis Police,test alias for a force that does not exist\n")
    before = snapshot()

    error, _, _ = run_failing("load_reference_data", folder=folder)

    assert "aliases.csv" in str(error)
    assert "column 'force': unknown force slug (value: 'atlantis')" in str(error)
    assert snapshot() == before
