"""The site's URLs plus views that fail on purpose, for the error-page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site

# What an exception might carry: none of it may reach a page.
SECRET = "secret-detail /srv/app/config/settings.py DATABASES password=hunter2"


def fail_with(exception):
    def view(request):
        raise exception(SECRET)

    return view


urlpatterns = [
    path("fail/400/", fail_with(SuspiciousOperation)),
    path("fail/403/", fail_with(PermissionDenied)),
    path("fail/404/", fail_with(Http404)),
    path("fail/500/", fail_with(RuntimeError)),
    *site,
]
