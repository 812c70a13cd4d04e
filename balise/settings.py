"""Balise settings: one file, everything that varies comes from the environment.

Defaults suit a developer's machine or a single office: SQLite under ``var/``, mail
printed to the console, the database task backend. Production sets ``BALISE_DEBUG=0``,
``BALISE_SECRET_KEY``, ``BALISE_ALLOWED_HOSTS``, ``DATABASE_URL`` and the mail settings
(see docs/en/deployment.md or docs/fr/deploiement.md).
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("BALISE_DEBUG", True)
# A fixed key is fine for development and tests only; `check --deploy` flags it and the
# deployment guide makes BALISE_SECRET_KEY mandatory.
DEV_SECRET_KEY = "django-insecure-balise-development-key-change-me"
SECRET_KEY = env_str("BALISE_SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("BALISE_SECRET_KEY must be set when BALISE_DEBUG=0.")
ALLOWED_HOSTS = env_list("BALISE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("BALISE_CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("BALISE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
VAR_DIR = Path(env_str("BALISE_VAR_DIR", str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "ninja",
    # Before django_tasks_db: its `db_worker` command is replaced by one with heartbeats.
    "balise.jobs",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "balise.lib",
    "balise.offices",
    "balise.members",
    "balise.diagnostics",
    "balise.audits",
    "balise.insights",
    "balise.workshops",
    "balise.privacy",
    "balise.demo",
    "balise.api",
    # Audit trail of staff actions (django-auditlog, entries in balise.trail).
    "auditlog",
    "balise.trail",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (django-csp), see CONTENT_SECURITY_POLICY.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Keeps the request for the audit trail, which reads the actor when it writes.
    "balise.trail.context.TrailMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sessions end after SESSION_COOKIE_AGE without a request; admins of an office
    # that requires a second factor enrol before reaching its pages.
    "balise.offices.middleware.SessionIdleTimeoutMiddleware",
    "balise.offices.middleware.TwoFactorEnrolmentMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # In production WhiteNoise serves the collected, compressed static files (runserver
    # serves them itself in development).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "balise.urls"
WSGI_APPLICATION = "balise.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "balise.offices.context_processors.current_office",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'balise.sqlite3'}",
        conn_max_age=env_int("BALISE_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while the other writes; the busy
    # timeout makes a writer wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "offices.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first so that a locked-out account is refused before the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Platform operators (is_staff / is_superuser accounts, who reach every office's data
# through /admin/) must enrol a second factor before any staff page, like the admins of an
# office that requires it (balise.offices.twofactor.must_enrol). On in production; off by
# default under DEBUG so that `make demo` and development logins are not blocked.
BALISE_OPERATORS_2FA = env_bool("BALISE_OPERATORS_2FA", not DEBUG)

# Failed-login throttling (django-axes): lock the username + address pair after
# BALISE_LOGIN_FAILURE_LIMIT failures, for an hour, so one attacker cannot lock a user out
# from everywhere.
AXES_FAILURE_LIMIT = env_int("BALISE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
# Behind BALISE_PROXY_COUNT reverse proxies, the client address is the entry the nearest
# proxy appended to X-Forwarded-For, i.e. the proxy count minus one from the right (what
# ipware's proxy_count means). Without a proxy only the socket address counts, so nobody
# can lock a colleague out by forging the header.
BALISE_PROXY_COUNT = env_int("BALISE_PROXY_COUNT", 0)
AXES_IPWARE_PROXY_COUNT = max(BALISE_PROXY_COUNT - 1, 0)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if BALISE_PROXY_COUNT else ("REMOTE_ADDR",)
)

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("BALISE_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Uploaded import files are read in memory up to this size, then spooled to disk.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
BALISE_IMPORT_MAX_BYTES = env_int("BALISE_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# Records in one import: bench/bench_import.py measures this many within the memory budget.
BALISE_IMPORT_MAX_RECORDS = env_int("BALISE_IMPORT_MAX_RECORDS", 50_000)
# Files up to this size are read within the request for their preview; bigger ones by a
# background job (the page follows its progress).
BALISE_IMPORT_INLINE_BYTES = env_int("BALISE_IMPORT_INLINE_BYTES", 2 * 1024 * 1024)

EMAIL_BACKEND = env_str(
    "BALISE_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("BALISE_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("BALISE_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("BALISE_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("BALISE_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("BALISE_EMAIL_USE_TLS")
# Seconds an SMTP exchange may block: a mail server that stops answering must not hold a
# worker (and its tasks) for good.
EMAIL_TIMEOUT = env_int("BALISE_EMAIL_TIMEOUT", 30)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("BALISE_FROM_EMAIL", "Balise <balise@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Without Redis the cache is per process; the rate limiter then keeps its counters in the
# database (balise.lib.ratelimit), so that its limits hold across gunicorn processes.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("REDIS_URL")}
        if env_str("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Background work through the Tasks API: the database backend and `balise db_worker`
# by default; tests switch to the immediate backend.
# BALISE_TASKS_BACKEND=django_tasks_rq.RQBackend spreads workers over several machines:
# each runs `balise rqworker default` against the Redis of REDIS_URL.
TASKS = {
    "default": {
        "BACKEND": env_str("BALISE_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# A task whose worker died (killed, out of memory, machine lost) is run again by another
# worker: a worker that sent no heartbeat for BALISE_TASK_LEASE seconds is dead, and its
# running task is queued again, at most three runs in all (balise/jobs/lease.py). Tasks
# are written to be run again: e-mails go through balise/jobs/outbox.py.
BALISE_TASK_LEASE = env_int("BALISE_TASK_LEASE", 60)
# Workers run jobs with the Tasks API's job class (results, signals), under the same
# lease (balise/jobs/rq_worker.py).
RQ = {"JOB_CLASS": "balise.jobs.rq_worker.Job", "WORKER_CLASS": "balise.jobs.rq_worker.Worker"}
RQ_QUEUES = {
    "default": {
        "URL": env_str("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "DEFAULT_TIMEOUT": env_int("BALISE_RQ_TIMEOUT", 60 * 60),
    }
}

# An idle timeout: a staff session ends after this many seconds without a request
# (balise.offices.middleware.SessionIdleTimeoutMiddleware keeps the last activity in the
# session and pushes the expiry at most once a minute; SESSION_SAVE_EVERY_REQUEST would
# write the session row on every page view instead).
SESSION_COOKIE_AGE = env_int("BALISE_SESSION_AGE", 60 * 60 * 2)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Our own origin only: no inline script or style, no framing, no plugin, with no exception:
# Django's admin has no inline script or style since 4.x, and django-ninja serves the API
# docs (Swagger UI) from its own static files with the settings in a JSON data block
# (tests/e2e/test_csp.py shows both load without a violation).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# API requests allowed per token and window (balise.api.auth, balise.lib.ratelimit).
BALISE_API_RATE = env_str("BALISE_API_RATE", "120/m")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("BALISE_SSL_REDIRECT", True)
    # Monitoring probes call the health endpoint over plain HTTP on the internal network.
    SECURE_REDIRECT_EXEMPT = [r"^sante/$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("BALISE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("BALISE_HSTS_PRELOAD", True)

NINJA_PAGINATION_PER_PAGE = 50

# Audit trail (balise/trail): django-auditlog writes trail.Entry rows, which carry their
# office. No IP address is kept (the actor is what the journal shows, and the
# X-Forwarded-For header django-auditlog would read can be forged); fixtures loaded with
# loaddata (raw saves) are not logged.
AUDITLOG_LOGENTRY_MODEL = "trail.Entry"
AUDITLOG_DISABLE_REMOTE_ADDR = True
AUDITLOG_DISABLE_ON_RAW_SAVE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("BALISE_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
