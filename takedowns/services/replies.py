"""Platform replies that arrive by e-mail at a notice's relay address (``python manage.py relay_smtpd``).

Two steps, both called by the SMTP handler: :func:`relay_recipient_check` decides at RCPT time whether an
address may receive mail (so a sender learns at once, with a 550 and a reason, that an address is unknown,
forged or expired, and the relay never accepts mail for other domains), and :func:`notice_reply_receive`
records an accepted message on its notice and notifies the advocate and the victim.

Anyone who has a relay address (it is printed in every notice, and platforms forward notices to uploaders) can
write to it, so a message counts as the platform's only when its sender is authenticated: a valid DKIM signature
aligned with the From: domain, which is one of the platform's registry domains, or a pass for that domain in the
topmost ``Authentication-Results`` header written by the operator's own front mail server
(``RELAY_TRUSTED_AUTHSERV_ID``). Anything else is recorded *held*: the advocate sees it and may release or discard
it, and the victim hears nothing of it until it is released. The same text twice within a week is dropped, and
each relay address takes a bounded number of messages an hour.

A reply is personal data: it is kept only as the event's data (sender domain, subject, text) under keys that
erasure overwrites; attachments are never stored, only how many there were. The sender's full address is not
kept either: the domain is what tells an advocate which organisation answered.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import getaddresses
from html.parser import HTMLParser

import dkim
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from takedowns.audit import event_record
from takedowns.models import ActorKind, CaseState, Event, EventType, Notice, NoticeStatus, Notification
from takedowns.notices.tokens import notice_id_from_relay_address
from takedowns.services.notifications import notify
from takedowns.services.throttle import throttle_hit

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
# A resent or replayed message (a new Message-ID, the same words) is recorded once a week at most.
DUPLICATE_WINDOW = timedelta(days=7)
# A platform answering one notice writes a few messages a day; more than this in an hour is a flood.
MESSAGES_PER_ADDRESS_PER_HOUR = 20
# Looks up a DKIM key's TXT record (dkimpy's ``dnsfunc``); None uses dkimpy's own resolver (dnspython). Tests
# point it at their own keys.
DkimDnsLookup = Callable[..., bytes | None]
dkim_dns_lookup: DkimDnsLookup | None = None


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
    from_count: int
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
        from_count=len(senders),
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


def _within(domain: str, parent: str) -> bool:
    return bool(domain and parent) and (domain == parent or domain.endswith("." + parent))


def platform_mail_domains(platform) -> set[str]:
    """The domains a platform's mail may come from: its registry host names and its contact address's domain."""
    domains = {str(d).strip().lower().rstrip(".").removeprefix("www.") for d in (platform.domains or [])}
    domains.add((platform.contact_email or "").rpartition("@")[2].lower())
    return {d for d in domains if d}


_RESULT = re.compile(r"\b(dkim|dmarc)\s*=\s*(\w+)([^;]*)", re.IGNORECASE)
_PROPERTY = re.compile(r"\bheader\.(d|i|from)\s*=\s*@?([A-Za-z0-9.\-]+)", re.IGNORECASE)


def _authserv_says(message: EmailMessage, from_domain: str) -> bool:
    """True when the topmost Authentication-Results header of the operator's own front server (the configured
    authserv-id) reports a DKIM pass aligned with ``from_domain`` or a DMARC pass for it. Headers below it, or
    with another authserv-id, were written by someone else and count for nothing."""
    trusted = (settings.RELAY_TRUSTED_AUTHSERV_ID or "").strip().lower()
    if not trusted:
        return False
    for header in message.get_all("Authentication-Results") or []:
        authserv_id, _, results = str(header).partition(";")
        server = authserv_id.strip().split()
        if not server or server[0].lower() != trusted:
            continue
        for method, verdict, properties in _RESULT.findall(results):
            if verdict.lower() != "pass":
                continue
            for name, value in _PROPERTY.findall(properties):
                value = value.lower().rstrip(".")
                if method.lower() == "dmarc" and name.lower() == "from" and value == from_domain:
                    return True
                if method.lower() == "dkim" and name.lower() in ("d", "i") and _within(from_domain, value):
                    return True
        return False  # only the topmost header of the trusted server counts
    return False


def _dkim_aligned(raw: bytes, from_domain: str) -> bool:
    """True when a DKIM signature of the message verifies and its d= domain is the From: domain or a parent."""
    count = len(re.findall(rb"(?im)^dkim-signature\s*:", raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]))
    for index in range(count):
        verifier = dkim.DKIM(raw)
        try:
            kwargs = {"dnsfunc": dkim_dns_lookup} if dkim_dns_lookup is not None else {}
            valid = verifier.verify(idx=index, **kwargs)
        except dkim.DKIMException:
            continue
        signer = (verifier.domain or b"").decode("ascii", errors="replace").lower().rstrip(".")
        if valid and _within(from_domain, signer):
            return True
    return False


def reply_sender_authenticate(*, raw: bytes, platform) -> str:
    """How the sender of ``raw`` was shown to be the platform: ``"dkim"``, ``"authserv"`` or ``""`` (not)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    senders = [address for _, address in getaddresses([str(message.get("From", ""))]) if "@" in address]
    if len(senders) != 1 or len(message.get_all("From") or []) != 1:
        return ""  # several authors: none of them can be taken for the platform
    from_domain = senders[0].rpartition("@")[2].lower().rstrip(".")
    if not any(_within(from_domain, domain) for domain in platform_mail_domains(platform)):
        return ""
    if _authserv_says(message, from_domain):
        return "authserv"
    if _dkim_aligned(raw, from_domain):
        return "dkim"
    return ""


