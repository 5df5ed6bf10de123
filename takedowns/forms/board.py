"""The clock board's filters: a GET form, so that every filtered view is a plain link that works without
JavaScript (htmx only swaps the table in place)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from takedowns.lifecycle import OPEN_STATES
from takedowns.models import NoticeStatus, Regime
from takedowns.selectors import BoardFilters

SEARCH_MAX = 200


class BoardFilterForm(forms.Form):
    q = forms.CharField(label=_("Case reference or URL"), required=False, max_length=SEARCH_MAX)
    platform = forms.TypedChoiceField(label=_("Platform"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False)
    regime = forms.ChoiceField(label=_("Regime"), required=False)
    advocate = forms.TypedChoiceField(label=_("Advocate"), required=False, coerce=int, empty_value=None)
    mine = forms.BooleanField(label=_("Only my cases"), required=False)
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)
    due_soon = forms.BooleanField(label=_("Only due within 12 hours"), required=False)

    def __init__(self, *args, platforms: list[tuple], advocates: list[tuple], **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["platform"].choices = everything + [(str(pk), name) for pk, name in platforms]
        self.fields["advocate"].choices = everything + [(str(pk), label) for pk, label in advocates]
        statuses = [(value, label) for value, label in NoticeStatus.choices if value in OPEN_STATES]
        self.fields["status"].choices = everything + statuses
        self.fields["regime"].choices = everything + list(Regime.choices)

    def filters(self) -> BoardFilters:
        """The filters to apply; an invalid field (a stale link, a hand-edited URL) is ignored, not fatal."""
        if not self.is_bound:
            return BoardFilters()
        self.is_valid()
        data = self.cleaned_data
        return BoardFilters(
            platform_id=data.get("platform") or None,
            status=data.get("status") or "",
            regime=data.get("regime") or "",
            advocate_id=data.get("advocate") or None,
            mine=bool(data.get("mine")),
            overdue=bool(data.get("overdue")),
            due_soon=bool(data.get("due_soon")),
            q=(data.get("q") or "").strip(),
        )

    @property
    def is_filtered(self) -> bool:
        return self.filters() != BoardFilters()
