"""Two-factor sign-in in chromium: a staff member whose authenticator app was set up with
`manage.py reset_2fa` signs in with the code it shows (computed here from the device's key)."""

import re
from io import StringIO

from django.contrib.auth.models import User
from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from breaches.permissions import ensure_data_editors_group

PASSWORD = "a-long-test-password"


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def fill_sign_in(page, code: str) -> None:
    page.fill("#id_username", "dana")
    page.fill("#id_password", PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(code)
    page.click("input[type=submit]")


def test_staff_sign_in_with_password_and_the_code_from_their_app(site, page, settings):
    settings.ADMIN_2FA = True
    editor = User.objects.create_user("dana", password=PASSWORD, is_staff=True)
    editor.groups.add(ensure_data_editors_group())
    call_command("reset_2fa", "dana", stdout=StringIO())
    device = TOTPDevice.objects.get(user=editor)

    page.goto(f"{site.url}/admin/")
    page.wait_for_url(re.compile(r"/admin/login/"))
    # A code that is not the app's is refused, and says why.
    wrong = f"{(int(current_code(device)) + 1) % 10**6:06d}"
    fill_sign_in(page, wrong)
    assert "Invalid token" in page.locator(".errornote").inner_text()
    assert "/admin/login/" in page.url

    page.wait_for_timeout(1100)  # the device waits a second after a failure (throttling)
    fill_sign_in(page, current_code(device))
    page.wait_for_url(re.compile(r"/admin/$"))
    page.get_by_role("link", name="Upload FOI return").first.click()
    page.wait_for_url(re.compile(r"/admin/breaches/importbatch/add/$"))

    # The lost phone: once the device is reset, this session is signed out of admin.
    call_command("reset_2fa", "dana", stdout=StringIO())
    page.goto(f"{site.url}/admin/")
    page.wait_for_url(re.compile(r"/admin/login/"))
    assert page.get_by_label("Code from your authenticator app").is_visible()
