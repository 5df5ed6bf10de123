"""Advocate actions on an escalation: prepare the upstream notice to a CDN, host or registrar, and stop
a step of the ladder (or all of them). Sending an upstream notice, or recording its web-form submission, is the
ordinary notice action (takedowns/web/advocate.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from takedowns import selectors
from takedowns.services import escalation


def _platform_notice(request: HttpRequest, reference: str, notice_id: int):
    case = selectors.case_for_user(request.user, reference)
    notice = selectors.notice_for_user(request.user, notice_id)
    if notice.case_id != case.pk or notice.is_upstream:
        raise Http404("No such notice.")
    return case, notice


def _back(case, anchor: str) -> HttpResponse:
    return redirect(reverse("takedowns:case_detail", args=[case.reference]) + f"#{anchor}")


@login_required
@require_POST
def upstream_prepare(request: HttpRequest, reference: str, notice_id: int, provider: str) -> HttpResponse:
    case, notice = _platform_notice(request, reference, notice_id)
    try:
        upstream = escalation.upstream_notice_prepare(notice=notice, provider_slug=provider, actor_user=request.user)
    except escalation.EscalationError as exc:
        messages.error(request, str(exc))
        return _back(case, f"notice-{notice.pk}")
    messages.success(
        request,
        _("The notice to %(p)s is ready below: check it, then send it or submit it through their form.")
        % {"p": upstream.platform.name},
    )
    return _back(case, f"notice-{upstream.pk}")


@login_required
@require_POST
def ladder_stop(request: HttpRequest, reference: str, notice_id: int, step_id: int | None = None) -> HttpResponse:
    case, notice = _platform_notice(request, reference, notice_id)
    try:
        if step_id is None:
            escalation.escalation_ladder_stop(notice=notice, actor_user=request.user)
            messages.success(request, _("Every remaining escalation step of this notice is stopped."))
        else:
            step = notice.escalation_steps.filter(pk=step_id).first()
            if step is None:
                raise Http404("No such step.")
            escalation.escalation_step_stop(step=step, actor_user=request.user)
            messages.success(request, _("That escalation step is stopped: it will not run."))
    except escalation.EscalationError as exc:
        messages.error(request, str(exc))
    return _back(case, f"ladder-{notice.pk}")
