"""Platform replies by e-mail: the real `relay_smtpd` command listens on 127.0.0.1 and smtplib talks to it.

Mail to a notice's relay address lands on the notice (API timeline, advocate case page, victim status page) and
notifies advocate and victim when its sender is authenticated (DKIM, checked with dkimpy against keys this module
generates and serves through the relay's injectable TXT lookup; or the operator's own Authentication-Results);
anything else is held for an advocate to release or discard; unknown, forged and expired addresses and other
domains are refused at RCPT;
oversized mail gets 552; HTML and attachments are reduced to text; erasure leaves nothing of the reply.
"""

from __future__ import annotations

import base64
import email.policy
import os
import signal
import smtplib
import subprocess
import sys
import threading
from datetime import timedelta
from email.message import EmailMessage

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from takedowns.management.commands.relay_smtpd import Command as RelayCommand
from takedowns.models import CaseState, Event, EventType, Notice, NoticeStatus, Notification, Platform
from takedowns.notices.tokens import relay_address
from takedowns.services import replies
from takedowns.services.erasure import case_erase
from takedowns.services.replies import notice_reply_release, reply_parse
from tests.factories import TEST_ACCESS_CODE, NoticeFactory
from tests.smtp_server import free_port
from tests.utils import ROOT, api_token, make_photo_like

SENDER = "trust-safety@reddit.example"
SELECTOR = b"mail2026"


def _rsa_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, base64.b64encode(public)


@pytest.fixture(scope="module")
def dkim_keys():
    """The platform's real DKIM key (published in "DNS") and an impostor's key (published nowhere)."""
    return {"platform": _rsa_key(), "impostor": _rsa_key()}


@pytest.fixture(autouse=True)
def dkim_dns(monkeypatch, dkim_keys):
    """The TXT records the relay's DKIM check sees: reddit.example publishes its key under SELECTOR."""
    records = {b"mail2026._domainkey.reddit.example.": b"v=DKIM1; k=rsa; p=" + dkim_keys["platform"][1]}
    monkeypatch.setattr(replies, "dkim_dns_lookup", lambda name, timeout=5: records.get(name))
    return records


def signed(message: EmailMessage, private_key: bytes, domain: bytes = b"reddit.example") -> bytes:
    raw = message.as_bytes(policy=email.policy.SMTP)
    signature = dkim.sign(
        raw, SELECTOR, domain, private_key, include_headers=[b"from", b"to", b"subject", b"message-id", b"date"]
    )
    return signature + raw


@pytest.fixture
def relay(transactional_db, settings):
    """The real command in a thread (its own DB connection: hence transactional_db) on a free port."""
    settings.RELAY_EMAIL_DOMAIN = "relay.recourse.test"
    settings.RELAY_MAX_MESSAGE_BYTES = 2 * 1024 * 1024
    port = free_port()
    command = RelayCommand()
    thread = threading.Thread(target=call_command, args=(command,), kwargs={"listen": f"127.0.0.1:{port}"}, daemon=True)
    thread.start()
    assert command.listening.wait(timeout=15), "relay_smtpd did not start"
    yield port
    command.stopping.set()
    thread.join(timeout=15)
    assert not thread.is_alive()


@pytest.fixture
def sent_notice(relay, platforms, advocate):
    # The platform's known address: replies from its domain are quoted to the victim.
    Platform.objects.filter(slug="reddit").update(contact_email="legal@reddit.example")
    notice = NoticeFactory(status=NoticeStatus.SENT, platform=Platform.objects.get(slug="reddit"))
    notice.case.assigned_advocate = advocate
    notice.case.save(update_fields=["assigned_advocate"])
    return notice


def reply(to: str, *, body: str = "We removed the post. Ticket 4471.", subject: str = "Re: Removal notice"):
    message = EmailMessage()
    message["From"] = f"Reddit Safety <{SENDER}>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def send(port: int, message: EmailMessage | bytes, *, to: list[str] | None = None, sign: bool = True):
    """Send as the platform's mail system would: signed with its DKIM key when the From: is the platform's."""
    if isinstance(message, EmailMessage):
        if sign and "reddit.example" in str(message["From"]):
            message = signed(message, _PLATFORM_KEY[0])
        else:
            message = message.as_bytes(policy=email.policy.SMTP)
    recipients = to or [str(a) for a in email.message_from_bytes(message).get_all("To")]
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        return client.sendmail(SENDER, recipients, message)


_PLATFORM_KEY: list[bytes] = []


