"""Safeguard settings: one module, configured only by environment variables.

Every variable is listed, with its meaning, in `.env.example`. Bad values fail loudly at start-up.
Without DEBUG, a real SECRET_KEY is required and the secure-transport settings are on, so that
`manage.py check --deploy` passes.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("SAFEGUARD_DEBUG", default=False)
# Demo mode loads demo users and prints their passwords once; never on in production.
DEMO_MODE = env.bool("SAFEGUARD_DEMO", default=False)

if DEBUG or DEMO_MODE:
    SECRET_KEY = env.str("SAFEGUARD_SECRET_KEY", default="insecure-demo-key-not-for-production")
else:
    SECRET_KEY = env.str("SAFEGUARD_SECRET_KEY", default="")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure"):
        raise ImproperlyConfigured(
            "SAFEGUARD_SECRET_KEY must be set to a random value of at least 50 characters "
            "when SAFEGUARD_DEBUG and SAFEGUARD_DEMO are off."
        )

ALLOWED_HOSTS = env.list("SAFEGUARD_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("SAFEGUARD_CSRF_TRUSTED_ORIGINS", default=[])


def _checked_base_url(value: str, *, schemes: set[str]) -> str:
    """`value` without its trailing slash, if it is one of `schemes` and a host only."""
    parts = urlsplit(value)
    if (
        parts.scheme not in schemes
        or not parts.hostname
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ImproperlyConfigured(
            f"SAFEGUARD_BASE_URL must be a scheme and host only, such as https://safeguard.police.example "
            f"({' or '.join(sorted(schemes))}), not {value!r}."
        )
    return value.rstrip("/")


# The address people open Safeguard at, such as https://safeguard.police.example: every link in an
# e-mail is this plus the page's path (safeguard.links.absolute_url), since an e-mail has no request
# to take the host from. Required without debug and demo mode: `check --deploy` fails without it,
# and no e-mail is sent without it.
SAFEGUARD_BASE_URL = env.str("SAFEGUARD_BASE_URL", default="http://127.0.0.1:8000" if DEBUG or DEMO_MODE else "")
if SAFEGUARD_BASE_URL:
    SAFEGUARD_BASE_URL = _checked_base_url(
        SAFEGUARD_BASE_URL, schemes={"http", "https"} if DEBUG or DEMO_MODE else {"https"}
    )

INSTALLED_APPS = [
    # Django's admin, open to superusers only (accounts.adminsite.SuperuserAdminSite).
    "accounts.adminsite.SafeguardAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "pgtrigger",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "cases",
    "warrants",
    "casefiles",
    "reports",
    "work",
    "audit",
    "api",
    "safeguard.outbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cases.middleware.NoStoreMiddleware",  # no page with case or audit data is ever cached
    "cases.middleware.MetadataOnlyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "safeguard.replica.OwnWritesMiddleware",  # a person's reads stay on the primary after their writes
    "django_otp.middleware.OTPMiddleware",
    "audit.middleware.AuditContextMiddleware",  # audit: who and from where, for every write
    "accounts.middleware.SessionLifetimeMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.KeptFormMiddleware",  # a form sent after the session ended, shown again
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safeguard.urls"
WSGI_APPLICATION = "safeguard.wsgi.application"

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
                "cases.context_processors.inbox",
                "accounts.context_processors.session_end",
                "safeguard.replica.replica_notice",
            ],
            "builtins": ["cases.templatetags.safeguard"],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/safeguard"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("SAFEGUARD_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming replica of that database (docs/setup.md, "Read replica"): the auditor's searches, the
# figures and the exports read from it while it is up and no further behind than
# SAFEGUARD_REPLICA_MAX_LAG_SECONDS; everything else, and everyone's reads for
# SAFEGUARD_REPLICA_OWN_WRITES_SECONDS after they send a form, uses the primary (safeguard.replica).
# Unset: no replica, everything on the primary.
_replica_url = env.str("DATABASE_REPLICA_URL", default="")
if _replica_url:
    DATABASES["replica"] = env.db_url_config(_replica_url)
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    # A replica that is down must not hold a page up: give up connecting after 2 seconds.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Tests see the test database through it (Django's test mirror).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
SAFEGUARD_READ_REPLICA = bool(_replica_url)
DATABASE_ROUTERS = ["safeguard.routers.ReplicaRouter"]
SAFEGUARD_REPLICA_MAX_LAG_SECONDS = env.int("SAFEGUARD_REPLICA_MAX_LAG_SECONDS", default=30)
SAFEGUARD_REPLICA_OWN_WRITES_SECONDS = env.int("SAFEGUARD_REPLICA_OWN_WRITES_SECONDS", default=60)
if SAFEGUARD_REPLICA_MAX_LAG_SECONDS < 0 or SAFEGUARD_REPLICA_OWN_WRITES_SECONDS < 0:
    raise ImproperlyConfigured("SAFEGUARD_REPLICA_MAX_LAG_SECONDS and _OWN_WRITES_SECONDS must be 0 or more.")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"  # shown to users; stored in UTC (USE_TZ)
USE_I18N = True
USE_TZ = True
# 23 Nov 2026 14:05
DATETIME_FORMAT = "j M Y H:i"
DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M"]
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Metadata only: nothing is ever written to disk from a request.
FILE_UPLOAD_HANDLERS: list[str] = []
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("SAFEGUARD_MAX_REQUEST_BYTES", default=256 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# Sessions and transport security.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A session ends when the browser closes, and in any case this long after sign-in (an absolute
# lifetime, enforced by accounts.middleware.SessionLifetimeMiddleware): one shift.
SESSION_COOKIE_AGE = env.int("SAFEGUARD_SESSION_AGE_SECONDS", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SAFEGUARD_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SAFEGUARD_SECURE_COOKIES", default=True)
    SECURE_SSL_REDIRECT = env.bool("SAFEGUARD_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SAFEGUARD_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # The reverse proxy in front of gunicorn must set (not pass through) X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if SESSION_COOKIE_SECURE:
        # __Host- cookies are sent only over HTTPS, to this host, for every path: no subdomain can set them.
        SESSION_COOKIE_NAME = "__Host-safeguard_session"
        CSRF_COOKIE_NAME = "__Host-safeguard_csrf"

# --- Sign-in: lockout, two-factor, session limits, Content-Security-Policy (sign-in hardening) ---
# Sign-in locks a username for AXES_COOLOFF_TIME after AXES_FAILURE_LIMIT failed attempts (wrong
# passwords and wrong two-factor codes alike). Locks count by username, and by username and address
# together; never by address alone, so that colleagues behind the same force proxy are not locked out.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=10)
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# Masked in the attempts axes records (passwords always are): two-factor codes and CSRF tokens too.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "csrfmiddlewaretoken"]
# The client's address: REMOTE_ADDR, or behind SAFEGUARD_TRUSTED_PROXIES reverse proxies the entry
# that the outermost of them appended to X-Forwarded-For (audit.context.client_ip_address).
SAFEGUARD_TRUSTED_PROXIES = env.int("SAFEGUARD_TRUSTED_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "audit.context.client_ip_address"

# Every role signs in with a password and then a code from an authenticator app (TOTP, django-otp).
# On in every mode: demo users set up their app on first sign-in. Tests turn it off only to prove
# the check (tests/accounts/test_two_factor.py).
SAFEGUARD_REQUIRE_TWO_FACTOR = True
OTP_TOTP_ISSUER = "Safeguard"
# After a wrong code the next is refused for 1, 2, 4, 8... seconds (per device, until a right one).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# A session ends after this many minutes without a request (accounts.middleware.SessionLifetimeMiddleware),
# as well as SESSION_COOKIE_AGE after sign-in.
SAFEGUARD_SESSION_IDLE_MINUTES = env.int("SAFEGUARD_SESSION_IDLE_MINUTES", default=30)
if not 0 < SAFEGUARD_SESSION_IDLE_MINUTES * 60 <= SESSION_COOKIE_AGE:
    raise ImproperlyConfigured(
        "SAFEGUARD_SESSION_IDLE_MINUTES must be more than 0 and no longer than SAFEGUARD_SESSION_AGE_SECONDS."
    )
# With JavaScript, a notice this many minutes before the session ends offers to stay signed in
# (without it, every page says when the session will end). Less than the idle limit.
SAFEGUARD_SESSION_WARNING_MINUTES = env.int("SAFEGUARD_SESSION_WARNING_MINUTES", default=5)
if not 0 < SAFEGUARD_SESSION_WARNING_MINUTES < SAFEGUARD_SESSION_IDLE_MINUTES:
    raise ImproperlyConfigured(
        "SAFEGUARD_SESSION_WARNING_MINUTES must be more than 0 and less than SAFEGUARD_SESSION_IDLE_MINUTES."
    )

# User administration (docs/administration.md): an invitation link to set a first password works
# once, for this many hours; a four-eyes request not approved within this many days lapses.
SAFEGUARD_INVITATION_HOURS = env.int("SAFEGUARD_INVITATION_HOURS", default=72)
SAFEGUARD_ACCESS_REQUEST_DAYS = env.int("SAFEGUARD_ACCESS_REQUEST_DAYS", default=7)
if SAFEGUARD_INVITATION_HOURS < 1 or SAFEGUARD_ACCESS_REQUEST_DAYS < 1:
    raise ImproperlyConfigured("SAFEGUARD_INVITATION_HOURS and SAFEGUARD_ACCESS_REQUEST_DAYS must be at least 1.")

# Content-Security-Policy (django-csp): nothing inline, nothing from elsewhere. The two-factor QR code
# is inline SVG markup, which needs no img-src.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    },
}

# --- Audit trail (docs/audit.md) ---
# Anomaly flags, raised every few minutes by `audit.tasks.raise_flags` over the entries written
# since its last run (docs/audit.md, "Anomaly flags"). Each is a setting with its default here.
# Access refused (a 404 or 403 answering for a record) at least N times within M minutes.
SAFEGUARD_AUDIT_FLAG_REFUSALS = env.int("SAFEGUARD_AUDIT_FLAG_REFUSALS", default=5)
SAFEGUARD_AUDIT_FLAG_REFUSALS_MINUTES = env.int("SAFEGUARD_AUDIT_FLAG_REFUSALS_MINUTES", default=10)
# More than N distinct cases of teams the person is not in, read within M minutes.
SAFEGUARD_AUDIT_FLAG_CASES = env.int("SAFEGUARD_AUDIT_FLAG_CASES", default=10)
SAFEGUARD_AUDIT_FLAG_MINUTES = env.int("SAFEGUARD_AUDIT_FLAG_MINUTES", default=30)
# Outside working hours (Europe/London): access between the start and the end.
SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_START = env.str("SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_START", default="20:00")
SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_END = env.str("SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_END", default="07:00")
# A role or grant changed by someone whose account is younger than this many days.
SAFEGUARD_AUDIT_FLAG_NEW_ADMIN_DAYS = env.int("SAFEGUARD_AUDIT_FLAG_NEW_ADMIN_DAYS", default=30)
# An export or print naming more than this many cases (or all of them, or the whole audit trail).
SAFEGUARD_AUDIT_FLAG_EXPORT_CASES = env.int("SAFEGUARD_AUDIT_FLAG_EXPORT_CASES", default=25)
# A sign-in from a network (this prefix length) that person never signed in from before.
SAFEGUARD_AUDIT_FLAG_NETWORK_PREFIX_V4 = env.int("SAFEGUARD_AUDIT_FLAG_NETWORK_PREFIX_V4", default=24)
SAFEGUARD_AUDIT_FLAG_NETWORK_PREFIX_V6 = env.int("SAFEGUARD_AUDIT_FLAG_NETWORK_PREFIX_V6", default=48)
# The sequencer gives new entries their place in the hash chain every this many seconds (Celery beat,
# `audit.tasks.sequence_audit`): the longest an entry waits, unprotected by the chain, while beat and a
# worker run. An entry still waiting after SAFEGUARD_AUDIT_UNSEQUENCED_MAX_SECONDS fails `verify_audit`.
SAFEGUARD_AUDIT_SEQUENCE_SECONDS = env.int("SAFEGUARD_AUDIT_SEQUENCE_SECONDS", default=5)
SAFEGUARD_AUDIT_UNSEQUENCED_MAX_SECONDS = env.int("SAFEGUARD_AUDIT_UNSEQUENCED_MAX_SECONDS", default=60)
if not 1 <= SAFEGUARD_AUDIT_SEQUENCE_SECONDS < SAFEGUARD_AUDIT_UNSEQUENCED_MAX_SECONDS:
    raise ImproperlyConfigured(
        "SAFEGUARD_AUDIT_SEQUENCE_SECONDS must be at least 1 and less than SAFEGUARD_AUDIT_UNSEQUENCED_MAX_SECONDS."
    )
for _name in ("SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_START", "SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_END"):
    _value = globals()[_name]
    _parts = _value.split(":")
    if len(_parts) != 2 or not all(p.isdigit() for p in _parts) or int(_parts[0]) > 23 or int(_parts[1]) > 59:
        raise ImproperlyConfigured(f"{_name} must be a time of day as HH:MM, not {_value!r}.")
for _name in (
    "SAFEGUARD_AUDIT_FLAG_REFUSALS",
    "SAFEGUARD_AUDIT_FLAG_REFUSALS_MINUTES",
    "SAFEGUARD_AUDIT_FLAG_CASES",
    "SAFEGUARD_AUDIT_FLAG_MINUTES",
    "SAFEGUARD_AUDIT_FLAG_NEW_ADMIN_DAYS",
    "SAFEGUARD_AUDIT_FLAG_EXPORT_CASES",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")
for _name, _low, _high in (
    ("SAFEGUARD_AUDIT_FLAG_NETWORK_PREFIX_V4", 8, 32),
    ("SAFEGUARD_AUDIT_FLAG_NETWORK_PREFIX_V6", 16, 128),
):
    if not _low <= globals()[_name] <= _high:
        raise ImproperlyConfigured(f"{_name} must be a prefix length of {_low} to {_high} bits.")
# Signed checkpoints of the audit chain's head, kept outside the database (docs/audit.md,
# "Checkpoints"): the Ed25519 private key that signs them (a PEM file only the writing process may
# read), the public keys that verify them (PEM files, comma-separated: the current key's and every
# earlier key's still behind a kept checkpoint), and the directory they are written to, which no
# database role may write. Defaults in debug and demo mode only, under var/ (`make run` makes them).
_dev_var = BASE_DIR / "var" if DEBUG or DEMO_MODE else None
SAFEGUARD_AUDIT_CHECKPOINT_KEY = env.str(
    "SAFEGUARD_AUDIT_CHECKPOINT_KEY", default=str(_dev_var / "audit-checkpoint.key") if _dev_var else ""
)
SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS = env.list(
    "SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS", default=[str(_dev_var / "audit-checkpoint.pub")] if _dev_var else []
)
SAFEGUARD_AUDIT_CHECKPOINT_DIR = env.str(
    "SAFEGUARD_AUDIT_CHECKPOINT_DIR", default=str(_dev_var / "audit-checkpoints") if _dev_var else ""
)

# --- API (docs/api.md) ---
# Django's default cache stays in each process; the API's rate limits are counted in Redis, so
# every web worker counts the same requests.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("SAFEGUARD_API_CACHE_URL", default="redis://127.0.0.1:6379/2"),
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    },
}
# Requests each API client may make, as DRF writes a rate: "600/min", "10000/day".
SAFEGUARD_API_RATE = env.str("SAFEGUARD_API_RATE", default="600/min")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ClientTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ClientHasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Safeguard API",
    "DESCRIPTION": "Case data, deadlines and figures for the systems around a unit. Metadata only. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

# Celery: JSON only; broker and results in Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="redis://127.0.0.1:6379/1")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}  # all schedules: safeguard/celery.py
# The queue tasks are sent to and workers read (Procfile). Tests give each run its own.
CELERY_TASK_DEFAULT_QUEUE = env.str("SAFEGUARD_CELERY_QUEUE", default="celery")
# The audit checkpoints' task on a queue of its own, so that only the worker reading that queue, run
# as the one user that can read the signing key, ever needs the key (docs/audit.md, "Checkpoints").
# Empty (the default): the default queue, which every worker reads.
SAFEGUARD_AUDIT_CHECKPOINT_QUEUE = env.str("SAFEGUARD_AUDIT_CHECKPOINT_QUEUE", default="")
CELERY_TASK_ROUTES = (
    {"audit.tasks.checkpoint_audit": {"queue": SAFEGUARD_AUDIT_CHECKPOINT_QUEUE}}
    if SAFEGUARD_AUDIT_CHECKPOINT_QUEUE
    else {}
)
# The worker's and beat's records go through LOGGING's single-line handler (cases.logs), not a
# handler of Celery's own that would write control characters in them as they are.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Redis down must never hold anything up for long (docs/reliability.md): connecting gives up after
# a second and queueing a task after one quick retry, instead of Celery's default of retrying for
# about 20 seconds. Reads may block longer than the worker's 1-second poll, so their timeout is 5 s.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# A task whose worker died before finishing it (tasks are acknowledged late) goes back on the queue
# after the visibility timeout, for another worker to run; tasks are idempotent (docs/reliability.md).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    # Ten minutes: longer than any task but the figures exports, which keep a heartbeat of their
    # own and are resumed within SAFEGUARD_EXPORT_STALE_SECONDS of their worker dying; a second
    # delivery of a task still running does nothing (every task is idempotent).
    "visibility_timeout": env.int("SAFEGUARD_TASK_VISIBILITY_TIMEOUT", default=600),
    # How often a worker looks for such tasks (one scan of Redis each time).
    "unacked_restore_interval": env.int("SAFEGUARD_TASK_RESTORE_SECONDS", default=60),
    "unacked_restore_throttle": 1,
}
# The worker and beat outlive Redis outages: they reconnect, with Celery's growing delays, for as
# long as it takes, at start-up too, rather than giving up after 100 tries (docs/reliability.md).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A figures export whose heartbeat (after each month) has been silent this long lost its worker
# and is resumed where it stopped (cases.tasks.exports_resume_stalled, every minute).
SAFEGUARD_EXPORT_STALE_SECONDS = env.int("SAFEGUARD_EXPORT_STALE_SECONDS", default=180)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 5
# Nothing reads a task's result (what a task did is recorded in the database), so queueing a task
# does not also subscribe to its result in Redis; a task that needs its result says so.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
}

EMAIL_BACKEND = env.str(
    "SAFEGUARD_EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env.str("SAFEGUARD_FROM_EMAIL", default="safeguard@localhost")
# Where django.core.mail.backends.filebased.EmailBackend writes each message, one file per message.
EMAIL_FILE_PATH = env.str("SAFEGUARD_EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))

# Case references look like STF-2026-000123: force code, year opened, sequence.
CASE_REFERENCE_DIGITS = 6
# Four-week charging target: a local target, not law (see cases/rules.py).
CHARGING_TARGET_DAYS = env.int("SAFEGUARD_CHARGING_TARGET_DAYS", default=28)

# --- Deadlines and reminders (docs/deadlines.md) ---
# Local targets, not law: each is a rule in cases/rules.py that says so.
FIRST_COURT_TARGET_DAYS = env.int("SAFEGUARD_FIRST_COURT_TARGET_DAYS", default=28)
MASH_REFERRAL_HOURS = env.int("SAFEGUARD_MASH_REFERRAL_HOURS", default=24)
FORENSIC_TARGET_DAYS = env.int("SAFEGUARD_FORENSIC_TARGET_DAYS", default=90)
WARRANT_RETURN_DAYS = env.int("SAFEGUARD_WARRANT_RETURN_DAYS", default=7)
# A deadline is "due soon" (amber) this long before it falls due: hours for the custody clock,
# days for the rest; SAFEGUARD_DUE_SOON_DAYS for every kind not named.
_due_soon_days = env.int("SAFEGUARD_DUE_SOON_DAYS", default=3)
DEADLINE_DUE_SOON = {
    "custody_review": timedelta(hours=env.int("SAFEGUARD_DUE_SOON_CUSTODY_HOURS", default=2)),
    "custody_limit": timedelta(hours=env.int("SAFEGUARD_DUE_SOON_CUSTODY_HOURS", default=2)),
    "mash_referral": timedelta(hours=env.int("SAFEGUARD_DUE_SOON_MASH_REFERRAL_HOURS", default=6)),
    "referral_response": timedelta(days=env.int("SAFEGUARD_DUE_SOON_REFERRAL_RESPONSE_DAYS", default=1)),
    "bail_end": timedelta(days=env.int("SAFEGUARD_DUE_SOON_BAIL_DAYS", default=7)),
    "charging_target": timedelta(days=env.int("SAFEGUARD_DUE_SOON_CHARGING_DAYS", default=7)),
    "warrant_expiry": timedelta(days=env.int("SAFEGUARD_DUE_SOON_WARRANT_EXPIRY_DAYS", default=14)),
    "retention_review": timedelta(days=env.int("SAFEGUARD_DUE_SOON_RETENTION_REVIEW_DAYS", default=30)),
}
DEADLINE_DUE_SOON_DEFAULT = timedelta(days=_due_soon_days)
for _value in (*DEADLINE_DUE_SOON.values(), DEADLINE_DUE_SOON_DEFAULT, timedelta(days=FORENSIC_TARGET_DAYS)):
    if _value <= timedelta(0):
        raise ImproperlyConfigured("Deadline targets and SAFEGUARD_DUE_SOON_* thresholds must be more than 0.")

# --- Work: tasks and supervisory reviews (docs/work.md) ---
# Local targets, not law (work/rules.py says so wherever they are shown).
# A task to do is "due soon" this many days before its due date.
TASK_DUE_SOON_DAYS = env.int("SAFEGUARD_TASK_DUE_SOON_DAYS", default=2)
# Days from the stage recorded to the due date of the task the rules suggest for it.
SUGGESTED_TASK_DAYS = {
    "search": env.int("SAFEGUARD_SUGGESTED_DEVICES_DAYS", default=7),
    "safeguarding": env.int("SAFEGUARD_SUGGESTED_MASH_DAYS", default=1),
    "arrest": env.int("SAFEGUARD_SUGGESTED_CHARGING_FILE_DAYS", default=14),
}
# How often a supervisor reviews an open case, in days, by the case's stage: a local target.
SUPERVISORY_REVIEW_DAYS = {
    "investigation": env.int("SAFEGUARD_REVIEW_INVESTIGATION_DAYS", default=28),
    "warrant": env.int("SAFEGUARD_REVIEW_WARRANT_DAYS", default=14),
    "search": env.int("SAFEGUARD_REVIEW_SEARCH_DAYS", default=14),
    "arrest": env.int("SAFEGUARD_REVIEW_ARREST_DAYS", default=7),
    "charging": env.int("SAFEGUARD_REVIEW_CHARGING_DAYS", default=14),
    "court": env.int("SAFEGUARD_REVIEW_COURT_DAYS", default=28),
}
for _days in (TASK_DUE_SOON_DAYS, *SUGGESTED_TASK_DAYS.values(), *SUPERVISORY_REVIEW_DAYS.values()):
    if _days <= 0:
        raise ImproperlyConfigured("Task and review targets (SAFEGUARD_TASK_*, _SUGGESTED_*, _REVIEW_*): over 0.")

# One record, one line: control characters in logged values are escaped (cases.logs), so nothing a
# request carries can forge a log line (docs/reliability.md).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "single_line": {
            "()": "cases.logs.SingleLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "single_line"}},
    # Django's own records go to the same handler, once (not also to Django's unescaped console one).
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
    "root": {"handlers": ["console"], "level": env.str("SAFEGUARD_LOG_LEVEL", default="INFO")},
}

# --- Search and deconfliction (docs/search.md) ---
# An IP address matches another only if observed within this many minutes of it (before or after):
# dynamic addresses are reassigned, so the same address hours apart is often someone else.
SAFEGUARD_DECONFLICTION_IP_WINDOW_MINUTES = env.int("SAFEGUARD_DECONFLICTION_IP_WINDOW_MINUTES", default=60)
if SAFEGUARD_DECONFLICTION_IP_WINDOW_MINUTES < 0:
    raise ImproperlyConfigured("SAFEGUARD_DECONFLICTION_IP_WINDOW_MINUTES must be 0 or more.")
