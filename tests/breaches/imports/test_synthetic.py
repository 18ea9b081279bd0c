"""Synthetic incidents: deterministic for a seed, shaped like real case lists, labelled."""

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from breaches.imports.synthetic import SyntheticIncidents
from breaches.models import Dataset, ImportBatch, Incident, Outcome
from breaches.vocabularies import CATEGORIES, OUTCOMES, ROLES

FORCES = [f"force-{n:02d}" for n in range(45)]


def generate(count, seed=7, offset=0):
    return list(SyntheticIncidents("synthetic-test", FORCES, seed).rows(count, offset))


def test_the_same_seed_gives_the_same_rows_and_another_seed_others():
    assert generate(500) == generate(500)
    other = generate(500, seed=8)
    assert [r.force for r in other] != [r.force for r in generate(500)]


def test_rows_continue_exactly_from_an_offset_across_blocks():
    whole = generate(10_300)
    assert generate(400, offset=9_900) == whole[9_900:]


def test_every_category_outcome_and_role_occurs_even_in_a_small_set():
    rows = generate(40)
    assert {r.category for r in rows} == set(CATEGORIES.codes)
    assert {code for r in rows for code in r.outcomes} == set(OUTCOMES.codes)
    assert {r.role for r in rows} == set(ROLES.codes)


def test_shaped_like_real_case_lists():
    rows = generate(5_000)
    by_force = Counter(r.force for r in rows)
    top_five = sum(count for _, count in by_force.most_common(5))
    assert top_five > 0.5 * len(rows)  # a few forces hold most cases
    assert len(by_force) > 30  # but most forces have some
    dated = [r.occurred_on for r in rows if r.occurred_on]
    assert 0.02 < 1 - len(dated) / len(rows) < 0.08  # some undated
    assert max(dated).year - min(dated).year == 14  # fifteen calendar years
    assert 0.08 < sum(len(r.outcomes) == 2 for r in rows) / len(rows) < 0.2
    assert all(r.outcome_date >= r.occurred_on for r in rows if r.outcome_date and r.occurred_on)
    assert len({r.reference for r in rows}) == len(rows)


def run(*args):
    out = io.StringIO()
    call_command("generate_synthetic_incidents", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_command_saves_a_labelled_dataset_through_the_importer_and_is_idempotent():
    out = run("60", "--seed", "5", "--dataset", "synthetic-a", "--chunk", "25")
    assert out.splitlines() == [
        "rows 0-24: 25 created, 0 updated, 0 unchanged",
        "rows 25-49: 25 created, 0 updated, 0 unchanged",
        "rows 50-59: 10 created, 0 updated, 0 unchanged",
    ]
    dataset = Dataset.objects.get(slug="synthetic-a")
    assert dataset.synthetic
    assert "Synthetic" in dataset.title
    assert Incident.objects.filter(dataset=dataset).count() == 60
    assert ImportBatch.objects.filter(file_name__startswith="synthetic-synthetic-a").count() == 3
    assert Outcome.objects.filter(incident__dataset=dataset).count() >= 60

    again = run("60", "--seed", "5", "--dataset", "synthetic-a")
    assert "0 created, 0 updated, 60 unchanged" in again


@pytest.mark.django_db
def test_chunked_and_whole_generation_store_the_same_rows():
    run("70", "--seed", "9", "--dataset", "synthetic-a", "--chunk", "7")
    run("70", "--seed", "9", "--dataset", "synthetic-b")

    def stored(slug):
        return sorted(
            (
                i.force_id,
                i.reference,
                i.occurred_on,
                i.category,
                i.role,
                i.summary,
                tuple(sorted(i.outcomes.values_list("outcome", "decided_on"))),
            )
            for i in Incident.objects.filter(dataset__slug=slug)
        )

    assert stored("synthetic-a") == stored("synthetic-b")
    assert len(stored("synthetic-a")) == 70


@pytest.mark.django_db
def test_the_command_never_writes_into_a_real_dataset():
    with pytest.raises(CommandError, match="holds real data"):
        run("10", "--dataset", "bbw-2016")
    assert not Incident.objects.filter(reference__startswith="SYN-").exists()


@pytest.mark.django_db
def test_the_csv_it_writes_imports_to_the_same_rows(tmp_path):
    path = tmp_path / "synthetic.csv"
    run("50", "--seed", "4", "--dataset", "synthetic-c", "--csv", str(path))
    assert not Incident.objects.filter(dataset__slug="synthetic-c").exists()
    out = io.StringIO()
    call_command("import_incidents", path, stdout=out, stderr=io.StringIO())
    assert "50 created" in out.getvalue()
    assert "50 unchanged" in run("50", "--seed", "4", "--dataset", "synthetic-c")
