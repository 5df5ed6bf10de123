"""The consented likeness search: enrol (consent + pictures), make the face template in the worker, compare
the faces of crawled pictures with every consenting open case's template, and forget everything on withdrawal,
erasure or closure.

What is kept, and for how long (BIPA 740 ILCS 14/15(a) asks for a public retention policy; docs/LIKENESS.md
states it): the pictures she chose only until the template is made (minutes); the template (encrypted, one
128-number vector per usable picture) while the case is open and she has not withdrawn; for a crawled face, only
a match — every other face is compared in memory and dropped. The consent row (text, version, when, by whom,
when withdrawn) stays as the record of consent; it holds no biometric data.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from hashing import faces as face_model
from hashing.decode import Limits
from hashing.errors import HashingError
from takedowns.audit import event_record
from takedowns.models import (
    ActorKind,
    Case,
    CaseState,
    CrawledImage,
    CrawlRun,
    EventType,
    FaceTemplate,
    Finding,
    FindingKind,
    FindingStatus,
    LikenessConsent,
    LikenessMatch,
    LikenessPicture,
    LikenessScanTally,
    TemplateState,
)
from takedowns.services.jobs import enqueue_on_commit

log = logging.getLogger(__name__)

TEMPLATE_TASK = "takedowns.tasks.likeness_template_make"
CONSENT_VERSION = "2026-12-1"
MIN_PICTURES, MAX_PICTURES = 1, 5
PICTURE_LIMITS = Limits(max_bytes=15_000_000, max_pixels=40_000_000)
# A crawled picture larger than this is not worth a face scan (the crawl's own cap is larger).
CRAWL_LIMITS = Limits(max_bytes=20_000_000, max_pixels=40_000_000)

CHILD_HOTLINES = (
    ("NCMEC Take It Down", "https://takeitdown.ncmec.org/"),
    ("NCMEC CyberTipline", "https://report.cybertip.org/"),
    ("Internet Watch Foundation", "https://report.iwf.org.uk/"),
    ("INHOPE (hotlines in other countries)", "https://www.inhope.org/EN#hotlineReferral"),
)


class LikenessError(ValueError):
    """Enrolment refused, with a reason the person can act on (``code`` for the API)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def consent_text() -> str:
    """The plain-words explanation she agrees to (stored verbatim with the case, with CONSENT_VERSION).

    Sources: GDPR Art. 9(1) (biometric data for identifying a person is special-category data), Art. 9(2)(a)
    (explicit consent) and Art. 7(3) (withdrawal at any time); Illinois BIPA 740 ILCS 14/15(b) (written
    release before collection) and 14/15(a) (retention and destruction); Texas Business and Commerce Code
    §503.001 (notice and consent before capture; destruction after the purpose ends); Washington RCW 19.375
    (notice and consent before enrolment)."""
    return "\n\n".join(
        [
            _(
                "What this does: from one to five pictures of your face that you choose, we make a face "
                "template — a list of 128 numbers that describes your face. It is not a picture and a picture "
                "cannot be rebuilt from it."
            ),
            _(
                "What it is used for, and nothing else: when we search the websites our advocates watch, we look "
                "for your face in the pictures there. Other people's faces are compared and forgotten at once. "
                "A picture that looks like you is shown to an advocate as a lead; nothing is reported to a "
                "website until an advocate has checked it."
            ),
            _(
                "How it is kept: your pictures are deleted as soon as the template is made. The template is "
                "encrypted, stays on our server, and is never given to a website, a platform or anyone else."
            ),
            _(
                "You can stop at any time: stop the search on your case page (or ask your advocate), and the "
                "template and the unchecked matches are deleted straight away. They are also deleted when your "
                "case is closed, withdrawn or erased."
            ),
            _(
                "The law: a face template is biometric data. We make it only with your explicit consent (EU and "
                "UK GDPR Article 9(2)(a); you may withdraw it under Article 7(3)). Ticking the box below is your "
                "written release under the Illinois Biometric Information Privacy Act (740 ILCS 14/15(b)) and "
                "your consent under Texas Business and Commerce Code §503.001 and Washington RCW 19.375."
            ),
        ]
    )


