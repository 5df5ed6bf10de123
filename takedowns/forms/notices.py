"""Forms for acting on a notice: platform responses (signed link, inbox) and advocate records."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from takedowns.models import AccountOutcome, ReuploadOutcome
from takedowns.services.account_actions import NOTE_MAX
from takedowns.services.outcomes import DISPUTE_REASONS, MESSAGE_MAX


class RemovedForm(forms.Form):
    locations = forms.MultipleChoiceField(
        label=_("URLs you removed"),
        widget=forms.CheckboxSelectMultiple,
        required=True,
        error_messages={"required": _("Tick at least one URL that you removed.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, notice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locations"].choices = [(str(loc.pk), loc.url) for loc in notice.locations.all().order_by("id")]
        self.fields["locations"].initial = [str(loc.pk) for loc in notice.locations.all() if loc.state == "reported"]


class InfoRequestForm(forms.Form):
    message = forms.CharField(
        label=_("What information do you need?"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please write what information you need.")},
    )


class DisputeForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", "—"), *DISPUTE_REASONS.items()],
        error_messages={"required": _("Choose a reason from the list.")},
    )
    message = forms.CharField(
        label=_("Explanation"), required=False, max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == "other" and not (data.get("message") or "").strip():
            self.add_error("message", _("Please explain the reason."))
        return data


class WebformSubmittedForm(forms.Form):
    submitted_at = forms.DateTimeField(
        label=_("When did you submit it? (your local time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={
            "required": _("Enter the date and time you submitted the form."),
            "invalid": _("Enter a date and time like 2026-05-20 14:30."),
        },
    )
    tz_offset = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=-900, max_value=900)
    confirmation = forms.CharField(
        label=_("Confirmation number from the platform (optional)"), required=False, max_length=200
    )

    def clean_submitted_at(self):
        value = self.cleaned_data["submitted_at"]
        if value > timezone.now() + timezone.timedelta(minutes=5):
            raise forms.ValidationError(_("That time is in the future. Enter when you actually submitted it."))
        return value


class TextForm(forms.Form):
    text = forms.CharField(
        label=_("Text"),
        max_length=MESSAGE_MAX * 4,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("This cannot be empty.")},
    )


class AccountAnswerForm(forms.Form):
    """What the platform did about the uploader's account and about re-uploads; each optional, one needed."""

    account = forms.ChoiceField(
        label=_("The uploader's account"),
        choices=[("", _("— no answer —")), *AccountOutcome.choices],
        required=False,
        error_messages={"invalid_choice": _("Choose an answer about the account from the list.")},
    )
    reupload = forms.ChoiceField(
        label=_("Re-uploads of the same content"),
        choices=[("", _("— no answer —")), *ReuploadOutcome.choices],
        required=False,
        error_messages={"invalid_choice": _("Choose an answer about re-uploads from the list.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("account") and not data.get("reupload"):
            raise forms.ValidationError(_("Choose an answer about the account, about re-uploads, or both."))
        return data
