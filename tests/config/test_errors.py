"""Error pages (config/errors.py): the site's look, the right status, and no leak."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.config.urls import SECRET


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = "tests.config.urls"


@pytest.fixture
def quiet_client():
    """A client that gets the 500 page instead of the view's exception."""
    return Client(raise_request_exception=False)


def assert_site_page_that_leaks_nothing(response):
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert "/static/css/site.css" in html
    assert "League tables" in html  # the site's navigation
    for leak in (
        *SECRET.split(),
        "Traceback",
        "Exception",
        "settings",
        str(settings.BASE_DIR),
        settings.SECRET_KEY,
        "DEBUG",
    ):
        assert leak not in html, leak
    return html


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/fail/400/", 400, "That address has a problem"),
        ("/fail/403/", 403, "Not allowed"),
        ("/fail/404/", 404, "Page not found"),
    ],
)
def test_handlers_answer_with_the_site_page_and_no_detail(
    failing_urls, quiet_client, path, status, heading
):
    response = quiet_client.get(path)
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in assert_site_page_that_leaks_nothing(response)


def test_500_page_needs_no_database_and_quotes_the_request_id(failing_urls, quiet_client, caplog):
    # No django_db mark: any query would raise, and the page would fall back to bare HTML.
    response = quiet_client.get("/fail/500/", HTTP_X_REQUEST_ID="req-500-test")
    assert response.status_code == 500
    html = assert_site_page_that_leaks_nothing(response)
    assert "<h1>Something went wrong</h1>" in html
    assert "<code>req-500-test</code>" in html
    # The log has the detail the page hides, so the reference leads to it.
    logged = [r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR"]
    assert logged
    assert logged[0].request_id == "req-500-test"
    assert "hunter2" in logged[0].exc_text


def test_500_page_renders_without_any_request_context():
    from config.errors import server_error

    class Bare:  # not even a real request: no user, no session, no resolver match
        id = "abc123"

    response = server_error(Bare())
    html = response.content.decode()
    assert response.status_code == 500
    assert 'class="site-header"' in html
    assert "<code>abc123</code>" in html


def test_unknown_address_is_the_404_page(client):
    response = client.get("/no-such-page/<script>alert(1)</script>/")
    assert response.status_code == 404
    html = assert_site_page_that_leaks_nothing(response)
    assert "<script>alert" not in html


def test_a_host_we_do_not_serve_is_the_400_page_without_the_host(client):
    response = client.get("/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    html = assert_site_page_that_leaks_nothing(response)
    assert "evil.example.com" not in html
    assert "ALLOWED_HOSTS" not in html


@pytest.mark.django_db
def test_staff_without_permission_get_the_403_page(client):
    client.force_login(User.objects.create_user("staff", is_staff=True))
    response = client.get(reverse("admin:auth_user_changelist"))
    assert response.status_code == 403
    assert "<h1>Not allowed</h1>" in assert_site_page_that_leaks_nothing(response)


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_gets_the_expired_form_page():
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/charts/pin", {"v": "1", "chart": "league", "dataset": "bbw-2016"})
    assert response.status_code == 403
    html = assert_site_page_that_leaks_nothing(response)
    assert "<h1>That form has expired</h1>" in html
    assert "CSRF cookie not set" not in html  # Django's reason stays in the log


@pytest.mark.django_db
def test_429_page_says_what_and_when(client, settings, mid_window):
    settings.EXPORT_RATE_LIMIT = (1, 600)
    client.get("/league/?dataset=bbw-2016&_export=csv")
    response = client.get("/league/?dataset=bbw-2016&_export=csv")
    assert response.status_code == 429
    html = assert_site_page_that_leaks_nothing(response)
    assert "<h1>Too many downloads from this address</h1>" in html
    minutes = -(-int(response["Retry-After"]) // 60)
    assert f"try again in {minutes} minute" in html
