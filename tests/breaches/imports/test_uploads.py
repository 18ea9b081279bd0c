"""The admin upload workflow: upload, preview (writes nothing), confirm, cancel, limits."""

import datetime as dt
import io
import re
import zipfile

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core import signing
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from breaches.imports import uploads
from breaches.imports.reference import Reference
from breaches.imports.validation import parse
from breaches.models import Figure, FigureRevision, ForceAlias, ImportBatch, Incident

pytestmark = pytest.mark.django_db

HEADER = "dataset,force,period_start,period_end,category,outcome,role,count,status,source_title\n"
WEST_MIDLANDS = "bbw-2016,West Midlands Police,2011-06-01,2015-12-31,,,,{count},,FOI answer\n"
NEW_FIGURE = "bbw-2016,Surrey Police,2011-06-01,2015-12-31,pnc-misuse,,,7,,FOI answer\n"
ADD = "admin:breaches_importbatch_add"


def snapshot():
    """Every row of every table in the breaches app (withdrawn rows included)."""
    return {
        model.__name__: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_app_config("breaches").get_models()
    }


@pytest.fixture(autouse=True)
def staging(settings, tmp_path):
    settings.UPLOAD_STAGING_DIR = tmp_path / "staging"
    return settings.UPLOAD_STAGING_DIR


@pytest.fixture
def editor(client):
    user = User.objects.create_user("editor", is_staff=True)
    user.groups.add(Group.objects.get(name="Data editors"))
    client.force_login(user)
    return user


def upload(client, content: bytes, name="return.csv"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse(ADD), {"file": file})


def preview(client, content: bytes, name="return.csv", follow=True):
    """Upload a file and return the preview page."""
    response = upload(client, content, name)
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"]) if follow else response


def token_of(response) -> str:
    return BeautifulSoup(response.content, "html.parser").find("input", {"name": "token"})["value"]


def text(response) -> str:
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text().split())


def figure_file(count=500, extra=NEW_FIGURE) -> bytes:
    return (HEADER + WEST_MIDLANDS.format(count=count) + extra).encode()


def west_midlands():
    return Figure.objects.get(
        dataset__slug="bbw-2016",
        force__name="West Midlands Police",
        category=None,
        outcome=None,
        role=None,
    )


def test_upload_page_offers_the_form_and_the_templates(client, editor):
    page = text(client.get(reverse(ADD)))
    assert "Upload FOI return" in page
    assert "before anything is saved" in page
    assert "At most 10.0 MB" in page
    assert "figures CSV · XLSX; incidents CSV · XLSX" in page


def test_preview_shows_what_would_change_and_writes_nothing(client, editor, staging):
    before = snapshot()
    response = preview(client, figure_file())
    page = text(response)
    assert "Nothing has been saved yet" in page
    assert "Confirming will create 1, update 1 and leave 0 unchanged" in page
    forces = BeautifulSoup(response.content, "html.parser").find(id="upload-forces")
    rows = [[c.get_text() for c in tr.find_all("td")] for tr in forces.tbody.find_all("tr")]
    assert rows == [["Surrey Police", "1", "0", "0"], ["West Midlands Police", "0", "1", "0"]]
    change = BeautifulSoup(response.content, "html.parser").find(id="upload-changes")
    assert [td.get_text() for td in change.tbody.tr.find_all("td")][:5] == [
        "2",
        "West Midlands Police",
        "bbw-2016, 2011-06-01 to 2015-12-31, total",
        "488",
        "→ 500",
    ]
    assert snapshot() == before  # not even a batch
    assert len(list(staging.iterdir())) == 1


def test_confirm_saves_in_one_batch_with_the_original_file(client, editor):
    content = figure_file()
    response = preview(client, content)
    done = client.post(reverse("admin:breaches_importbatch_confirm"), {"token": token_of(response)})
    batch = ImportBatch.objects.get(uploaded_by=editor)
    assert done["Location"] == reverse("admin:breaches_importbatch_change", args=[batch.pk])
    assert (batch.kind, batch.created, batch.updated, batch.unchanged) == ("figures", 1, 1, 0)
    assert batch.uploaded_by == editor
    assert bytes(batch.original) == content
    assert west_midlands().count == 500
    assert FigureRevision.objects.get(replaced_by=batch).count == 488
    page = text(client.get(done["Location"]))
    assert "Imported return.csv: 1 created, 1 updated, 0 unchanged." in page
    assert "Figures created (1)" in page
    assert "Figures restated (1)" in page
    download = client.get(reverse("admin:breaches_importbatch_original", args=[batch.pk]))
    assert download.content == content
    assert 'filename="return.csv"' in download["Content-Disposition"]


