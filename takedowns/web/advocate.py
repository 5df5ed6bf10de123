"""The advocate's pages: the clock board (the home page), the case page as a workbench (logged reveals, the
blurred preview, case and notice actions, adding a website to the registry) and the development outbox.
Evidence bundles are in takedowns/web/bundles.py. The accountability report is in takedowns/web/reports.py.

Platform staff share the dashboard URL; they get their inbox (takedowns/web/platform.py)."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import hashing
from takedowns import selectors
from takedowns.forms.board import BoardFilterForm
from takedowns.forms.dmca import DmcaRouteForm
from takedowns.forms.intake import ImagesForm
from takedowns.forms.notices import AccountAnswerForm, TextForm
from takedowns.forms.workbench import AdvocateUrlsForm, AssignForm, NoteForm, PlatformAddForm
from takedowns.models import AccountOutcome, ActorKind, CaseState, ReuploadOutcome
from takedowns.notices import render_notice_pdf
from takedowns.roles import is_advocate, platform_of
from takedowns.selectors_exchange import case_exchange_signals
from takedowns.services import account_actions, delivery, outcomes, replies, workbench
from takedowns.services import cases as case_services
from takedowns.services import notices as notice_services
from takedowns.services.deadlines import job_last_ran
from takedowns.services.exchange import ExchangeError, exchange_signal_review
from takedowns.web import platform as platform_views
from takedowns.web.common import webform_submission_record
from takedowns.web.victim.pictures import picture_page_context


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    if is_advocate(request.user):
        return board(request)
    if platform_of(request.user) is not None:
        return platform_views.inbox(request)
    return render(request, "takedowns/no_role.html", status=403)


def board(request: HttpRequest) -> HttpResponse:
    """The clock board: every open notice, soonest deadline first. An htmx request (the filters, the page
    links, the minute-by-minute refresh) gets only the board region; everything also works as plain links."""
    now = timezone.now()
    form = BoardFilterForm(
        request.GET or None, platforms=selectors.platform_choices(), advocates=selectors.advocate_choices()
    )
    filters = form.filters()
    counters = selectors.board_counters(request.user, now=now)
    paginator = Paginator(selectors.board_notices(request.user, filters, now=now), selectors.BOARD_PAGE_SIZE)
    if filters == selectors.BoardFilters():
        # Unfiltered, the board is exactly the "open" counter's set: skip a second COUNT over every notice.
        paginator.count = counters["open"]
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "now": now,
        "due_soon_at": now + selectors.BOARD_DUE_SOON,
        "counters": counters,
        "unknown_locations": selectors.board_unknown_locations(request.user)[:20],
        "query": query.urlencode(),
        "refresh_url": request.get_full_path(),
        "last_sweep": job_last_ran("sweep-deadlines"),
    }
    template = "takedowns/board/_region.html" if request.headers.get("HX-Request") else "takedowns/board/board.html"
    return render(request, template, context)


# A reveal lasts this long in the advocate's session; after that the details are masked again.
REVEAL_SECONDS = 15 * 60


def _reveals(request: HttpRequest, case) -> set[str]:
    stored = request.session.get(f"reveal:{case.pk}", {})
    now = time.time()
    return {what for what, at in stored.items() if now - at < REVEAL_SECONDS}


@login_required
@require_GET
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _case_detail_page(request, reference)


def _case_detail_page(request: HttpRequest, reference: str, *, pictures_form=None, status: int = 200) -> HttpResponse:
    case = selectors.case_detail(selectors.case_for_user(request.user, reference))
    advocates = selectors.advocate_choices()
    revealed = _reveals(request, case)
    identities = selectors.host_identities(case)
    return render(
        request,
        "takedowns/case_detail.html",
        {
            "case": case,
            "notices": selectors.case_notice_panels(case, identities=identities),
            "dmca": selectors.case_dmca_status(case),
            "revealed": revealed,
            "revealed_images": {int(what[6:]) for what in revealed if what.startswith("image-")},
            "timeline": selectors.case_timeline(case),
            "assign_form": AssignForm(initial={"advocate": case.assigned_advocate_id}, advocates=advocates),
            "note_form": NoteForm(),
            "urls_form": AdvocateUrlsForm(),
            "kept_images": {image.pk for image in case.images.all() if workbench.image_kept(image)},
            "bundles": selectors.case_bundles(case)[:5],
            "host_identities": identities,
            "findings_new": selectors.case_findings_new(case),
            "account_choices": AccountOutcome.choices,
            "reupload_choices": ReuploadOutcome.choices,
            "can_add_pictures": case.state == CaseState.OPEN,
            "pictures_form": pictures_form
            or ImagesForm(existing_count=case.images.count(), minor=case.is_minor_content),
            **picture_page_context(),
            "exchange_signals": case_exchange_signals(case),
        },
        status=status,
    )


@login_required
@require_POST
def case_add_pictures(request: HttpRequest, reference: str) -> HttpResponse:
    """Pictures or fingerprints made on the victim's device (the advocate's or the victim's own computer),
    checked by the same form and validator as the victim's pages; under 18, fingerprints only."""
    case = selectors.case_for_user(request.user, reference)
    minor = case.is_minor_content
    form = ImagesForm(request.POST, None if minor else request.FILES, existing_count=case.images.count(), minor=minor)
    if case.state != CaseState.OPEN or not form.is_valid():
        return _case_detail_page(request, reference, pictures_form=form, status=400)
    if not form.checked and not form.device:
        form.add_error(None, _("Please choose at least one picture."))
        return _case_detail_page(request, reference, pictures_form=form, status=400)
    try:
        case_services.case_pictures_add(
            case=case,
            uploads=list(form.cleaned_data.get("images") or []),
            fingerprints=[item.record for item in form.device],
            actor_kind=ActorKind.ADVOCATE,
            actor_user=request.user,
        )
    except case_services.CaseInputError as exc:
        form.add_error(None, " ".join(message for messages_ in exc.errors.values() for message in messages_))
        return _case_detail_page(request, reference, pictures_form=form, status=400)
    messages.success(request, _("The pictures were added."))
    return redirect(reverse("takedowns:case_detail", args=[case.reference]) + "#add-pictures")


