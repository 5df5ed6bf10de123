"""Fuzzing every intake field and every API write with random text.

Control characters, NUL, right-to-left overrides, emoji, combining marks, lone surrogates (only JSON can carry
them: an HTML form's body is UTF-8, which has none), and strings far past every length limit. Each must end in a
valid answer or in the documented refusal — form errors on the page (200) or a 400 with field errors from the
API — never an exception or a 500.
"""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from takedowns.forms.intake import ContactForm, ContentForm, StatementForm, WhereForm, WhoForm
from takedowns.forms.status import AddUrlsForm, StatusLoginForm
from takedowns.lifecycle import notice_transition
from takedowns.services.notices import notices_draft
from tests.factories import complete_case
from tests.fuzz.profiles import examples
from tests.utils import DEFAULT_ANSWERS, api_token, post_ok, step_url

REDDIT_URL = "https://www.reddit.com/r/example/comments/abc123/post/"
SPECIAL = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\u202eevil.exe\u202c",
    "مرحبا بالعالم",
    "שלום",
    "🙂👩‍👩‍👧\ufe0f",
    "e\u0301\u0301\u0301",
    "\r\n\t\x0b\x0c\x1b[31m",
    "<script>alert(1)</script>",
    "{{ 7*7 }} {% load x %}",
    "%(x)s %s %d",
    "https://",
    "https://www.reddit.com/r/x/comments/abc/\x00",
    "javascript:alert(1)",
    "\ufeff\u200b\u2028\u2029",
    "ＡＢＣ",
]
_any_char = st.characters(exclude_categories=())  # every code point, surrogates included
nasty_text = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=200),
    st.text(alphabet=_any_char, max_size=200),
    st.builds(lambda piece, times: piece * times, st.text(_any_char, min_size=1, max_size=4), st.integers(300, 12_000)),
)


def no_surrogates(value: str) -> str:
    return value.encode("utf-8", "replace").decode("utf-8")


# --- the intake's forms, directly: surrogates included ---------------------------------------------------------

INTAKE_FORMS = {
    "who": (WhoForm, {}, ["filer_type", "victim_name", "representative_name", "representative_relationship",
                          "representative_authority"]),
    "content": (ContentForm, {}, ["nature", "posted", "under_18"]),
    "where": (WhereForm, {"threatened": False}, ["urls"]),
    "where-threatened": (WhereForm, {"threatened": True}, ["urls"]),
    "contact": (ContactForm, {}, ["email", "phone", "contact_private"]),
    "statement": (StatementForm, {}, ["context", "signature_name", "attest_good_faith", "attest_accuracy",
                                      "jurisdiction"]),
    "statement-representative": (StatementForm, {"representative": True},
                                 ["context", "signature_name", "attest_good_faith", "attest_accuracy",
                                  "attest_authority", "jurisdiction"]),
    "status sign-in": (StatusLoginForm, {}, ["reference", "access_code"]),
    "status add URLs": (AddUrlsForm, {}, ["urls"]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(INTAKE_FORMS))
def test_intake_forms_answer_any_text_with_a_result_or_form_errors(name):
    form_class, kwargs, fields = INTAKE_FORMS[name]

    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(fields, nasty_text)))
    @examples(40)
    def check(data):
        form = form_class(data, **kwargs)
        if form.is_valid():
            json.dumps(form.cleaned_data, default=str)  # what the view keeps in the session
        else:
            assert form.errors
            for field, messages in form.errors.items():
                assert field in form.fields or field == "__all__"
                assert all(isinstance(m, str) and m for m in messages)
            form.error_summary()

    check()


# --- the intake's pages, through HTTP ------------------------------------------------------------------------------

