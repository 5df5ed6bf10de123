"""What a notice says: the facts gathered from the database once, and whether they make a complete notice.

:func:`notice_content` reads a notice, its case, platform, locations and the case's hashed reference images
in a constant number of queries and returns a frozen :class:`NoticeContent` with plain values only (no ORM
objects), so rendering is pure, cacheable and benchmarkable.

Privacy: when the victim keeps their contact private (the default), the content holds the per-notice relay
address and no trace of the victim's own e-mail or phone, so no renderer can leak them by mistake. The
victim's legal name is never copied in: the signature (a typed name the victim chose) is what the law asks.

:func:`check_completeness` lists, per regime, the required elements that are present and those that are
missing with a plain-words hint of where to fix each one. A notice with anything missing must not be sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from takedowns.models import ComputedOn, FilerType, ImageState, Notice, ReferenceImage, Regime, ReportedLocation
from takedowns.notices.fonts import unprintable
from takedowns.notices.regimes import RegimeSpec, regime_for
from takedowns.notices.tokens import relay_address, response_link


@dataclass(frozen=True)
class LocationItem:
    url: str
    uploader_handle: str = ""
    # The plain (key, value) pairs of the location's match evidence; worded by notices.evidence.
    match_evidence: tuple[tuple[str, str | int | float | bool | None], ...] = ()
    # For the reviewer's table: what the URL shows, and which reference image (by label) it matched.
    media_type: str = ""
    reference_label: str = ""

    @property
    def is_bare_domain(self) -> bool:
        # A bare domain ("https://site.example/") cannot be acted on: the law asks for the exact location.
        return is_bare_domain(self.url)


@dataclass(frozen=True)
class ImageHashes:
    label: str
    pdq: str = ""
    pdq_quality: int | None = None
    md5: str = ""
    phash: str = ""
    sha256: str = ""

    @property
    def pdq_low_confidence(self) -> bool:
        # PDQ's own guidance: hashes with quality below 50 are unreliable for matching (flat or tiny images).
        return self.pdq_quality is not None and self.pdq_quality < PDQ_MIN_QUALITY


PDQ_MIN_QUALITY = 50


@dataclass(frozen=True)
class Operator:
    """Who runs the portal and sends the notice (settings.OPERATOR_*): a reviewer's first question."""

    name: str = ""
    postal_address: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""


@dataclass(frozen=True)
class EscalatedNotice:
    """For an upstream notice (issue 14): the platform notice that was ignored, as the provider reads it."""

    reference: str
    platform_name: str
    sent_at: datetime | None
    due_at: datetime | None
    status: str
    channel: str


@dataclass(frozen=True)
class NoticeContent:
    """Everything a notice says, as plain values. Build with :func:`notice_content`."""

    notice_id: int
    reference: str
    case_reference: str
    regime: str
    platform_name: str
    channel: str
    generated_at: datetime
    locations: tuple[LocationItem, ...] = ()
    hashes: tuple[ImageHashes, ...] = ()
    good_faith_statement: str = ""
    context: str = ""
    signature_name: str = ""
    signed_at: datetime | None = None
    filer_type: str = FilerType.SELF
    representative_name: str = ""
    representative_relationship: str = ""
    representative_authority: str = ""
    contact_private: bool = True
    contact_email: str = ""
    contact_phone: str = ""
    response_hours: int = 48
    deadline_at: datetime | None = None
    # True for a draft or preview: the clock has not started and the date is what it would be if sent now.
    deadline_projected: bool = True
    sent_at: datetime | None = None
    response_link: str = ""
    is_synthetic: bool = False
    is_threatened: bool = False
    is_minor_content: bool = False
    attest_good_faith: bool = False
    attest_accuracy: bool = False
    attest_perjury: bool = False
    copyrighted_work: str = ""
    # The organisation's Art. 22 DSA designation, when it holds one (settings.NOTICES_TRUSTED_FLAGGER).
    trusted_flagger: str = ""
    # Tests and previews may blank the regime's cited statute to prove completeness notices it.
    statute: str = ""
    section: str = ""
    # Issue 10: every regime cited (``regime`` first), whether TIDA binds the recipient, the platform's own
    # policy, who sends the notice, and the facts that decide conditional legal sentences.
    regimes: tuple[str, ...] = ()
    tida_covered: bool | None = None
    uk_duty_in_force: bool = False
    jurisdiction: str = ""
    policy_name: str = ""
    policy_url: str = ""
    operator: Operator = field(default_factory=Operator)
    dsa_target_hours: int = 48
    platform_hours: int = 48
    # Issue 14: "platform", or "cdn" / "host" / "registrar" for an upstream notice, with the ignored notice and
    # what the host identification found about the provider (country, registrar IANA id, CDN, hosts served).
    kind: str = "platform"
    escalated: EscalatedNotice | None = None
    provider_country: str = ""
    provider_registrar_id: str = ""
    provider_cdn_slug: str = ""
    provider_webform_url: str = ""
    # The hash-sharing programmes the recipient takes hashes from ("stopncii", "takeitdown"; the registry).
    hash_programmes: tuple[str, ...] = ()

    @property
    def spec(self) -> RegimeSpec:
        return regime_for(self.regime)

    @property
    def specs(self) -> tuple[RegimeSpec, ...]:
        return tuple(regime_for(code) for code in (self.regimes or (self.regime,)))

    @property
    def cites(self) -> frozenset[str]:
        return frozenset(self.regimes or (self.regime,))

    @property
    def is_organisation(self) -> bool:
        return self.filer_type == FilerType.ORGANISATION

    @property
    def urls(self) -> tuple[str, ...]:
        return tuple(loc.url for loc in self.locations)

    @property
    def is_representative(self) -> bool:
        # An organisation acts for the person shown too: same signature and authority rules.
        return self.filer_type in (FilerType.REPRESENTATIVE, FilerType.ORGANISATION)


