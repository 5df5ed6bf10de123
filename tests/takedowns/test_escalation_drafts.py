"""Each regulator complaint (and de-indexing request) of an overdue, disputed or escalated notice as a
plain-text and PDF download from the advocate's case page, with what to attach (the evidence bundle, linked, when
one exists). Advocates only; every download logged; a notice the platform still has time for is refused clearly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from takedowns.lifecycle import notice_transition
from takedowns.models import Event, EventType, Platform
from takedowns.services.account_actions import notice_account_answer_record
from takedowns.services.bundles import bundle_build, bundle_request
from takedowns.services.notices import notices_draft
from tests.factories import complete_case
from tests.utils import pdf_text

pytestmark = pytest.mark.django_db
URL = "https://www.reddit.com/r/x/comments/abc/post/"


def notice_sent(*, days_ago: float = 3, **case_fields):
    case = complete_case(urls=[URL], **case_fields)
    (notice,) = notices_draft(case_id=case.pk)
    return notice_transition(
        notice=notice, to="sent", actor_kind="system", at=timezone.now() - timedelta(days=days_ago)
    )


def draft_url(notice, route, fmt):
    return reverse("takedowns:escalation_draft", args=[notice.case.reference, notice.pk, route, fmt])


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def covered():
    Platform.objects.filter(slug="reddit").update(
        tida_covered=True, tida_process=F("webform_url"), regimes=["US", "EU"]
    )


def test_ftc_draft_as_pdf_and_text_carries_the_facts_and_what_to_attach(client, advocate, covered):
    notice = notice_sent()
    client.force_login(advocate)
    response = client.get(draft_url(notice, "ftc", "pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="{notice.reference}-ftc.pdf"' in response["Content-Disposition"]
    text = flat(pdf_text(response.content))
    for piece in (
        "Escalation draft: US Federal Trade Commission (TAKE IT DOWN Act)",
        "https://takeitdown.ftc.gov/",
        notice.reference,
        URL,
        "§3(a)(3)",
        "The statutory deadline was",
        "It passed",
        "What to attach",
        "No evidence bundle has been built for this case yet",
        "Never the intimate images themselves",
    ):
        assert piece in text, piece
    plain = client.get(draft_url(notice, "ftc", "txt"))
    assert plain.status_code == 200 and plain["Content-Type"].startswith("text/plain")
    body = flat(plain.content.decode())
    assert "WHAT TO ATTACH" in body and URL in body and f"/notices/{notice.pk}/pdf/" in body
    events = Event.objects.filter(notice=notice, type=EventType.ESCALATION_DRAFT_DOWNLOADED)
    assert [(e.data["route"], e.data["format"], e.actor_user_id) for e in events] == [
        ("ftc", "pdf", advocate.pk),
        ("ftc", "txt", advocate.pk),
    ]


def test_the_attach_list_links_the_evidence_bundle_once_built(client, advocate, covered):
    notice = notice_sent(jurisdiction="EU")
    bundle = bundle_build(bundle_id=bundle_request(case=notice.case, actor_kind="advocate").pk)
    client.force_login(advocate)
    body = flat(client.get(draft_url(notice, "dsc", "txt")).content.decode())
    download = reverse("takedowns:bundle_download", args=[notice.case.reference, bundle.pk])
    assert download in body and bundle.sha256 in body and "No evidence bundle" not in body
    assert "Digital Services Coordinator" in body and "Art. 16(2)" in body


def test_no_dsc_complaint_for_a_person_outside_the_eu(client, advocate, covered):
    # DSA Art. 53: the coordinator is the one where the complainant is located or established.
    notice = notice_sent(jurisdiction="US")
    client.force_login(advocate)
    assert client.get(draft_url(notice, "dsc", "txt")).status_code == 302
    body = flat(client.get(draft_url(notice_sent(jurisdiction="EU"), "dsc", "txt")).content.decode())
    assert "Art. 16(6)" in body and "Art. 17" in body and "Art. 20" in body and "Art. 6" not in body


def test_no_ftc_draft_for_a_platform_the_act_does_not_cover(client, advocate):
    Platform.objects.filter(slug="reddit").update(tida_covered=False, regimes=["US"])
    notice = notice_sent()
    client.force_login(advocate)
    response = client.get(draft_url(notice, "ftc", "pdf"), follow=True)
    assert response.redirect_chain and "TAKE IT DOWN Act covered platforms only" in response.content.decode()
    assert not Event.objects.filter(type=EventType.ESCALATION_DRAFT_DOWNLOADED).exists()
    # The de-indexing drafts still apply.
    assert client.get(draft_url(notice, "google", "pdf")).status_code == 200


def test_a_notice_within_its_deadline_is_refused_clearly(client, advocate, covered):
    notice = notice_sent(days_ago=0.1)
    client.force_login(advocate)
    response = client.get(draft_url(notice, "ftc", "pdf"), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("takedowns:case_detail", args=[notice.case.reference])
    assert "Escalation drafts are for notices that are overdue, disputed or escalated" in html
    assert not Event.objects.filter(type=EventType.ESCALATION_DRAFT_DOWNLOADED).exists()


def test_a_disputed_notice_gets_drafts_before_its_deadline_with_what_the_platform_said(client, advocate, covered):
    notice = notice_transition(
        notice=notice_sent(days_ago=0.1, jurisdiction="EU"),
        to="disputed",
        actor_kind="platform",
        data={"reason": "consent", "message": "We think it was shared with consent."},
    )
    notice_account_answer_record(notice=notice, account="no_action")
    client.force_login(advocate)
    client.cookies["django_language"] = "es"  # the draft is for an English-language form whatever the UI
    # The FTC enforces the 48 hours of §3(a)(3): never offered before they have passed, even after a refusal.
    assert client.get(draft_url(notice, "ftc", "txt")).status_code == 302
    response = client.get(draft_url(notice, "dsc", "txt"))
    assert response.status_code == 200
    body = flat(response.content.decode())
    assert "WHAT THE PLATFORM ANSWERED" in body
    assert "Platform disputed (reason: We have reason to believe the depicted person consented)" in body
    assert '"We think it was shared with consent."' in body
    assert "Answer about the uploader's account recorded: No action on the account" in body


def test_silence_is_stated_and_search_engine_drafts_have_no_answers_section(client, advocate, covered):
    notice = notice_sent()
    client.force_login(advocate)
    ftc = flat(client.get(draft_url(notice, "ftc", "txt")).content.decode())
    assert "WHAT THE PLATFORM ANSWERED" in ftc and "- Nothing: the platform has not answered the notice." in ftc
    bing = flat(client.get(draft_url(notice, "bing", "txt")).content.decode())
    assert "WHAT THE PLATFORM ANSWERED" not in bing and "Never upload the images" in bing


def test_victims_platform_staff_and_strangers_get_404(client, advocate, reddit_staff, covered):
    notice = notice_sent()
    # Platform staff of the very platform concerned: no case pages, so 404.
    client.force_login(reddit_staff)
    assert client.get(draft_url(notice, "ftc", "pdf")).status_code == 404
    client.logout()
    assert client.get(draft_url(notice, "ftc", "pdf")).status_code == 302  # to the sign-in page
    client.force_login(advocate)
    other = notice_sent()
    # A notice of another case under this case's reference, or an unknown route: 404.
    wrong = reverse("takedowns:escalation_draft", args=[notice.case.reference, other.pk, "ftc", "pdf"])
    assert client.get(wrong).status_code == 404
    assert client.get(draft_url(notice, "nonsense", "pdf")).status_code == 404
    assert not Event.objects.filter(type=EventType.ESCALATION_DRAFT_DOWNLOADED).exists()


def test_the_case_page_links_each_draft(client, advocate, covered):
    notice = notice_sent(jurisdiction="EU")
    client.force_login(advocate)
    html = client.get(reverse("takedowns:case_detail", args=[notice.case.reference])).content.decode()
    for route in ("ftc", "dsc", "google", "bing"):
        assert draft_url(notice, route, "pdf") in html and draft_url(notice, route, "txt") in html


def test_pdf_in_other_scripts_or_a_clear_refusal_naming_the_characters(client, advocate, covered):
    notice = notice_transition(
        notice=notice_sent(),
        to="disputed",
        actor_kind="platform",
        data={"reason": "other", "message": "Не давала согласия — العربية"},
    )
    client.force_login(advocate)
    response = client.get(draft_url(notice, "ftc", "pdf"))
    assert response.status_code == 200 and b"/FontFile2" in response.content
    refused = notice_transition(
        notice=notice_sent(), to="disputed", actor_kind="platform", data={"reason": "other", "message": "李雷"}
    )
    response = client.get(draft_url(refused, "ftc", "pdf"), follow=True)
    assert "李 (U+674E), 雷 (U+96F7)" in response.content.decode()
    # The text version never needs a font: it still downloads, every character kept.
    assert "李雷" in client.get(draft_url(refused, "ftc", "txt")).content.decode()