@login_required
@require_POST
def case_signal_review(request: HttpRequest, reference: str, signal_id: str) -> HttpResponse:
    """Keep sharing a flagged signal, or retract one (a deletion on the exchange's feed)."""
    case = selectors.case_for_user(request.user, reference)
    signal = case.exchange_signals.filter(public_id=signal_id).first()
    if signal is None:
        raise Http404
    try:
        exchange_signal_review(signal=signal, keep=request.POST.get("keep") == "1", actor_user=request.user)
    except ExchangeError as exc:
        messages.error(request, str(exc))
    return redirect(f"{reverse('takedowns:case_detail', args=[case.reference])}#exchange")


@login_required
@require_POST
def case_reveal(request: HttpRequest, reference: str) -> HttpResponse:
    """Show a masked detail (filer, contact) or a kept image's blurred preview: one logged click each."""
    case = selectors.case_for_user(request.user, reference)
    what = request.POST.get("what", "")
    try:
        if what in workbench.REVEAL_EVENTS:
            workbench.case_detail_reveal(case=case, field=what, actor_user=request.user)
            anchor = "details"
        elif what.startswith("image-") and what[6:].isdigit():
            image = case.images.filter(pk=int(what[6:])).first()
            if image is None:
                raise Http404("No such image.")
            workbench.image_preview_reveal(image=image, actor_user=request.user)
            anchor = f"image-{image.pk}"
        else:
            raise Http404("Nothing to reveal.")
    except workbench.WorkbenchError as exc:
        messages.error(request, str(exc))
        return redirect("takedowns:case_detail", reference=case.reference)
    stored = request.session.get(f"reveal:{case.pk}", {})
    stored[what] = time.time()
    request.session[f"reveal:{case.pk}"] = stored
    return redirect(reverse("takedowns:case_detail", args=[case.reference]) + f"#{anchor}")


@login_required
@require_GET
def image_preview(request: HttpRequest, reference: str, image_id: int) -> HttpResponse:
    """The blurred, greyscale preview of a kept original, only after its logged reveal; never cached."""
    case = selectors.case_for_user(request.user, reference)
    image = case.images.filter(pk=image_id).first()
    if image is None or f"image-{image.pk}" not in _reveals(request, case):
        raise Http404("No preview.")
    try:
        data = workbench.image_preview_bytes(image=image)
    except (workbench.WorkbenchError, hashing.HashingError) as exc:
        raise Http404("No preview.") from exc
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "no-store, private"
    response["Content-Disposition"] = "inline"
    return response