def is_bare_domain(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return True
    return not parts.netloc or (parts.path in ("", "/") and not parts.query and not parts.fragment)


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
    # An upstream notice may be forwarded to the site's operator: it never carries the victim's own contact.
    if case.contact_private or upstream:
        contact_email, contact_phone = relay_address(notice), ""
    else:
        contact_email, contact_phone = case.contact_email or "", case.contact_phone or ""

    if notice.due_at is not None:
        deadline_at, projected = notice.due_at, False
    else:
        deadline_at, projected = now + timedelta(hours=notice.response_hours), True

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
    hashes = tuple(
        ImageHashes(label=f"Image {i}", pdq=img.pdq, pdq_quality=img.pdq_quality, md5=img.md5, phash=img.phash)
        for i, img in enumerate(images, start=1)
        if (not linked or img.pk in linked) and (not case.is_minor_content or img.computed_on == ComputedOn.DEVICE)
    )

    attestations = case.attestations or {}
    escalated = None
    if upstream and notice.escalates_id:
        ignored = notice.escalates
        escalated = EscalatedNotice(
            reference=ignored.reference,
            platform_name=ignored.platform.name,
            sent_at=ignored.sent_at,
            due_at=ignored.due_at,
            status=ignored.status,
            channel=ignored.channel,
        )
    facts = platform.provider_facts or {}
    return NoticeContent(
        kind=notice.kind,
        escalated=escalated,
        provider_country=str(facts.get("country") or "").upper(),
        provider_registrar_id=str(facts.get("registrar_iana_id") or ""),
        provider_cdn_slug=str(facts.get("cdn_slug") or ""),
        provider_webform_url=(platform.webform_url or "").strip(),
        notice_id=notice.pk,
        reference=notice.reference,
        case_reference=case.reference,
        regime=spec.code,
        platform_name=platform.name,
        channel=notice.channel,
        generated_at=now,
        locations=tuple(
            _location_item(loc, hashes, {img.sha256: f"Image {i}" for i, img in enumerate(images, start=1)})
            for loc in locations
        ),
        hashes=hashes,
        good_faith_statement=(case.good_faith_statement or "").strip(),
        context=(case.context or "").strip(),
        signature_name=(case.signature_name or "").strip(),
        signed_at=case.signed_at,
        filer_type=case.filer_type,
        representative_name=(case.representative_name or "").strip(),
        representative_relationship=(case.representative_relationship or "").strip(),
        representative_authority=(case.representative_authority or "").strip(),
        contact_private=case.contact_private,
        contact_email=contact_email.strip(),
        contact_phone=contact_phone.strip(),
        response_hours=notice.response_hours,
        deadline_at=deadline_at,
        deadline_projected=projected,
        sent_at=notice.sent_at,
        response_link=response_link(notice),
        is_synthetic=case.is_synthetic,
        is_threatened=case.is_threatened,
        is_minor_content=case.is_minor_content,
        attest_good_faith=attestations.get("good_faith") is True,
        attest_accuracy=attestations.get("accuracy") is True,
        attest_perjury=attestations.get("perjury") is True,
        copyrighted_work=_copyrighted_work(case, attestations),
        # DSA Art. 22: the status belongs to the organisation, so only a notice it files as itself claims it.
        trusted_flagger=(getattr(settings, "NOTICES_TRUSTED_FLAGGER", "") or "").strip()
        if Regime.EU in regimes and case.filer_type == FilerType.ORGANISATION
        else "",
        statute=spec.statute,
        section=spec.section,
        regimes=regimes,
        tida_covered=platform.tida_covered,
        uk_duty_in_force=bool(getattr(settings, "NOTICES_UK_48H_IN_FORCE", False)),
        jurisdiction=case.jurisdiction or "",
        policy_name=(platform.policy_name or "").strip(),
        policy_url=(platform.policy_url or "").strip(),
        operator=operator_from_settings(),
        dsa_target_hours=int(getattr(settings, "NOTICES_DSA_TARGET_HOURS", 48)),
        platform_hours=platform.response_hours,
        hash_programmes=tuple(str(p) for p in (platform.hash_programmes or [])),
    )


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
    )


