"""Shared fixtures: a private-storage folder per test, users per role, a local SMTP server and a real Celery
worker. Plain helpers (generated pictures, the intake walk, ``wait_for``) are in tests/utils.py.

The tests run with portal/settings_test.py (named in pyproject.toml). The ``celery_worker_process`` fixture
starts ``celery -A portal worker`` as a separate process with the same settings module, against the same test
database and broker the tests use (PostgreSQL + Redis in CI's second run, SQLite + the folder broker on the
embedded default), for the tests marked ``integration``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests.utils import ARTIFACTS, ROOT, WORKER_LOG, make_photo_like, worker_database_url


@pytest.fixture(autouse=True)
def _no_automatic_fetches(settings):
    # Cases in most tests carry made-up URLs: checking them would reach for the outside world. Verification
    # tests turn this back on with URLs served by their own local server.
    settings.VERIFY_LOCATIONS = False
    settings.IDENTIFY_HOSTS = False  # host lookups would ask a real DNS resolver; tests/takedowns/test_hosts.py


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    # Never FLUSHDB the database the broker's queues live in.
    if not settings.REDIS_URL or settings.CACHE_URL != settings.REDIS_URL:
        cache.clear()


@pytest.fixture(autouse=True)
def private_storage(request, settings, tmp_path) -> Path:
    """Every test stores reference images in a folder of its own, so a test can list exactly what it stored
    and no test sees another's files. Tests with the real worker use the folder that process was started with.
    """
    if "celery_worker_process" in request.fixturenames:
        root = request.getfixturevalue("worker_private_storage")
    else:
        root = tmp_path / "private"
    # The storage reads this setting lazily and again whenever it changes (takedowns/storage.py).
    settings.PRIVATE_STORAGE_ROOT = root
    return root


@pytest.fixture
def photo_bytes() -> bytes:
    return make_photo_like()


@pytest.fixture
def platforms(db):
    from takedowns.models import Platform

    return {p.slug: p for p in Platform.objects.all()}


@pytest.fixture
def advocate(db):
    from takedowns.services.users import portal_user_create_or_update

    return portal_user_create_or_update(
        role="advocate", email="advocate@example.org", password="correct-horse-battery", validate=False
    ).user


@pytest.fixture
def reddit_staff(db):
    from takedowns.services.users import portal_user_create_or_update

    return portal_user_create_or_update(
        role="platform",
        email="trust@reddit.example",
        password="correct-horse-battery",
        platform_slug="reddit",
        validate=False,
    ).user


@pytest.fixture
def x_staff(db):
    from takedowns.services.users import portal_user_create_or_update

    return portal_user_create_or_update(
        role="platform", email="safety@x.example", password="correct-horse-battery", platform_slug="x", validate=False
    ).user


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def server(settings):
    """A local HTTP site on 127.0.0.1 (tests.local_http.LocalServer) that the fetcher may reach in this test
    (loopback addresses are refused otherwise). Modules that need more set it up themselves."""
    from tests.local_http import LocalServer

    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True
    s = LocalServer().start()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server on 127.0.0.1, shared by the session (the worker process sends to it too)."""
    from tests.smtp_server import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server, settings):
    """Django in this process sends through the local SMTP server; its inbox starts empty."""
    smtp_server.messages.clear()
    smtp_server.handler.refuse_with = None
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return smtp_server


@pytest.fixture(scope="session")
def worker_private_storage(tmp_path_factory) -> Path:
    """The private-storage folder of the worker process, shared with the tests that use that worker."""
    return tmp_path_factory.mktemp("worker-private")


@pytest.fixture(scope="session")
def _celery_worker(django_db_setup, django_db_blocker, smtp_server, worker_private_storage):
    """One ``celery -A portal worker`` process for the session, consuming both queues."""
    env = dict(os.environ)
    env.update(
        # The settings module this run uses (pyproject.toml's, or --ds), so the worker is configured alike.
        DJANGO_SETTINGS_MODULE=settings.SETTINGS_MODULE,
        DATABASE_URL=worker_database_url(),
        VAR_DIR=str(settings.VAR_DIR),
        PRIVATE_STORAGE_ROOT=str(worker_private_storage),
        CELERY_TASK_ALWAYS_EAGER="false",
        FETCH_ALLOW_PRIVATE_ADDRESSES="true",
        VERIFY_LOCATIONS="true",
        IDENTIFY_HOSTS="false",  # the made-up hosts of integration cases must not reach a real resolver
        EMAIL_URL=smtp_server.url,
        PYTHONPATH=str(ROOT),
    )
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(WORKER_LOG, "w")  # noqa: SIM115 - kept open for the worker's lifetime
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            "hashing,io",
            "--concurrency",
            "1",
            "--pool",
            "prefork",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
            "-n",
            f"test-{uuid.uuid4().hex[:6]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def celery_worker_process(_celery_worker):
    """The real worker, with this process sending tasks to it instead of running them eagerly — for this test
    only: eager mode is restored when the test ends, so the tests after it run as they would alone."""
    from portal.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield _celery_worker
    finally:
        app.conf.task_always_eager = eager
