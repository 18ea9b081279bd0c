"""Heavy files are refused by name, not by a killed worker (issue 11, item 8): every XLSX
part capped, reading time capped, suggestions ranked once per distinct unknown name."""

import io
import re
import time
import zipfile

import psycopg2
import pytest
from django.db import connection
from django.urls import reverse

from breaches.imports import xlsx_guard
from breaches.imports.matching import ForceMatcher
from breaches.imports.reference import Reference
from breaches.imports.saving import IMPORT_LOCK
from breaches.imports.validation import parse
from breaches.models import ImportBatch
from breaches.versions import data_version
from tests.breaches.imports.test_staging import many_new_figures
from tests.breaches.imports.test_uploads import confirm_data, preview, snapshot, text, token_of
from tests.hostile.builders import shared_strings_bomb

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A real workbook whose shared strings expand 1 MB past the cap of a part read whole."""
    return shared_strings_bomb(xlsx_guard.MAX_PART + MB, filler=300)


def shared_strings(workbook: bytes) -> zipfile.ZipInfo:
    return zipfile.ZipFile(io.BytesIO(workbook)).getinfo("xl/sharedStrings.xml")


def test_shared_strings_past_the_cap_are_refused_by_name_and_change_nothing(client, editor, bomb):
    part = shared_strings(bomb)
    # Under every other test: the ratio, the total, the upload size. Only the part's cap.
    assert part.file_size / part.compress_size < xlsx_guard.MAX_RATIO
    assert part.file_size < xlsx_guard.MAX_UNCOMPRESSED
    assert len(bomb) < 10 * MB
    before = snapshot()
    response = preview(client, bomb, "return.xlsx")
    expected = (
        f"The workbook part 'xl/sharedStrings.xml' (the text of its cells) would expand to "
        f"{part.file_size / MB:,.0f} MB; at most {xlsx_guard.MAX_PART // MB} MB of one part can "
        "be read. It was not read"
    )
    assert expected in text(response)
    assert b"confirm-import" not in response.content
    refused = client.post(
        reverse("admin:breaches_importbatch_confirm"),
        {"token": token_of(response), "version": data_version()},
    )
    assert refused.status_code == 400
    assert expected in text(refused)
    assert snapshot() == before


def test_every_part_has_a_cap_and_a_declared_sheet_the_higher_one(bomb):
    with pytest.raises(xlsx_guard.PartTooLarge, match=r"xl/sharedStrings\.xml"):
        xlsx_guard.check_xlsx_archive(bomb)
    # The same bytes declared as a worksheet are streamed, so they pass under the sheet cap;
    # undeclared, they are capped as a part read whole.
    source = zipfile.ZipFile(io.BytesIO(bomb))
    for declared, refused in ((True, False), (False, True)):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for member in source.infolist():
                data = source.read(member)
                if member.filename == "[Content_Types].xml" and not declared:
                    data = re.sub(rb'<Override PartName="/xl/worksheets/[^>]*>', b"", data)
                name = member.filename.replace("sharedStrings", "worksheets/sheet1")
                if member.filename != "xl/worksheets/sheet1.xml":
                    target.writestr(name, data)
        if refused:
            with pytest.raises(xlsx_guard.PartTooLarge, match=r"xl/worksheets/sheet1\.xml"):
                xlsx_guard.check_xlsx_archive(out.getvalue())
        else:
            xlsx_guard.check_xlsx_archive(out.getvalue())


def test_a_file_over_the_parse_time_budget_is_refused_by_name_and_changes_nothing(
    client, editor, settings
):
    settings.UPLOAD_PARSE_SECONDS = 0.01
    content = many_new_figures(20_000)
    before = snapshot()
    response = preview(client, content)
    page = text(response)
    assert re.search(
        r"Reading the file took longer than 0\.01 seconds, the most an upload may take "
        r"\(UPLOAD_PARSE_SECONDS\), so it was stopped at row [\d,]+: split it",
        page,
    ), page[:2000]
    assert b"confirm-import" not in response.content
    assert snapshot() == before
    # The commands have no budget: the same file parses whole.
    whole = parse(content, "return.csv", Reference.load(), capped=False)
    assert whole.ok
    assert len(whole.rows) == 20_000


def test_an_unknown_force_on_every_row_is_ranked_once(monkeypatch):
    ranked = []
    original = ForceMatcher._rank
    monkeypatch.setattr(
        ForceMatcher, "_rank", lambda self, key: ranked.append(key) or original(self, key)
    )
    rows = [
        f"bbw-2016,{name},{1800 + n}-01-01,{1800 + n}-12-31,,,,{n},,FOI\n"
        for n in range(3000)
        for name in (("Metropolitian Polise", "Surey Police", "Narnia Constabulary")[n % 3],)
    ]
    content = (
        "dataset,force,period_start,period_end,category,outcome,role,count,status,"
        "source_title\n" + "".join(rows)
    ).encode()
    validation = parse(content, "return.csv", Reference.load())
    unknown = [e for e in validation.errors if e.message == "unknown force"]
    assert len(unknown) == 3000
    assert sorted(ranked) == sorted({"metropolitian polise", "surey", "narnia"})
    first = {e.value: e.suggestions[:1] for e in unknown}
    assert first["Metropolitian Polise"] == ("Metropolitan Police Service",)
    assert first["Surey Police"] == ("Surrey Police",)


def test_a_confirm_over_its_budget_is_stopped_by_name_and_saves_nothing(client, editor, settings):
    response = preview(client, many_new_figures(50))
    before = snapshot()
    settings.UPLOAD_SAVE_SECONDS = 0.5
    # Another import holds the import lock past the budget: the wait is stopped, by name.
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
        started = time.monotonic()
        stopped = client.post(reverse("admin:breaches_importbatch_confirm"), confirm_data(response))
        waited = time.monotonic() - started
    finally:
        other.rollback()
        other.close()
    assert stopped.status_code == 503
    assert (
        "Saving the file took longer than 0.5 seconds (the limit is UPLOAD_SAVE_SECONDS), so it "
        "was stopped: nothing was saved. Split the file" in text(stopped)
    )
    assert waited < 30  # not until gunicorn's timeout
    assert snapshot() == before
    # Free to go again, the same confirm saves the file.
    done = client.post(reverse("admin:breaches_importbatch_confirm"), confirm_data(response))
    assert done.status_code == 302
    assert ImportBatch.objects.get(uploaded_by=editor).created == 50