def _copyrighted_work(case, attestations: dict) -> str:
    # No model field yet (see the report of issue 5): a future encrypted Case.copyrighted_work wins; until
    # then the DMCA step stores the description in the attestations.
    value = getattr(case, "copyrighted_work", "") or attestations.get("copyrighted_work") or ""
    return str(value).strip()


# --- completeness ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Element:
    key: str
    label: str
    fix_hint: str


@dataclass(frozen=True)
class Completeness:
    regime: str
    present: tuple[Element, ...]
    missing: tuple[Element, ...]

    @property
    def is_complete(self) -> bool:
        return not self.missing

    @property
    def missing_keys(self) -> tuple[str, ...]:
        return tuple(e.key for e in self.missing)

    @property
    def present_keys(self) -> tuple[str, ...]:
        return tuple(e.key for e in self.present)


def _element(key: str, content: NoticeContent) -> Element:
    """Label and fix hint of one element; some hints name the exact offending value."""
    bare = [loc.url for loc in content.locations if loc.is_bare_domain]
    texts: dict[str, tuple[str, str]] = {
        "signature": (
            _("Signature"),
            _("Add your full name as your signature on the 'Statement and signature' step.")
            if content.signature_name
            else _("Add your full name as your signature on the 'Statement and signature' step, and tick the box."),
        ),
        "representative": (
            _("Who is acting and on what authority"),
            _(
                "You are filing for someone else: on the 'Who is filing' step, add your name, your relationship "
                "to the person shown and why you may act for them."
            ),
        ),
        "location": (
            _("Exact location of the content (URLs)"),
            _("Replace these bare web addresses with the exact page or post address on the 'Where it is' step: ")
            + ", ".join(bare)
            if bare
            else _(
                "Add at least one exact web address (the page or post, not just the site) on the 'Where it is' step."
            ),
        ),
        "good_faith": (
            _("Good-faith statement"),
            _("Confirm the good-faith statement on the 'Statement and signature' step."),
        ),
        "contact": (
            _("Contact information"),
            _(
                "Add an e-mail address or phone number on the 'How we reach you' step, or let the portal be the "
                "contact route (keep your contact private)."
            ),
        ),
        "explanation": (
            _("Explanation of why the content is illegal"),
            _("Confirm the statement that the image was shared without consent on the 'Statement and signature' step."),
        ),
        "notifier": (
            _("Name and e-mail address of the person sending the notice"),
            _(
                "Add your full name on the 'Statement and signature' step and an e-mail address on the 'How we "
                "reach you' step (or keep your contact private so the portal's relay address is used)."
            ),
        ),
        "bona_fide": (
            _("Statement that the notice is accurate and complete"),
            _("Tick 'The information I gave is accurate and complete' on the 'Statement and signature' step."),
        ),
        "s66b_basis": (
            _("Legal basis (s.66B Sexual Offences Act 2003)"),
            _("Ask an advocate to check the notice's legal basis: the UK template has lost its s.66B wording."),
        ),
        "copyrighted_work": (
            _("Identification of the copyrighted work"),
            _(
                "Describe the original photo or video the person shown took (for example 'a photo I took of myself "
                "in 2023') on the advocate's DMCA step."
            ),
        ),
        "perjury": (
            _("Accuracy and authority statement under penalty of perjury"),
            _(
                "Tick both 'The information is accurate' and 'Under penalty of perjury, I am authorised to act for "
                "the copyright owner' on the advocate's DMCA step."
            ),
        ),
        "statute": (
            _("Statute and section"),
            _("Choose the legal route (regime) for this notice on the notice review page."),
        ),
        "deadline": (
            _("Deadline"),
            _("Set the platform's response hours in the platform registry, then review the notice again."),
        ),
        "response_link": (
            _("Response link for the platform"),
            _("Save the notice (drafts get their response link once saved), then review it again."),
        ),
        "printable": (
            _("Characters the PDF can show"),
            _(
                "The notice's PDF cannot show these characters: %(chars)s. Write the name or statement in another "
                "script (for example in Latin letters), or ask an advocate."
            )
            % {"chars": " ".join(unprintable(_typed_text(content)))},
        ),
        "reference": (
            _("Notice reference"),
            _("Save the notice so it gets its reference, then review it again."),
        ),
        "operator": (
            _("Who sends the notice"),
            _("Set OPERATOR_NAME and OPERATOR_EMAIL: an upstream notice is sent in the organisation's name."),
        ),
        "escalated": (
            _("The platform notice that was ignored"),
            _("An upstream notice follows a delivered platform notice: send that one first."),
        ),
    }
    label, hint = texts[key]
    return Element(key=key, label=str(label), fix_hint=str(hint))