@pytest.fixture(autouse=True)
def _platform_key(dkim_keys):
    _PLATFORM_KEY[:] = dkim_keys["platform"]


def received(notice: Notice) -> list[Event]:
    return list(Event.objects.filter(notice=notice, type=EventType.NOTICE_REPLY_RECEIVED).order_by("id"))


def victim_page(client, notice: Notice) -> str:
    response = client.post(
        "/case/sign-in/", {"reference": notice.case.reference, "access_code": TEST_ACCESS_CODE}, follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


def api_timeline(advocate, notice: Notice) -> list[dict]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(advocate)}")
    response = client.get(f"/api/v1/cases/{notice.case.reference}/")
    assert response.status_code == 200, response.content
    (row,) = [n for n in response.json()["notices"] if n["id"] == notice.pk]
    return row["timeline"]


def test_a_reply_to_the_relay_address_appears_on_the_notice(relay, sent_notice, advocate, client):
    mail.outbox.clear()
    refused = send(relay, reply(relay_address(sent_notice)))
    assert refused == {}

    (event,) = received(sent_notice)
    assert event.actor_kind == "platform"
    assert event.data["sender_domain"] == "reddit.example"
    assert event.data["subject"] == "Re: Removal notice"
    assert event.data["message"] == "We removed the post. Ticket 4471."
    assert event.data["attachments_dropped"] == 0
    assert event.data["sender_matches_platform"] is True
    assert SENDER not in str(event.data)  # the domain says who answered; the person's address is not kept

    timeline = api_timeline(advocate, sent_notice)
    entry = next(e for e in timeline if e["type"] == "notice.reply_received")
    assert entry["actor_kind"] == "platform" and entry["label"] == "Reply received by e-mail"
    assert entry["data"]["message"] == "We removed the post. Ticket 4471."
    assert entry["data"]["subject"] == "Re: Removal notice"

    client.force_login(advocate)
    page = client.get(f"/cases/{sent_notice.case.reference}/").content.decode()
    assert "Reply received by e-mail" in page and "We removed the post. Ticket 4471." in page
    assert "from reddit.example" in page and "“Re: Removal notice”" in page and "known domain" not in page

    # One notification each for the victim and the advocate (sent at once: tasks run eagerly in tests).
    rows = Notification.objects.filter(notice=sent_notice, kind="reply_received")
    assert sorted(rows.values_list("audience", flat=True)) == ["advocate", "victim"]
    to_victim = next(m for m in mail.outbox if m.to == ["sam@example.org"])
    assert "replied" in to_victim.subject and "We removed the post" in to_victim.body
    to_advocate = next(m for m in mail.outbox if m.to == ["advocate@example.org"])
    assert "Subject: Re: Removal notice" in to_advocate.body and "reddit.example" in to_advocate.body


def test_a_stranger_cannot_use_the_relay_to_write_to_the_victim(relay, sent_notice, client, advocate):
    """A notice may be forwarded to the uploader, who then knows the relay address: mail from outside the
    platform's domain is held for the advocate, and the victim hears nothing of it."""
    mail.outbox.clear()
    for n in range(3):
        message = reply(relay_address(sent_notice), body=f"Harassing text {n}")
        message.replace_header("From", "someone@mailinator.example")
        send(relay, message)
    events = received(sent_notice)
    assert len(events) == 3 and all(e.data["held"] and not e.data["authenticated"] for e in events)
    audiences = list(
        Notification.objects.filter(notice=sent_notice, kind="reply_received").values_list("audience", flat=True)
    )
    assert audiences == ["advocate"] * 3
    assert [m for m in mail.outbox if m.to == ["sam@example.org"]] == []
    to_advocate = [m for m in mail.outbox if m.to == ["advocate@example.org"]]
    assert sorted(m.body.split("Harassing text ")[1][0] for m in to_advocate) == ["0", "1", "2"]
    page = victim_page(client, sent_notice)
    assert "Replied by e-mail" not in page and "Harassing" not in page
    client.logout()
    client.force_login(advocate)
    page = client.get(f"/cases/{sent_notice.case.reference}/").content.decode()
    assert page.count("from mailinator.example, <strong>not the platform's known domain</strong>") == 3
    assert page.count("Unverified sender: held") == 3


