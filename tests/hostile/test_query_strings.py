"""Generated hostile query strings on every public view: never a 500 (docs/design.md section 5).

Hypothesis builds each query string from the parameter names the pages know, with values
that are known codes, known codes mixed with junk, random unicode, huge, empty or repeated,
percent-encoded invalid UTF-8, NUL bytes and very long keys; every view receives
QUERY_EXAMPLES of them through the Django test client. Answers allowed: 200, 400, 404, 405
and 429, and on the chart builder and its twins a redirect to the canonical query string,
which must itself answer 200 (one chart, one spelling, reached in one step).

HTML pages must not echo a marker tag unescaped, and no request may take longer than
SLOW_REQUEST_SECONDS. In CI (`make test`) the run is derandomised and small, so every run
sends the same few hundred query strings to each view; `make fuzz` sends many random ones and
keeps what fails in Hypothesis's example database (tests/hostile/profiles.py).
`pytest -s` prints, per view, the answers counted and the slowest query string.
"""

from __future__ import annotations

import csv
import itertools
import os
import time
from pathlib import Path
from urllib.parse import quote, quote_plus, urlsplit

import hypothesis
import pytest
from django.core.cache import cache
from hypothesis import example, given
from hypothesis import strategies as st

from breaches.vocabularies import CATEGORIES, OUTCOMES, RETURN_STATUSES, ROLES
from dashboard.models import PinnedChart

from .profiles import examples

pytestmark = pytest.mark.django_db

# Each example goes to every view. CI: a few hundred per view, the same ones every run (they
# found nothing new after the first run of 2,000); `make fuzz`: FUZZ_EXAMPLES random ones.
QUERY_EXAMPLES = int(os.environ.get("HOSTILE_QUERY_EXAMPLES", 0)) or examples(ci=200)
SLOW_REQUEST_SECONDS = 10.0  # a request this slow is a finding (a hang), even on a busy CI box
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

VIEWS = [
    "/",
    "/league/",
    "/forces/",
    "/forces/surrey/",
    "/datasets/",
    "/datasets/bbw-2016/",
    "/figures/",
    "/incidents/",
    "/about/",
    "/transparency/",
    "/feed/",
    "/forces/surrey/feed/",
    "/charts/",
    "/charts/data.json",
    "/charts/data.csv",
    "/charts/embed/",
    "/c/{pin}/",
    "/c/{pin}/embed/",
    "/c/{pin}/image.png",
    "/c/{pin}/data.json",
    "/c/{pin}/data.csv",
    "/c/{pin}/live.json",
    "/healthz",
]
ALLOWED = {200, 400, 404, 405, 429}
CANONICALISED = {"/charts/", "/charts/data.json", "/charts/data.csv", "/charts/embed/"}
MARKER = "<svg onload=hostile()>"  # must never come back unescaped in an HTML page


def _column(name: str, column: str) -> list[str]:
    with (FIXTURES / name).open(encoding="utf-8") as handle:
        return sorted({row[column] for row in csv.DictReader(handle) if row[column]})


def _periods() -> list[str]:
    with (FIXTURES / "datasets.csv").open(encoding="utf-8") as handle:
        return [f"{row['period_start']}~{row['period_end']}" for row in csv.DictReader(handle)]


