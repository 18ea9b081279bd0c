"""Chart query strings: one canonical spelling per chart; bad values give a 400 naming them."""

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.django_db

CANONICAL = "/charts/?v=1&chart=league&dataset=bbw-2016"


@pytest.mark.parametrize(
    ("asked", "canonical"),
    [
        # Defaults left out are spelled out (they would change meaning if a default changed).
        ("/charts/", CANONICAL),
        ("/charts/?chart=league", CANONICAL),
        ("/charts/?v=1&dataset=bbw-2016", CANONICAL),
        # Defaults that never change are dropped.
        ("/charts/?v=1&chart=league&dataset=bbw-2016&metric=count&category=&role=", CANONICAL),
        # Parameter order.
        ("/charts/?dataset=bbw-2016&chart=league&v=1", CANONICAL),
        # Forces: sorted, deduplicated, `~`-separated, lower case, repeated parameters merged.
        (
            "/charts/?v=1&chart=league&dataset=bbw-2016&forces=surrey~dorset~surrey",
            "/charts/?v=1&chart=league&dataset=bbw-2016&forces=dorset~surrey",
        ),
        (
            "/charts/?v=1&chart=league&dataset=bbw-2016&forces=Surrey&forces=dorset",
            "/charts/?v=1&chart=league&dataset=bbw-2016&forces=dorset~surrey",
        ),
        (
            "/charts/?v=1&chart=league&dataset=bbw-2016&forces=surrey,dorset",
            "/charts/?v=1&chart=league&dataset=bbw-2016&forces=dorset~surrey",
        ),
        # Old parameter names.
        (
            "/charts/?type=league&dataset=bbw-2016&force=surrey&measure=per-1000-officers",
            "/charts/?v=1&chart=league&dataset=bbw-2016&forces=surrey&metric=per-1000-officers",
        ),
        (
            "/charts/?v=1&chart=trend&forces=surrey&start=2010&end=2020",
            "/charts/?v=1&chart=trend&forces=surrey&from=2010&to=2020",
        ),
        # Parameters that do not apply to the chart, and unknown ones, are dropped.
        (
            "/charts/?v=1&chart=outcomes&dataset=bbw-2016&metric=annualised&outcome=warning",
            "/charts/?v=1&chart=outcomes&dataset=bbw-2016",
        ),
        ("/charts/?v=1&chart=league&dataset=bbw-2016&utm_source=x&fbclid=y", CANONICAL),
        # The twins and the embed canonicalise the same way.
        ("/charts/data.json?chart=league", "/charts/data.json?v=1&chart=league&dataset=bbw-2016"),
        ("/charts/data.csv", "/charts/data.csv?v=1&chart=league&dataset=bbw-2016"),
        ("/charts/embed/", "/charts/embed/?v=1&chart=league&dataset=bbw-2016"),
    ],
)
def test_non_canonical_query_strings_redirect(client, asked, canonical):
    response = client.get(asked)
    assert response.status_code == 302
    assert response["Location"] == canonical
    assert client.get(canonical).status_code == 200


def test_trend_without_forces_redirects_to_a_spelled_out_choice(client):
    response = client.get("/charts/?v=1&chart=trend")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/charts/?v=1&chart=trend&forces=")
    forces = location.split("forces=")[1].split("&")[0].split("~")
    assert len(forces) == 3
    assert forces == sorted(forces)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("v=2", "v"),
        ("chart=pie", "chart"),
        ("dataset=no-such-dataset", "dataset"),
        ("dataset=<script>", "dataset"),
        ("forces=surrey~atlantis", "forces"),
        ("metric=biggest", "metric"),
        ("category=gossip", "category"),
        ("outcome=knighted", "outcome"),
        ("role=mayor", "role"),
        ("from=last-year", "from"),
        ("from=2020&to=2010", "to"),
        ("to=99999999999999999999999", "to"),
        ("forces=" + "~".join(f"f{i}" for i in range(20)), "forces"),
    ],
)
@pytest.mark.parametrize("path", ["/charts/", "/charts/data.json", "/charts/embed/"])
def test_invalid_values_give_a_400_that_names_the_parameter(client, path, query, parameter):
    response = client.get(f"{path}?v=1&chart=league&{query}".replace("v=1&chart=league&v=2", "v=2"))
    assert response.status_code == 400
    problems = BeautifulSoup(response.content, "html.parser").select(".problems li")
    assert any(p.get_text().startswith(f"{parameter}:") for p in problems)
    assert b"<script>" not in response.content.split(b"<body")[1]
