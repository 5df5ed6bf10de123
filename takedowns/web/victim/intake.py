"""The victim's intake: seven short steps, no account, works without JavaScript.

Answers are kept in the server-side session under one key (:data:`SESSION_KEY`), encrypted with the field key
(the session table holds no plaintext answer), so that a person can go back and forth, and a page reload or a
language switch loses nothing. Nothing is stored before the first answer: a plain visit creates no session.
Pictures are never kept in the session: they are checked and then held encrypted in private storage
(``takedowns.services.intake``). Views are thin: they check one form, update the session, and call one service.
"""

from __future__ import annotations

import json
import logging
import secrets

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from takedowns.addresses import client_rate_limit_subject
from takedowns.crypto import decrypt_bytes, encrypt_bytes
from takedowns.forms.intake import (
    ContactForm,
    ContentForm,
    ImagesForm,
    StatementForm,
    WhereForm,
    WhoForm,
    names_match,
    read_handles,
)
from takedowns.models import FilerType
from takedowns.services.intake import (
    RECEIPT_TTL,
    context_suggestion,
    good_faith_statement_text,
    intake_pending_delete,
    intake_pending_store,
    intake_submit,
    receipt_code_forget,
    receipt_code_open,
    receipt_code_seal,
)
from takedowns.services.throttle import throttle_hit
from takedowns.web.victim.messages import images_added_message, signature_warning
from takedowns.web.victim.pictures import picture_mode, picture_page_context
from takedowns.web.victim.recipients import platform_rows, recipients_preview

SESSION_KEY = "recourse_intake"
log = logging.getLogger(__name__)

RECEIPT_KEY = "recourse_receipt"
# Filing is rare for one person; a burst from one address is automation or a loop. Shelters and helplines
# share addresses, so the limit leaves room for several genuine cases an hour.
SUBMIT_LIMIT, SUBMIT_WINDOW = getattr(settings, "INTAKE_SUBMIT_LIMIT", 10), 60 * 60
UPLOAD_LIMIT, UPLOAD_WINDOW = getattr(settings, "INTAKE_UPLOAD_LIMIT", 120), 60 * 60

STEPS = [
    ("who", gettext_lazy("Who is filing")),
    ("content", gettext_lazy("About the images")),
    ("where", gettext_lazy("Where they are")),
    ("images", gettext_lazy("Pictures")),
    ("contact", gettext_lazy("Contact")),
    ("statement", gettext_lazy("Statement and signature")),
    ("review", gettext_lazy("Check and send")),
]
STEP_SLUGS = [slug for slug, _label in STEPS]


# --- session -------------------------------------------------------------------------------------------------


def _stored_state(request: HttpRequest) -> dict | None:
    stored = request.session.get(SESSION_KEY)
    if not stored:
        return None
    try:
        return json.loads(decrypt_bytes(stored.encode("ascii")))
    except (ValueError, AttributeError):
        return None  # unreadable (a rotated-away key): start again rather than fail


def _state(request: HttpRequest) -> dict:
    """The intake in progress, or a new one that is only stored once there is an answer to keep."""
    return _stored_state(request) or {
        "key": secrets.token_urlsafe(24),
        "started": timezone.now().isoformat(),
        "answers": {},
        "done": [],
        "uploads": [],
        "fingerprints": [],  # records made on the victim's device (hashes only; the pictures never came here)
        "keep": False,
    }


def _save(request: HttpRequest, state: dict) -> None:
    request.session[SESSION_KEY] = encrypt_bytes(json.dumps(state).encode()).decode("ascii")


def _is_minor(state: dict) -> bool:
    return state["answers"].get("content", {}).get("under_18") in ("yes", "unsure")


def _first_missing(state: dict) -> str:
    for slug in STEP_SLUGS[:-1]:
        if slug not in state["done"]:
            return slug
    return "review"


def _previous(slug: str) -> str | None:
    index = STEP_SLUGS.index(slug)
    return STEP_SLUGS[index - 1] if index else None


def _mark_done(state: dict, slug: str, answers: dict | None = None) -> None:
    if answers is not None:
        state["answers"][slug] = answers
    if slug not in state["done"]:
        state["done"].append(slug)


def _render(request, state, slug, template, context, status=200):
    step_index = STEP_SLUGS.index(slug)
    base = {
        "steps": [
            {"slug": s, "label": label, "number": i + 1, "done": s in state["done"], "current": s == slug}
            for i, (s, label) in enumerate(STEPS)
        ],
        "step": slug,
        "step_number": step_index + 1,
        "step_count": len(STEPS),
        "step_label": STEPS[step_index][1],
        "previous": _previous(slug),
        "is_minor": _is_minor(state),
    }
    base.update(context)
    return render(request, template, base, status=status)


