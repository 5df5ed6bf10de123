"""The copyright route for a person who took the picture themselves: a DMCA notice alongside (never instead of) the
platform notice, to the platform's designated agent (17 U.S.C. 512(c)(2)), signed by the operator as the owner's
authorised agent (512(c)(3)(A)(i)), with the owner's name only when they chose to give it."""

from __future__ import annotations

import pytest
from django.core import mail

from takedowns.models import Notice, NoticeStatus, Platform
from takedowns.notices import notice_content, render_notice
from takedowns.services.delivery import notice_missing_elements
from takedowns.services.notices import notices_draft, notices_prepare
from tests.factories import complete_case, load_email_platforms
from tests.takedowns.test_api_cases import api, case_payload

pytestmark = pytest.mark.django_db

AGENT = "copyright-agent@mailhost-a.example"
ALONGSIDE = {"self_taken": True, "dmca_alongside": True}


@pytest.fixture
def email_platforms(db):
    platforms = load_email_platforms()
    Platform.objects.filter(slug="mailhost-a").update(
        dmca_agent_email=AGENT, dmca_agent_source="test registry", dmca_agent_verified="2026-12-05"
    )
    return platforms


def _case(show_name: bool = False, **overrides):
    attestations = {"good_faith": True, "accuracy": True, **ALONGSIDE, "dmca_show_name": show_name}
    return complete_case(
        urls=["https://mailhost-a.example/p/1", "https://mailhost-b.example/p/2"],
        attestations=attestations,
        **overrides,
    )


def test_a_dmca_notice_is_added_next_to_the_platform_notice_only_where_an_agent_is_known(email_platforms):
    case = _case()
    drafted = notices_draft(case_id=case.pk)
    by = {(n.platform.slug, n.regime) for n in drafted}
    # mailhost-b names no copyright agent: it gets its platform notice and no DMCA notice.
    assert by == {("mailhost-a", "US"), ("mailhost-a", "DMCA"), ("mailhost-b", "US")}
    dmca = Notice.objects.get(case=case, regime="DMCA")
    platform_notice = Notice.objects.get(case=case, platform__slug="mailhost-a", regime="US")
    assert dmca.alongside == platform_notice and dmca.round == platform_notice.round
    assert list(dmca.locations.all()) == list(platform_notice.locations.all())
    assert (dmca.channel, dmca.recipient, dmca.delivery_address) == ("email", AGENT, AGENT)
    assert notices_draft(case_id=case.pk) == []  # idempotent
    assert Notice.objects.filter(case=case).count() == 3


def test_no_dmca_notice_without_the_choice_or_for_content_made_under_18(email_platforms):
    plain = complete_case(urls=["https://mailhost-a.example/p/1"])
    notices_draft(case_id=plain.pk)
    assert not Notice.objects.filter(case=plain, regime="DMCA").exists()
    minor = _case(is_minor_content=True, hashed_images=0)
    notices_draft(case_id=minor.pk)
    assert not Notice.objects.filter(case=minor, regime="DMCA").exists()


def test_the_operator_signs_and_the_owner_is_named_only_by_choice(email_platforms, settings):
    settings.OPERATOR_NAME = "Helpline Example"
    case = _case(contact_private=False)
    notices_draft(case_id=case.pk)
    dmca = Notice.objects.get(case=case, regime="DMCA")
    assert notice_missing_elements(notice=dmca) == []
    text = " ".join(render_notice(dmca).text.split())  # the text renderer aligns labels with spaces
    assert "Signed by: /Helpline Example/" in text
    assert "Capacity: Authorised agent of the copyright owner" in text
    assert "Copyright owner: Name withheld at the owner's request" in text
    assert "under penalty of perjury, I am authorized" in text
    # Forwarded to the uploader and published: never the victim's name, e-mail or the word "intimate".
    for private in ("Sam Example", "sam@example.org", "intimate", "consent"):
        assert private not in text, private
    assert "designated copyright agent (17 U.S.C. 512(c)(2))" in text
    # The platform notice is unchanged: signed by the person shown.
    platform_text = " ".join(render_notice(dmca.alongside).text.split())
    assert "Signed by: /Sam Example/" in platform_text

    named = _case(show_name=True)
    notices_draft(case_id=named.pk)
    content = notice_content(Notice.objects.get(case=named, regime="DMCA"))
    assert content.dmca_owner_name == "Sam Example" and content.signature_name == "Helpline Example"


