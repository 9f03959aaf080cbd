"""Settings for the ESB Portal: one module, driven by the environment.

`ESB_ENV` picks the defaults: `development` (what `make run` uses), `test` (what `make test` uses) or
`production`. Development and test get working local defaults; production refuses to start without the
secrets it needs. Every variable is listed in docs/configuration.md.
"""

from __future__ import annotations

import base64
import ipaddress
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from esb import integration_settings

# Django REST framework and the Part 5 API's OpenAPI document (no environment in them).
from esb.api_settings import REST_FRAMEWORK, SPECTACULAR_SETTINGS  # noqa: F401
from esb.config_checks import (
    base64_key_problems,
    dpi_url_problems,
    is_placeholder,
    url_password,
    weak_key_bytes,
    weak_text_secret,
)

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
ESB_ENV = env.str("ESB_ENV", default="development")
if ESB_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"ESB_ENV must be development, test or production, not {ESB_ENV!r}")
IS_PRODUCTION = ESB_ENV == "production"

# Development-only fallbacks. They are public on purpose: they must never protect real data, and
# production refuses to start with any of them missing (see _require below).
_DEV_SECRET_KEY = "dev-insecure-esb-portal-secret-key-do-not-use-in-production-0123456789"
_DEV_FIELD_KEY = "ZGV2LW9ubHktZmllbGQtZW5jcnlwdGlvbi1rZXktMzI="  # base64 of 32 bytes
_DEV_LOOKUP_HASH_KEY = "dev-only-lookup-hash-key"
_DEV_AUDIT_ANCHOR_KEY = "esb-development-audit-anchor-key-not-for-production"


# Configuration problems are collected, then reported together: an operator fixes them in one pass.
_CONFIG_PROBLEMS: list[str] = []


def _require(name: str, dev_default: str) -> str:
    value = env.str(name, default="")
    if value:
        return value
    if IS_PRODUCTION:
        _CONFIG_PROBLEMS.append(f"{name} must be set when ESB_ENV=production")
        return ""
    return dev_default


def _stripped_list(name: str, default: list[str]) -> list[str]:
    return [item.strip() for item in env.list(name, default=default) if item.strip()]


SECRET_KEY = _require("SECRET_KEY", _DEV_SECRET_KEY)


def _secret_key_problem(name: str, value: str) -> str:
    if value == _DEV_SECRET_KEY or value.startswith("django-insecure"):
        return f"{name} is the public development key or a django-insecure key"
    if is_placeholder(value):
        return f"{name} is a placeholder: replace it with 50+ random characters"
    weakness = weak_text_secret(value, 50)
    return f"{name} is too weak ({weakness}): use 50+ random characters" if weakness else ""


if IS_PRODUCTION and SECRET_KEY and (_problem := _secret_key_problem("SECRET_KEY", SECRET_KEY)):
    _CONFIG_PROBLEMS.append(_problem)
# Old keys still accepted for sessions, signed links and password-reset tokens while SECRET_KEY rotates.
SECRET_KEY_FALLBACKS = _stripped_list("SECRET_KEY_FALLBACKS", default=[])
if IS_PRODUCTION:
    for _position, _fallback in enumerate(SECRET_KEY_FALLBACKS, start=1):
        if _problem := _secret_key_problem(f"SECRET_KEY_FALLBACKS entry {_position}", _fallback):
            _CONFIG_PROBLEMS.append(_problem)
DEBUG = env.bool("DEBUG", default=ESB_ENV == "development")
if IS_PRODUCTION and DEBUG:
    _CONFIG_PROBLEMS.append("DEBUG must be off when ESB_ENV=production")

ALLOWED_HOSTS = _stripped_list(
    "ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["localhost", "127.0.0.1", "[::1]"]
)
if IS_PRODUCTION and not ALLOWED_HOSTS:
    _CONFIG_PROBLEMS.append("ALLOWED_HOSTS must be set when ESB_ENV=production")
