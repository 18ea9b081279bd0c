"""The data editor's journey in chromium: upload, fix, preview, confirm, see it, retract it.

With DOCS_SCREENSHOTS=1 the journey also saves the screenshots of docs/uploading.md.
"""

import os
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from breaches.permissions import ensure_data_editors_group

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
    settings.UPLOAD_STAGING_DIR = tmp_path / "staging"
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
    shoot(page, "errors")

    # The corrected file: a preview of what will change, then confirm.
    page.get_by_role("link", name="Upload another file").click()
    choose_file(page, HEADER + GOOD + FIXED)
    page.click("text=Upload and preview")
    page.wait_for_url(re.compile(r"/preview/\?token="))
    assert "create 0, update 2 and leave 0 unchanged" in page.locator("#plan-heading").inner_text()
    west_midlands = page.locator("#upload-changes tbody tr", has_text="West Midlands Police")
    assert west_midlands.locator("td").all_inner_texts()[3:5] == ["488", "→ 512"]
    shoot(page, "preview")
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
