"""The platform's response page behind the signed link inside every notice: no login, one notice only.

The token names the notice and carries its nonce; a modified, expired or revoked token gets a clear page and
no information. Nothing here ever shows an image or the victim's contact details.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from takedowns.notice_actions import notice_action_page
from takedowns.notices import ResponseTokenError, ResponseTokenExpired, notice_for_response_token


@require_http_methods(["GET", "POST"])
def notice_respond(request: HttpRequest, token: str) -> HttpResponse:
    try:
        notice = notice_for_response_token(token)
    except ResponseTokenExpired:
        return render(request, "takedowns/respond/invalid.html", {"reason": "expired"}, status=410)
    except ResponseTokenError:
        return render(request, "takedowns/respond/invalid.html", {"reason": "invalid"}, status=404)

    return notice_action_page(request, notice)
