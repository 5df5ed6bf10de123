"""Platform replies that arrive by e-mail at a notice's relay address (``python manage.py relay_smtpd``).

Two steps, both called by the SMTP handler: :func:`relay_recipient_check` decides at RCPT time whether an
address may receive mail (so a sender learns at once, with a 550 and a reason, that an address is unknown,
forged or expired, and the relay never accepts mail for other domains), and :func:`notice_reply_receive`
records an accepted message on its notice and notifies the advocate and the victim.

A reply is personal data: it is kept only as the event's data (sender domain, subject, text) under keys that
erasure overwrites; attachments are never stored, only how many there were. The sender's full address is not
kept either: the domain is what tells an advocate which organisation answered.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import getaddresses
from html.parser import HTMLParser

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from takedowns.audit import event_record
from takedowns.models import ActorKind, CaseState, Event, EventType, Notice, NoticeStatus, Notification
from takedowns.notices.tokens import notice_id_from_relay_address
from takedowns.services.notifications import notify

# Long enough for any real answer from a trust-and-safety team, short enough that a quoted thread or a pasted
# log does not fill the audit log (the same bound as a reply an advocate pastes by hand).
REPLY_TEXT_MAX = 20_000
SUBJECT_MAX = 300
# However many messages arrive at one relay address, the victim hears about replies at most this often (the
# advocate gets every one): the address is printed in a notice, and a platform may forward a notice to the
# uploader, so a harasser could otherwise turn the relay into a way of e-mailing the victim.
VICTIM_NOTICE_INTERVAL = timedelta(hours=1)
# A notice whose relay address no longer takes mail: the platform gets a 550 telling it why.
CLOSED_NOTICE_STATUSES = frozenset({NoticeStatus.CLOSED, NoticeStatus.WITHDRAWN})
CLOSED_CASE_STATES = frozenset({CaseState.CLOSED, CaseState.WITHDRAWN, CaseState.ERASED})


class RelayRefused(Exception):
    """An address or message the relay refuses; ``reply`` is the full SMTP reply line (code, enhanced status,
    reason) sent back to the sender."""

    def __init__(self, reply: str):
        super().__init__(reply)
        self.reply = reply


def relay_recipient_check(*, address: str) -> int:
    """The notice id a RCPT address may deliver to, or :class:`RelayRefused` with the reason.

    Unknown and forged addresses get the same answer (the tag is an HMAC: a wrong one tells a prober nothing
    about which numbers exist)."""
    _, _, domain = (address or "").strip().rpartition("@")
    if domain.lower().rstrip(".") != settings.RELAY_EMAIL_DOMAIN.lower():
        raise RelayRefused("550 5.7.1 Relaying denied: this server only accepts replies to Recourse notices.")
    notice_id = notice_id_from_relay_address(address)
    if notice_id is None:
        raise RelayRefused("550 5.1.1 No such relay address: check that the address was copied from the notice.")
    notice = Notice.objects.select_related("case").filter(pk=notice_id).only("status", "case__state").first()
    if notice is None:
        raise RelayRefused("550 5.1.1 No such relay address: check that the address was copied from the notice.")
    if notice.case.state in CLOSED_CASE_STATES or notice.status in CLOSED_NOTICE_STATUSES:
        raise RelayRefused(
            "550 5.1.1 This relay address has expired: the removal request it belongs to was withdrawn or "
            "closed, so no reply is needed."
        )
    return notice_id


# --- parsing -----------------------------------------------------------------------------------------------


class _TextFromHtml(HTMLParser):
    """Visible text of an HTML body: scripts, styles and the head dropped, block elements on their own lines."""

    _SKIP = {"script", "style", "head", "title"}
    _BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    return _tidy("".join(parser.parts))


def _tidy(text: str) -> str:
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


@dataclass
class ParsedReply:
    sender_domain: str
    subject: str
    text: str
    message_id: str = ""
    truncated: bool = False
    attachments: list[str] = field(default_factory=list)  # content types only, never names or bytes


def _part_text(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, ValueError):
        # An unknown charset or a broken transfer encoding: keep what can be read rather than lose the reply.
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def reply_parse(raw: bytes) -> ParsedReply:
    """Sender domain, subject and readable text of a raw RFC 5322 message. text/plain is preferred, HTML is
    reduced to its text, every attachment is dropped (its content type is noted)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    senders = [address for _, address in getaddresses([str(message.get("From", ""))]) if "@" in address]
    sender_domain = senders[0].rpartition("@")[2].lower()[:253] if senders else ""
    subject = _tidy(str(message.get("Subject", "")))[:SUBJECT_MAX]

    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        content = _part_text(body)
        text = html_to_text(content) if body.get_content_type() == "text/html" else _tidy(content)
    attachments = [
        part.get_content_type()
        for part in message.walk()
        if not part.is_multipart() and part is not body and _is_attachment(part)
    ]
    truncated = len(text) > REPLY_TEXT_MAX
    return ParsedReply(
        sender_domain=sender_domain,
        subject=subject,
        text=text[:REPLY_TEXT_MAX],
        message_id=str(message.get("Message-ID", "")).strip(),
        truncated=truncated,
        attachments=attachments,
    )


