"""Profile, one request at a time, the four paths that were slow under load (benchmarks/load/REPORT.md).

The load run tells how slow a path is with 50 victims at once; this tells why, without loading a shared 2-core
machine: each path goes through Django's test client N times, on a database holding what a load run leaves
behind (a few hundred cases, each with five URLs on two e-mail platforms, two hashed pictures and two sent
notices). Per path: queries per request, SQL time, median and p95 wall time in process, and cProfile's top 20
by cumulative time over 5 more requests
(timed apart: the profiler doubles the cost of every Python call).

    DEBUG=true .venv/bin/python benchmarks/profile_paths.py                     # SQLite (a throw-away file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/loadprof_bench \\
      REDIS_URL=redis://127.0.0.1:6379/13 CACHE_URL=redis://127.0.0.1:6379/12 \\
      DEBUG=true .venv/bin/python benchmarks/profile_paths.py --cases 300 -n 20

The PostgreSQL database named in ``DATABASE_URL`` is dropped and created again, and the two Redis databases
are flushed: give this script databases of its own. Background work is enqueued to the broker, never run: the
submitting step is measured as the web worker does it (store and enqueue).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

URLS_PER_CASE = 5


def _prepare_environment(reuse: bool) -> Path:
    var = Path(tempfile.mkdtemp(prefix="recourse-profile-"))
    os.environ.setdefault("DEBUG", "true")
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    os.environ["VAR_DIR"] = str(var)
    os.environ.update(VERIFY_LOCATIONS="false", IDENTIFY_HOSTS="false", NOTICES_REVIEW_FIRST="false")
    database = os.environ.get("DATABASE_URL", "")
    if database.startswith("postgres") and not reuse:
        import psycopg2

        name = database.rsplit("/", 1)[1]
        if name in ("test", "postgres", "load_bench"):
            raise SystemExit(f"refusing to drop the shared database {name!r}: name one of your own")
        conn = psycopg2.connect(database.rsplit("/", 1)[0] + "/postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()
    for url in {os.environ.get("REDIS_URL", ""), os.environ.get("CACHE_URL", "")} - {""}:
        import redis

        redis.Redis.from_url(url).flushdb()  # this script's own databases only (see the module docstring)
    return var


def _victim_urls(index: int) -> list[str]:
    # The load run's victims: three Tumblr and two Telegram addresses each (both platforms take e-mail).
    return [
        f"https://profile-victim-{index}.tumblr.com/post/{7000 + index}/a",
        f"https://www.tumblr.com/profile-victim-{index}/{8000 + index}",
        f"https://profile-victim-{index}.tumblr.com/post/{9000 + index}/b",
        f"https://t.me/profile_channel_{index}/{100 + index}",
        f"https://t.me/profile_channel_{index}/{200 + index}",
    ]


def seed(cases: int) -> dict:
    """What a load run leaves behind, made through the services (the notices drafted and sent in process)."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    from takedowns.models import ReferenceImage
    from takedowns.services.api_tokens import api_token_create
    from takedowns.services.cases import case_create
    from takedowns.services.notices import notices_prepare
    from takedowns.services.users import portal_user_create_or_update

    call_command("migrate", "--noinput", "-v", "0")
    from takedowns.models import Case

    cases = max(0, cases - Case.objects.count())  # --reuse: a database seeded before keeps its cases
    started = time.perf_counter()
    from celery import current_app

    # Drafting and sending run in process here (mail to memory), so the notices are sent, as after a load run.
    current_app.conf.task_always_eager = True
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        for index in range(cases):
            case = case_create(
                victim_name=f"Profile Victim {index}",
                contact_email=f"victim-{index}@profile.example.org",
                good_faith_statement="I have a good-faith belief that the intimate images identified in this "
                "request were published without my consent.",
                signature_name=f"Profile Victim {index}",
                attestations={"good_faith": True, "accuracy": True},
                urls=[(url, "") for url in _victim_urls(index)],
                is_synthetic=True,
            ).case
            for k in range(2):
                ReferenceImage.objects.create(
                    case=case,
                    state="hashed",
                    sha256=f"{index * 2 + k:064x}",
                    md5=f"{index * 2 + k + 1:032x}",
                    phash="d1c4a0b0f0e0c0b0",
                    dhash="0f0f0f0f0f0f0f0f",
                    whash="ffff0000ffff0000",
                    pdq=f"{index * 2 + k + 7:064x}",
                    pdq_quality=87,
                    width=640,
                    height=480,
                )
            notices_prepare(case_id=case.pk)
    current_app.conf.task_always_eager = False
    advocate = portal_user_create_or_update(
        role="advocate", email="advocate@profile.example.org", password="profile-password-2026", validate=False
    ).user
    staff = portal_user_create_or_update(
        role="platform",
        email="staff@tumblr.profile.example.org",
        password="profile-password-2026",
        platform_slug="tumblr",
        validate=False,
    ).user
    token = api_token_create(user=staff)
    from collections import Counter

    from takedowns.models import Notice

    statuses = Counter(Notice.objects.values_list("status", flat=True))
    print(f"seeded {cases} cases, notices {dict(statuses)}, in {time.perf_counter() - started:.1f} s")
    return {"advocate": advocate, "token": token}


