"""Settings for the test suite: the production settings (portal/settings/) plus what tests need.

Named in pyproject.toml (``DJANGO_SETTINGS_MODULE``) for pytest, and passed to the Celery worker process that
the integration tests start, so both run with the same configuration. Environment variables still apply, so
CI's second run switches this to PostgreSQL and Redis with ``DATABASE_URL``/``REDIS_URL``/``CACHE_URL``.
"""

from __future__ import annotations

import os
from pathlib import Path

# portal.settings derives every embedded-default path (SQLite, broker folders, cache, outbox) from VAR_DIR
# when it is imported, so the tests' own folder must be in the environment first: tests never share files
# with `make run` (var/run). An explicit VAR_DIR (the worker process gets one) still wins.
os.environ.setdefault("VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))
# Under pytest-xdist each test process gets a folder of its own (database file, broker folders, file cache):
# two processes sharing a folder broker would take each other's tasks. The controller process has set VAR_DIR
# in the environment the test processes inherit, so the worker's name is added here unless it is there already
# (the integration tests' Celery worker inherits the finished path).
if os.environ.get("PYTEST_XDIST_WORKER") and Path(os.environ["VAR_DIR"]).name != os.environ["PYTEST_XDIST_WORKER"]:
    os.environ["VAR_DIR"] = str(Path(os.environ["VAR_DIR"]) / os.environ["PYTEST_XDIST_WORKER"])

# The suite runs in development mode (production is the default); tests/test_settings.py checks production
# settings in subprocesses. Staff 2FA follows DEBUG (off here): its own tests switch it on.
os.environ.setdefault("DEBUG", "true")

from portal.settings import *  # noqa: F403
from portal.settings import DATABASES, STORAGES, VAR_DIR, env

# Unit tests run tasks in-process; the integration worker fixture switches this off for its tests, and the
# worker process itself is started with CELERY_TASK_ALWAYS_EAGER=false.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", True)

# PBKDF2 at Django's production cost would make every access-code check take ~0.3 s.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "takedowns.hashers.AccessCodeHasher"]

# Tests render pages without running collectstatic first, even with DEBUG=false in the environment: no
# manifest, and WhiteNoise looks STATIC_ROOT up per request instead of warning that it does not exist yet.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"] == "portal.sqlite3":
    # A file, not memory, so that the real worker process of the integration tests opens the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-recourse.sqlite3")}
