"""One-time codes for answering a notice through its signed link.

The signed link inside a notice travels wherever the notice does: to the uploader, to Lumen, to anyone it is
forwarded to. Reading the notice there is harmless; answering it (reporting removal, disputing) must not be.
So whoever opens the link answers only after proving they read the platform's registered contact address: a
six-digit code is sent there, valid 30 minutes, single-use, five tries. Logged-in platform staff (the inbox)
and API tokens need no code.

A code belongs to the browser session that asked for it (``requester``, a random id the page keeps in the
server-side session): it works only there, and wrong tries are counted per session. Otherwise anyone holding
the link could spend the platform's tries with wrong guesses, or ask for codes until the platform's own request
is refused, and so freeze the code check for the platform itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage

from takedowns.models import Notice
from takedowns.services.jobs import enqueue_on_commit
from takedowns.services.throttle import throttle_hit

CODE_TTL_SECONDS = 30 * 60
CODE_TRIES = 5
CODES_PER_HOUR = 3  # per requesting session
# Per notice, for every session together: bounds the mail sent to the platform's contact address. A stranger can
# use these up, which only delays the link: the platform's inbox and API need no code.
CODES_PER_NOTICE_HOUR = 12
SEND_TASK = "takedowns.tasks.respond_code_send"


def respond_code_requester_new() -> str:
    """A fresh requester id for a browser session (kept server-side in the session, never in a URL)."""
    return secrets.token_urlsafe(18)


def _requester_tag(requester: str) -> str:
    # Cache and throttle keys hold a digest, not the id itself.
    return hashlib.sha256(requester.encode()).hexdigest()[:32]


def _key(notice: Notice, requester: str) -> str:
    # Tied to the link's nonce: a rotated (revoked) link invalidates its code too.
    return f"recourse:respond-code:{notice.pk}:{notice.token_nonce}:{_requester_tag(requester)}"


def _digest(notice: Notice, requester: str, code: str) -> str:
    message = f"{notice.pk}:{_requester_tag(requester)}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def masked_contact(notice: Notice) -> str:
    """The registered address, masked (``n***@platform.example``): enough to recognise, not to harvest."""
    local, _, domain = (notice.platform.contact_email or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else ""


def respond_code_request(*, notice: Notice, requester: str) -> bool:
    """Ask for a code for the session ``requester`` to be e-mailed to the platform's registered contact; False
    when the platform has none or when codes were asked for too often (by this session, or for this notice)."""
    if not notice.platform.contact_email or not requester:
        return False
    tag = _requester_tag(requester)
    if not throttle_hit(f"respond-code-send:{notice.pk}:{tag}", CODES_PER_HOUR, 3600):
        return False
    if not throttle_hit(f"respond-code-send:{notice.pk}", CODES_PER_NOTICE_HOUR, 3600):
        return False
    enqueue_on_commit(SEND_TASK, notice.pk, requester)
    return True


def respond_code_send(*, notice_id: int, requester: str) -> bool:
    """Make a code for ``requester`` and e-mail it (the worker does this: the code never passes through the
    broker)."""
    notice = Notice.objects.select_related("platform").filter(pk=notice_id).first()
    if notice is None or not notice.platform.contact_email or not requester:
        return False
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_key(notice, requester), _digest(notice, requester, code), CODE_TTL_SECONDS)
    EmailMessage(
        subject=f"Your code to answer notice {notice.reference}",
        body=(
            f"Someone opened the response link of removal notice {notice.reference} and asked to answer it.\n\n"
            f"Code: {code}\n\n"
            "It works once, for 30 minutes. If this was not you or your team, ignore this message: without the "
            "code nobody can answer the notice from its link.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notice.platform.contact_email],
    ).send(fail_silently=False)
    return True


def respond_code_check(*, notice: Notice, requester: str, code: str) -> bool:
    """True, once, for the code that was sent to this session's request; at most five tries per session."""
    if not requester:
        return False
    tag = _requester_tag(requester)
    if not throttle_hit(f"respond-code-try:{notice.pk}:{notice.token_nonce}:{tag}", CODE_TRIES, CODE_TTL_SECONDS):
        return False
    stored = cache.get(_key(notice, requester))
    given = "".join(ch for ch in (code or "") if ch.isdigit())
    if not stored or len(given) != 6 or not hmac.compare_digest(stored, _digest(notice, requester, given)):
        return False
    cache.delete(_key(notice, requester))
    return True
