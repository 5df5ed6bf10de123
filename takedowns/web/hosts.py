"""Advocate action: look up who can act on the website of a reported URL (takedowns/services/hosts.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from takedowns import selectors
from takedowns.services import hosts


@login_required
@require_POST
def location_identify(request: HttpRequest, reference: str, location_id: int) -> HttpResponse:
    case = selectors.case_for_user(request.user, reference)
    location = case.locations.filter(pk=location_id).first()
    if location is None or not location.host:
        raise Http404("No such URL.")
    hosts.location_host_identify_request(location=location, actor_user=request.user)
    messages.info(
        request,
        _("Looking up who can act on %(host)s. Reload this page in a minute to see the result.")
        % {"host": location.host},
    )
    return redirect("takedowns:case_detail", reference=case.reference)
