"""A private, throw-away deployment for the fault-injection tests: its own PostgreSQL cluster and Redis server
on free loopback ports, real Celery worker processes and a real web server (gunicorn), all pointed at them.
The shared servers of the machine are never touched: only these private ones are stopped and restarted.

Every process is started in a session of its own and ended by its id (``killpg`` of that session); the
PostgreSQL cluster is stopped with ``pg_ctl``; the temporary folder is removed. ``Stack.close`` does all of it
and is called by the fixture even when a test fails.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

from tests.utils import ARTIFACTS, ROOT


class Unavailable(RuntimeError):
    """This machine cannot run a private PostgreSQL or Redis (no binaries)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.1, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    tail = ""
    if log is not None and log.exists():
        tail = "\n--- " + log.name + " ---\n" + log.read_text(errors="replace")[-4000:]
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}.{tail}")


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = Path(found[-1]) if found else (Path(shutil.which("initdb")) if shutil.which("initdb") else None)
    if initdb is None:
        raise Unavailable("initdb is not installed (PostgreSQL server binaries)")
    return initdb.parent


class PrivatePostgres:
    """``initdb`` into a temporary folder (as the ``postgres`` user when running as root: initdb refuses
    root), trust authentication, listening on 127.0.0.1 only, fsync off (nothing here must survive a crash
    of the machine; a server restart is a clean shutdown or an immediate one, both fine without fsync)."""

    def __init__(self, root: Path):
        self.bin = _pg_bin()
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.log = root / "postgres.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root and there is no postgres user to run initdb as") from None
            os.chown(root, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str, timeout: float = 60) -> None:
        result = subprocess.run(
            [*self.as_user, *args], capture_output=True, text=True, timeout=timeout, cwd=self.root, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}\n{result.stderr}")

    def init(self) -> PrivatePostgres:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-sync", "--no-instructions",
        )  # fmt: skip
        return self.start()

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60",
            action, *extra,
        )  # fmt: skip

    def start(self) -> PrivatePostgres:
        self._ctl("start")
        return self

    def restart(self) -> None:
        """A real restart: every connection is cut (fast shutdown), then the server comes back on its port."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._ctl("stop", "-m", "immediate")

    def createdb(self, name: str) -> str:
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


class PrivateRedis:
    """``redis-server`` on a free port, no persistence: stopping it loses what it held, as a crashed broker
    without persistence would."""

    def __init__(self, root: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            raise Unavailable("redis-server is not installed")
        self.binary = binary
        self.root = root
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        log = open(self.root / "redis.log", "a")  # noqa: SIM115 - handed to the process
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        wait_until(lambda: _port_open(self.port), timeout=20, what="the private Redis to listen")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None
        wait_until(lambda: not _port_open(self.port), timeout=10, what="the private Redis to stop listening")


class Process:
    """A child process in a session of its own, with its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict, log: Path):
        self.name = name
        self.log = log
        handle = open(log, "a")  # noqa: SIM115 - handed to the process
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        handle.close()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def children(self) -> list[int]:
        """The pool processes of a Celery worker (the direct children of its main process)."""
        try:
            text = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the whole session (the main process and its pool), as a lost machine would."""
        if self.proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(15)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(15)
            except ProcessLookupError:
                pass


class Stack:
    """The private deployment: PostgreSQL, Redis, a local SMTP server (in this process), and on demand real
    workers and a web server, all configured through the environment as a real deployment is."""

    def __init__(self, smtp_port: int):
        self.tmp = Path(tempfile.mkdtemp(prefix="recourse-faults-"))
        os.chmod(self.tmp, 0o755)
        self.processes: list[Process] = []
        self.pg: PrivatePostgres | None = None
        self.redis: PrivateRedis | None = None
        self.smtp_port = smtp_port
        self._db = None

    def start(self) -> Stack:
        pg_root = self.tmp / "pg"
        pg_root.mkdir()
        self.pg = PrivatePostgres(pg_root)
        redis_root = self.tmp / "redis"
        redis_root.mkdir()
        self.redis = PrivateRedis(redis_root)
        self.pg.init()
        self.database_url = self.pg.createdb("recourse")
        self.redis.start()
        (self.tmp / "var").mkdir()
        (self.tmp / "logs").mkdir()
        self.manage("migrate", "--noinput", timeout=180)
        return self

    def env(self, **extra: str) -> dict:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DATABASE_URL", "REDIS_URL", "CACHE_URL", "EMAIL_URL", "DJANGO_SETTINGS"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="portal.settings",
            DEBUG="true",
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
            VAR_DIR=str(self.tmp / "var"),
            PRIVATE_STORAGE_ROOT=str(self.tmp / "var" / "private"),
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis.url,  # the broker and the cache, as in a default deployment
            EMAIL_URL=f"smtp://127.0.0.1:{self.smtp_port}",
            CELERY_TASK_ALWAYS_EAGER="false",
            FETCH_ALLOW_PRIVATE_ADDRESSES="true",  # the crawl test's site is on loopback
            VERIFY_LOCATIONS="false",  # made-up URLs: nothing may reach the outside world
            IDENTIFY_HOSTS="false",
            DELIVERY_RETRY_BASE_SECONDS="2",  # 2, 4, 8 s instead of 1, 2, 4 min
            OPENBLAS_NUM_THREADS="1",
        )
        env.update(extra)
        return env

    # --- commands and processes --------------------------------------------------------------------------

    def manage(self, *args: str, timeout: float = 60, **env: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env(**env), capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def django(self, code: str, *, timeout: float = 120) -> dict:
        """Run ``code`` in a fresh Django process against this stack (as a management shell would); the code
        sets ``out`` (a JSON-able dict), which is returned. Work it enqueues goes to the private broker."""
        script = (
            "import django, json\ndjango.setup()\nout = {}\n"
            + code
            + "\nprint('@@OUT@@' + json.dumps(out, default=str))\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise AssertionError(f"Django code failed:\n{code}\n{result.stdout}\n{result.stderr}")
        return json.loads(result.stdout.rsplit("@@OUT@@", 1)[1])

    def worker(self, name: str, *, concurrency: int = 1, **env: str) -> Process:
        log = self.tmp / "logs" / f"worker-{name}.log"
        proc = Process(
            f"worker-{name}",
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", "hashing,io",
             "--concurrency", str(concurrency), "--pool", "prefork", "--without-gossip", "--without-mingle",
             "--loglevel", "INFO", "-n", f"{name}@%h"],
            self.env(**env), log,
        )  # fmt: skip
        self.processes.append(proc)
        wait_until(lambda: " ready." in proc.log_text() or not proc.alive(), timeout=60, what="the worker", log=log)
        assert proc.alive(), proc.log_text()[-3000:]
        wait_until(lambda: len(proc.children()) == concurrency, timeout=30, what="the worker's pool", log=log)
        return proc

    def web(self) -> tuple[Process, str]:
        port = free_port()
        log = self.tmp / "logs" / "web.log"
        proc = Process(
            "web",
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "portal" / "gunicorn.conf.py"), "portal.wsgi"],
            self.env(GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1", GUNICORN_TIMEOUT="60"),
            log,
        )
        self.processes.append(proc)
        wait_until(lambda: _port_open(port) or not proc.alive(), timeout=60, what="the web server", log=log)
        assert proc.alive(), proc.log_text()[-3000:]
        return proc, f"http://127.0.0.1:{port}"

    # --- the database, read directly (the test process has no Django connection to it) ----------------

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        import psycopg2

        for attempt in range(30):
            try:
                if self._db is None or self._db.closed:
                    self._db = psycopg2.connect(self.database_url, connect_timeout=5)
                    self._db.autocommit = True
                with self._db.cursor() as cursor:
                    cursor.execute(query, params)
                    return cursor.fetchall() if cursor.description else []
            except psycopg2.OperationalError:
                if self._db is not None:
                    self._db.close()
                self._db = None
                if attempt == 29:
                    raise
                time.sleep(0.5)
        return []

    def stop_processes(self) -> None:
        """End the web and worker processes a test started (each test starts its own)."""
        while self.processes:
            self.processes.pop().stop()

    def close(self) -> None:
        self.stop_processes()
        if self._db is not None:
            self._db.close()
        if self.redis is not None:
            self.redis.stop()
        if self.pg is not None:
            try:
                self.pg.stop()
            except Exception as exc:  # still remove what can be removed
                print(f"Could not stop the private PostgreSQL: {exc}", file=sys.stderr)
        # The processes' logs outlive the stack, for a failed run to be read (test-artifacts/ in CI).
        with suppress(OSError):
            shutil.copytree(self.tmp / "logs", ARTIFACTS / "faults", dirs_exist_ok=True)
        shutil.rmtree(self.tmp, ignore_errors=True)
