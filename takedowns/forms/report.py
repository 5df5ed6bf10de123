"""The accountability report's period: for advocates the last N days, or a from/to date range (UTC days, both
inclusive); for the public report one calendar month (UTC), the current one or one of the last 24."""

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


PUBLIC_MONTHS = 24


def _month_start(day) -> datetime:
    return datetime(day.year, day.month, 1, tzinfo=timezone.get_fixed_timezone(0))


def _next_month(start: datetime) -> datetime:
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


def _previous_month(start: datetime) -> datetime:
    return start.replace(year=start.year - 1, month=12) if start.month == 1 else start.replace(month=start.month - 1)


def public_months(*, now=None) -> list[datetime]:
    """The first instants of the months the public report offers, newest first."""
    start = _month_start((now or timezone.now()).astimezone(timezone.get_fixed_timezone(0)))
    months = [start]
    for _month in range(PUBLIC_MONTHS):
        months.append(_previous_month(months[-1]))
    return months


class PublicReportPeriodForm(forms.Form):
    """Fixed calendar months only: periods that never overlap cannot be subtracted from one another to single
    out a day's notices."""

    month = forms.ChoiceField(label=_("Month (UTC)"), required=False)

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        self.months = public_months(now=self.now)
        self.fields["month"].choices = [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in self.months]

    def period(self, *, now=None) -> tuple[datetime, datetime]:
        """[start, end): the chosen month, or the current one when none (or one not offered) was chosen. The
        current month ends now: its figures grow as the month goes on, like any published statistic."""
        now = now or self.now
        chosen = self.cleaned_data.get("month") if self.is_bound and self.is_valid() else ""
        start = next((m for m in self.months if f"{m:%Y-%m}" == chosen), self.months[0])
        return start, min(_next_month(start), now)
