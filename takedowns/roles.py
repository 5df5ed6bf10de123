"""Who is who: the advocate and platform-staff groups and the questions views ask about a user."""

from __future__ import annotations

ADVOCATES = "advocates"
PLATFORM_STAFF = "platform_staff"
ROLE_GROUPS = {"advocate": ADVOCATES, "platform": PLATFORM_STAFF}


def _groups(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_recourse_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._recourse_groups = cached
    return cached


def is_advocate(user) -> bool:
    return bool(getattr(user, "is_active", False)) and (user.is_superuser or ADVOCATES in _groups(user))


def platform_of(user):
    """The one platform a staff user is scoped to, or None (advocates and anonymous users)."""
    if not getattr(user, "is_authenticated", False) or PLATFORM_STAFF not in _groups(user):
        return None
    membership = getattr(user, "platform_membership", None)
    return membership.platform if membership else None


def role_of(user) -> str:
    if is_advocate(user):
        return "advocate"
    if platform_of(user) is not None:
        return "platform"
    return "anonymous" if not getattr(user, "is_authenticated", False) else "none"
