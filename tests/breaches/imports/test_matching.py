"""Force-name suggestions: real-world spellings from FOI replies and newsrooms, and speed."""

import csv
import time
from pathlib import Path

import pytest

from breaches.imports.matching import ForceMatcher, canonical
from breaches.imports.reference import name_key

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"

# (how a spreadsheet or a newspaper wrote it, the force it means: slug)
VARIANTS = [
    ("Met Police", "metropolitan"),
    ("MPS", "metropolitan"),
    ("Metropolitan Police Service (MPS)", "metropolitan"),
    ("Met Police Service", "metropolitan"),
    ("Metropolitan Police Force", "metropolitan"),
    ("Devon and Cornwall Constabulary", "devon-and-cornwall"),
    ("Devon & Cornwall", "devon-and-cornwall"),
    ("Herts Police", "hertfordshire"),
    ("Herts Constabulary", "hertfordshire"),
    ("Hertfordshire Police", "hertfordshire"),
    ("GMP", "greater-manchester"),
    ("Greater Manchester Police Service", "greater-manchester"),
    ("Manchester Police", "greater-manchester"),
    ("PSNI", "northern-ireland"),
    ("Northern Ireland Police", "northern-ireland"),
    ("Notts Police", "nottinghamshire"),
    ("Nottinghamshire Constabulary", "nottinghamshire"),
    ("West Mids", "west-midlands"),
    ("West Mids Police", "west-midlands"),
    ("W Midlands Police", "west-midlands"),
    ("Thames Valley", "thames-valley"),
    ("TVP", "thames-valley"),
    ("Avon & Somerset Police", "avon-and-somerset"),
    ("Avon and Somerset Police", "avon-and-somerset"),
    ("Lincs Police", "lincolnshire"),
    ("Leics Police", "leicestershire"),
    ("Northants Police", "northamptonshire"),
    ("Cambs Police", "cambridgeshire"),
    ("Cambridgeshire Police", "cambridgeshire"),
    ("Gloucs Police", "gloucestershire"),
    ("Glos Constabulary", "gloucestershire"),
    ("Staffs Police", "staffordshire"),
    ("Wilts Police", "wiltshire"),
    ("Hants Constabulary", "hampshire"),
    ("Hampshire Police", "hampshire"),
    ("Hampshire and Isle of Wight Constabulary", "hampshire"),
    ("North Yorks Police", "north-yorkshire"),
    ("S Yorks Police", "south-yorkshire"),
    ("West Yorks Police", "west-yorkshire"),
    ("BTP", "btp"),
    ("British Transport Police Force", "btp"),
    ("MDP", "ministry-of-defence"),
    ("MOD Police", "ministry-of-defence"),
    ("CNC", "civil-nuclear"),
    ("Civil Nuclear Police", "civil-nuclear"),
    ("City of London", "city-of-london"),
    ("City of London Police Service", "city-of-london"),
    ("Surey Police", "surrey"),
    ("Sussex Constabulary", "sussex"),
    ("Essex Constabulary", "essex"),
    ("Lancs Constabulary", "lancashire"),
    ("Dyfed Powys Police", "dyfed-powys"),
    ("Dyfed Powys", "dyfed-powys"),
    ("Gwent Constabulary", "gwent"),
    ("South Wales Constabulary", "south-wales"),
    ("N Wales Police", "north-wales"),
    ("Police Service of Scotland", "police-scotland"),
    ("Scotland Police", "police-scotland"),
    ("Jersey Police", "jersey"),
    ("Isle of Man Police", "isle-of-man"),
    ("Northumbria Constabulary", "northumbria"),
    ("Durham Police", "durham"),
    ("Cheshire Police", "cheshire"),
    ("Derbyshire Police", "derbyshire"),
    ("Warwickshire Constabulary", "warwickshire"),
    ("West Mercia Constabulary", "west-mercia"),
]


def fixture_matcher() -> ForceMatcher:
    """The matcher over the fixture forces and aliases, as Reference.load() builds it."""
    spellings, names = {}, {}
    with open(FIXTURES / "forces.csv", encoding="utf-8") as file:
        for force in csv.DictReader(file):
            names[force["slug"]] = force["name"]
            for spelling in (force["slug"], force["name"], force["short_name"]):
                if spelling:
                    spellings[name_key(spelling)] = force["slug"]
    with open(FIXTURES / "aliases.csv", encoding="utf-8") as file:
        for alias in csv.DictReader(file):
            spellings[name_key(alias["alias"])] = alias["force"]
    return ForceMatcher(spellings, names), names


def test_the_table_has_at_least_forty_variants():
    assert len(VARIANTS) >= 40
    assert len({name for name, _ in VARIANTS}) == len(VARIANTS)


@pytest.mark.parametrize(("written", "slug"), VARIANTS)
def test_the_right_force_is_the_first_suggestion(written, slug):
    matcher, names = fixture_matcher()
    suggestions = matcher.nearest(written)
    assert suggestions, f"no suggestion for {written!r}"
    assert suggestions[0] == names[slug]


@pytest.mark.parametrize("nonsense", ["Narnia Constabulary", "Police", "Constabulary", "???"])
def test_a_name_that_is_no_force_gets_no_confident_suggestion(nonsense):
    matcher, _ = fixture_matcher()
    # Shared words alone say nothing; an invented place is offered nothing or very little.
    assert len(matcher.nearest(nonsense)) <= 1
    assert "Kent Police" not in matcher.nearest(nonsense)


def test_shared_words_abbreviations_and_initialisms_are_spelt_out():
    assert canonical("Herts Police") == "hertfordshire"
    assert canonical("The Met") == "metropolitan"
    assert canonical("MPS") == "metropolitan"
    assert canonical("Devon & Cornwall Constabulary") == "devon cornwall"
    assert canonical("West Mids") == "west midlands"


def test_each_distinct_name_is_ranked_once_and_fast():
    matcher, _ = fixture_matcher()
    started = time.perf_counter()
    for number in range(2000):
        matcher.nearest(f"Unknown Force {number}")
    per_name = (time.perf_counter() - started) / 2000
    assert per_name < 0.005, f"{per_name * 1000:.2f} ms per distinct name"
    calls = []
    original = matcher._rank
    matcher._rank = lambda key: calls.append(key) or original(key)
    for _ in range(100_000):
        matcher.nearest("Narnia Constabulary")
    assert len(calls) == 1


@pytest.mark.django_db
def test_the_upload_reference_suggests_from_the_database_names_and_aliases():
    from breaches.imports.reference import Reference

    reference = Reference.load()
    assert reference.nearest_forces("Met Police")[0] == "Metropolitan Police Service"
    assert reference.nearest_forces("Herts Police")[0] == "Hertfordshire Constabulary"
    assert reference.nearest_forces("Narnia Constabulary")[:1] != ("Cumbria Constabulary",)