def _is_attachment(part: EmailMessage) -> bool:
    # The other rendering of the chosen body (the HTML twin of a text/plain part) is not an attachment.
    if part.get_content_disposition() == "attachment":
        return True
    return not (part.get_content_type() in ("text/plain", "text/html") and part.get_filename() is None)


def _domain_matches(sender_domain: str, contact_email: str) -> bool:
    contact_domain = (contact_email or "").rpartition("@")[2].lower()
    if not sender_domain or not contact_domain:
        return False
    return sender_domain == contact_domain or sender_domain.endswith("." + contact_domain)


# --- recording ---------------------------------------------------------------------------------------------


def notice_reply_receive(*, notice_id: int, raw: bytes) -> Event:
    """Record a message received at a notice's relay address and notify the advocate and the victim (the victim
    is e-mailed by the portal: the platform never learns their address). Idempotent per Message-ID: a sender
    retrying after a lost "250" does not record the reply twice.

    Raises :class:`RelayRefused` if the address expired between RCPT and DATA."""
    parsed = reply_parse(raw)
    # The Message-ID identifies the sender's mail system and time, not a person; hashed anyway so that
    # nothing an outsider chose is matched verbatim in a JSON lookup.
    message_key = hashlib.sha256(parsed.message_id.encode()).hexdigest()[:32] if parsed.message_id else ""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("case", "platform").filter(pk=notice_id).first()
        if notice is None or notice.case.state in CLOSED_CASE_STATES or notice.status in CLOSED_NOTICE_STATUSES:
            raise RelayRefused("550 5.1.1 This relay address has expired: the removal request was closed.")
        if message_key:
            earlier = notice.events.filter(type=EventType.NOTICE_REPLY_RECEIVED, data__message_key=message_key)
            if (existing := earlier.first()) is not None:
                return existing
        matches = _domain_matches(parsed.sender_domain, notice.platform.contact_email)
        event = event_record(
            type=EventType.NOTICE_REPLY_RECEIVED,
            actor_kind=ActorKind.PLATFORM,
            notice=notice,
            data={
                "sender_domain": parsed.sender_domain,
                "sender_matches_platform": matches,
                "subject": parsed.subject,
                "message": parsed.text,
                "truncated": parsed.truncated,
                "attachments_dropped": len(parsed.attachments),
                "bytes": len(raw),
                "message_key": message_key,
            },
        )
        victim_told_recently = Notification.objects.filter(
            notice=notice,
            kind="reply_received",
            audience="victim",
            created_at__gte=timezone.now() - VICTIM_NOTICE_INTERVAL,
        ).exists()
        notify(
            notice=notice,
            kind="reply_received",
            # The victim's e-mail quotes the text only when it comes from the platform's own domain (see the
            # template); anything else is read by an advocate first.
            extra={
                "message": parsed.text,
                "subject": parsed.subject,
                "sender_domain": parsed.sender_domain,
                "sender_matches_platform": matches,
                "attachments_dropped": len(parsed.attachments),
            },
            victim=not victim_told_recently,
        )
    return event