@pytest.mark.parametrize("forgery", ["unsigned", "impostor_key", "signed_then_altered", "second_from"])
def test_a_forged_platform_reply_is_held_until_an_advocate_releases_it(
    relay, sent_notice, client, advocate, dkim_keys, forgery
):
    """The From: says the platform, but the mail is not the platform's: nothing of it reaches the victim."""
    mail.outbox.clear()
    message = reply(relay_address(sent_notice), body="We decline. Contact the uploader directly at ...")
    if forgery == "unsigned":
        raw = message.as_bytes(policy=email.policy.SMTP)
    elif forgery == "impostor_key":
        raw = signed(message, dkim_keys["impostor"][0])
    elif forgery == "signed_then_altered":
        raw = signed(message, dkim_keys["platform"][0]).replace(b"We decline.", b"We refuse.")
    else:
        raw = signed(message, dkim_keys["platform"][0]).replace(
            b"Subject:", b"From: someone@mailinator.example\r\nSubject:", 1
        )
    send(relay, raw)
    (event,) = received(sent_notice)
    assert event.data["held"] is True and event.data["authenticated"] == ""
    assert [m for m in mail.outbox if m.to == ["sam@example.org"]] == []
    assert "decline" not in victim_page(client, sent_notice) and "refuse" not in victim_page(client, sent_notice)

    notice_reply_release(notice=sent_notice, event_id=event.pk, actor_user=advocate)
    event.refresh_from_db()
    assert event.data["held"] is False and event.data["released"] is True
    assert Event.objects.filter(notice=sent_notice, type=EventType.NOTICE_REPLY_RELEASED).count() == 1
    (to_victim,) = [m for m in mail.outbox if m.to == ["sam@example.org"]]
    assert "Contact the uploader" in to_victim.body
    assert "Contact the uploader" in victim_page(client, sent_notice)


def test_an_advocate_discards_a_held_reply_from_the_case_page(relay, sent_notice, client, advocate):
    message = reply(relay_address(sent_notice), body="Pay us to remove it.")
    send(relay, message, sign=False)
    (event,) = received(sent_notice)
    client.force_login(advocate)
    page = client.get(f"/cases/{sent_notice.case.reference}/").content.decode()
    action = f"/cases/{sent_notice.case.reference}/notices/{sent_notice.pk}/reply-discard/"
    assert action in page and action.replace("discard", "release") in page
    response = client.post(action, {"event": event.pk})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.data["discarded"] is True and event.data["message"] == "" and not event.data["held"]
    assert Event.objects.filter(notice=sent_notice, type=EventType.NOTICE_REPLY_DISCARDED).count() == 1
    # Discarded is final: it cannot be released afterwards.
    assert client.post(action.replace("discard", "release"), {"event": event.pk}).status_code == 302
    event.refresh_from_db()
    assert "released" not in event.data
    client.logout()
    assert "Pay us" not in victim_page(client, sent_notice)


def test_an_advocate_releases_a_held_reply_through_the_api(relay, sent_notice, advocate, client):
    send(relay, reply(relay_address(sent_notice), body="Removed, sent from a ticket system."), sign=False)
    (event,) = received(sent_notice)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(advocate)}")
    url = f"/api/v1/cases/{sent_notice.case.reference}/notices/{sent_notice.pk}/replies/{event.pk}/release/"
    assert api.post(url).status_code == 200
    assert api.post(url).status_code == 409  # no longer held
    assert "Removed, sent from a ticket system." in victim_page(client, sent_notice)


def test_the_front_servers_authentication_results_are_believed_only_from_the_top(relay, sent_notice, settings):
    settings.RELAY_TRUSTED_AUTHSERV_ID = "mx.recourse.test"
    address = relay_address(sent_notice)

    def with_results(*headers: str, body: str) -> bytes:
        raw = reply(address, body=body).as_bytes(policy=email.policy.SMTP)
        return "".join(f"Authentication-Results: {h}\r\n" for h in headers).encode() + raw

    send(relay, with_results("mx.recourse.test; dkim=pass header.d=reddit.example; spf=pass", body="A"))
    send(relay, with_results("mx.recourse.test; dmarc=pass header.from=reddit.example", body="B"))
    # A header the sender wrote itself, below the front server's own (which says the signature failed).
    send(
        relay,
        with_results(
            "mx.recourse.test; dkim=fail header.d=reddit.example",
            "mx.recourse.test; dkim=pass header.d=reddit.example",
            body="C",
        ),
    )
    send(relay, with_results("mx.attacker.example; dkim=pass header.d=reddit.example", body="D"))
    send(relay, with_results("mx.recourse.test; dkim=pass header.d=mailinator.example", body="E"))
    verdicts = {e.data["message"]: e.data["authenticated"] for e in received(sent_notice)}
    assert verdicts == {"A": "authserv", "B": "authserv", "C": "", "D": "", "E": ""}


