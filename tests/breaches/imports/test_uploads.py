"""The admin upload workflow: upload, preview (writes nothing), confirm, cancel, limits."""

import datetime as dt
import io
import re
import zipfile

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.core import signing
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from breaches.imports import staging, uploads
from breaches.imports.reference import Reference
from breaches.imports.validation import parse
from breaches.models import (
    Figure,
    FigureRevision,
    Force,
    ForceAlias,
    ImportBatch,
    Incident,
    StagedPreview,
    StagedPreviewPage,
    StagedUpload,
)
from breaches.versions import data_version

pytestmark = pytest.mark.django_db

HEADER = "dataset,force,period_start,period_end,category,outcome,role,count,status,source_title\n"
WEST_MIDLANDS = "bbw-2016,West Midlands Police,2011-06-01,2015-12-31,,,,{count},,FOI answer\n"
NEW_FIGURE = "bbw-2016,Surrey Police,2011-06-01,2015-12-31,pnc-misuse,,,7,,FOI answer\n"
ADD = "admin:breaches_importbatch_add"


# Where previewed files wait: not data, so "nothing saved" leaves them out.
STAGING = {StagedUpload, StagedPreview, StagedPreviewPage}


def snapshot():
    """Every row of every data table in the breaches app (withdrawn rows included)."""
    return {
        model.__name__: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_app_config("breaches").get_models()
        if model not in STAGING
    }


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


def confirm_data(response) -> dict:
    """What the preview's Confirm button posts (token, sheet and the data version shown)."""
    form = BeautifulSoup(response.content, "html.parser").find(
        "form", action=reverse("admin:breaches_importbatch_confirm")
    )
    if form is None:  # no button (nothing to import): what a hand-made post would send
        return {"token": token_of(response), "version": data_version()}
    hidden = form.find_all("input", type="hidden")
    return {field["name"]: field.get("value", "") for field in hidden}


def confirm(client, response, **kwargs):
    return client.post(
        reverse("admin:breaches_importbatch_confirm"), confirm_data(response), **kwargs
    )


def table(response, table_id: str) -> list[list[str]]:
    """The body cells of a table on the page, row by row."""
    found = BeautifulSoup(response.content, "html.parser").find(id=table_id)
    return [
        [" ".join(cell.get_text().split()) for cell in tr.find_all(["th", "td"])]
        for tr in found.tbody.find_all("tr")
    ]


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


def test_preview_shows_what_would_change_and_writes_nothing(client, editor):
    before = snapshot()
    response = preview(client, figure_file())
    page = text(response)
    assert "Nothing has been saved yet" in page
    assert "Confirming will create 1, update 1 and leave 0 unchanged" in page
    assert table(response, "upload-forces") == [
        ["Surrey Police", "1", "0", "0"],
        ["West Midlands Police", "0", "1", "0"],
    ]
    assert table(response, "upload-datasets") == [["bbw-2016", "1", "1", "0"]]
    # Every row to be written, in file order, with its breakdown and value.
    assert table(response, "upload-rows") == [
        [
            *("2", "changed", "bbw-2016", "West Midlands Police", "2011-06-01 to 2015-12-31"),
            *("all", "all", "all", "488", "→ 500", "source, note"),
        ],
        [
            *("3", "new", "bbw-2016", "Surrey Police", "2011-06-01 to 2015-12-31"),
            *("Police National Computer misuse", "all", "all", "–", "7", ""),
        ],
    ]
    assert snapshot() == before  # not even a batch
    assert StagedUpload.objects.count() == 1


def test_confirm_saves_in_one_batch_with_the_original_file(client, editor):
    content = figure_file()
    response = preview(client, content)
    done = confirm(client, response)
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
    confirm(client, first)
    before = snapshot()
    again = preview(client, content)
    assert "Nothing to import: every row is already stored exactly as in the file" in text(again)
    assert b"confirm-import" not in again.content
    done = confirm(client, again, follow=True)
    assert "Nothing changed: all 2 rows of return.csv are already stored" in text(done)
    assert snapshot() == before


