"""Synthetic datasets (made-up data for measuring) never reach a public page unless
SHOW_SYNTHETIC_DATA is on."""

import io

import pytest
from django.core.management import call_command

SLUG = "synthetic-hidden"


@pytest.fixture
def synthetic(db):
    call_command(
        "generate_synthetic_incidents", "30", "--seed", "2", "--dataset", SLUG, stdout=io.StringIO()
    )


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


PAGES = [
    "/datasets/",
    "/incidents/",
    "/incidents/?_export=json",
    "/figures/",
    "/charts/",
    "/league/",
]


@pytest.mark.parametrize("url", PAGES)
def test_synthetic_data_is_absent_from_public_pages(client, synthetic, url):
    response = client.get(url, follow=True)  # /charts/ redirects to its canonical URL
    assert response.status_code == 200
    text = body(response)
    assert SLUG not in text
    assert "SYN-2-" not in text
    assert "Synthetic incidents" not in text


@pytest.mark.parametrize(
    "url",
    [
        f"/datasets/{SLUG}/",
        f"/league/?dataset={SLUG}",
        f"/incidents/?dataset={SLUG}",
        f"/figures/?dataset={SLUG}",
        f"/charts/?chart=league&dataset={SLUG}",
        f"/charts/data.json?chart=league&dataset={SLUG}",
    ],
)
def test_a_synthetic_dataset_cannot_be_looked_up(client, synthetic, url):
    response = client.get(url, follow=True)
    assert response.status_code in (400, 404)
    assert "SYN-2-" not in body(response)


def test_the_setting_shows_them(client, synthetic, settings):
    settings.SHOW_SYNTHETIC_DATA = True
    assert SLUG in body(client.get("/datasets/"))
    assert client.get(f"/datasets/{SLUG}/").status_code == 200
    assert client.get(f"/league/?dataset={SLUG}").status_code == 200
    listed = body(client.get(f"/incidents/?dataset={SLUG}"))
    assert "SYN-2-0000000" in listed
    assert SLUG in body(client.get("/figures/"))
    assert SLUG in body(client.get("/charts/", follow=True))
    chart = client.get(f"/charts/data.json?chart=league&dataset={SLUG}", follow=True)
    assert chart.status_code == 200