def test_the_same_text_with_a_new_message_id_is_dropped_for_a_week(relay, sent_notice, dkim_keys):
    for n in range(3):
        message = reply(relay_address(sent_notice), body="Same words every time.")
        message["Message-ID"] = f"<replay-{n}@mx.reddit.example>"
        send(relay, message)
    assert len(received(sent_notice)) == 1
    Event.objects.filter(notice=sent_notice).update(created_at=timezone.now() - timedelta(days=8))
    send(relay, reply(relay_address(sent_notice), body="Same words every time."))
    assert len(received(sent_notice)) == 2


def test_each_relay_address_takes_a_bounded_number_of_messages(relay, sent_notice, monkeypatch):
    monkeypatch.setattr(replies, "MESSAGES_PER_ADDRESS_PER_HOUR", 3)
    for n in range(3):
        send(relay, reply(relay_address(sent_notice), body=f"Message {n}"))
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(relay, reply(relay_address(sent_notice), body="One too many"))
    assert refused.value.smtp_code == 450
    assert len(received(sent_notice)) == 3


def test_the_victim_status_page_shows_the_reply(relay, sent_notice, client):
    send(relay, reply(relay_address(sent_notice), body="Removed on our side."))
    page = victim_page(client, sent_notice)
    assert "Replied by e-mail" in page and "Removed on our side." in page


def test_the_same_message_delivered_twice_is_recorded_once(relay, sent_notice):
    message = reply(relay_address(sent_notice))
    message["Message-ID"] = "<retry-1@mx.reddit.example>"
    send(relay, message)
    send(relay, message)
    assert len(received(sent_notice)) == 1


def _refusal(port: int, to: str) -> tuple[int, str]:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(port, reply(to))
    code, text = refused.value.recipients[to]
    return code, text.decode()


def test_other_domains_are_refused_no_open_relay(relay, sent_notice):
    code, text = _refusal(relay, "someone@example.com")
    assert code == 550 and "Relaying denied" in text
    # Even a genuine local part at another domain.
    code, _ = _refusal(relay, relay_address(sent_notice).replace("relay.recourse.test", "example.com"))
    assert code == 550
    assert received(sent_notice) == []


def test_unknown_and_forged_addresses_are_refused(relay, sent_notice):
    genuine = relay_address(sent_notice)
    local, domain = genuine.split("@")
    _, pk, tag = local.split("-")
    forged_tag = f"notice-{pk}-{'0' if tag[0] != '0' else '1'}{tag[1:]}@{domain}"
    other_number = f"notice-{int(pk) + 1000}-{tag}@{domain}"
    for address in (forged_tag, other_number, f"postmaster@{domain}", f"notice-{pk}@{domain}"):
        code, text = _refusal(relay, address)
        assert code == 550 and "No such relay address" in text, address
    assert received(sent_notice) == []


@pytest.mark.parametrize("how", ["withdrawn", "closed", "erased"])
def test_expired_addresses_are_refused_with_the_reason(relay, sent_notice, how):
    if how == "erased":
        case_erase(case=sent_notice.case, actor_kind="advocate")
    else:
        Notice.objects.filter(pk=sent_notice.pk).update(status=how)
    code, text = _refusal(relay, relay_address(sent_notice))
    assert code == 550 and "expired" in text and "withdrawn or closed" in text
    assert received(sent_notice) == []


def test_mail_to_a_good_and_a_bad_address_is_recorded_for_the_good_one(relay, sent_notice):
    good = relay_address(sent_notice)
    refused = send(relay, reply(good), to=[good, "x@example.com"])
    assert refused["x@example.com"][0] == 550
    assert len(received(sent_notice)) == 1


def test_a_10_mb_message_is_refused_with_552(relay, sent_notice):
    big = reply(relay_address(sent_notice), body="x" * 70 + "\n")
    big.add_attachment(os.urandom(10 * 1024 * 1024), maintype="application", subtype="octet-stream")
    # smtplib announces the size (SIZE extension): refused at MAIL FROM, before any byte is sent.
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(relay, big)
    assert refused.value.smtp_code == 552
    # A client that does not announce the size is refused after DATA.
    with smtplib.SMTP("127.0.0.1", relay, timeout=60) as client:
        client.ehlo()
        assert client.mail(SENDER)[0] == 250
        assert client.rcpt(relay_address(sent_notice))[0] == 250
        code, _ = client.data(big.as_bytes(policy=email.policy.SMTP))
    assert code == 552
    assert received(sent_notice) == []