def _has(key: str, c: NoticeContent) -> bool:
    match key:
        case "signature":
            return bool(c.signature_name) and c.signed_at is not None
        case "representative":
            return bool(c.representative_name and c.representative_authority)
        case "location":
            return bool(c.locations) and not any(loc.is_bare_domain for loc in c.locations)
        case "good_faith" | "explanation":
            return bool(c.good_faith_statement)
        case "contact":
            return bool(c.contact_email or c.contact_phone)
        case "notifier":
            name = c.representative_name if c.is_representative else c.signature_name
            return bool(name) and "@" in c.contact_email
        case "bona_fide":
            return c.attest_accuracy
        case "s66b_basis":
            # The primary regime's statute is on the content (previews may blank it); the others from specs.
            return any("66B" in statute for statute in (c.statute, *(s.statute for s in c.specs[1:])))
        case "copyrighted_work":
            return bool(c.copyrighted_work)
        case "perjury":
            return c.attest_perjury and c.attest_accuracy
        case "statute":
            return bool(c.statute and c.section)
        case "deadline":
            return c.deadline_at is not None and c.response_hours > 0
        case "response_link":
            return "/respond/" in c.response_link
        case "reference":
            return bool(c.reference) and bool(c.notice_id)
        case "printable":
            return not unprintable(_typed_text(c))
        case "operator":
            return bool(c.operator.name and "@" in c.operator.email)
        case "escalated":
            return c.escalated is not None and c.escalated.sent_at is not None
    raise KeyError(key)


def _typed_text(c: NoticeContent) -> str:
    """Everything in the notice that someone typed (the rest is our own, printable, wording)."""
    parts = [
        c.platform_name,
        c.signature_name,
        c.representative_name,
        c.representative_relationship,
        c.representative_authority,
        c.good_faith_statement,
        c.context,
        c.copyrighted_work,
        c.contact_email,
        c.contact_phone,
        c.policy_name,
        c.trusted_flagger,
        c.operator.name,
        c.operator.postal_address,
        *(loc.url + " " + loc.uploader_handle + " " + loc.media_type for loc in c.locations),
    ]
    return "\n".join(parts)


# An upstream notice (issue 14) is sent by the organisation in its own name, about a platform notice that was
# delivered and ignored; DSA Art. 16(2) for an EU host is met by the same elements (the organisation is the
# notifier, its bona fide statement is its own).
UPSTREAM_REQUIRED = ("location", "escalated", "operator", "contact", "response_link", "reference", "printable")


def required_elements(content: NoticeContent) -> tuple[str, ...]:
    if content.kind != "platform":
        return UPSTREAM_REQUIRED
    # A notice citing several regimes needs every element of each (the union, in the order first met).
    keys: list[str] = []
    for spec in content.specs:
        keys += [key for key in spec.required if key not in keys]
    # The law asks a representative's signature to come with the basis of their authority (US (i)); the
    # other regimes have no rule, and the same facts answer the platform's first question anyway.
    if content.is_representative:
        keys.insert(keys.index("signature") + 1 if "signature" in keys else 0, "representative")
    return tuple(keys)


def check_completeness(content: NoticeContent) -> Completeness:
    """Which required elements of ``content``'s regime are present and which are missing."""
    present: list[Element] = []
    missing: list[Element] = []
    for key in required_elements(content):
        (present if _has(key, content) else missing).append(_element(key, content))
    return Completeness(regime=content.regime, present=tuple(present), missing=tuple(missing))