STEP_FIELDS = {step: INTAKE_FORMS[step][2] for step in ("who", "content", "where", "contact", "statement")}
PREFIX = [
    ("who", DEFAULT_ANSWERS["who"]),
    ("content", DEFAULT_ANSWERS["content"]),
    ("where", {"urls": "https://www.reddit.com/r/example/comments/abc123/post/", "action": "check"}),
    ("where", {"urls": "https://www.reddit.com/r/example/comments/abc123/post/", "action": "continue"}),
    ("images", {"action": "next"}),
    ("contact", DEFAULT_ANSWERS["contact"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize("step", ["who", "content", "where", "contact", "statement"])
def test_intake_pages_answer_any_text_with_the_page_or_the_next_step(step):
    client = Client(REMOTE_ADDR="198.18.0.7")
    for slug, data in PREFIX:
        if slug == step:
            break
        post_ok(client, step_url(slug), data)
    fields = STEP_FIELDS[step] + (["action", "handle-0"] if step == "where" else [])

    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(fields, nasty_text.map(no_surrogates))))
    @examples(25)
    def check(data):
        response = client.post(step_url(step), data)
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:
            assert b"<form" in response.content

    check()


@pytest.mark.django_db
def test_status_sign_in_answers_any_text_with_the_form_or_a_refusal(client):
    complete_case(urls=[REDDIT_URL])

    @given(
        st.fixed_dictionaries({}, optional=dict.fromkeys(["reference", "access_code"], nasty_text.map(no_surrogates)))
    )
    @examples(30)
    def check(data):
        response = client.post(reverse("takedowns:status_login"), data, REMOTE_ADDR="198.18.0.9")
        assert response.status_code in (200, 302, 429), response.status_code

    check()


@pytest.mark.django_db
def test_signed_response_links_answer_any_token_with_not_found(client):
    @given(nasty_text.map(no_surrogates))
    @examples(30)
    def check(token):
        response = client.get("/respond/" + quote(token, safe="") + "/")
        assert response.status_code in (404, 301, 302), response.status_code

    check()


# --- every API write ---------------------------------------------------------------------------------------------


@pytest.fixture
def writes(db, platforms, advocate, reddit_staff):
    case = complete_case(urls=[REDDIT_URL, "https://x.com/someone/status/1234567890"], hashed_images=1)
    notices = {n.platform.slug: n for n in notices_draft(case_id=case.pk)}
    sent = notice_transition(notice=notices["reddit"], to="sent", actor_kind="system")
    return {
        "advocate": {"HTTP_AUTHORIZATION": f"Token {api_token(advocate)}"},
        "staff": {"HTTP_AUTHORIZATION": f"Token {api_token(reddit_staff)}"},
        "case": case.reference,
        "notice": sent.pk,
        "throttle_keys": [f"throttle_user_{advocate.pk}", f"throttle_user_{reddit_staff.pk}"],
    }


def throttle_reset(writes) -> None:
    # The per-user API rate (600/hour) would refuse the later examples with 429: each example is a new caller.
    cache.delete_many(writes["throttle_keys"])


def json_value(text):
    """Random text, or a random JSON value where a string, a list or a number is expected."""
    return st.one_of(
        text,
        st.lists(text, max_size=5),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        st.booleans(),
        st.none(),
        st.dictionaries(st.text(max_size=5), text, max_size=2),
    )


API_WRITES = {
    # name: (who, method and path template, fields)
    "case create": ("advocate", "/api/v1/cases/", [
        "filer_type", "victim_name", "representative_name", "representative_authority", "contact_email",
        "signature_name", "good_faith_statement", "attest_good_faith", "attest_accuracy", "jurisdiction",
        "is_synthetic", "is_minor_content", "urls"]),
    "case urls": ("advocate", "/api/v1/cases/{case}/urls/", ["urls"]),
    "case dmca": ("advocate", "/api/v1/cases/{case}/dmca/", [
        "platform", "copyrighted_work", "attest_copyright_authority", "attest_accuracy"]),
    "notice removed": ("staff", "/api/v1/notices/{notice}/removed/", ["location_ids", "note"]),
    "notice info request": ("staff", "/api/v1/notices/{notice}/info-request/", ["message"]),
    "notice dispute": ("staff", "/api/v1/notices/{notice}/dispute/", ["reason", "message"]),
    "watchlist create": ("advocate", "/api/v1/watchlist/", [
        "name", "start_urls", "sitemap_url", "follow_patterns", "max_pages", "max_depth", "requests_per_second",
        "recrawl_hours", "obey_robots", "robots_override_reason"]),
    "webhook create": ("staff", "/api/v1/webhooks/", ["url"]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(API_WRITES))
def test_api_writes_answer_any_text_with_a_result_or_a_400(name, writes):
    who, template, fields = API_WRITES[name]
    path = template.format(**writes)
    client = Client()

    @given(st.fixed_dictionaries({}, optional={f: json_value(nasty_text) for f in fields}))
    @examples(30)
    def check(body):
        # The JSON keeps lone surrogates as \\ud800 escapes: the server decodes them into the string.
        raw = json.dumps(body)
        throttle_reset(writes)
        response = client.post(path, raw, content_type="application/json", **writes[who])
        assert response.status_code < 500, response.content[:500]
        if response.status_code == 400:
            assert isinstance(response.json(), dict | list), response.content[:500]

    check()


def test_api_create_with_all_fields_valid_but_one_nasty(writes):
    """The same, one field at a time with everything else valid, so each reaches the service and the database."""
    client = Client()
    valid = {
        "victim_name": "Sam Example",
        "contact_email": "sam@example.org",
        "signature_name": "Sam Example",
        "good_faith_statement": "I have a good-faith belief this was shared without my consent.",
        "attest_good_faith": True,
        "attest_accuracy": True,
        "urls": [REDDIT_URL],
    }

    @given(st.sampled_from(["victim_name", "signature_name", "good_faith_statement", "contact_email", "url"]),
           nasty_text)  # fmt: skip
    @examples(80)
    def check(field, value):
        body = dict(valid)
        if field == "url":
            body["urls"] = [REDDIT_URL.replace("abc123", re.sub(r"[/?#]", "", value)[:100] or "x"), value]
        else:
            body[field] = value
        body["victim_name"] = body["victim_name"] if field == "victim_name" else f"Sam {uuid.uuid4().hex[:6]}"
        throttle_reset(writes)
        response = client.post(
            "/api/v1/cases/", json.dumps(body), content_type="application/json", **writes["advocate"]
        )
        assert response.status_code in (201, 400), response.content[:500]

    check()
