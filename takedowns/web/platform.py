"""The pages of platform trust-and-safety staff: the inbox, one notice with its URLs, hashes and the four
answers (acknowledge, report removal, ask for information, dispute), what was done about the uploader's account
and re-uploads, and the same notice page behind the signed link inside every notice (no login, one notice only).

Logged-in staff reach a notice through ``notice_for_user``, so another platform's notice (or any notice, for a
user who is not platform staff) is the same 404 as a missing one. A modified, expired or revoked signed link gets
a clear page and no information. Nothing here ever shows an image or the victim's contact details.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from takedowns import selectors
from takedowns.forms.notices import AccountAnswerForm, DisputeForm, InfoRequestForm, RemovedForm
from takedowns.models import ActorKind, OpinionKind
from takedowns.notices import ResponseTokenError, ResponseTokenExpired, notice_for_response_token
from takedowns.roles import platform_of
from takedowns.selectors_exchange import exchange_signal_by_public_id, platform_exchange_opinions
from takedowns.services import account_actions, outcomes, respond_codes
from takedowns.services.exchange import exchange_opinion_record

ACTIONS = ("acknowledge", "removed", "info_request", "dispute", "account")


def _account_initial(notice) -> dict:
    # The answer given so far is preselected, so changing one of the two answers keeps the other in view.
    answer = selectors.notice_account_answer(notice)
    return {"account": answer.account, "reupload": answer.reupload} if answer else {}


def action_forms(notice, data=None, action=None) -> dict:
    return {
        "removed_form": RemovedForm(data if action == "removed" else None, notice=notice, prefix="removed"),
        "info_form": InfoRequestForm(data if action == "info_request" else None, prefix="info"),
        "dispute_form": DisputeForm(data if action == "dispute" else None, prefix="dispute"),
        "account_form": AccountAnswerForm(
            data if action == "account" else None, prefix="account", initial=_account_initial(notice)
        ),
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
    if action == "account" and forms["account_form"].is_valid():
        cleaned = forms["account_form"].cleaned_data
        account_actions.notice_account_answer_record(
            notice=notice, account=cleaned["account"], reupload=cleaned["reupload"], note=cleaned["note"], **actor
        )
        messages.success(request, _("Your answer about the account and re-uploads is recorded. Thank you."))
        return True
    if action not in ACTIONS:
        messages.error(request, _("Choose one of the actions below."))
    return False


def _code_session_key(notice) -> str:
    return f"respond-verified:{notice.pk}:{notice.token_nonce}"


def _code_requester(request: HttpRequest, notice) -> str:
    # The session's own id for code requests on this notice: a code works only in the browser that asked for it.
    key = f"respond-requester:{notice.pk}"
    if not request.session.get(key):
        request.session[key] = respond_codes.respond_code_requester_new()
    return request.session[key]


def _link_code_step(request: HttpRequest, notice, action: str | None) -> bool | None:
    """On the signed-link page, the one-time code steps. Returns True when the action may go ahead, False when
    it must not (the reason is in messages), None when the request was a code step itself (already handled)."""
    if action == "send_code":
        if respond_codes.respond_code_request(notice=notice, requester=_code_requester(request, notice)):
            messages.success(
                request,
                _("A one-time code is on its way to %(contact)s.") % {"contact": respond_codes.masked_contact(notice)},
            )
        else:
            messages.error(request, _("No code can be sent now. Use your platform's inbox or the API instead."))
        return None
    if action == "verify_code":
        requester = _code_requester(request, notice)
        if respond_codes.respond_code_check(notice=notice, requester=requester, code=request.POST.get("code", "")):
            request.session[_code_session_key(notice)] = True
            messages.success(request, _("Code accepted: you can answer this notice now."))
        else:
            messages.error(request, _("That code is not right, or it has expired. Ask for a new one."))
        return None
    if not request.session.get(_code_session_key(notice)):
        messages.error(request, _("Before answering, confirm with the one-time code sent to your registered address."))
        return False
    return True


def notice_action_page(request: HttpRequest, notice, *, actor_user=None, inbox: bool = False):
    """Apply a posted action (if any) and render the notice page; shared by the signed link and the inbox.

    From the signed link (no login), answering needs a one-time code sent to the platform's registered contact,
    so a forwarded or published copy of a notice cannot be used to report removal or dispute it."""
    action = request.POST.get("action") if request.method == "POST" else None
    forms = action_forms(notice, request.POST, action)
    if request.method == "POST":
        if not inbox:
            allowed = _link_code_step(request, notice, action)
            if allowed is None:
                return redirect(request.path)
            if not allowed:
                action = None
        try:
            if action and action_apply(request, notice, action, forms, actor_user=actor_user):
                return redirect(request.path)
        except (outcomes.OutcomeError, account_actions.AccountAnswerError) as exc:
            messages.error(request, str(exc))
        notice.refresh_from_db()
    return render(
        request,
        "takedowns/respond/notice.html",
        {
            "notice": notice,
            "locations": notice.locations.order_by("id"),
            "hashes": selectors.notice_hash_rows(notice),
            "inbox": inbox,
            "code_verified": inbox or bool(request.session.get(_code_session_key(notice))),
            "masked_contact": respond_codes.masked_contact(notice),
            "account_answer": selectors.notice_account_answer(notice),
            **forms,
        },
        status=400 if request.method == "POST" else 200,
    )


def inbox(request: HttpRequest) -> HttpResponse:
    """The platform's inbox (the dashboard URL, for platform staff): overdue, due soon, new, answered."""
    sections = selectors.platform_inbox_sections(request.user)
    return render(
        request,
        "takedowns/dashboard_platform.html",
        {
            "platform": platform_of(request.user),
            "sections": sections,
            "has_notices": any(s["notices"] for s in sections),
            "exchange_opinions": platform_exchange_opinions(platform_of(request.user), limit=20),
            "opinion_choices": OpinionKind.choices,
        },
    )


@login_required
@require_POST
def inbox_exchange_opinion(request: HttpRequest) -> HttpResponse:
    """A platform reports that a shared signal matched and blocked an upload, or was a false positive."""
    platform = platform_of(request.user)
    if platform is None or not platform.exchange_scopes:
        raise Http404
    signal = exchange_signal_by_public_id(request.POST.get("signal_id", "").strip())
    kind = request.POST.get("opinion", "")
    if signal is None or kind not in OpinionKind.values:
        messages.error(request, _("No shared signal has that id, or the answer was not one of the choices."))
    else:
        exchange_opinion_record(signals=[signal], platform=platform, kind=kind, actor_user=request.user)
        messages.success(request, _("Thank you: your report on signal %(id)s is recorded.") % {"id": signal.public_id})
    return redirect("takedowns:dashboard")


@login_required
@require_http_methods(["GET", "POST"])
def inbox_notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    if platform_of(request.user) is None:
        raise Http404("No such notice.")
    notice = selectors.notice_for_user(request.user, notice_id)
    return notice_action_page(request, notice, actor_user=request.user, inbox=True)


@require_http_methods(["GET", "POST"])
def notice_respond(request: HttpRequest, token: str) -> HttpResponse:
    """The page behind the signed link inside every notice."""
    try:
        notice = notice_for_response_token(token)
    except ResponseTokenExpired:
        return render(request, "takedowns/respond/invalid.html", {"reason": "expired"}, status=410)
    except ResponseTokenError:
        return render(request, "takedowns/respond/invalid.html", {"reason": "invalid"}, status=404)
    return notice_action_page(request, notice)
