"""The clock board: every open notice, soonest deadline first, with counters, filters, search and pages, that
works as plain links without JavaScript and as an htmx region with it."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from takedowns.lifecycle import notice_transition
from takedowns.models import ReportedLocation
from takedowns.services.deadlines import job_last_ran
from takedowns.tasks import deadlines_sweep_on_worker_start
from tests.factories import CaseFactory, NoticeFactory

pytestmark = pytest.mark.django_db
BOARD = reverse("takedowns:dashboard")


def rows(html: str) -> list[str]:
    """The case references of the board's rows, top to bottom."""
    return re.findall(r'<th scope="row"><a href="/cases/([A-Z0-9-]+)/', html)


def test_overdue_first_then_by_time_left_with_words_not_only_colour(client, advocate, platforms, make_sent):
    fresh = make_sent(platforms["reddit"], hours_ago=1)
    overdue = make_sent(platforms["x"], hours_ago=50)
    soon = make_sent(platforms["reddit"], hours_ago=40)
    draft = NoticeFactory(platform=platforms["reddit"])
    client.force_login(advocate)
    html = client.get(BOARD).content.decode()
    assert rows(html) == [n.case.reference for n in (overdue, soon, fresh, draft)]
    assert "OVERDUE — overdue by 2 h" in html and "Due soon — 7 h 59 m left" in html
    assert "clock not running" in html
    counters = dict(re.findall(r'data-counter="(\w+)">(?:<span aria-hidden="true">⚠ </span>)?(\d+)<', html))
    assert counters == {"open": "4", "due_soon": "1", "overdue": "1", "removed_week": "0", "waiting": "1"}


def test_filters_and_search_work_as_plain_links(client, advocate, platforms, make_sent):
    a = make_sent(platforms["reddit"], hours_ago=1, url="https://www.reddit.com/r/pics/comments/abc123/post/")
    b = make_sent(platforms["x"], hours_ago=50)
    c = make_sent(platforms["reddit"], hours_ago=2)
    c.case.assigned_advocate = advocate
    c.case.save(update_fields=["assigned_advocate"])
    notice_transition(notice=c, to="acknowledged", actor_kind="platform")
    client.force_login(advocate)

    def refs(query: str) -> set[str]:
        return set(rows(client.get(BOARD + query).content.decode()))

    assert refs(f"?platform={platforms['x'].pk}") == {b.case.reference}
    assert refs("?overdue=1") == {b.case.reference}
    assert refs("?status=acknowledged") == {c.case.reference}
    assert refs("?mine=1") == {c.case.reference}
    assert refs(f"?advocate={advocate.pk}") == {c.case.reference}
    assert refs("?regime=US") == {a.case.reference, b.case.reference, c.case.reference}
    assert refs("?q=abc123") == {a.case.reference}
    assert refs(f"?q={b.case.reference}") == {b.case.reference}
    assert refs("?q=nothing-like-this") == set()
    # A stale or hand-edited link narrows nothing rather than failing.
    assert refs("?platform=abc&status=bogus") == {a.case.reference, b.case.reference, c.case.reference}


def test_closed_and_withdrawn_notices_and_cases_are_not_on_the_board(client, advocate, platforms, make_sent):
    gone = make_sent(platforms["reddit"], hours_ago=1)
    notice_transition(notice=gone, to="withdrawn", actor_kind="victim")
    closed_case = CaseFactory(state="closed")
    hidden = make_sent(platforms["reddit"], hours_ago=1, case=closed_case)
    client.force_login(advocate)
    html = client.get(BOARD).content.decode()
    assert gone.case.reference not in html and hidden.case.reference not in html


def test_htmx_request_gets_only_the_region_and_the_page_loads_vendored_htmx(client, advocate, platforms, make_sent):
    make_sent(platforms["reddit"], hours_ago=1)
    client.force_login(advocate)
    full = client.get(BOARD).content.decode()
    assert "/static/vendor/htmx-2.0.11/htmx.min.js" in full and 'hx-trigger="every 60s"' in full
    assert '<form method="get"' in full  # the filters work as a plain GET form
    part = client.get(BOARD + "?overdue=1", HTTP_HX_REQUEST="true").content.decode()
    assert part.lstrip().startswith('<div id="board-region"') and "<html" not in part
    assert 'hx-get="/dashboard/?overdue=1"' in part  # the refresh keeps the filters


def test_pagination(client, advocate, platforms, make_sent):
    for i in range(53):
        make_sent(platforms["reddit"], hours_ago=i % 47)
    client.force_login(advocate)
    first = client.get(BOARD).content.decode()
    assert len(rows(first)) == 50 and "Page 1 of 2" in first
    second = client.get(BOARD + "?page=2").content.decode()
    assert len(rows(second)) == 3 and not set(rows(first)) & set(rows(second))


def test_unknown_websites_are_counted_and_listed(client, advocate):
    case = CaseFactory()
    ReportedLocation.objects.create(case=case, url="https://unknown-site.example/v/1", host="unknown-site.example")
    client.force_login(advocate)
    html = client.get(BOARD).content.decode()
    assert "0 drafts held for review, 1 URLs on unknown websites" in html
    assert "unknown-site.example" in html and case.reference in html


def test_query_count_does_not_grow_with_rows(client, advocate, platforms, make_sent):
    client.force_login(advocate)
    counts = []
    for target in (10, 200):
        while ReportedLocation.objects.count() < target:
            hours_ago = (ReportedLocation.objects.count() * 7) % 60
            make_sent(platforms["reddit" if counts else "x"], hours_ago=hours_ago)
        for query in ("", "?overdue=1&q=reddit"):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(BOARD + query).status_code == 200
            counts.append((query, len(ctx.captured_queries)))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts


def test_platform_staff_get_their_inbox_not_the_board(client, reddit_staff, platforms, make_sent):
    make_sent(platforms["reddit"], hours_ago=1)
    client.force_login(reddit_staff)
    html = client.get(BOARD).content.decode()
    assert "Notices for Reddit" in html and "clock board" not in html and 'data-counter="open"' not in html


def test_worker_start_runs_the_first_sweep(client, advocate):
    from celery.signals import worker_ready

    assert any(r() is deadlines_sweep_on_worker_start for _, r in worker_ready.receivers)
    assert job_last_ran("sweep-deadlines") is None
    deadlines_sweep_on_worker_start(sender=None)  # what the worker's start fires (tasks run eagerly here)
    assert job_last_ran("sweep-deadlines") is not None
    client.force_login(advocate)
    assert "No deadline check has run yet" not in client.get(BOARD).content.decode()
