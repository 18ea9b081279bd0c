"""WSGI entry point for gunicorn."""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

from django.conf import settings  # noqa: E402  (settings are loaded by the line above)

# The settings fall back to a development key so that tests and `make run` need no setup;
# a served app must never use it.
if not settings.DEBUG and settings.SECRET_KEY == settings.INSECURE_DEVELOPMENT_KEY:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY before serving with DJANGO_DEBUG off.")
