"""The platform inbox for logged-in platform staff: one notice with its URLs, hashes and the four answers.

Like the signed-link page (takedowns.respond), but authenticated by login: the notice is fetched through
``notice_for_user``, so another platform's notice (or any notice, for a user who is not platform staff) is the
same 404 as a missing one. Nothing here ever shows an image or the victim's contact details.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from takedowns.notice_actions import action_apply, action_forms
from takedowns.roles import platform_of
from takedowns.selectors import notice_for_user, notice_hash_rows
from takedowns.services import outcomes


@login_required
@require_http_methods(["GET", "POST"])
def inbox_notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    if platform_of(request.user) is None:
        raise Http404("No such notice.")
    notice = notice_for_user(request.user, notice_id)
    action = request.POST.get("action") if request.method == "POST" else None
    forms = action_forms(notice, request.POST, action)
    if request.method == "POST":
        try:
            if action_apply(request, notice, action, forms, actor_user=request.user):
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
            "inbox": True,
            **forms,
        },
        status=400 if request.method == "POST" else 200,
    )
