"""The advocate's review of discovery findings: a case's images found on watched sites, each confirmed (its
page is added to the case and its notice drafted) or dismissed. No picture is shown here: the finding says
where, which stage matched and how close."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from takedowns import selectors
from takedowns.models import FindingKind, WatchedSite
from takedowns.roles import is_advocate
from takedowns.services import discovery


@login_required
@require_GET
def case_findings(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_user(request.user, reference)
    findings = list(selectors.case_findings(case))
    return render(
        request,
        "takedowns/findings.html",
        {
            "case": case,
            "findings": findings,
            "any_likeness": any(f.kind == FindingKind.LIKENESS for f in findings),
            # Without it the preview an advocate clicked for (and that click logged) never showed.
            "previews": _previews(request, case),
        },
    )


PREVIEW_SECONDS = 15 * 60


@login_required
@require_GET
def watchlist(request: HttpRequest) -> HttpResponse:
    """The watched sites and each one's latest crawl (pages fetched, queued, failed; images hashed)."""
    if not is_advocate(request.user):
        raise Http404
    return render(request, "takedowns/watchlist.html", {"rows": selectors.watchlist_rows(request.user)})


@login_required
@require_POST
def watchlist_crawl(request: HttpRequest, site_id: int) -> HttpResponse:
    if not is_advocate(request.user):
        raise Http404
    site = get_object_or_404(WatchedSite, pk=site_id, active=True)
    discovery.crawl_start(site=site)
    messages.success(request, _("Crawl started."))
    return redirect(reverse("takedowns:watchlist"))


def _previews(request: HttpRequest, case) -> set[int]:
    stored = request.session.get(f"finding-previews:{case.pk}", {})
    now = time.time()
    return {int(pk) for pk, at in stored.items() if now - at < PREVIEW_SECONDS}


@login_required
@require_POST
def finding_preview_reveal(request: HttpRequest, reference: str, finding_id: int) -> HttpResponse:
    """The explicit, logged click that shows a blurred greyscale preview of a found image for 15 minutes."""
    case = selectors.case_for_user(request.user, reference)
    finding = selectors.case_findings(case).filter(pk=finding_id).first()
    if finding is None:
        raise Http404
    discovery.finding_preview_reveal(finding=finding, actor_user=request.user)
    key = f"finding-previews:{case.pk}"
    request.session[key] = {**request.session.get(key, {}), str(finding.pk): time.time()}
    return redirect(reverse("takedowns:case_findings", args=[case.reference]) + f"#finding-{finding.pk}")


@login_required
@require_GET
def finding_preview(request: HttpRequest, reference: str, finding_id: int) -> HttpResponse:
    """Fetched live on each request, blurred, never stored or cached."""
    case = selectors.case_for_user(request.user, reference)
    finding = selectors.case_findings(case).filter(pk=finding_id).first()
    if finding is None or finding.pk not in _previews(request, case):
        raise Http404("No preview.")
    try:
        data = discovery.finding_preview_bytes(finding=finding)
    except discovery.FindingStateError as exc:
        raise Http404(str(exc)) from exc
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "no-store, private"
    return response


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
