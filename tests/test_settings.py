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


# A real operator: production refuses the demo placeholders (issue 10).
OPERATOR = {
    "OPERATOR_NAME": "Helpline Ltd",
    "OPERATOR_POSTAL_ADDRESS": "PO Box 7, Leeds LS1 1AA, United Kingdom",
    "OPERATOR_EMAIL": "notices@helpline.test",
    "OPERATOR_PHONE": "+44 113 000 0000",
    "OPERATOR_WEBSITE": "https://helpline.test",
    "PUBLIC_BASE_URL": "https://recourse.helpline.test",
    "RELAY_EMAIL_DOMAIN": "relay.helpline.test",
}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OPERATOR_NAME", None),
        ("OPERATOR_POSTAL_ADDRESS", None),
        ("OPERATOR_PHONE", None),
        ("OPERATOR_WEBSITE", "https://helpline.example.org"),
        ("PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
        ("RELAY_EMAIL_DOMAIN", "relay.recourse.localhost"),
    ],
)
def test_production_refuses_placeholder_operator_and_addresses(name, value):
    env = {k: v for k, v in OPERATOR.items() if not (k == name and value is None)}
    if value is not None:
        env[name] = value
    result = run_manage(
        "check", DEBUG="false", SECRET_KEY=SECRET, FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(), **env
    )
    assert result.returncode != 0
    assert "placeholder" in result.stderr and name in result.stderr


def test_check_deploy_has_no_warnings():
    result = run_manage(
        "check",
        "--deploy",
        DEBUG="false",
        SECRET_KEY=SECRET,
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        **OPERATOR,
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
