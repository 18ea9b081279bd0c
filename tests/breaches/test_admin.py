"""Admin pages: every model listed without a query per row, and who may reach what."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from breaches.imports.pipeline import import_file
from breaches.models import ImportBatch

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "dataset",
    "force",
    "forcealias",
    "workforce",
    "source",
    "return",
    "figure",
    "figurerevision",
    "incident",
    "incidentrevision",
    "enforcementaction",
    "importbatch",
]
CONTENT = (
    b"dataset,force,period_start,period_end,count,source_title\n"
    b"bbw-2016,West Midlands Police,2011-06-01,2015-12-31,500,FOI answer\n"
)


@pytest.fixture
def batch():
    return import_file(CONTENT, "return.csv")[1].batch


def upload_urls(batch) -> list[tuple[str, str]]:
    """(method, url) for every URL of the upload workflow."""
    return [
        ("get", reverse("admin:breaches_importbatch_add")),
        ("post", reverse("admin:breaches_importbatch_add")),
        ("get", reverse("admin:breaches_importbatch_preview") + "?token=x"),
        ("post", reverse("admin:breaches_importbatch_check")),
        ("post", reverse("admin:breaches_importbatch_confirm")),
        ("post", reverse("admin:breaches_importbatch_cancel")),
        ("post", reverse("admin:breaches_importbatch_alias")),
        ("post", reverse("admin:breaches_importbatch_remove_alias", args=[1])),
        ("get", reverse("admin:breaches_importbatch_template", args=["figures", "csv"])),
        ("get", reverse("admin:breaches_importbatch_original", args=[batch.pk])),
        ("get", reverse("admin:breaches_importbatch_retract", args=[batch.pk])),
        ("post", reverse("admin:breaches_importbatch_retract", args=[batch.pk])),
        ("get", reverse("admin:breaches_importbatch_change", args=[batch.pk])),
        ("get", reverse("admin:breaches_importbatch_changelist")),
    ]


def editor(name="editor") -> User:
    user = User.objects.create_user(name, is_staff=True)
    user.groups.add(Group.objects.get(name="Data editors"))
    return user


@pytest.mark.parametrize("model", CHANGELISTS)
def test_every_change_list_loads_without_a_query_per_row(
    admin_client, model, batch, django_assert_max_num_queries
):
    url = reverse(f"admin:breaches_{model}_changelist")
    with django_assert_max_num_queries(14):
        response = admin_client.get(url)
    assert response.status_code == 200


def test_anonymous_users_get_the_login_page_everywhere(client, batch):
    before = ImportBatch.objects.count()
    for method, url in upload_urls(batch):
        response = getattr(client, method)(url, {"confirm": "yes"} if method == "post" else {})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
    assert ImportBatch.objects.count() == before
    assert not hasattr(batch, "retraction") or batch.retraction is None


def test_non_staff_users_get_the_login_page_everywhere(client, batch):
    client.force_login(User.objects.create_user("reader"))
    for method, url in upload_urls(batch):
        response = getattr(client, method)(url, {"confirm": "yes"} if method == "post" else {})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
    assert not ImportBatch.objects.filter(retracts=batch).exists()


def test_staff_without_the_permissions_are_refused(client, batch):
    client.force_login(User.objects.create_user("staff", is_staff=True))
    for method, url in upload_urls(batch):
        response = getattr(client, method)(url, {"confirm": "yes"} if method == "post" else {})
        assert response.status_code == 403, url
    assert not ImportBatch.objects.filter(retracts=batch).exists()


def test_data_editors_may_upload_and_retract_but_not_manage_users(client, batch):
    client.force_login(editor())
    for method, url in upload_urls(batch):
        if method == "get":
            assert getattr(client, method)(url).status_code in (200, 302), url
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    permissions = set(
        Group.objects.get(name="Data editors").permissions.values_list("codename", flat=True)
    )
    assert {
        "add_importbatch",
        "retract_importbatch",
        "change_figure",
        "add_forcealias",
        "delete_forcealias",  # an alias added by mistake from a preview
    } <= permissions
    assert not {p for p in permissions if p.endswith(("_user", "_group", "_permission"))}
    assert "delete_importbatch" not in permissions


def test_upload_is_linked_from_the_index_and_the_figure_and_incident_lists(client):
    client.force_login(editor())
    upload = reverse("admin:breaches_importbatch_add")
    for page in (
        "admin:index",
        "admin:breaches_figure_changelist",
        "admin:breaches_incident_changelist",
    ):
        html = client.get(reverse(page)).content.decode()
        assert f'href="{upload}"' in html, page
        assert "Upload FOI return" in html


def test_history_lists_who_when_file_hash_kind_and_counts(admin_client, admin_user):
    batch = import_file(CONTENT, "return.csv", user=admin_user)[1].batch
    html = admin_client.get(reverse("admin:breaches_importbatch_changelist")).content.decode()
    for text in ("return.csv", batch.sha256[:8], "Figures", "admin", "0 / 1 / 0", "current"):
        assert text in html
    page = admin_client.get(reverse("admin:breaches_importbatch_change", args=[batch.pk]))
    assert b"Download original file" in page.content
    assert b"Retract this batch" in page.content
    assert b"Figures restated (1)" in page.content


def test_return_page_lists_its_figures(admin_client):
    from breaches.models import Return

    answer = Return.objects.get(dataset__slug="bbw-2016", force__name="Surrey Police")
    page = admin_client.get(reverse("admin:breaches_return_change", args=[answer.pk]))
    assert b"<td>202</td>" in page.content
    assert b"Management action" in page.content


def test_withdrawn_figures_are_marked_in_the_admin(admin_client):
    from breaches.imports.retraction import retract_batch

    content = (
        b"dataset,force,period_start,period_end,category,count,source_title\n"
        b"bbw-2016,Surrey Police,2011-06-01,2015-12-31,pnc-misuse,3,FOI answer\n"
    )
    retract_batch(import_file(content, "return.csv")[1].batch.pk)
    url = reverse("admin:breaches_figure_changelist") + "?published=withdrawn"
    html = admin_client.get(url).content.decode()
    assert "Surrey Police" in html
    assert "1 figure" in html
