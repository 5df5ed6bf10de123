"""The platform inbox for logged-in platform staff: one notice with its URLs, hashes and the four answers.

Like the signed-link page (takedowns.respond), but authenticated by login: the notice is fetched through
``notice_for_user``, so another platform's notice (or any notice, for a user who is not platform staff) is the
same 404 as a missing one. Nothing here ever shows an image or the victim's contact details.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from takedowns.notice_actions import notice_action_page
from takedowns.roles import platform_of
from takedowns.selectors import notice_for_user


@login_required
@require_http_methods(["GET", "POST"])
def inbox_notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    if platform_of(request.user) is None:
        raise Http404("No such notice.")
    notice = notice_for_user(request.user, notice_id)
    return notice_action_page(request, notice, actor_user=request.user, inbox=True)
