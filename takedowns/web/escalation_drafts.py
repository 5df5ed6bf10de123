"""Escalation drafts as downloads from the advocate's case page: each regulator complaint and
de-indexing request of an overdue, disputed or escalated notice, as plain text or PDF. Advocates only: the case and
the notice are fetched through ``case_for_user`` / ``notice_for_user``, so anyone else gets the same 404 as for a
missing case."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from takedowns import selectors
from takedowns.notices import UnprintableCharacters
from takedowns.services.escalation_drafts import ROUTE_KEYS, EscalationDraftError, escalation_draft


@login_required
@require_GET
def draft_download(request: HttpRequest, reference: str, notice_id: int, route: str, fmt: str) -> HttpResponse:
    case = selectors.case_for_user(request.user, reference)
    notice = selectors.notice_for_user(request.user, notice_id)
    if notice.case_id != case.pk or route not in ROUTE_KEYS:
        raise Http404("No such draft.")
    try:
        draft = escalation_draft(notice=notice, route_key=route, fmt=fmt, actor_user=request.user)
    except (EscalationDraftError, UnprintableCharacters) as exc:
        messages.error(request, str(exc))
        return redirect("takedowns:case_detail", reference=case.reference)
    response = HttpResponse(draft.data, content_type=draft.content_type)
    response["Content-Disposition"] = f'attachment; filename="{draft.filename}"'
    response["Cache-Control"] = "no-store, private"
    return response
