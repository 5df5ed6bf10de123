"""`make run`: the web server, a Celery worker and Celery beat together, on the embedded default.

Three real processes, as in production, but on a broker that needs no server (a local folder) and SQLite.
Background work and scheduled jobs really run in the background — nothing is executed eagerly. Ctrl-C stops
all three.

    python -m portal.embedded [--port 8000]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def _development_process_defaults() -> None:
    # `make run` and the demo are development mode, asked for explicitly (production is the default); files
    # written by any of the three processes are readable by their owner only (they inherit the umask).
    os.environ.setdefault("DEBUG", "true")
    os.umask(0o077)


def _prepare_folders() -> None:
    # Beat keeps its schedule file in VAR_DIR and opens it before any hook of ours could run. The database,
    # broker, cache, outbox and storage folders are created by whatever writes to them.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.conf import settings

    Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent.mkdir(parents=True, exist_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    args = parser.parse_args()
    _development_process_defaults()
    _prepare_folders()
    python = sys.executable
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    commands = {
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
        "web": [python, "manage.py", "runserver", f"{args.host}:{args.port}", "--noreload"],
    }
    children: dict[str, subprocess.Popen] = {}

    def stop(*_):
        for proc in children.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 15
        for proc in children.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
    try:
        for name, command in commands.items():
            children[name] = subprocess.Popen(command, env=env)
        print(
            f"Recourse is starting on http://{args.host}:{args.port}/ with a worker and beat (Ctrl-C stops all).",
            flush=True,
        )
        while True:
            for name, proc in children.items():
                if proc.poll() is not None:
                    print(f"The {name} process stopped (exit {proc.returncode}); stopping the others.", flush=True)
                    stop()
                    return proc.returncode or 1
            time.sleep(1)
    except KeyboardInterrupt:
        stop()
        return 0


if __name__ == "__main__":
    sys.exit(main())