if IS_PRODUCTION and "*" in ALLOWED_HOSTS:
    _CONFIG_PROBLEMS.append("ALLOWED_HOSTS must name the portal's host names, not '*'")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "esb.views.csrf_failure"

# Personal identifiers are encrypted with the first key; every key in the list still decrypts, which
# is how rotation works (prepend a new key, run `rotate_field_encryption`, then drop the old one).
ESB_FIELD_ENCRYPTION_KEYS = _stripped_list("ESB_FIELD_ENCRYPTION_KEYS", default=[]) or (
    [] if IS_PRODUCTION else [_DEV_FIELD_KEY]
)
if IS_PRODUCTION and not ESB_FIELD_ENCRYPTION_KEYS:
    _CONFIG_PROBLEMS.append("ESB_FIELD_ENCRYPTION_KEYS must be set when ESB_ENV=production")
elif IS_PRODUCTION and _DEV_FIELD_KEY in ESB_FIELD_ENCRYPTION_KEYS:
    _CONFIG_PROBLEMS.append("ESB_FIELD_ENCRYPTION_KEYS contains the public development key")
_placeholder_keys = [i for i, key in enumerate(ESB_FIELD_ENCRYPTION_KEYS, start=1) if is_placeholder(key)]
for _position in _placeholder_keys:
    _CONFIG_PROBLEMS.append(f"ESB_FIELD_ENCRYPTION_KEYS entry {_position} is a placeholder: generate a key")
if ESB_FIELD_ENCRYPTION_KEYS and not _placeholder_keys:
    from esb.crypto import validate_keys  # fail at start-up, not at the first encrypted read

    try:
        validate_keys(ESB_FIELD_ENCRYPTION_KEYS)
    except ImproperlyConfigured as exc:
        _CONFIG_PROBLEMS.append(str(exc))
    else:
        for _position, _key in enumerate(ESB_FIELD_ENCRYPTION_KEYS, start=1):
            _raw = base64.urlsafe_b64decode(_key.replace("+", "-").replace("/", "_") + "=" * (-len(_key) % 4))
            if IS_PRODUCTION and weak_key_bytes(_raw):
                _CONFIG_PROBLEMS.append(
                    f"ESB_FIELD_ENCRYPTION_KEYS entry {_position} is not random (all zeros, a repeated byte)"
                )
ESB_LOOKUP_HASH_KEY = _require("ESB_LOOKUP_HASH_KEY", _DEV_LOOKUP_HASH_KEY)
if IS_PRODUCTION and ESB_LOOKUP_HASH_KEY:
    if ESB_LOOKUP_HASH_KEY == _DEV_LOOKUP_HASH_KEY:
        _CONFIG_PROBLEMS.append("ESB_LOOKUP_HASH_KEY is the public development key")
    elif is_placeholder(ESB_LOOKUP_HASH_KEY):
        _CONFIG_PROBLEMS.append("ESB_LOOKUP_HASH_KEY is a placeholder: replace it with 32+ random characters")
    elif _weakness := weak_text_secret(ESB_LOOKUP_HASH_KEY, 32):
        _CONFIG_PROBLEMS.append(f"ESB_LOOKUP_HASH_KEY is too weak ({_weakness}): use 32+ random characters")
# The key that signs the audit chain's anchors outside the database (esb.audit_anchors): whoever holds the
# database must not also be able to forge the anchors.
ESB_AUDIT_ANCHOR_KEY = _require("ESB_AUDIT_ANCHOR_KEY", _DEV_AUDIT_ANCHOR_KEY)
if IS_PRODUCTION and ESB_AUDIT_ANCHOR_KEY:
    if ESB_AUDIT_ANCHOR_KEY == _DEV_AUDIT_ANCHOR_KEY:
        _CONFIG_PROBLEMS.append("ESB_AUDIT_ANCHOR_KEY is the public development key")
    elif is_placeholder(ESB_AUDIT_ANCHOR_KEY):
        _CONFIG_PROBLEMS.append(
            "ESB_AUDIT_ANCHOR_KEY is a placeholder: replace it with 32+ random characters"
        )
    elif _weakness := weak_text_secret(ESB_AUDIT_ANCHOR_KEY, 32):
        _CONFIG_PROBLEMS.append(f"ESB_AUDIT_ANCHOR_KEY is too weak ({_weakness}): use 32+ random characters")
    elif ESB_AUDIT_ANCHOR_KEY == ESB_LOOKUP_HASH_KEY:
        _CONFIG_PROBLEMS.append("ESB_AUDIT_ANCHOR_KEY must differ from ESB_LOOKUP_HASH_KEY")