def _case_assign(request: HttpRequest, case) -> None:
    form = AssignForm(request.POST, advocates=selectors.advocate_choices())
    if not form.is_valid():
        messages.error(request, _("Choose an advocate from the list."))
        return
    chosen = form.cleaned_data["advocate"]
    advocate = get_user_model().objects.get(pk=chosen) if chosen else None
    workbench.case_assign(case=case, advocate=advocate, actor_user=request.user)
    messages.success(request, _("Assignment saved."))


def _case_note(request: HttpRequest, case) -> None:
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["text"]))
        return
    workbench.case_note_add(case=case, text=form.cleaned_data["text"], actor_user=request.user)
    messages.success(request, _("Note added to the timeline."))


def _case_hold(request: HttpRequest, case) -> None:
    workbench.case_hold_set(case=case, hold=True, actor_user=request.user)
    messages.success(request, _("New notices on this case now wait for an advocate's review."))


def _case_release(request: HttpRequest, case) -> None:
    workbench.case_hold_set(case=case, hold=False, actor_user=request.user)
    messages.success(request, _("The hold is released: send each draft when ready."))


def _case_add_urls(request: HttpRequest, case) -> None:
    form = AdvocateUrlsForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["urls"]))
        return
    added = workbench.case_urls_add(case=case, urls=form.cleaned_data["urls"], actor_user=request.user)
    messages.success(request, _("%(n)s new URL(s) added; their notices are being drafted.") % {"n": len(added)})


# Each case action parses its form, calls one service and says what happened; a new action is one more entry.
CASE_ACTIONS = {
    "assign": _case_assign,
    "note": _case_note,
    "hold": _case_hold,
    "release": _case_release,
    "add-urls": _case_add_urls,
}


@login_required
@require_POST
def case_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """Advocate actions on the whole case: assign, note, hold, release, add URLs."""
    case = selectors.case_for_user(request.user, reference)
    handler = CASE_ACTIONS.get(action)
    if handler is None:
        raise Http404("No such action.")
    try:
        handler(request, case)
    except workbench.WorkbenchError as exc:
        messages.error(request, str(exc))
    return redirect("takedowns:case_detail", reference=case.reference)


@login_required
@require_http_methods(["GET", "POST"])
def location_platform_add(request: HttpRequest, reference: str, location_id: int) -> HttpResponse:
    """Add the website of a URL the registry does not know; it then applies to every open case."""
    case = selectors.case_for_user(request.user, reference)
    location = case.locations.filter(pk=location_id, platform__isnull=True).first()
    if location is None:
        raise Http404("No such URL on an unknown website.")
    form = PlatformAddForm(request.POST or None, initial={"domains": location.host, "name": location.host})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            platform, attached = workbench.platform_add_from_location(
                location=location,
                name=data["name"],
                domains=data["domains"],
                channel=data["channel"],
                contact_email=data["contact_email"],
                webform_url=data["webform_url"],
                regime=data["regime"],
                response_hours=data["response_hours"],
                actor_user=request.user,
            )
        except workbench.WorkbenchError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(name)s is in the registry; %(n)s URL(s) in open cases now go to it.")
                % {"name": platform.name, "n": attached},
            )
            return redirect("takedowns:case_detail", reference=case.reference)
    return render(request, "takedowns/platform_add.html", {"case": case, "location": location, "form": form})


def _advocate_notice(request: HttpRequest, reference: str, notice_id: int):
    case = selectors.case_for_user(request.user, reference)
    notice = selectors.notice_for_user(request.user, notice_id)
    if notice.case_id != case.pk:
        raise Http404("No such notice.")
    return case, notice


def _form_errors(form) -> str:
    return " ".join(e for errors in form.errors.values() for e in errors)


def _notice_resend(request: HttpRequest, notice) -> None:
    workbench.notice_resend_request(notice=notice, actor_user=request.user)
    messages.success(request, _("A reminder to %(p)s is being sent.") % {"p": notice.platform.name})


def _notice_send(request: HttpRequest, notice) -> None:
    delivery.notice_queue(notice=notice, actor_kind=ActorKind.ADVOCATE, actor_user=request.user)
    messages.success(request, _("The notice to %(p)s is queued for sending.") % {"p": notice.platform.name})


def _notice_webform(request: HttpRequest, notice) -> None:
    webform_submission_record(request, notice, actor_kind=ActorKind.ADVOCATE, actor_user=request.user)


def _notice_dmca(request: HttpRequest, notice) -> None:
    form = DmcaRouteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return
    notice_services.notice_route_dmca(notice=notice, actor_user=request.user, **form.cleaned_data)
    messages.success(request, _("This notice is now a DMCA notice. Review it before sending."))