def test_an_advocates_tick_is_never_rendered_as_the_victims_signature(email_platforms, settings):
    from takedowns.services.notices import notice_route_dmca

    settings.OPERATOR_NAME = "Helpline Example"
    case = complete_case(urls=["https://mailhost-a.example/p/1"])
    (notice,) = notices_draft(case_id=case.pk)
    notice_route_dmca(
        notice=notice, copyrighted_work="A photo I took in 2024.", attest_copyright_authority=True, attest_accuracy=True
    )
    notice.refresh_from_db()
    text = " ".join(render_notice(notice).text.split())
    assert "Signed by: /Helpline Example/" in text and "/Sam Example/" not in text
    assert "Capacity: The person shown" not in text


def test_the_dmca_notice_is_mailed_to_the_designated_agent(email_platforms, django_capture_on_commit_callbacks):
    case = _case()
    with django_capture_on_commit_callbacks(execute=True):
        notices_prepare(case_id=case.pk)
    dmca = Notice.objects.get(case=case, regime="DMCA")
    assert dmca.status == NoticeStatus.SENT
    (to_agent,) = [m for m in mail.outbox if AGENT in m.to]
    assert to_agent.subject.startswith("DMCA notice of claimed infringement")
    assert [m for m in mail.outbox if "ncii@mailhost-a.example" in m.to]  # the platform notice went too


def test_ai_made_material_waits_for_an_advocate_before_the_operator_signs(
    email_platforms, django_capture_on_commit_callbacks
):
    case = _case(is_synthetic=True)
    with django_capture_on_commit_callbacks(execute=True):
        notices_prepare(case_id=case.pk)
    assert Notice.objects.get(case=case, regime="DMCA").status == NoticeStatus.DRAFT
    assert Notice.objects.get(case=case, platform__slug="mailhost-a", regime="US").status == NoticeStatus.SENT


def test_the_api_takes_the_same_choice(advocate, email_platforms):
    url = "/api/v1/cases/"
    payload = case_payload(urls=["https://mailhost-a.example/p/1"], is_synthetic="false")
    response = api(advocate).post(url, {**payload, "dmca_alongside": "true"}, format="multipart")
    assert response.status_code == 400 and "self_taken" in response.json()["dmca_alongside"][0]
    response = api(advocate).post(
        url, {**payload, "dmca_alongside": "true", "self_taken": "true", "is_minor_content": "true"}, format="multipart"
    )
    assert response.status_code == 400 and "under 18" in response.json()["dmca_alongside"][0]
    response = api(advocate).post(url, {**payload, "dmca_alongside": "true", "self_taken": "true"}, format="multipart")
    assert response.status_code == 201, response.content
    from takedowns.models import Case

    case = Case.objects.get(reference=response.json()["reference"])
    assert case.attestations["dmca_alongside"] is True and case.attestations["dmca_show_name"] is False
    notices_draft(case_id=case.pk)
    body = api(advocate).get(f"/api/v1/cases/{case.reference}/").json()
    dmca = next(row for row in body["notices"] if row["regime"] == "DMCA")
    assert dmca["recipient"] == AGENT and dmca["alongside"]


def test_the_case_page_says_where_a_dmca_notice_went_and_why_not_elsewhere(client, advocate, email_platforms):
    case = _case()
    notices_draft(case_id=case.pk)
    client.force_login(advocate)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert 'data-testid="dmca-alongside"' in page
    assert f"Mailhost A ({AGENT})" in page
    no_agent = page.split('data-testid="dmca-no-agent"')[1].split("</span>")[0]
    assert "Mailhost B" in no_agent and "Mailhost A" not in no_agent
