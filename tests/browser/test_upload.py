"""The data editor's journey in chromium: upload, fix, preview, confirm, see it, retract it.

With DOCS_SCREENSHOTS=1 the journey also saves the screenshots of docs/uploading.md.
"""

import os
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from breaches.imports.xlsx_guard import MAX_PART
from breaches.models import ImportBatch
from breaches.permissions import ensure_data_editors_group
from tests.hostile.builders import shared_strings_bomb

pytestmark = pytest.mark.django_db(transaction=True)

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
HEADER = "dataset,force,period_start,period_end,category,outcome,role,count,status,source_title\n"
GOOD = "bbw-2016,West Midlands Police,2011-06-01,2015-12-31,,,,512,,West Midlands FOI 2016/77\n"
BAD = "bbw-2016,Surey Police,2011-06-01,2015-12-31,,,,203,,Surrey FOI 2016/12\n"
FIXED = BAD.replace("Surey", "Surrey")


def shoot(page, name):
    if os.environ.get("DOCS_SCREENSHOTS"):
        page.screenshot(path=IMAGES / f"upload-{name}.png", full_page=True)


def choose_file(page, content: str, name="west-midlands-foi.csv"):
    page.set_input_files(
        "input[type=file]", {"name": name, "mimeType": "text/csv", "buffer": content.encode()}
    )


def league_row(page, site, force):
    page.goto(f"{site.url}/league/?dataset=bbw-2016")
    return page.get_by_role("table").locator("tbody tr", has_text=force).locator("td, th")


def test_editor_uploads_fixes_confirms_and_retracts(site, page, settings, tmp_path):
    editor = User.objects.create_user("dana", password="a-long-test-password", is_staff=True)
    editor.groups.add(ensure_data_editors_group())

    page.goto(f"{site.url}/admin/")
    page.fill("#id_username", "dana")
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")
    page.get_by_role("link", name="Upload FOI return").first.click()
    page.wait_for_url(re.compile(r"/admin/breaches/importbatch/add/$"))
    shoot(page, "form")

    # A file with one bad row: the preview names the row and the column, and offers nothing
    # to confirm.
    choose_file(page, HEADER + GOOD + BAD)
    page.click("text=Upload and preview")
    page.wait_for_url(re.compile(r"/preview/\?token="))
    errors = page.locator("#upload-errors tbody tr")
    assert errors.count() == 1
    assert errors.first.locator("td").all_inner_texts()[:4] == [
        "3",
        "force",
        "Surey Police",
        "unknown force",
    ]
    assert "Surrey Police" in errors.first.inner_text()
    assert page.locator("#confirm-import").count() == 0

    # The corrected file: a preview of what will change, then confirm.
    page.get_by_role("link", name="Upload another file").click()
    choose_file(page, HEADER + GOOD + FIXED)
    page.click("text=Upload and preview")
    page.wait_for_url(re.compile(r"/preview/\?token="))
    assert "create 0, update 2 and leave 0 unchanged" in page.locator("#plan-heading").inner_text()
    west_midlands = page.locator("#upload-rows tbody tr", has_text="West Midlands Police")
    assert west_midlands.locator("td").all_inner_texts()[8:10] == ["488", "→ 512"]
    page.click("#confirm-import")
    page.wait_for_url(re.compile(r"/admin/breaches/importbatch/\d+/change/$"))
    assert "1 created" not in page.locator(".messagelist").inner_text()
    assert "0 created, 2 updated, 0 unchanged" in page.locator(".messagelist").inner_text()
    batch_url = page.url
    shoot(page, "batch")

    # The new figure is on the public league table.
    assert league_row(page, site, "West Midlands Police").all_inner_texts()[:3] == [
        "1",
        "West Midlands Police",
        "512",
    ]

    # Retract: the previous value is back.
    page.goto(batch_url)
    page.click("#retract-link")
    shoot(page, "retract")
    page.click("#confirm-retract")
    page.wait_for_url(batch_url)
    assert "2 restored to their previous values" in page.locator(".messagelist").inner_text()
    assert league_row(page, site, "West Midlands Police").all_inner_texts()[:3] == [
        "1",
        "West Midlands Police",
        "488",
    ]
    page.set_viewport_size({"width": 1600, "height": 700})
    page.goto(f"{site.url}/admin/breaches/importbatch/")
    assert "retracted by batch" in page.locator("#result_list").inner_text()
    shoot(page, "history")


UNKNOWN = (
    HEADER
    + "bbw-2016,Met Police,2011-06-01,2015-12-31,,,,1081,,MPS FOI 2016/4411\n"
    + "bbw-2016,Narnia Constabulary,2011-06-01,2015-12-31,,,,3,,Narnia FOI\n"
    + "bbw-2016,Herts Police,2025-31-04,2015-12-31,,,,77,,Herts FOI 2016/1\n"
    + "bbw-2016,Met Police,2011-06-01,2015-12-31,unauthorised-access,,,412,,MPS FOI 2016/4411\n"
)
NEW_ROWS = (
    "dataset,force,period_start,period_end,category,outcome,role,count,status,source_title\n"
    "bbw-2016,Met Police,2011-06-01,2015-12-31,unauthorised-access,,,412,,MPS FOI 2016/4411\n"
    "bbw-2016,Met Police,2011-06-01,2015-12-31,,dismissed,,61,,MPS FOI 2016/4411\n"
    "bbw-2016,Met Police,2011-06-01,2015-12-31,,resigned,officer,17,,MPS FOI 2016/4411\n"
    "bbw-2016,Met Police,2011-06-01,2015-12-31,,,staff,,refused,MPS FOI 2016/4411\n"
    "bbw-2016,Kent Police,2011-06-01,2015-12-31,pnc-misuse,,,23,,Kent FOI 2016/118\n"
    "bbw-2016,Kent Police,2011-06-01,2015-12-31,,warning,,9,,Kent FOI 2016/118\n"
)
CHANGES = (
    HEADER
    + "bbw-2016,West Midlands Police,2011-06-01,2015-12-31,,,,512,,West Midlands FOI 2016/77\n"
    + "bbw-2016,Surrey Police,2011-06-01,2015-12-31,,,,203,,Surrey FOI 2016/12\n"
    + "bbw-2016,Kent Police,2011-06-01,2015-12-31,pnc-misuse,,,23,,Kent FOI 2016/118\n"
)


