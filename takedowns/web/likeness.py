"""The likeness search on the web: the victim's own page (signed in with her reference and access code) and the
advocate's page for a case. Both show the same plain-words explanation she consents to, the pictures form and
the stop button; where the content was made under 18 they show the child-protection hotlines instead."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from takedowns import selectors
from takedowns.models import ActorKind, Case
from takedowns.services import likeness
from takedowns.web.victim.status import _need_case


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Django's documented pattern for one input holding several files: each is checked as a file."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class LikenessForm(forms.Form):
    pictures = MultipleFileField(
        label=gettext_lazy("One to five pictures of your face"),
        required=False,
    )
    consent = forms.BooleanField(label=gettext_lazy("I have read this and I agree."), required=False)


def _context(case: Case, *, form=None, action: str, advocate: bool) -> dict:
    return {
        "case": case,
        "form": form or LikenessForm(),
        "template": selectors.case_face_template(case),
        "offered": likeness.likeness_offered(case),
        "consent_text": likeness.consent_text().split("\n\n"),
        "consent_version": likeness.CONSENT_VERSION,
        "hotlines": likeness.CHILD_HOTLINES if case.is_minor_content else (),
        "action": action,
        "advocate": advocate,
    }


def _handle(request: HttpRequest, case: Case, *, actor_kind: str, actor_user, action: str, advocate: bool):
    form = LikenessForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if request.POST.get("stop"):
            likeness.likeness_withdraw(case=case, actor_kind=actor_kind, actor_user=actor_user)
            messages.success(request, _("The likeness search is stopped and your face template is deleted."))
            return redirect(action)
        if form.is_valid():
            try:
                likeness.likeness_enrol(
                    case=case,
                    pictures=form.cleaned_data["pictures"],
                    consent=form.cleaned_data["consent"],
                    actor_kind=actor_kind,
                    actor_user=actor_user,
                )
            except likeness.LikenessError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("Thank you. Your face template is being made; the pictures are then deleted.")
                )
                return redirect(action)
    return render(request, "takedowns/likeness/page.html", _context(case, form=form, action=action, advocate=advocate))


@require_http_methods(["GET", "POST"])
@_need_case
def status_likeness(request: HttpRequest, case: Case) -> HttpResponse:
    return _handle(
        request,
        case,
        actor_kind=ActorKind.VICTIM,
        actor_user=None,
        action=reverse("takedowns:status_likeness"),
        advocate=False,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_likeness(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_user(request.user, reference)
    return _handle(
        request,
        case,
        actor_kind=ActorKind.ADVOCATE,
        actor_user=request.user,
        action=reverse("takedowns:case_likeness", args=[case.reference]),
        advocate=True,
    )