def _notice_account(request: HttpRequest, notice) -> None:
    # An answer about the account or re-uploads that came by e-mail, phone or the platform's own portal.
    form = AccountAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return
    account_actions.notice_account_answer_record(
        notice=notice, actor_kind=ActorKind.ADVOCATE, actor_user=request.user, **form.cleaned_data
    )
    messages.success(request, _("The platform's answer about the account and re-uploads is recorded."))


def _notice_escalate(request: HttpRequest, notice) -> None:
    outcomes.notice_escalate(notice=notice, note=request.POST.get("note", ""), actor_user=request.user)
    messages.success(request, _("Recorded: the notice to %(p)s is escalated.") % {"p": notice.platform.name})


def _posted_text(request: HttpRequest) -> str | None:
    form = TextForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The text cannot be empty."))
        return None
    return form.cleaned_data["text"]


def _notice_answer(request: HttpRequest, notice) -> None:
    if (text := _posted_text(request)) is not None:
        outcomes.notice_answer_info(notice=notice, message=text, actor_user=request.user)
        messages.success(request, _("Recorded on the notice."))


def _notice_reply(request: HttpRequest, notice) -> None:
    if (text := _posted_text(request)) is not None:
        outcomes.notice_record_reply(notice=notice, text=text, actor_user=request.user)
        messages.success(request, _("Recorded on the notice."))


def _notice_reply_held(request: HttpRequest, notice, *, release: bool) -> None:
    # A reply the relay held because its sender was not authenticated.
    event_id = request.POST.get("event", "")
    try:
        if not event_id.isdigit():
            raise replies.ReplyNotHeld(event_id)
        if release:
            replies.notice_reply_release(notice=notice, event_id=int(event_id), actor_user=request.user)
            messages.success(request, _("The reply is released: the victim can read it now."))
        else:
            replies.notice_reply_discard(notice=notice, event_id=int(event_id), actor_user=request.user)
            messages.success(request, _("The reply is discarded: the victim will not see it."))
    except replies.ReplyNotHeld:
        messages.error(request, _("That reply is no longer held: it was released or discarded already."))


def _notice_reply_release(request: HttpRequest, notice) -> None:
    _notice_reply_held(request, notice, release=True)


def _notice_reply_discard(request: HttpRequest, notice) -> None:
    _notice_reply_held(request, notice, release=False)


# Each notice action (a POST) parses its form, calls one service and says what happened.
NOTICE_ACTIONS = {
    "resend": _notice_resend,
    "send": _notice_send,
    "retry": _notice_send,
    "webform": _notice_webform,
    "dmca": _notice_dmca,
    "account": _notice_account,
    "escalate": _notice_escalate,
    "answer": _notice_answer,
    "reply": _notice_reply,
    "reply-release": _notice_reply_release,
    "reply-discard": _notice_reply_discard,
}


def _notice_pdf(request: HttpRequest, case, notice) -> HttpResponse:
    try:
        pdf = render_notice_pdf(notice)
    except ValueError as exc:  # UnprintableCharacters: says which characters, never drops them
        messages.error(request, str(exc))
        return redirect("takedowns:case_detail", reference=case.reference)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{notice.reference}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def notice_action(request: HttpRequest, reference: str, notice_id: int, action: str) -> HttpResponse:
    """Advocate actions on one notice: send (the review), retry, record a web-form submission, record the
    answer to an information request, paste a reply, mark escalated; GET ``pdf`` downloads the rendered notice."""
    case, notice = _advocate_notice(request, reference, notice_id)
    if action == "pdf" and request.method == "GET":
        return _notice_pdf(request, case, notice)
    handler = NOTICE_ACTIONS.get(action)
    if request.method != "POST" or handler is None:
        raise Http404("No such action.")
    try:
        handler(request, notice)
    except delivery.NoticeIncomplete as exc:
        messages.error(
            request,
            _("This notice cannot be sent yet. Missing: %(items)s")
            % {"items": "; ".join(f"{e.label} — {e.fix_hint}" for e in exc.missing)},
        )
    except (
        delivery.PermanentDeliveryError,
        outcomes.OutcomeError,
        account_actions.AccountAnswerError,
        workbench.WorkbenchError,
        ValueError,
    ) as exc:
        messages.error(request, str(exc))
    return redirect("takedowns:case_detail", reference=case.reference)


@login_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    """Development outbox: the e-mails the file backend wrote, newest first (advocates only)."""
    if not settings.DEV_OUTBOX_ENABLED or not is_advocate(request.user):
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
