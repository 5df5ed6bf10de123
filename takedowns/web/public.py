"""Pages anyone may open: the home page and the health probe."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from takedowns.services.deadlines import job_last_ran


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "takedowns/home.html")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "last_deadline_sweep": job_last_ran("sweep-deadlines")})
