"""The advocate's evidence bundles of a case: ask for one, follow its progress, download it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from takedowns import selectors
from takedowns.models import ActorKind
from takedowns.services import bundles
from takedowns.web.common import bundle_response


@login_required
@require_POST
def bundle_request(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_user(request.user, reference)
    try:
        bundles.bundle_request(case=case, actor_kind=ActorKind.ADVOCATE, actor_user=request.user)
    except bundles.BundleError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("takedowns:case_detail", args=[case.reference]) + "#bundles")


@login_required
@require_GET
def bundle_status(request: HttpRequest, reference: str, bundle_id: int) -> HttpResponse:
    """The bundle's progress: the fragment the case page polls (htmx), or a page of its own without JS."""
    case = selectors.case_for_user(request.user, reference)
    bundle = get_object_or_404(case.bundles, pk=bundle_id)
    context = {"bundle": bundle, "download_url": reverse("takedowns:bundle_download", args=[case.reference, bundle.pk])}
    context["status_url"] = reverse("takedowns:bundle_status", args=[case.reference, bundle.pk])
    if request.headers.get("HX-Request"):
        return render(request, "takedowns/bundles/_progress.html", context)
    return render(request, "takedowns/bundles/status.html", {**context, "case": case})


@login_required
@require_GET
def bundle_download(request: HttpRequest, reference: str, bundle_id: int) -> HttpResponse:
    case = selectors.case_for_user(request.user, reference)
    bundle = get_object_or_404(case.bundles, pk=bundle_id)
    try:
        data = bundles.bundle_download_record(bundle=bundle, actor_kind=ActorKind.ADVOCATE, actor_user=request.user)
    except bundles.BundleError as exc:
        raise Http404(str(exc)) from exc
    return bundle_response(bundle, data)
