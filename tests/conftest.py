"""Shared fixtures: fast password hashing, generated images, users per role, and a real Celery worker.

The ``celery_worker_process`` fixture starts ``celery -A portal worker`` as a separate process against the
same test database and broker the tests use (PostgreSQL + Redis in CI's second run, SQLite + the folder
broker on the embedded default), for the tests marked ``integration``.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(autouse=True)
def _fast_hashers(settings):
    # PBKDF2 at Django's production cost would make every access-code check take ~0.3 s in tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_automatic_fetches(settings):
    # Cases in most tests carry made-up URLs: checking them would reach for the outside world. Verification
    # tests turn this back on with URLs served by their own local server.
    settings.VERIFY_LOCATIONS = False


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    # Never FLUSHDB the database the broker's queues live in.
    if not settings.REDIS_URL or settings.CACHE_URL != settings.REDIS_URL:
        cache.clear()


def make_photo_like(width: int = 640, height: int = 480, seed: int = 1, fmt: str = "JPEG", **save) -> bytes:
    """A generated, photograph-like image (smooth shapes + texture + noise), never a picture of a person."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    img = np.zeros((height, width, 3), np.float32)
    for channel in range(3):
        fx, fy = rng.uniform(0.002, 0.02, 2).tolist()
        phase = rng.uniform(0, 6.28)
        img[..., channel] = 128 + 90 * np.sin(x * fx + phase) * np.cos(y * fy + phase * 0.5)
    for _ in range(12):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.uniform(0.05, 0.25) * min(width, height)
        mask = (x - cx) ** 2 + (y - cy) ** 2 < r**2
        img[mask] = img[mask] * 0.4 + rng.uniform(0, 255, 3) * 0.6
    img += rng.normal(0, 8, img.shape)
    out = io.BytesIO()
    image = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    if fmt == "JPEG":
        save.setdefault("quality", 90)
    image.save(out, fmt, **save)
    return out.getvalue()


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


def _worker_database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


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
def celery_worker_process(django_db_setup, django_db_blocker, smtp_server):
    """A real ``celery -A portal worker`` process consuming both queues, against the test database."""
    from portal.celery import app

    env = dict(os.environ)
    env.update(
        DATABASE_URL=_worker_database_url(),
        VAR_DIR=str(settings.VAR_DIR),
        RECOURSE_TESTING="1",
        CELERY_TASK_ALWAYS_EAGER="false",
        FETCH_ALLOW_PRIVATE_ADDRESSES="true",
        VERIFY_LOCATIONS="true",
        EMAIL_URL=smtp_server.url,
        PYTHONPATH=str(ROOT),
    )
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    log_path = ARTIFACTS / "celery-worker.log"
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - kept open for the worker's lifetime
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
    app.conf.task_always_eager = False
    try:
        yield proc
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def wait_for(predicate, *, timeout: float = 60.0, interval: float = 0.25, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    log = ARTIFACTS / "celery-worker.log"
    tail = log.read_text()[-3000:] if log.exists() else "(no worker log)"
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}. Worker log tail:\n{tail}")
