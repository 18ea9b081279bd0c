"""Set up a staff member's authenticator app, or replace a lost one (two-factor sign-in).

Removes every device the account had (a lost phone then no longer signs anyone in, and
sessions verified with it are no longer accepted in admin) and makes a new TOTP device, whose
QR code and key are printed for the staff member to scan or type into their app. Run it where
only an administrator sees the output: whoever has the key can make codes.
"""

from base64 import b32encode

import segno
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Replace a staff member's authenticator app (two-factor sign-in): prints a QR code."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the staff account's user name")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account is called {username!r}: nothing was changed.")
        if not user.is_staff:
            raise CommandError(
                f"{username!r} is not staff, so cannot sign in to admin: nothing was changed."
            )
        with transaction.atomic():
            removed = 0
            for device in devices_for_user(user, confirmed=None):
                device.delete()
                removed += 1
            device = TOTPDevice.objects.create(user=user, name="authenticator app")
        self.stdout.write(
            f"Removed {removed} device(s) of {username}. Scan this with the authenticator app "
            "(or type the key), then sign in with its 6-digit code:\n"
        )
        qr = segno.make(device.config_url, error="m")
        qr.terminal(out=self.stdout, compact=True)
        self.stdout.write(f"\nKey: {b32encode(device.bin_key).decode()}")
        self.stdout.write(f"URI: {device.config_url}")
