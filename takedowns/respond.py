"""The platform's response page behind the signed link inside every notice: no login, one notice only.

The token names the notice and carries its nonce; a modified, expired or revoked token gets a clear page and
no information. Nothing here ever shows an image or the victim's contact details.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from takedowns.notice_actions import action_apply, action_forms
from takedowns.notices import ResponseTokenError, ResponseTokenExpired, notice_for_response_token
from takedowns.selectors import notice_hash_rows
from takedowns.services import outcomes


@require_http_methods(["GET", "POST"])
def notice_respond(request: HttpRequest, token: str) -> HttpResponse:
    try:
        notice = notice_for_response_token(token)
    except ResponseTokenExpired:
        return render(request, "takedowns/respond/invalid.html", {"reason": "expired"}, status=410)
    except ResponseTokenError:
        return render(request, "takedowns/respond/invalid.html", {"reason": "invalid"}, status=404)

    action = request.POST.get("action") if request.method == "POST" else None
    forms = action_forms(notice, request.POST, action)
    if request.method == "POST":
        try:
            if action_apply(request, notice, action, forms):
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
            **forms,
        },
        status=400 if request.method == "POST" else 200,
    )
