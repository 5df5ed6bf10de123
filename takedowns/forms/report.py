"""The accountability report's period: the last N days, or a from/to date range (UTC days, both inclusive)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PERIOD_DAYS = [(7, _("Last 7 days")), (30, _("Last 30 days")), (90, _("Last 90 days")), (365, _("Last 12 months"))]
DEFAULT_DAYS = 90
MAX_RANGE_DAYS = 3 * 366


class ReportPeriodForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Period"), choices=PERIOD_DAYS, coerce=int, required=False, empty_value=DEFAULT_DAYS
    )
    start = forms.DateField(label=_("From (UTC)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        label=_("To (UTC, inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if bool(start) != bool(end):
            raise forms.ValidationError(_("Give both dates of the range, or neither."))
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end date is before the start date."))
            if (end - start).days > MAX_RANGE_DAYS:
                raise forms.ValidationError(_("A range can be at most three years."))
        return data

    def period(self, *, now=None) -> tuple[datetime, datetime]:
        """[start, end) as aware UTC datetimes; the default period when the form is unbound or invalid."""
        now = now or timezone.now()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("start") and data.get("end"):
            tz = timezone.get_fixed_timezone(0)
            start = datetime.combine(data["start"], time.min, tzinfo=tz)
            return start, datetime.combine(data["end"] + timedelta(days=1), time.min, tzinfo=tz)
        return now - timedelta(days=data.get("days") or DEFAULT_DAYS), now