def test_cancel_leaves_no_trace(client, editor):
    before = snapshot()
    response = preview(client, figure_file())
    token = token_of(response)
    cancelled = client.post(
        reverse("admin:breaches_importbatch_cancel"), {"token": token}, follow=True
    )
    assert "Upload of return.csv cancelled: nothing was saved." in text(cancelled)
    assert not StagedUpload.objects.exists()
    assert not StagedPreview.objects.exists()
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
    assert confirm(client, response).status_code == 400
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
    confirm(client, response)
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
    # A sheet is read by the sheet form (a POST); a link to a sheet not read yet says so.
    unread = client.get(
        reverse("admin:breaches_importbatch_preview"),
        {"token": token_of(first), "sheet": "figures"},
        follow=True,
    )
    assert "The sheet 'figures' has not been read: choose it below." in text(unread)
    assert soup.find(id="sheet-form")["method"] == "post"
    chosen = client.post(
        reverse("admin:breaches_importbatch_check"),
        {"token": token_of(first), "sheet": "figures"},
        follow=True,
    )
    assert "Confirming will create 0, update 1" in text(chosen)  # 42369 is 2015-12-31
    assert "202→ 210" in text(chosen)
    assert confirm_data(chosen)["sheet"] == "figures"
    confirm(client, chosen)
    assert ImportBatch.objects.get(uploaded_by=editor).sheet == "figures"


ALIAS = "admin:breaches_importbatch_alias"


def alias_post(client, response, name, force, **extra):
    data = {"token": token_of(response), "alias": name, "force": force, **extra}
    return client.post(reverse(ALIAS), data, follow=True)


def test_an_unknown_name_can_become_an_alias_from_the_preview(client, editor):
    content = (HEADER + "bbw-2016,Met Police,2011-06-01,2015-12-31,,,,202,,FOI\n").encode()
    response = preview(client, content)
    form = BeautifulSoup(response.content, "html.parser").find("form", class_="alias-form")
    assert form.find("input", {"name": "alias"})["value"] == "Met Police"
    # Nothing is chosen for the editor; the closest names are offered first.
    assert form.find("option", selected=True).get_text() == "Choose…"
    assert form.find("option", selected=True)["value"] == ""
    closest = form.find("optgroup", label="Closest names").find_all("option")
    assert closest[0].get_text() == "Metropolitan Police Service"
    assert form.find("option", value="not-a-force").get_text() == "not a force: fix the file"
    kent = Force.objects.get(slug="kent")
    before = snapshot()

    # Choosing a force asks first, naming both sides; nothing is added yet.
    asked = alias_post(client, response, "Met Police", kent.pk)
    assert "'Met Police' will be read as Kent Police in every future upload." in text(
        asked
    ).replace("‘", "'").replace("’", "'")
    assert "Kent Police's public page will list" in text(asked).replace("’", "'")
    assert snapshot() == before
    # Going back instead, and choosing the right force, confirmed.
    met = Force.objects.get(slug="metropolitan")
    done = alias_post(client, response, "Met Police", met.pk, confirm="yes")
    assert (
        "'Met Police' will be read as Metropolitan Police Service in every future upload."
        in text(done)
    )
    assert "Confirming will create 1, update 0" in text(done)
    alias = ForceAlias.objects.get(alias="Met Police")
    assert (alias.force, alias.added_by, alias.file_name) == (met, editor, "return.csv")
    assert alias.file_sha256 == uploads.sha256(content)
    assert alias.added_at is not None
    assert alias.batch is None
    assert table(done, "aliases-added")[0][:2] == ["Met Police", "Metropolitan Police Service"]

    # Confirming the file links the alias to its batch, whose page lists it.
    confirmed = confirm(client, done, follow=True)
    batch = ImportBatch.objects.get(uploaded_by=editor)
    alias.refresh_from_db()
    assert alias.batch == batch
    rows = table(confirmed, "batch-aliases")
    assert rows[0][:3] == ["Met Police", "Metropolitan Police Service", "editor"]
    assert rows[0][4:] == ["return.csv", "Remove alias"]


