"""The accountability report has two implementations of the same figures: PostgreSQL aggregates them in SQL
(percentile_cont, so 50,000 rows never cross the wire), any other database gets them from the time stamps in
Python. Both must say the same thing about the same notices, or the public report would depend on the
database an operator happens to run."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from takedowns.models import PlatformKind
from takedowns.selectors import reports
from tests.factories import CaseFactory, NoticeFactory

pytestmark = pytest.mark.django_db

FIGURES = list(reports._EMPTY_ENTRY)


@pytest.fixture
def period(platforms):
    """Sixty notices with every combination the report distinguishes, drawn from a fixed seed: answered or not
    (by acknowledgement, question, dispute or removal, whichever first), removed before or after the deadline,
    deadline passed or not or never set, sent on the period's edges or outside it, and upstream notices to a CDN
    that are no platform's record."""
    rng = random.Random(20)
    now = timezone.now().replace(microsecond=0)
    start, end = now - timedelta(days=30), now - timedelta(hours=1)
    chosen = [platforms["reddit"], platforms["x"], next(p for s, p in platforms.items() if s not in ("reddit", "x"))]
    cases = {p.pk: CaseFactory(victim_name="Alex Fixture") for p in chosen}
    sent_choices = [start, end, start - timedelta(seconds=1), end - timedelta(seconds=1)]

    def maybe(sent, low, high):
        return sent + timedelta(minutes=rng.randint(low, high)) if rng.random() < 0.5 else None

    for round_ in range(1, 61):
        platform = chosen[round_ % 3]
        inside = start + timedelta(minutes=rng.randint(0, 40_000))
        sent = sent_choices[(round_ // 10) % 4] if round_ % 10 == 0 else inside
        NoticeFactory(
            case=cases[platform.pk],
            platform=platform,
            round=round_,
            kind=PlatformKind.CDN if round_ % 13 == 0 else PlatformKind.PLATFORM,
            status="sent",
            sent_at=sent,
            due_at=None if round_ % 11 == 0 else sent + timedelta(hours=rng.choice([24, 48, 96])),
            acknowledged_at=maybe(sent, 1, 3000),
            info_requested_at=maybe(sent, 1, 3000) if rng.random() < 0.5 else None,
            disputed_at=maybe(sent, 1, 6000) if rng.random() < 0.3 else None,
            removed_at=maybe(sent, 30, 9000),
        )
    return {"start": start, "end": end, "now": now}


def test_the_python_path_sees_every_case_the_fixture_draws(period):
    """Guards the fixture: the comparison below means something only if the figures it compares are not all
    empty, zero or None."""
    figures = reports._report_python(period["start"], period["end"], period["now"])
    assert len(figures) == 3
    totals = {key: [entry[key] for entry in figures.values()] for key in FIGURES}
    for key in ("sent", "answered", "removed", "decided", "removed_in_time", "disputes"):
        assert sum(totals[key]) > 0, key
    for key in ("ack_median_h", "ack_p90_h", "removal_median_h", "removal_p90_h"):
        assert all(value is not None for value in totals[key]), key
    assert sum(totals["sent"]) < 60  # the upstream notices and those sent outside the period are left out


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the SQL path uses PostgreSQL's percentile_cont and EXTRACT(EPOCH ...), which SQLite lacks: set "
    "DATABASE_URL to a PostgreSQL database to compare it with the Python path",
)
def test_the_sql_and_python_paths_agree(period):
    args = (period["start"], period["end"], period["now"])
    sql, python = reports._report_sql(*args), reports._report_python(*args)
    assert set(sql) == set(python)
    for platform_id, expected in python.items():
        got = sql[platform_id]
        for key in FIGURES:
            if expected[key] is None:
                assert got[key] is None, (platform_id, key)
            else:
                assert got[key] == pytest.approx(expected[key], abs=1e-6), (platform_id, key)
