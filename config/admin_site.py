"""The admin site, with two-factor sign-in for staff when DJANGO_ADMIN_2FA is on.

django-otp does the work: a TOTP device per staff member (an authenticator app), verified at
sign-in and remembered in the session. The setting is read on every request rather than when
the site is built, so that one codebase (and its tests) serves both ways. With 2FA on, a
signed-in user who has not given a code counts as not staff: every admin and upload page
sends them back to the sign-in form. `manage.py reset_2fa USER` sets up (or replaces) a
staff member's device.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm

NO_DEVICE = (
    "No authenticator app is set up for this account. Ask an administrator to run "
    "“manage.py reset_2fa %(username)s” and scan the code it prints."
)


class TwoFactorSignInForm(OTPAdminAuthenticationForm):
    """User name, password and the 6-digit code from the staff member's authenticator app."""

    otp_token = forms.CharField(
        required=False,
        label="Code from your authenticator app",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_otp(self, user):
        # django-otp asks which device to use; staff here have one, so it is chosen for them,
        # and a staff member without one is told how to get one rather than to pick a device.
        if user is not None and not self.cleaned_data.get("otp_device"):
            devices = list(devices_for_user(user, confirmed=True))
            if not devices:
                raise forms.ValidationError(NO_DEVICE % {"username": user.get_username()})
            self.cleaned_data["otp_device"] = devices[0].persistent_id
        super().clean_otp(user)


class StaffAdminSite(admin.AdminSite):
    @property
    def login_form(self):
        return TwoFactorSignInForm if settings.ADMIN_2FA else AdminAuthenticationForm

    @property
    def login_template(self):
        return "admin/login_2fa.html" if settings.ADMIN_2FA else None

    def has_permission(self, request):
        verified = not settings.ADMIN_2FA or request.user.is_verified()
        return super().has_permission(request) and verified