class Path_:
    """One path to measure: ``prepare(i)`` runs untimed before each request, ``request(i)`` is timed."""

    def __init__(self, name, request, prepare=None, expect=200):
        self.name, self.request, self.prepare, self.expect = name, request, prepare, expect


def _intake_client(pictures: list[bytes]):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from tests.utils import DEFAULT_ANSWERS, post_ok, step_url

    client = Client()
    counter = {"n": 0}

    def prepare(i):
        counter["n"] += 1
        n = 10_000 + i
        client.cookies.clear()
        # Each filing from its own address (198.18.0.0/15, reserved for benchmarks), as in the load run: the
        # submit throttle counts per address.
        client.defaults["REMOTE_ADDR"] = f"198.18.{n // 250 % 250}.{n % 250 + 1}"
        post_ok(client, step_url("who"), {"filer_type": "self", "victim_name": f"Profiled Victim {n}"})
        post_ok(client, step_url("content"), DEFAULT_ANSWERS["content"])
        urls = "\n".join(_victim_urls(n))
        post_ok(client, step_url("where"), {"urls": urls, "action": "check"})
        post_ok(client, step_url("where"), {"urls": urls, "action": "continue"})
        files = [SimpleUploadedFile(f"p{k}.jpg", data, "image/jpeg") for k, data in enumerate(pictures)]
        post_ok(client, step_url("images"), {"action": "next", "images": files})
        post_ok(client, step_url("contact"), {"email": f"v{n}@profile.example.org", "contact_private": "on"})
        statement = dict(DEFAULT_ANSWERS["statement"], signature_name=f"Profiled Victim {n}")
        post_ok(client, step_url("statement"), statement)

    return client, prepare


def paths(seeded: dict, pictures: list[bytes]) -> list[Path_]:
    from django.test import Client

    from tests.utils import step_url

    submit_client, submit_prepare = _intake_client(pictures)
    receipt_client, receipt_prepare = _intake_client(pictures)

    def submit(i):
        response = submit_client.post(step_url("review"))
        assert response.get("Location") == "/report/receipt/", response.get("Location")
        return response

    def receipt_before(i):
        receipt_prepare(i + 5000)
        response = receipt_client.post(step_url("review"))
        assert response.get("Location") == "/report/receipt/", response.get("Location")

    advocate = Client()
    advocate.force_login(seeded["advocate"])
    api = Client(HTTP_AUTHORIZATION=f"Token {seeded['token']}")
    return [
        Path_("POST /report/review/ (submit)", submit, submit_prepare, 302),
        Path_("GET /report/receipt/", lambda i: receipt_client.get("/report/receipt/"), receipt_before),
        Path_("GET /api/v1/notices/", lambda i: api.get("/api/v1/notices/")),
        Path_("GET /dashboard/ (htmx refresh)", lambda i: advocate.get("/dashboard/", HTTP_HX_REQUEST="true")),
    ]


