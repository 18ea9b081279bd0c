"""Several app servers behind a load balancer: an upload previewed on one server is confirmed
on another (issue 14). Two real gunicorn servers on one database, driven by chromium; the
staged file and its preview are in PostgreSQL, so no server needs the other's disk."""

from __future__ import annotations

import re

from tests.ops.support import django_env, manage

HEADER = "dataset,force,period_start,period_end,category,outcome,role,count,status,source_title\n"
ROW = "bbw-2016,Surrey Police,2011-06-01,2015-12-31,pnc-misuse,,,{count},,Two servers FOI\n"
PASSWORD = "a-long-test-password-for-two-servers"
MAKE_EDITOR = (
    "from django.contrib.auth.models import Group, User; "
    f"user = User.objects.create_user('dana', password='{PASSWORD}', is_staff=True); "
    "user.groups.add(Group.objects.get(name='Data editors'))"
)
FIGURE = (
    "from breaches.models import Figure; "
    "print(Figure.objects.get(dataset__slug='bbw-2016', force__name='Surrey Police', "
    "category='pnc-misuse', outcome=None, role=None).count)"
)


def shell(env: dict, code: str) -> str:
    return manage(env, "shell", "--no-imports", "-c", code).stdout.strip()


def test_a_preview_from_one_server_is_confirmed_on_another(pg_server, serve, tmp_path, browser):
    database = pg_server.clone("ops_staged_uploads")
    # Each server's own staging folder, as on separate machines: neither is used.
    one = serve(django_env(pg_server, database, UPLOAD_STAGING_DIR=tmp_path / "one"), workers=1)
    two = serve(django_env(pg_server, database, UPLOAD_STAGING_DIR=tmp_path / "two"), workers=1)
    env = django_env(pg_server, database)
    shell(env, MAKE_EDITOR)
    count = 4321  # no published figure has this value: the one we see is the one we sent

    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{one.url}/admin/login/")
        page.fill("#id_username", "dana")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.goto(f"{one.url}/admin/breaches/importbatch/add/")
        page.set_input_files(
            "input[type=file]",
            {
                "name": "two-servers.csv",
                "mimeType": "text/csv",
                "buffer": (HEADER + ROW.format(count=count)).encode(),
            },
        )
        page.click("text=Upload and preview")
        page.wait_for_url(re.compile(r"/preview/\?token="))
        checked_on_one = page.locator("#checked-at").inner_text()
        assert "create 1, update 0" in page.locator("#plan-heading").inner_text()

        # The load balancer sends the next requests to server two (cookies are per host,
        # not per port, so the session goes along, as behind one address).
        page.goto(page.url.replace(one.url, two.url))
        assert page.locator("#checked-at").inner_text() == checked_on_one
        cells = page.locator("#upload-rows tbody tr").first.locator("td").all_inner_texts()
        assert cells[1:4] == ["new", "bbw-2016", "Surrey Police"]
        assert cells[9] == str(count)
        page.click("#confirm-import")
        page.wait_for_url(re.compile(rf"^{two.url}/admin/breaches/importbatch/\d+/change/$"))
        message = page.locator(".messagelist").inner_text()
        assert "Imported two-servers.csv: 1 created, 0 updated, 0 unchanged." in message
    finally:
        context.close()

    assert shell(env, FIGURE) == str(count)
    assert not (tmp_path / "one").exists()
    assert not (tmp_path / "two").exists()
    staged = "from breaches.models import StagedUpload; print(StagedUpload.objects.count())"
    assert shell(env, staged) == "0"  # confirmed: the staging is gone
