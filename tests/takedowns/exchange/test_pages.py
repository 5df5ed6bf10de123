"""The hash exchange in the pages: the intake's opt-in box, the victim's switch on her case page, the advocate's
signals with platforms' reports, the platform inbox's report form and the accountability report's column."""

from __future__ import annotations

import pytest
from django.urls import reverse

from takedowns.models import Case, ExchangeSignal, Platform
from takedowns.services.exchange import exchange_opinion_record, platform_exchange_scopes_set
from tests.takedowns.exchange.conftest import sharing_case
from tests.takedowns.intake.test_journey import receipt_code, sign_in
from tests.utils import jpeg, step_url, walk_intake

pytestmark = pytest.mark.django_db


def test_intake_box_is_opt_in_and_shares_once_fingerprinted(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        walk_intake(client, images=[jpeg(1)], submit=False)
        page = client.get(step_url("images")).content.decode()
        assert "Ask platforms to block these pictures" in page
        assert (
            'name="share_with_platforms"' in page and "checked" not in page.split('name="share_with_platforms"')[1][:80]
        )
        client.post(step_url("images"), {"action": "next", "share_with_platforms": "on"})
        client.post(step_url("review"))
    reference, _code = receipt_code(client)
    case = Case.objects.get(reference=reference)
    assert case.share_with_platforms
    assert set(case.exchange_signals.filter(active=True).values_list("signal_type", flat=True)) == {
        "pdq",
        "video_md5",
    }


def test_intake_without_the_box_shares_nothing(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        walk_intake(client, images=[jpeg(1)])
    reference, _code = receipt_code(client)
    case = Case.objects.get(reference=reference)
    assert not case.share_with_platforms and not case.exchange_signals.exists()


def test_the_victim_stops_and_starts_sharing_on_her_page(client):
    case, _image = sharing_case()
    code = "ABCD-EFGH-JKMN-PQRS"
    from takedowns.services.cases import access_code_hash

    Case.objects.filter(pk=case.pk).update(access_code_hash=access_code_hash(code))
    sign_in(client, case.reference, code)
    page = client.get(reverse("takedowns:status")).content.decode()
    assert "Stop sharing the fingerprints" in page
    client.post(reverse("takedowns:status_sharing"), {"share": "0"})
    assert not ExchangeSignal.objects.filter(case=case, active=True).exists()
    assert "Share the fingerprints to block uploads" in client.get(reverse("takedowns:status")).content.decode()
    client.post(reverse("takedowns:status_sharing"), {"share": "1"})
    assert ExchangeSignal.objects.filter(case=case, active=True).count() == 2


def test_spanish_intake_box():
    from django.utils import translation

    from takedowns.forms.intake import ImagesForm

    with translation.override("es"):
        field = ImagesForm().fields["share_with_platforms"]
        assert str(field.label) == "Pedir a las plataformas que bloqueen estas imágenes antes de que nadie las vea"
        assert "huellas" in str(field.help_text)


def test_advocate_sees_reports_and_retracts(client, advocate, reddit_staff, x_staff):
    case, _image = sharing_case()
    signal = case.exchange_signals.get(signal_type="pdq")
    for slug in ("reddit", "x"):
        exchange_opinion_record(signals=[signal], platform=Platform.objects.get(slug=slug), kind="false_positive")
    exchange_opinion_record(signals=[signal], platform=Platform.objects.get(slug="reddit"), kind="blocked")
    client.force_login(advocate)
    page = client.get(reverse("takedowns:case_detail", args=[case.reference])).content.decode()
    assert signal.public_id in page and "Needs review" in page
    client.post(reverse("takedowns:case_signal_review", args=[case.reference, signal.public_id]), {"keep": "0"})
    signal.refresh_from_db()
    assert not signal.active and signal.removal_reason == "retracted"


def test_platform_inbox_reports_an_opinion(client, reddit_staff):
    platform_exchange_scopes_set(platform=Platform.objects.get(slug="reddit"), scopes=["exchange:read"])
    case, _image = sharing_case()
    signal = case.exchange_signals.get(signal_type="pdq")
    client.force_login(reddit_staff)
    assert "Hash exchange: report a match" in client.get(reverse("takedowns:dashboard")).content.decode()
    client.post(reverse("takedowns:inbox_exchange_opinion"), {"signal_id": signal.public_id, "opinion": "blocked"})
    assert list(signal.opinions.values_list("kind", "platform__slug")) == [("blocked", "reddit")]


def test_report_counts_blocked_uploads_per_platform(client, advocate):
    from django.utils import timezone

    from takedowns.selectors import platform_report
    from takedowns.web.reports import report_rows

    case, _image = sharing_case()
    signal = case.exchange_signals.get(signal_type="pdq")
    reddit = Platform.objects.get(slug="reddit")
    for _ in range(2):
        exchange_opinion_record(signals=[signal], platform=reddit, kind="blocked", actor_user=None)
    client.force_login(advocate)
    page = client.get(reverse("takedowns:report"))
    assert "Uploads blocked with the hash exchange" in page.content.decode()
    csv_text = client.get(reverse("takedowns:report"), {"format": "csv"}).content.decode()
    assert "Uploads blocked with the hash exchange" in csv_text.splitlines()[0]
    now = timezone.now()
    rows = report_rows(
        platform_report(start=now - timezone.timedelta(days=1), end=now, now=now),
        public=False,
        exchange_blocked={reddit.pk: 2},
    )
    assert {r["platform"]: r["exchange_blocked"] for r in rows}.get("Reddit", "2") == "2"