def test_an_alias_added_by_mistake_is_removed_from_the_batch_page(client, editor):
    content = (HEADER + "bbw-2016,Met Police,2011-06-01,2015-12-31,,,,202,,FOI\n").encode()
    response = preview(client, content)
    kent = Force.objects.get(slug="kent")
    done = alias_post(client, response, "Met Police", kent.pk, confirm="yes")
    confirm(client, done)
    batch = ImportBatch.objects.get(uploaded_by=editor)
    alias = ForceAlias.objects.get(alias="Met Police")
    remove = reverse("admin:breaches_importbatch_remove_alias", args=[alias.pk])
    page = client.get(reverse("admin:breaches_importbatch_change", args=[batch.pk]))
    form = BeautifulSoup(page.content, "html.parser").find("form", id=f"remove-alias-{alias.pk}")
    assert form["action"] == remove
    assert form.find("input", {"name": "csrfmiddlewaretoken"})

    assert client.get(remove).status_code == 405  # GET never writes
    removed = client.post(remove, follow=True)
    assert removed.redirect_chain[-1][0] == reverse(
        "admin:breaches_importbatch_change", args=[batch.pk]
    )
    assert "'Met Police' is no longer read as Kent Police" in text(removed)
    assert not ForceAlias.objects.filter(pk=alias.pk).exists()
    assert LogEntry.objects.filter(object_repr="Met Police → Kent Police").exists()
    assert "Met Police" not in str(Reference.load().forces)
    again = client.post(remove, follow=True)
    assert "That alias was already removed: nothing changed." in text(again)


def test_removing_an_alias_needs_the_permission_and_a_csrf_token(client, editor):
    response = preview(
        client, (HEADER + "bbw-2016,Met Police,2011-06-01,2015-12-31,,,,202,,FOI\n").encode()
    )
    met = Force.objects.get(slug="metropolitan")
    alias_post(client, response, "Met Police", met.pk, confirm="yes")
    alias = ForceAlias.objects.get(alias="Met Police")
    remove = reverse("admin:breaches_importbatch_remove_alias", args=[alias.pk])
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(editor)
    assert csrf_client.post(remove).status_code == 403
    viewer = User.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_importbatch"))
    client.force_login(viewer)
    assert client.post(remove).status_code == 403
    assert ForceAlias.objects.filter(pk=alias.pk).exists()
    # Aliases from the reference data are not removed from here.
    client.force_login(editor)
    reference_alias = ForceAlias.objects.get(alias="The Met")
    refused = client.post(
        reverse("admin:breaches_importbatch_remove_alias", args=[reference_alias.pk])
    )
    assert refused.status_code == 403
    assert ForceAlias.objects.filter(pk=reference_alias.pk).exists()


@pytest.mark.parametrize(
    ("force", "message"),
    [
        ("", "Choose the force this name stands for, or 'not a force: fix the file'."),
        ("not-a-force", "No alias added. Correct 'Narnia Constabulary' in the file"),
        ("99999", "Choose a force from the list."),
        ("kent; drop table", "Choose a force from the list."),
    ],
)
def test_no_alias_without_a_chosen_force(client, editor, force, message):
    content = (HEADER + "bbw-2016,Narnia Constabulary,2011-06-01,2015-12-31,,,,2,,FOI\n").encode()
    response = preview(client, content)
    before = snapshot()
    page = alias_post(client, response, "Narnia Constabulary", force, confirm="yes")
    assert message in text(page)
    assert snapshot() == before


def test_an_existing_alias_is_a_form_error_naming_its_force(client, editor):
    content = (HEADER + "bbw-2016,Met Police,2011-06-01,2015-12-31,,,,202,,FOI\n").encode()
    response = preview(client, content)
    kent = Force.objects.get(slug="kent")
    page = alias_post(client, response, "the met", kent.pk, confirm="yes")
    assert "'the met' is already an alias of Metropolitan Police Service." in text(page)
    assert not ForceAlias.objects.filter(alias="the met").exists()


