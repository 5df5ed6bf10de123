"""What every victim-facing form shares: crispy rendering inside the page's own <form>, and the data for the
error summary at the top of the page (each message linking to its field)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); returns a list of uploads."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        # Empty files are refused by the picture check with a message that says what happened.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item is not None]
        return [single(data, initial)] if data else []


class VictimForm(forms.Form):
    """Base class: no <form> tag from crispy (the template owns it, with its CSRF token and buttons)."""

    required_css_class = "required"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper_rebuild()

    def helper_rebuild(self) -> None:
        """Lay the form out from its fields as they are now: a subclass that removes a field after
        ``__init__`` calls this again, or crispy would look for the missing field on every render (a logged
        KeyError per page view, found by the load benchmark)."""
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def field_anchor(self, name: str) -> str:
        field = self.fields.get(name)
        if field is None:
            return "main"
        widget = field.widget
        anchor = self[name].auto_id or f"id_{name}"
        if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
            return f"{anchor}_0"
        return anchor

    def error_summary(self) -> list[dict]:
        """[{anchor, label, message}] for the summary box, in field order."""
        items = []
        for message in self.non_field_errors():
            items.append({"anchor": "main", "label": "", "message": message})
        for name in self.fields:
            for message in self.errors.get(name, []):
                items.append({"anchor": self.field_anchor(name), "label": self.fields[name].label, "message": message})
        return items
