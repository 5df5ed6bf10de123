"""The platform's response page behind the signed link inside every notice: no login, one notice only.

The token names the notice and carries its nonce; a modified, expired or revoked token gets a clear page and
no information. Nothing here ever shows an image or the victim's contact details.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from takedowns.models import ActorKind
from takedowns.notice_forms import DisputeForm, InfoRequestForm, RemovedForm
from takedowns.notices import ResponseTokenError, ResponseTokenExpired, notice_for_response_token
from takedowns.selectors import notice_hash_rows
from takedowns.services import outcomes

ACTIONS = ("acknowledge", "removed", "info_request", "dispute")


def _forms(notice, data=None, action=None):
    return {
        "removed_form": RemovedForm(data if action == "removed" else None, notice=notice, prefix="removed"),
        "info_form": InfoRequestForm(data if action == "info_request" else None, prefix="info"),
        "dispute_form": DisputeForm(data if action == "dispute" else None, prefix="dispute"),
    }


@require_http_methods(["GET", "POST"])
def notice_respond(request: HttpRequest, token: str) -> HttpResponse:
    try:
        notice = notice_for_response_token(token)
    except ResponseTokenExpired:
        return render(request, "takedowns/respond/invalid.html", {"reason": "expired"}, status=410)
    except ResponseTokenError:
        return render(request, "takedowns/respond/invalid.html", {"reason": "invalid"}, status=404)

    action = request.POST.get("action") if request.method == "POST" else None
    forms = _forms(notice, request.POST, action)
    if request.method == "POST":
        try:
            if action == "acknowledge":
                outcomes.notice_acknowledge(notice=notice, actor_kind=ActorKind.PLATFORM)
                messages.success(request, _("Thank you: the notice is marked as received."))
                return redirect(request.path)
            if action == "removed" and forms["removed_form"].is_valid():
                ids = [int(pk) for pk in forms["removed_form"].cleaned_data["locations"]]
                outcomes.notice_report_removed(
                    notice=notice, location_ids=ids, note=forms["removed_form"].cleaned_data["note"]
                )
                messages.success(request, _("Thank you: the removal is recorded. We will verify it."))
                return redirect(request.path)
            if action == "info_request" and forms["info_form"].is_valid():
                outcomes.notice_request_info(notice=notice, message=forms["info_form"].cleaned_data["message"])
                messages.success(request, _("Your question has been passed on."))
                return redirect(request.path)
            if action == "dispute" and forms["dispute_form"].is_valid():
                cleaned = forms["dispute_form"].cleaned_data
                outcomes.notice_dispute(notice=notice, reason=cleaned["reason"], message=cleaned["message"])
                messages.success(request, _("Your dispute is recorded and will be reviewed."))
                return redirect(request.path)
            if action not in ACTIONS:
                messages.error(request, _("Choose one of the actions below."))
        except outcomes.OutcomeError as exc:
            messages.error(request, str(exc))
        notice.refresh_from_db()
    return render(
        request,
        "takedowns/respond/notice.html",
        {
            "notice": notice,
            "locations": notice.locations.order_by("id"),
            "hashes": notice_hash_rows(notice),
            "dispute_reasons": outcomes.DISPUTE_REASONS,
            **forms,
        },
        status=400 if request.method == "POST" else 200,
    )