def test_incidents_upload(client, editor):
    content = (
        b"dataset,force,reference,occurred_on,outcome,summary\n"
        b"bbw-2016,Surrey Police,PSD-1,2015-03-01,Sacked,Looked up a neighbour\n"
        b"bbw-2016,Surrey Police,PSD-2,2015-04-01,warning; resigned,Shared a record\n"
    )
    response = preview(client, content)
    assert "read as a file of incidents" in text(response)
    assert "Confirming will create 2, update 0" in text(response)
    confirm(client, response)
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


def test_a_signed_path_is_still_not_a_path(editor):
    token = signing.dumps(
        {"sha": "../../etc/passwd", "name": "x", "user": editor.pk}, salt=staging.TOKEN_SALT
    )
    with pytest.raises(staging.StagingError):
        staging.find(token, editor)


def test_the_staged_file_is_checked_against_its_sha256(editor):
    staged, row = staging.stage(figure_file(), "return.csv", editor)
    StagedUpload.objects.filter(pk=row.pk).update(content=figure_file(count=1))
    with pytest.raises(staging.StagingError, match="has changed"):
        staging.read(*staging.find(staged.token, editor))


def test_staged_names_come_from_user_and_hash_only(editor):
    staged, row = staging.stage(b"a,b\n", "../../evil/..\\name.csv", editor)
    assert re.fullmatch(rf"{editor.pk}-[0-9a-f]{{64}}", staged.storage_name)
    assert staged.file_name == row.file_name == "name.csv"


TEMPLATE_EXAMPLE = "this is the template's example row, not data: delete the row"


@pytest.mark.parametrize("kind", ["figures", "incidents"])
def test_templates_download_and_their_example_rows_cannot_be_imported(client, editor, kind):
    as_csv = client.get(reverse("admin:breaches_importbatch_template", args=[kind, "csv"]))
    assert as_csv["Content-Disposition"] == f'attachment; filename="{kind}-template.csv"'
    validation = parse(as_csv.content, "t.csv", Reference.load())
    assert validation.kind == kind
    assert [(e.row, e.column) for e in validation.errors] == [(2, "dataset")]
    assert validation.errors[0].message.startswith(TEMPLATE_EXAMPLE)
    as_xlsx = client.get(reverse("admin:breaches_importbatch_template", args=[kind, "xlsx"]))
    workbook = load_workbook(io.BytesIO(as_xlsx.content))
    assert workbook.sheetnames == [kind, "vocabularies", "instructions"]
    codes = [row[1] for row in workbook["vocabularies"].iter_rows(values_only=True)]
    assert {"unauthorised-access", "dismissed", "officer", "refused"} <= set(codes)
    validation = parse(as_xlsx.content, "t.xlsx", Reference.load())
    assert [(e.row, e.column) for e in validation.errors] == [(2, "dataset")]
    # The template with its example row changes nothing, and offers no alias to add.
    before = snapshot()
    for content, name in ((as_csv.content, "t.csv"), (as_xlsx.content, "t.xlsx")):
        page = preview(client, content, name)
        assert TEMPLATE_EXAMPLE in text(page)
        assert b"confirm-import" not in page.content
        assert b"alias-form" not in page.content
        assert confirm(client, page).status_code == 400
    assert snapshot() == before


def test_a_template_with_its_example_row_replaced_imports(client, editor):
    template = client.get(reverse("admin:breaches_importbatch_template", args=["figures", "csv"]))
    header = template.content.decode("utf-8-sig").splitlines()[0]
    columns = header.split(",")
    values = dict.fromkeys(columns, "")
    values.update(
        dataset="bbw-2016",
        force="Surrey Police",
        period_start="2011-06-01",
        period_end="2015-12-31",
        category="pnc-misuse",
        count="9",
        source_title="Surrey FOI",
    )
    content = (header + "\n" + ",".join(values[c] for c in columns) + "\n").encode()
    assert "Confirming will create 1, update 0" in text(preview(client, content))


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
    confirm(client, preview(client, other))
    before = snapshot()
    late = client.post(reverse("admin:breaches_importbatch_confirm"), data)
    assert late.status_code == 409
    assert "The published data changed since this preview" in text(late)
    assert snapshot() == before


