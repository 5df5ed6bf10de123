"""Staff two-factor sign-in (django-otp): an authenticator app (TOTP) and single-use recovery codes.

Advocates, platform staff and admins confirm every sign-in with a six-digit code; a stolen password alone opens
nothing. Enrolment: an unconfirmed TOTP device is made, its QR code shown, and the first right code confirms it
and issues the recovery codes (shown once). Wrong codes slow down exponentially (django-otp's throttling), and
every wrong code and every recovery code used is in the audit log.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from takedowns.audit import event_record
from takedowns.models import ActorKind, EventType
from takedowns.roles import platform_of

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


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


def recovery_codes_issue(*, user) -> list[str]:
    """New recovery codes, replacing all earlier ones. The returned list is the only time they are shown."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.STAFF_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def totp_device_confirm(*, user, device_id: int, code: str) -> list[str] | None:
    """Confirm the enrolment with the first code from the app: returns the new recovery codes, or None when
    the code is wrong. Another authenticator the user had is replaced (re-enrolment after a lost phone)."""
    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=user, confirmed=False).first()
    if device is None or not device.verify_token(code):
        event_record(type=EventType.STAFF_2FA_FAILED, actor_kind=_actor_kind(user), actor_user=user)
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_issue(user=user)
    event_record(type=EventType.STAFF_2FA_ENROLLED, actor_kind=_actor_kind(user), actor_user=user)
    return codes


def second_factor_verify(*, user, code: str):
    """The confirmed device (app or recovery codes) that accepts ``code``, or None. A recovery code works once."""
    device = match_token(user, code)
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


def _actor_kind(user) -> str:
    return ActorKind.PLATFORM if platform_of(user) is not None else ActorKind.ADVOCATE