def likeness_offered(case: Case) -> bool:
    """Never for content made when the person was under 18: such material must not be searched for or viewed
    here; the page points to the child-protection hotlines instead."""
    return case.state == CaseState.OPEN and not case.is_minor_content


def _encode(vectors: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(vectors, dtype="<f4").tobytes()).decode("ascii")


def _decode(text: str, dimension: int) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4").reshape(-1, dimension)


def _delete_pictures(template: FaceTemplate) -> int:
    deleted = 0
    for picture in LikenessPicture.objects.filter(template=template):
        if picture.file:
            picture.file.storage.delete(picture.file.name)  # overwrites, then unlinks
        picture.delete()
        deleted += 1
    return deleted


def likeness_enrol(
    *, case: Case, pictures: list, consent: bool, actor_kind: str, actor_user=None, language: str | None = None
) -> FaceTemplate:
    """Record her consent and the pictures she chose; the worker makes the template. A new enrolment replaces
    the old template (its pending findings go, as on withdrawal)."""
    if not consent:
        raise LikenessError(_("The likeness search needs your explicit consent."), code="consent_required")
    if case.is_minor_content:
        raise LikenessError(
            _("A likeness search is not offered where the pictures were made when the person was under 18."),
            code="not_offered",
        )
    if case.state != CaseState.OPEN:
        raise LikenessError(_("This case is not open."), code="case_not_open")
    if not MIN_PICTURES <= len(pictures) <= MAX_PICTURES:
        raise LikenessError(
            _("Choose from %(min)d to %(max)d pictures of your face.") % {"min": MIN_PICTURES, "max": MAX_PICTURES},
            code="pictures",
        )
    for picture in pictures:
        if getattr(picture, "size", 0) > PICTURE_LIMITS.max_bytes:
            raise LikenessError(_("A picture is too large (15 MB at most)."), code="pictures")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.state != CaseState.OPEN:
            raise LikenessError(_("This case is not open."), code="case_not_open")
        likeness_forget(locked, why="replaced", actor_kind=actor_kind, actor_user=actor_user, event=False)
        now = timezone.now()
        consent_row = LikenessConsent.objects.create(
            case=locked,
            version=CONSENT_VERSION,
            text=consent_text(),
            language=language or get_language() or "en",
            given_by_kind=actor_kind,
            given_by=actor_user,
            given_at=now,
        )
        template = FaceTemplate.objects.create(case=locked, consent=consent_row)
        for picture in pictures:
            LikenessPicture.objects.create(template=template, file=picture)
        event_record(
            type=EventType.LIKENESS_CONSENTED,
            actor_kind=actor_kind,
            actor_user=actor_user,
            case=locked,
            data={"consent_version": CONSENT_VERSION, "pictures": len(pictures)},
        )
        enqueue_on_commit(TEMPLATE_TASK, template.pk)
    return template


def likeness_template_make(*, template_id: int) -> FaceTemplate | None:
    """Describe the largest face of each chosen picture; delete the pictures whatever the outcome. Idempotent:
    only a pending template is made."""
    template = FaceTemplate.objects.filter(pk=template_id).first()
    if template is None or template.state != TemplateState.PENDING:
        return template
    model = face_model.default_model()
    vectors, problems = [], []
    for picture in LikenessPicture.objects.filter(template=template).order_by("pk"):
        try:
            with picture.file.open("rb") as handle:
                scan = model.scan(handle.read(), limits=PICTURE_LIMITS)
        except (HashingError, OSError, ValueError) as exc:
            problems.append(getattr(exc, "message", None) or _("A picture could not be read."))
            continue
        if not scan.faces:
            problems.append(
                _("No face big enough was found in one picture.")
                if scan.too_small
                else _("No face was found in one picture.")
            )
            continue
        vectors.append(max(scan.faces, key=lambda f: f.size).descriptor)
    with transaction.atomic():
        template = FaceTemplate.objects.select_for_update().filter(pk=template_id).first()
        if template is None or template.state != TemplateState.PENDING:
            return template
        deleted = _delete_pictures(template)
        if vectors:
            template.state, template.ready_at = TemplateState.READY, timezone.now()
            template.descriptors = _encode(np.vstack(vectors))
            template.faces, template.model = len(vectors), model.name
        else:
            template.state = TemplateState.FAILED
        template.failure_reason = " ".join(problems)
        template.save()
        event_record(
            type=EventType.LIKENESS_TEMPLATE_MADE if vectors else EventType.LIKENESS_TEMPLATE_FAILED,
            actor_kind=ActorKind.SYSTEM,
            case=template.case,
            data={"faces": len(vectors), "pictures_deleted": deleted, "problems": len(problems)},
        )
    return template


