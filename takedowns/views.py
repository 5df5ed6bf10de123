"""Server-rendered pages. Thin: parse the request, call one selector or service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from takedowns import selectors
from takedowns.roles import is_advocate, platform_of
from takedowns.services.deadlines import job_last_ran


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "takedowns/home.html")


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    if is_advocate(request.user):
        return render(
            request,
            "takedowns/dashboard_advocate.html",
            {
                "cases": selectors.dashboard_cases(request.user)[:200],
                "last_sweep": job_last_ran("sweep-deadlines"),
            },
        )
    platform = platform_of(request.user)
    if platform is not None:
        notices = selectors.notices_for_user(request.user).order_by("due_at")[:200]
        return render(request, "takedowns/dashboard_platform.html", {"platform": platform, "notices": notices})
    return render(request, "takedowns/no_role.html", status=403)


@login_required
@require_GET
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_detail(selectors.case_for_user(request.user, reference))
    return render(request, "takedowns/case_detail.html", {"case": case})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "last_deadline_sweep": job_last_ran("sweep-deadlines")})
