"""Writes on cases: creation, references and access codes."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

import hashing
from takedowns.audit import event_record
from takedowns.models import (
    ActorKind,
    Case,
    CaseState,
    EventType,
    FilerType,
    Jurisdiction,
    Platform,
    PlatformKind,
    ReferenceImage,
    ReportedLocation,
)
from takedowns.services.exchange import exchange_case_sync
from takedowns.services.fingerprints import DeviceFingerprint, FingerprintError, fingerprints_check
from takedowns.services.hosts import hosts_identify_request
from takedowns.services.images import image_add, image_add_fingerprint, image_upload_check
from takedowns.services.notices import case_notices_prepare_enqueue
from takedowns.urlnorm import PlatformMatcher, UrlError, host_of, normalise_url

# Crockford-style alphabet without 0/O, 1/I/L and U: read aloud over a helpline without mistakes.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def case_reference_generate() -> str:
    # 8 symbols of 30 = ~39 bits: not enumerable by guessing, and never sequential.
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"RC-{chars[:4]}-{chars[4:]}"


def access_code_generate() -> str:
    # 16 symbols of 30 = ~78 bits, shown as four groups; stored only as a password hash.
    chars = "".join(secrets.choice(ALPHABET) for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def access_code_normalise(raw: str) -> str:
    """People type codes with spaces, lower case or without dashes; all of these mean the same code."""
    cleaned = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    # Letters people commonly confuse map onto the symbols we do issue.
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"}))
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def reference_normalise(raw: str) -> str:
    cleaned = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    if cleaned.startswith("RC"):
        cleaned = cleaned[2:]
    return f"RC-{cleaned[:4]}-{cleaned[4:]}" if len(cleaned) == 8 else (raw or "").strip().upper()


def case_check_access_code(*, case: Case, code: str) -> bool:
    return check_password(access_code_normalise(code), case.access_code_hash)


# takedowns/hashers.py: access codes are random (~78 bits), so they need no deliberately slow hash.
ACCESS_CODE_HASHER = "pbkdf2_sha256_code"


def access_code_hash(code: str) -> str:
    return make_password(access_code_normalise(code), hasher=ACCESS_CODE_HASHER)


@functools.cache
def _unknown_case_code_hash() -> str:
    return access_code_hash(access_code_generate())


def case_for_access_code(*, reference: str, code: str) -> Case | None:
    """The case whose reference and access code these are, or None. An unknown reference costs the same
    password-hash work as a known one, so the time taken does not tell whether a case exists."""
    case = Case.objects.filter(reference=reference_normalise(reference)).exclude(state=CaseState.DRAFT).first()
    if case is None:
        check_password(access_code_normalise(code), _unknown_case_code_hash())
        return None
    return case if case_check_access_code(case=case, code=code) else None


@dataclass(frozen=True)
class CaseCreated:
    case: Case
    access_code: str


def platform_matcher() -> PlatformMatcher:
    # Providers (CDN, host, registrar rows made from host lookups) have no domains and are never a URL's platform.
    return PlatformMatcher(
        (p.slug, p.domains) for p in Platform.objects.filter(kind=PlatformKind.PLATFORM).only("slug", "domains")
    )


def locations_add(
    *, case: Case, urls: Iterable[str | tuple[str, str]], actor_kind: str, actor_user=None
) -> list[ReportedLocation]:
    """Add URLs (optionally with an uploader handle) to a case; already-known URLs are skipped.

    A withdrawn or erased case takes no new URLs, whoever asks (the victim's page, an advocate, the API): the
    person asked for it to stop, and an erased case has nothing left to send a notice for."""
    if case.state in CASE_STATES_WITHOUT_NEW_URLS:
        raise CaseClosedError(case.state)
    # One read of the registry for both the matcher and the rows (it was read twice per filing).
    platforms = {p.slug: p for p in Platform.objects.filter(kind=PlatformKind.PLATFORM)}
    matcher = PlatformMatcher((p.slug, p.domains) for p in platforms.values())
    existing = set(case.locations.values_list("url", flat=True))
    new: list[ReportedLocation] = []
    for item in urls:
        raw, handle = (item, "") if isinstance(item, str) else item
        url = normalise_url(raw)
        if url in existing:
            continue
        existing.add(url)
        slug = matcher.detect(url)
        new.append(
            ReportedLocation(
                case=case,
                url=url,
                host=host_of(url),
                platform=platforms.get(slug) if slug else None,
                uploader_handle=(handle or "").strip()[:200],
            )
        )
    # One INSERT for all of them (PostgreSQL and SQLite >= 3.35 return the new ids); no signal listens to them.
    added: list[ReportedLocation] = ReportedLocation.objects.bulk_create(new) if new else []
    if added:
        event_record(
            type=EventType.CASE_LOCATIONS_ADDED,
            actor_kind=actor_kind,
            actor_user=actor_user,
            case=case,
            data={"count": len(added), "location_ids": [loc.pk for loc in added]},
        )
        hosts_identify_request(locations=added)
    return added


def _case_created_record(*, case: Case, actor_kind: str, actor_user) -> None:
    """Audit a new case with the facts that decide how it is handled (never its personal text)."""
    event_record(
        type=EventType.CASE_CREATED,
        actor_kind=actor_kind,
        actor_user=actor_user,
        case=case,
        data={
            "filer_type": case.filer_type,
            "jurisdiction": case.jurisdiction,
            "is_minor_content": case.is_minor_content,
            "share_with_platforms": case.share_with_platforms,
        },
    )


def case_create(
    *,
    filer_type: str = FilerType.SELF,
    victim_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    contact_private: bool = True,
    representative_name: str = "",
    representative_relationship: str = "",
    representative_authority: str = "",
    good_faith_statement: str = "",
    context: str = "",
    signature_name: str = "",
    attestations: dict | None = None,
    jurisdiction: str = Jurisdiction.US,
    language: str = "en",
    is_synthetic: bool = False,
    is_threatened: bool = False,
    is_minor_content: bool = False,
    share_with_platforms: bool = False,
    urls: Iterable[str | tuple[str, str]] = (),
    actor_kind: str = ActorKind.VICTIM,
    actor_user=None,
    submission_key: str | None = None,
) -> CaseCreated:
    """Create a case with its locations; returns the case and its access code (the only time it exists in
    clear). A repeated ``submission_key`` returns the case made the first time, without an access code."""
    if submission_key:
        existing = Case.objects.filter(submission_key=submission_key).first()
        if existing:
            return CaseCreated(case=existing, access_code="")
    code = access_code_generate()
    now = timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    reference=case_reference_generate(),
                    access_code_hash=access_code_hash(code),
                    state=CaseState.OPEN,
                    filer_type=filer_type,
                    victim_name=victim_name,
                    contact_email=contact_email,
                    contact_phone=contact_phone,
                    contact_private=contact_private,
                    representative_name=representative_name,
                    representative_relationship=representative_relationship,
                    representative_authority=representative_authority,
                    good_faith_statement=good_faith_statement,
                    context=context,
                    signature_name=signature_name,
                    signed_at=now if signature_name else None,
                    attestations=attestations or {},
                    jurisdiction=jurisdiction,
                    language=language,
                    is_synthetic=is_synthetic,
                    is_threatened=is_threatened,
                    is_minor_content=is_minor_content,
                    share_with_platforms=share_with_platforms,
                    created_by=actor_user if getattr(actor_user, "is_authenticated", False) else None,
                    assigned_advocate=actor_user if actor_kind == ActorKind.ADVOCATE else None,
                    submission_key=submission_key,
                )
                _case_created_record(case=case, actor_kind=actor_kind, actor_user=actor_user)
                locations_add(case=case, urls=urls, actor_kind=actor_kind, actor_user=actor_user)
            return CaseCreated(case=case, access_code=code)
        except IntegrityError:
            if submission_key and Case.objects.filter(submission_key=submission_key).exists():
                return CaseCreated(case=Case.objects.get(submission_key=submission_key), access_code="")
            continue  # a reference collision (one in ~10^11): draw another
    raise RuntimeError("Could not allocate a unique case reference.")


def case_dmca_attestations(
    *, self_taken: bool | None, dmca_alongside: bool, dmca_show_name: bool, is_minor_content: bool
) -> dict:
    """The copyright answers as stored in ``Case.attestations``: whether the person shown took the picture, and
    their authorisation for the operator to sign a DMCA notice as the owner's agent (17 U.S.C. 512(c)(3)(A)(i)),
    sent alongside the platform notices. Never for content made under 18 (reported as apparent child sexual abuse
    material, not as a copyright claim)."""
    values: dict = {} if self_taken is None else {"self_taken": self_taken}
    if self_taken and dmca_alongside and not is_minor_content:
        values |= {"dmca_alongside": True, "dmca_show_name": dmca_show_name}
    return values


CASE_STATES_WITHOUT_NEW_URLS = (CaseState.WITHDRAWN, CaseState.ERASED)


class CaseClosedError(ValueError):
    """The case no longer takes new URLs (withdrawn or erased)."""

    def __init__(self, state: str):
        self.state = state
        super().__init__(f"This case is {state}: it takes no new URLs.")


class CaseInputError(ValueError):
    """Input refused field by field: ``errors`` maps a field name to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


def urls_check(raw_urls: list[str], *, limit: int = 200) -> list[str]:
    """Normalise a list of URLs; raise CaseInputError naming each bad one."""

    if len(raw_urls) > limit:
        raise CaseInputError({"urls": [f"At most {limit} URLs at a time ({len(raw_urls)} given)."]})
    good, errors = [], []
    for index, raw in enumerate(raw_urls):
        try:
            good.append(normalise_url(raw))
        except UrlError as exc:
            errors.append(f"URL {index + 1} ({raw[:100]!r}): {exc.message}")
    if errors:
        raise CaseInputError({"urls": errors})
    return good


def case_file_by_advocate(
    *, fields: dict, urls: list[str], uploads: list, actor_user, fingerprints: list | None = None
) -> CaseCreated:
    """File a case for a victim (the API): every URL and image is checked before anything is stored, then
    the case, its images (hashed in the background) and its notice drafting are created in one transaction."""
    errors: dict[str, list[str]] = {}
    try:
        urls = urls_check(urls)
    except CaseInputError as exc:
        errors.update(exc.errors)
    if fields.get("is_minor_content") and uploads:
        errors["images"] = [
            "No images can be accepted for content made when the person was under 18. Send URLs only; "
            "NCMEC's Take It Down hashes images on the person's own device."
        ]
    elif len(uploads) > settings.IMAGE_MAX_PER_CASE:
        errors["images"] = [f"At most {settings.IMAGE_MAX_PER_CASE} images per case ({len(uploads)} given)."]
    device: list[DeviceFingerprint] = []
    try:
        # Fingerprints made on the victim's device share the case's room for pictures with any uploads.
        device = fingerprints_check(value=fingerprints or [], existing=len(uploads))
    except FingerprintError as exc:
        errors["fingerprints"] = [f"{exc.field}: {exc.message}"]
    checked = []
    if "images" not in errors:
        image_errors = []
        for index, upload in enumerate(uploads):
            try:
                checked.append(image_upload_check(upload=upload))
            except hashing.HashingError as exc:
                image_errors.append(f"Image {index + 1}: {exc.message}")
        if image_errors:
            errors["images"] = image_errors
    if errors:
        raise CaseInputError(errors)
    with transaction.atomic():
        created = case_create(**fields, urls=urls, actor_kind=ActorKind.ADVOCATE, actor_user=actor_user)
        for item in checked:
            image_add(
                case=created.case,
                data=item.data,
                image_format=item.image_format,
                keep_as_evidence=False,
                actor_kind=ActorKind.ADVOCATE,
                actor_user=actor_user,
            )
        for fingerprint in device:
            image_add_fingerprint(
                case=created.case, fingerprint=fingerprint, actor_kind=ActorKind.ADVOCATE, actor_user=actor_user
            )
        case_notices_prepare_enqueue(case=created.case)
        exchange_case_sync(case=created.case, actor_kind=ActorKind.ADVOCATE, actor_user=actor_user)
    return created


def case_locations_add_and_prepare(
    *, case: Case, urls: list[str], actor_kind: str, actor_user=None
) -> list[ReportedLocation]:
    """New URLs on a case, and their notices drafted in the background once the URLs are committed. Raises what
    :func:`locations_add` raises (a case closed meanwhile takes no new URL)."""
    with transaction.atomic():
        added = locations_add(case=case, urls=urls, actor_kind=actor_kind, actor_user=actor_user)
        case_notices_prepare_enqueue(case=case)
    return added


def case_pictures_add(
    *, case: Case, uploads: list, fingerprints, actor_kind: str, actor_user=None
) -> list[ReferenceImage]:
    """Add pictures and/or device-made fingerprint records to an open case: everything is checked before
    anything is stored. A case about content made under 18 takes fingerprints only, never a picture."""
    errors: dict[str, list[str]] = {}
    existing = case.images.count()
    if case.is_minor_content and uploads:
        errors["images"] = [
            "No images can be accepted for content made when the person was under 18; send fingerprints made "
            "on the person's device instead."
        ]
    elif existing + len(uploads) > settings.IMAGE_MAX_PER_CASE:
        errors["images"] = [f"At most {settings.IMAGE_MAX_PER_CASE} images per case ({existing} already held)."]
    checked = []
    if "images" not in errors:
        for index, upload in enumerate(uploads):
            try:
                checked.append(image_upload_check(upload=upload))
            except hashing.HashingError as exc:
                errors.setdefault("images", []).append(f"Image {index + 1}: {exc.message}")
    device: list[DeviceFingerprint] = []
    try:
        device = fingerprints_check(value=fingerprints or [], existing=existing + len(uploads))
    except FingerprintError as exc:
        errors["fingerprints"] = [f"{exc.field}: {exc.message}"]
    if not errors and not (checked or device):
        errors["images"] = ["Send at least one image or fingerprint record."]
    if errors:
        raise CaseInputError(errors)
    added = []
    with transaction.atomic():
        for item in checked:
            added.append(
                image_add(
                    case=case,
                    data=item.data,
                    image_format=item.image_format,
                    keep_as_evidence=False,
                    actor_kind=actor_kind,
                    actor_user=actor_user,
                )
            )
        for fingerprint in device:
            added.append(
                image_add_fingerprint(case=case, fingerprint=fingerprint, actor_kind=actor_kind, actor_user=actor_user)
            )
    return added