# Where the anchors are appended (a volume the database's administrators cannot write); empty: under .data/.
ESB_AUDIT_ANCHOR_DIR = env.str("ESB_AUDIT_ANCHOR_DIR", default="")
# Production never falls back to a database or Redis on localhost: the URLs carry the credentials.
for _name in ("DATABASE_URL", "REDIS_URL"):
    if IS_PRODUCTION and not env.str(_name, default=""):
        _CONFIG_PROBLEMS.append(f"{_name} must be set when ESB_ENV=production")
for _name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
    if IS_PRODUCTION and is_placeholder(url_password(env.str(_name, default=""))):
        _CONFIG_PROBLEMS.append(f"{_name} holds a placeholder password: set the real one")

INSTALLED_APPS = [
    # BasicAppConfig: unfold's default config would replace admin.site with a plain UnfoldAdminSite,
    # and the project's own site (esb.backoffice.BackofficeSite, its login page included) would never run.
    "unfold.apps.BasicAppConfig",
    "unfold.contrib.filters",
    "esb.apps.BackofficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc assets, served as our own static files
    "django_htmx",
    "axes",
    "esb",
    "esb.outbox",
    "accounts",
    "registry",
    "licensing",
    "privacy",
    "notifications",
    "portal",
    "applications",
    "review",
    "payments",
    "issuance",
    "monitoring",
    "camdx_api",
    "reports",
    "dashboard",
]

MIDDLEWARE = [
    "esb.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "esb.middleware.RejectNulBytesMiddleware",
    "esb.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.AccountSessionMiddleware",  # absolute login lifetime; acting-for in the audit
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "esb.middleware.CSPMiddleware",  # django-csp's, plus 'unsafe-eval' under /backoffice/ only
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # break-glass lockout response (last, as django-axes requires)
]

ROOT_URLCONF = "esb.urls"
WSGI_APPLICATION = "esb.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
# django-axes first (lockout check), ModelBackend for break-glass passwords (and the sessions they open),
# SessionUserBackend to reload the users of CamDigiKey sessions, then officers' permissions from their role
# assignments (docs/identity.md).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "accounts.backends.SessionUserBackend",
    "accounts.backends.RolePermissionBackend",
]
# The back-office username/password form (break-glass); everyone else logs in with CamDigiKey.
ESB_BREAK_GLASS_LOGIN = env.bool("ESB_BREAK_GLASS_LOGIN", default=not IS_PRODUCTION)
# Break-glass lockout: 5 failures for one user name from one address lock it for AXES_COOLOFF_TIME hours.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_CLIENT_IP_CALLABLE = "accounts.axes_support.client_ip"
AXES_ENABLE_ADMIN = False  # accounts.admin registers an audited admin for the lockouts instead
AXES_VERBOSE = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "esb.context_processors.branding",
            ],
        },
    },
]

