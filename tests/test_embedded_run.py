"""`make run` stops cleanly: SIGTERM (a service manager, a container runtime) or SIGINT (Ctrl-C) to the launcher
ends every process it started — gunicorn's master and workers, the Celery worker and its pool, beat — within
10 seconds, and frees the port.

The launcher is started as `make run` starts it (``python -m portal.embedded``, after ``manage.py migrate``) on
the embedded default (SQLite and the folder broker in a temporary VAR_DIR) on a free loopback port, in a session
of its own: every process it starts stays in that session, so the session's members are exactly what must go.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STOP_LIMIT = 10.0
START_LIMIT = 240.0  # a cold start on a busy shared 2-core machine

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _session_members(sid: int) -> dict[int, tuple[str, str]]:
    """Live (not zombie) processes of the session: pid -> (start time, command line)."""
    members = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # ended while we looked
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, pgrp, session, ...
        if int(fields[3]) == sid and fields[0] != "Z":
            members[int(entry)] = (fields[19], cmdline.strip())
    return members


def _embedded_env(var_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "CELERY_TASK_ALWAYS_EAGER", "EMAIL_URL"}
    }
    env.update(DEBUG="true", DJANGO_SETTINGS_MODULE="portal.settings", VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1")
    return env


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.headers, response.read()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc (Linux)")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_make_run_serves_through_gunicorn_and_stops_every_process(tmp_path, signum):
    env = _embedded_env(tmp_path / "var")
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=START_LIMIT,
    )
    assert migrate.returncode == 0, migrate.stderr
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    log_path = tmp_path / "embedded.log"
    with open(log_path, "w") as log:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "portal.embedded", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    sid = launcher.pid
    try:
        deadline = time.monotonic() + START_LIMIT
        status = headers = None
        while time.monotonic() < deadline and launcher.poll() is None:
            try:
                status, headers, _ = _get(base + "healthz")
                if status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        assert status == 200, log_path.read_text()[-3000:]
        # The production-grade server, and WhiteNoise serving the static files without collectstatic.
        assert headers["Server"].startswith("gunicorn"), headers["Server"]
        css_status, _, css = _get(base + "static/recourse/css/recourse.css")
        assert css_status == 200 and css

        members = _session_members(sid)
        commands = " | ".join(cmd for _, cmd in members.values())
        assert "gunicorn" in commands and "celery -A portal worker" in commands, commands
        assert "celery -A portal beat" in commands, commands
        gunicorn_processes = [pid for pid, (_, cmd) in members.items() if "gunicorn" in cmd]
        assert len(gunicorn_processes) >= 2, commands  # the master and at least one worker

        # The banner: where to go and how to sign in, printed once the web server answers.
        banner_deadline = time.monotonic() + 30
        while f"Recourse is running: {base}" not in log_path.read_text() and time.monotonic() < banner_deadline:
            time.sleep(0.2)
        assert "advocate@demo.recourse.test" in log_path.read_text()

        started = time.monotonic()
        launcher.send_signal(signum)
        while time.monotonic() - started < STOP_LIMIT + 2:
            launcher.poll()  # reap the launcher, which is this test's child
            if not _session_members(sid):
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        survivors = _session_members(sid)
        assert not survivors, f"still running after {elapsed:.1f} s: {survivors}"
        assert elapsed <= STOP_LIMIT, f"every process ended, but only after {elapsed:.1f} s"
        # Nothing that was there before the signal lives on elsewhere (same pid and start time).
        for pid, (start_time, cmd) in members.items():
            assert _start_time_of(pid) != start_time, f"{pid} ({cmd}) survived"
        # The port is free again: nothing accepts connections, and a new server could listen on it.
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0
        with socket.socket() as listener:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", port))
            listener.listen()
    finally:
        for pid in _session_members(sid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        launcher.wait(timeout=10)


def _start_time_of(pid: int) -> str | None:
    """The start time of a live process with this pid, or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else fields[19]
