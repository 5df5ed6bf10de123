"""Outcomes by route: the accountability report's table of removal rate and median time to removal per platform and
route (statute, platform policy only, DMCA, upstream, de-indexing) equals a hand computation on a small fixture, and
the PostgreSQL path agrees with the Python path."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from takedowns.models import Platform, PlatformKind
from takedowns.selectors import reports
from tests.factories import CaseFactory, NoticeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def period(platforms):
    """Hand-made notices, each sent at ``start + 1 day`` and removed after the hours given (None = not removed)."""
    now = timezone.now().replace(microsecond=0)
    start, end = now - timedelta(days=30), now
    sent = start + timedelta(days=1)
    reddit, x, google = platforms["reddit"], platforms["x"], platforms["google-search"]
    assert reddit.tida_covered is True and x.tida_covered is True and google.tida_covered is False
    telegram = platforms["telegram"]  # TIDA coverage unknown: a notice citing no other law rests on its policy
    assert telegram.tida_covered is None
    cdn = Platform.objects.create(slug="cdn-example", name="CDN Example", kind=PlatformKind.CDN)
    case = CaseFactory()
    rows = [
        # (platform, regime, regimes, kind, hours to removal)
        (reddit, "US", ["US", "EU"], "platform", 10),
        (reddit, "US", ["US", "EU"], "platform", 30),
        (reddit, "US", ["US", "EU"], "platform", None),
        (reddit, "DMCA", ["DMCA"], "platform", 4),
        (reddit, "DMCA", ["DMCA"], "platform", 6),
        (x, "DMCA", ["DMCA"], "platform", None),
        (google, "US", ["US"], "platform", 72),
        (telegram, "US", ["US"], "platform", None),
        (telegram, "US", ["US", "AU"], "platform", 5),
        (cdn, "US", ["US"], PlatformKind.CDN, 48),
    ]
    for number, (platform, regime, regimes, kind, hours) in enumerate(rows, start=1):
        NoticeFactory(
            case=case,
            platform=platform,
            round=number,
            kind=kind,
            regime=regime,
            regimes=regimes,
            status="removed" if hours is not None else "sent",
            sent_at=sent,
            removed_at=sent + timedelta(hours=hours) if hours is not None else None,
        )
    # Outside the period: never counted.
    NoticeFactory(case=case, platform=reddit, round=99, regime="DMCA", sent_at=start - timedelta(seconds=1))
    return {"start": start, "end": end, "ids": {p.slug: p.pk for p in (reddit, x, google, telegram, cdn)}}


def test_the_route_table_equals_a_hand_computation(period):
    got = {
        (f.name, f.route): (f.sent, f.removed, f.removal_rate, f.removal_median_h)
        for f in reports.route_report(start=period["start"], end=period["end"])
    }
    assert got == {
        ("Reddit", "TIDA"): (3, 2, 2 / 3, 20.0),  # median of 10 and 30
        ("Reddit", "dmca"): (2, 2, 1.0, 5.0),
        ("X / Twitter", "dmca"): (1, 0, 0.0, None),
        ("Google Search", "deindex"): (1, 1, 1.0, 72.0),
        ("Telegram", "policy"): (1, 0, 0.0, None),
        ("Telegram", "AU"): (1, 1, 1.0, 5.0),
        ("CDN Example", "upstream"): (1, 1, 1.0, 48.0),
    }


def test_every_route_has_a_name_in_the_rule():
    assert reports.notice_route(kind="cdn", regime="DMCA", regimes=[], slug="x", tida_covered=True) == "upstream"
    assert reports.notice_route(kind="platform", regime="US", regimes=["US", "EU"], slug="s", tida_covered=False) == (
        "DSA"
    )
    assert reports.notice_route(kind="platform", regime="UK", regimes=[], slug="s", tida_covered=None) == "UK"
    assert reports.notice_route(kind="platform", regime="US", regimes=[], slug="s", tida_covered=None) == "policy"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the SQL path uses PostgreSQL's percentile_cont, jsonb and EXTRACT(EPOCH ...): set DATABASE_URL to a "
    "PostgreSQL database to compare it with the Python path",
)
def test_the_sql_and_python_route_paths_agree(period):
    sql = reports._routes_sql(period["start"], period["end"])
    python = reports._routes_python(period["start"], period["end"])
    assert set(sql) == set(python)
    for key, expected in python.items():
        assert sql[key]["sent"] == expected["sent"] and sql[key]["removed"] == expected["removed"], key
        assert sql[key]["removal_median_h"] == pytest.approx(expected["removal_median_h"]), key


def test_the_report_page_and_its_csv_show_the_table(client, advocate, period):
    client.force_login(advocate)
    page = client.get("/reports/platforms/?days=90").content.decode()
    assert 'data-testid="outcomes-by-route"' in page and "Copyright (DMCA)" in page
    body = client.get("/reports/platforms/?days=90&format=routes-csv").content.decode()
    lines = body.strip().splitlines()
    assert lines[0] == "Platform or provider,Route,Notices sent,Removed,Removal rate,Median hours to removal"
    assert "Reddit,Statute: US TAKE IT DOWN Act,3,2,67%,20.0" in lines
    # 90 days reach back past the fixture's period: its unremoved DMCA notice sent just before it counts too.
    assert "Reddit,Copyright (DMCA),3,2,67%,5.0" in lines
    assert 'CDN Example,"Upstream (CDN, host or registrar)",1,1,100%,48.0' in lines
