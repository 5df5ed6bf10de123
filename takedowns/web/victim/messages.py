"""Sentences the victim's pages show in more than one place: plain, calm and translated."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def images_added_message(count: int) -> str:
    return ngettext("%(count)d picture added.", "%(count)d pictures added.", count) % {"count": count}


def locked_out_message() -> str:
    return _(
        "For your safety, we have paused sign-in after several codes that did not match. Please wait 15 minutes "
        "and try again. Nothing in your case has changed. If you have lost your code, a helpline listed at the "
        "bottom of this page can help you."
    )


def slowed_down_message() -> str:
    return _(
        "Many attempts to open this case were made in the last hour, so for your safety each connection gets "
        "only a few tries every 15 minutes for now. Please wait and try again. Nothing in your case has changed."
    )


def signature_warning(signature: str, name: str) -> str:
    return _(
        "You signed as “%(signature)s”, but gave your name as “%(name)s” in step 1. That is fine if it is how you "
        "sign your name. If not, you can change it in step 6 or step 1."
    ) % {"signature": signature, "name": name or ""}