def test_the_preview_names_the_date_formats_for_an_impossible_date(client, editor):
    content = (HEADER + "bbw-2016,Surrey Police,2025-31-04,2025-12-31,,,,2,,FOI\n").encode()
    errors = table(preview(client, content), "upload-errors")
    assert errors[0][:3] == ["2", "period_start", "2025-31-04"]
    assert (
        "period start is not a real date: read as yyyy-mm-dd, there is no month 31"
        in (errors[0][3])
    )
    assert "ISO yyyy-mm-dd (2015-12-31), UK dd/mm/yyyy (31/12/2015" in errors[0][3]


def test_a_large_preview_is_paged_with_every_value(client, editor):
    rows = [
        f"bbw-2016,,2020-01-{day:02d},2020-01-{day:02d},,,{role},{day},,FOI\n"
        for day in range(1, 29)
        for role in ("officer", "staff", "pcso", "volunteer", "contractor", "")
    ]  # 168 national figures, all new
    response = preview(client, (HEADER + "".join(rows)).encode())
    assert "Every row that will be created or changed (168; rows 1–100 shown)" in text(response)
    first = table(response, "upload-rows")
    assert len(first) == 100
    assert first[0] == [
        *("2", "new", "bbw-2016", "National (no force)", "2020-01-01 to 2020-01-01"),
        *("all", "all", "Police officer", "–", "1", ""),
    ]
    assert table(response, "upload-datasets") == [["bbw-2016", "168", "0", "0"]]
    nav = BeautifulSoup(response.content, "html.parser").find(id="rows-pages")
    assert "page 1 of 2" in nav.get_text()
    href = nav.find("a", string=re.compile("next"))["href"]  # "?token=...&page=2#..."
    second = client.get(reverse("admin:breaches_importbatch_preview") + href.split("#")[0])
    rest = table(second, "upload-rows")
    assert len(rest) == 68
    assert rest[-1][:2] == ["169", "new"]
    assert rest[-1][7:10] == ["all", "–", "28"]
    # A page number past the end shows the last page, never an error.
    last = client.get(
        reverse("admin:breaches_importbatch_preview"), {"token": token_of(response), "page": "99"}
    )
    assert len(table(last, "upload-rows")) == 68


def test_incident_rows_show_their_reference_date_and_outcomes(client, editor):
    content = (
        b"dataset,force,reference,occurred_on,category,role,outcome,summary\n"
        b"bbw-2016,Surrey Police,PSD-9,2015-03-01,pnc-misuse,staff,Sacked; caution,Looked\n"
    )
    assert table(preview(client, content), "upload-rows") == [
        [
            *("2", "new", "bbw-2016", "Surrey Police", "PSD-9", "2015-03-01"),
            *("Police National Computer misuse", "Police staff", "–", "Caution, Dismissed", ""),
        ]
    ]


def test_a_confirm_without_the_version_is_refused_and_saves_nothing(client, editor):
    response = preview(client, figure_file())
    before = snapshot()
    refused = client.post(
        reverse("admin:breaches_importbatch_confirm"), {"token": token_of(response)}
    )
    assert refused.status_code == 400
    assert "does not say which preview it confirms: nothing was saved" in text(refused)
    assert b"confirm-import" in refused.content  # a fresh preview to confirm from
    assert snapshot() == before
    empty = client.post(
        reverse("admin:breaches_importbatch_confirm"), {**confirm_data(response), "version": ""}
    )
    assert empty.status_code == 400
    assert snapshot() == before
    assert confirm(client, response).status_code == 302
