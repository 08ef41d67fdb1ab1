"""Settings shared by every environment. Environment variables decide the backing services:
DATABASE_URL (default: SQLite under var/), REDIS_URL (default: kombu's filesystem broker)."""
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = os.environ.get("DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_celery_beat",
    "import_export",
    "apps.core",
    "apps.regions",
    "apps.accounts",
    "apps.households",
    "apps.loans",
    "apps.approvals",
    "apps.postloan",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "apps.core.middleware.DefaultLanguageMiddleware",
    "apps.accounts.middleware.ApiAuthFailureThrottleMiddleware",
    "apps.core.middleware.RequestGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "microcredit.urls"
WSGI_APPLICATION = "microcredit.wsgi.application"

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
                "apps.accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}", conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60"))
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web process read while the worker writes.
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Failed logins before the account+address pair is locked, and for how long; failures from one address,
# whatever the usernames, before that address is refused for the same window (0 = no per-address limit).
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))
LOGIN_MAX_FAILURES_PER_IP = int(os.environ.get("LOGIN_MAX_FAILURES_PER_IP", "20"))
# Failed logins for one username from any addresses within the window before it is locked everywhere.
LOGIN_MAX_FAILURES_PER_USER = int(os.environ.get("LOGIN_MAX_FAILURES_PER_USER", "30"))
# Reverse proxies in front of the app whose X-Forwarded-For entry is trusted as the client's address (the login
# throttle and the API's anonymous rate limit). 0: REMOTE_ADDR, and X-Forwarded-For is ignored.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Failed API authentications (401: no credentials, a wrong or revoked token) per address and minute before the
# address's API requests answer 429 (apps/accounts/middleware.py); 0 turns the limit off.
API_AUTH_FAILURES_PER_IP = int(os.environ.get("API_AUTH_FAILURES_PER_IP", "30"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Django's own zh_Hans input formats reject YYYY-MM-DD; ours are in apps/core/formats.
FORMAT_MODULE_PATH = ["apps.core.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Uploads (apps/core/uploads.py): photos are re-encoded as JPEG, at most UPLOAD_IMAGE_MAX_SIDE px on the long side; an
# image whose header declares more than UPLOAD_IMAGE_MAX_PIXELS pixels is refused before it is decoded.
# A multipart body above this is refused before it is read (10 photos of UPLOAD_PHOTO_MAX_BYTES fit; so does an import).
UPLOAD_MAX_REQUEST_BYTES = int(os.environ.get("UPLOAD_MAX_REQUEST_BYTES", str(110 * 1024 * 1024)))
FILE_UPLOAD_HANDLERS = ["apps.core.uploads.RequestSizeLimit", "django.core.files.uploadhandler.MemoryFileUploadHandler",
                        "django.core.files.uploadhandler.TemporaryFileUploadHandler"]
UPLOAD_PHOTO_MAX_BYTES = int(os.environ.get("UPLOAD_PHOTO_MAX_BYTES", str(10 * 1024 * 1024)))
UPLOAD_IMAGE_MAX_PIXELS = int(os.environ.get("UPLOAD_IMAGE_MAX_PIXELS", str(50_000_000)))
UPLOAD_IMAGE_MAX_SIDE = int(os.environ.get("UPLOAD_IMAGE_MAX_SIDE", "2560"))
UPLOAD_IMAGE_JPEG_QUALITY = int(os.environ.get("UPLOAD_IMAGE_JPEG_QUALITY", "85"))
IMPORT_MAX_FILE_BYTES = int(os.environ.get("IMPORT_MAX_FILE_BYTES", str(40 * 1024 * 1024)))
# Files with more rows than this are validated and committed by a Celery task.
# List counts at or above this many rows are cached this long (apps/core/paging.py).
LIST_COUNT_CACHE_ABOVE = int(os.environ.get("LIST_COUNT_CACHE_ABOVE", "50000"))
LIST_COUNT_CACHE_SECONDS = int(os.environ.get("LIST_COUNT_CACHE_SECONDS", "60"))
# An export is written in the request: above this many rows it asks for a narrower filter (a gunicorn timeout otherwise).
EXPORT_MAX_ROWS = int(os.environ.get("EXPORT_MAX_ROWS", "200000"))
IMPORT_SYNC_MAX_ROWS = int(os.environ.get("IMPORT_SYNC_MAX_ROWS", "2000"))
# ...and so is any file whose shared strings or a sheet read unpacks past this many bytes (counted while reading).
IMPORT_SYNC_MAX_BYTES = int(os.environ.get("IMPORT_SYNC_MAX_BYTES", str(8 * 1024 * 1024)))
# What an uploaded workbook may unpack to (decompression bombs). openpyxl writes ~575 bytes of sheet XML per register
# row (inline strings; Excel's shared strings are smaller): the 100,000-row benchmark file is a 57 MB sheet, a
# 200,000-row file 115 MB, so 256 MB per part lets ~440,000 rows through. Parts over 16 MB may not be compressed more
# than IMPORT_MAX_COMPRESSION_RATIO:1 (openpyxl's sheets are ~14:1, Excel's less; a bomb of one repeated byte ~1000:1).
IMPORT_MAX_PART_BYTES = int(os.environ.get("IMPORT_MAX_PART_BYTES", str(256 * 1024 * 1024)))
IMPORT_MAX_COMPRESSION_RATIO = int(os.environ.get("IMPORT_MAX_COMPRESSION_RATIO", "100"))
# A cell holds at most Excel's own limit of characters; a row (its XML) at most 4 Mi characters and Excel's 16,384
# cells; the file at most this many rows over its two sheets (200,000 households with three members each fit) and
# this many shared strings (each costs memory for the whole dry run).
IMPORT_MAX_CELL_CHARS = int(os.environ.get("IMPORT_MAX_CELL_CHARS", "32767"))
IMPORT_MAX_ROW_CHARS = int(os.environ.get("IMPORT_MAX_ROW_CHARS", str(4 * 1024 * 1024)))
IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS", "16384"))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "1000000"))
IMPORT_MAX_SHARED_STRINGS = int(os.environ.get("IMPORT_MAX_SHARED_STRINGS", "2000000"))
# Uploaded register files (personal data) are deleted this many days after their import ended.
IMPORT_FILE_RETENTION_DAYS = int(os.environ.get("IMPORT_FILE_RETENTION_DAYS", "30"))

# 一户一档: the household page shows what the apps above the register know about the household. The register may not
# import them (DESIGN §3), so the project wires their sections in here, in page order; each is called with
# (actor, household, today) and returns {"template": ..., **context}, or None.
HOUSEHOLD_FILE_SECTIONS = [
    "apps.approvals.web.household_file.applications_section",
    "apps.loans.web.household_file.loans_section",
    "apps.postloan.web.household_file.inspections_section",
    "apps.postloan.web.household_file.notices_section",
]

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis when configured, else kombu's filesystem transport (one folder for in and out).
CELERY_BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
else:
    CELERY_BROKER_DIR.mkdir(parents=True, exist_ok=True)
    (CELERY_BROKER_DIR / "processed").mkdir(exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
CELERY_RESULT_BACKEND = REDIS_URL or None  # results are kept only when a task is asked for one
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_TASK_ALWAYS_EAGER", "0") == "1"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: DRF's browsable API is HTML with inline styles the CSP blocks, and one more surface for a
    # browser session; people read the API in Swagger UI (/api/docs/) and ReDoc (/api/redoc/).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["apps.core.api.parsers.JSONParser", "apps.core.api.parsers.FormParser",
                               "apps.core.api.parsers.MultiPartParser"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": ["apps.core.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "apps.core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.errors.exception_handler",
    # Counted in the cache (Redis when configured; per process with the local-memory cache).
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle", "rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": os.environ.get("API_THROTTLE_ANON", "60/min"),
                               "user": os.environ.get("API_THROTTLE_USER", "1200/min")},
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "扶贫小额信贷管理平台 API",
    "DESCRIPTION": "面向承贷银行与县级系统的接口。认证：`Authorization: Token <key>`（由县级管理员签发）。"
    "所有错误统一返回 `{code, detail, fields}`。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # No validator badge: it would load an image from validator.swagger.io (blocked by the CSP, and it would tell
    # a third party where our schema is).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Request bodies are documented as JSON, the contract with bank systems. The API also parses forms (browsers,
    # DRF's test client), where an empty optional field means "omitted" — a rule JSON Schema cannot state.
    "PARSER_WHITELIST": ["apps.core.api.parsers.JSONParser"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStateEnum": "apps.approvals.models.State",
        "ReviewLevelEnum": "apps.approvals.models.Level",
        "LoanStateEnum": "apps.loans.models.LoanState",
        "TermChangeStatusEnum": "apps.loans.models.TermChange.Status",
        "HouseholdStatusEnum": "apps.households.models.Status",
    },
}

# Content-Security-Policy on every response (django-csp). No inline script or style anywhere: templates take their
# behaviour from static/js (parameters in data-* attributes) and their looks from static/css, so an injected
# <script>, on* handler or style attribute does nothing. img-src: Bootstrap's CSS draws icons as data: SVG, and the
# tablet inspection form previews the downscaled photos as blob: URLs (static/js/inspection.js). Views that need
# more (ReDoc's styles) widen it for themselves (microcredit/api_urls.py). Browsers report violations to
# /csp-report/ (microcredit/csp.py), which logs them.
from csp.constants import NONE, SELF  # noqa: E402

CSP_REPORT_URL = "/csp-report/"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "report-uri": CSP_REPORT_URL,
    },
}
# Reports accepted per client address and minute (more answer 429 and are not logged); the largest report body.
CSP_REPORT_RATE = int(os.environ.get("CSP_REPORT_RATE", "30"))
CSP_REPORT_MAX_BYTES = 16 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"},
                "fontTools": {"level": "WARNING"}},
}

# Periodic jobs are declared here; django-celery-beat copies them into its tables, where the admin can edit them.
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    "calendar-refresh": {"task": "regions.calendar_refresh", "schedule": crontab(minute=10, hour=2, day_of_month=1)},
    # After midnight Beijing time; it catches up on any day missed while no worker ran.
    "daily-jobs": {"task": "postloan.daily_jobs", "schedule": crontab(minute=30, hour=0)},
    "monthly-spot-check": {"task": "postloan.monthly_spot_check", "schedule": crontab(minute=0, hour=3, day_of_month=1)},
    "import-files-purge": {"task": "households.purge_import_files", "schedule": crontab(minute=40, hour=3)},
}
SMS_BACKEND = os.environ.get("SMS_BACKEND", "apps.accounts.notifications.ConsoleSmsBackend")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@microcredit.local")
