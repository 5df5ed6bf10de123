"""What the intake shows about where a report will go: each URL's platform, and what each platform receives."""

from __future__ import annotations

from django.conf import settings

from takedowns.forms.intake import handle_field_name
from takedowns.models import Platform
from takedowns.services.cases import platform_matcher


def platform_rows(urls: list[str], handles: dict) -> list[dict]:
    """One row per reported URL: the platform that hosts it (if known) and the uploader account given for it."""
    matcher = platform_matcher()
    names = dict(Platform.objects.values_list("slug", "name"))
    rows = []
    for index, url in enumerate(urls):
        slug = matcher.detect(url)
        rows.append(
            {
                "index": index,
                "url": url,
                "platform": names.get(slug) if slug else None,
                "field": handle_field_name(index),
                "handle": handles.get(url, ""),
            }
        )
    return rows


def recipients_preview(state: dict, *, is_minor: bool) -> dict:
    """Before signing: exactly what each platform will receive — its name, the URLs on it (with the uploader
    account), the contact route, and the fingerprints (never the pictures)."""
    where = state["answers"].get("where", {})
    contact = state["answers"].get("contact", {})
    platforms: dict[str, list[dict]] = {}
    unknown: list[str] = []
    for row in platform_rows(where.get("urls", []), where.get("handles", {})):
        if row["platform"]:
            platforms.setdefault(row["platform"], []).append(row)
        else:
            unknown.append(row["url"])
    # A copyright notice goes only to a platform's designated agent (17 U.S.C. 512(c)(2)); say where there is none.
    agents = dict(Platform.objects.filter(name__in=platforms).values_list("name", "dmca_agent_email"))
    return {
        "platforms": sorted(platforms.items()),
        "dmca_to": sorted(name for name in platforms if agents.get(name)),
        "dmca_none": sorted(name for name in platforms if not agents.get(name)),
        "operator_name": settings.OPERATOR_NAME,
        "unknown": unknown,
        "contact_private": bool(contact.get("contact_private")) or not contact.get("email"),
        "contact_email": contact.get("email", ""),
        "pictures": len(state.get("fingerprints", [])) + (0 if is_minor else len(state.get("uploads", []))),
    }
