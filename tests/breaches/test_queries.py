"""Queryset methods over the real published figures: values and query counts."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from breaches.models import Dataset, Figure, Force, ImportBatch, Source
from breaches.queries import Level, Period
from breaches.vocabularies import OUTCOME_GROUPS
from tests import fixture_files

pytestmark = pytest.mark.django_db

BBW_2016 = Period(dt.date(2011, 6, 1), dt.date(2015, 12, 31))


@pytest.fixture
def bbw():
    return Figure.objects.for_dataset(Dataset.objects.get(slug="bbw-2016"))


def by_force(rows):
    return {row.force_name: row for row in rows}


def expected_periods(dataset):
    counts = fixture_files.forces_per_period(dataset).items()
    ordered = sorted(
        counts, key=lambda item: (-item[1], -item[0][1].toordinal(), -item[0][0].toordinal())
    )
    return [(Period(*key), forces) for key, forces in ordered]


def test_periods_most_common_first(bbw, django_assert_num_queries):
    with django_assert_num_queries(1):
        periods = bbw.periods()
    assert periods == expected_periods("bbw-2016")
    assert periods[0][0] == BBW_2016
    vpn = Figure.objects.for_dataset(Dataset.objects.get(slug="vpnoverview-2021")).periods()
    assert vpn == expected_periods("vpnoverview-2021")
    assert vpn[0][0] == Period(dt.date(2020, 1, 1), dt.date(2020, 12, 31))


def test_league_by_count_in_published_order(bbw, django_assert_num_queries):
    with django_assert_num_queries(3):  # the league, its notes, its restatements
        rows = bbw.force_values(BBW_2016)
    ranked = [(r.rank, r.force_name, r.count) for r in rows if r.count is not None]
    assert ranked[:3] == [
        (1, "West Midlands Police", 488),
        (2, "Surrey Police", 202),
        (3, "Humberside Police", 168),
    ]
    published = fixture_files.totals("bbw-2016", BBW_2016.start, BBW_2016.end)
    disclosed = [count for count in published.values() if count is not None]
    assert len(ranked) == len(disclosed)
    # Well short of the national 2,315: most forces' figures were not published.
    assert sum(count for _, _, count in ranked) == sum(disclosed) < 2315
    northumbria = by_force(rows)["Northumbria Police"]
    assert northumbria.count is None
    assert northumbria.status == "not-disclosed"
    assert northumbria.rank is None
    assert rows[-1] is northumbria  # withheld rows come after every ranked row


def test_national_figures_are_not_league_rows(bbw):
    assert all(row.force_id is not None for row in bbw.force_values(BBW_2016))


def test_rate_per_1000_officers_uses_the_workforce_figure(bbw):
    surrey = by_force(bbw.force_values(BBW_2016))["Surrey Police"]
    assert surrey.workforce == Decimal("1862.78")
    assert surrey.workforce_as_of == dt.date(2015, 3, 31)
    assert surrey.rate_per_1000 == Decimal("108.4")  # 202 / 1862.78 * 1000


def test_rate_is_absent_without_a_workforce_figure():
    rows = Figure.objects.for_dataset(Dataset.objects.get(slug="vpnoverview-2021")).force_values(
        Period(dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    )
    # No 31 March officer count was found for the PSNI (fixtures/workforce.csv).
    assert not any(
        row["force"] == "northern-ireland" and row["measure"] == "officers-fte"
        for row in fixture_files.rows("workforce.csv")
    )
    psni = by_force(rows)["Police Service of Northern Ireland"]
    assert psni.count == 194
    assert psni.workforce is None
    assert psni.rate_per_1000 is None
    # Police Scotland's officers at 31 March 2019 (17,251) are the nearest to 2020.
    scotland = by_force(rows)["Police Scotland"]
    assert (scotland.workforce, scotland.workforce_as_of) == (
        Decimal("17251"),
        dt.date(2019, 3, 31),
    )


def test_rates_divide_by_officers_only(bbw):
    """Staff, PCSO and designated-officer rows never stand in for officers, however near."""
    surrey = Force.objects.get(slug="surrey")
    for measure in ("staff-fte", "pcso-fte", "designated-fte"):
        surrey.workforce.update_or_create(
            as_of=BBW_2016.midpoint,
            measure=measure,
            defaults={"value": 1, "source": "Test row (pytest, not real data)"},
        )
    row = by_force(bbw.force_values(BBW_2016))["Surrey Police"]
    officers = surrey.workforce.filter(measure="officers-fte")
    nearest = min(officers, key=lambda w: (abs(w.as_of - BBW_2016.midpoint), -w.as_of.toordinal()))
    assert row.workforce == nearest.value
    assert row.workforce_as_of == nearest.as_of


def test_outcome_filter_uses_published_figures_and_sums_only_complete_breakdowns(bbw):
    rows = by_force(bbw.force_values(BBW_2016, Level(outcome="dismissed")))
    assert {name: row.count for name, row in rows.items()} == {
        "Surrey Police": 29,
        "Dorset Police": 4,
        "Cambridgeshire Constabulary": 4,
        "North Yorkshire Police": 3,
        "Cleveland Police": 1,
    }
    assert (rows["Surrey Police"].summed, rows["Surrey Police"].lower_bound) == (False, False)
    # Dorset published dismissals only by role (3 officers + 1 staff); its officer and staff
    # answers add up to its total of 81, so the sum is exact.
    assert (rows["Dorset Police"].summed, rows["Dorset Police"].lower_bound) == (True, False)
    # Cleveland's one dismissal is a special constable; its roles do not add up to 17.
    assert rows["Cleveland Police"].lower_bound is True
    # Cambridgeshire's four dismissals are staff; officers' dismissals were not published.
    cambridgeshire = rows["Cambridgeshire Constabulary"]
    assert (cambridgeshire.summed, cambridgeshire.lower_bound) == (True, True)


def test_outcome_group_is_a_lower_bound_when_the_breakdown_is_incomplete(bbw):
    rows = by_force(bbw.force_values(BBW_2016, Level(outcome="resigned-or-dismissed")))
    surrey = rows["Surrey Police"]  # 29 dismissed + 9 resigned; outcomes add up to 202
    assert (surrey.count, surrey.summed, surrey.lower_bound) == (38, True, False)
    humberside = rows["Humberside Police"]  # five resigned, dismissals not published
    assert (humberside.count, humberside.lower_bound) == (5, True)
    assert "West Midlands Police" not in rows  # no outcome breakdown published: absent, not 0


def test_published_zero_is_zero_and_ranked(bbw):
    rows = by_force(bbw.force_values(BBW_2016, Level(outcome="criminal-sanction")))
    assert rows["Humberside Police"].count == 0
    assert rows["Humberside Police"].summed is False


def test_league_notes_come_from_the_figures_behind_the_row(bbw):
    rows = by_force(bbw.force_values(BBW_2016))
    assert any("allegations" in note for note in rows["West Midlands Police"].notes)
    assert rows["Surrey Police"].notes == ()


def test_headline_shares_computed_from_stored_figures(bbw, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        headline = bbw.headline()
        outcomes = {f.outcome: round(f.share * 100) for f in headline["outcomes"]}
        categories = {f.category: f.count for f in headline["categories"]}
    assert headline["total"].count == 2315
    assert outcomes == {
        "no-formal-action": 55,
        "resigned-or-dismissed": 13,
        "criminal-sanction": 3,
        "warning": 11,
    }
    assert categories == {
        "unauthorised-access": 869,
        "third-party-disclosure": 877,
        "pnc-misuse": 25,
    }


def test_headline_follows_a_restated_total(bbw):
    total = bbw.headline()["total"]
    total.count = 2000
    total.save()
    shares = {f.outcome: round(f.share * 100) for f in bbw.headline()["outcomes"]}
    assert shares["no-formal-action"] == 64  # 1,283 / 2,000


def test_query_count_does_not_grow_with_forces(bbw, django_assert_num_queries):
    """Figures for every other force (marked as test data) change nothing in the query count."""
    source = Source.objects.create(title="Test data, not a real figure")
    listed = bbw.by_force().values_list("force", flat=True)
    added = list(Force.objects.exclude(pk__in=listed))
    forces = len(fixture_files.rows("forces.csv"))
    assert len(added) == forces - len(fixture_files.forces_with_a_figure("bbw-2016")) > 30
    Figure.objects.bulk_create(
        Figure(dataset_id=bbw.first().dataset_id, force=force, period_start=BBW_2016.start,
               period_end=BBW_2016.end, count=1, source=source)
        for force in added
    )  # fmt: skip
    with django_assert_num_queries(3):
        rows = bbw.force_values(BBW_2016)
    assert len(rows) == forces


# Surrey's resigned officers and staff, restated with a note: a part of one outcome group.
SURREY_RESIGNED_RESTATED = [
    ["dataset", "force", "period_start", "period_end", "outcome", "count", "source_title", "note"],
    ["bbw-2016", "Surrey Police", "2011-06-01", "2015-12-31", "resigned", "10",
     "Test restatement, not a real figure", "Restated by the force"],
]  # fmt: skip
EVERY_OUTCOME = [None, *OUTCOME_GROUPS.codes]


@pytest.mark.parametrize("level", [Level(), Level(role="officer"), Level("unauthorised-access")])
def test_outcomes_read_together_are_each_outcomes_league(
    bbw, level, write_csv, django_assert_num_queries
):
    """What the outcomes chart reads at once is what the league reads outcome by outcome,
    in the three queries of one league."""
    call_command("import_figures", write_csv(SURREY_RESIGNED_RESTATED), stdout=io.StringIO())
    with django_assert_num_queries(3):  # the values, their notes, their restatements
        together = bbw.force_values_by_outcome(BBW_2016, level, EVERY_OUTCOME)
    for outcome in EVERY_OUTCOME:
        alone = bbw.force_values(BBW_2016, Level(level.category, outcome, level.role))
        assert together[outcome] == alone
    if level == Level():  # the restated part counts in its own group only
        shown = (None, "no-formal-action", "resigned-or-dismissed")
        surrey = {o: by_force(together[o])["Surrey Police"] for o in shown}
        assert surrey["resigned-or-dismissed"].restated is True
        assert "Restated by the force" in surrey["resigned-or-dismissed"].notes
        assert surrey["no-formal-action"].restated is False
        assert surrey["no-formal-action"].notes == () == surrey[None].notes


def test_one_roles_outcome_sum_is_exact_only_against_a_complete_crosstab(bbw):
    # Dorset's outcome-by-role answers add up to its 81: officers' resigned (8) and
    # dismissed (3) make exactly 11.
    rows = by_force(
        bbw.force_values(BBW_2016, Level(outcome="resigned-or-dismissed", role="officer"))
    )
    dorset = rows["Dorset Police"]
    assert (dorset.count, dorset.summed, dorset.lower_bound) == (11, True, False)


def test_all_roles_outcome_breakdown_says_nothing_about_one_role(bbw):
    """Surrey's outcomes add up to 202 for all roles; an officer-only part is not exact."""
    surrey = Figure.objects.get(dataset__slug="bbw-2016", force__slug="surrey", category=None,
                                outcome=None, role=None)  # fmt: skip
    source = Source.objects.create(title="Test data, not a real figure")
    Figure.objects.create(dataset=surrey.dataset, force=surrey.force, period_start=BBW_2016.start,
                          period_end=BBW_2016.end, outcome="resigned", role="officer", count=2,
                          source=source)  # fmt: skip
    rows = by_force(
        bbw.force_values(BBW_2016, Level(outcome="resigned-or-dismissed", role="officer"))
    )
    assert (rows["Surrey Police"].count, rows["Surrey Police"].lower_bound) == (2, True)