def sign_in(page, site):
    editor = User.objects.create_user("dana", password="a-long-test-password", is_staff=True)
    editor.groups.add(ensure_data_editors_group())
    page.goto(f"{site.url}/admin/")
    page.fill("#id_username", "dana")
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")


def upload_file(page, site, content, name):
    page.goto(f"{site.url}/admin/breaches/importbatch/add/")
    choose_file(page, content, name)
    page.click("text=Upload and preview")
    page.wait_for_url(re.compile(r"/preview/\?token="))


def test_editor_names_an_unknown_force_and_sees_every_new_value(site, page, settings, tmp_path):
    sign_in(page, site)
    upload_file(page, site, UNKNOWN, "met-and-others.csv")

    # Errors name the row, the column and, for a date, the formats; nothing is pre-selected.
    date_error = page.locator("#upload-errors tbody tr", has_text="2025-31-04").inner_text()
    assert "there is no month 31" in date_error
    assert "ISO yyyy-mm-dd" in date_error
    met = page.locator("form.alias-form", has_text="Met Police")
    assert met.locator("select").input_value() == ""
    assert met.locator("optgroup[label='Closest names'] option").first.inner_text() == (
        "Metropolitan Police Service"
    )
    narnia = page.locator("form.alias-form", has_text="Narnia Constabulary")
    assert narnia.locator("select").input_value() == ""
    assert "Kent Police" not in narnia.locator("optgroup[label='Closest names']").inner_text()
    shoot(page, "preview-errors")

    # Continuing without a choice adds nothing (the browser asks for a choice first).
    met.locator("input[type=submit]").click()
    assert "/preview/" in page.url
    # Choosing asks first, naming both sides.
    met.locator("select").select_option(label="Metropolitan Police Service")
    met.locator("input[type=submit]").click()
    assert page.locator("#alias-consequence").inner_text() == (
        "‘Met Police’ will be read as Metropolitan Police Service in every future upload."
    )
    page.click("#confirm-alias")
    page.wait_for_url(re.compile(r"/preview/\?token="))
    assert (
        "will be read as Metropolitan Police Service" in page.locator(".messagelist").inner_text()
    )
    assert "Met Police" in page.locator("#aliases-added").inner_text()
    narnia = page.locator("form.alias-form", has_text="Narnia Constabulary")
    narnia.locator("select").select_option(label="not a force: fix the file")
    narnia.locator("input[type=submit]").click()
    assert "No alias added" in page.locator(".messagelist").inner_text()

    # The corrected file: every new row with its breakdown and value.
    upload_file(page, site, NEW_ROWS, "met-and-kent.csv")
    rows = page.locator("#upload-rows tbody tr")
    assert rows.count() == 6
    assert rows.nth(2).locator("td").all_inner_texts()[:10] == [
        *("4", "new", "bbw-2016", "Metropolitan Police Service", "2011-06-01 to 2015-12-31"),
        *("all", "Resigned", "Police officer", "–", "17"),
    ]
    assert rows.nth(3).locator("td").all_inner_texts()[9] == "Refused"
    shoot(page, "preview-new-rows")
    page.click("#confirm-import")
    page.wait_for_url(re.compile(r"/admin/breaches/importbatch/\d+/change/$"))
    assert "Met Police" in page.locator("#batch-aliases").inner_text()
    batch_url = page.url

    # A file of restatements: the value now and after, row by row.
    upload_file(page, site, CHANGES, "restatements.csv")
    changed = page.locator("#upload-rows tbody tr.row-changed")
    assert changed.count() == 2
    assert changed.first.locator("td").all_inner_texts()[8:10] == ["488", "→ 512"]
    shoot(page, "preview-changes")

    # An alias is removed from the batch page that lists it.
    page.goto(batch_url)
    page.get_by_role("button", name="Remove the alias Met Police").click()
    page.wait_for_url(batch_url)
    assert "is no longer read as Metropolitan Police Service" in (
        page.locator(".messagelist").inner_text()
    )
    assert page.locator("#batch-aliases").count() == 0


def test_a_workbook_too_large_to_read_is_refused_by_name_in_the_browser(site, page):
    sign_in(page, site)
    batches = ImportBatch.objects.count()
    page.goto(f"{site.url}/admin/breaches/importbatch/add/")
    page.set_input_files(
        "input[type=file]",
        {
            "name": "force-return.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": shared_strings_bomb(MAX_PART + 1024 * 1024, filler=300),
        },
    )
    page.click("text=Upload and preview")
    page.wait_for_url(re.compile(r"/preview/\?token="))
    problem = page.locator("#upload-errors tbody tr").first.inner_text()
    assert "The workbook part 'xl/sharedStrings.xml' (the text of its cells)" in problem
    assert f"at most {MAX_PART // 1024 // 1024} MB of one part can be read" in problem
    assert page.locator("#confirm-import").count() == 0
    assert ImportBatch.objects.count() == batches
    shoot(page, "refused-part")
