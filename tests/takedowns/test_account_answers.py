"""What a platform answers about the uploader's account and about blocking re-uploads, through every
response path (signed link, inbox, API, the advocate's record), validated, stored, logged, and shown where the
case is read: the advocate's page, the case API, the evidence bundle, the accountability report, the victim."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from takedowns.lifecycle import notice_transition
from takedowns.models import AccountAnswer, Event, EventType, Notification
from takedowns.notices import make_response_token
from takedowns.selectors import platform_report
from takedowns.services.account_actions import AccountAnswerError, notice_account_answer_record
from takedowns.services.bundles import bundle_build, bundle_request
from takedowns.services.erasure import case_erase
from takedowns.services.notices import notices_draft
from takedowns.web.victim.presenters import case_status_view
from tests.factories import complete_case
from tests.utils import api_token, pdf_text

pytestmark = pytest.mark.django_db

REDDIT_URL = "https://www.reddit.com/r/example/comments/abc123/post/"
X_URL = "https://x.com/someone/status/1234567890"


@pytest.fixture
def sent(platforms):
    case = complete_case(urls=[REDDIT_URL, X_URL])
    return {
        n.platform.slug: notice_transition(notice=n, to="sent", actor_kind="system")
        for n in notices_draft(case_id=case.pk)
    }


def answer_of(notice):
    return AccountAnswer.objects.filter(notice=notice).first()


def events_of(notice):
    return list(
        Event.objects.filter(
            notice=notice, type__in=[EventType.NOTICE_ACCOUNT_ANSWERED, EventType.NOTICE_REUPLOAD_ANSWERED]
        ).order_by("id")
    )


# --- the service --------------------------------------------------------------------------------------------


def test_service_stores_both_answers_and_logs_each_once(sent):
    notice = sent["reddit"]
    notice_account_answer_record(notice=notice, account="suspended", reupload="blocking", note="Banned for good.")
    answer = answer_of(notice)
    assert (answer.account, answer.reupload, answer.note) == ("suspended", "blocking", "Banned for good.")
    assert answer.account_acted_on and answer.account_by_kind == "platform" and answer.account_at
    assert [(e.type, e.actor_kind) for e in events_of(notice)] == [
        ("notice.account_answered", "platform"),
        ("notice.reupload_answered", "platform"),
    ]
    # The same answer again changes nothing; a new answer replaces it and is logged.
    notice_account_answer_record(notice=notice, account="suspended")
    assert len(events_of(notice)) == 2
    notice_account_answer_record(notice=notice, account="removed")
    assert answer_of(notice).account == "removed" and answer_of(notice).reupload == "blocking"
    assert [e.data.get("account") for e in events_of(notice)] == ["suspended", None, "removed"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"account": "frozen"}, "“frozen” is not an answer about the account. Use one of: suspended, removed"),
        ({"reupload": "maybe"}, "“maybe” is not an answer about re-uploads. Use one of: blocking"),
        ({}, "Choose an answer about the account, about re-uploads, or both."),
        ({"account": "suspended", "reupload": "nope"}, "“nope” is not an answer about re-uploads"),
    ],
)
def test_service_refuses_bad_values_and_stores_nothing(sent, kwargs, message):
    notice = sent["reddit"]
    with pytest.raises(AccountAnswerError, match=re.escape(message)):
        notice_account_answer_record(notice=notice, **kwargs)
    assert answer_of(notice) is None and not events_of(notice)


def test_an_unsent_notice_has_nothing_to_answer(platforms):
    case = complete_case(urls=[REDDIT_URL])
    (draft,) = notices_draft(case_id=case.pk)
    with pytest.raises(AccountAnswerError, match="has not been sent"):
        notice_account_answer_record(notice=draft, account="suspended")


# --- the signed link and the inbox ---------------------------------------------------------------------------


def confirm_with_code(client, notice, url):
    from django.test import TestCase

    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the task runs, as the worker would after commit
        client.post(url, {"action": "send_code"})
    code = re.search(r"Code: (\d{6})", mail.outbox[-1].body).group(1)
    client.post(url, {"action": "verify_code", "code": code})


def test_signed_link_records_the_answer_after_the_code(client, sent):
    notice = sent["reddit"]
    url = reverse("takedowns:notice_respond", args=[make_response_token(notice)])
    page = client.get(url).content.decode()
    assert 'value="account"' in page and "account and re-uploads" in page
    # Without the one-time code nothing is recorded.
    client.post(url, {"action": "account", "account-account": "suspended"})
    assert answer_of(notice) is None
    confirm_with_code(client, notice, url)
    response = client.post(url, {"action": "account", "account-account": "warned", "account-reupload": "not_possible"})
    assert response.status_code == 302
    assert (answer_of(notice).account, answer_of(notice).reupload) == ("warned", "not_possible")
    assert {e.actor_kind for e in events_of(notice)} == {"platform"}
    assert "Your answer so far:" in client.get(url).content.decode()


def test_inbox_validates_and_keeps_what_was_typed(client, reddit_staff, sent):
    notice = sent["reddit"]
    client.force_login(reddit_staff)
    url = reverse("takedowns:inbox_notice", args=[notice.pk])
    bad = client.post(url, {"action": "account", "account-account": "frozen", "account-note": "Looked at it."})
    html = bad.content.decode()
    assert bad.status_code == 400 and "Choose an answer about the account from the list." in html
    assert "Looked at it." in html  # what the reviewer typed is still in the form
    empty = client.post(url, {"action": "account", "account-note": "nothing chosen"})
    assert empty.status_code == 400 and "Choose an answer about the account, about re-uploads, or both." in (
        empty.content.decode()
    )
    assert answer_of(notice) is None
    ok = client.post(url, {"action": "account", "account-account": "removed", "account-reupload": "blocking"})
    assert ok.status_code == 302
    assert {(e.actor_kind, e.actor_user_id) for e in events_of(notice)} == {("platform", reddit_staff.pk)}


def test_inbox_of_another_platform_is_404(client, reddit_staff, sent):
    theirs = sent["x"]
    client.force_login(reddit_staff)
    url = reverse("takedowns:inbox_notice", args=[theirs.pk])
    assert client.post(url, {"action": "account", "account-account": "suspended"}).status_code == 404
    assert answer_of(theirs) is None


# --- the API ----------------------------------------------------------------------------------------------------


def api(client, user):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {api_token(user)}"
    return client


def test_api_records_validates_and_scopes(client, reddit_staff, advocate, sent):
    mine, theirs = sent["reddit"], sent["x"]
    c = api(client, reddit_staff)
    path = f"/api/v1/notices/{mine.pk}/account-action/"
    bad = c.post(path, {"account": "frozen"}, content_type="application/json")
    assert bad.status_code == 400 and "is not an answer about the account" in bad.json()["account"][0]
    empty = c.post(path, {}, content_type="application/json")
    assert empty.status_code == 400 and "Give an answer" in empty.json()["account"][0]
    assert answer_of(mine) is None
    ok = c.post(
        path, {"account": "suspended", "reupload": "declined", "note": "per policy"}, content_type="application/json"
    )
    assert ok.status_code == 200
    body = ok.json()["account_answer"]
    assert body["account"] == "suspended" and body["reupload"] == "declined" and body["account_label"]
    # Platform B cannot answer platform A's notice: the same 404 as a missing one.
    assert c.post(f"/api/v1/notices/{theirs.pk}/account-action/", {"account": "suspended"}).status_code == 404
    assert answer_of(theirs) is None
    # Advocates read notices but cannot answer as a platform.
    c2 = api(client, advocate)
    assert c2.post(path, {"account": "removed"}, content_type="application/json").status_code == 403
    assert answer_of(mine).account == "suspended"


# --- the advocate's case page, the case API, the bundle, the report, the victim ------------------------------


def test_advocate_records_a_reply_and_sees_it_everywhere(client, advocate, sent):
    notice = sent["reddit"]
    case = notice.case
    client.force_login(advocate)
    action = reverse("takedowns:notice_action", args=[case.reference, notice.pk, "account"])
    client.post(action, {"account": "bogus"})
    assert answer_of(notice) is None
    page = client.get(reverse("takedowns:case_detail", args=[case.reference]))
    assert "The uploader&#x27;s account" in page.content.decode() or "uploader's account" in page.content.decode()
    client.post(action, {"account": "suspended", "reupload": "blocking", "note": "Phoned their T&S desk"})
    assert [e.actor_kind for e in events_of(notice)] == ["advocate", "advocate"]

    html = client.get(reverse("takedowns:case_detail", args=[case.reference])).content.decode()
    block = html[html.index(f'data-testid="account-answer-{notice.pk}"') :][:1500]
    assert "Account suspended" in block and "Re-uploads are blocked by fingerprint" in block
    assert "recorded: <strong>Account suspended</strong>: “Phoned their T&amp;S desk”" in html

    api(client, advocate)
    data = client.get(f"/api/v1/cases/{case.reference}/").json()
    by_platform = {n["platform"]: n for n in data["notices"]}
    assert by_platform["reddit"]["account_answer"]["account"] == "suspended"
    assert by_platform["x"]["account_answer"] is None
    assert "notice.account_answered" in {e["type"] for e in by_platform["reddit"]["timeline"]}

    bundle = bundle_build(bundle_id=bundle_request(case=case, actor_kind="advocate").pk)
    with bundle.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    summary = " ".join(pdf_text(archive.read("summary.pdf")).split())
    assert "Uploader's account: Account suspended" in summary and "Re-uploads: Re-uploads are blocked" in summary
    responses = json.loads(archive.read(f"responses/{notice.reference}.json"))
    assert responses["account_answer"]["account"] == "suspended"
    assert {"notice.account_answered", "notice.reupload_answered"} <= {
        row["type"] for row in json.loads(archive.read("events.json"))
    }

    (row,) = [r for r in case_status_view(case)["platforms"] if r.name == notice.platform.name]
    assert row.account == (
        "The website told us it suspended the account that posted it. "
        "The website told us it blocks new uploads of the same pictures."
    )


def test_victim_sees_nothing_for_answers_that_are_not_news(sent):
    notice = sent["reddit"]
    notice_account_answer_record(notice=notice, account="not_found", reupload="declined")
    (row,) = [r for r in case_status_view(notice.case)["platforms"] if r.name == notice.platform.name]
    assert row.account == ""


def test_report_counts_accounts_acted_on_per_platform(client, advocate, sent, platforms):
    reddit, x = sent["reddit"], sent["x"]
    more = complete_case(urls=[REDDIT_URL + "2", X_URL + "2"])
    extra = {
        n.platform.slug: notice_transition(notice=n, to="sent", actor_kind="system")
        for n in notices_draft(case_id=more.pk)
    }
    notice_account_answer_record(notice=reddit, account="suspended", reupload="blocking")
    notice_account_answer_record(notice=extra["reddit"], account="no_action")
    notice_account_answer_record(notice=x, reupload="blocking")
    now = timezone.now()
    figures = {f.platform_id: f for f in platform_report(start=now - timedelta(days=1), end=now + timedelta(hours=1))}
    r, xf = figures[platforms["reddit"].pk], figures[platforms["x"].pk]
    assert (r.accounts_acted_on, r.account_answers, r.reuploads_blocked) == (1, 2, 1)
    assert (xf.accounts_acted_on, xf.account_answers, xf.reuploads_blocked) == (0, 0, 1)
    client.force_login(advocate)
    csv_text = client.get(reverse("takedowns:report"), {"format": "csv"}).content.decode()
    header, *rows = csv_text.splitlines()
    assert "Accounts acted on" in header and "Re-uploads blocked by fingerprint" in header
    reddit_row = next(row for row in rows if row.startswith("Reddit"))
    cells = dict(zip(next(csv.reader([header])), next(csv.reader([reddit_row])), strict=True))
    assert cells["Accounts acted on"] == "1" and cells["Answers about the account"] == "2"
    assert cells["Re-uploads blocked by fingerprint"] == "1"


def test_erasure_blanks_the_note_and_keeps_the_answer_codes(sent):
    notice = sent["reddit"]
    notice_account_answer_record(notice=notice, account="suspended", note="Account u/someone banned")
    case_erase(case=notice.case, actor_kind="victim")
    answer = answer_of(notice)
    assert answer.account == "suspended" and answer.note == ""
    (event,) = events_of(notice)
    assert event.data == {"account": "suspended", "message": "[erased]"}


def test_the_advocate_hears_of_a_platforms_answer_and_the_victim_gets_no_email(sent, advocate):
    notice = sent["reddit"]
    notice_account_answer_record(notice=notice, account="suspended", note="Permanent ban")
    rows = list(Notification.objects.filter(notice=notice, kind="account_answered"))
    assert [r.audience for r in rows] == ["advocate"]
    assert json.loads(rows[0].extra)["message"] == "Account: Account suspended\nPermanent ban"
    # An advocate's own record notifies nobody.
    notice_account_answer_record(notice=notice, reupload="blocking", actor_kind="advocate", actor_user=advocate)
    assert Notification.objects.filter(notice=notice, kind="account_answered").count() == 1
