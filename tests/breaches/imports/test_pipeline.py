"""Streamed incident imports (import_incidents_stream, the import_incidents command): chunked
imports equal whole ones, unchanged files change nothing, bad files change nothing, the admin
row cap is checked while reading, and retraction of a COPY-imported batch restores exactly."""

import csv
import io
from dataclasses import replace

import pytest
from django.apps import apps
from django.core.management import call_command

from breaches.imports.pipeline import import_incidents_stream
from breaches.imports.retraction import retract_batch
from breaches.imports.synthetic import SyntheticIncidents
from breaches.imports.tabular import CHUNK_BYTES, open_table
from breaches.imports.uploads import build_preview
from breaches.imports.validation import INCIDENT_COLUMNS
from breaches.models import Force, ImportBatch, Incident, IncidentRevision

DATASET = "bbw-2016"


def rows(count, offset=0, seed=3):
    forces = list(Force.objects.values_list("slug", flat=True))
    return list(SyntheticIncidents(DATASET, forces, seed).rows(count, offset))


def as_csv(incidents, restate=(), label="Restated") -> bytes:
    """An incidents file; rows whose position is in `restate` get another summary and outcome."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(INCIDENT_COLUMNS)
    for n, row in enumerate(incidents):
        outcomes = ";".join(row.outcomes)
        summary = row.summary
        if n in restate:
            outcomes, summary = "dismissed", f"{label}: {summary}"
        writer.writerow(
            [
                row.dataset,
                row.force,
                row.reference,
                row.occurred_on or "",
                row.category or "",
                row.role or "",
                outcomes,
                row.outcome_date or "",
                summary,
            ]
        )
    return out.getvalue().encode()


def load(content: bytes, name="incidents.csv", **options):
    return import_incidents_stream(io.BytesIO(content), name, **options)


def state():
    """Every incident (withdrawn ones too) by natural key, with its outcomes and revisions."""
    incidents = {}
    for incident in Incident.objects.filter(dataset__slug=DATASET).prefetch_related(
        "outcomes", "revisions"
    ):
        incidents[(incident.force_id, incident.reference)] = (
            incident.occurred_on,
            incident.category,
            incident.role,
            incident.summary,
            incident.retracted_by_id is None,
            sorted((o.outcome, o.decided_on) for o in incident.outcomes.all()),
            sorted(
                (r.summary, r.category, r.occurred_on, str(r.outcomes))
                for r in incident.revisions.all()
            ),
        )
    return incidents


def snapshot():
    return {
        model.__name__: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_app_config("breaches").get_models()
    }


@pytest.mark.django_db(transaction=False)
def test_ten_chunks_and_one_whole_file_give_the_same_database(django_db_blocker):
    from django.db import transaction

    base, update = rows(150), rows(200, offset=100)
    restated = set(range(0, 50, 3))  # rows 100-149 exist already: some are restated
    update_file = as_csv(update, restate=restated)
    load(as_csv(base))

    with transaction.atomic():
        validation, result = load(update_file, chunk_rows=7)  # copied 7 rows at a time
        assert validation.ok, validation.errors[:3]
        assert (result.created, result.updated) == (150, len(restated))
        assert result.unchanged == 50 - len(restated)
        whole = state()
        transaction.set_rollback(True)

    lines = update_file.decode().splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    created = updated = 0
    for start in range(0, len(body), 20):
        chunk = (header + "".join(body[start : start + 20])).encode()
        validation, result = load(chunk, f"chunk-{start}.csv")
        assert validation.ok
        created, updated = created + result.created, updated + result.updated
    chunked = state()

    assert len(body) // 20 == 10
    assert chunked == whole
    assert sum(reference.startswith("SYN-") for _, reference in whole) == 300  # rows 0-299
    assert sum(1 for v in whole.values() if v[3].startswith("Restated")) == len(restated)
    assert (created, updated) == (150, len(restated))


@pytest.mark.django_db
def test_re_importing_an_unchanged_file_changes_nothing():
    content = as_csv(rows(120), restate={5})
    _, first = load(content)
    assert (first.created, first.updated, first.unchanged) == (120, 0, 0)
    assert ImportBatch.objects.get(pk=first.batch.pk).created == 120
    before = snapshot()

    validation, again = load(content)

    assert validation.ok
    assert again.batch is None
    assert (again.created, again.updated, again.unchanged) == (0, 0, 120)
    assert snapshot() == before


@pytest.mark.django_db
def test_a_restatement_keeps_the_old_values_as_a_revision():
    original = rows(10)
    load(as_csv(original))
    _, result = load(as_csv(original, restate={2}))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 9)
    incident = Incident.objects.get(reference=original[2].reference)
    assert incident.summary.startswith("Restated")
    assert list(incident.outcomes.values_list("outcome", flat=True)) == ["dismissed"]
    revision = IncidentRevision.objects.get(incident=incident)
    assert revision.summary == original[2].summary
    assert revision.replaced_by_id == result.batch.pk
    assert revision.outcomes == [
        [code, original[2].outcome_date.isoformat() if original[2].outcome_date else None]
        for code in sorted(original[2].outcomes)
    ]


@pytest.mark.django_db
def test_a_file_with_one_bad_row_imports_nothing_and_names_row_column_and_value():
    incidents = rows(80)
    incidents[40] = replace(incidents[40], force="Atlantis Police")  # file row 42
    incidents.append(incidents[9])  # the same incident twice (rows 11 and 82)
    before = snapshot()

    validation, result = load(as_csv(incidents), chunk_rows=10)

    assert result is None
    assert snapshot() == before
    messages = [str(error) for error in validation.errors]
    assert messages[0].startswith(
        "row 42, column 'force': unknown force (value: 'Atlantis Police')."
    )
    assert messages[1] == "row 82: the same incident appears twice in the file (first at row 11)."
    assert validation.rejected == 2


@pytest.mark.django_db
def test_bad_encoding_late_in_the_file_imports_nothing():
    content = as_csv(rows(30)) + b"bbw-2016,kent,LATE-1,,,,,,caf\xe9 \xe2\x80\x93 mixed\n"
    before = snapshot()
    validation, result = load(content, chunk_rows=5)
    assert result is None
    assert "mixes text encodings" in str(validation.errors[0])
    assert snapshot() == before


class CountingReader(io.BytesIO):
    def __init__(self, content):
        super().__init__(content)
        self.bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data


@pytest.mark.django_db
def test_the_admin_row_cap_refuses_a_big_file_without_reading_it_all(settings):
    settings.UPLOAD_MAX_ROWS = 50
    content = as_csv(rows(300))  # about 45 KB
    content += b"".join(content.splitlines(keepends=True)[1:]) * 80  # about 4 MB
    assert len(content) > 3 * CHUNK_BYTES
    source = CountingReader(content)
    before = snapshot()

    validation, result = import_incidents_stream(source, "big.csv", max_rows=50)

    assert result is None
    assert snapshot() == before
    assert str(validation.errors[0]) == (
        "row 1: The file has more than 50 data rows, the most one upload may have; "
        "split it into several files."
    )
    assert source.bytes_read <= CHUNK_BYTES + 8
    preview = build_preview(content[: CHUNK_BYTES // 2], "upload.csv")
    assert "more than 50 data rows" in str(preview.validation.errors[0])


def test_reading_stops_at_the_row_past_the_cap():
    content = b"a,b\n" + b"1,2\n" * 1_000_000
    source = CountingReader(content)
    table = open_table(source, "x.csv", max_rows=10)
    with pytest.raises(Exception, match="more than 10 data rows"):
        list(table.rows)
    assert source.bytes_read <= CHUNK_BYTES + 8 < len(content)


@pytest.mark.django_db
def test_the_command_has_no_row_cap(settings, tmp_path):
    settings.UPLOAD_MAX_ROWS = 5
    path = tmp_path / "many.csv"
    path.write_bytes(as_csv(rows(40)))
    out = io.StringIO()
    call_command("import_incidents", path, stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("many.csv: 40 created, 0 updated, 0 unchanged")


@pytest.mark.django_db
def test_retracting_a_copy_imported_batch_restores_exactly():
    first, second = rows(60), rows(60, offset=40)
    load(as_csv(first))
    before = state()
    visible_before = set(Incident.objects.published().values_list("reference", flat=True))
    _, restating = load(as_csv(second, restate={0, 1, 2, 5}), chunk_rows=9)
    assert (restating.created, restating.updated, restating.unchanged) == (40, 4, 16)
    # A later batch restates one of them again: the retraction leaves that one alone.
    _, later = load(as_csv(second[:1], restate={0}, label="Later"))
    assert later.updated == 1
    moved_on = (Force.objects.get(slug=second[0].force).pk, second[0].reference)

    result = retract_batch(restating.batch.pk)

    assert (result.restored, result.withdrawn, result.kept) == (3, 40, 1)
    after = state()
    assert after[moved_on][3].startswith("Later: ")
    assert {k: v[:6] for k, v in after.items() if k in before and k != moved_on} == {
        k: v[:6] for k, v in before.items() if k != moved_on
    }
    assert set(Incident.objects.published().values_list("reference", flat=True)) == visible_before

    retract_batch(later.batch.pk)  # walks back past the retracted batch to the first value
    assert state()[moved_on][:6] == before[moved_on][:6]


@pytest.mark.django_db
def test_the_upload_preview_counts_what_the_merge_then_does():
    original = rows(30)
    load(as_csv(original))
    update = rows(40)
    dated = next(n for n, r in enumerate(update[:30]) if r.outcomes and r.outcome_date and n > 5)
    update[dated] = replace(update[dated], outcome_date=None)  # only an outcome's date changes
    content = as_csv(update, restate={1, 4})

    preview = build_preview(content, "upload.csv")
    _, result = load(content)

    counts = (result.created, result.updated, result.unchanged)
    assert (preview.created, preview.updated, preview.unchanged) == counts == (10, 3, 27)
