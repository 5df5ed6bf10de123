"""The advocate's review of a finding: confirm (the page joins the case), dismiss, or look at a blurred preview."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

import hashing
from takedowns import fetch
from takedowns.audit import event_record
from takedowns.models import (
    ActorKind,
    EventType,
    Finding,
    FindingKind,
    FindingStatus,
)
from takedowns.services.cases import CaseClosedError, locations_add
from takedowns.services.notices import case_notices_prepare_enqueue
from takedowns.services.workbench import blurred_preview
from takedowns.urlnorm import UrlError


class FindingStateError(ValueError):
    pass


def finding_confirm(*, finding: Finding, actor_user=None) -> Finding:
    """The advocate confirms: the page becomes a location of the case and its notice is drafted through the
    normal pipeline."""
    with transaction.atomic():
        finding = Finding.objects.select_for_update().select_related("case").get(pk=finding.pk)
        if finding.status == FindingStatus.CONFIRMED:
            return finding
        if finding.status != FindingStatus.NEW:
            raise FindingStateError("This finding was dismissed; it cannot be confirmed.")
        try:
            added = locations_add(
                case=finding.case, urls=[finding.page_url], actor_kind=ActorKind.ADVOCATE, actor_user=actor_user
            )
        except CaseClosedError as exc:
            raise FindingStateError("The case is closed: it takes no new URLs.") from exc
        except UrlError as exc:
            raise FindingStateError(f"The page's address cannot be reported: {exc}") from exc
        location = added[0] if added else finding.case.locations.filter(url__in=[finding.page_url]).first()
        if location is not None and finding.kind == FindingKind.LIKENESS and not location.found_by_likeness:
            location.found_by_likeness = True
            location.save(update_fields=["found_by_likeness"])
        finding.status, finding.decided_by, finding.decided_at = FindingStatus.CONFIRMED, actor_user, timezone.now()
        finding.location = location
        finding.save(update_fields=["status", "decided_by", "decided_at", "location"])
        event_record(
            type=EventType.FINDING_CONFIRMED,
            actor_kind=ActorKind.ADVOCATE,
            actor_user=actor_user,
            case=finding.case,
            data={"finding_id": finding.pk, "page_url": finding.page_url, "location_id": location and location.pk},
        )
        case_notices_prepare_enqueue(case=finding.case)
    return finding


def finding_dismiss(*, finding: Finding, actor_user=None) -> Finding:
    with transaction.atomic():
        finding = Finding.objects.select_for_update().select_related("case").get(pk=finding.pk)
        if finding.status == FindingStatus.DISMISSED:
            return finding
        if finding.status != FindingStatus.NEW:
            raise FindingStateError("This finding was confirmed and its URL added to the case.")
        finding.status, finding.decided_by, finding.decided_at = FindingStatus.DISMISSED, actor_user, timezone.now()
        finding.save(update_fields=["status", "decided_by", "decided_at"])
        event_record(
            type=EventType.FINDING_DISMISSED,
            actor_kind=ActorKind.ADVOCATE,
            actor_user=actor_user,
            case=finding.case,
            data={"finding_id": finding.pk},
        )
    return finding


def finding_preview_reveal(*, finding: Finding, actor_user) -> None:
    """An advocate clicked to see a blurred preview of a found image (logged; DESIGN.md §8)."""
    event_record(
        type=EventType.FINDING_PREVIEW_REVEALED,
        actor_kind=ActorKind.ADVOCATE,
        actor_user=actor_user,
        case=finding.case,
        data={"finding_id": finding.pk, "image_url": finding.image_url},
    )


def finding_preview_bytes(*, finding: Finding, resolver=None) -> bytes:
    """Fetch the found image now, through the one way out, and return its blurred greyscale preview. Nothing
    is stored: the bytes live in this request only. Raises ``FindingStateError`` with the reason."""
    if finding.case.is_minor_content:
        # Viewing material made when the person was under 18 is itself unlawful: no preview, ever.
        raise FindingStateError("No preview is shown for this case (content made when the person was under 18).")
    try:
        got = fetch.request("GET", finding.image_url, headers={"Accept": "image/*"}, resolver=resolver)
    except fetch.FetchError as exc:
        raise FindingStateError(f"The image could not be fetched: {exc.message}") from exc
    if not (200 <= got.status < 300 and got.is_image):
        raise FindingStateError(f"The address no longer serves an image (HTTP {got.status}).")
    try:
        return blurred_preview(got.body)
    except hashing.HashingError as exc:
        raise FindingStateError(f"The image could not be read ({exc.message}).") from exc
