"""The four things a platform can do with a notice — acknowledge, report removal, ask for information,
dispute — shared by the signed-link page (no login) and the platform inbox (login)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from takedowns.models import ActorKind
from takedowns.notice_forms import DisputeForm, InfoRequestForm, RemovedForm
from takedowns.services import outcomes

ACTIONS = ("acknowledge", "removed", "info_request", "dispute")


def action_forms(notice, data=None, action=None) -> dict:
    return {
        "removed_form": RemovedForm(data if action == "removed" else None, notice=notice, prefix="removed"),
        "info_form": InfoRequestForm(data if action == "info_request" else None, prefix="info"),
        "dispute_form": DisputeForm(data if action == "dispute" else None, prefix="dispute"),
    }


def action_apply(request: HttpRequest, notice, action: str | None, forms: dict, *, actor_user=None) -> bool:
    """Apply the chosen action; True when it was recorded (errors go to messages or the forms)."""
    actor = {"actor_kind": ActorKind.PLATFORM, "actor_user": actor_user}
    if action == "acknowledge":
        outcomes.notice_acknowledge(notice=notice, **actor)
        messages.success(request, _("The notice is marked as received."))
        return True
    if action == "removed" and forms["removed_form"].is_valid():
        cleaned = forms["removed_form"].cleaned_data
        ids = [int(pk) for pk in cleaned["locations"]]
        outcomes.notice_report_removed(notice=notice, location_ids=ids, note=cleaned["note"], **actor)
        messages.success(request, _("The removal is recorded. It will be verified."))
        return True
    if action == "info_request" and forms["info_form"].is_valid():
        outcomes.notice_request_info(notice=notice, message=forms["info_form"].cleaned_data["message"], **actor)
        messages.success(request, _("Your question has been passed on."))
        return True
    if action == "dispute" and forms["dispute_form"].is_valid():
        cleaned = forms["dispute_form"].cleaned_data
        outcomes.notice_dispute(notice=notice, reason=cleaned["reason"], message=cleaned["message"], **actor)
        messages.success(request, _("Your dispute is recorded and will be reviewed."))
        return True
    if action not in ACTIONS:
        messages.error(request, _("Choose one of the actions below."))
    return False


def notice_action_page(request: HttpRequest, notice, *, actor_user=None, inbox: bool = False):
    """Apply a posted action (if any) and render the notice page; shared by the signed link and the inbox."""
    from django.shortcuts import redirect, render

    from takedowns.selectors import notice_hash_rows

    action = request.POST.get("action") if request.method == "POST" else None
    forms = action_forms(notice, request.POST, action)
    if request.method == "POST":
        try:
            if action_apply(request, notice, action, forms, actor_user=actor_user):
                return redirect(request.path)
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
            "inbox": inbox,
            **forms,
        },
        status=400 if request.method == "POST" else 200,
    )
