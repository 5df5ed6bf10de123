"""Celery: the broker (Redis, or a folder on the embedded default), JSON only, time limits, the queues and the
one schedule of periodic jobs (CONVENTIONS.md §11)."""

from __future__ import annotations

from celery.schedules import crontab

from portal.env import env
from portal.settings.base import REDIS_URL, VAR_DIR

# --- Celery ------------------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _broker_dir = VAR_DIR / "broker"
    # One folder is both "in" and "out": the web server, the worker and beat all read and write it. The folders
    # are created when the Celery app is first configured (portal/celery.py), not here.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
        # How long a worker sleeps when it finds nothing it can take. Kombu's 1 s default also applies while
        # the worker is busy: it takes as many messages as it has pool processes (prefetch 1), so with a
        # queue full it took 2 tasks a second, however short (40 filings' 481 tasks ran 12 s and took 161 s
        # to drain). A tenth of a second costs an idle worker ~10 folder listings a second.
        "polling_interval": env.float("BROKER_POLLING_INTERVAL", 0.1),
    }
else:
    # Tasks are acknowledged late (below): a message stays in Redis's "unacked" set while its task runs, and a
    # message whose worker died with it (the whole worker, not just a pool process: Celery requeues a lost pool
    # process's task at once) is delivered again after ``visibility_timeout``. It must be longer than anything
    # a worker legitimately holds a message for, or a running task is delivered twice: the longest hard time
    # limit (crawl_step, 960 s) and the longest retry countdown (the fifth delivery retry, 16 min). One hour is
    # well past both; tests/test_settings.py checks it. The fault tests (tests/faults) use a few seconds.
    _visibility = env.int("BROKER_VISIBILITY_TIMEOUT", 3600)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _visibility,
        # How often a worker looks for such messages: every 100 s (kombu's default), or a tenth of a short
        # timeout so that the fault tests do not wait on the sweep.
        "unacked_restore_interval": min(10, max(1, _visibility // 10)),
        "unacked_restore_throttle": 10 if _visibility >= 1000 else 1,
        # A broker that vanished without closing the connection must not hang a web request or a worker.
        "socket_connect_timeout": 5,
        "socket_timeout": 30,
    }
# Publishing from a web request while the broker is down: give up after ~1 s (two quick retries) instead of
# Celery's default of ~3 s, log, and leave the work to the reconcile job (services/jobs.enqueue_on_commit).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.5}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Workers lower their own CPU priority by this much at start (portal/celery.py): the web goes first where they share
# cores. 0 leaves the priority as it is.
WORKER_NICE = env.int("WORKER_NICE", 10)
CELERY_TASK_DEFAULT_QUEUE = "io"
CELERY_TASK_ROUTES = {
    # CPU-bound work (decode, hash, keypoints) has its own queue so it never delays mail and fetching.
    "takedowns.tasks.image_hash": {"queue": "hashing"},
    "takedowns.tasks.likeness_template_make": {"queue": "hashing"},
    # Location checks fetch (network-bound) and hash what they fetched in the same task, because the fetched
    # bytes may not be stored or passed through the broker; the hash stages cost ~25 ms an image.
    "takedowns.tasks.location_verify": {"queue": "io"},
    # DNS and RDAP: network-bound, a few seconds at most.
    "takedowns.tasks.host_identify": {"queue": "io"},
    # Crawl steps fetch pages and images and hash the images in the same task, for the same reason.
    "takedowns.tasks.crawl_step": {"queue": "io"},
    # Matching crawled fingerprints against references is CPU work (one vectorised scan, then the rule).
    "takedowns.tasks.crawled_images_match": {"queue": "hashing"},
    "takedowns.tasks.discovery_reference_match": {"queue": "hashing"},
    "takedowns.tasks.*": {"queue": "io"},
}
# Every real deployment uses a worker; the test settings run tasks in-process (integration tests switch it off).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Every periodic job, in one place (CONVENTIONS.md §11). Each job also takes a cache lock so that two runs
# never overlap, even if a run outlasts its interval or two beat processes are started by mistake.
CELERY_BEAT_SCHEDULE = {
    # The 48-hour clock is checked every 5 minutes: alerts are at worst 5 minutes late on a 48 h window.
    "sweep-deadlines": {"task": "takedowns.tasks.deadlines_sweep", "schedule": 5 * 60},
    # Work left behind by a broker outage or a killed worker is re-enqueued; 10 minutes is well past the
    # longest task time limit, so nothing still running is re-sent.
    "reconcile": {"task": "takedowns.tasks.reconcile", "schedule": 10 * 60},
    # Removal re-checks fall due at notice deadlines (hours matter there) and 7 / 30 days after a verified
    # removal: hourly catches a deadline within the hour and costs one indexed query when nothing is due.
    "locations-recheck": {"task": "takedowns.tasks.locations_recheck", "schedule": 60 * 60},
    # Uploads of abandoned intakes: hourly, for files older than 24 h (well past the 8 h session length).
    "intake-pending-purge": {"task": "takedowns.tasks.intake_pending_purge", "schedule": 60 * 60},
    # Expired sessions (a sign-in lasts 8 hours): hourly, so none outlives its expiry by much.
    "sessions-purge": {"task": "takedowns.tasks.sessions_purge", "schedule": 60 * 60},
    # Watched sites are re-crawled at their own interval (hours to days); every 15 minutes starts a due crawl
    # promptly and re-enqueues a crawl whose worker died (idle for 20 minutes) within the quarter hour.
    "crawls-due": {"task": "takedowns.tasks.crawls_due", "schedule": 15 * 60},
    # Crawled images whose match was missed (a lost task) are matched within the hour.
    "crawled-images-match": {"task": "takedowns.tasks.crawled_images_match", "schedule": 60 * 60},
    # The escalation ladder: its steps are planned in hours after a deadline, so a 5-minute run starts
    # each step within 5 minutes of its time, like the deadline sweep it follows.
    "escalation-ladder": {"task": "takedowns.tasks.escalation_ladder_run", "schedule": 5 * 60},
    # Originals kept "as evidence" and erased cases are purged nightly, off-peak.
    "retention-purge": {"task": "takedowns.tasks.retention_purge", "schedule": crontab(hour=3, minute=17)},
}