# --- recording ---------------------------------------------------------------------------------------------


def notice_reply_receive(*, notice_id: int, raw: bytes) -> Event:
    """Record a message received at a notice's relay address. An authenticated one (see the module docstring)
    notifies the advocate and the victim (e-mailed by the portal: the platform never learns her address); any
    other is held for an advocate, and the victim hears nothing of it until it is released. Idempotent per
    Message-ID, and the same text within :data:`DUPLICATE_WINDOW` is dropped: the earlier event is returned.

    Raises :class:`RelayRefused` if the address expired between RCPT and DATA, or took too many messages."""
    if not throttle_hit(f"relay-address:{notice_id}", MESSAGES_PER_ADDRESS_PER_HOUR, 3600, fail_open=True):
        raise RelayRefused("450 4.7.1 Too many messages to this address: please try again later.")
    parsed = reply_parse(raw)
    # The Message-ID identifies the sender's mail system and time, not a person; hashed anyway so that
    # nothing an outsider chose is matched verbatim in a JSON lookup.
    message_key = hashlib.sha256(parsed.message_id.encode()).hexdigest()[:32] if parsed.message_id else ""
    body_digest = hashlib.sha256(parsed.text.encode("utf-8", errors="surrogatepass")).hexdigest()[:32]
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("case", "platform").filter(pk=notice_id).first()
        if notice is None or notice.case.state in CLOSED_CASE_STATES or notice.status in CLOSED_NOTICE_STATUSES:
            raise RelayRefused("550 5.1.1 This relay address has expired: the removal request was closed.")
        earlier = notice.events.filter(type=EventType.NOTICE_REPLY_RECEIVED)
        if message_key and (existing := earlier.filter(data__message_key=message_key).first()) is not None:
            return existing
        recent = earlier.filter(data__body_digest=body_digest, created_at__gte=timezone.now() - DUPLICATE_WINDOW)
        if (existing := recent.first()) is not None:
            return existing
        authenticated = reply_sender_authenticate(raw=raw, platform=notice.platform)
        event = event_record(
            type=EventType.NOTICE_REPLY_RECEIVED,
            actor_kind=ActorKind.PLATFORM,
            notice=notice,
            data={
                "sender_domain": parsed.sender_domain,
                "sender_matches_platform": any(
                    _within(parsed.sender_domain, d) for d in platform_mail_domains(notice.platform)
                ),
                "authenticated": authenticated,
                "held": not authenticated,
                "subject": parsed.subject,
                "message": parsed.text,
                "truncated": parsed.truncated,
                "attachments_dropped": len(parsed.attachments),
                "bytes": len(raw),
                "message_key": message_key,
                "body_digest": body_digest,
            },
        )
        _reply_notify(notice=notice, event=event, victim=bool(authenticated))
    return event


def _reply_notify(*, notice: Notice, event: Event, victim: bool) -> None:
    data = event.data
    victim_told_recently = Notification.objects.filter(
        notice=notice,
        kind="reply_received",
        audience="victim",
        created_at__gte=timezone.now() - VICTIM_NOTICE_INTERVAL,
    ).exists()
    notify(
        notice=notice,
        kind="reply_received",
        # The victim's e-mail quotes the text only when the sender was authenticated or an advocate released it
        # (see the template); a held message reaches only the advocate.
        extra={
            "message": data.get("message", ""),
            "subject": data.get("subject", ""),
            "sender_domain": data.get("sender_domain", ""),
            "sender_verified": victim,
            "held": not victim,
            "attachments_dropped": data.get("attachments_dropped", 0),
        },
        victim=victim and not victim_told_recently,
    )


class ReplyNotHeld(Exception):
    """The reply was not (or is no longer) held: it was authenticated, or already released or discarded."""


def _held_reply(*, notice: Notice, event_id: int) -> Event:
    event = (
        Event.objects.select_for_update()
        .filter(pk=event_id, notice=notice, type=EventType.NOTICE_REPLY_RECEIVED)
        .first()
    )
    if event is None or not (event.data or {}).get("held") or event.redacted:
        raise ReplyNotHeld(event_id)
    return event


def notice_reply_release(*, notice: Notice, event_id: int, actor_user) -> Event:
    """An advocate read a held reply and vouches for it: it is shown to the victim and she is told of it."""
    with transaction.atomic():
        event = _held_reply(notice=notice, event_id=event_id)
        event.data = {**event.data, "held": False, "released": True}
        event.save(update_fields=["data"])
        event_record(
            type=EventType.NOTICE_REPLY_RELEASED,
            actor_kind=ActorKind.ADVOCATE,
            actor_user=actor_user,
            notice=notice,
            data={"event_id": event.pk},
        )
        _reply_notify(notice=notice, event=event, victim=True)
    return event


def notice_reply_discard(*, notice: Notice, event_id: int, actor_user) -> Event:
    """An advocate decided a held reply is not the platform's: its text is dropped (it was a stranger's, and
    it has no place in the case), and the victim never hears of it."""
    with transaction.atomic():
        event = _held_reply(notice=notice, event_id=event_id)
        event.data = {**event.data, "held": False, "discarded": True, "message": "", "subject": ""}
        event.save(update_fields=["data"])
        event_record(
            type=EventType.NOTICE_REPLY_DISCARDED,
            actor_kind=ActorKind.ADVOCATE,
            actor_user=actor_user,
            notice=notice,
            data={"event_id": event.pk},
        )
    return event
