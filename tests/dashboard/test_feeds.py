"""Atom feeds of new figures, restatements and retractions: valid Atom (RFC 4287), never
withdrawn or synthetic data, text from uploads escaped."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from breaches.changes import LIMIT
from breaches.imports.pipeline import import_file
from breaches.imports.retraction import retract_batch
from breaches.models import Dataset, Figure, Force, Source
from tests import fixture_files

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
HEADER = (
    "dataset,force,period_start,period_end,category,outcome,role,count,status,source_title,note\n"
)
ROW = "bbw-2016,Surrey Police,2011-06-01,2015-12-31,{category},,,{count},,{source},{note}\n"


def atom(client, path) -> ET.Element:
    """The feed at `path`, checked against RFC 4287's required elements; returns its root."""
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}").text
    assert feed.find(f"{ATOM}author/{ATOM}name").text  # so entries need no author of their own
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    ids = []
    for entry in feed.iter(f"{ATOM}entry"):
        for required in ("id", "title", "updated", "summary"):
            assert entry.find(f"{ATOM}{required}").text, required
        dt.datetime.fromisoformat(entry.find(f"{ATOM}updated").text)  # RFC 3339
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href")
        assert entry.find(f"{ATOM}summary").get("type") == "html"
        ids.append(entry.find(f"{ATOM}id").text)
    assert len(ids) == len(set(ids))
    return feed


def entries(feed) -> list[dict]:
    return [
        {
            "id": entry.find(f"{ATOM}id").text,
            "title": entry.find(f"{ATOM}title").text,
            "summary": entry.find(f"{ATOM}summary").text,
        }
        for entry in feed.iter(f"{ATOM}entry")
    ]


def load(category="", count="", source="A later FOI answer", note=""):
    content = HEADER + ROW.format(category=category, count=count, source=source, note=note)
    validation, result = import_file(content.encode(), "return.csv")
    assert validation.ok, validation.errors
    return result.batch


def surrey_total():
    return Figure.objects.get(
        dataset__slug="bbw-2016", force__slug="surrey", category=None, outcome=None, role=None
    )


def test_site_feed_lists_the_newest_figures(client):
    feed = atom(client, "/feed/")
    listed = entries(feed)
    assert len(listed) == min(LIMIT, len(fixture_files.rows("figures.csv")))
    assert all("new figure" in entry["title"] for entry in listed)


def test_force_feed_names_the_force_dataset_value_and_source(client):
    listed = entries(atom(client, "/forces/surrey/feed/"))
    surrey = [
        r
        for r in fixture_files.figures()
        if r["force"] and fixture_files.force_slug(r["force"]) == "surrey"
    ]
    assert len(listed) == min(LIMIT, len(surrey))
    assert all(entry["title"].startswith("Surrey Police:") for entry in listed)
    total = next(
        r
        for r in surrey
        if r["dataset"] == "bbw-2016" and not (r["category"] or r["outcome"] or r["role"])
    )
    summary = next(
        e["summary"]
        for e in listed
        if f"Value: {total['count']} breaches." in e["summary"]
        and ", total." in e["summary"]
        and "Safe in Police Hands?" in e["summary"]
    )
    assert total["source_url"] in summary


def test_a_restatement_shows_old_and_new_values(client):
    old = surrey_total().count
    load(count=old + 7)
    first = entries(atom(client, "/forces/surrey/feed/"))[0]
    assert "restated" in first["title"]
    assert f"Was {old} breaches, now {old + 7} breaches." in first["summary"]
    assert "A later FOI answer" in first["summary"]


def test_retracted_values_never_appear(client):
    old = surrey_total().count
    restating = load(count=old + 7)
    created = load(category="pnc-misuse", count=4321)
    retract_batch(created.pk)
    retract_batch(restating.pk)
    listed = entries(atom(client, "/forces/surrey/feed/"))
    text = " ".join(e["summary"] for e in listed)
    assert str(old + 7) not in text
    assert "4,321" not in text
    assert "4321" not in text
    kinds = [e["title"].split(": ")[1].split(",")[0] for e in listed[:2]]
    assert kinds == ["restored after a retraction", "withdrawn"]
    restored = listed[0]["summary"]
    assert f"Was a withdrawn value (not shown), now {old} breaches." in restored
    assert "Police National Computer misuse" in listed[1]["summary"]
    assert not any("restated" in e["title"] for e in listed)


def test_text_from_uploads_is_escaped(client):
    load(category="pnc-misuse", count=3, note="<script>alert(1)</script>", source="<b>Bold</b>")
    first = entries(atom(client, "/forces/surrey/feed/"))[0]
    # The summary is HTML: the reader must see the text, never run it.
    assert "<script>" not in first["summary"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in first["summary"]
    assert "&lt;b&gt;Bold&lt;/b&gt;" in first["summary"]


def test_synthetic_data_never_appears(client):
    synthetic = Dataset.objects.create(
        slug="synthetic-feed", title="Synthetic feed data", publisher="bench",
        published_on="2030-01-01", period_start="2029-01-01", period_end="2029-12-31",
        unit="breaches", definition="generated", url="https://example.org/", synthetic=True,
    )  # fmt: skip
    Figure.objects.create(
        dataset=synthetic, force=Force.objects.get(slug="surrey"), period_start="2029-01-01",
        period_end="2029-12-31", count=99999, source=Source.objects.first(),
    )  # fmt: skip
    for path in ("/feed/", "/forces/surrey/feed/"):
        assert b"Synthetic feed data" not in client.get(path).content


def test_pages_link_their_feeds(client):
    home = BeautifulSoup(client.get("/").content, "html.parser")
    link = home.select_one('head link[rel=alternate][type="application/atom+xml"]')
    atom(client, link["href"])
    force = BeautifulSoup(client.get("/forces/surrey/").content, "html.parser")
    hrefs = [
        a["href"] for a in force.select('head link[rel=alternate][type="application/atom+xml"]')
    ]
    assert "/forces/surrey/feed/" in hrefs
    atom(client, "/forces/surrey/feed/")


def test_unknown_force_has_no_feed(client):
    assert client.get("/forces/no-such-force/feed/").status_code == 404