def test_uploading_the_same_file_again_changes_nothing(client, editor):
    content = figure_file()
    first = preview(client, content)
    client.post(reverse("admin:breaches_importbatch_confirm"), {"token": token_of(first)})
    before = snapshot()
    again = preview(client, content)
    assert "Nothing to import: every row is already stored exactly as in the file" in text(again)
    assert b"confirm-import" not in again.content
    done = client.post(
        reverse("admin:breaches_importbatch_confirm"), {"token": token_of(again)}, follow=True
    )
    assert "Nothing changed: all 2 rows of return.csv are already stored" in text(done)
    assert snapshot() == before


def test_cancel_leaves_no_trace(client, editor, staging):
    before = snapshot()
    response = preview(client, figure_file())
    token = token_of(response)
    cancelled = client.post(
        reverse("admin:breaches_importbatch_cancel"), {"token": token}, follow=True
    )
    assert "Upload of return.csv cancelled: nothing was saved." in text(cancelled)
    assert list(staging.iterdir()) == []
    late = client.post(reverse("admin:breaches_importbatch_confirm"), {"token": token}, follow=True)
    assert "This upload was confirmed, cancelled or has expired" in text(late)
    assert snapshot() == before


def xlsx(*sheets) -> bytes:
    """A workbook of (title, rows) sheets."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def bomb() -> bytes:
    """A valid-looking XLSX whose sheet inflates 1,000 times (a decompression bomb)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (20 * 1024 * 1024))
    return out.getvalue()


BAD_FILES = [
    pytest.param(
        figure_file(extra="bbw-2016,Surey Police,2011-06-01,2015-12-31,,,,5,,FOI\n"),
        "return.csv",
        ["3", "force", "Surey Police", "unknown force", "Surrey Police"],
        id="unknown-force",
    ),
    pytest.param(
        figure_file(extra="bbw-2016,Surrey Police,2011-06-01,2015-12-31,,,,five,,FOI\n"),
        "return.csv",
        ["3", "count", "five", "count is not a number"],
        id="bad-count",
    ),
    pytest.param(
        figure_file(extra="bbw-2016,Surrey Police,2011-06-01,2015-12-31,bogus,,,5,,FOI\n"),
        "return.csv",
        ["3", "category", "bogus", "unknown category; use one of: unauthorised-access"],
        id="unknown-category",
    ),
    pytest.param(
        figure_file(extra="bbw-2016,Surrey Police,31/12/2015,01/06/2011,,,,5,,FOI\n"),
        "return.csv",
        ["3", "period_end", "period end is before period start"],
        id="reversed-period",
    ),
    pytest.param(
        b"dataset,force,period_start,count\nbbw-2016,Surrey Police,2011-06-01,5\n",
        "return.csv",
        ["missing column(s): period_end, source_title"],
        id="missing-columns",
    ),
    pytest.param(
        b"name,age\nbob,5\n",
        "return.csv",
        ["The header names neither a figures file"],
        id="neither",
    ),
    pytest.param(b"\x00\x01\x02binary", "return.csv", ["contains binary data"], id="binary"),
    pytest.param(b"PK\x03\x04 not really", "return.xlsx", ["not a readable XLSX"], id="bad-xlsx"),
    pytest.param(bomb(), "bomb.xlsx", ["looks like a decompression bomb"], id="xlsx-bomb"),
]


@pytest.mark.parametrize(("content", "name", "expected"), BAD_FILES)
def test_bad_files_say_what_is_wrong_and_change_nothing(client, editor, content, name, expected):
    before = snapshot()
    response = preview(client, content, name)
    page = text(response)
    for fragment in expected:
        assert fragment in page
    assert b"confirm-import" not in response.content
    # Even a hand-made confirm of the previewed file is refused.
    confirm = client.post(
        reverse("admin:breaches_importbatch_confirm"), {"token": token_of(response)}
    )
    assert confirm.status_code == 400
    assert snapshot() == before


def test_errors_are_listed_with_row_column_value_and_message(client, editor):
    response = preview(
        client, figure_file(extra="bbw-2016,Surey Police,2011-06-01,2015-12-31,,,,5,,FOI\n")
    )
    table = BeautifulSoup(response.content, "html.parser").find(id="upload-errors")
    cells = [td.get_text() for td in table.tbody.tr.find_all("td")]
    assert cells[:4] == ["3", "force", "Surey Police", "unknown force"]
    assert "Surrey Police" in cells[4]
    assert "1 problem in 1 row" in text(response)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(client, editor, settings):
    settings.UPLOAD_MAX_BYTES = 100
    before = snapshot()
    response = upload(client, figure_file() * 3)
    assert response.status_code == 200
    assert "the most one upload may be is 100 bytes" in text(response).replace("\xa0", " ")
    assert snapshot() == before


