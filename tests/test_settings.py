"""Settings from the environment: production refuses to start without secrets and passes check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "CACHE_URL",
            "SECRET_KEY",
            "FIELD_ENCRYPTION_KEY",
            "DEBUG",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            # pytest-django exports the test settings module; these tests are about the real settings.
            "DJANGO_SETTINGS_MODULE",
        }
    }
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


SECRET = "x7" * 20 + "production-secret-key-for-tests-only"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "false"}, "SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": SECRET}, "FIELD_ENCRYPTION_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": SECRET, "FIELD_ENCRYPTION_KEY": "not-a-key"}, "Fernet"),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
    ],
)
def test_production_refuses_to_start_without_real_secrets(env, message):
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_check_deploy_has_no_warnings():
    result = run_manage(
        "check", "--deploy", DEBUG="false", SECRET_KEY=SECRET, FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode()
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_email_url_parsing(tmp_path):
    from portal.env import email_settings

    smtp = email_settings("smtp+tls://user%40x:p%40ss@mail.example:2525", var_dir=tmp_path)
    assert smtp["EMAIL_HOST"] == "mail.example" and smtp["EMAIL_PORT"] == 2525
    assert smtp["EMAIL_HOST_USER"] == "user@x" and smtp["EMAIL_HOST_PASSWORD"] == "p@ss" and smtp["EMAIL_USE_TLS"]
    assert email_settings("", var_dir=tmp_path)["EMAIL_FILE_PATH"] == str(tmp_path / "outbox")
    assert email_settings("console://", var_dir=tmp_path)["EMAIL_BACKEND"].endswith("console.EmailBackend")


def test_database_and_broker_switch_from_environment():
    code = "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)"
    default = run_manage("shell", "-c", code)
    assert "sqlite3 filesystem://" in default.stdout, default.stderr
    prod = run_manage(
        "shell",
        "-c",
        code,
        DATABASE_URL="postgres://u@db.example:5432/recourse",
        REDIS_URL="redis://cache.example:6379/0",
    )
    assert "postgresql redis://cache.example:6379/0" in prod.stdout, prod.stderr


@pytest.mark.slow
def test_fresh_checkout_settings_touch_no_disk_and_each_folder_appears_where_it_is_used(tmp_path):
    var = tmp_path / "var"
    loaded = run_manage("shell", "-c", "from django.conf import settings; print(settings.VAR_DIR)", VAR_DIR=str(var))
    assert loaded.returncode == 0 and str(var) in loaded.stdout, loaded.stderr
    assert not var.exists()

    migrated = run_manage("migrate", "--noinput", "-v", "0", VAR_DIR=str(var))
    assert migrated.returncode == 0, migrated.stderr
    assert (var / "recourse.sqlite3").is_file()

    # The folder broker's folders appear when the Celery app is first used, in whichever process that is.
    used = run_manage("shell", "-c", "from portal.celery import app; print(app.conf.broker_url)", VAR_DIR=str(var))
    assert "filesystem://" in used.stdout, used.stderr
    assert all((var / "broker" / sub).is_dir() for sub in ("queue", "processed", "control"))
