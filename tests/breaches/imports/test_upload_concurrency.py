"""The upload workflow against concurrent writers, on the real database (threads, each with
its own connection): confirm compares inside the import lock; two alias posts race safely."""

import io
import threading
import time

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from breaches.imports.pipeline import import_file
from breaches.imports.saving import lock_imports
from breaches.models import Figure, Force, ForceAlias, ImportBatch
from breaches.permissions import ensure_data_editors_group
from tests.breaches.imports.test_uploads import confirm_data, text, token_of
from tests.conftest import load_reference_data

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "dataset,force,period_start,period_end,category,outcome,role,count,status,source_title\n"
ROW = "bbw-2016,{force},2011-06-01,2015-12-31,pnc-misuse,,,{count},,FOI answer\n"


@pytest.fixture
def editor():
    load_reference_data()
    user = User.objects.create_user("editor", is_staff=True)
    user.groups.add(ensure_data_editors_group())
    return user


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def previewed(client, content: bytes):
    file = io.BytesIO(content)
    file.name = "return.csv"
    uploaded = client.post(reverse("admin:breaches_importbatch_add"), {"file": file})
    return client.get(uploaded["Location"])


def in_thread(target):
    def run():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_confirm_compares_the_version_after_taking_the_import_lock(editor):
    client = logged_in(editor)
    shown = previewed(client, (HEADER + ROW.format(force="Surrey Police", count=7)).encode())
    data = confirm_data(shown)
    locked, release = threading.Event(), threading.Event()

    def other_import():
        # Another import holds the lock and commits while our confirm waits for it: the
        # version our confirm reads before the lock would still match the preview's.
        with transaction.atomic():
            lock_imports()
            import_file((HEADER + ROW.format(force="Kent Police", count=3)).encode(), "other.csv")
            locked.set()
            release.wait(10)

    thread = in_thread(other_import)
    assert locked.wait(10)
    threading.Timer(1.0, release.set).start()
    started = time.monotonic()
    late = client.post(reverse("admin:breaches_importbatch_confirm"), data)
    thread.join()
    assert time.monotonic() - started >= 0.9  # it waited for the lock, then compared
    assert late.status_code == 409
    assert "The published data changed since this preview" in text(late)
    assert not Figure.objects.filter(force__slug="surrey", category="pnc-misuse").exists()
    assert ImportBatch.objects.filter(uploaded_by=editor).count() == 0
    # The fresh preview it answered with carries the new version, and confirms.
    again = client.post(reverse("admin:breaches_importbatch_confirm"), confirm_data(late))
    assert again.status_code == 302
    assert Figure.objects.get(force__slug="surrey", category="pnc-misuse").count == 7


def test_an_alias_added_meanwhile_is_a_form_error_not_a_500(editor):
    client = logged_in(editor)
    shown = previewed(client, (HEADER + ROW.format(force="Surrey Pol", count=7)).encode())
    surrey = Force.objects.get(slug="surrey")
    inserted, release = threading.Event(), threading.Event()

    def other_editor():
        # Inserted, not yet committed: our form's "already an alias?" check cannot see it,
        # so our insert meets the unique index once this commits.
        with transaction.atomic():
            ForceAlias.objects.create(alias="SURREY POL", force=surrey)
            inserted.set()
            release.wait(10)

    thread = in_thread(other_editor)
    assert inserted.wait(10)
    threading.Timer(1.0, release.set).start()
    data = {"token": token_of(shown), "alias": "Surrey Pol", "force": surrey.pk, "confirm": "yes"}
    response = client.post(reverse("admin:breaches_importbatch_alias"), data, follow=True)
    thread.join()
    assert response.status_code == 200
    assert "'Surrey Pol' is already an alias of Surrey Police: nothing was added." in text(response)
    assert list(ForceAlias.objects.filter(alias__iexact="surrey pol").values_list("alias")) == [
        ("SURREY POL",)
    ]


def test_two_editors_adding_the_same_alias_at_once(editor):
    other = User.objects.create_user("other", is_staff=True)
    other.groups.add(ensure_data_editors_group())
    content = (HEADER + ROW.format(force="Surrey Pol", count=7)).encode()
    clients = [logged_in(editor), logged_in(other)]
    shown = [previewed(client, content) for client in clients]
    surrey = Force.objects.get(slug="surrey")
    barrier, responses = threading.Barrier(2), []

    def add(client, page):
        data = {"token": token_of(page), "alias": "Surrey Pol", "force": surrey.pk}
        barrier.wait()
        responses.append(
            client.post(
                reverse("admin:breaches_importbatch_alias"), {**data, "confirm": "yes"}, follow=True
            )
        )

    threads = [in_thread(lambda c=c, p=p: add(c, p)) for c, p in zip(clients, shown, strict=True)]
    for thread in threads:
        thread.join()
    assert [r.status_code for r in responses] == [200, 200]
    pages = sorted(text(r) for r in responses)
    assert sum("will be read as Surrey Police in every future upload" in p for p in pages) == 1
    assert sum("'Surrey Pol' is already an alias of Surrey Police" in p for p in pages) == 1
    assert ForceAlias.objects.filter(alias__iexact="surrey pol").count() == 1
