# ruff: noqa: E402  (Django must be configured before the model imports)
"""Hash exchange benchmark in PostgreSQL: 1,000,000 shared PDQ signals.

1. Lookup: ``exchange_lookup_match`` (what ``POST /api/v1/exchange/lookup/`` runs) for 100 PDQ hashes — 10
   near-copies of stored signals (0..31 bits flipped) and 90 unrelated — p50/p95 over the runs after a warm-up
   (the first lookup in a process loads its in-memory index; reported apart). Target p95 < 100 ms.
2. Feed page: ``GET /api/v1/exchange/signals/?after=<random cursor>`` through Django's test client (selector, JSON
   rendering, token authentication), p50/p95. Target < 200 ms.
3. Full first fetch: the python-threatexchange extension's ``fetch_iter`` from cursor 0 to the end against
   gunicorn (2 workers) on loopback, every page parsed into records. Target < 2 minutes.

Needs a PostgreSQL database of its own (never the shared ``test`` one)::

    createdb -h 127.0.0.1 -U postgres h24bench
    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/h24bench .venv/bin/python benchmarks/exchange.py

The first run loads the rows with COPY (a few minutes); later runs reuse them (``--reload`` starts again).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "integrations", "threatexchange"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

import numpy as np
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from hashing.mih import pdq_blocks
from takedowns.models import EXCHANGE_SCOPES, ExchangeSignal, Platform
from takedowns.selectors_exchange import exchange_lookup_match
from takedowns.services.api_tokens import api_token_create
from takedowns.services.users import portal_user_create_or_update


def _flip(value: str, bits: int, rng: random.Random) -> str:
    n = int(value, 16)
    for bit in rng.sample(range(256), bits):
        n ^= 1 << bit
    return f"{n:064x}"


def load(n: int, *, reload: bool) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM takedowns_exchangesignal")
        have = cursor.fetchone()[0]
    if have >= n and not reload:
        print(f"reusing {have:,} signals")
        return
    from tests.factories import complete_case

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE takedowns_exchangechange, takedowns_exchangeopinion, takedowns_exchangesignal CASCADE")
    case = complete_case(urls=["https://example.test/bench"], hashed_images=0)
    rng = np.random.default_rng(24)
    now = timezone.now().isoformat()
    started = time.perf_counter()
    batch = 100_000
    columns = ["public_id", "case_id", "signal_type", "value", "active", "removal_reason", "needs_review", "created_at"]
    columns += [f"pdq_b{i}" for i in range(16)]
    with connection.cursor() as cursor:
        for start in range(0, n, batch):
            raw = rng.integers(0, 256, (min(batch, n - start), 32), dtype=np.uint8)
            lines = []
            for offset, row in enumerate(raw):
                value = row.tobytes().hex()
                fields = [f"sg_b{start + offset}", case.pk, "pdq", value, "t", "", "f", now, *pdq_blocks(value)]
                lines.append("\t".join(str(f) for f in fields))
            buffer = io.StringIO("\n".join(lines) + "\n")
            cursor.cursor.copy_expert(f"COPY takedowns_exchangesignal ({', '.join(columns)}) FROM STDIN", buffer)
        cursor.execute(
            "INSERT INTO takedowns_exchangechange (signal_id, kind, created_at) "
            "SELECT id, 'addition', created_at FROM takedowns_exchangesignal ORDER BY id"
        )
        cursor.execute("VACUUM ANALYZE takedowns_exchangesignal")
        cursor.execute("VACUUM ANALYZE takedowns_exchangechange")
    print(f"loaded {n:,} signals and feed entries in {time.perf_counter() - started:.0f} s")


def percentiles(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[max(0, round(0.95 * len(samples)) - 1)]
    return f"p50 {statistics.median(samples) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {samples[-1] * 1000:.1f} ms"


def bench_lookup(runs: int) -> tuple[list[float], float]:
    """The timed runs, and the warm-up run (the first lookup in a process loads its in-memory index)."""
    rng = random.Random(7)
    stored = list(ExchangeSignal.objects.order_by("?").values_list("value", flat=True)[: runs * 10])
    times, first = [], 0.0
    for run in range(runs + 1):
        near = [_flip(v, rng.randint(0, 31), rng) for v in stored[run * 10 % len(stored) :][:10]]
        queries = [("pdq", v) for v in near] + [("pdq", f"{rng.getrandbits(256):064x}") for _ in range(90)]
        started = time.perf_counter()
        results = exchange_lookup_match(values=queries)
        elapsed = time.perf_counter() - started
        assert all(r["match"] for r in results[:10]), "a planted near-copy was missed"
        if run >= 1:  # one warm-up run
            times.append(elapsed)
        else:
            first = elapsed
    return times, first


def _token() -> str:
    platform = Platform.objects.get_or_create(slug="bench-platform", defaults={"name": "Bench platform"})[0]
    platform.exchange_scopes = list(EXCHANGE_SCOPES)
    platform.save(update_fields=["exchange_scopes"])
    user = portal_user_create_or_update(
        role="platform",
        email="bench@platform.test",
        password="bench-password-unused",
        platform_slug=platform.slug,
        validate=False,
    ).user
    return api_token_create(user=user)


def bench_feed(runs: int, token: str) -> list[float]:
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    top = ExchangeSignal.objects.count()
    rng = random.Random(3)
    times = []
    for run in range(runs + 2):
        after = rng.randint(0, max(0, top - 1000))
        started = time.perf_counter()
        response = client.get(f"/api/v1/exchange/signals/?after={after}")
        elapsed = time.perf_counter() - started
        assert response.status_code == 200 and len(response.json()["results"]) == 1000, response.status_code
        if run >= 2:
            times.append(elapsed)
    return times


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_full_fetch(token: str) -> tuple[float, int]:
    from recourse_threatexchange import RecourseCollabConfig, RecourseSignalExchangeAPI
    from threatexchange.signal_type.pdq.signal import PdqSignal

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "120"],
        cwd=ROOT,
        env={**os.environ, "ALLOWED_HOSTS": "127.0.0.1,localhost"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        api = RecourseSignalExchangeAPI(RecourseCollabConfig(name="bench", api_url=f"http://127.0.0.1:{port}"), token)
        started = time.perf_counter()
        records: dict = {}
        for delta in api.fetch_iter([PdqSignal], None):
            RecourseSignalExchangeAPI.naive_fetch_merge(records, delta.updates)
        return time.perf_counter() - started, len(records)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signals", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--lookup-runs", type=int, default=None, help="lookup runs (default: --runs)")
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--skip-fetch", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database of this benchmark's own.")
    call_command("migrate", verbosity=0)
    call_command("load_platforms", verbosity=0) if not Platform.objects.exists() else None
    load(args.signals, reload=args.reload)
    times, first = bench_lookup(args.lookup_runs or args.runs)
    print(
        f"lookup of 100 PDQ hashes against {ExchangeSignal.objects.count():,} signals: {percentiles(times)} "
        f"(first lookup in the process, loading its index: {first:.1f} s)"
    )
    token = _token()
    print("feed page of 1,000 (HTTP through Django's test client): " + percentiles(bench_feed(args.runs, token)))
    if not args.skip_fetch:
        seconds, count = bench_full_fetch(token)
        print(f"full first fetch by the extension (gunicorn, 2 workers): {count:,} records in {seconds:.1f} s")


if __name__ == "__main__":
    main()
