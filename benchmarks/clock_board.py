"""Cockpit benchmark: the clock board and the platform accountability report at 10,000 cases / 50,000 notices.

Needs PostgreSQL (the size this is about); point DATABASE_URL at a database you can wipe — the script migrates
it and TRUNCATEs the case tables before loading. Data goes in with bulk_create: 10,000 open cases, 5 notices
each on 5 different platforms (50,000), with clocks spread from 3 days overdue to 2 days left, a fifth removed,
a tenth still drafts. Each page is fetched through Django's test client as a signed-in advocate; the figure is
the median server time of ``--runs`` warm requests, with the SQL query count of one request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cockpit .venv/bin/python benchmarks/clock_board.py
    ... --cases 1000 --keep   # smaller, or reuse the data already loaded

Target: each page under 300 ms server time; query counts that do not grow with the rows.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def _setup() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database that may be wiped (see the module docstring).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core import signals
    from django.db import close_old_connections

    # Keep one connection across requests (as Django's test runner does), so the execute wrapper stays on it.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _load(n_cases: int, per_case: int, rng: random.Random) -> None:
    from django.db import connection
    from django.utils import timezone

    from takedowns.models import Case, Notice, Platform, ReportedLocation
    from takedowns.services.cases import case_reference_generate

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE takedowns_case, takedowns_notice, takedowns_event, takedowns_reportedlocation CASCADE")
    platforms = [p for p in Platform.objects.all() if p.domains][: max(per_case, 8)]
    now = timezone.now()
    batch = 2000
    for start in range(0, n_cases, batch):
        cases = Case.objects.bulk_create(
            [
                Case(
                    reference=case_reference_generate(),
                    access_code_hash="!unusable",
                    victim_name=f"Victim {i}",
                    contact_email=f"victim{i}@example.org",
                    signature_name=f"Victim {i}",
                    signed_at=now,
                )
                for i in range(start, min(start + batch, n_cases))
            ]
        )
        locations, notices = [], []
        for case in cases:
            for platform in rng.sample(platforms, per_case):
                domain = platform.domains[0]
                locations.append(
                    ReportedLocation(
                        case=case,
                        url=f"https://{domain}/p/{case.reference.lower()}/{rng.randrange(10**9)}",
                        host=domain,
                        platform=platform,
                    )
                )
                roll = rng.random()
                sent = now - timedelta(hours=rng.uniform(0, 120))
                notice = Notice(case=case, platform=platform, regime=platform.regime, response_hours=48)
                if roll < 0.1:
                    notice.status = "draft"
                    notice.sent_at = None
                else:
                    notice.sent_at = sent
                    notice.due_at = sent + timedelta(hours=48)
                    if roll < 0.55:
                        notice.status = "sent"
                    elif roll < 0.75:
                        notice.status = "acknowledged"
                        notice.acknowledged_at = sent + timedelta(hours=rng.uniform(0.5, 30))
                    elif roll < 0.95:
                        notice.status = "removed"
                        notice.acknowledged_at = sent + timedelta(hours=rng.uniform(0.5, 10))
                        notice.removed_at = notice.acknowledged_at + timedelta(hours=rng.uniform(0.5, 60))
                    else:
                        notice.status = "disputed"
                        notice.disputed_at = sent + timedelta(hours=rng.uniform(1, 40))
                notices.append(notice)
        locations = ReportedLocation.objects.bulk_create(locations)
        notices = Notice.objects.bulk_create(notices)
        through = Notice.locations.through
        through.objects.bulk_create(
            [through(notice_id=n.pk, reportedlocation_id=loc.pk) for n, loc in zip(notices, locations, strict=True)]
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _measure(client, url: str, runs: int) -> tuple[float, float, int, int]:
    from django.db import connection

    queries = []
    with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times), len(queries), len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--notices-per-case", type=int, default=5)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="reuse the data already in the database")
    args = parser.parse_args()
    _setup()
    from django.test import Client

    from takedowns.models import Notice, Platform
    from takedowns.services.users import portal_user_create_or_update

    if not args.keep:
        t0 = time.perf_counter()
        _load(args.cases, args.notices_per_case, random.Random(12))
        print(f"loaded in {time.perf_counter() - t0:.1f} s")
    print(f"notices in the database: {Notice.objects.count()}")
    user = portal_user_create_or_update(
        role="advocate", email="bench@example.org", password="bench-password-unused", validate=False
    ).user
    client = Client()
    client.force_login(user)
    platform = Platform.objects.filter(notices__isnull=False).order_by("name").first()
    pages = [
        ("board, first page", "/dashboard/"),
        ("board, filtered (platform + overdue)", f"/dashboard/?platform={platform.pk}&overdue=1"),
        ("board, search by URL", "/dashboard/?q=/p/rc-"),
        ("board, page 50", "/dashboard/?page=50"),
    ]
    if "takedowns:report" in _routes():
        pages.append(("accountability report, 90 days", "/reports/platforms/?days=90"))
        pages.append(("accountability report CSV", "/reports/platforms/?days=90&format=csv"))
    print("| page | median ms | max ms | queries | bytes |\n|---|---:|---:|---:|---:|")
    for label, url in pages:
        median, worst, queries, size = _measure(client, url, args.runs)
        print(f"| {label} | {median:.0f} | {worst:.0f} | {queries} | {size:,} |")


def _routes() -> set[str]:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("takedowns:report")
    except NoReverseMatch:
        return set()
    return {"takedowns:report"}


if __name__ == "__main__":
    main()
