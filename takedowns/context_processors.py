"""Template context every page needs: the viewer's role and the support services."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from takedowns.roles import platform_of, role_of

# Where the quick-exit control sends the person: an ordinary, unremarkable page.
QUICK_EXIT_URL = "https://www.google.com/search?q=weather+today"

SUPPORT_LINKS = [
    {
        "name": _("NCMEC Take It Down"),
        "url": "https://takeitdown.ncmec.org/",
        "who": _("if the images were made when you were under 18"),
    },
    {"name": _("StopNCII.org"), "url": "https://stopncii.org/", "who": _("adults (18+), anywhere")},
    {
        "name": _("CCRI Crisis Helpline"),
        "url": "https://cybercivilrights.org/ccri-crisis-helpline/",
        "who": _("United States: 844-878-2274, free and confidential"),
    },
    {
        "name": _("Revenge Porn Helpline"),
        "url": "https://revengepornhelpline.org.uk/",
        "who": _("United Kingdom"),
    },
    {"name": _("eSafety Commissioner"), "url": "https://www.esafety.gov.au/report", "who": _("Australia")},
]


def portal(request) -> dict:
    user = getattr(request, "user", None)
    return {
        "role": role_of(user),
        "user_platform": platform_of(user),
        "quick_exit_url": QUICK_EXIT_URL,
        "support_links": SUPPORT_LINKS,
        "dev_outbox": settings.DEV_OUTBOX_ENABLED,
    }