def test_a_file_over_the_row_limit_is_refused_whole(client, editor, settings):
    settings.UPLOAD_MAX_ROWS = 1
    before = snapshot()
    page = text(preview(client, figure_file()))
    assert "The file has more than 1 data rows, the most one upload may have" in page
    assert snapshot() == before


def test_other_file_types_are_refused(client, editor):
    response = upload(client, b"%PDF-1.4", name="return.pdf")
    assert "Upload a .csv or .xlsx file" in text(response)


def test_uploaded_text_is_escaped_in_the_preview(client, editor):
    hostile = "<script>alert('x')</script>"
    response = preview(
        client, (HEADER + f"bbw-2016,{hostile},2011-06-01,2015-12-31,,,,5,,FOI\n").encode()
    )
    assert b"<script>alert" not in response.content
    assert b"&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in response.content


def test_windows_1252_semicolons_and_uk_dates(client, editor):
    content = (
        "dataset;force;period_start;period_end;count;source_title;note\n"
        "bbw-2016;Surrey Police;01/06/2011;31/12/2015;203;FOI;Restated – see caveat £\n"
    ).encode("cp1252")
    response = preview(client, content)
    assert "update 1" in text(response)
    client.post(reverse("admin:breaches_importbatch_confirm"), {"token": token_of(response)})
    surrey = Figure.objects.get(
        dataset__slug="bbw-2016", force__name="Surrey Police", outcome=None, category=None
    )
    assert (surrey.count, surrey.note) == (203, "Restated – see caveat £")


def test_tab_separated_utf8_with_bom(client, editor):
    content = "\ufeffdataset\tforce\tperiod_start\tperiod_end\tcount\tsource_title\n" + (
        "bbw-2016\tsurrey\t2011-06-01\t2015-12-31\t202\tFOI\n"
    )
    page = text(preview(client, content.encode("utf-8")))
    assert "Confirming will create 0, update 1" in page  # same count, new source


def test_xlsx_sheet_choice_with_real_dates_and_serials(client, editor):
    header = ["dataset", "force", "period_start", "period_end", "count", "source_title"]
    content = xlsx(
        ("notes", [["This sheet explains the return"]]),
        (
            "figures",
            [
                header,
                ["bbw-2016", "Surrey Police", dt.datetime(2011, 6, 1), 42369, 210, "FOI"],
            ],
        ),
    )
    first = preview(client, content, "return.xlsx")
    assert "The header names neither a figures file" in text(first)
    soup = BeautifulSoup(first.content, "html.parser")
    assert [o.get_text() for o in soup.find(id="sheet").find_all("option")] == ["notes", "figures"]
    chosen = client.get(
        reverse("admin:breaches_importbatch_preview"),
        {"token": token_of(first), "sheet": "figures"},
    )
    assert "Confirming will create 0, update 1" in text(chosen)  # 42369 is 2015-12-31
    assert "202→ 210" in text(chosen)
    confirm_form = BeautifulSoup(chosen.content, "html.parser").find(
        "form", action=reverse("admin:breaches_importbatch_confirm")
    )
    client.post(
        reverse("admin:breaches_importbatch_confirm"),
        {
            "token": token_of(chosen),
            "sheet": confirm_form.find("input", {"name": "sheet"})["value"],
        },
    )
    assert ImportBatch.objects.get(uploaded_by=editor).sheet == "figures"


def test_an_unknown_name_can_become_an_alias_from_the_preview(client, editor):
    content = (HEADER + "bbw-2016,Surrey Pol,2011-06-01,2015-12-31,,,,202,,FOI\n").encode()
    response = preview(client, content)
    form = BeautifulSoup(response.content, "html.parser").find("form", class_="alias-form")
    assert form.find("input", {"name": "alias"})["value"] == "Surrey Pol"
    surrey = form.find("option", selected=True)
    assert surrey.get_text() == "Surrey Police"  # the nearest name is preselected
    rechecked = client.post(
        reverse("admin:breaches_importbatch_alias"),
        {"token": token_of(response), "alias": "Surrey Pol", "force": surrey["value"]},
        follow=True,
    )
    assert "'Surrey Pol' is now an alias of Surrey Police." in text(rechecked)
    assert "Confirming will create 0, update 1" in text(rechecked)
    assert ForceAlias.objects.get(alias="Surrey Pol").force.name == "Surrey Police"


