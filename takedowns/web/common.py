"""What more than one audience's pages share: recording a web-form submission (the advocate's case page and the
victim filing alone use the same handler and the same form template). The client address is in
takedowns/addresses.py (the API needs it too)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from takedowns.forms.notices import WebformSubmittedForm
from takedowns.models import Notice
from takedowns.services import delivery


def webform_submission_record(request: HttpRequest, notice: Notice, *, actor_kind: str, actor_user=None) -> bool:
    """Someone submitted the prepared text through the platform's own form: record when, which starts the
    clock. Every outcome is told through ``messages``; returns True when recorded."""
    form = WebformSubmittedForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return False
    # The browser sends its offset from UTC in minutes, so the local time typed is stored as the right instant.
    submitted = form.cleaned_data["submitted_at"] + timedelta(minutes=form.cleaned_data["tz_offset"] or 0)
    try:
        delivery.notice_record_webform_submission(
            notice=notice,
            submitted_at=submitted,
            actor_kind=actor_kind,
            actor_user=actor_user,
            confirmation=form.cleaned_data["confirmation"],
        )
    except delivery.NoticeIncomplete as exc:
        messages.error(
            request,
            _("This request is missing something it needs: %(items)s")
            % {"items": "; ".join(f"{e.label} — {e.fix_hint}" for e in exc.missing)},
        )
        return False
    except delivery.SubmissionTimeInvalid as exc:
        if exc.code == "before_notice":
            messages.error(
                request,
                _(
                    "That time is before this request was prepared. Enter when you submitted the form on the "
                    "platform's website."
                ),
            )
        else:
            messages.error(request, _("That time is in the future. Enter when you actually submitted it."))
        return False
    messages.success(
        request,
        _("Recorded. %(platform)s's deadline now counts from the time you gave.") % {"platform": notice.platform.name},
    )
    return True


def bundle_response(bundle, data: bytes) -> HttpResponse:
    """An evidence bundle as a download: never cached, its SHA-256 in a header for a quick check."""
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="evidence-{bundle.case.reference}-{bundle.pk}.zip"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-SHA256"] = bundle.sha256
    return response
