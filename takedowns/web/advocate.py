"""The advocate's pages: the dashboard, the case page, actions on a notice and the development outbox.

Platform staff share the dashboard URL; they get their inbox (takedowns/web/platform.py)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from takedowns import selectors
from takedowns.forms.notices import TextForm
from takedowns.models import ActorKind
from takedowns.notices import render_notice_pdf
from takedowns.roles import is_advocate, platform_of
from takedowns.services import delivery, outcomes
from takedowns.services.deadlines import job_last_ran
from takedowns.web import platform as platform_views
from takedowns.web.common import webform_submission_record


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    if is_advocate(request.user):
        return render(
            request,
            "takedowns/dashboard_advocate.html",
            {
                "cases": selectors.dashboard_cases(request.user)[:200],
                "last_sweep": job_last_ran("sweep-deadlines"),
            },
        )
    if platform_of(request.user) is not None:
        return platform_views.inbox(request)
    return render(request, "takedowns/no_role.html", status=403)


@login_required
@require_GET
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_detail(selectors.case_for_user(request.user, reference))
    return render(
        request,
        "takedowns/case_detail.html",
        {
            "case": case,
            "notices": selectors.case_notice_panels(case),
            "host_identities": selectors.host_identities(case),
        },
    )


def _advocate_notice(request: HttpRequest, reference: str, notice_id: int):
    case = selectors.case_for_user(request.user, reference)
    notice = selectors.notice_for_user(request.user, notice_id)
    if notice.case_id != case.pk:
        raise Http404("No such notice.")
    return case, notice


@login_required
@require_http_methods(["GET", "POST"])
def notice_action(request: HttpRequest, reference: str, notice_id: int, action: str) -> HttpResponse:
    """Advocate actions on one notice: send (the review), retry, record a web-form submission, record the
    answer to an information request, paste a reply; GET ``pdf`` downloads the rendered notice."""
    case, notice = _advocate_notice(request, reference, notice_id)
    if action == "pdf" and request.method == "GET":
        response = HttpResponse(render_notice_pdf(notice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{notice.reference}.pdf"'
        return response
    if request.method != "POST":
        raise Http404("No such action.")
    back = redirect("takedowns:case_detail", reference=case.reference)
    try:
        if action in ("send", "retry"):
            delivery.notice_queue(notice=notice, actor_kind=ActorKind.ADVOCATE, actor_user=request.user)
            messages.success(request, _("The notice to %(p)s is queued for sending.") % {"p": notice.platform.name})
        elif action == "webform":
            webform_submission_record(request, notice, actor_kind=ActorKind.ADVOCATE, actor_user=request.user)
        elif action in ("answer", "reply"):
            form = TextForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("The text cannot be empty."))
                return back
            if action == "answer":
                outcomes.notice_answer_info(notice=notice, message=form.cleaned_data["text"], actor_user=request.user)
            else:
                outcomes.notice_record_reply(notice=notice, text=form.cleaned_data["text"], actor_user=request.user)
            messages.success(request, _("Recorded on the notice."))
        else:
            raise Http404("No such action.")
    except delivery.NoticeIncomplete as exc:
        messages.error(
            request,
            _("This notice cannot be sent yet. Missing: %(items)s")
            % {"items": "; ".join(f"{e.label} — {e.fix_hint}" for e in exc.missing)},
        )
    except (delivery.PermanentDeliveryError, outcomes.OutcomeError, ValueError) as exc:
        messages.error(request, str(exc))
    return back


@login_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    """Development outbox: the e-mails the file backend wrote, newest first (advocates only)."""
    if not is_advocate(request.user) or not getattr(settings, "EMAIL_FILE_PATH", None):
        raise Http404("No outbox.")
    folder = Path(settings.EMAIL_FILE_PATH)
    files = sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)[:50] if folder.exists() else []
    chosen = request.GET.get("m")
    body = None
    if chosen:
        match = [f for f in files if f.name == chosen]
        if not match:
            raise Http404("No such message.")
        body = match[0].read_text(errors="replace")[:200_000]
    return render(request, "takedowns/outbox.html", {"files": files, "body": body, "chosen": chosen})
