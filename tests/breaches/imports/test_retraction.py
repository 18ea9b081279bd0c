"""Retracting an import batch: withdrawn, restored, recorded, and idempotent."""

import threading

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection
from django.urls import reverse

from breaches.imports.pipeline import import_file
from breaches.imports.retraction import NotRetractable, retract_batch
from breaches.models import Figure, FigureRevision, ImportBatch, Incident, Return
from breaches.versions import data_version

HEADER = "dataset,force,period_start,period_end,category,outcome,role,count,status,source_title\n"
ROW = "bbw-2016,{force},2011-06-01,2015-12-31,{category},,,{count},{status},{source}\n"


def snapshot():
    return {
        model.__name__: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_app_config("breaches").get_models()
    }


def figures(*rows) -> bytes:
    lines = [
        ROW.format(
            force=r.get("force", "West Midlands Police"),
            category=r.get("category", ""),
            count=r.get("count", ""),
            status=r.get("status", ""),
            source=r.get("source", "FOI answer"),
        )
        for r in rows
    ]
    return (HEADER + "".join(lines)).encode()


def load(content: bytes, user=None) -> ImportBatch:
    validation, result = import_file(content, "return.csv", user=user)
    assert validation.ok, validation.errors
    return result.batch


def total(force="West Midlands Police", category=None, published=True):
    figures = Figure.objects.published() if published else Figure.objects.all()
    return figures.filter(
        dataset__slug="bbw-2016", force__name=force, category=category, outcome=None, role=None
    ).first()


@pytest.mark.django_db
class TestRetractFigures:
    def test_restated_figures_return_to_their_previous_values_exactly(self):
        before = total()
        kept = {f: getattr(before, f) for f in ("count", "status", "source_id", "note", "batch_id")}
        batch = load(figures({"count": 500, "source": "A later FOI answer"}))
        assert total().count == 500
        result = retract_batch(batch.pk)
        assert (result.restored, result.withdrawn, result.kept) == (1, 0, 0)
        after = total()
        assert {f: getattr(after, f) for f in kept} == kept

    def test_created_figures_disappear_from_every_page_but_stay_in_history(self):
        batch = load(figures({"category": "pnc-misuse", "count": 9}))
        created = total(category="pnc-misuse")
        result = retract_batch(batch.pk)
        assert result.withdrawn == 1
        assert total(category="pnc-misuse") is None
        withdrawn = Figure.objects.get(pk=created.pk)
        assert (withdrawn.count, withdrawn.retracted_by) == (9, result.retraction)
        assert (
            FigureRevision.objects.get(figure=withdrawn, replaced_by=result.retraction).count == 9
        )

    def test_the_retraction_is_recorded_and_changes_the_data_version(self):
        user = User.objects.create_user("editor")
        batch = load(figures({"count": 500}))
        version = data_version()
        retraction = retract_batch(batch.pk, user=user).retraction
        assert (retraction.kind, retraction.retracts, retraction.uploaded_by) == (
            "retraction",
            batch,
            user,
        )
        assert retraction.updated == 1
        assert data_version() != version
        assert ImportBatch.objects.filter(pk=batch.pk).exists()  # nothing deleted

    def test_retracting_twice_does_nothing_the_second_time(self):
        batch = load(figures({"count": 500}, {"category": "pnc-misuse", "count": 9}))
        retract_batch(batch.pk)
        before = snapshot()
        again = retract_batch(batch.pk)
        assert not again.changed
        assert snapshot() == before

    def test_a_retraction_cannot_be_retracted(self):
        retraction = retract_batch(load(figures({"count": 500})).pk).retraction
        with pytest.raises(NotRetractable):
            retract_batch(retraction.pk)

    def test_re_uploading_a_withdrawn_figure_publishes_it_again(self):
        content = figures({"category": "pnc-misuse", "count": 9})
        retract_batch(load(content).pk)
        _, result = import_file(content, "return.csv")
        assert (result.created, result.updated) == (1, 0)
        assert total(category="pnc-misuse").count == 9
        retract_batch(result.batch.pk)  # and it can be withdrawn again
        assert total(category="pnc-misuse") is None

    def test_a_later_restatement_is_left_alone(self):
        first = load(figures({"count": 500}))
        load(figures({"count": 600}))
        result = retract_batch(first.pk)
        assert (result.restored, result.withdrawn, result.kept) == (0, 0, 1)
        assert total().count == 600

    def test_retracting_in_reverse_order_walks_back_to_the_original(self):
        first = load(figures({"count": 500}))
        second = load(figures({"count": 600}))
        retract_batch(second.pk)
        assert total().count == 500
        retract_batch(first.pk)
        assert total().count == 488

    def test_retracting_the_earlier_batch_first_skips_its_value_later(self):
        first = load(figures({"category": "pnc-misuse", "count": 5}))
        second = load(figures({"category": "pnc-misuse", "count": 6}))
        retract_batch(first.pk)  # kept: the second batch restated it
        assert total(category="pnc-misuse").count == 6
        retract_batch(second.pk)  # the value before it was the first's, itself retracted
        assert total(category="pnc-misuse") is None

    def test_returns_are_refreshed(self):
        surrey = Return.objects.get(dataset__slug="bbw-2016", force__name="Surrey Police")
        assert surrey.status == "disclosed"
        batch = load(figures({"force": "Surrey Police", "status": "refused"}))
        surrey.refresh_from_db()
        assert surrey.status == "refused"
        retract_batch(batch.pk)
        surrey.refresh_from_db()
        assert surrey.status == "disclosed"


