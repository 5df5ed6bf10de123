"""Gather what a notice says from the database, once, into a frozen :class:`NoticeContent`.

:func:`notice_content` reads a notice, its case, platform, locations and the case's hashed reference images
in a constant number of queries and returns plain values only, so rendering is pure, cacheable and
benchmarkable.

Privacy: when the victim keeps their contact private (the default), the content holds the per-notice relay
address and no trace of the victim's own e-mail or phone, so no renderer can leak them by mistake. The
victim's legal name is never copied in: the signature (a typed name the victim chose) is what the law asks.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from takedowns.models import ComputedOn, FilerType, ImageState, Notice, ReferenceImage, Regime, ReportedLocation
from takedowns.notices import law
from takedowns.notices.content.model import EscalatedNotice, ImageHashes, LocationItem, NoticeContent, Operator
from takedowns.notices.regimes import regime_for
from takedowns.notices.tokens import relay_address, response_link


def notice_queryset():
    """Notices with everything :func:`notice_content` reads: one query plus two prefetches."""
    return Notice.objects.select_related("case", "platform", "escalates__platform").prefetch_related(
        Prefetch("locations", queryset=ReportedLocation.objects.order_by("created_at", "id")),
        Prefetch(
            "case__images",
            queryset=ReferenceImage.objects.filter(state=ImageState.HASHED).order_by("created_at", "id"),
            to_attr="hashed_images",
        ),
    )


def notice_content(notice: Notice, *, now: datetime | None = None) -> NoticeContent:
    """Gather what ``notice`` says. Uses the prefetches of :func:`notice_queryset` when present, else runs a
    fixed number of queries (at most four) whatever the number of URLs and images."""
    now = now or timezone.now()
    case = notice.case
    platform = notice.platform
    locations = list(notice.locations.all())
    if getattr(case, "hashed_images", None) is not None:
        images = case.hashed_images
    else:
        images = list(ReferenceImage.objects.filter(case_id=case.pk, state=ImageState.HASHED).order_by("created_at"))
    spec = regime_for(notice.regime)
    regimes = tuple(notice.regimes or (spec.code,))
    upstream = notice.kind != "platform"
    dmca = notice.regime == Regime.DMCA
    # An upstream notice may be forwarded to the site's operator, and a DMCA notice to the uploader (and published
    # to Lumen): neither ever carries the victim's own contact.
    if case.contact_private or upstream or dmca:
        contact_email, contact_phone = relay_address(notice), ""
    else:
        contact_email, contact_phone = case.contact_email or "", case.contact_phone or ""
    if notice.due_at is not None:
        deadline_at, projected = notice.due_at, False
    else:
        deadline_at, projected = now + timedelta(hours=notice.response_hours), True
    hashes = _shared_hashes(case, locations, images)
    labels_by_sha256 = {img.sha256: f"Image {i}" for i, img in enumerate(images, start=1)}
    return NoticeContent(
        kind=notice.kind,
        escalated=_escalated(notice) if upstream else None,
        notice_id=notice.pk,
        reference=notice.reference,
        case_reference=case.reference,
        regime=spec.code,
        channel=notice.channel,
        generated_at=now,
        locations=tuple(_location_item(loc, hashes, labels_by_sha256) for loc in locations),
        hashes=hashes,
        contact_email=contact_email.strip(),
        contact_phone=contact_phone.strip(),
        response_hours=notice.response_hours,
        deadline_at=deadline_at,
        deadline_projected=projected,
        sent_at=notice.sent_at,
        response_link=response_link(notice),
        statute=spec.statute,
        section=spec.section,
        regimes=regimes,
        uk_duty_in_force=bool(getattr(settings, "NOTICES_UK_48H_IN_FORCE", True)),
        operator=operator_from_settings(),
        dsa_target_hours=int(getattr(settings, "NOTICES_DSA_TARGET_HOURS", 48)),
        statutory_hours=notice.statutory_hours,
        statutory_due_at=notice.statutory_due_at,
        tida_process=law.through_tida_process(
            tida_process=platform.tida_process,
            channel=notice.channel,
            recipient=notice.recipient,
            webform_url=platform.webform_url,
        ),
        **_platform_facts(platform),
        # The DMCA facts replace the signer's: the operator signs a DMCA notice, never the victim.
        **_trusted_flagger(
            {**_case_facts(case, regimes), **(_dmca_facts(case) if dmca else {})}, platform, upstream=upstream
        ),
    )


def _shared_hashes(case, locations: list[ReportedLocation], images: list[ReferenceImage]) -> tuple[ImageHashes, ...]:
    # Content made when the person was under 18 never carries a server-made fingerprint (DESIGN.md §3: such a
    # case never holds a picture, and this keeps it true even if one slipped in). Fingerprints made on the
    # victim's own device are another matter: no picture was involved, and the PDQ and MD5 are what lets the
    # platform find and report the content, as NCMEC's Take It Down hashes do.
    # Data minimisation, as for every platform-facing list (selectors.notices_hash_rows): where verification
    # linked this notice's URLs to particular reference images, only those images' fingerprints; with nothing
    # linked, every image (any may be the one shown). Never the SHA-256 of the victim's original file.
    linked = {
        int(loc.match_evidence["reference_image_id"])
        for loc in locations
        if isinstance(loc.match_evidence, dict)
        and loc.match_evidence.get("status") == "match"
        and loc.match_evidence.get("reference_image_id")
    }
    return tuple(
        ImageHashes(label=f"Image {i}", pdq=img.pdq, pdq_quality=img.pdq_quality, md5=img.md5, phash=img.phash)
        for i, img in enumerate(images, start=1)
        if (not linked or img.pk in linked) and (not case.is_minor_content or img.computed_on == ComputedOn.DEVICE)
    )


def _escalated(notice: Notice) -> EscalatedNotice | None:
    if not notice.escalates_id:
        return None
    ignored = notice.escalates
    return EscalatedNotice(
        reference=ignored.reference,
        platform_name=ignored.platform.name,
        sent_at=ignored.sent_at,
        due_at=ignored.due_at,
        status=ignored.status,
        channel=ignored.channel,
        statutory_due_at=ignored.statutory_due_at,
    )


def _case_facts(case, regimes: tuple[str, ...]) -> dict:
    """What the filer said: statement, signature, who files, attestations (the case's side of the notice)."""
    attestations = case.attestations or {}
    return {
        "good_faith_statement": (case.good_faith_statement or "").strip(),
        "context": (case.context or "").strip(),
        "signature_name": (case.signature_name or "").strip(),
        "signed_at": case.signed_at,
        "filer_type": case.filer_type,
        "representative_name": (case.representative_name or "").strip(),
        "representative_relationship": (case.representative_relationship or "").strip(),
        "representative_authority": (case.representative_authority or "").strip(),
        "contact_private": case.contact_private,
        "is_synthetic": case.is_synthetic,
        "is_threatened": case.is_threatened,
        "is_minor_content": case.is_minor_content,
        "minor_age_uncertain": case.is_minor_content and attestations.get("under_18") == "unsure",
        "attest_good_faith": attestations.get("good_faith") is True,
        "attest_accuracy": attestations.get("accuracy") is True,
        "attest_perjury": attestations.get("perjury") is True,
        "copyrighted_work": _copyrighted_work(case, attestations),
        # DSA Art. 22 is the operator's own designation: claimed only when the operator itself files (an organisation
        # filer named as the operator); whether the recipient is an online platform reached through its Art. 16
        # mechanism is decided with the platform's facts (_trusted_flagger).
        "trusted_flagger": (getattr(settings, "NOTICES_TRUSTED_FLAGGER", "") or "").strip()
        if Regime.EU in regimes
        and case.filer_type == FilerType.ORGANISATION
        and " ".join((case.representative_name or "").split()).casefold()
        == " ".join((settings.OPERATOR_NAME or "").split()).casefold()
        else "",
        "jurisdiction": case.jurisdiction or "",
        # No case field yet: a member state recorded with the attestations (an API or advocate step) is used.
        "member_state": str(attestations.get("member_state") or "").upper()[:2],
    }


def _trusted_flagger(facts: dict, platform, *, upstream: bool) -> dict:
    """DSA Art. 22(1): priority applies to notices a trusted flagger submits "through the mechanisms referred to in
    Article 16" to a provider of an online platform (Art. 3(i)): a platform notice (never an upstream one) to a
    recipient the registry calls user-to-user and lists under the EU."""
    online_platform = platform.service_type == "user_to_user" and "EU" in (platform.regimes or ())
    if upstream or not online_platform:
        facts = {**facts, "trusted_flagger": ""}
    return facts


def _dmca_facts(case) -> dict:
    """A DMCA notice is signed by the operator, as the copyright owner's authorised agent (17 U.S.C.
    512(c)(3)(A)(i): "a person authorized to act on behalf of the owner"), whether the victim asked for it at
    intake or an advocate chose it: the accuracy and perjury statements (512(c)(3)(A)(vi)) are then the
    operator's own, made on the victim's authorisation (intake) or the advocate's statements (the DMCA step),
    and never shown as the victim's."""
    attestations = case.attestations or {}
    operator = operator_from_settings()
    authorised = attestations.get("dmca_alongside") is True or attestations.get("perjury") is True
    return {
        "signature_name": operator.name,
        "attest_accuracy": authorised,
        "attest_perjury": authorised,
        "dmca_owner_name": (case.signature_name or "").strip() if attestations.get("dmca_show_name") is True else "",
    }


def _platform_facts(platform) -> dict:
    """What the registry (and host identification) knows about the recipient."""
    facts = platform.provider_facts or {}
    return {
        "platform_name": platform.name,
        "provider_country": str(facts.get("country") or "").upper(),
        "provider_registrar_id": str(facts.get("registrar_iana_id") or ""),
        "provider_cdn_slug": str(facts.get("cdn_slug") or ""),
        "provider_webform_url": (platform.webform_url or "").strip(),
        "tida_covered": platform.tida_covered,
        "policy_name": (platform.policy_name or "").strip(),
        "policy_url": (platform.policy_url or "").strip(),
        "platform_hours": platform.response_hours,
        "hash_programmes": tuple(str(p) for p in (platform.hash_programmes or [])),
        "service_type": platform.service_type or "",
    }


def operator_from_settings() -> Operator:
    return Operator(
        name=settings.OPERATOR_NAME,
        postal_address=settings.OPERATOR_POSTAL_ADDRESS,
        email=settings.OPERATOR_EMAIL,
        phone=settings.OPERATOR_PHONE,
        website=settings.OPERATOR_WEBSITE,
    )


_IMAGE_EXT = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".avif", ".bmp"}
_VIDEO_EXT = {".mp4", ".mov", ".webm", ".m4v", ".mkv", ".avi", ".gifv"}


