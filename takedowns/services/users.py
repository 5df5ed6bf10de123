"""Creating portal users (advocates and platform staff) and their API tokens."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from takedowns.models import Platform, PlatformMembership
from takedowns.roles import ADVOCATES, PLATFORM_STAFF, ROLE_GROUPS
from takedowns.services.api_tokens import api_token_create


@dataclass(frozen=True)
class PortalUser:
    user: object
    token: str
    created: bool


def role_groups_ensure() -> None:
    for name in ROLE_GROUPS.values():
        Group.objects.get_or_create(name=name)


@transaction.atomic
def portal_user_create_or_update(
    *, role: str, email: str, password: str, platform_slug: str | None = None, validate: bool = True
) -> PortalUser:
    """Create or update the user with this e-mail in exactly one role; returns it with a new API token.

    The token is shown once (only its hash is stored) and expires after API_TOKEN_TTL_DAYS; running this again
    gives a new one, and earlier tokens stay valid until they expire."""
    if role not in ROLE_GROUPS:
        raise ValueError(f"Role must be one of {', '.join(ROLE_GROUPS)}, not {role!r}.")
    email = email.strip().lower()
    if "@" not in email:
        raise ValueError(f"{email!r} is not an e-mail address.")
    platform = None
    if role == "platform":
        if not platform_slug:
            raise ValueError("A platform user needs --platform SLUG.")
        platform = Platform.objects.filter(slug=platform_slug).first()
        if platform is None:
            raise ValueError(f"There is no platform with slug {platform_slug!r}.")
    elif platform_slug:
        raise ValueError("--platform is only for platform users.")

    User = get_user_model()
    user, created = User.objects.get_or_create(username=email, defaults={"email": email})
    if validate:
        validate_password(password, user)
    user.email = email
    user.is_active = True
    user.is_staff = role == "advocate"  # advocates may use the Django admin; platform staff never
    user.set_password(password)
    user.save()

    role_groups_ensure()
    user.groups.remove(*Group.objects.filter(name__in=[ADVOCATES, PLATFORM_STAFF]))
    user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
    if platform is not None:
        PlatformMembership.objects.update_or_create(user=user, defaults={"platform": platform})
    else:
        PlatformMembership.objects.filter(user=user).delete()
    return PortalUser(user=user, token=api_token_create(user=user), created=created)