def likeness_forget(case: Case, *, why: str, actor_kind: str, actor_user=None, event: bool = True) -> dict:
    """Delete the template, any pictures still waiting, unconfirmed likeness findings and what every likeness
    finding recorded about the face; stamp the consent withdrawn. A confirmed finding stays as the advocate's
    decision (its page is a location of the case), without the face data."""
    counts = {"templates_deleted": 0, "pictures_deleted": 0}
    template = FaceTemplate.objects.filter(case=case).first()
    if template is not None:
        counts["pictures_deleted"] = _delete_pictures(template)
        template.delete()
        counts["templates_deleted"] = 1
    likeness = Finding.objects.filter(case=case, kind=FindingKind.LIKENESS)
    # delete() counts the rows it cascades to as well, so each figure is read per model: the event says how
    # many findings and how many face records went, not their sum.
    _total, gone = likeness.exclude(status=FindingStatus.CONFIRMED).delete()
    counts["findings_deleted"] = gone.get(Finding._meta.label, 0)
    _total, kept_matches = LikenessMatch.objects.filter(finding__case=case).delete()
    counts["match_records_deleted"] = gone.get(LikenessMatch._meta.label, 0) + kept_matches.get(
        LikenessMatch._meta.label, 0
    )
    counts["consents_withdrawn"] = LikenessConsent.objects.filter(case=case, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    if event and (counts["templates_deleted"] or counts["consents_withdrawn"] or counts["findings_deleted"]):
        event_record(
            type=EventType.LIKENESS_WITHDRAWN,
            actor_kind=actor_kind,
            actor_user=actor_user,
            case=case,
            data={"why": why, **counts},
        )
    _templates_cache.clear()
    return counts


def likeness_withdraw(*, case: Case, actor_kind: str, actor_user=None, why: str = "withdrawn") -> dict:
    """She stops the search (or her case is withdrawn, erased or closed): everything derived from her face
    goes now. Idempotent."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        return likeness_forget(locked, why=why, actor_kind=actor_kind, actor_user=actor_user)


def likeness_purge_inactive() -> int:
    """Templates of cases no longer open (closed by any path) are deleted; the reconcile job calls this."""
    ids = list(FaceTemplate.objects.exclude(case__state=CaseState.OPEN).values_list("case_id", flat=True))
    for case_id in ids:
        likeness_withdraw(case=Case(pk=case_id), actor_kind=ActorKind.SYSTEM, why="case_not_open")
    return len(ids)


def likeness_reconcile(*, older_than_seconds: int = 600) -> list[int]:
    """Re-enqueue templates still being made after the threshold (broker down at enrolment, killed worker)."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    ids = list(
        FaceTemplate.objects.filter(state=TemplateState.PENDING, created_at__lt=cutoff).values_list("pk", flat=True)
    )
    for pk in ids:
        enqueue_on_commit(TEMPLATE_TASK, pk)
    return ids


# --- the search ---------------------------------------------------------------------------------------------


@dataclass
class _Templates:
    signature: tuple
    index: face_model.TemplateIndex
    faces: dict[int, int]  # case id -> descriptors in its template


_templates_cache: dict[str, _Templates] = {}