# Same engine everywhere (PostgreSQL): no SQLite branch.
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/esb"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
# Server-side parameter binding lets psycopg prepare the statements a connection runs again and again
# (after DB_PREPARE_THRESHOLD runs), so PostgreSQL plans each of them once per connection instead of on every
# request: planning is most of the database's time for the portal's short queries (bench/README.md). On by
# default; DB_SERVER_SIDE_BINDING=0 turns it off behind a transaction-mode pooler that cannot hold prepared
# statements (PgBouncer before 1.21, or without max_prepared_statements; docs/operations.md).
if env.bool("DB_SERVER_SIDE_BINDING", default=True):
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = env.int("DB_PREPARE_THRESHOLD", default=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="esb"),
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# A login lasts at most this long, active or not (accounts.middleware); officers' sessions also end when
# the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Khmer first: most applicants read Khmer first; English is the second language.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="km")
LANGUAGES = [("km", _("Khmer")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "i18n" / "thirdparty"]
TIME_ZONE = "Asia/Phnom_Penh"
USE_I18N = True
USE_TZ = True
# One date format per language for the whole portal (esb/formats: "4 Dec 2026, 18:20").
FORMAT_MODULE_PATH = ["esb.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / env.str("STATIC_ROOT_DIR", default=".data/staticfiles")
# Outside production, WhiteNoise serves straight from the app and project static folders (no collectstatic).
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
WHITENOISE_AUTOREFRESH = not IS_PRODUCTION
if not IS_PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / ".data" / "media")))
MEDIA_URL = "/media/"

# Security headers. Production is strict by default; development keeps them but does not force HTTPS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=IS_PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^health$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=IS_PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=IS_PRODUCTION)
CSRF_COOKIE_SAMESITE = "Lax"
# The language choice is not secret, but every cookie the portal sets is HTTPS-only (like the session cookie)
# and same-site (tests/ops walks every *_COOKIE_* setting). Only the server reads it (LocaleMiddleware).
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
# Reverse proxies (IP addresses or networks) whose forwarding headers (X-Real-IP, X-Forwarded-Proto) are
# believed; from any other peer those headers are the client's own words. Empty: none (reached directly).
ESB_TRUSTED_PROXIES = _stripped_list("ESB_TRUSTED_PROXIES", default=[])
for _proxy in ESB_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        _CONFIG_PROBLEMS.append(f"ESB_TRUSTED_PROXIES entry {_proxy!r} is not an IP address or network")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=IS_PRODUCTION)
# The directive alone changes nothing until the registrable domain is submitted to the browsers' list.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=IS_PRODUCTION)

# Content Security Policy: everything is served from our own origin (assets are vendored).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # the back-office theme sets inline style attributes; no inline scripts are allowed
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'", *env.list("CSP_FORM_ACTION_EXTRA", default=[])],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Celery: Redis broker; tasks acknowledge late and take one message at a time (DESIGN.md §5).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = "esb"
# Commits that write outbox messages kick the relay at most once per this many seconds per process (the
# ones in between share one kick at the end of the interval; esb.outbox.services._Kicker).
OUTBOX_KICK_INTERVAL = env.float("OUTBOX_KICK_INTERVAL", default=0.2)
from esb.beat_schedule import CELERY_BEAT_SCHEDULE  # noqa: E402, F401  (periodic tasks, one place)

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if IS_PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@esb.localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The ministry's SMTP relay (used when EMAIL_BACKEND is the SMTP backend, the production default).
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10

