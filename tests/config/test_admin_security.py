"""The admin's defences: sign-in lockout, password rules, a configurable path, sessions that end."""

import datetime as dt
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import clear_url_caches, reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-long-test-password"


@pytest.fixture
def editor():
    return User.objects.create_user("dana", password=PASSWORD, is_staff=True)


def sign_in(client, password, username="dana"):
    form = {"username": username, "password": password, "next": reverse("admin:index")}
    return client.post(reverse("admin:login"), form)


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("admin:index")


# --- Lockout (django-axes) -----------------------------------------------------------------


def test_repeated_failures_lock_the_address_out_even_with_the_right_password(
    client, editor, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    assert sign_in(client, "wrong-1").status_code == 200  # the form again, with its error
    assert sign_in(client, "wrong-2").status_code == 200
    locked = sign_in(client, "wrong-3")
    assert locked.status_code == 429
    assert "Too many failed sign-ins from this address" in locked.content.decode()
    assert int(locked["Retry-After"]) == 30 * 60

    again = sign_in(client, PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_lock_out_other_addresses(client, editor, settings):
    settings.AXES_FAILURE_LIMIT = 2
    sign_in(client, "wrong-1")
    assert sign_in(client, "wrong-2").status_code == 429
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert signed_in(sign_in(elsewhere, PASSWORD))


def test_the_lockout_ends_after_the_cool_off(client, editor, settings):
    settings.AXES_FAILURE_LIMIT = 2
    sign_in(client, "wrong-1")
    assert sign_in(client, "wrong-2").status_code == 429
    past = timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=past)
    assert signed_in(sign_in(client, PASSWORD))


def test_a_successful_sign_in_resets_the_count(client, editor, settings):
    settings.AXES_FAILURE_LIMIT = 3
    sign_in(client, "wrong-1")
    sign_in(client, "wrong-2")
    assert signed_in(sign_in(client, PASSWORD))
    client.post(reverse("admin:logout"))
    sign_in(client, "wrong-3")
    assert sign_in(client, "wrong-4").status_code == 200  # 2 since the success, not 4


def test_failures_on_unknown_user_names_count_too(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for name in ("admin", "root"):
        assert sign_in(client, "guess", username=name).status_code == 200
    assert sign_in(client, "guess", username="editor").status_code == 429


# --- Passwords -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Tr0ub4dor&3", "password_too_short"),  # 11 characters: staff need 12
        ("password1234", "password_too_common"),
        ("123456789012345", "password_entirely_numeric"),
        ("dana.smith.2024!", "password_too_similar"),
    ],
)
def test_weak_passwords_are_refused(password, code):
    user = User(username="dana.smith", email="dana@example.org")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert [error.code for error in refused.value.error_list] == [code]


def test_admin_password_change_enforces_the_rules(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("admin:password_change"),
        {"old_password": PASSWORD, "new_password1": "Tr0ub4dor&3", "new_password2": "Tr0ub4dor&3"},
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    editor.refresh_from_db()
    assert editor.check_password(PASSWORD)


# --- Sessions ------------------------------------------------------------------------------


def test_a_staff_session_ends_with_the_browser_and_after_eight_hours(client, editor):
    response = sign_in(client, PASSWORD)
    assert signed_in(response)
    cookie = response.cookies["sessionid"]
    assert (cookie["max-age"], cookie["expires"]) == ("", "")  # a browser-session cookie
    assert cookie["httponly"]
    session = Session.objects.get()
    lifetime = session.expire_date - timezone.now()
    assert dt.timedelta(hours=7, minutes=59) < lifetime <= dt.timedelta(hours=8)


def test_an_expired_session_is_signed_out(client, editor):
    assert signed_in(sign_in(client, PASSWORD))
    assert client.get(reverse("admin:index")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- Admin path ----------------------------------------------------------------------------


def reload_urls():
    importlib.reload(importlib.import_module("config.urls"))
    clear_url_caches()


@pytest.fixture
def admin_at_back_office():
    with override_settings(ADMIN_PATH="back-office-7/"):
        reload_urls()
        yield
    reload_urls()


def test_the_admin_and_its_upload_pages_move_with_the_setting(admin_at_back_office, client, editor):
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/login/").status_code == 404
    response = client.get("/back-office-7/")
    assert response.status_code == 302
    assert response["Location"].startswith("/back-office-7/login/")
    assert reverse("admin:login") == "/back-office-7/login/"
    assert signed_in(sign_in(client, PASSWORD))
    assert reverse("admin:breaches_importbatch_add").startswith("/back-office-7/")


def test_admin_path_comes_from_the_environment():
    code = (
        "import django; django.setup()\n"
        "from django.urls import reverse\n"
        "print(reverse('admin:index'), reverse('admin:breaches_importbatch_add'))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    for value, expected in (("/editors/", "/editors/"), ("", "/admin/"), ("a/b", "/a/b/")):
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**env, "DJANGO_ADMIN_PATH": value},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [expected, f"{expected}breaches/importbatch/add/"]