def _active_templates(model_name: str) -> _Templates | None:
    """Every ready template of an open case, decrypted once per change (the signature is ids + ready times)."""
    rows = list(
        FaceTemplate.objects.filter(
            state=TemplateState.READY, model=model_name, case__state=CaseState.OPEN, case__is_minor_content=False
        )
        .order_by("pk")
        .values_list("pk", "ready_at")
    )
    if not rows:
        return None
    signature = tuple(rows)
    cached = _templates_cache.get(model_name)
    if cached is not None and cached.signature == signature:
        return cached
    index = face_model.TemplateIndex()
    counts = {}
    for template in FaceTemplate.objects.filter(pk__in=[pk for pk, _ready in rows]):
        vectors = _decode(template.descriptors, index.dimension)
        index.add(template.case_id, vectors)
        counts[template.case_id] = len(vectors)
    _templates_cache[model_name] = built = _Templates(signature=signature, index=index, faces=counts)
    return built


def likeness_scan_crawled(*, image: CrawledImage, body: bytes, run: CrawlRun | None = None) -> int:
    """The crawl's one call: compare the faces in a crawled picture with every consenting open case's template.
    Faces live only in this function unless they match. Returns the number of likeness findings made. Does
    nothing (no face detection at all) when no one has consented."""
    if not face_model.available():
        return 0
    model = face_model.default_model()
    templates = _active_templates(model.name)
    if templates is None:
        return 0
    try:
        scan = model.scan(body, limits=CRAWL_LIMITS)
    except HashingError:
        return 0
    hits = []
    if scan.faces:
        hits = templates.index.search(np.vstack([f.descriptor for f in scan.faces]), model.threshold)
    made = 0
    best: dict[int, face_model.TemplateHit] = {}
    for hit in hits:  # one finding per case: the closest face
        if hit.key not in best or hit.distance < best[hit.key].distance:
            best[hit.key] = hit
    for case_id, hit in best.items():
        made += _finding_record(image=image, case_id=case_id, hit=hit, scan=scan, model=model, templates=templates)
    if run is not None:
        tally, _created = LikenessScanTally.objects.get_or_create(run=run)
        LikenessScanTally.objects.filter(pk=tally.pk).update(
            images_scanned=F("images_scanned") + 1,
            faces_compared=F("faces_compared") + len(scan.faces),
            faces_too_small=F("faces_too_small") + scan.too_small,
            matches=F("matches") + made,
        )
    return made


def _finding_record(*, image, case_id, hit, scan, model, templates) -> int:
    face = scan.faces[hit.face]
    left, top, right, bottom = face.box
    reason = (
        f"Face {right - left}×{bottom - top} px at ({left}, {top}) compared with the case's face template "
        f"({templates.faces.get(case_id, 0)} picture(s)) by {model.name}: distance {hit.distance:.3f}, at most "
        f"{model.threshold:.2f} counts as a match. {len(scan.faces)} face(s) in the picture were compared; "
        f"{scan.too_small} smaller than {model.min_face} px were not."
    )
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id, state=CaseState.OPEN).first()
        # Consent may have been withdrawn while this picture was being scanned.
        if case is None or not FaceTemplate.objects.filter(case=case, state=TemplateState.READY).exists():
            return 0
        finding, created = Finding.objects.get_or_create(
            case=case,
            crawled_image=image,
            kind=FindingKind.LIKENESS,
            defaults={
                "page_url": image.page_url,
                "image_url": image.image_url,
                "stage": "face",
                "reason": reason,
            },
        )
        if not created:
            return 0
        LikenessMatch.objects.create(
            finding=finding,
            distance=hit.distance,
            threshold=model.threshold,
            model=model.name,
            box=list(face.box),
            faces_compared=len(scan.faces),
            faces_too_small=scan.too_small,
            template_faces=templates.faces.get(case_id, 0),
        )
        event_record(
            type=EventType.FINDING_CREATED,
            actor_kind=ActorKind.SYSTEM,
            case=case,
            data={"finding_id": finding.pk, "kind": FindingKind.LIKENESS, "distance": round(hit.distance, 3)},
        )
    return 1
