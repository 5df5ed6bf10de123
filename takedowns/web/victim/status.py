"""The victim's case page: sign in with the reference and access code, see each platform's progress in plain
language, add addresses or pictures, withdraw the case, erase the data.

After a correct code the case id is remembered in this browser's session for a short idle time
(:data:`IDLE_SECONDS`), so the person does not retype the code on every click; "Sign out of this case"
forgets it at once. Wrong codes are limited (takedowns/services/case_access.py): past the limit the form refuses
calmly.
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import hashing
from takedowns import selectors
from takedowns.addresses import client_rate_limit_subject
from takedowns.forms.intake import ImagesForm
from takedowns.forms.status import AddUrlsForm, EraseForm, StatusLoginForm, WithdrawForm, add_urls_clean
from takedowns.models import ActorKind, Case, CaseState, EventType, Notice
from takedowns.services import bundles
from takedowns.services.case_access import case_sign_in
from takedowns.services.cases import locations_add
from takedowns.services.erasure import case_erase, case_withdraw, erasure_receipt, erasure_receipt_sha256
from takedowns.services.exchange import case_sharing_set
from takedowns.services.images import image_add, image_add_fingerprint
from takedowns.services.notices import case_notices_prepare_enqueue
from takedowns.services.throttle import throttle_hit
from takedowns.web.common import bundle_response, webform_submission_record
from takedowns.web.victim.messages import images_added_message, locked_out_message, slowed_down_message
from takedowns.web.victim.pictures import picture_page_context
from takedowns.web.victim.presenters import case_status_view, image_rows

SESSION_KEY = "recourse_case"
IDLE_SECONDS = 30 * 60


def _signed_in_case(request: HttpRequest) -> Case | None:
    entry = request.session.get(SESSION_KEY)
    if not entry:
        return None
    now = time.time()
    if now - entry.get("seen", 0) > IDLE_SECONDS:
        request.session.pop(SESSION_KEY, None)
        return None
    case = Case.objects.filter(pk=entry.get("case_id")).first()
    if case is None or case.state in (CaseState.ERASED, CaseState.DRAFT):
        request.session.pop(SESSION_KEY, None)
        return None
    entry["seen"] = now
    request.session[SESSION_KEY] = entry
    return case


def _need_case(view):
    def wrapped(request: HttpRequest, *args, **kwargs):
        case = _signed_in_case(request)
        if case is None:
            messages.info(request, _("Please enter your case reference and access code to continue."))
            return redirect("takedowns:status_login")
        return view(request, case, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_http_methods(["GET", "POST"])
def status_login(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and _signed_in_case(request) is not None:
        return redirect("takedowns:status")
    if request.method == "POST":
        form = StatusLoginForm(request.POST)
        if form.is_valid():
            attempt = case_sign_in(
                reference=form.cleaned_data["reference"],
                code=form.cleaned_data["access_code"],
                address=client_rate_limit_subject(request),
            )
            if attempt.refused:
                form.add_error(None, slowed_down_message() if attempt.refused == "slowed" else locked_out_message())
                return render(request, "takedowns/status/login.html", {"form": form, "locked": True}, status=429)
            if attempt.case is not None:
                request.session.cycle_key()
                request.session[SESSION_KEY] = {"case_id": attempt.case.pk, "seen": time.time()}
                return redirect("takedowns:status")
            # The same message whether the reference exists or not: nothing here confirms a case exists.
            form.add_error(
                "access_code",
                _(
                    "This reference and access code do not match a case. Please check both and try again — the "
                    "code is in the receipt we showed you (and e-mailed, if you gave an address)."
                ),
            )
        return render(request, "takedowns/status/login.html", {"form": form})
    form = StatusLoginForm(initial={"reference": request.GET.get("reference", "")[:40]})
    return render(request, "takedowns/status/login.html", {"form": form})


def _page(request, case, *, urls_form=None, images_form=None, status=200):
    context = case_status_view(case)
    context.update(
        {
            "webform_steps": selectors.victim_webform_steps(case),
            "urls_form": urls_form or AddUrlsForm(),
            "images_form": images_form or ImagesForm(existing_count=case.images.count(), minor=case.is_minor_content),
            "can_add": case.state == CaseState.OPEN,
            # Under 18: fingerprints made on the device only (the form then has no file input at all).
            "can_add_images": case.state == CaseState.OPEN,
            **picture_page_context(),
            "bundles": list(case.bundles.order_by("-created_at", "-id")[:3]),
            "has_kept_images": case.images.filter(purged_at__isnull=True).exclude(file="").exists(),
            "places_found": selectors.case_places_found(case),
        }
    )
    return render(request, "takedowns/status/case.html", context, status=status)


@require_GET
@_need_case
def status(request: HttpRequest, case: Case) -> HttpResponse:
    return _page(request, case)


@require_GET
@_need_case
def status_progress(request: HttpRequest, case: Case) -> JsonResponse:
    """For the optional progress script: each picture's state in words."""
    rows = image_rows(case)
    return JsonResponse(
        {
            "images": [{"number": r.number, "state": r.state, "sentence": r.sentence} for r in rows],
            "pending": any(r.state == "pending" for r in rows),
        }
    )


