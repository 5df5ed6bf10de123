"""Forms of the victim's case page: signing in with reference + access code, adding to the case, and the
confirmations for withdrawing and erasing."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from takedowns.forms.base import VictimForm
from takedowns.forms.intake import url_line_errors
from takedowns.services.intake import URL_LIMIT


class StatusLoginForm(VictimForm):
    reference = forms.CharField(
        label=_("Case reference"),
        max_length=40,
        help_text=_("It looks like RC-7K3M-Q9TX."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"required": _("Please type your case reference.")},
    )
    access_code = forms.CharField(
        label=_("Access code"),
        max_length=60,
        help_text=_("Four groups of four letters and numbers. Spaces and small letters are fine."),
        widget=forms.PasswordInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}, render_value=False
        ),
        error_messages={"required": _("Please type your access code.")},
    )


class AddUrlsForm(VictimForm):
    urls = forms.CharField(
        label=_("More addresses (URLs)"),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocapitalize": "off"}),
        help_text=_("One per line. Each must be the exact page where the images appear — it starts with https://"),
        error_messages={"required": _("Please paste at least one address.")},
    )


class WithdrawForm(VictimForm):
    confirm = forms.BooleanField(
        label=_("Yes, withdraw my case."),
        error_messages={"required": _("Please tick this box if you want to withdraw the case.")},
    )


class EraseForm(VictimForm):
    confirm = forms.BooleanField(
        label=_("Yes, erase my data. I understand this cannot be undone."),
        error_messages={"required": _("Please tick this box if you want us to erase your data.")},
    )


def add_urls_clean(form: AddUrlsForm, *, existing_count: int) -> list[str]:
    urls, messages = url_line_errors(form.cleaned_data.get("urls", ""))
    if messages:
        form.add_error("urls", messages)
        return []
    if not urls:
        # Only words, no address ("the photo on his page"): say so rather than return the page unchanged.
        form.add_error(
            "urls",
            _("Please paste at least one address of a page where the images appear. It starts with https://"),
        )
        return []
    if existing_count + len(urls) > URL_LIMIT:
        form.add_error(
            "urls",
            _("This case already holds %(existing)s addresses; it can hold up to %(limit)s. Please add fewer.")
            % {"existing": existing_count, "limit": URL_LIMIT},
        )
        return []
    return urls