DATASETS = _column("datasets.csv", "slug")
PERIODS = _periods()
FORCES = _column("forces.csv", "slug")
NATIONS = _column("forces.csv", "nation")
REGIONS = _column("forces.csv", "region")
CODES = [
    *CATEGORIES.codes,
    *OUTCOMES.codes,
    *ROLES.codes,
    *RETURN_STATUSES.codes,
    *(term.label for term in CATEGORIES.terms),
]
SORTS = [f"{d}{key}" for key in ("rank", "force", "count", "rate", "annualised") for d in ("", "-")]
# Every parameter any public page reads, with the old names the chart builder still accepts.
KEYS = [
    "dataset", "period", "metric", "category", "outcome", "role", "nation", "kind", "region",
    "sort", "_export", "page", "per_page", "q", "force", "forces", "national", "v", "chart",
    "from", "to", "type", "start", "end", "measure",
]  # fmt: skip
KNOWN = [
    *DATASETS, *FORCES, *NATIONS, *REGIONS, *CODES, *SORTS,
    "count", "per-1000-officers", "annualised", "league", "trend", "outcomes", "categories",
    "csv", "xlsx", "json", "territorial", "special", "crown-dependency", "true", "false",
    "1", "2", "0", "-1", "1990", "2011", "2015", "2020", "2100", "1989", "2101",
    "2011-06-01~2015-12-31", "2020-01-01~2020-12-31", "2015-12-31~2011-06-01",
    "surrey~kent~essex", "surrey,kent", "surrey+kent", "surrey kent",
]  # fmt: skip
HOSTILE = [
    "\x00", "\x00bbw-2016", "bbw-2016\x00", "\r\nSet-Cookie: hostile=1", MARKER,
    "'\"><script>alert(1)</script>", "' OR 1=1 --", "\"; DROP TABLE breaches_figure; --",
    "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "${jndi:ldap://x/a}", "{{ 7*7 }}", "{% debug %}",
    "%s%s%s%n", "\u202eevil", "\ufeffbbw-2016", "ｂｂｗ-２０１６", "𝟐𝟎𝟏𝟓", "İ", "ß", "\u0130surrey",
    "surrey\u200b", "NaN", "Infinity", "-0", "1e309", "0x10", "١٢٣", "9" * 400, "~", "~~~", "-",
    "--count", "__class__", "pk", "null", "None", "[]", "{}", "true&false",
]  # fmt: skip
YEARS = [str(year) for year in range(2005, 2027)]
# What each parameter means to some page: the realistic half of a hostile query string.
PLAUSIBLE = {
    "dataset": DATASETS,
    "period": [*PERIODS, "2011-06-01~2015-12-31", "2020-01-01~2020-12-31"],
    "metric": ["count", "per-1000-officers", "annualised"],
    "measure": ["count", "per-1000-officers", "annualised"],
    "category": CATEGORIES.codes,
    "outcome": OUTCOMES.codes,
    "role": ROLES.codes,
    "nation": NATIONS,
    "kind": ["territorial", "special", "crown-dependency"],
    "region": REGIONS,
    "sort": [*SORTS, "force", "-count", "period_start", "-source_title", "note"],
    "_export": ["csv", "xlsx", "json"],
    "page": ["1", "2", "3", "last"],
    "per_page": ["1", "10", "100", "1000"],
    "q": ["breach", "Surrey", "police & data", "!", "'", "a:*", "a | b", "<->", "-x", '"x'],
    "force": FORCES,
    "forces": FORCES,
    "national": ["true", "false", "1", "0", "unknown"],
    "v": ["1"],
    "chart": ["league", "trend", "outcomes", "categories"],
    "type": ["league", "trend", "outcomes", "categories"],
    "from": YEARS,
    "to": YEARS,
    "start": YEARS,
    "end": YEARS,
}
BROKEN_ESCAPES = ["%", "%%", "%2", "%G0", "%FF", "%FF%FE", "%C0%AF", "%ED%A0%80", "%F0%9F",
                  "%E2%82", "%00", "%0D%0A", "%25%30%30", "%u0041", "%EF%BB%BF"]  # fmt: skip


# --- Strategies ---------------------------------------------------------------------------

junk_text = st.text(max_size=24)
known = st.sampled_from(KNOWN)
values = st.one_of(
    known,
    known,
    st.sampled_from(HOSTILE),
    st.just(""),
    junk_text,
    st.tuples(known, junk_text).map("".join),  # a known value with junk after it
    st.tuples(junk_text, known).map("".join),
    known.map(str.upper),
    st.lists(st.one_of(known, junk_text), min_size=2, max_size=15).map("~".join),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.tuples(known, st.integers(2, 2000)).map(lambda t: t[0] * t[1]),  # huge and repetitive
    st.integers(1_000, 60_000).map(lambda n: "x" * n),
)
keys = st.one_of(
    st.sampled_from(KEYS),
    st.sampled_from(KEYS),
    st.sampled_from(KEYS),
    st.sampled_from(KEYS).map(str.upper),
    st.sampled_from(KEYS).map(lambda k: k + "[]"),
    junk_text,
    st.sampled_from(HOSTILE),
    st.integers(100, 20_000).map(lambda n: "k" * n),  # very long keys
)


@st.composite
def encoded(draw, strategy) -> str:
    """Draw a text and write it into a query string as a client might, or might not."""
    value = draw(strategy)
    how = draw(st.sampled_from(["quote", "quote", "quote_plus", "raw", "keep-safe"]))
    if how == "quote":
        return quote(value, safe="~")
    if how == "quote_plus":
        return quote_plus(value, safe="~")
    if how == "keep-safe":
        return quote(value, safe="~!$'()*,;:@/?&=+")  # '&' and '=' left in split the pair
    # Unencoded bytes, as a hand-written client sends them (WSGI hands them over as latin-1).
    return value.encode("utf-8").decode("latin-1")


percent_bytes = st.binary(min_size=1, max_size=24).map(
    lambda data: "".join(f"%{byte:02X}" for byte in data)
)
raw_bytes = st.binary(min_size=1, max_size=24).map(lambda data: data.decode("latin-1"))
part = st.one_of(encoded(values), percent_bytes, raw_bytes, st.sampled_from(BROKEN_ESCAPES))


@st.composite
def plausible(draw) -> str:
    """A parameter a page knows, with a value it could mean (or a list of them)."""
    key = draw(st.sampled_from(sorted(PLAUSIBLE)))
    choices = st.sampled_from(PLAUSIBLE[key])
    value = draw(st.one_of(choices, st.lists(choices, min_size=2, max_size=14).map("~".join)))
    return f"{quote(key)}={quote(value, safe='~')}"


@st.composite
def pairs(draw) -> str:
    if draw(st.booleans()):
        return draw(plausible())
    key = draw(st.one_of(encoded(keys), encoded(keys), percent_bytes, st.just("")))
    shape = draw(st.sampled_from(["key=value"] * 6 + ["key", "=value", "key=", "key=value=more"]))
    if shape == "key":
        return key
    value = draw(part)
    if shape == "=value":
        return f"={value}"
    if shape == "key=":
        return f"{key}="
    if shape == "key=value=more":
        return f"{key}={value}={draw(part)}"
    return f"{key}={value}"


@st.composite
def query_strings(draw) -> str:
    items = draw(st.lists(pairs(), max_size=10))
    if draw(st.integers(0, 9)) == 0:  # now and then, one pair repeated, up to past Django's
        repeated = draw(pairs())  # DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000)
        items += [repeated] * draw(st.integers(2, 1_200))
    separator = draw(st.sampled_from(["&"] * 8 + ["&&", ";"]))
    query = separator.join(items)
    if draw(st.booleans()) and items:
        query = draw(st.sampled_from(["&", "?", "&&", "#"])) + query
    return query


# --- The property -------------------------------------------------------------------------


@pytest.fixture
def pinned_chart(client, monkeypatch) -> str:
    """A real pinned chart, pinned through the public form (without rendering its image)."""
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    response = client.post("/charts/pin", {"v": "1", "chart": "league", "dataset": "bbw-2016"})
    assert response.status_code == 302, response.content[:500]
    pin = PinnedChart.objects.get()
    assert response["Location"] == f"/c/{pin.pk}/"
    return pin.pk


@pytest.fixture
def unlimited(settings):
    """Rate limits out of the way: a 429 would hide the answer the property is about."""
    settings.EXPORT_RATE_LIMIT = (10**9, 600)
    settings.PIN_RATE_LIMIT = (10**9, 600)
    cache.clear()
    yield
    cache.clear()


REGRESSIONS = [  # 500s this test found, kept as explicit examples
    "forces=surrey%00kent",
    "v=1&chart=league&dataset=bbw-2016&forces=%00",
    "per_page=-5",
    "per_page=-1&page=2",
]


def _check(client, path: str, query: str, addresses, stats) -> None:
    extra = {"REMOTE_ADDR": next(addresses)}  # a new client each time: rate limits stay away
    started = time.perf_counter()
    response = client.get(path, QUERY_STRING=query, **extra)
    elapsed = time.perf_counter() - started
    stats["requests"] += 1
    stats["seconds"] += elapsed
    stats["status"][response.status_code] = stats["status"].get(response.status_code, 0) + 1
    if elapsed > stats["slowest"][0]:
        stats["slowest"] = (elapsed, query[:200])
    assert elapsed < SLOW_REQUEST_SECONDS, f"{path}?{query[:300]} took {elapsed:.1f} s"
    status = response.status_code
    if status in (301, 302) and path in CANONICALISED:
        location = urlsplit(response["Location"])
        assert location.path == path, response["Location"]
        assert not location.netloc, response["Location"]
        canonical = client.get(path, QUERY_STRING=location.query, **extra)
        assert canonical.status_code in (200, 429), (response["Location"], canonical.status_code)
        return
    assert status in ALLOWED, f"{status} for {path}?{query[:300]}"
    if response.get("Content-Type", "").startswith("text/html"):
        assert MARKER.encode() not in response.content, f"{path}?{query[:300]}"


# The views in four shares, each its own test: the sweep is the suite's longest test, and
# pytest-xdist can then run its parts on both workers. Derandomised, each share draws the
# same query strings, so every view still receives the same QUERY_EXAMPLES of them.
SHARES = 4


@pytest.mark.parametrize("share", range(SHARES), ids=lambda n: f"views-{n + 1}-of-{SHARES}")
def test_no_query_string_causes_a_server_error(client, pinned_chart, unlimited, share):
    """Each generated query string goes to every view of the share (generating it costs
    more than most views take to answer), so every view receives QUERY_EXAMPLES of them."""
    paths = [view.format(pin=pinned_chart) for view in VIEWS[share::SHARES]]
    addresses = (f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" for n in itertools.count(1))
    stats = {
        path: {"requests": 0, "seconds": 0.0, "status": {}, "slowest": (0.0, "")} for path in paths
    }

    @hypothesis.settings(max_examples=QUERY_EXAMPLES)  # the rest from the loaded profile
    @given(query=query_strings())
    def never_a_server_error(query):
        for path in paths:
            _check(client, path, query, addresses, stats[path])

    for query in REGRESSIONS:
        never_a_server_error = example(query=query)(never_a_server_error)
    never_a_server_error()
    for path, seen in stats.items():
        print(
            f"\n{path}: {seen['requests']} query strings in {seen['seconds']:.1f} s "
            f"(statuses {dict(sorted(seen['status'].items()))}; slowest "
            f"{seen['slowest'][0] * 1000:.0f} ms: {seen['slowest'][1][:80]!r})"
        )
    for path, seen in stats.items():
        assert seen["requests"] >= QUERY_EXAMPLES, path