def test_incidents_upload(client, editor):
    content = (
        b"dataset,force,reference,occurred_on,outcome,summary\n"
        b"bbw-2016,Surrey Police,PSD-1,2015-03-01,Sacked,Looked up a neighbour\n"
        b"bbw-2016,Surrey Police,PSD-2,2015-04-01,warning; resigned,Shared a record\n"
    )
    response = preview(client, content)
    assert "read as a file of incidents" in text(response)
    assert "Confirming will create 2, update 0" in text(response)
    client.post(reverse("admin:breaches_importbatch_confirm"), {"token": token_of(response)})
    incident = Incident.objects.get(reference="PSD-2")
    assert sorted(incident.outcomes.values_list("outcome", flat=True)) == ["resigned", "warning"]


def test_a_tampered_or_foreign_token_is_refused(client, editor):
    response = preview(client, figure_file())
    token = token_of(response)
    for bad in (token[:-2] + "xx", ""):
        page = client.get(
            reverse("admin:breaches_importbatch_preview"), {"token": bad}, follow=True
        )
        assert "This upload link is not valid" in text(page)
    other = User.objects.create_user("other", is_staff=True)
    other.groups.add(Group.objects.get(name="Data editors"))
    client.force_login(other)
    page = client.get(reverse("admin:breaches_importbatch_preview"), {"token": token}, follow=True)
    assert "This upload link is not valid" in text(page)


def test_a_signed_path_is_still_not_a_path(editor, staging):
    token = signing.dumps(
        {"sha": "../../etc/passwd", "name": "x", "user": editor.pk}, salt=uploads.TOKEN_SALT
    )
    with pytest.raises(uploads.StagingError):
        uploads.load(token, editor)


def test_the_staged_file_is_checked_against_its_sha256(editor, staging):
    staged = uploads.stage(figure_file(), "return.csv", editor)
    staged.path.write_bytes(figure_file(count=1))
    with pytest.raises(uploads.StagingError, match="has changed"):
        uploads.load(staged.token, editor)


def test_staged_names_come_from_user_and_hash_only(editor, staging):
    staged = uploads.stage(b"a,b\n", "../../evil/..\\name.csv", editor)
    assert staged.path.parent == staging
    assert re.fullmatch(rf"{editor.pk}-[0-9a-f]{{64}}", staged.path.name)
    assert staged.file_name == "name.csv"


@pytest.mark.parametrize("kind", ["figures", "incidents"])
def test_templates_download_and_their_example_rows_validate(client, editor, kind):
    as_csv = client.get(reverse("admin:breaches_importbatch_template", args=[kind, "csv"]))
    assert as_csv["Content-Disposition"] == f'attachment; filename="{kind}-template.csv"'
    validation = parse(as_csv.content, "t.csv", Reference.load())
    assert (validation.kind, validation.errors, len(validation.rows)) == (kind, [], 1)
    as_xlsx = client.get(reverse("admin:breaches_importbatch_template", args=[kind, "xlsx"]))
    workbook = load_workbook(io.BytesIO(as_xlsx.content))
    assert workbook.sheetnames == [kind, "vocabularies"]
    codes = [row[1] for row in workbook["vocabularies"].iter_rows(values_only=True)]
    assert {"unauthorised-access", "dismissed", "officer", "refused"} <= set(codes)
    validation = parse(as_xlsx.content, "t.xlsx", Reference.load())
    assert (validation.errors, len(validation.rows)) == ([], 1)


def test_an_xlsx_over_the_row_limit_is_refused_whole(client, editor, settings):
    settings.UPLOAD_MAX_ROWS = 2
    header = ["dataset", "force", "period_start", "period_end", "count", "source_title"]
    row = ["bbw-2016", "Surrey Police", "2011-06-01", "2015-12-31", 1, "FOI"]
    before = snapshot()
    page = text(preview(client, xlsx(("figures", [header, row, row, row])), "big.xlsx"))
    assert "The file has more than 2 data rows" in page
    assert snapshot() == before


def test_confirm_refuses_when_the_data_changed_since_the_preview(client, editor):
    content = figure_file()
    shown = preview(client, content)
    form = BeautifulSoup(shown.content, "html.parser").find("form", action=re.compile("confirm"))
    data = {
        field["name"]: field.get("value", "") for field in form.find_all("input", type="hidden")
    }
    # Meanwhile another upload lands.
    other = figure_file(count=777)
    client.post(
        reverse("admin:breaches_importbatch_confirm"), {"token": token_of(preview(client, other))}
    )
    before = snapshot()
    late = client.post(reverse("admin:breaches_importbatch_confirm"), data)
    assert late.status_code == 409
    assert "The published data changed since this preview" in text(late)
    assert snapshot() == before
