"""The platform accountability report: its numbers equal a hand computation on a fixture; the public version
shows no case data and suppresses small counts; who may open which page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from takedowns.selectors import platform_report
from tests.factories import CaseFactory, LocationFactory, NoticeFactory

pytestmark = pytest.mark.django_db
REPORT = reverse("takedowns:report")
PUBLIC = reverse("takedowns:public_report")


@pytest.fixture
def fixture(platforms):
    """Five Reddit notices and one X notice in the period, one older Reddit notice outside it."""
    now = timezone.now()
    t0 = now - timedelta(hours=60)  # due at now - 12 h
    h = lambda n: timedelta(hours=n)  # noqa: E731

    def notice(platform, status, sent, **stamps):
        case = CaseFactory(victim_name="Alex Fixture")
        n = NoticeFactory(
            case=case, platform=platforms[platform], status=status, sent_at=sent, due_at=sent + h(48), **stamps
        )
        n.locations.add(LocationFactory(case=case, platform=platforms[platform]))
        return n

    notices = [
        notice("reddit", "removed", t0, acknowledged_at=t0 + h(2), removed_at=t0 + h(10)),  # in time
        notice("reddit", "removed", t0, acknowledged_at=t0 + h(4), removed_at=t0 + h(50)),  # late
        notice("reddit", "info_requested", t0, info_requested_at=t0 + h(6)),  # overdue now
        notice("reddit", "sent", now - h(1)),  # clock running, not decided
        notice("reddit", "disputed", t0, disputed_at=t0 + h(1)),
        notice("x", "removed", t0, removed_at=t0 + h(1)),
        notice("reddit", "removed", now - timedelta(days=200), removed_at=now - timedelta(days=199)),  # outside
    ]
    return {"now": now, "notices": notices}


def test_numbers_equal_a_hand_computation(fixture, platforms):
    now = fixture["now"]
    figures = {f.name: f for f in platform_report(start=now - timedelta(days=90), end=now, now=now)}
    reddit, x = figures["Reddit"], figures[platforms["x"].name]
    assert reddit.sent == 5
    # First answers: 2, 4, 6 and 1 hours → sorted 1, 2, 4, 6: median (2+4)/2 = 3; p90 at rank 2.7 → 4 + 0.7×2.
    assert reddit.answered == 4 and reddit.ack_median_h == pytest.approx(3.0) and reddit.ack_p90_h == pytest.approx(5.4)
    # Removals after 10 and 50 hours: median 30; p90 at rank 0.9 → 10 + 0.9×40 = 46.
    assert (
        reddit.removed == 2
        and reddit.removal_median_h == pytest.approx(30)
        and reddit.removal_p90_h == pytest.approx(46)
    )
    # Decided: two removed, one past its deadline unanswered, one disputed past its deadline; one in time.
    assert (reddit.decided, reddit.removed_in_time, reddit.share_in_time) == (4, 1, 0.25)
    assert reddit.overdue_now == 1 and reddit.disputes == 1
    assert (x.sent, x.ack_median_h, x.removal_p90_h, x.share_in_time, x.overdue_now) == (1, 1.0, 1.0, 1.0, 0)


def test_page_and_csv_for_advocates(client, advocate, fixture, platforms):
    client.force_login(advocate)
    html = client.get(REPORT).content.decode()
    assert "Platform accountability" in html and "<svg" in html and "25%" in html and "30.0" in html
    response = client.get(REPORT + "?days=90&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = {r["Platform"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    assert rows["Reddit"]["Notices sent"] == "5" and rows["Reddit"]["Removed within the deadline"] == "25%"
    assert rows["Reddit"]["90th percentile hours to acknowledge"] == "5.4"
    # A date range: only the old notice.
    old = (timezone.now() - timedelta(days=200)).date()
    rows = list(csv.DictReader(io.StringIO(client.get(REPORT + f"?start={old}&end={old}&format=csv").content.decode())))
    assert [(r["Platform"], r["Notices sent"]) for r in rows] == [("Reddit", "1")]
    assert (
        "The end date is before the start date"
        in client.get(REPORT + "?start=2026-02-02&end=2026-01-01").content.decode()
    )


@pytest.fixture
def mid_month():
    # The public report shows calendar months: keep the fixture's notices inside one.
    with time_machine.travel(datetime(2026, 6, 15, 12, 0, tzinfo=UTC), tick=True):
        yield


def test_public_report_is_off_by_default_and_anonymised_when_on(mid_month, client, fixture, settings):
    assert client.get(PUBLIC).status_code == 404
    settings.PUBLIC_ACCOUNTABILITY_REPORT = True
    html = client.get(PUBLIC).content.decode()
    csv_text = client.get(PUBLIC + "?format=csv").content.decode()
    for notice in fixture["notices"]:
        for text in (html, csv_text):
            assert notice.case.reference not in text
            for loc in notice.locations.all():
                assert loc.url not in text and loc.url.split("//")[1].split("/", 2)[2] not in text
    assert "Alex Fixture" not in html and "Sam Example" not in html
    rows = {r["Platform"]: r for r in csv.DictReader(io.StringIO(csv_text))}
    reddit = rows["Reddit"]
    assert reddit["Notices sent"] == "5"  # five or more: shown
    assert reddit["Removed"] == "<5" and reddit["Overdue now"] == "<5" and reddit["Disputes"] == "<5"
    # Figures from fewer than five notices are withheld.
    assert reddit["Median hours to acknowledge"] == "—" and reddit["Removed within the deadline"] == "—"
    assert all(r["Notices sent"] == "<5" for name, r in rows.items() if name != "Reddit")


def test_advocate_pages_refuse_platform_staff_and_platform_pages_refuse_advocates(
    client, advocate, reddit_staff, platforms, make_sent
):
    notice = make_sent(platforms["reddit"], hours_ago=1)
    ref = notice.case.reference
    client.force_login(reddit_staff)
    for url in (
        REPORT,
        reverse("takedowns:case_detail", args=[ref]),
        reverse("takedowns:bundle_status", args=[ref, 1]),
        reverse("takedowns:image_preview", args=[ref, 1]),
        reverse("takedowns:outbox"),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("takedowns:bundle_request", args=[ref])).status_code == 404
    client.force_login(advocate)
    assert client.get(reverse("takedowns:inbox_notice", args=[notice.pk])).status_code == 404
    assert (
        client.post(reverse("takedowns:inbox_notice", args=[notice.pk]), {"action": "acknowledge"}).status_code == 404
    )
    notice.refresh_from_db()
    assert notice.status == "sent"


def test_report_query_count_does_not_grow_with_notices(client, advocate, fixture, platforms, make_sent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(advocate)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(REPORT).status_code == 200
        counts.append(len(ctx.captured_queries))
        for hours in range(0, 60, 3):
            make_sent(platforms["x" if hours % 2 else "reddit"], hours_ago=hours)
    assert counts[0] == counts[1]