# --- views ---------------------------------------------------------------------------------------------------


def intake_start(request: HttpRequest) -> HttpResponse:
    state = _stored_state(request)
    return render(
        request,
        "takedowns/intake/start.html",
        {"in_progress": bool(state and state.get("done")), "resume_step": _first_missing(state) if state else "who"},
    )


@require_POST
def intake_discard(request: HttpRequest) -> HttpResponse:
    state = _stored_state(request)
    request.session.pop(SESSION_KEY, None)
    if state:
        intake_pending_delete(names=[item["name"] for item in state.get("uploads", [])])
    messages.info(request, _("Everything you had entered has been deleted from this browser's session."))
    return redirect("takedowns:intake")


@require_http_methods(["GET", "POST"])
def intake_step(request: HttpRequest, step: str) -> HttpResponse:
    if step not in STEP_SLUGS:
        raise Http404
    if step == "review" and SESSION_KEY not in request.session and RECEIPT_KEY in request.session:
        # A second click on "Send my request" after the first one went through: show the same receipt.
        return redirect("takedowns:intake_receipt")
    state = _state(request)
    missing = _first_missing(state)
    # No skipping ahead: a later step needs the earlier answers (it may go back freely).
    if STEP_SLUGS.index(step) > STEP_SLUGS.index(missing):
        return redirect("takedowns:intake_step", step=missing)
    handler = {
        "who": _step_who,
        "content": _step_content,
        "where": _step_where,
        "images": _step_images,
        "contact": _step_contact,
        "statement": _step_statement,
        "review": _step_review,
    }[step]
    return handler(request, state)


def _simple_step(request, state, slug, form_class, template, **form_kwargs):
    saved = state["answers"].get(slug)
    if request.method == "POST":
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            _mark_done(state, slug, dict(form.cleaned_data.items()))
            _save(request, state)
            return None, form
        return _render(request, state, slug, template, {"form": form}, status=200), form
    form = form_class(initial=saved, **form_kwargs) if saved else form_class(**form_kwargs)
    return _render(request, state, slug, template, {"form": form}), form


def _step_who(request, state):
    response, _form = _simple_step(request, state, "who", WhoForm, "takedowns/intake/who.html")
    return response or redirect("takedowns:intake_step", step="content")


def _step_content(request, state):
    was_minor = _is_minor(state)
    response, _form = _simple_step(request, state, "content", ContentForm, "takedowns/intake/content.html")
    if response:
        return response
    if _is_minor(state) and state["uploads"]:
        # Pictures of someone under 18 must not stay on this server, not even for a moment longer.
        intake_pending_delete(names=[item["name"] for item in state["uploads"]])
        state["uploads"] = []
        state["keep"] = False
        _save(request, state)
    if _is_minor(state) != was_minor and "images" in state["done"]:
        state["done"].remove("images")
        _save(request, state)
    return redirect("takedowns:intake_step", step="where")


def _step_where(request, state):
    saved = state["answers"].get("where", {})
    threatened = state["answers"].get("content", {}).get("posted") == "threatened"
    if request.method == "POST":
        form = WhereForm(request.POST, threatened=threatened)
        if form.is_valid():
            urls = form.parsed_urls
            handles = read_handles(request.POST, saved.get("urls", []))
            if urls == saved.get("urls") and request.POST.get("action") == "continue":
                saved.update({"raw": form.cleaned_data["urls"], "handles": handles})
                _mark_done(state, "where", saved)
                _save(request, state)
                return redirect("takedowns:intake_step", step="images")
            # New or changed addresses: show them back, normalised, with their platform, before moving on.
            kept = {url: handles.get(url) or saved.get("handles", {}).get(url, "") for url in urls}
            state["answers"]["where"] = {
                "raw": "\n".join(urls),
                "urls": urls,
                "handles": {url: h for url, h in kept.items() if h},
            }
            if "where" in state["done"]:
                state["done"].remove("where")
            _save(request, state)
            if not urls:
                _mark_done(state, "where")
                _save(request, state)
                return redirect("takedowns:intake_step", step="images")
            return redirect("takedowns:intake_step", step="where")
        rows = platform_rows(saved.get("urls", []), saved.get("handles", {}))
        return _render(request, state, "where", "takedowns/intake/where.html", {"form": form, "rows": rows})
    form = WhereForm(initial={"urls": saved.get("raw", "")}, threatened=threatened)
    rows = platform_rows(saved.get("urls", []), saved.get("handles", {}))
    return _render(request, state, "where", "takedowns/intake/where.html", {"form": form, "rows": rows})


