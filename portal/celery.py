"""The Celery app (``celery -A portal worker -Q hashing,io``; ``celery -A portal beat``).

Configuration lives in Django settings under the ``CELERY_`` prefix: JSON only, time limits, the two queues
and the beat schedule are all in portal/settings/celery.py.
"""

import os
from pathlib import Path

from celery import Celery
from celery.signals import beat_init, worker_init

# Workers and beat write files (storage, broker folder, beat schedule) readable by their owner only.
os.umask(0o077)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# Hashing is one image per task: multi-threaded BLAS only fights the other worker processes for the cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_broker_folders(sender, source, **kwargs):
    # The folder broker of the embedded default writes into these folders but does not create them. This runs
    # once per process, when the app is first used (web, worker, beat, a management command or a test), so
    # no process depends on another having started first and importing settings never touches the disk.
    if not str(source.broker_url or "").startswith("filesystem:"):
        return
    options = source.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@worker_init.connect
def _yield_the_cores_to_the_web(**kwargs):
    # Background work runs against clocks of hours; a victim waits on the web page now. Where the web server and
    # workers share cores (`make run`, a small helpline's one machine), the workers run at a lower priority
    # (WORKER_NICE, default 10; 0 leaves it); the pool's processes inherit it. On a machine of their own it changes
    # nothing. Measured in benchmarks/load (RESULTS.md "Load").
    from django.conf import settings

    niceness = int(getattr(settings, "WORKER_NICE", 0) or 0)
    if niceness > 0:
        os.nice(niceness)
        _lower_own_autogroup(niceness)


def _lower_own_autogroup(niceness: int) -> None:
    # Linux with autogroup scheduling (sched(7); on by default on many distributions, for processes outside any
    # cpu cgroup) shares the cores fairly between sessions first, and a nice value counts only inside its
    # session: a worker started in a session of its own (a shell, a supervisor, the load run) would keep a full
    # share however nice it is. A session leader's autogroup holds only the worker and its pool, so its nice
    # value is lowered too; a worker sharing a session with the web server (`make run`) leaves it, as the plain
    # nice value already orders them. Under systemd or a container runtime the cpu cgroup's weight decides
    # instead (docs/DEPLOYING.md).
    autogroup = Path("/proc/self/autogroup")
    if os.getsid(0) != os.getpid() or not autogroup.exists():
        return
    try:
        # "/autogroup-85 nice 0": written only to lower the priority, never to raise it.
        if int(autogroup.read_text().split()[-1]) < niceness:
            autogroup.write_text(f"{niceness}\n")
    except (OSError, ValueError, IndexError):
        pass  # a kernel without autogroup scheduling, or a read-only /proc: the plain nice value stands


@worker_init.connect
@beat_init.connect
def _refuse_unsafe_production(**kwargs):
    # Workers and beat run no system checks: a production switch left on stops them here.
    from portal.production_checks import refuse_unsafe_production

    refuse_unsafe_production()
