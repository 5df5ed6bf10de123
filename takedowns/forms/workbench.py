"""Advocate forms on the case page: assign, note, add URLs, add a website to the registry."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from takedowns.models import Channel, Regime
from takedowns.registry import REGIMES
from takedowns.services.workbench import NOTE_MAX
from takedowns.urlnorm import normalise_host, parse_url_list


class AssignForm(forms.Form):
    advocate = forms.TypedChoiceField(label=_("Assigned advocate"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, advocates: list[tuple], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advocate"].choices = [("", _("Nobody"))] + [(str(pk), label) for pk, label in advocates]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("The note is empty.")},
    )


class AdvocateUrlsForm(forms.Form):
    urls = forms.CharField(
        label=_("URLs to add, one per line"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Paste at least one URL.")},
    )

    def clean_urls(self) -> list[str]:
        parsed = parse_url_list(self.cleaned_data["urls"])
        if parsed.errors:
            raise forms.ValidationError(
                [_("Line %(n)s: %(msg)s") % {"n": e.line, "msg": e.message} for e in parsed.errors[:10]]
            )
        if not parsed.urls:
            raise forms.ValidationError(_("No URL found in the text."))
        return parsed.urls


class PlatformAddForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )

    name = forms.CharField(label=_("Website name"), max_length=120)
    domains = forms.CharField(
        label=_("Domains (one per line)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Every URL on these domains, in every open case, will be addressed to this website."),
    )
    channel = forms.ChoiceField(label=_("How it takes reports"), choices=[c for c in Channel.choices if c[0] != "api"])
    contact_email = forms.EmailField(label=_("Contact e-mail for removal requests"), required=False)
    webform_url = forms.URLField(
        label=_("Address of its reporting form"), required=False, max_length=500, assume_scheme="https"
    )
    # A registry platform is under a statute; DMCA is a route an advocate picks per notice, never a platform's.
    regime = forms.ChoiceField(
        label=_("Law the notice invokes"), choices=[c for c in Regime.choices if c[0] in REGIMES], initial=Regime.US
    )
    response_hours = forms.IntegerField(label=_("Response deadline in hours"), min_value=1, max_value=720, initial=48)

    def clean_domains(self) -> list[str]:
        domains = []
        for raw in self.cleaned_data["domains"].split():
            try:
                domains.append(normalise_host(raw.strip().strip("/"), strict=True))
            except ValueError as exc:
                raise forms.ValidationError(_("%(d)s is not a domain name: %(e)s") % {"d": raw, "e": exc}) from exc
        if not domains:
            raise forms.ValidationError(_("Give at least one domain."))
        return list(dict.fromkeys(domains))

    def clean(self):
        data = super().clean()
        if data.get("channel") == Channel.EMAIL and not data.get("contact_email"):
            self.add_error("contact_email", _("An e-mail channel needs the contact address."))
        if data.get("channel") == Channel.WEBFORM and not data.get("webform_url"):
            self.add_error("webform_url", _("A web-form channel needs the address of the form."))
        return data