# Branding of the deploying institution (shown in the header, footer and back-office).
# Sandbox simulators of the national DPIs (sandbox/): on in development and test, never in production.
# Applications (docs/applications.md): an unsubmitted draft is deleted this many days after its last save.
ESB_DRAFT_EXPIRY_DAYS = env.int("ESB_DRAFT_EXPIRY_DAYS", default=30)
# Reports (docs/reports.md): an exported file is kept this many days for the officer who made it.
ESB_REPORT_RETENTION_DAYS = env.int("ESB_REPORT_RETENTION_DAYS", default=7)
# Part 5 API (docs/api.md): seconds a built, encrypted detail is kept (used while its rows last; 0: off)
CAMDX_API_DETAIL_CACHE_SECONDS = max(0, env.int("CAMDX_API_DETAIL_CACHE_SECONDS", default=600))
# On: a call's log lines are on disk before its answer leaves; off: written before, flushed by the WAL writer
# within ~0.6 s (only a database crash then loses them): the ministry's choice (docs/api.md, bench/README).
CAMDX_API_LOG_SYNCHRONOUS_COMMIT = env.bool("CAMDX_API_LOG_SYNCHRONOUS_COMMIT", default=True)
# Largest request body (uploads included) the portal accepts, in megabytes; nginx's client_max_body_size
# must allow as much. A single document's own limit comes from its document requirement.
ESB_MAX_UPLOAD_MB = env.int("ESB_MAX_UPLOAD_MB", default=25)
# Files are counted while they are read (esb.uploads): reading stops at the first part over the largest size
# a document may have (licensing MAX_DOCUMENT_SIZE_MB) or when all parts pass ESB_MAX_UPLOAD_MB.
ESB_UPLOAD_PART_MAX_BYTES = 20 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "esb.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Everything but files (form fields; the whole body of a urlencoded form) is held in memory: 2.5 MB is far
# more than any form of the portal sends.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FILES = 50
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger files go to a temporary file while read

# The public status page /status/ (docs/monitoring.md): names, state and uptime of the member systems
# watched, nothing else. Off unless turned on.
ESB_PUBLIC_STATUS_PAGE = env.bool("ESB_PUBLIC_STATUS_PAGE", default=False)

# Where the heartbeat may send probes (docs/monitoring.md, "Which addresses a probe may reach"). Link-local
# and cloud-metadata addresses are always refused; loopback, private and shared ranges only when a network
# here names them: ministries' systems may sit on the government's private network, so production names
# those networks rather than opening every private range. Development and tests allow the local ranges.
MONITORING_PROBE_ALLOWED_NETWORKS = env.list(
    "MONITORING_PROBE_ALLOWED_NETWORKS",
    default=[]
    if IS_PRODUCTION
    else ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
)
for _network in MONITORING_PROBE_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network.strip(), strict=False)
    except ValueError:
        _CONFIG_PROBLEMS.append(f"MONITORING_PROBE_ALLOWED_NETWORKS: {_network!r} is not a network (CIDR)")

ESB_SANDBOX_ENABLED = env.bool("ESB_SANDBOX_ENABLED", default=not IS_PRODUCTION)
if IS_PRODUCTION and ESB_SANDBOX_ENABLED:
    _CONFIG_PROBLEMS.append("ESB_SANDBOX_ENABLED must be off when ESB_ENV=production")
if ESB_SANDBOX_ENABLED:
    INSTALLED_APPS.append("sandbox")
