"""Every bad input of a clear message on the right field, and nothing lost from earlier steps."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from takedowns.models import Case
from tests.utils import (
    DEFAULT_ANSWERS,
    THREE_URLS,
    intake_state,
    jpeg,
    make_photo_like,
    png_header_claiming,
    post_ok,
    step_url,
    stored_files,
)

pytestmark = pytest.mark.django_db


def to_images_step(client, urls=THREE_URLS):
    post_ok(client, step_url("who"), DEFAULT_ANSWERS["who"])
    post_ok(client, step_url("content"), DEFAULT_ANSWERS["content"])
    post_ok(client, step_url("where"), {"urls": urls, "action": "check"})
    post_ok(client, step_url("where"), {"urls": urls, "action": "continue"})


def field_errors(html: str, field: str) -> str:
    """The text of the error block crispy renders under ``field``."""
    blocks = re.findall(rf'<(?:p|span|strong) id="error_\d+_id_{field}"[^>]*>(.*?)</(?:p|span|strong)>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", "", b) for b in blocks)


def upload(client, *files, action="add"):
    return client.post(step_url("images"), {"images": list(files), "action": action})


def earlier_answers_intact(client):
    state = intake_state(client)
    assert state["answers"]["who"]["victim_name"] == "Sam Example"
    assert len(state["answers"]["where"]["urls"]) == 3


def assert_refused(response, text):
    assert response.status_code == 200
    html = response.content.decode()
    errors = field_errors(html, "images")
    assert text in errors, errors or html[:2000]
    # The summary at the top links to the field.
    assert 'href="#id_images"' in html


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "It looks like a PDF document"),
        (b"<!DOCTYPE html><html><body><img src='x.jpg'></body></html>", "It looks like a saved web page"),
    ],
    ids=["pdf", "html"],
)
def test_non_image_renamed_jpg(client, private_storage, content, expected):
    to_images_step(client)
    response = upload(client, SimpleUploadedFile("holiday.jpg", content, content_type="image/jpeg"))
    assert_refused(response, expected)
    assert "“holiday.jpg”" in field_errors(response.content.decode(), "images")
    assert stored_files(private_storage) == []
    earlier_answers_intact(client)


def test_truncated_jpeg(client, private_storage):
    to_images_step(client)
    data = make_photo_like(seed=9)
    response = upload(client, SimpleUploadedFile("cut.jpg", data[: len(data) // 2], content_type="image/jpeg"))
    assert_refused(response, "damaged or incomplete")
    earlier_answers_intact(client)


def test_decompression_bomb_header_only(client, private_storage):
    to_images_step(client)
    bomb = png_header_claiming(50_000, 50_000)
    assert len(bomb) < 200  # only a header: nothing of that size is ever allocated
    response = upload(client, SimpleUploadedFile("big.png", bomb, content_type="image/png"))
    assert_refused(response, "larger than we can safely open")
    earlier_answers_intact(client)


def test_empty_file(client, private_storage):
    to_images_step(client)
    response = upload(client, SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg"))
    assert_refused(response, "This file is empty (0 bytes)")
    earlier_answers_intact(client)


def test_eleventh_image(client, private_storage):
    to_images_step(client)
    response = upload(client, *[jpeg(seed, width=64, height=48) for seed in range(10)])
    assert response.status_code == 302
    assert len(intake_state(client)["uploads"]) == 10
    response = upload(client, jpeg(11, width=64, height=48))
    assert_refused(response, "You have already added 10 pictures")
    assert len(intake_state(client)["uploads"]) == 10
    earlier_answers_intact(client)


def test_batch_that_would_pass_the_limit_adds_nothing(client, private_storage):
    to_images_step(client)
    upload(client, *[jpeg(seed, width=64, height=48) for seed in range(8)])
    response = upload(client, *[jpeg(seed, width=64, height=48) for seed in range(20, 23)])
    assert_refused(response, "only 2 more fit")
    assert len(intake_state(client)["uploads"]) == 8


def test_thirty_megabyte_image(client, private_storage):
    to_images_step(client)
    big = SimpleUploadedFile("huge.jpg", make_photo_like(seed=3)[:2] + b"\0" * (30 * 1024 * 1024))
    response = upload(client, big)
    assert_refused(response, "This file is too large")
    assert "the limit is 26 MB" in field_errors(response.content.decode(), "images")
    earlier_answers_intact(client)


def test_good_files_in_a_batch_are_kept_when_one_is_refused(client, private_storage):
    to_images_step(client)
    response = upload(client, jpeg(1), SimpleUploadedFile("empty.jpg", b""))
    assert_refused(response, "This file is empty")
    assert len(intake_state(client)["uploads"]) == 1
    assert "1 picture added." in response.content.decode()


def test_removing_a_pending_picture_deletes_it(client, private_storage):
    to_images_step(client)
    upload(client, jpeg(1))
    assert len(stored_files(private_storage)) == 1
    client.post(step_url("images"), {"action": "remove-0"})
    assert stored_files(private_storage) == []
    assert intake_state(client)["uploads"] == []


def start_where(client):
    post_ok(client, step_url("who"), DEFAULT_ANSWERS["who"])
    post_ok(client, step_url("content"), DEFAULT_ANSWERS["content"])


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ("javascript:alert(1)", "This is a piece of browser code, not the address of a page."),
        ("file:///home/sam/photo.jpg", "This is the address of a file on your own device"),
        ("ftp://files.example.com/pic.jpg", "Addresses starting with ftp:// cannot be reported here."),
        ("example.com", "This is the name of a website, not the address of one page."),
        ("https://www.reddit.com/", "This is the name of a website, not the address of one page."),
        ("https://user:secret@www.reddit.com/r/a/comments/1/", "contains a user name or password"),
    ],
    ids=["javascript", "file", "ftp", "bare-domain", "bare-domain-with-scheme", "credentials"],
)
def test_bad_urls(client, bad, expected):
    start_where(client)
    text = f"https://www.reddit.com/r/ok/comments/1/fine/\n{bad}"
    response = client.post(step_url("where"), {"urls": text, "action": "check"})
    assert response.status_code == 200
    html = response.content.decode()
    errors = field_errors(html, "urls")
    assert expected in errors, errors or html[:3000]
    assert "Line 2" in errors
    assert 'href="#id_urls"' in html
    # What was typed stays in the box, and earlier steps are intact.
    assert "fine/" in html
    assert intake_state(client)["answers"]["who"]["victim_name"] == "Sam Example"


def test_six_hundred_urls(client):
    start_where(client)
    text = "\n".join(f"https://www.reddit.com/r/a/comments/{i}/post/" for i in range(600))
    response = client.post(step_url("where"), {"urls": text, "action": "check"})
    assert response.status_code == 200
    errors = field_errors(response.content.decode(), "urls")
    assert "more than 200 addresses" in errors and "add the rest to the same case afterwards" in errors


def test_pasted_list_is_normalised_deduplicated_and_shown_with_platform(client):
    start_where(client)
    text = (
        "1. https://www.reddit.com/r/a/comments/1/post/?utm_source=share\n"
        "2. www.reddit.com/r/a/comments/1/post/\n"
        "- https://unknown-site.example/p/2 , https://x.com/u/status/5"
    )
    post_ok(client, step_url("where"), {"urls": text, "action": "check"})
    html = client.get(step_url("where")).content.decode()
    assert re.findall(r'<span id="url-\d+">([^<]+)<', html) == [
        "https://www.reddit.com/r/a/comments/1/post/",
        "https://unknown-site.example/p/2",
        "https://x.com/u/status/5",
    ]
    assert "utm_source" not in html
    assert "unknown website" in html and ">Reddit<" in html and ">X / Twitter<" in html
    assert intake_state(client)["answers"]["where"]["urls"] == [
        "https://www.reddit.com/r/a/comments/1/post/",
        "https://unknown-site.example/p/2",
        "https://x.com/u/status/5",
    ]


def to_statement(client, who=None):
    post_ok(client, step_url("who"), who or DEFAULT_ANSWERS["who"])
    post_ok(client, step_url("content"), DEFAULT_ANSWERS["content"])
    post_ok(client, step_url("where"), {"urls": THREE_URLS, "action": "check"})
    post_ok(client, step_url("where"), {"urls": THREE_URLS, "action": "continue"})
    post_ok(client, step_url("images"), {"action": "next"})
    post_ok(client, step_url("contact"), DEFAULT_ANSWERS["contact"])


def test_empty_signature(client):
    to_statement(client)
    data = {**DEFAULT_ANSWERS["statement"], "signature_name": "   "}
    response = client.post(step_url("statement"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please type your full name to sign the request." in field_errors(html, "signature_name")
    assert 'href="#id_signature_name"' in html
    # The context they wrote is still there.
    assert "Made with an app by a former partner." in html


def test_signature_not_matching_name_warns_but_does_not_block(client):
    to_statement(client)
    data = {**DEFAULT_ANSWERS["statement"], "signature_name": "S. Example"}
    response = client.post(step_url("statement"), data)
    assert response.status_code == 302 and response["Location"] == step_url("review")
    html = client.get(step_url("review")).content.decode()
    assert "You signed as “S. Example”, but gave your name as “Sam Example”" in html
    client.post(step_url("review"))
    assert Case.objects.get().signature_name == "S. Example"


def test_signature_matching_in_other_case_and_spacing_does_not_warn(client):
    to_statement(client)
    post_ok(client, step_url("statement"), {**DEFAULT_ANSWERS["statement"], "signature_name": " sam  EXAMPLE "})
    assert "You signed as" not in client.get(step_url("review")).content.decode()


def test_representative_needs_their_details_and_authority(client):
    response = client.post(step_url("who"), {"filer_type": "representative", "victim_name": "Sam Example"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please say why you may act for the person shown." in field_errors(html, "representative_authority")
    assert 'value="Sam Example"' in html
    who = {
        "filer_type": "representative",
        "victim_name": "Sam Example",
        "representative_name": "Alex Helper",
        "representative_relationship": "sister",
        "representative_authority": "Sam asked me to, in writing.",
    }
    to_statement(client, who=who)
    response = client.post(step_url("statement"), {**DEFAULT_ANSWERS["statement"], "signature_name": "Alex Helper"})
    assert "Please tick this box to confirm that you may act" in field_errors(
        response.content.decode(), "attest_authority"
    )
    post_ok(
        client,
        step_url("statement"),
        {**DEFAULT_ANSWERS["statement"], "signature_name": "Alex Helper", "attest_authority": "on"},
    )
    client.post(step_url("review"))
    case = Case.objects.get()
    assert case.filer_type == "representative" and case.representative_authority == "Sam asked me to, in writing."
    assert case.attestations["authority"] is True


def test_missing_attestation_and_bad_email(client):
    to_statement(client)
    response = client.post(step_url("contact"), {"email": "sam@", "phone": "call me"})
    html = response.content.decode()
    assert "does not look complete" in field_errors(html, "email")
    assert "phone number does not look complete" in field_errors(html, "phone")
    data = {k: v for k, v in DEFAULT_ANSWERS["statement"].items() if k != "attest_good_faith"}
    response = client.post(step_url("statement"), data)
    assert "Please tick this box to confirm the statement" in field_errors(
        response.content.decode(), "attest_good_faith"
    )


def test_access_code_with_spaces_and_lower_case(client):
    from takedowns.services.cases import access_code_normalise
    from tests.factories import TEST_ACCESS_CODE, CaseFactory

    case = CaseFactory()
    assert access_code_normalise(" abcd efgh jkmn pqrs ") == TEST_ACCESS_CODE
    response = client.post(
        reverse("takedowns:status_login"),
        {"reference": case.reference.lower().replace("-", " "), "access_code": " abcd efgh jkmn pqrs "},
    )
    assert response.status_code == 302 and response["Location"] == reverse("takedowns:status")


def test_victim_pages_never_500_on_garbage(client):
    start_where(client)
    for step in ("who", "content", "where", "images", "contact", "statement", "review", "nonsense"):
        response = client.post(f"/report/{step}/", {"filer_type": "x" * 5000, "urls": "\x00\x01", "action": "??"})
        assert response.status_code < 500
    assert (
        client.post(reverse("takedowns:status_login"), {"reference": "\x00", "access_code": "💥" * 50}).status_code
        < 500
    )
    assert client.post(reverse("takedowns:status_add_urls"), {"urls": "x"}).status_code < 500
