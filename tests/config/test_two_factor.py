"""Two-factor sign-in for staff (config/admin_site.py) and `manage.py reset_2fa`."""

import time
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from breaches.permissions import ensure_data_editors_group

PASSWORD = "a-long-test-password"

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_factor(settings):
    settings.ADMIN_2FA = True


@pytest.fixture
def editor():
    user = User.objects.create_user("dana", password=PASSWORD, is_staff=True)
    user.groups.add(ensure_data_editors_group())
    return user


def reset(username: str) -> str:
    out = StringIO()
    call_command("reset_2fa", username, stdout=out)
    return out.getvalue()


def code(device: TOTPDevice, offset_steps: int = 0) -> str:
    """The code the staff member's app shows now (or that many 30-second steps away)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in(client, token=None):
    data = {"username": "dana", "password": PASSWORD, "next": "/admin/"}
    if token is not None:
        data["otp_token"] = token
    return client.post("/admin/login/?next=/admin/", data)


def test_reset_2fa_replaces_every_device_and_prints_what_to_scan(editor):
    output = reset("dana")
    [first] = TOTPDevice.objects.filter(user=editor)
    assert "Removed 0 device(s) of dana" in output
    assert first.config_url in output
    assert "otpauth://totp/" in first.config_url
    assert "Police%20data%20breaches" in first.config_url  # the issuer the app shows

    output = reset("dana")
    [second] = TOTPDevice.objects.filter(user=editor)
    assert "Removed 1 device(s) of dana" in output
    assert second.pk != first.pk
    assert second.key != first.key


def test_reset_2fa_refuses_unknown_and_non_staff_accounts_and_changes_nothing(editor):
    User.objects.create_user("reader", password=PASSWORD)
    with pytest.raises(CommandError, match="No account is called 'nobody'"):
        reset("nobody")
    with pytest.raises(CommandError, match="'reader' is not staff"):
        reset("reader")
    assert not TOTPDevice.objects.exists()


def test_with_2fa_off_the_password_is_enough(client, editor):
    response = sign_in(client)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_with_2fa_on_staff_sign_in_with_the_code_from_their_app(
    client, editor, two_factor, settings
):
    # A throttle of 4 s a failure (1 s in production): long enough to outlast a request on a
    # loaded machine, short enough to wait out below.
    settings.OTP_TOTP_THROTTLE_FACTOR = 4
    reset("dana")
    device = TOTPDevice.objects.get(user=editor)
    form = client.get("/admin/login/")
    assert "Code from your authenticator app" in form.content.decode()

    # The password alone, or with a code from an hour ago, is refused with a reason.
    refused = sign_in(client)
    assert refused.status_code == 200
    assert "Please enter your OTP token." in refused.content.decode()
    refused = sign_in(client, code(device, offset_steps=-120))
    assert "Invalid token" in refused.content.decode()
    assert client.get("/admin/").status_code == 302  # still signed out
    # Each failure makes the device wait longer (1 s, 2 s, 4 s... times the factor): guessing
    # is slowed down.
    throttled = sign_in(client, code(device))
    assert "Verification temporarily disabled" in throttled.content.decode()
    time.sleep(4.1)

    response = sign_in(client, code(device))
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/breaches/importbatch/add/").status_code == 200


def test_staff_without_a_device_are_told_how_to_get_one(client, editor, two_factor):
    refused = sign_in(client, "123456")
    assert refused.status_code == 200
    assert "manage.py reset_2fa dana" in refused.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_session_without_the_second_factor_is_not_staff(client, editor, two_factor):
    client.force_login(editor)  # the password was right, the code never given
    for path in ["/admin/", "/admin/breaches/importbatch/add/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_resetting_a_lost_device_ends_the_sessions_it_verified(client, editor, two_factor):
    reset("dana")
    assert sign_in(client, code(TOTPDevice.objects.get(user=editor))).status_code == 302
    assert client.get("/admin/").status_code == 200
    reset("dana")  # the phone was lost: whoever has it must not stay signed in
    assert client.get("/admin/").status_code == 302
