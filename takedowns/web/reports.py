"""The platform accountability report: for advocates (full figures, CSV) and, when the operator turns on
``PUBLIC_ACCOUNTABILITY_REPORT``, an anonymised public version (platform-level figures only; counts below 5
and figures computed from fewer than 5 notices suppressed). Charts are SVG drawn on the server."""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from takedowns import selectors
from takedowns.forms.report import DEFAULT_DAYS, PublicReportPeriodForm, ReportPeriodForm
from takedowns.roles import is_advocate
from takedowns.selectors_exchange import exchange_blocked_by_platform

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets (a platform name in the
# registry can be anything an operator or an advocate typed); OWASP's advice is to prefix such cells with "'".
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

SUPPRESSED_COUNT = "<5"
SUPPRESSED = "—"


def _hours(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _share(value: float | None) -> str:
    return "" if value is None else f"{round(value * 100)}%"


def report_rows(
    figures: list[selectors.PlatformFigures], *, public: bool, exchange_blocked: dict[int, int] | None = None
) -> list[dict]:
    """The table's cells as text. Public: 1-4 becomes "<5", and medians, percentiles and shares computed from
    fewer than 5 notices are withheld, so that a rare platform's figures cannot point at one case."""
    low = selectors.PUBLIC_MIN_COUNT

    def count(n: int) -> str:
        return SUPPRESSED_COUNT if public and 0 < n < low else str(n)

    def derived(text: str, basis: int) -> str:
        return SUPPRESSED if public and basis < low else text

    rows = []
    for f in figures:
        rows.append(
            {
                "platform": f.name,
                "sent": count(f.sent),
                "ack_median_h": derived(_hours(f.ack_median_h), f.answered),
                "ack_p90_h": derived(_hours(f.ack_p90_h), f.answered),
                "removal_median_h": derived(_hours(f.removal_median_h), f.removed),
                "removal_p90_h": derived(_hours(f.removal_p90_h), f.removed),
                "removed": count(f.removed),
                "share_in_time": derived(_share(f.share_in_time), f.decided),
                "overdue_now": count(f.overdue_now),
                "disputes": count(f.disputes),
                "accounts_acted_on": count(f.accounts_acted_on),
                "account_answers": count(f.account_answers),
                "reuploads_blocked": count(f.reuploads_blocked),
                "exchange_blocked": count((exchange_blocked or {}).get(f.platform_id, 0)),
                # Chart values, withheld on the same rule.
                "_share": None if public and f.decided < low else f.share_in_time,
                "_removal": None if public and f.removed < low else f.removal_median_h,
            }
        )
    return rows


COLUMNS = [
    ("platform", gettext_lazy("Platform")),
    ("sent", gettext_lazy("Notices sent")),
    ("ack_median_h", gettext_lazy("Median hours to acknowledge")),
    ("ack_p90_h", gettext_lazy("90th percentile hours to acknowledge")),
    ("removed", gettext_lazy("Removed")),
    ("removal_median_h", gettext_lazy("Median hours to removal")),
    ("removal_p90_h", gettext_lazy("90th percentile hours to removal")),
    ("share_in_time", gettext_lazy("Removed within the deadline")),
    ("overdue_now", gettext_lazy("Overdue now")),
    ("disputes", gettext_lazy("Disputes")),
    ("accounts_acted_on", gettext_lazy("Accounts acted on")),
    ("account_answers", gettext_lazy("Answers about the account")),
    ("reuploads_blocked", gettext_lazy("Re-uploads blocked by fingerprint")),
    ("exchange_blocked", gettext_lazy("Uploads blocked with the hash exchange")),
]

ROUTE_LABELS = {
    "TIDA": gettext_lazy("Statute: US TAKE IT DOWN Act"),
    "DSA": gettext_lazy("Statute: EU Digital Services Act"),
    "UK": gettext_lazy("Statute: UK law"),
    "AU": gettext_lazy("Statute: Australian Online Safety Act"),
    "policy": gettext_lazy("Platform policy only"),
    "dmca": gettext_lazy("Copyright (DMCA)"),
    "upstream": gettext_lazy("Upstream (CDN, host or registrar)"),
    "deindex": gettext_lazy("De-indexing (search engine)"),
}

ROUTE_COLUMNS = [
    ("platform", gettext_lazy("Platform or provider")),
    ("route", gettext_lazy("Route")),
    ("sent", gettext_lazy("Notices sent")),
    ("removed", gettext_lazy("Removed")),
    ("removal_rate", gettext_lazy("Removal rate")),
    ("removal_median_h", gettext_lazy("Median hours to removal")),
]


def route_rows(figures: list[selectors.RouteFigures], *, public: bool) -> list[dict]:
    """Outcomes by route as text, withheld on the same rule as the platform table."""
    low = selectors.PUBLIC_MIN_COUNT
    rows = []
    for f in figures:
        rows.append(
            {
                "platform": f.name,
                "route": str(ROUTE_LABELS[f.route]),
                "sent": SUPPRESSED_COUNT if public and 0 < f.sent < low else str(f.sent),
                "removed": SUPPRESSED_COUNT if public and 0 < f.removed < low else str(f.removed),
                "removal_rate": SUPPRESSED if public and f.sent < low else _share(f.removal_rate),
                "removal_median_h": SUPPRESSED if public and f.removed < low else _hours(f.removal_median_h),
            }
        )
    return rows


def _csv(columns, rows, name: str) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([label for _key, label in columns])
    for row in rows:
        writer.writerow([row[key] for key, _label in columns])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


BAR_HEIGHT = 26
LABEL_WIDTH = 200
CHART_WIDTH = 640


def bar_chart(rows: list[dict], key: str, *, maximum: float | None, fmt, none_text: str) -> dict:
    """Geometry for a horizontal bar chart; every bar also carries its value as text (not colour alone)."""
    values = [r[key] for r in rows if r[key] is not None]
    top = maximum or (max(values) if values else 1) or 1
    room = CHART_WIDTH - LABEL_WIDTH - 70
    bars = []
    for index, row in enumerate(rows):
        value = row[key]
        width = 0 if value is None else max(1, round(room * min(value, top) / top))
        bars.append(
            {
                "y": index * BAR_HEIGHT,
                "text_y": index * BAR_HEIGHT + 18,
                "label": row["platform"][:28],
                "width": width,
                "value_x": LABEL_WIDTH + width + 6,
                "value": none_text if value is None else fmt(value),
            }
        )
    return {"bars": bars, "height": max(1, len(rows)) * BAR_HEIGHT, "width": CHART_WIDTH, "label_width": LABEL_WIDTH}


def spreadsheet_safe(value) -> str:
    """A CSV cell that a spreadsheet shows as text, never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _report(request: HttpRequest, *, public: bool) -> HttpResponse:
    # The public report offers calendar months only: free day ranges let anyone subtract two overlapping
    # periods and recover the small counts that the suppression rule hides.
    if public:
        form = PublicReportPeriodForm(request.GET or None)
    else:
        form = ReportPeriodForm(request.GET or None, initial={"days": DEFAULT_DAYS})
    now = timezone.now()
    start, end = form.period(now=now)
    rows = report_rows(
        selectors.platform_report(start=start, end=end, now=now),
        public=public,
        exchange_blocked=exchange_blocked_by_platform(since=start, until=end),
    )
    routes = route_rows(selectors.route_report(start=start, end=end), public=public)
    if request.GET.get("format") == "routes-csv":
        return _csv(ROUTE_COLUMNS, routes, f"outcomes-by-route-{start:%Y%m%d}-{end:%Y%m%d}.csv")
    if request.GET.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([spreadsheet_safe(label) for _key, label in COLUMNS])
        for row in rows:
            writer.writerow([spreadsheet_safe(row[key]) for key, _label in COLUMNS])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        name = f"platform-accountability-{start:%Y%m%d}-{end:%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    none_text = _("not shown (fewer than 5)") if public else _("no data")
    charts = [
        {
            "id": "chart-in-time",
            "title": _("Share of notices removed within the deadline"),
            **bar_chart(rows, "_share", maximum=1, fmt=lambda v: f"{round(v * 100)}%", none_text=none_text),
        },
        {
            "id": "chart-removal",
            "title": _("Median hours from notice to removal"),
            **bar_chart(rows, "_removal", maximum=None, fmt=lambda v: f"{v:.1f} h", none_text=none_text),
        },
    ]
    query = request.GET.copy()
    query["format"] = "routes-csv"
    routes_csv_query = query.urlencode()
    query["format"] = "csv"
    return render(
        request,
        "takedowns/report.html",
        {
            "form": form,
            "rows": rows,
            "columns": COLUMNS,
            "charts": charts,
            "start": start,
            "end": end,
            "public": public,
            "csv_query": query.urlencode(),
            "routes": routes,
            "route_columns": ROUTE_COLUMNS,
            "routes_csv_query": routes_csv_query,
            "min_count": selectors.PUBLIC_MIN_COUNT,
        },
    )


@login_required
@require_GET
def platform_report(request: HttpRequest) -> HttpResponse:
    if not is_advocate(request.user):
        raise Http404("No such page.")
    return _report(request, public=False)


@require_GET
def public_platform_report(request: HttpRequest) -> HttpResponse:
    if not getattr(settings, "PUBLIC_ACCOUNTABILITY_REPORT", False):
        raise Http404("No such page.")
    return _report(request, public=True)
