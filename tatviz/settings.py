"""Django settings for TATviz, a single-user desktop app on 127.0.0.1.

Everything writable lives in the data dir (``--data-dir``, ``TATVIZ_DATA_DIR``
or the per-user local folder). Importing this module creates that folder and,
on first run, the per-install secret key; nothing else happens at import.
"""

import os
import secrets
from pathlib import Path

from tatviz import paths
from tatviz.env import env_bool, env_int

BUNDLE_DIR = paths.bundle_dir()
DATA_DIR = paths.ensure_data_dir(paths.data_dir())
UPLOAD_DIR = DATA_DIR / "uploads"
CACHE_DIR = DATA_DIR / "cache"


def _load_secret_key(path: Path) -> str:
    """Return the per-install secret key, creating it (mode 0600) on first run."""
    if path.exists():
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
    key = secrets.token_urlsafe(50)
    # Created 0600 (never briefly readable by others) and renamed into place,
    # so a crash mid-write cannot leave an empty key that stops every start.
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key)
    os.replace(partial, path)
    return key


SECRET_KEY = _load_secret_key(DATA_DIR / "secret_key.txt")
DEBUG = env_bool("TATVIZ_DEBUG", default=False)

# Loopback names only: blocks DNS-rebinding attacks from web pages.
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "exams",
]

MIDDLEWARE = [
    # Outermost, so every response gets the security headers (static files,
    # a refused Host and the token check answer before the inner ones run).
    "exams.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "exams.middleware.LoopbackHostMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "exams.access.RequireTokenMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Innermost: the user's named intervals join the declared ones per request.
    "exams.intervals_in_use.CustomIntervalsMiddleware",
]

ROOT_URLCONF = "tatviz.urls"
WSGI_APPLICATION = "tatviz.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BUNDLE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "tatviz.sqlite3",
        # IMMEDIATE: a transaction takes the write lock when it begins, so two
        # tabs saving at once wait for each other (up to the timeout) instead
        # of one failing at once with "database is locked".
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cookies are not separated by port, so the names are app-specific.
SESSION_COOKIE_NAME = "tatviz_sessionid"
# Keyed by a hash of the cookie: reading the database gives no way in.
SESSION_ENGINE = "tatviz.sessions"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 365
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_NAME = "tatviz_csrftoken"
CSRF_COOKIE_SAMESITE = "Strict"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Uploads spill to the data dir, never to a shared temp folder.
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "tmp")
FILE_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "exams.storage.uploads.PrivateSpoolHandler",
]
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Request limits: form fields and 2.5 MB for a form or JSON body (Django's
# defaults; exports come as files, not counted), and files per upload: ten
# years of monthly exports (120) in one go, or five years from five sites.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 400
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Upper bounds keep date arithmetic and waitress's body limit in range.
TATVIZ_MAX_UPLOAD_MB = env_int(
    "TATVIZ_MAX_UPLOAD_MB", 2048, minimum=1, maximum=1024 * 1024
)
TATVIZ_RETENTION_DAYS = env_int("TATVIZ_RETENTION_DAYS", 0, minimum=0, maximum=36_500)
TATVIZ_REQUIRE_TOKEN = env_bool("TATVIZ_REQUIRE_TOKEN", default=False)

LANGUAGE_CODE = "en-us"
# Exports carry local wall-clock times; the app never converts them.
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = False

STATIC_URL = "/static/"
# collectstatic runs at build time (make, tatviz.spec); the frozen app reads it.
STATIC_ROOT = BUNDLE_DIR / "staticfiles"
STATICFILES_DIRS = [BUNDLE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365
# Templates only ever name hashed files; serving the originals too would ship
# a second copy of the Plotly bundle in the exe.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
# WhiteNoise's default "Access-Control-Allow-Origin: *" would let any web page
# read our files; only our own pages need them.
WHITENOISE_ALLOW_ALL_ORIGINS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "filters": {
        "route_not_path": {"()": "exams.middleware.RedactRequestPath"},
    },
    "handlers": {
        "file": {
            "class": "logging.handlers.RotatingFileHandler",
            "filename": str(DATA_DIR / "tatviz.log"),
            "maxBytes": 2_000_000,
            "backupCount": 2,
            "formatter": "plain",
            "encoding": "utf-8",
        },
    },
    "root": {"handlers": ["file"], "level": "INFO"},
    # Request logs would carry filter values (physician names): keep them out.
    "loggers": {
        "django.request": {
            "handlers": ["file"],
            "level": "ERROR",
            "propagate": False,
            "filters": ["route_not_path"],
        },
        "waitress": {"handlers": ["file"], "level": "WARNING", "propagate": False},
    },
}

CSRF_FAILURE_VIEW = "exams.views.errors.csrf_failure"
