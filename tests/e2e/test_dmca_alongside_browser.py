"""A victim who took the picture herself adds a copyright (DMCA) notice in headless Chromium: the statement step
says who signs it (the operator, as her authorised agent) and what may be forwarded (to the uploader, to Lumen);
after sending, the DMCA notice reaches the platform's designated copyright agent in the local SMTP server, next
to the platform notice, signed by the operator and without her name or e-mail address."""

from __future__ import annotations

import pytest

from takedowns.models import Case, Notice
from tests.e2e.journey import Journey

pytestmark = pytest.mark.django_db(transaction=True)

URL = "https://www.pornhub.com/view_video.php?viewkey=ph0123456789abc"


def test_a_victim_adds_a_dmca_notice_that_reaches_the_designated_agent(page, live_server, smtp, settings):
    settings.OPERATOR_NAME = "Helpline Example"
    journey = Journey(page, "victim-dmca")

    def next_step(value: str = "next") -> None:
        with page.expect_navigation():
            page.locator(f'main button[type=submit][name=action][value="{value}"]').click()

    page.goto(live_server.url + "/report/who/")
    page.check("#id_filer_type_0")
    page.fill("#id_victim_name", "Sam Example")
    next_step()
    # About the content: real, posted, an adult, and she took it herself.
    page.check("#id_nature_0")
    page.check("#id_posted_0")
    page.check("#id_under_18_0")
    page.check("#id_self_taken_0")
    journey.step("content")
    next_step()
    page.fill("#id_urls", URL)
    next_step("check")
    next_step("continue")
    next_step()  # no pictures
    page.fill("#id_email", "sam@example.org")
    next_step()
    # The statement step explains the copyright notice before she chooses it.
    choice = page.locator('[data-testid="dmca-choice"]')
    assert "Helpline Example" in choice.locator('[data-testid="dmca-signer"]').inner_text()
    assert "authorised agent" in choice.locator('[data-testid="dmca-signer"]').inner_text()
    forwarded = choice.locator('[data-testid="dmca-forwarded"]').inner_text()
    assert "person who posted the picture" in forwarded and "Lumen" in forwarded
    assert "Pornhub" in choice.inner_text()
    page.fill("#id_signature_name", "Sam Example")
    page.check("#id_attest_good_faith")
    page.check("#id_attest_accuracy")
    page.check("#id_dmca_alongside")
    journey.step("statement-dmca")
    next_step()
    journey.step("review")
    page.locator("main form[data-once] button[type=submit]").click()
    page.wait_for_url("**/report/receipt/")

    case = Case.objects.get()
    assert case.attestations["dmca_alongside"] is True and case.attestations["dmca_show_name"] is False
    dmca = Notice.objects.get(case=case, regime="DMCA")
    assert dmca.alongside is not None and dmca.alongside.regime != "DMCA"  # added, not instead
    assert dmca.status == "sent", dmca.delivery_error
    (message,) = [m["message"] for m in smtp.messages if m["to"] == ["dmca@pornhub.com"]]
    assert str(message["Subject"]).strip().startswith("DMCA notice of claimed infringement")
    body = " ".join(message.get_body(preferencelist=("plain",)).get_content().split())
    assert "Signed by: /Helpline Example/" in body and "Authorised agent of the copyright owner" in body
    assert URL in body
    assert "Sam Example" not in body and "sam@example.org" not in body and "intimate" not in body
