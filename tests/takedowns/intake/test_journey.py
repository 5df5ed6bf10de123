"""The victim's whole path with the test client: intake, receipt, e-mail, status page, and what happens to the
pictures after hashing."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from takedowns.models import Case, ImageState, Notice, ReferenceImage
from takedowns.services.notices import notices_draft
from tests.utils import intake_state, jpeg, post_ok, step_url, stored_files, walk_intake

pytestmark = pytest.mark.django_db

CODE_RE = re.compile(r'id="access-code">([A-Z0-9-]+)<')


def receipt_code(client) -> tuple[str, str]:
    html = client.get(reverse("takedowns:intake_receipt")).content.decode()
    match = CODE_RE.search(html)
    assert match, html[html.find("<main") :][:3000]
    code = match.group(1)
    reference = re.search(r'id="case-reference">([A-Z0-9-]+)<', html).group(1)
    return reference, code


def sign_in(client, reference, code):
    return client.post(reverse("takedowns:status_login"), {"reference": reference, "access_code": code})


def test_full_journey_two_images_three_urls_two_platforms(client, private_storage, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = walk_intake(
            client,
            images=[jpeg(1), jpeg(2, name="second.png", fmt="PNG")],
            handles={"handle-2": "@someone"},
        )
    assert response.status_code == 302 and response["Location"] == reverse("takedowns:intake_receipt")
    case = Case.objects.get()
    assert case.state == "open" and case.is_synthetic and not case.is_minor_content
    assert case.language == "en" and case.victim_name == "Sam Example" and case.contact_email == "sam@example.org"
    assert case.signed_at and case.attestations["good_faith"] and case.attestations["accuracy"]
    assert "good-faith belief" in case.good_faith_statement
    assert sorted(loc.platform.slug for loc in case.locations.all()) == ["reddit", "reddit", "x"]
    assert case.locations.get(platform__slug="x").uploader_handle == "@someone"

    reference, code = receipt_code(client)
    assert reference == case.reference and len(code) == 19
    assert code not in case.access_code_hash
    # The e-mail copy, in the case's language, text and HTML.
    receipt_mail = [m for m in mail.outbox if "sam@example.org" in m.to]
    assert len(receipt_mail) == 1
    assert code in receipt_mail[0].body and reference in receipt_mail[0].subject
    assert code in receipt_mail[0].alternatives[0][0]

    # Hashing ran on commit; the originals are gone from storage and the rows say so.
    images = list(ReferenceImage.objects.filter(case=case))
    assert len(images) == 2
    assert all(img.state == ImageState.HASHED and not img.file and img.purged_at for img in images)
    assert all(len(img.pdq) == 64 for img in images)
    assert stored_files(private_storage) == []

    # The status page, signed in with the code as typed by a person (lower case, spaces).
    messy = code.lower().replace("-", " ")
    response = sign_in(client, reference.lower(), messy)
    assert response.status_code == 302 and response["Location"] == reverse("takedowns:status")
    notices_draft(case_id=case.pk)
    html = client.get(reverse("takedowns:status")).content.decode()
    assert "Reddit" in html and "X / Twitter" in html
    assert html.count('class="card mb-3 platform-row"') == 2
    assert "Fingerprinted; the picture itself has been deleted." in html
    # The pictures are never shown back.
    assert "<img" not in html


def test_keep_as_evidence_keeps_the_encrypted_original(client, private_storage, django_capture_on_commit_callbacks):
    data = jpeg(3)
    raw = data.read()
    data.seek(0)
    with django_capture_on_commit_callbacks(execute=True):
        walk_intake(client, images=[data], keep=True)
    image = ReferenceImage.objects.get()
    assert image.state == ImageState.HASHED and image.keep_as_evidence and image.file
    files = stored_files(private_storage)
    assert len(files) == 1 and files[0].name == image.file.name.rsplit("/", 1)[-1]
    # Encrypted at rest: the stored bytes are not the picture.
    assert raw[:64] not in files[0].read_bytes()


def test_an_unexpected_error_while_hashing_fails_the_picture_instead_of_leaving_it_pending(
    client, private_storage, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    """Any exception from the hashing library (a bug, a library's own assertion) ends the picture's wait with
    "we could not read this picture"; the original is purged and the detail goes to the log only."""
    import hashing

    def broken(*args, **kwargs):
        raise ValueError("library assertion: width > 2")

    monkeypatch.setattr(hashing, "compute", broken)
    with django_capture_on_commit_callbacks(execute=True):
        walk_intake(client, images=[jpeg(5)])
    image = ReferenceImage.objects.get()
    assert image.state == ImageState.FAILED and image.failure_code == "hashing_error"
    assert image.failure_reason == "We could not read this picture." and not image.file
    assert not stored_files(private_storage)
    assert "library assertion" in caplog.text


def test_pending_uploads_leave_storage_on_submit(client, private_storage, django_capture_on_commit_callbacks):
    walk_intake(client, images=[jpeg(4)], submit=False)
    pending = [p for p in stored_files(private_storage) if "pending-uploads" in str(p)]
    assert len(pending) == 1
    # Deleted by the io worker once the case is committed (a zeroed, synced overwrite is disk time the person
    # filing need not wait for); the unit tests run tasks in process.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(step_url("review"))
    assert callbacks
    assert not [p for p in stored_files(private_storage) if "pending-uploads" in str(p)]


def test_pending_uploads_deleted_by_the_web_worker_without_a_broker(
    client, private_storage, monkeypatch, django_capture_on_commit_callbacks
):
    """A broker that refuses the follow-up leaves no picture behind and still sends the receipt: the web worker
    does both itself."""
    from celery import current_app

    from takedowns.services import intake

    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(current_app.tasks[intake.FOLLOWUP_TASK], "apply_async", refuse)
    walk_intake(client, images=[jpeg(4)], submit=False)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(step_url("review"))
    assert not [p for p in stored_files(private_storage) if "pending-uploads" in str(p)]
    assert [m.to for m in mail.outbox] == [["sam@example.org"]]


def test_duplicate_submit_creates_one_case(client, private_storage):
    walk_intake(client, images=[jpeg(5)], submit=False)
    session_key = intake_state(client)["key"]
    first = client.post(step_url("review"))
    second = client.post(step_url("review"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("takedowns:intake_receipt")
    assert Case.objects.count() == 1
    assert ReferenceImage.objects.count() == 1
    assert Case.objects.get().submission_key == session_key


def test_concurrent_duplicate_uses_the_submission_key(private_storage):
    from takedowns.services.intake import intake_submit

    answers = {
        "who": {"filer_type": "self", "victim_name": "Sam Example"},
        "content": {"nature": "real", "posted": "posted", "under_18": "no"},
        "where": {"urls": ["https://www.reddit.com/r/a/comments/1/x/"], "handles": {}},
        "statement": {"signature_name": "Sam Example", "attest_good_faith": True, "attest_accuracy": True},
    }
    first = intake_submit(answers=answers, pending=[], keep_as_evidence=False, submission_key="k1", language="en")
    second = intake_submit(answers=answers, pending=[], keep_as_evidence=False, submission_key="k1", language="en")
    assert first.case.pk == second.case.pk and first.created and not second.created
    assert first.access_code and not second.access_code
    assert Case.objects.count() == 1


def test_receipt_is_shown_on_this_browser_only_and_can_be_dismissed(client, private_storage):
    walk_intake(client)
    reference, _code = receipt_code(client)
    other = client.__class__()
    assert other.get(reverse("takedowns:intake_receipt")).status_code == 302
    response = client.post(reverse("takedowns:intake_receipt"))
    assert response.status_code == 302 and reference in response["Location"]
    assert client.get(reverse("takedowns:intake_receipt")).status_code == 302


def test_no_email_warns_plainly_before_submit(client, private_storage):
    html = walk_intake(
        client, answers={"contact": {"email": "", "phone": "", "contact_private": "on"}}, submit=False
    ).content.decode()
    assert "You gave no e-mail address: if you lose the code, you lose access to your case." in html
    client.post(step_url("review"))
    assert not mail.outbox


def test_answers_survive_going_back(client, private_storage):
    walk_intake(client, submit=False)
    html = client.get(step_url("who")).content.decode()
    assert 'value="Sam Example"' in html
    html = client.get(step_url("where")).content.decode()
    assert "abc123" in html and "X" in html


def test_cannot_skip_ahead(client):
    response = client.get(step_url("review"))
    assert response.status_code == 302 and response["Location"] == step_url("who")


def test_status_page_shows_replies_unknown_sites_and_deadline(client, private_storage):
    from takedowns.lifecycle import notice_transition

    walk_intake(client, urls="https://www.reddit.com/r/a/comments/1/x/\nhttps://unknown-site.example/p/1")
    case = Case.objects.get()
    reference, code = receipt_code(client)
    notices_draft(case_id=case.pk)
    notice = Notice.objects.get(case=case)
    notice_transition(notice=notice, to="sent", actor_kind="system")
    notice_transition(
        notice=notice, to="info_requested", actor_kind="platform", data={"message": "Please confirm the post id."}
    )
    sign_in(client, reference, code)
    html = client.get(reverse("takedowns:status")).content.decode()
    assert "The platform asked for more information." in html
    assert "Please confirm the post id." in html
    assert " left" in html  # time_left
    assert "We need to find who to send these to — an advocate will look at them." in html
    assert "unknown-site.example" in html


def test_add_urls_and_images_later(client, private_storage, django_capture_on_commit_callbacks):
    walk_intake(client, urls="https://www.reddit.com/r/a/comments/1/x/")
    reference, code = receipt_code(client)
    sign_in(client, reference, code)
    case = Case.objects.get()
    # Words without an address: told so, the text kept for correcting, nothing added.
    response = client.post(reverse("takedowns:status_add_urls"), {"urls": "the photo on his page"})
    html = response.content.decode()
    assert response.status_code == 200 and "Please paste at least one address" in html
    assert "the photo on his page" in html and case.locations.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("takedowns:status_add_urls"), {"urls": "https://x.com/a/status/1\nhttps://x.com/a/status/1"}
        )
    assert response.status_code == 302
    assert case.locations.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("takedowns:status_add_images"), {"images": [jpeg(7)]})
    assert response.status_code == 302
    assert ReferenceImage.objects.get(case=case).state == ImageState.HASHED
    progress = client.get(reverse("takedowns:status_progress")).json()
    assert progress["pending"] is False and progress["images"][0]["state"] == "hashed"


def test_sign_out_and_idle_timeout(client, private_storage):
    walk_intake(client)
    reference, code = receipt_code(client)
    sign_in(client, reference, code)
    assert client.get(reverse("takedowns:status")).status_code == 200
    client.post(reverse("takedowns:status_signout"))
    assert client.get(reverse("takedowns:status")).status_code == 302
    sign_in(client, reference, code)
    session = client.session
    session["recourse_case"]["seen"] -= 31 * 60
    session.save()
    response = client.get(reverse("takedowns:status"))
    assert response.status_code == 302 and response["Location"] == reverse("takedowns:status_login")


def test_before_signing_the_victim_sees_what_each_platform_will_receive(client, private_storage):
    walk_intake(
        client,
        images=[jpeg(5)],
        handles={"handle-0": "@poster-account"},
        answers={"contact": {"email": "sam@example.org", "phone": "", "contact_private": "on"}},
        submit=False,
    )
    html = client.get(step_url("statement")).content.decode()
    assert "What each website will receive" in html
    assert "Reddit" in html and "https://www.reddit.com/r/example/comments/abc123/post/" in html
    assert "@poster-account" in html
    assert "a private address of this service" in html and "sam@example.org" not in html
    assert "The fingerprints of your picture" in html and "Not the picture itself." in html


@pytest.mark.parametrize("filer_type", ["self", "representative"])
def test_statement_page_renders_only_the_fields_it_has(client, caplog, filer_type):
    # A person filing for themselves has no "authorised to act" box: the layout must not look for it (crispy
    # logged a KeyError with a traceback on every view of this page, found by benchmarks/load).
    who = {"filer_type": filer_type, "victim_name": "Sam Example"}
    if filer_type == "representative":
        who.update(
            representative_name="Alex Helper", representative_relationship="friend", representative_authority="asked"
        )
    statement = {
        "signature_name": "Alex Helper",
        "attest_good_faith": "on",
        "attest_accuracy": "on",
        "attest_authority": "on",
        "jurisdiction": "US",
    }
    walk_intake(client, answers={"who": who, "statement": statement}, submit=False)
    caplog.clear()
    page = client.get(step_url("statement")).content.decode()
    assert "Could not resolve form field" not in caplog.text
    assert ('name="attest_authority"' in page) == (filer_type == "representative")


def test_a_victim_who_took_the_picture_adds_a_dmca_notice_alongside(client, platforms, private_storage):
    from tests.utils import DEFAULT_ANSWERS

    content = {**DEFAULT_ANSWERS["content"], "nature": "real", "self_taken": "yes"}
    walk_intake(client, answers={"content": content}, submit=False)
    page = client.get(step_url("statement")).content.decode()
    assert 'data-testid="dmca-choice"' in page and 'name="dmca_alongside"' in page
    assert "Lumen" in page and "as your authorised agent" in page
    # Reddit and X name no designated agent in the shipped registry: the page says they get no copyright notice.
    assert "Reddit" in page.split('data-testid="dmca-no-agent"')[1].split("</li>")[0]
    statement = {**DEFAULT_ANSWERS["statement"], "dmca_alongside": "on"}
    post_ok(client, step_url("statement"), statement)
    client.post(step_url("review"))
    case = Case.objects.get()
    assert case.attestations["self_taken"] is True and case.attestations["dmca_alongside"] is True
    assert case.attestations["dmca_show_name"] is False


def test_no_dmca_choice_unless_the_person_shown_took_the_picture(client, platforms, private_storage):
    walk_intake(client, submit=False)
    page = client.get(step_url("statement")).content.decode()
    assert 'name="dmca_alongside"' not in page
    client.post(step_url("review"))
    assert "dmca_alongside" not in Case.objects.get().attestations