def _device_records(state: dict) -> list[dict]:
    return state.setdefault("fingerprints", [])


def _picture_context(form, state: dict, uploads: list) -> dict:
    records = _device_records(state)
    return {
        "form": form,
        "uploads": uploads,
        "device_records": records,
        "picture_count": len(uploads) + len(records),
        **picture_page_context(),
    }


def _remove_picture(request, state: dict, action: str) -> bool:
    """The "Remove" buttons: ``remove-N`` (an uploaded picture) or ``remove-fp-N`` (a device fingerprint)."""
    index = action.removeprefix("remove-")
    records = _device_records(state)
    if index.startswith("fp-") and index[3:].isdigit() and int(index[3:]) < len(records):
        records.pop(int(index[3:]))
    elif index.isdigit() and int(index) < len(state["uploads"]):
        removed = state["uploads"].pop(int(index))
        intake_pending_delete(names=[removed["name"]])
    else:
        return False
    _save(request, state)
    messages.info(request, _("The picture was removed."))
    return True


def _step_images(request, state):
    records = _device_records(state)
    if _is_minor(state):
        template = "takedowns/intake/images_minor.html"
        if request.method == "POST":
            action = request.POST.get("action", "next")
            if action.startswith("remove-"):
                _remove_picture(request, state, action)
                return redirect("takedowns:intake_step", step="images")
            form = ImagesForm(request.POST, existing_count=len(records), minor=True)
            if not form.is_valid():
                return _render(request, state, "images", template, _picture_context(form, state, []))
            records.extend(item.record for item in form.device)
            if form.device:
                messages.success(request, images_added_message(len(form.device)))
            if action == "add":
                _save(request, state)
                return redirect("takedowns:intake_step", step="images")
            _mark_done(state, "images", {"skipped": not records, "count": len(records)})
            _save(request, state)
            return redirect("takedowns:intake_step", step="contact")
        form = ImagesForm(existing_count=len(records), minor=True)
        return _render(request, state, "images", template, _picture_context(form, state, []))
    uploads = state["uploads"]
    held = len(uploads) + len(records)
    if request.method == "POST":
        action = request.POST.get("action", "next")
        if action.startswith("remove-"):
            _remove_picture(request, state, action)
            return redirect("takedowns:intake_step", step="images")
        # Counted per file, not per request: one request may carry ten pictures.
        files = sum(len(request.FILES.getlist(name)) for name in request.FILES)
        if files and not throttle_hit(
            f"intake-upload:{client_rate_limit_subject(request)}",
            UPLOAD_LIMIT,
            UPLOAD_WINDOW,
            fail_open=True,
            cost=files,
        ):
            form = ImagesForm(existing_count=held)
            form.cleaned_data = {}  # an unbound form has none, and add_error needs it
            form.add_error(
                None,
                _(
                    "Many pictures were sent from this connection in the last hour. Please wait a "
                    "little and try again; nothing you have entered is lost."
                ),
            )
            return _render(
                request, state, "images", "takedowns/intake/images.html", _picture_context(form, state, uploads), 429
            )
        form = ImagesForm(request.POST, request.FILES, existing_count=held)
        valid = form.is_valid()
        for checked in form.checked:
            name = intake_pending_store(data=checked.data)
            uploads.append({"name": name, "format": checked.image_format, "bytes": len(checked.data)})
        if valid:
            records.extend(item.record for item in form.device)
        state["keep"] = (
            bool(form.cleaned_data.get("keep_as_evidence")) if valid else bool(request.POST.get("keep_as_evidence"))
        )
        state["share"] = bool(request.POST.get("share_with_platforms"))
        _save(request, state)
        added = len(form.checked) + (len(form.device) if valid else 0)
        if added:
            messages.success(request, images_added_message(added))
        if not valid:
            return _render(
                request, state, "images", "takedowns/intake/images.html", _picture_context(form, state, uploads)
            )
        if action == "add":
            return redirect("takedowns:intake_step", step="images")
        _mark_done(state, "images", {"count": len(uploads) + len(records)})
        _save(request, state)
        return redirect("takedowns:intake_step", step="contact")
    form = ImagesForm(
        initial={"keep_as_evidence": state.get("keep", False), "share_with_platforms": state.get("share", False)},
        existing_count=held,
    )
    return _render(request, state, "images", "takedowns/intake/images.html", _picture_context(form, state, uploads))


def _step_contact(request, state):
    response, _form = _simple_step(request, state, "contact", ContactForm, "takedowns/intake/contact.html")
    return response or redirect("takedowns:intake_step", step="statement")


