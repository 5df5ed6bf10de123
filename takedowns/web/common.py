"""What more than one audience's pages share: the client address, and recording a web-form submission (the
advocate's case page and the victim filing alone use the same handler and the same form template)."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from takedowns.forms.notices import WebformSubmittedForm
from takedowns.models import Notice
from takedowns.services import delivery


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The address of the person making the request, for rate limits (never stored).

    ``REMOTE_ADDR`` is the client, unless it is one of ``TRUSTED_PROXIES``: then ``X-Forwarded-For`` is read from
    the right, skipping the trusted proxies, and the first other address is the client. Anything left of it was
    written by the client itself and is ignored, so a forged header cannot choose another person's limit.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    remote_ip = _ip(remote)
    if not networks or remote_ip is None or not any(remote_ip in net for net in networks):
        return remote or "unknown"
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:
            break  # a malformed hop: trust nothing further left
        if not any(ip in net for net in networks):
            return str(ip)
    # Only proxies (or nothing usable) in the header: the nearest proxy is all we know.
    return remote


def axes_client_address(request: HttpRequest) -> str | None:
    """django-axes' view of the client: the same address, or None when there is no valid one (its log column is
    an IP address type on PostgreSQL)."""
    address = client_address(request)
    return address if _ip(address) is not None else None


def webform_submission_record(request: HttpRequest, notice: Notice, *, actor_kind: str, actor_user=None) -> bool:
    """Someone submitted the prepared text through the platform's own form: record when, which starts the
    clock. Every outcome is told through ``messages``; returns True when recorded."""
    form = WebformSubmittedForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return False
    # The browser sends its offset from UTC in minutes, so the local time typed is stored as the right instant.
    submitted = form.cleaned_data["submitted_at"] + timedelta(minutes=form.cleaned_data["tz_offset"] or 0)
    try:
        delivery.notice_record_webform_submission(
            notice=notice,
            submitted_at=submitted,
            actor_kind=actor_kind,
            actor_user=actor_user,
            confirmation=form.cleaned_data["confirmation"],
        )
    except delivery.NoticeIncomplete as exc:
        messages.error(
            request,
            _("This request is missing something it needs: %(items)s")
            % {"items": "; ".join(f"{e.label} — {e.fix_hint}" for e in exc.missing)},
        )
        return False
    except ValueError:
        messages.error(request, _("That time does not look right. Enter when you submitted the form."))
        return False
    messages.success(
        request,
        _("Recorded. %(platform)s's deadline now counts from the time you gave.") % {"platform": notice.platform.name},
    )
    return True