def test_restated_flag_ignores_a_retracted_restatement(tmp_path):
    from django.core.management import call_command

    from breaches.imports.retraction import retract_batch

    header = ("dataset,force,period_start,period_end,category,outcome,role,count,status,"
              "source_title,source_publisher,source_date,source_url,note\n")  # fmt: skip
    path = tmp_path / "restate.csv"
    path.write_text(header + "bbw-2016,Surrey Police,2011-06-01,2015-12-31,,,,205,,"
                    "Test restatement,Test,2026-01-01,,\n")  # fmt: skip
    call_command("import_figures", path, stdout=io.StringIO())
    bbw = Figure.objects.for_dataset(Dataset.objects.get(slug="bbw-2016"))
    surrey = by_force(bbw.force_values(BBW_2016))["Surrey Police"]
    assert (surrey.count, surrey.restated) == (205, True)
    retract_batch(ImportBatch.objects.filter(kind="figures").latest("id").pk)
    surrey = by_force(bbw.force_values(BBW_2016))["Surrey Police"]
    assert (surrey.count, surrey.restated) == (202, False)


@pytest.mark.parametrize(
    ("start", "end", "years"),
    [
        (dt.date(2020, 1, 1), dt.date(2020, 12, 31), 1),  # a leap year is still one year
        (dt.date(2022, 4, 1), dt.date(2023, 3, 31), 1),  # a financial year
        (dt.date(2011, 6, 1), dt.date(2015, 12, 31), 55 / 12),
        (dt.date(2025, 1, 1), dt.date(2025, 5, 28), 148 / 365.25),  # ends mid-month: days
    ],
)
def test_period_length_in_years(start, end, years):
    assert Period(start, end).years == pytest.approx(years)