ESB_PUBLIC_BASE_URL = env.str("ESB_PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

# CamDigiKey (national SSO, v3 client-library protocol). Development and test talk to the sandbox simulator
# with its published demo credentials; production must be given the credentials issued at onboarding.
_DEV_CAMDIGIKEY = {
    "BASE_URL": f"{ESB_PUBLIC_BASE_URL}/sandbox/camdigikey",
    "CLIENT_ID": "esb-portal-dev",
    "DOMAIN": "esb.localhost",
    "HMAC_KEY": "ZGV2LW9ubHktY2FtZGlna2V5LWhtYWMta2V5LWZvci10aGUtZXNiLXBvcnRhbC0wMDAwMDAwMDAwMDA=",
    "AES_SECRET_KEY": "ZGV2LW9ubHktY2FtZGlna2V5LWFlcy1rZXktMzJieXQ=",
    "AES_IV": "ZGV2LW9ubHktYWVzLWl2IQ==",  # 16 bytes: AES-CBC needs exactly one block
}
CAMDIGIKEY = {
    "BASE_URL": _require("CAMDIGIKEY_BASE_URL", _DEV_CAMDIGIKEY["BASE_URL"]).rstrip("/"),
    "CLIENT_ID": _require("CAMDIGIKEY_CLIENT_ID", _DEV_CAMDIGIKEY["CLIENT_ID"]),
    "DOMAIN": _require("CAMDIGIKEY_CLIENT_DOMAIN", _DEV_CAMDIGIKEY["DOMAIN"]),
    "HMAC_KEY": _require("CAMDIGIKEY_HMAC_KEY", _DEV_CAMDIGIKEY["HMAC_KEY"]),
    "AES_SECRET_KEY": _require("CAMDIGIKEY_AES_SECRET_KEY", _DEV_CAMDIGIKEY["AES_SECRET_KEY"]),
    "AES_IV": _require("CAMDIGIKEY_AES_IV_PARAMS", _DEV_CAMDIGIKEY["AES_IV"]),
    # optional mutual TLS and a private trust store (PEM files)
    "CLIENT_CERT": env.str("CAMDIGIKEY_CLIENT_CERT_FILE", default=""),
    "CLIENT_KEY": env.str("CAMDIGIKEY_CLIENT_KEY_FILE", default=""),
    "CA_BUNDLE": env.str("CAMDIGIKEY_CA_BUNDLE_FILE", default=""),
    # a person is waiting during login: keep calls short (DESIGN.md §5)
    "TIMEOUT": env.float("CAMDIGIKEY_TIMEOUT_SECONDS", default=5.0),
}

# CamDigiKey is validated here, once, at start-up (never at the first login); values are never echoed.
for _setting, _name in (
    ("BASE_URL", "CAMDIGIKEY_BASE_URL"),
    ("CLIENT_ID", "CAMDIGIKEY_CLIENT_ID"),
    ("DOMAIN", "CAMDIGIKEY_CLIENT_DOMAIN"),
):
    if CAMDIGIKEY[_setting] and is_placeholder(CAMDIGIKEY[_setting]):
        _CONFIG_PROBLEMS.append(f"{_name} is a placeholder: set the value issued at CamDigiKey onboarding")
_CONFIG_PROBLEMS += dpi_url_problems(
    "CAMDIGIKEY_BASE_URL",
    CAMDIGIKEY["BASE_URL"],
    production=IS_PRODUCTION,
    crossing="keys and tokens cross it",
    service="CamDigiKey",
)
if IS_PRODUCTION and CAMDIGIKEY["CLIENT_ID"] == _DEV_CAMDIGIKEY["CLIENT_ID"]:
    _CONFIG_PROBLEMS.append("CAMDIGIKEY_CLIENT_ID is the sandbox's demo client")
_domain = CAMDIGIKEY["DOMAIN"].lower()
if (
    IS_PRODUCTION
    and _domain
    and (
        _domain == _DEV_CAMDIGIKEY["DOMAIN"]
        or _domain.endswith((".localhost", ".local", ".test"))
        or _domain == "localhost"
    )
):
    _CONFIG_PROBLEMS.append(
        "CAMDIGIKEY_CLIENT_DOMAIN is the development domain: set the domain registered at onboarding"
    )
# Keys: standard base64 as issued; exact sizes where AES needs them; an HMAC key of at least 32 bytes.
for _setting, _name, _size, _min_size in (
    ("HMAC_KEY", "CAMDIGIKEY_HMAC_KEY", 0, 32),
    ("AES_SECRET_KEY", "CAMDIGIKEY_AES_SECRET_KEY", 32, 32),
    ("AES_IV", "CAMDIGIKEY_AES_IV_PARAMS", 16, 16),
):
    _CONFIG_PROBLEMS += base64_key_problems(
        _name,
        CAMDIGIKEY[_setting],
        size=_size,
        min_size=_min_size,
        production=IS_PRODUCTION,
        dev_value=_DEV_CAMDIGIKEY[_setting],
        issuer="CamDigiKey",
    )
if bool(CAMDIGIKEY["CLIENT_CERT"]) != bool(CAMDIGIKEY["CLIENT_KEY"]):
    _CONFIG_PROBLEMS.append("CAMDIGIKEY_CLIENT_CERT_FILE and CAMDIGIKEY_CLIENT_KEY_FILE must be set together")
if CAMDIGIKEY["TIMEOUT"] <= 0:
    _CONFIG_PROBLEMS.append("CAMDIGIKEY_TIMEOUT_SECONDS must be positive")

# Bakong, the member payment gateway and verify.gov.kh: built and checked in esb/integration_settings.py
# (docs/payments.md, docs/verification.md).
BAKONG, _problems = integration_settings.bakong(env, ESB_PUBLIC_BASE_URL, production=IS_PRODUCTION)
_CONFIG_PROBLEMS += _problems
GATEWAY, _problems = integration_settings.gateway(env, ESB_PUBLIC_BASE_URL, production=IS_PRODUCTION)
_CONFIG_PROBLEMS += _problems
ESB_VERIFICATION, _problems = integration_settings.verification(
    env, ESB_PUBLIC_BASE_URL, production=IS_PRODUCTION
)
_CONFIG_PROBLEMS += _problems
# CamDX, the outgoing side (docs/camdx.md): our security server and the remote services by name.
CAMDX, _problems = integration_settings.camdx(env, ESB_PUBLIC_BASE_URL, production=IS_PRODUCTION)
_CONFIG_PROBLEMS += _problems
# Telegram and SMS notification channels (docs/notifications.md): the simulators outside production.
TELEGRAM, _problems = integration_settings.telegram(env, ESB_PUBLIC_BASE_URL, production=IS_PRODUCTION)
_CONFIG_PROBLEMS += _problems
SMS, _problems = integration_settings.sms(env, ESB_PUBLIC_BASE_URL, production=IS_PRODUCTION)
_CONFIG_PROBLEMS += _problems
# Once-only prefill (docs/camdx.md): the prefill sources that answer, in order; the first one that answers a
# key fetches it. "camdx-business-registry" asks the business registry through CamDX.
ESB_PREFILL_SOURCES = env.list("ESB_PREFILL_SOURCES", default=["local-registries"])
if not ESB_PREFILL_SOURCES:
    _CONFIG_PROBLEMS.append("ESB_PREFILL_SOURCES must name at least one prefill source")

# Every check above has run: report all problems together.
if _CONFIG_PROBLEMS:
    raise ImproperlyConfigured(
        f"ESB_ENV={ESB_ENV}: the portal refuses to start until these are fixed (docs/configuration.md):\n  - "
        + "\n  - ".join(_CONFIG_PROBLEMS)
    )

ESB_BRANDING = {
    "PORTAL_NAME_EN": env.str("ESB_PORTAL_NAME_EN", default="Business E-Services Portal"),
    "PORTAL_NAME_KM": env.str("ESB_PORTAL_NAME_KM", default="វិបផតថលសេវាអាជីវកម្មតាមប្រព័ន្ធអេឡិចត្រូនិក"),
    "INSTITUTION_NAME_EN": env.str("ESB_INSTITUTION_NAME_EN", default="Royal Government of Cambodia"),
    "INSTITUTION_NAME_KM": env.str("ESB_INSTITUTION_NAME_KM", default="រាជរដ្ឋាភិបាលកម្ពុជា"),
    "PRIMARY_COLOR": env.str("ESB_PRIMARY_COLOR", default="#0b3d91"),
    "LOGO_STATIC_PATH": env.str("ESB_LOGO_STATIC_PATH", default="esb/img/logo.svg"),
    "SUPPORT_EMAIL": env.str("ESB_SUPPORT_EMAIL", default="support@esb.localhost"),
    "SUPPORT_PHONE": env.str("ESB_SUPPORT_PHONE", default="+855 23 000 000"),
}

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "esb.logging.RequestContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_context"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

if ESB_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    CACHES["default"]["KEY_PREFIX"] = "esb-test"
    MEDIA_ROOT = BASE_DIR / ".data" / "test-media"

from esb.unfold_settings import UNFOLD  # noqa: E402  (needs the names above)

__all__ = ["UNFOLD"]
