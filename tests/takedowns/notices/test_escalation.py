"""Escalation drafts: the regulator complaint that fits the notice's law, and de-indexing requests, shown on the
case page once a platform has missed its clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from takedowns.lifecycle import notice_transition
from takedowns.models import Platform
from takedowns.notices import notice_content
from takedowns.notices.escalation import deindex_routes, regulator_routes
from takedowns.services.notices import notices_draft
from tests.factories import complete_case

pytestmark = pytest.mark.django_db
URL = "https://www.reddit.com/r/x/comments/abc/post/"


def overdue_notice(**case_fields):
    case = complete_case(urls=[URL], **case_fields)
    (notice,) = notices_draft(case_id=case.pk)
    return notice_transition(notice=notice, to="sent", actor_kind="system", at=timezone.now() - timedelta(days=3))


def test_a_tida_covered_platform_gets_the_ftc_complaint_with_the_facts():
    Platform.objects.filter(slug="reddit").update(tida_covered=True, tida_process=F("webform_url"), regimes=["US"])
    notice = overdue_notice()
    (ftc,) = [r for r in regulator_routes(notice_content(notice), now=timezone.now()) if r.key == "ftc"]
    text = "\n".join(p.text for p in ftc.pieces)
    assert notice.reference in text and URL in text and "§3(a)(3)" in text and "48 hours" in text
    assert "The statutory deadline was" in text and "It passed" in text
    assert any("Never the intimate images" in item for item in ftc.attach)


def test_no_ftc_route_for_a_platform_the_act_does_not_cover():
    Platform.objects.filter(slug="reddit").update(tida_covered=False, regimes=["US"])
    routes = regulator_routes(notice_content(overdue_notice()), now=timezone.now())
    assert "ftc" not in [r.key for r in routes]


def test_google_form_follows_whether_the_images_are_fake():
    real = deindex_routes(notice_content(overdue_notice(is_synthetic=False)))
    assert [r.key for r in real] == ["google", "bing"]
    fake = deindex_routes(notice_content(overdue_notice(is_synthetic=True)))
    assert [r.key for r in fake] == ["google-fake", "bing"]
    assert URL in fake[0].pieces[0].text


def test_the_case_page_offers_escalation_only_once_overdue(client, advocate):
    Platform.objects.filter(slug="reddit").update(tida_covered=True, tida_process=F("webform_url"), regimes=["US"])
    notice = overdue_notice()
    client.force_login(advocate)
    html = client.get(reverse("takedowns:case_detail", args=[notice.case.reference])).content.decode()
    assert f'data-testid="escalation-{notice.pk}"' in html and "takeitdown.ftc.gov" in html
    fresh = complete_case(urls=["https://x.com/someone/status/42"])
    (sent,) = notices_draft(case_id=fresh.pk)
    notice_transition(notice=sent, to="sent", actor_kind="system")
    html = client.get(reverse("takedowns:case_detail", args=[fresh.reference])).content.decode()
    assert 'data-testid="escalation-' not in html


def test_upstream_notices_name_the_cdn_the_host_and_the_registrar():
    from takedowns.models import HostIdentity
    from takedowns.notices.escalation import upstream_routes

    case = complete_case(urls=["https://deepfakes.example/gallery/7"])
    Platform.objects.create(slug="fake-site", name="Fake site", domains=["deepfakes.example"], channel="email")
    case.locations.update(platform=Platform.objects.get(slug="fake-site"))
    (notice,) = notices_draft(case_id=case.pk)
    notice = notice_transition(notice=notice, to="sent", actor_kind="system", at=timezone.now() - timedelta(days=3))
    identity = HostIdentity.objects.create(
        host="deepfakes.example",
        cdn="Cloudflare",
        cdn_slug="cloudflare",
        network_owner="Example Hosting Ltd",
        registrar="Example Registrar Inc.",
        registered_domain="deepfakes.example",
        abuse_contacts=[
            {"email": "abuse@hosting.example", "source": "network"},
            {"email": "abuse@registrar.example", "source": "registrar"},
        ],
        looked_up_at=timezone.now(),
    )
    routes = upstream_routes(notice_content(notice), {"deepfakes.example": identity}, now=timezone.now())
    assert [r.key for r in routes] == ["cdn-cloudflare", "host", "registrar"]
    assert "NCSEI" in routes[0].summary and routes[0].url == "https://abuse.cloudflare.com/"
    assert "abuse@hosting.example" in routes[1].summary and "DSA Art. 16" in routes[1].pieces[1].text
    assert "§3.18.1" in routes[2].pieces[1].text and "https://deepfakes.example/gallery/7" in routes[2].pieces[0].text


def test_the_ofcom_route_starts_with_the_complaint_to_the_service_and_states_the_duty_only_where_it_ran(settings):
    settings.NOTICES_UK_48H_IN_FORCE = True
    Platform.objects.filter(slug="reddit").update(service_type="user_to_user", regimes=["US"])
    notice = overdue_notice(jurisdiction="UK")
    (ofcom,) = [r for r in regulator_routes(notice_content(notice), now=timezone.now()) if r.key == "ofcom"]
    assert ofcom.url.startswith("https://www.ofcom.org.uk/make-a-complaint/")
    pieces = {p.key: p.text for p in ofcom.pieces}
    assert next(iter(pieces)) == "service_complaint" and "(s.21)" in pieces["service_complaint"]
    assert "s.10(3A)" in pieces["what_happened"]
    Platform.objects.filter(slug="reddit").update(service_type="search")
    notice.platform.refresh_from_db()
    (ofcom,) = [r for r in regulator_routes(notice_content(notice), now=timezone.now()) if r.key == "ofcom"]
    assert all("s.10(3A)" not in p.text for p in ofcom.pieces)