def _step_statement(request, state):
    who = state["answers"].get("who", {})
    content = state["answers"].get("content", {})
    representative = who.get("filer_type") == FilerType.REPRESENTATIVE
    # A copyright notice is offered only for a picture the person shown took, never for content made under 18.
    self_taken = content.get("self_taken") == "yes" and not _is_minor(state)
    extra = {
        "statement": good_faith_statement_text(who.get("filer_type", FilerType.SELF)),
        "self_taken": self_taken,
        "preview": recipients_preview(state, is_minor=_is_minor(state)),
    }
    saved = state["answers"].get("statement")
    if request.method == "POST":
        form = StatementForm(request.POST, representative=representative, self_taken=self_taken)
        if form.is_valid():
            _mark_done(state, "statement", dict(form.cleaned_data))
            _save(request, state)
            if not representative and not names_match(form.cleaned_data["signature_name"], who.get("victim_name", "")):
                messages.warning(
                    request, signature_warning(form.cleaned_data["signature_name"], who.get("victim_name"))
                )
            return redirect("takedowns:intake_step", step="review")
        return _render(request, state, "statement", "takedowns/intake/statement.html", {"form": form, **extra})
    initial = saved or {
        "context": context_suggestion(nature=content.get("nature", ""), posted=content.get("posted", "")),
    }
    form = StatementForm(initial=initial, representative=representative, self_taken=self_taken)
    return _render(request, state, "statement", "takedowns/intake/statement.html", {"form": form, **extra})


def _step_review(request, state):
    answers = state["answers"]
    who = answers.get("who", {})
    where = answers.get("where", {})
    statement = answers.get("statement", {})
    representative = who.get("filer_type") == FilerType.REPRESENTATIVE
    if request.method == "POST":
        submitter = client_rate_limit_subject(request)
        if not throttle_hit(f"intake-submit:{submitter}", SUBMIT_LIMIT, SUBMIT_WINDOW, fail_open=True):
            messages.error(
                request,
                _(
                    "Several requests were sent from this connection in the last hour. To protect everyone, please "
                    "wait an hour and press “Send my request” again. Nothing you entered is lost."
                ),
            )
            return redirect("takedowns:intake_step", step="review")
        result = intake_submit(
            answers=answers,
            pending=[] if _is_minor(state) else state["uploads"],
            fingerprints=_device_records(state),
            keep_as_evidence=bool(state.get("keep")),
            share_with_platforms=bool(state.get("share")) and not _is_minor(state),
            submission_key=state["key"],
            language=translation.get_language() or "en",
        )
        receipt = {
            "case_id": result.case.pk,
            "reference": result.case.reference,
            "key": state["key"],
            "email": bool(result.case.contact_email),
            "minor": result.case.is_minor_content,
            "picture_mode": picture_mode(uploads=result.images_added, device=result.fingerprints_added),
        }
        if result.access_code:
            receipt |= receipt_code_seal(submission_key=state["key"], access_code=result.access_code)
        request.session[RECEIPT_KEY] = receipt
        request.session.pop(SESSION_KEY, None)
        return redirect("takedowns:intake_receipt")
    signature_mismatch = not representative and not names_match(
        statement.get("signature_name", ""), who.get("victim_name", "")
    )
    rows = platform_rows(where.get("urls", []), where.get("handles", {}))
    return _render(
        request,
        state,
        "review",
        "takedowns/intake/review.html",
        {
            "answers": answers,
            "who": who,
            "content": answers.get("content", {}),
            "rows": rows,
            "uploads": state["uploads"],
            "device_records": _device_records(state),
            "keep": state.get("keep"),
            "contact": answers.get("contact", {}),
            "statement_answers": statement,
            "statement": good_faith_statement_text(who.get("filer_type", FilerType.SELF)),
            "representative": representative,
            "signature_mismatch": signature_mismatch,
            "signature_warning": signature_warning(statement.get("signature_name", ""), who.get("victim_name", ""))
            if signature_mismatch
            else "",
            "jurisdiction_label": dict(StatementForm.base_fields["jurisdiction"].choices).get(
                statement.get("jurisdiction"), ""
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def intake_receipt(request: HttpRequest) -> HttpResponse:
    receipt = request.session.get(RECEIPT_KEY)
    if not receipt:
        return redirect("takedowns:intake")
    if request.method == "POST":
        receipt_code_forget(submission_key=receipt["key"])
        request.session.pop(RECEIPT_KEY, None)
        return redirect(reverse("takedowns:status_login") + f"?reference={receipt['reference']}")
    code = receipt_code_open(submission_key=receipt["key"], kept=receipt)
    return render(
        request,
        "takedowns/intake/receipt.html",
        {"receipt": receipt, "access_code": code, "minutes": RECEIPT_TTL // 60},
    )
