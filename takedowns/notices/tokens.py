"""The signed response link inside a notice, and the per-notice relay e-mail address.

A response token is ``TimestampSigner(salt=...).sign_object([notice.pk, notice.token_nonce])`` with "." as
separator, so it only contains URL-unreserved characters (``A-Z a-z 0-9 - _ .``) and survives e-mail
clients and URL paths untouched. The HMAC key is derived from ``SECRET_KEY`` with a dedicated salt, so a
token cannot be replayed as any other signed value of the portal (cookies, password resets ...).

Binding the token to ``token_nonce`` as well as the id is what makes links revocable: rotating the nonce on
the row makes every link issued before it fail in :func:`notice_for_response_token`, while the signature
alone already stops guessing and tampering (an attacker would need the 256-bit HMAC).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from takedowns.links import absolute_url
from takedowns.models import Notice

RESPONSE_TOKEN_SALT = "recourse.notices.response-link"
RELAY_SALT = "recourse.notices.relay-address"
# "." is outside the base64url alphabet (so Django accepts it as a separator) and unreserved in URLs.
_SEP = "."


class ResponseTokenError(Exception):
    """Base class: the response link cannot be used. The message is safe to show to the visitor."""


class ResponseTokenInvalid(ResponseTokenError):
    """Not a link this portal issued, altered, for another notice, or revoked."""


class ResponseTokenExpired(ResponseTokenError):
    """A genuine link that is older than ``settings.RESPONSE_LINK_MAX_AGE_DAYS``."""


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=RESPONSE_TOKEN_SALT, sep=_SEP)


def make_response_token(notice: Notice) -> str:
    """A URL-safe, unguessable token naming ``notice`` and its current nonce, stamped with the time now."""
    if notice.pk is None:
        raise ValueError("A response token needs a saved notice.")
    return _signer().sign_object([notice.pk, notice.token_nonce], compress=False)


def read_response_token_payload(token: str) -> tuple[int, str]:
    """Check signature and age; returns ``(notice_id, nonce)``. The nonce still has to be compared with the
    row (see :func:`notice_for_response_token`)."""
    max_age = timedelta(days=settings.RESPONSE_LINK_MAX_AGE_DAYS)
    try:
        payload = _signer().unsign_object(token or "", max_age=max_age)
    except signing.SignatureExpired:
        # SignatureExpired subclasses BadSignature, so it must be caught first.
        raise ResponseTokenExpired(
            f"This response link has expired (links are valid for {settings.RESPONSE_LINK_MAX_AGE_DAYS} days). "
            "Reply to the notice e-mail or sign in to the platform inbox to respond."
        )
    except (signing.BadSignature, ValueError, UnicodeError):
        raise ResponseTokenInvalid("This response link is not valid. Check that it was copied completely.")
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not isinstance(payload[0], int)
        or isinstance(payload[0], bool)
        or not isinstance(payload[1], str)
    ):
        raise ResponseTokenInvalid("This response link is not valid. Check that it was copied completely.")
    return payload[0], payload[1]


def read_response_token(token: str) -> int:
    """The notice id a genuine, unexpired token names (signature and age checked, nonce not)."""
    return read_response_token_payload(token)[0]


def notice_for_response_token(token: str) -> Notice:
    """The notice a response link belongs to, with its case and platform; raises a :class:`ResponseTokenError`
    for a bad, expired or revoked link (the same message whether the notice is missing or the nonce rotated,
    so the link tells a stranger nothing)."""
    notice_id, nonce = read_response_token_payload(token)
    notice = Notice.objects.select_related("case", "platform").filter(pk=notice_id).first()
    if notice is None or not constant_time_compare(notice.token_nonce, nonce):
        raise ResponseTokenInvalid(
            "This response link is no longer valid: it has been replaced or withdrawn. Use the most recent "
            "notice e-mail or the platform inbox."
        )
    return notice


def response_link(notice: Notice, *, token: str | None = None) -> str:
    """The absolute URL of the page behind the signed link."""
    return absolute_url("takedowns:notice_respond", token=token or make_response_token(notice))


def _relay_tag(notice_id: int) -> str:
    # Stable per notice (not bound to the nonce): replies to an old e-mail must still reach the case.
    return salted_hmac(RELAY_SALT, str(notice_id), algorithm="sha256").hexdigest()[:10]


def relay_address(notice: Notice) -> str:
    """The per-notice reply address, ``notice-{pk}-{tag}@{RELAY_EMAIL_DOMAIN}``; the tag stops someone from
    writing into another notice's thread by changing the number."""
    if notice.pk is None:
        raise ValueError("A relay address needs a saved notice.")
    return f"notice-{notice.pk}-{_relay_tag(notice.pk)}@{settings.RELAY_EMAIL_DOMAIN}"


def notice_id_from_relay_address(address: str) -> int | None:
    """For the inbound mail handler: the notice id of a genuine relay address, else None."""
    local, _, domain = (address or "").strip().lower().rpartition("@")
    if domain != settings.RELAY_EMAIL_DOMAIN.lower():
        return None
    parts = local.split("-")
    if len(parts) != 3 or parts[0] != "notice" or not parts[1].isdigit():
        return None
    notice_id = int(parts[1])
    return notice_id if constant_time_compare(parts[2], _relay_tag(notice_id)) else None
