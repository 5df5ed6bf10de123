"""Staff two-factor sign-in (django-otp): an authenticator app (TOTP) and single-use recovery codes.

Advocates, platform staff and admins confirm every sign-in with a six-digit code; a stolen password alone opens
nothing. Enrolment needs a one-time, expiring link an administrator issued for that account
(``manage.py create_portal_user`` prints it, ``manage.py enrolment_link`` and the admin reissue it): with the
password alone, whoever signs in first could enrol their own phone and lock the owner out. Then an unconfirmed
TOTP device is made, its QR code shown, and the first right code confirms it, spends the link and issues the
recovery codes (shown once, stored only as digests). Wrong codes slow down exponentially (django-otp's throttling), and
every wrong code and every recovery code used is in the audit log.
"""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
from datetime import timedelta

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from takedowns.audit import event_record
from takedowns.links import absolute_url
from takedowns.models import ActorKind, EventType, StaffEnrolmentLink
from takedowns.roles import platform_of

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# Long enough to reach a new colleague over a weekend, short enough that a forgotten link is dead soon.
ENROLMENT_LINK_TTL = timedelta(days=3)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def enrolment_link_issue(*, user, issued_by=None) -> str:
    """A new enrolment link for ``user`` (the absolute URL, shown once); earlier unused links stop working."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        StaffEnrolmentLink.objects.filter(user=user, used_at__isnull=True).delete()
        StaffEnrolmentLink.objects.create(
            user=user,
            token_hash=_token_hash(token),
            expires_at=timezone.now() + ENROLMENT_LINK_TTL,
            issued_by=issued_by,
        )
        event_record(
            type=EventType.STAFF_2FA_LINK_ISSUED,
            actor_kind=ActorKind.ADVOCATE if issued_by is not None else ActorKind.SYSTEM,
            actor_user=issued_by,
            data={"user_id": user.pk},
        )
    return absolute_url("takedowns:two_factor_enrol", token=token)


def enrolment_link_valid(*, user, token: str | None = None, link_id: int | None = None):
    """The unspent, unexpired link of ``user`` with this token (or id), or None."""
    links = StaffEnrolmentLink.objects.filter(user=user, used_at__isnull=True, expires_at__gt=timezone.now())
    if token is not None:
        return links.filter(token_hash=_token_hash(token)).first()
    if link_id is not None:
        return links.filter(pk=link_id).first()
    return None


def staff_has_second_factor(user) -> bool:
    return user_has_device(user, confirmed=True)


def totp_device_start(*, user) -> TOTPDevice:
    """A new, unconfirmed authenticator device for enrolment (any earlier unconfirmed one is discarded)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def totp_qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as an SVG element, drawn here: the secret never goes to an outside QR service."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=14, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]


def recovery_code_digest(code: str) -> str:
    """What is stored for a recovery code: 96 bits of its SHA-256, in the 16 characters django-otp's column holds.

    django-otp keeps static tokens in clear, so a copy of the database would hold working codes. A fast,
    unsalted hash is enough here: a code is 80 random bits (``StaticToken.random_token``), so there is nothing
    to guess from a dictionary and nothing a slow hash would protect."""
    normalised = "".join(code.split()).lower()
    return base64.urlsafe_b64encode(hashlib.sha256(normalised.encode()).digest()[:12]).decode()


def recovery_codes_issue(*, user) -> list[str]:
    """New recovery codes, replacing all earlier ones. The returned list is the only time they are shown; the
    database keeps only their digests."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.STAFF_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=recovery_code_digest(code)) for code in codes])
    return codes


@transaction.atomic
def totp_device_confirm(*, user, device_id: int, code: str, link_id: int | None = None) -> list[str] | None:
    """Confirm the enrolment with the first code from the app: returns the new recovery codes, or None when
    the code is wrong. Another authenticator the user had is replaced (re-enrolment after a lost phone).

    ``link_id``: the enrolment link this is done under, spent here (it must still be valid). Without one, the
    caller has checked that the user already confirmed this sign-in with a second factor."""
    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=user, confirmed=False).first()
    if link_id is not None:
        link = StaffEnrolmentLink.objects.select_for_update().filter(pk=link_id).first()
        if link is None or enrolment_link_valid(user=user, link_id=link_id) is None:
            return None
    if device is None or not device.verify_token(code):
        event_record(type=EventType.STAFF_2FA_FAILED, actor_kind=_actor_kind(user), actor_user=user)
        return None
    if link_id is not None:
        StaffEnrolmentLink.objects.filter(pk=link_id).update(used_at=timezone.now())
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_issue(user=user)
    event_record(type=EventType.STAFF_2FA_ENROLLED, actor_kind=_actor_kind(user), actor_user=user)
    return codes


def second_factor_verify(*, user, code: str):
    """The confirmed device (app or recovery codes) that accepts ``code``, or None. A recovery code works once.

    Recovery codes are compared by digest (:func:`recovery_code_digest`); the stored digest itself, typed as a
    code, is digested again and fails."""
    device = _totp_match(user, code) or _recovery_match(user, code)
    if device is None:
        event_record(type=EventType.STAFF_2FA_FAILED, actor_kind=_actor_kind(user), actor_user=user)
    elif isinstance(device, StaticDevice):
        left = device.token_set.count()
        event_record(
            type=EventType.STAFF_RECOVERY_CODE_USED,
            actor_kind=_actor_kind(user),
            actor_user=user,
            data={"codes_left": left},
        )
    return device


def _totp_match(user, code: str):
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


def _recovery_match(user, code: str):
    digest = recovery_code_digest(code)
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(digest):  # django-otp's throttling and single use, on the digest
            return device
    return None


def _actor_kind(user) -> str:
    return ActorKind.PLATFORM if platform_of(user) is not None else ActorKind.ADVOCATE
