"""`make run`: gunicorn, a Celery worker and Celery beat together, on the embedded default.

Real processes, as in production — the same WSGI server (gunicorn, with WhiteNoise serving the static files),
worker and beat — but on a broker that needs no server (a local folder) and SQLite. Background work and
scheduled jobs really run in the background; nothing is executed eagerly.

Stopping: SIGTERM (a service manager, a container runtime, `make` passing it on), SIGINT (Ctrl-C) or SIGHUP
(the terminal closed) asks every process to finish; whatever is still running after ``STOP_GRACE`` seconds is
killed, process tree and all, so the whole of `make run` is gone within 10 seconds.

    python -m portal.embedded [--host 127.0.0.1] [--port 8000] [--workers 2] [--threads 4]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

# Seconds between asking the processes to stop and killing what is left: gunicorn's own graceful timeout is
# shorter, a Celery worker finishing a long task may not be (its task is redelivered: tasks acknowledge late).
# Leaving a process that imported Django, NumPy, OpenCV and FAISS takes a CPU-second or more by itself; on a
# busy 2-core machine, with all of them exiting at once, that alone was measured at up to 7 s.
STOP_GRACE = 6.0
GUNICORN_GRACEFUL_TIMEOUT = 3
# SQLite takes one writer at a time, so more web processes only queue at its lock; a few threads each let slow
# requests (uploads, the intake's last step) overlap their reading, rendering and network time. Measured with
# benchmarks/load/run.py embedded (40 victims) on 2 cores: see docs/DECISIONS.md.
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4
KEEPALIVE_SECONDS = 75
_PR_SET_PDEATHSIG = 1


def _development_process_defaults() -> None:
    # `make run` and the demo are development mode, asked for explicitly (production is the default); files
    # written by any of the processes are readable by their owner only (they inherit the umask).
    os.environ.setdefault("DEBUG", "true")
    os.umask(0o077)


def _prepare_folders() -> None:
    # Beat keeps its schedule file in VAR_DIR and opens it before any hook of ours could run. The database,
    # broker, cache, outbox and storage folders are created by whatever writes to them.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.conf import settings

    Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent.mkdir(parents=True, exist_ok=True)


def _die_with_launcher() -> None:
    # Runs in each child between fork and exec: if the launcher itself is killed outright (SIGKILL, OOM), the
    # kernel sends the child SIGTERM, so no server is left holding the port and the database. Linux only.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def commands(host: str, port: str, workers: int, threads: int) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "web": [
            python,
            "-m",
            "gunicorn",
            "-c",
            "portal/gunicorn.conf.py",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--no-control-socket",
            # Longer than any client's idle time between two requests on one connection: with gunicorn's 2 s
            # default, clients polling every 2 s had their next request land on a connection the server was
            # closing (connection reset). Idle connections wait in the poller, not on a thread.
            "--keep-alive",
            str(KEEPALIVE_SECONDS),
            "--graceful-timeout",
            str(GUNICORN_GRACEFUL_TIMEOUT),
            "portal.wsgi",
        ],
        "worker": [
            python,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            "hashing,io",
            "--concurrency",
            "2",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
            "-n",
            "embedded@%h",
        ],
        "beat": [python, "-m", "celery", "-A", "portal", "beat", "--loglevel", "INFO"],
    }


class Processes:
    """The children, each the leader of its own process group, so that one signal reaches a child's whole tree
    (gunicorn's workers, Celery's pool) and a terminal's Ctrl-C reaches only the launcher, which stops them in
    order instead of every process at once."""

    def __init__(self) -> None:
        self.children: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.children[name] = subprocess.Popen(
            command,
            env=env,
            cwd=Path(__file__).resolve().parents[1],
            stdin=subprocess.DEVNULL,
            process_group=0,
            preexec_fn=_die_with_launcher,
        )

    def exited(self) -> tuple[str, int] | None:
        for name, proc in self.children.items():
            if proc.poll() is not None:
                return name, proc.returncode
        return None

    def _groups_alive(self) -> list[int]:
        alive = []
        for proc in self.children.values():
            proc.poll()  # reap the leader, so a finished one does not count as a member
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                continue
            except PermissionError:
                pass
            alive.append(proc.pid)
        return alive

    def stop(self, grace: float = STOP_GRACE) -> None:
        for proc in self.children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        while self._groups_alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        for pgid in self._groups_alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        for proc in self.children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=2)


class _Stop(BaseException):
    # Not an Exception: no `except Exception` on the way (the banner's, a library's) may swallow a stop request.
    pass


def _raise_stop(signum, _frame):
    raise _Stop(signum)


def _wait_until_serving(url: str, processes: Processes, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if processes.exited():
            return False
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def _banner(url: str) -> str:
    lines = [
        "",
        "=" * 78,
        f"  Recourse is running: {url}",
        "  gunicorn (web), a Celery worker and Celery beat on SQLite and the folder broker.",
    ]
    from takedowns.demo import DEMO_PASSWORD, DEMO_USERS

    lines.append(f"  Demo sign-in at {url}accounts/login/ (password {DEMO_PASSWORD}):")
    lines += [f"    {role:9} {email}" for role, email, _slug in DEMO_USERS]
    lines += ["  Ctrl-C (or SIGTERM) stops all of them.", "=" * 78, ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="threads per gunicorn worker")
    args = parser.parse_args()
    _development_process_defaults()
    _prepare_folders()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    processes = Processes()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _raise_stop)
    url = f"http://{args.host}:{args.port}/"
    try:
        for name, command in commands(args.host, args.port, args.workers, args.threads).items():
            processes.start(name, command, env)
        print(f"Recourse is starting on {url} (web, worker and beat) ...", flush=True)
        if _wait_until_serving(url, processes):
            print(_banner(url), flush=True)
        while True:
            stopped = processes.exited()
            if stopped:
                name, code = stopped
                print(f"The {name} process stopped (exit {code}); stopping the others.", flush=True)
                return 1
            time.sleep(0.5)
    except (_Stop, KeyboardInterrupt):
        print("Stopping web, worker and beat ...", flush=True)
        return 0
    finally:
        # A second signal while stopping must not cut the clean-up short.
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        processes.stop()


if __name__ == "__main__":
    code = main()
    # Nothing of the launcher's is left to clean up once its children are gone; skipping the interpreter's
    # teardown saves part of the stop budget on a busy machine.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