def _location_item(
    loc: ReportedLocation, hashes: tuple[ImageHashes, ...], labels_by_sha256: dict[str, str]
) -> LocationItem:
    """One row of the reviewer's table. The match evidence (written by the verifier) names the media type
    and the matched reference image by its SHA-256; without it the type is guessed from the file extension
    and said to be so."""
    evidence = loc.match_evidence if isinstance(loc.match_evidence, dict) else {}
    media = str(evidence.get("media_type") or evidence.get("content_type") or "").split(";")[0].strip()
    if not media:
        suffix = PurePosixPath(urlsplit(loc.url).path).suffix.lower()
        media = "image (from the file name)" if suffix in _IMAGE_EXT else ""
        media = media or ("video (from the file name)" if suffix in _VIDEO_EXT else "page (not yet checked)")
    # The verifier numbers the matched reference as the notice does ("Image N"); older evidence gave its SHA-256.
    number = evidence.get("reference_number") if evidence.get("status") == "match" else None
    ref_sha = str(evidence.get("reference_sha256") or "")
    # The SHA-256 is matched here, never shared: the reviewer reads the image's label and its shareable hashes.
    label = f"Image {number}" if number else (labels_by_sha256.get(ref_sha, "") if ref_sha else "")
    return LocationItem(
        url=loc.url,
        uploader_handle=loc.uploader_handle.strip(),
        match_evidence=tuple((k, v) for k, v in sorted(evidence.items()) if isinstance(v, str | int | float)),
        media_type=media,
        reference_label=label,
        likeness=bool(getattr(loc, "found_by_likeness", False)),
    )


def _copyrighted_work(case, attestations: dict) -> str:
    # No model field yet: a future encrypted Case.copyrighted_work wins; until
    # then the DMCA step stores the description in the attestations.
    value = getattr(case, "copyrighted_work", "") or attestations.get("copyrighted_work") or ""
    if not value and attestations.get("dmca_alongside") is True:
        # 512(c)(3)(A)(ii): identification of the work. The victim said at intake that they made it.
        value = "The original photo or video, made by the copyright owner, of which the material listed is a copy."
    return str(value).strip()
