"""The advocate's review of discovery findings: a case's images found on watched sites, each confirmed (its
page is added to the case and its notice drafted) or dismissed. No picture is shown here: the finding says
where, which stage matched and how close."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from takedowns import selectors
from takedowns.services import discovery


@login_required
@require_GET
def case_findings(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_user(request.user, reference)
    return render(request, "takedowns/findings.html", {"case": case, "findings": selectors.case_findings(case)})


@login_required
@require_POST
def finding_decide(request: HttpRequest, reference: str, finding_id: int, action: str) -> HttpResponse:
    case = selectors.case_for_user(request.user, reference)
    finding = selectors.case_findings(case).filter(pk=finding_id).first()
    if finding is None or action not in ("confirm", "dismiss"):
        raise Http404
    service = discovery.finding_confirm if action == "confirm" else discovery.finding_dismiss
    try:
        service(finding=finding, actor_user=request.user)
    except discovery.FindingStateError as exc:
        messages.error(request, str(exc))
    else:
        if action == "confirm":
            messages.success(request, _("Added to the case; its notice is being drafted."))
        else:
            messages.success(request, _("Dismissed."))
    return redirect(reverse("takedowns:case_findings", args=[case.reference]))