INCIDENTS = "dataset,force,reference,occurred_on,outcome,summary\n"


@pytest.mark.django_db
def test_incidents_created_disappear_and_restated_ones_come_back_with_their_outcomes():
    first = load((INCIDENTS + "bbw-2016,Surrey Police,PSD-1,2015-03-01,warning,First\n").encode())
    second = load(
        (
            INCIDENTS
            + "bbw-2016,Surrey Police,PSD-1,2015-03-02,dismissed; resigned,Restated\n"
            + "bbw-2016,Surrey Police,PSD-2,2015-04-01,,New\n"
        ).encode()
    )
    result = retract_batch(second.pk)
    assert (result.restored, result.withdrawn) == (1, 1)
    assert not Incident.objects.published().filter(reference="PSD-2").exists()
    assert Incident.objects.filter(reference="PSD-2").exists()
    restored = Incident.objects.get(reference="PSD-1")
    assert (str(restored.occurred_on), restored.summary, restored.batch) == (
        "2015-03-01",
        "First",
        first,
    )
    assert list(restored.outcomes.values_list("outcome", flat=True)) == ["warning"]


@pytest.mark.django_db
def test_retract_from_the_batch_page_asks_first(client, editor):
    batch = load(figures({"count": 500}))
    url = reverse("admin:breaches_importbatch_retract", args=[batch.pk])
    page = client.get(url)
    assert b"Yes, retract" in page.content
    assert total().count == 500  # asking changes nothing
    done = client.post(url, {"confirm": "yes"}, follow=True)
    assert b"Retracted" in done.content
    assert total().count == 488
    again = client.post(url, {"confirm": "yes"}, follow=True)
    assert b"was already retracted: nothing changed" in again.content


@pytest.mark.django_db
def test_retract_action_on_the_change_list(client, editor):
    batch = load(figures({"count": 500}))
    changelist = reverse("admin:breaches_importbatch_changelist")
    data = {"action": "retract_selected", "_selected_action": [batch.pk]}
    confirm = client.post(changelist, data)
    assert b"Retract this import batch?" in confirm.content
    assert total().count == 500
    client.post(changelist, {**data, "confirm": "yes"})
    assert total().count == 488
    assert ImportBatch.objects.get(retracts=batch).uploaded_by == editor


@pytest.mark.django_db(transaction=True)
def test_two_editors_confirming_the_same_file_at_once_make_one_set_of_records():
    from tests.conftest import load_reference_data

    load_reference_data()
    content = figures({"count": 500}, {"category": "pnc-misuse", "count": 9})
    batches_before = ImportBatch.objects.count()
    results, barrier = [], threading.Barrier(2)

    def confirm():
        try:
            barrier.wait()
            results.append(import_file(content, "return.csv")[1])
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted((r.created, r.updated, r.unchanged) for r in results) == [(0, 0, 2), (1, 1, 0)]
    assert ImportBatch.objects.count() == batches_before + 1
    assert (
        Figure.objects.published().filter(dataset__slug="bbw-2016", category="pnc-misuse").count()
        == 2
    )
    assert total(category="pnc-misuse").count == 9


@pytest.mark.django_db
def test_a_batch_whose_figures_a_later_retraction_withdrew_says_which(client, editor):
    created = load(figures({"category": "pnc-misuse", "count": 4}))
    restated = load(figures({"category": "pnc-misuse", "count": 6}))
    retract_batch(created.pk)  # its figure was restated since: kept as the later batch set it
    withdrawing = retract_batch(restated.pk).retraction  # nothing earlier left to restore
    assert total(category="pnc-misuse", published=False).retracted_by == withdrawing
    page = client.get(reverse("admin:breaches_importbatch_change", args=[created.pk]))
    soup = BeautifulSoup(page.content, "html.parser")
    withdrawals = soup.find(class_="field-withdrawals").get_text(" ", strip=True)
    assert (
        f"1 figures withdrawn by batch {withdrawing.pk} (the retraction of batch {restated.pk})"
        in " ".join(withdrawals.split())
    )
    link = soup.find(class_="field-withdrawals").find("a")
    assert link["href"] == reverse("admin:breaches_importbatch_change", args=[withdrawing.pk])
    published = soup.find(id="batch-created-figures").tbody.tr.find_all("td")[-1]
    assert published.get_text(" ", strip=True) == f"withdrawn by batch {withdrawing.pk}"
    # A batch none of whose rows were withdrawn says so, rather than "0".
    current = load(figures({"category": "misdirected", "count": 2}))
    page = client.get(reverse("admin:breaches_importbatch_change", args=[current.pk]))
    field = BeautifulSoup(page.content, "html.parser").find(class_="field-withdrawals")
    assert "none: every row this batch wrote is published or restated" in field.get_text()