@require_POST
@_need_case
def status_add_urls(request: HttpRequest, case: Case) -> HttpResponse:
    if case.state != CaseState.OPEN or (case.is_minor_content and request.FILES):
        # Under 18 a picture is never taken, not even to refuse it with a form error.
        return redirect("takedowns:status")
    form = AddUrlsForm(request.POST)
    urls = add_urls_clean(form, existing_count=case.locations.count()) if form.is_valid() else []
    if not form.is_valid() or not urls:
        return _page(request, case, urls_form=form)
    added = locations_add(case=case, urls=urls, actor_kind=ActorKind.VICTIM)
    if added:
        case_notices_prepare_enqueue(case=case)
        messages.success(
            request,
            ngettext(
                "Thank you. We added %(count)d address to your case.",
                "Thank you. We added %(count)d addresses to your case.",
                len(added),
            )
            % {"count": len(added)},
        )
    else:
        messages.info(request, _("These addresses were already part of your case; nothing needed to change."))
    return redirect("takedowns:status")


@require_POST
@_need_case
def status_add_images(request: HttpRequest, case: Case) -> HttpResponse:
    if case.state != CaseState.OPEN or (case.is_minor_content and request.FILES):
        # Under 18 a picture is never taken, not even to refuse it with a form error.
        return redirect("takedowns:status")
    # Counted per file, like the intake's pictures step (the same limit and key).
    files = max(1, sum(len(request.FILES.getlist(name)) for name in request.FILES))
    if not throttle_hit(f"intake-upload:{client_rate_limit_subject(request)}", 120, 3600, cost=files):
        messages.error(
            request,
            _("Many pictures were sent from this connection in the last hour. Please wait a little and try again."),
        )
        return redirect("takedowns:status")
    minor = case.is_minor_content
    form = ImagesForm(request.POST, None if minor else request.FILES, existing_count=case.images.count(), minor=minor)
    valid = form.is_valid()
    keep = bool(request.POST.get("keep_as_evidence"))
    for checked in form.checked:
        try:
            image_add(
                case=case,
                data=checked.data,
                image_format=checked.image_format,
                keep_as_evidence=keep,
                actor_kind=ActorKind.VICTIM,
            )
        except (PermissionError, hashing.HashingError):
            continue
    if valid:
        for fingerprint in form.device:
            image_add_fingerprint(case=case, fingerprint=fingerprint, actor_kind=ActorKind.VICTIM)
    added = len(form.checked) + (len(form.device) if valid else 0)
    if added:
        messages.success(request, images_added_message(added))
    if not valid:
        return _page(request, case, images_form=form)
    if not added:
        form.add_error("images" if not minor else "fingerprints", _("Please choose at least one picture."))
        return _page(request, case, images_form=form)
    return redirect("takedowns:status")