def test_an_html_only_reply_is_recorded_as_its_text(relay, sent_notice):
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = relay_address(sent_notice)
    message["Subject"] = "Your report"
    message.set_content(
        "<html><head><style>p {color: red}</style><title>t</title></head><body>"
        "<p>Hello,</p><p>We <b>removed</b> the content &amp; banned the account.</p>"
        "<script>alert('x')</script><div>Reddit Safety</div></body></html>",
        subtype="html",
    )
    send(relay, message)
    (event,) = received(sent_notice)
    assert event.data["message"] == "Hello,\n\nWe removed the content & banned the account.\n\nReddit Safety"


def test_attachments_are_dropped_and_counted(relay, sent_notice):
    message = reply(relay_address(sent_notice), body="See the screenshot attached.")
    message.add_alternative("<p>See the <i>screenshot</i> attached.</p>", subtype="html")
    message.add_attachment(make_photo_like(64, 48, fmt="PNG"), maintype="image", subtype="png", filename="a.png")
    message.add_attachment(b"%PDF-1.4 ...", maintype="application", subtype="pdf", filename="policy.pdf")
    send(relay, message)
    (event,) = received(sent_notice)
    assert event.data["message"] == "See the screenshot attached."  # text/plain preferred over its HTML twin
    assert event.data["attachments_dropped"] == 2
    assert "a.png" not in str(event.data) and "policy.pdf" not in str(event.data)


def test_erasure_removes_the_reply(relay, sent_notice, advocate):
    message = reply(relay_address(sent_notice), body="Removed. The uploader u/someone was banned.")
    message.add_attachment(b"x", maintype="application", subtype="octet-stream", filename="x.bin")
    send(relay, message)
    case_erase(case=sent_notice.case, actor_kind="advocate")

    (event,) = received(sent_notice)
    assert event.redacted
    for key in ("message", "subject", "sender_domain", "message_key"):
        assert event.data[key] == "[erased]"
    assert event.data["attachments_dropped"] == 1  # a count, kept: it says nothing about anyone
    for row in Notification.objects.filter(notice=sent_notice):
        assert "u/someone" not in row.extra
    timeline = api_timeline(advocate, sent_notice)
    assert "u/someone" not in str(timeline)
    assert sent_notice.case.__class__.objects.get(pk=sent_notice.case.pk).state == CaseState.ERASED


def test_parse_falls_back_on_unknown_charsets_and_caps_the_text():
    raw = (
        b"From: a@b.example\r\nSubject: =?x-unknown?q?hi?=\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\n"
        + b"caf\xc3\xa9 " * 10_000
    )
    parsed = reply_parse(raw)
    assert parsed.sender_domain == "b.example"
    assert parsed.text.startswith("café café") and parsed.truncated and len(parsed.text) == 20_000


def test_the_command_runs_as_a_process_and_stops_on_sigterm():
    """`python manage.py relay_smtpd` as deployed: listens on RELAY_SMTP_LISTEN, refuses other domains, exits
    cleanly on SIGTERM (what `docker compose stop` sends)."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "RELAY_SMTP_LISTEN": f"127.0.0.1:{port}",
        "RELAY_EMAIL_DOMAIN": "relay.recourse.test",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "relay_smtpd"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert f"listening on 127.0.0.1:{port}" in line, line
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            assert client.ehlo()[0] == 250 and client.has_extn("size")
            client.mail(SENDER)
            code, text = client.rcpt("someone@example.com")
            assert code == 550 and b"Relaying denied" in text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        process.stdout.close()


@pytest.mark.django_db
def test_the_victim_is_told_in_their_language_without_their_address_reaching_anyone(platforms, dkim_keys):
    from takedowns.services.replies import notice_reply_receive
    from tests.utils import deliver_notifications

    Platform.objects.filter(slug="reddit").update(contact_email="legal@reddit.example")
    notice = NoticeFactory(status=NoticeStatus.SENT, platform=platforms["reddit"], case__language="es")
    raw = signed(reply(relay_address(notice), body="Eliminado."), dkim_keys["platform"][0])
    notice_reply_receive(notice_id=notice.pk, raw=raw)
    mail.outbox.clear()
    deliver_notifications()
    (to_victim,) = [m for m in mail.outbox if m.to == ["sam@example.org"]]
    assert "respondió por correo electrónico" in to_victim.subject
    assert "no a usted: siguen sin tener su dirección" in to_victim.body and "Eliminado." in to_victim.body
