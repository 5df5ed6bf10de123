"""Staff sign-in forms: the one-time code of two-factor sign-in (an app code or a recovery code)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The six digits your authenticator app shows now, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )

    def clean_code(self) -> str:
        # People type "123 456" or copy "abcd-efgh": spaces and dashes are not part of any code.
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"]).lower()
        if not re.fullmatch(r"[0-9a-z]{6,16}", code):
            raise forms.ValidationError(_("Enter the six digits from your app, or a recovery code."))
        return code


class EnrolmentForm(SecondFactorForm):
    def clean_code(self) -> str:
        code = super().clean_code()
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("Enter the six digits your authenticator app shows for Recourse."))
        return code