@require_POST
@_need_case
def status_sharing(request: HttpRequest, case: Case) -> HttpResponse:
    """The victim starts or stops sharing her pictures' fingerprints with platforms' blocking tools."""
    share = request.POST.get("share") == "1"
    if case.state != CaseState.OPEN and share:
        messages.error(request, _("This case is no longer open, so nothing can be shared from it."))
        return redirect("takedowns:status")
    case_sharing_set(case=case, share=share, actor_kind=ActorKind.VICTIM)
    if share:
        messages.success(request, _("Platforms that joined our blocking list will now block these pictures."))
    else:
        messages.success(request, _("Stopped. Platforms are told to remove the fingerprints from their lists."))
    return redirect("takedowns:status")


@require_http_methods(["GET", "POST"])
@_need_case
def status_withdraw(request: HttpRequest, case: Case) -> HttpResponse:
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if case.state == CaseState.OPEN:
            case_withdraw(case=case, actor_kind=ActorKind.VICTIM)
        messages.success(
            request,
            _("Your case is withdrawn. Requests not yet sent were cancelled, and platforms that had one were told."),
        )
        return redirect("takedowns:status")
    return render(request, "takedowns/status/withdraw.html", {"form": form, "case": case})


@require_http_methods(["GET", "POST"])
@_need_case
def status_erase(request: HttpRequest, case: Case) -> HttpResponse:
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # This browser is signed out first; erasure then ends every other session that held the case.
        request.session.flush()
        erased = case_erase(case=case, actor_kind=ActorKind.VICTIM)
        receipt = erasure_receipt(erased.events.get(type=EventType.CASE_ERASED))
        return render(
            request,
            "takedowns/status/erased.html",
            {"reference": erased.reference, "receipt": receipt, "receipt_sha256": erasure_receipt_sha256(receipt)},
        )
    return render(request, "takedowns/status/erase.html", {"form": form, "case": case})


@require_POST
def status_signout(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    messages.info(request, _("You have signed out of your case on this browser."))
    return redirect("takedowns:home")


@require_POST
@_need_case
def status_webform_submitted(request: HttpRequest, case: Case, notice_id: int) -> HttpResponse:
    """The person submitted the prepared text through the platform's form: record when, start the clock."""
    notice = Notice.objects.filter(pk=notice_id, case=case, kind="platform").first()
    if notice is None:
        raise Http404("No such request.")
    webform_submission_record(request, notice, actor_kind=ActorKind.VICTIM)
    return redirect("takedowns:status")


@require_POST
@_need_case
def status_bundle_request(request: HttpRequest, case: Case) -> HttpResponse:
    """The victim asks for their evidence bundle (with their kept pictures only if they tick that box)."""
    include = (
        request.POST.get("include_images") == "1"
        and case.images.filter(purged_at__isnull=True).exclude(file="").exists()
    )
    try:
        bundle = bundles.bundle_request(case=case, actor_kind=ActorKind.VICTIM, include_images=include)
    except bundles.BundleError:
        messages.error(request, _("Your evidence file cannot be made for this case."))
        return redirect("takedowns:status")
    return redirect("takedowns:status_bundle", bundle_id=bundle.pk)


@require_GET
@_need_case
def status_bundle(request: HttpRequest, case: Case, bundle_id: int) -> HttpResponse:
    bundle = get_object_or_404(case.bundles, pk=bundle_id)
    context = {
        "bundle": bundle,
        "download_url": reverse("takedowns:status_bundle_download", args=[bundle.pk]),
        "status_url": reverse("takedowns:status_bundle", args=[bundle.pk]),
        "victim": True,
    }
    if request.headers.get("HX-Request"):
        return render(request, "takedowns/bundles/_progress.html", context)
    return render(request, "takedowns/bundles/status.html", {**context, "case": case})


@require_GET
@_need_case
def status_bundle_download(request: HttpRequest, case: Case, bundle_id: int) -> HttpResponse:
    bundle = get_object_or_404(case.bundles, pk=bundle_id)
    try:
        data = bundles.bundle_download_record(bundle=bundle, actor_kind=ActorKind.VICTIM)
    except bundles.BundleError as exc:
        raise Http404("No such file.") from exc
    return bundle_response(bundle, data)
