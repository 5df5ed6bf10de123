"""Discovery reads: findings, and the watchlist with each site's latest crawl (advocates only)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from takedowns.models import (
    Case,
    CaseState,
    FaceTemplate,
    Finding,
    FindingKind,
    FindingStatus,
    WatchedSite,
)
from takedowns.roles import is_advocate


def findings_for_user(user) -> QuerySet[Finding]:
    """Findings are for advocates only (platform staff never see a case)."""
    if is_advocate(user):
        return Finding.objects.exclude(case__state=CaseState.DRAFT).select_related("case", "likeness")
    return Finding.objects.none()


def case_findings(case: Case, *, status: str | None = None) -> QuerySet[Finding]:
    qs = Finding.objects.filter(case=case).select_related("case", "likeness").order_by("status", "-created_at", "-id")
    return qs.filter(status=status) if status else qs


def case_findings_new(case: Case) -> dict[str, int]:
    """Unreviewed findings of the case, all kinds and those of the likeness search (her face), in one query."""
    return Finding.objects.filter(case=case, status=FindingStatus.NEW).aggregate(
        all=Count("id"), likeness=Count("id", filter=Q(kind=FindingKind.LIKENESS))
    )


def case_places_found(case: Case) -> int:
    """What the victim's page counts: places an advocate confirmed (unreviewed findings may be mistaken)."""
    return Finding.objects.filter(case=case, status=FindingStatus.CONFIRMED).count()


def watchlist_rows(user) -> list[dict]:
    """Each watched site with its latest crawl and that crawl's frontier counts (advocates only)."""
    if not is_advocate(user):
        return []
    sites = list(WatchedSite.objects.filter(active=True).order_by("name", "id"))
    rows = []
    for site in sites:
        run = site.runs.order_by("-started_at", "-id").first()
        queued = run.pages.filter(state="queued").count() if run else 0
        findings = site.images.filter(findings__isnull=False).distinct().count()
        rows.append({"site": site, "run": run, "queued": queued, "findings": findings})
    return rows


def case_face_template(case: Case) -> FaceTemplate | None:
    """The case's face template row (state and counts only are read from it; never its descriptors)."""
    return FaceTemplate.objects.filter(case=case).defer("descriptors").first()
