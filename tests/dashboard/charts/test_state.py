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


# Each bad value, and the parameter (and builder control) it belongs to.
BAD_VALUES = [
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
]


@pytest.mark.parametrize(("query", "parameter"), [("v=2", "v"), *BAD_VALUES])
@pytest.mark.parametrize("path", ["/charts/data.json", "/charts/embed/"])
def test_invalid_values_give_a_400_that_names_the_parameter(client, path, query, parameter):
    response = client.get(f"{path}?v=1&chart=league&{query}".replace("v=1&chart=league&v=2", "v=2"))
    assert response.status_code == 400
    problems = BeautifulSoup(response.content, "html.parser").select(".problems li")
    assert any(p.get_text().startswith(f"{parameter}:") for p in problems)
    assert b"<script>" not in response.content.split(b"<body")[1]


CONTROLS = {
    "chart": "Chart", "dataset": "Dataset", "forces": "Forces", "metric": "Measure",
    "category": "Category", "outcome": "Outcome", "role": "Role", "from": "From", "to": "To",
}  # fmt: skip


@pytest.mark.parametrize(("query", "parameter"), BAD_VALUES)
def test_the_builder_names_a_bad_value_beside_its_control_and_keeps_the_rest(
    client, query, parameter
):
    response = client.get(f"/charts/?v=1&chart=league&dataset=bbw-2016&role=officer&{query}")
    assert response.status_code == 400
    page = BeautifulSoup(response.content, "html.parser")
    error = page.find(id=f"error-{parameter}")
    assert error.get_text().startswith(f"{CONTROLS[parameter]}: ")
    assert not error.has_attr("hidden")
    if parameter != "forces":  # the forces fieldset is described by its error instead
        control = page.find(attrs={"name": parameter, "aria-describedby": f"error-{parameter}"})
        assert control["aria-invalid"] == "true"
    # Every other setting survives: the role chosen is still chosen, and a chart is drawn.
    if parameter != "role":
        assert page.select_one("#id_role option[selected]")["value"] == "officer"
    assert page.select_one("#chart-figure")
    assert b"<script>" not in response.content.split(b"<body")[1]


def test_a_version_the_builder_has_no_control_for_gives_the_400_page(client):
    response = client.get("/charts/?v=2&chart=league")
    assert response.status_code == 400
    problems = BeautifulSoup(response.content, "html.parser").select(".problems li")
    assert any(p.get_text().startswith("v:") for p in problems)


def test_a_reversed_period_cannot_be_chosen_in_the_controls(client):
    page = BeautifulSoup(
        client.get("/charts/?v=1&chart=league&dataset=bbw-2016&from=2012&to=2014").content,
        "html.parser",
    )
    years = [int(o["value"]) for o in page.select("#id_to option") if o["value"]]
    disabled_to = [int(o["value"]) for o in page.select("#id_to option[disabled]")]
    disabled_from = [int(o["value"]) for o in page.select("#id_from option[disabled]")]
    assert disabled_to == [year for year in years if year < 2012]
    assert disabled_from == [year for year in years if year > 2014]
