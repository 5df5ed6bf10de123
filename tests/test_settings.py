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
            "EMAIL_URL",
            "ADMIN_PATH",
            "STAFF_2FA_REQUIRED",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            # pytest-django exports the test settings module; these tests are about the real settings.
            "DJANGO_SETTINGS_MODULE",
        }
    }
    base.update(env)
    if args and args[0] == "shell":
        args = ("shell", "-v", "0", *args[1:])  # no "N objects imported automatically" on stdout
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def python_probe(tmp_path, code: str, *, own_session: bool = False, **env: str) -> subprocess.CompletedProcess:
    """``python -c code`` in development settings with a VAR_DIR of its own, as a fresh server process."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **os.environ,
            "DEBUG": "true",
            "VAR_DIR": str(tmp_path / "var"),
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=own_session,
    )


SECRET = "Vq3-xT9pLk2mW8rZ4nB6yH1cJ5dF7gS0aE_uI2oP9tR3wQ8eK4lM6zX1vC5bN7hG"
# A real operator: production refuses the demo placeholders.
OPERATOR = {
    "OPERATOR_NAME": "Helpline Ltd",
    "OPERATOR_POSTAL_ADDRESS": "PO Box 7, Leeds LS1 1AA, United Kingdom",
    "OPERATOR_EMAIL": "notices@helpline.test",
    "OPERATOR_PHONE": "+44 113 000 0000",
    "OPERATOR_WEBSITE": "https://helpline.test",
    "PUBLIC_BASE_URL": "https://recourse.helpline.test",
    "RELAY_EMAIL_DOMAIN": "relay.helpline.test",
}

FIELD_KEY = Fernet.generate_key().decode()
# What a correct production configuration looks like; each refusal test spoils one value.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": SECRET,
    "FIELD_ENCRYPTION_KEY": FIELD_KEY,
    "EMAIL_URL": "smtp+tls://notices:Zr8-unguessable-4kQ@smtp.internal:587",
    "ADMIN_PATH": "k7-back-office/",
    **OPERATOR,
}


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
    env = {k: v for k, v in PRODUCTION.items() if not (k == name and value is None)}
    if value is not None:
        env[name] = value
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "placeholder" in result.stderr and name in result.stderr


# A whole deployment's environment, as docker-compose.yml and .env.example set it up: PostgreSQL and Redis, the
# host names, a TLS-terminating proxy whose forwarded headers are believed.
DEPLOYMENT = {
    **PRODUCTION,
    "ALLOWED_HOSTS": "recourse.helpline.test",
    "CSRF_TRUSTED_ORIGINS": "https://recourse.helpline.test",
    "DATABASE_URL": "postgres://recourse:Tq9-unguessable-db-7Lm@db.internal:5432/recourse",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "CACHE_URL": "redis://redis.internal:6379/1",
    "BEHIND_TLS_PROXY": "true",
    "TRUSTED_PROXIES": "172.28.0.2",
    "DEFAULT_FROM_EMAIL": "Helpline <notices@helpline.test>",
}


@pytest.mark.parametrize("env", [PRODUCTION, DEPLOYMENT], ids=["minimal", "deployment"])
def test_check_deploy_has_no_warnings(env):
    # --fail-level WARNING: a warning fails the command too, not only an error. Nothing is silenced
    # (SILENCED_SYSTEM_CHECKS is empty): every deployment check applies and passes.
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_check_deploy_would_catch_a_weakened_setting():
    """The check above can fail: switching off one protection makes it report the deployment warning."""
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **DEPLOYMENT, SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0 and "security.W004" in result.stderr + result.stdout


def test_email_url_parsing(tmp_path):
    from portal.env import email_settings

    smtp = email_settings("smtp+tls://user%40x:p%40ss@mail.example:2525", var_dir=tmp_path)
    assert smtp["EMAIL_HOST"] == "mail.example" and smtp["EMAIL_PORT"] == 2525
    assert smtp["EMAIL_HOST_USER"] == "user@x" and smtp["EMAIL_HOST_PASSWORD"] == "p@ss" and smtp["EMAIL_USE_TLS"]
    assert email_settings("", var_dir=tmp_path)["EMAIL_FILE_PATH"] == str(tmp_path / "outbox")
    assert email_settings("console://", var_dir=tmp_path)["EMAIL_BACKEND"].endswith("console.EmailBackend")


def test_database_and_broker_switch_from_environment():
    code = "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)"
    default = run_manage("shell", "-c", code, DEBUG="true")
    assert "sqlite3 filesystem://" in default.stdout, default.stderr
    prod = run_manage(
        "shell",
        "-c",
        code,
        DATABASE_URL="postgres://u@db.example:5432/recourse",
        REDIS_URL="redis://cache.example:6379/0",
        DEBUG="true",
    )
    assert "postgresql redis://cache.example:6379/0" in prod.stdout, prod.stderr


def test_redis_visibility_timeout_outlasts_every_task_and_every_retry_back_off():
    # A message is redelivered after the visibility timeout even while its task still runs or waits for its
    # retry countdown: the timeout must be longer than both, or work is done twice (tests/faults).
    code = (
        "from django.conf import settings as s; from portal.celery import app; import takedowns.tasks; "
        "limits = [t.time_limit or s.CELERY_TASK_TIME_LIMIT "
        "for n, t in app.tasks.items() if n.startswith('takedowns.')]; "
        "back_off = max(s.DELIVERY_RETRY_BASE_SECONDS * 2 ** (s.NOTICE_SEND_MAX_RETRIES - 1), "
        "30 * 2 ** (s.VERIFY_MAX_RETRIES - 1)); "
        "print(s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'], max(limits), back_off)"
    )
    result = run_manage("shell", "-c", code, REDIS_URL="redis://cache.example:6379/0", DEBUG="true")
    visibility, longest_task, longest_back_off = map(int, result.stdout.split())
    assert (visibility, longest_task, longest_back_off) == (3600, 960, 960), result.stderr
    assert visibility > max(longest_task, longest_back_off)


def test_a_worker_on_the_folder_broker_looks_again_within_a_tenth_of_a_second(tmp_path):
    # The folder broker is polled: a worker that can take nothing (queue empty, or its pool busy with the
    # messages it took) sleeps this long. Kombu's 1 s held a busy worker to two tasks a second (the embedded
    # load run: benchmarks/RESULTS.md). Read from the transport the worker actually connects with.
    code = (
        "import django; django.setup(); from portal.celery import app; "
        "print(app.connection_for_read().transport.polling_interval)"
    )
    assert python_probe(tmp_path, code).stdout.split() == ["0.1"]
    assert python_probe(tmp_path, code, BROKER_POLLING_INTERVAL="0.5").stdout.split() == ["0.5"]
    mistyped = python_probe(tmp_path, code, BROKER_POLLING_INTERVAL="fast")
    assert mistyped.returncode != 0 and "BROKER_POLLING_INTERVAL must be a number" in mistyped.stderr


@pytest.mark.slow
def test_fresh_checkout_settings_touch_no_disk_and_each_folder_appears_where_it_is_used(tmp_path):
    var = tmp_path / "var"
    loaded = run_manage(
        "shell", "-c", "from django.conf import settings; print(settings.VAR_DIR)", VAR_DIR=str(var), DEBUG="true"
    )
    assert loaded.returncode == 0 and str(var) in loaded.stdout, loaded.stderr
    assert not var.exists()

    migrated = run_manage("migrate", "--noinput", "-v", "0", VAR_DIR=str(var), DEBUG="true")
    assert migrated.returncode == 0, migrated.stderr
    assert (var / "recourse.sqlite3").is_file()

    # The folder broker's folders appear when the Celery app is first used, in whichever process that is.
    used = run_manage(
        "shell", "-c", "from portal.celery import app; print(app.conf.broker_url)", VAR_DIR=str(var), DEBUG="true"
    )
    assert "filesystem://" in used.stdout, used.stderr
    assert all((var / "broker" / sub).is_dir() for sub in ("queue", "processed", "control"))


def _dev_field_key(secret: str) -> str:
    import base64
    import hashlib

    return base64.urlsafe_b64encode(hashlib.sha256(b"recourse-field-key:" + secret.encode()).digest()).decode()


def test_production_is_the_default_and_development_is_asked_for():
    code = "from django.conf import settings as s; print(s.DEBUG, s.STAFF_2FA_REQUIRED, s.DEV_OUTBOX_ENABLED)"
    # No DEBUG at all: production, which refuses to start without its secrets.
    bare = run_manage("shell", "-c", code)
    assert bare.returncode != 0 and "SECRET_KEY" in bare.stderr
    production = run_manage("shell", "-c", code, **{k: v for k, v in PRODUCTION.items() if k != "DEBUG"})
    assert production.stdout.split() == ["False", "True", "False"], production.stderr
    development = run_manage("shell", "-c", code, DEBUG="true")
    assert development.stdout.split() == ["True", "False", "True"], development.stderr


@pytest.mark.parametrize(
    ("spoilt", "message"),
    [
        ({"EMAIL_URL": "file:///tmp/outbox"}, "EMAIL_URL must be an SMTP server"),
        ({"EMAIL_URL": "console://"}, "EMAIL_URL must be an SMTP server"),
        ({"EMAIL_URL": ""}, "EMAIL_URL must be an SMTP server"),  # unset = the development outbox
        ({"EMAIL_URL": "smtp://notices:change-me@smtp.internal:25"}, "EMAIL_URL has a placeholder password"),
        ({"SECRET_KEY": "change-me-" * 6}, "SECRET_KEY is a placeholder"),
        ({"SECRET_KEY": "django-insecure-" + "k" * 3 + SECRET}, "SECRET_KEY is a placeholder"),
        ({"FIELD_ENCRYPTION_KEY": _dev_field_key(SECRET)}, "derived from SECRET_KEY"),
        # The key the Dockerfile used to build with: 32 readable characters, typed rather than generated.
        (
            {"FIELD_ENCRYPTION_KEY": "YnVpbGQtb25seS1ub3QtYS1zZWNyZXQtMDEyMzQ1Njc="},
            "FIELD_ENCRYPTION_KEY is a placeholder",
        ),
        ({"DATABASE_URL": "postgres://recourse:change-me@db:5432/recourse"}, "DATABASE_URL has a placeholder"),
        ({"ADMIN_PATH": "admin/"}, "ADMIN_PATH must not be the default"),
        ({"ADMIN_PATH": ""}, "ADMIN_PATH must not be the default"),
        ({"STAFF_2FA_REQUIRED": "false"}, "STAFF_2FA_REQUIRED=false is for development only"),
    ],
)
def test_production_refuses_placeholders_and_development_mail(spoilt, message):
    result = run_manage("check", **{**PRODUCTION, **spoilt})
    assert result.returncode != 0
    assert message in result.stderr, result.stderr[-2000:]


def _env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def test_the_env_example_as_shipped_is_refused_even_with_real_secrets_filled_in():
    shipped = {k: v for k, v in _env_example().items() if k not in {"VAR_DIR"}}
    as_is = run_manage("check", **shipped)
    assert as_is.returncode != 0 and "SECRET_KEY" in as_is.stderr
    filled = run_manage("check", **{**shipped, "SECRET_KEY": SECRET, "FIELD_ENCRYPTION_KEY": FIELD_KEY})
    assert filled.returncode != 0
    assert "DATABASE_URL has a placeholder password" in filled.stderr, filled.stderr[-2000:]
    assert "EMAIL_URL has a placeholder password" in filled.stderr


def test_admin_lives_at_the_configured_path_in_production():
    code = "from django.urls import reverse; print(reverse('admin:index'))"
    result = run_manage("shell", "-c", code, **PRODUCTION)
    assert result.stdout.strip() == "/k7-back-office/", result.stderr


def test_every_process_writes_files_for_its_owner_only(tmp_path):
    """manage.py (web in development, commands), WSGI (gunicorn) and the Celery app (worker, beat) set umask 077:
    a file saved through the storage and a folder made along the way have no group or other bits."""
    var = tmp_path / "var"
    code = (
        "import os, stat; from pathlib import Path; from django.conf import settings;"
        "from django.core.files.storage import default_storage; from django.core.files.base import ContentFile;"
        "name = default_storage.save('a/b/file', ContentFile(b'x'));"
        "root = Path(settings.PRIVATE_STORAGE_ROOT);"
        "plain = Path(settings.VAR_DIR) / 'plain' / 'note.txt';"
        "plain.parent.mkdir(parents=True); plain.write_text('x');"
        "paths = (root / name, (root / name).parent, plain, plain.parent);"
        "print(*(oct(stat.S_IMODE(p.stat().st_mode)) for p in paths))"
    )
    result = run_manage("shell", "-c", code, DEBUG="true", VAR_DIR=str(var))
    modes = result.stdout.split()
    assert modes == ["0o600", "0o700", "0o600", "0o700"], result.stderr

    for module in ("portal.wsgi", "portal.celery"):
        probe = python_probe(tmp_path, f"import os, {module}; print(oct(os.umask(0)))")
        assert probe.stdout.strip() == "0o77", (module, probe.stderr)


def test_a_web_process_loads_its_views_translations_and_templates_before_its_first_request(tmp_path):
    """portal.wsgi warms the process up (portal/warmup.py): the first visitor after a start no longer pays for
    importing every view, reading the catalogues and compiling the templates (~250 ms on the load run's
    machine, in every process at once)."""
    code = (
        "import sys, portal.wsgi; from django.template import engines;"
        "from django.forms.renderers import get_default_renderer; from django.utils.translation import trans_real;"
        "pages = engines['django'].engine.template_loaders[0].get_template_cache;"
        "widgets = get_default_renderer().engine.engine.template_loaders[0].get_template_cache;"
        "print('takedowns.web.urls' in sys.modules, 'takedowns.api.urls' in sys.modules,"
        " all(n in pages for n in ('base.html', 'takedowns/intake/who.html', 'bootstrap5/field.html')),"
        " 'django/forms/widgets/radio.html' in widgets, sorted(trans_real._translations))"
    )
    probe = python_probe(tmp_path, code)
    assert probe.stdout.split() == ["True", "True", "True", "True", "['en',", "'es']"], probe.stderr


def test_embedded_run_is_development_mode_with_private_files():
    code = (
        "import os; from portal.embedded import _development_process_defaults as d; d();"
        "print(os.environ['DEBUG'], oct(os.umask(0)))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    probe = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert probe.stdout.split() == ["true", "0o77"], probe.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("FETCH_ALLOW_PRIVATE_ADDRESSES", "true", "FETCH_ALLOW_PRIVATE_ADDRESSES"),
        ("AXES_ENABLED", "false", "AXES_ENABLED"),
        ("TRUSTED_PROXIES", "0.0.0.0/0", "TRUSTED_PROXIES"),
        ("TRUSTED_PROXIES", "172.28.0.2,::/0", "TRUSTED_PROXIES"),
        ("TRUSTED_PROXIES", "0.0.0.0/1,128.0.0.0/1", "TRUSTED_PROXIES"),
        ("SECURE_HSTS_SECONDS", "0", "SECURE_HSTS_SECONDS"),
    ],
)
def test_production_refuses_development_switches(name, value, message):
    result = run_manage("check", **{**DEPLOYMENT, name: value})
    assert result.returncode != 0
    assert message in result.stderr + result.stdout and "recourse.E101" in result.stderr + result.stdout


def test_gunicorn_entry_point_refuses_development_switches():
    """gunicorn runs no system checks: importing the WSGI application refuses by itself."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}}
    env.update(DEPLOYMENT, AXES_ENABLED="false")
    result = subprocess.run(
        [sys.executable, "-c", "import portal.wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "AXES_ENABLED" in result.stderr


def test_development_switches_are_allowed_in_debug():
    from types import SimpleNamespace

    from portal.production_checks import production_refusals

    relaxed = SimpleNamespace(
        DEBUG=True, FETCH_ALLOW_PRIVATE_ADDRESSES=True, AXES_ENABLED=False, TRUSTED_PROXIES=["0.0.0.0/0"]
    )
    assert production_refusals(relaxed) == []
    strict = SimpleNamespace(DEBUG=False, TRUSTED_PROXIES=["173.245.48.0/20", "2400:cb00::/32"], SECURE_HSTS_SECONDS=60)
    assert production_refusals(strict) == []


def _worker_priority_probe(tmp_path, *, own_session: bool) -> tuple[int, int, int]:
    """A process that runs the Celery worker's start-up hook with WORKER_NICE=7, in a session of its own or in
    this one; returns its autogroup's nice value before, then its own nice value and its autogroup's after."""
    code = (
        "import os, django; django.setup();"
        "read = lambda: (open('/proc/self/autogroup').read().split() or ['none'])[-1];"
        "before = read();"
        "from portal.celery import _yield_the_cores_to_the_web; _yield_the_cores_to_the_web();"
        "print(before, os.nice(0), read())"
    )
    probe = python_probe(tmp_path, code, own_session=own_session, WORKER_NICE="7")
    assert probe.returncode == 0, probe.stderr
    before, nice, after = probe.stdout.split()
    if before == "none":
        # An empty read: the kernel shows no autogroup for this process (its default one, which stands for no
        # autogroup, or a sandboxed kernel that keeps none, as on CI's machine): no session priority to lower.
        pytest.skip("/proc/self/autogroup is empty here: this process has no autogroup to lower")
    return int(before), int(nice), int(after)


@pytest.mark.skipif(not Path("/proc/self/autogroup").exists(), reason="no autogroup scheduling on this kernel")
def test_a_worker_in_a_session_of_its_own_yields_the_cores_to_the_web(tmp_path):
    """With autogroup scheduling, Linux shares the cores between sessions before nice values count: a worker
    that leads its own session (started by a supervisor, a shell or the load run) lowers its session's priority
    as well as its own; one sharing a session with others (`make run`'s web server) leaves the session's alone."""
    before, nice, after = _worker_priority_probe(tmp_path, own_session=True)
    assert nice >= 7
    assert after == max(before, 7)

    before, nice, after = _worker_priority_probe(tmp_path, own_session=False)
    assert nice >= 7
    assert after == before  # this test's own session (the web server's, under `make run`) keeps its priority