class _SqlTimer:
    """Counts and times every statement (``connection.queries`` rounds each to a millisecond)."""

    def __init__(self):
        self.count, self.seconds = 0, 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def measure(path: Path_, n: int, top: int, match: str, dump: str, profiled: int = 5) -> dict:
    from django.db import connection

    walls, queries, sql_ms = [], [], []
    # Timed without the profiler (it doubles the cost of Python calls); then a few more requests profiled.
    for i in range(n):
        if path.prepare:
            path.prepare(i)
        timer = _SqlTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            response = path.request(i)
            walls.append((time.perf_counter() - started) * 1000)
        assert response.status_code == path.expect, (path.name, response.status_code)
        queries.append(timer.count)
        sql_ms.append(timer.seconds * 1000)
    profile = cProfile.Profile()
    for i in range(n, n + profiled):
        if path.prepare:
            path.prepare(i)
        profile.enable()
        path.request(i)
        profile.disable()
    out = io.StringIO()
    # The middleware chain tops every cumulative list; --match keeps the lines that say something.
    pstats.Stats(profile, stream=out).strip_dirs().sort_stats("cumulative").print_stats(match, top)
    if dump:
        slug = "".join(c if c.isalnum() else "_" for c in path.name).strip("_")
        Path(dump).mkdir(parents=True, exist_ok=True)
        profile.dump_stats(str(Path(dump) / f"{slug}.prof"))
    walls.sort()
    return {
        "path": path.name,
        "n": n,
        "queries": statistics.median(queries),
        "queries_max": max(queries),
        "sql_ms": statistics.median(sql_ms),
        "median_ms": statistics.median(walls),
        "p95_ms": walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))],
        "profile": out.getvalue(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300, help="cases already filed (default 300)")
    parser.add_argument("-n", type=int, default=20, help="requests per path (default 20)")
    parser.add_argument("--top", type=int, default=20, help="cProfile lines per path (default 20)")
    parser.add_argument(
        "--match",
        default=r"intake|advocate|board|selectors|services|api/|serializers|views|crypto|fernet|template|render|query|execute|sign",
        help="regular expression the cProfile lines must match (pstats restriction; '.' for all)",
    )
    parser.add_argument("--dump", default="", help="folder to write one .prof file per path (snakeviz, pstats)")
    parser.add_argument("--html", default="", help="folder to write each path's last response body (to compare)")
    parser.add_argument("--no-profile", action="store_true", help="only the table")
    parser.add_argument(
        "--reuse", action="store_true", help="PostgreSQL: keep the database a previous run seeded (faster)"
    )
    parser.add_argument("--only", default="", help="measure only the paths whose name contains this")
    args = parser.parse_args()

    _prepare_environment(args.reuse)
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_test_environment

    from tests.utils import make_photo_like

    setup_test_environment()  # the test client's ALLOWED_HOSTS ("testserver")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from celery import current_app

    current_app.conf.task_always_eager = False
    seeded = seed(args.cases)
    pictures = [make_photo_like(640, 480, seed=1000 + k) for k in range(2)]
    results = []
    for path in paths(seeded, pictures):
        if args.only and args.only not in path.name:
            continue
        path.request(-1) if path.prepare is None else None  # warm caches (templates, URL resolver) once
        results.append(measure(path, args.n, args.top, args.match, args.dump))
        if args.html and path.prepare is None:
            slug = "".join(c if c.isalnum() else "_" for c in path.name).strip("_")
            Path(args.html).mkdir(parents=True, exist_ok=True)
            (Path(args.html) / f"{slug}.html").write_bytes(path.request(-1).content)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"\n{engine}, {args.cases} cases, n={args.n} per path, cache {settings.CACHES['default']['BACKEND']}")
    print("| path | queries (max) | SQL ms | median ms | p95 ms |\n|---|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| `{r['path']}` | {r['queries']:.0f} ({r['queries_max']}) | {r['sql_ms']:.1f} | "
            f"{r['median_ms']:.1f} | {r['p95_ms']:.1f} |"
        )
    if not args.no_profile:
        for r in results:
            print(f"\n=== {r['path']} ===\n{r['profile']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
