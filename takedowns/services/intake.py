"""The victim's intake: validating uploads, holding them between steps, and turning the answers into a case.

Between steps the answers live in the visitor's (server-side) session; uploaded pictures never do. A picture
is checked through ``hashing``'s guarded decoder before anything is stored, then held encrypted in private
storage under ``pending-uploads/<random>`` until the final step attaches it to the new case with
:func:`takedowns.services.images.image_add`. Pending files of abandoned sessions are removed by
:func:`intake_pending_purge` (the beat task ``takedowns.tasks.intake_pending_purge``).

Messages here are shown to people in crisis: each one says what happened and what to do next.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import hashing
from takedowns.crypto import decrypt_bytes, encrypt_bytes
from takedowns.links import absolute_url
from takedowns.models import ActorKind, Case, FilerType, Jurisdiction
from takedowns.services.cases import case_create, case_dmca_attestations
from takedowns.services.fingerprints import FingerprintError, fingerprint_check
from takedowns.services.images import image_add, image_add_fingerprint
from takedowns.services.jobs import enqueue_on_commit
from takedowns.services.notices import case_notices_prepare_enqueue
from takedowns.urlnorm import UrlError

log = logging.getLogger(__name__)

PENDING_DIR = "pending-uploads"
URL_LIMIT = 200


# --- messages in the visitor's language ----------------------------------------------------------------


def image_error_message(exc: hashing.HashingError) -> str:
    """The calm, translated message for a refused picture (``hashing`` itself is English-only)."""
    accepted = _("Please choose a JPEG, PNG, WebP, GIF or HEIC picture — a screenshot works too.")
    if isinstance(exc, hashing.EmptyFile):
        return _(
            "This file is empty (0 bytes), so there is no picture in it. Please choose the picture again; if it "
            "came from a download, the download may not have finished."
        )
    if isinstance(exc, hashing.FileTooLarge):
        return _(
            "This file is too large (%(size)s MB; the limit is %(limit)s MB). A smaller copy or a screenshot of "
            "the picture works just as well."
        ) % {"size": f"{exc.size / 1e6:.1f}", "limit": f"{exc.limit / 1e6:.0f}"}
    if isinstance(exc, hashing.TooManyPixels):
        return _(
            "This picture is larger than we can safely open. A smaller copy or a screenshot of it works just as well."
        )
    if isinstance(exc, hashing.UnsupportedFormat):
        detected = {
            "pdf": _("It looks like a PDF document, not a picture."),
            "html": _("It looks like a saved web page, not the picture itself."),
            "video": _("It looks like a video. Please take a screenshot of the moment that matters instead."),
            "heif-unavailable": _("It is a HEIC picture, which this server cannot read at the moment."),
        }.get(exc.detected, _("It is not a kind of picture we can read."))
        return f"{detected} {accepted}"
    if isinstance(exc, hashing.CorruptImage):
        return _(
            "This picture seems to be damaged or incomplete, so we could not open it. If it was downloaded, try "
            "saving it again, or take a screenshot of it."
        )
    return _("We could not read this file.") + " " + accepted


_URL_SCHEME_MESSAGES = {
    "javascript": lambda: _("This is a piece of browser code, not the address of a page."),
    "file": lambda: _(
        "This is the address of a file on your own device, not a page on a website. To add your own copy of "
        "the picture, use the picture step instead."
    ),
    "content": lambda: _("This is the address of a file on your phone, not a page on a website."),
    "data": lambda: _("This is the picture itself written out as text, not the address where it is posted."),
    "blob": lambda: _("This is a temporary address that only works inside your own browser."),
    "ftp": lambda: _("Addresses starting with ftp:// cannot be reported here."),
    "mailto": lambda: _("This is an e-mail address, not the address of a page."),
}


def url_error_message(exc: UrlError) -> str:
    """The calm, translated message for one refused address (``urlnorm`` itself is English-only)."""
    copy_hint = _("Please copy the full address from your browser's address bar — it starts with https://")
    code = exc.code
    if code == "unsupported_scheme":
        scheme = (exc.value or "").strip().split(":", 1)[0].lower()
        scheme = {"ftps": "ftp", "sftp": "ftp", "tel": "mailto", "sms": "mailto"}.get(scheme, scheme)
        message = _URL_SCHEME_MESSAGES.get(scheme)
        first = message() if message else _("Only web addresses can be reported here.")
        return f"{first} {copy_hint}"
    if code == "credentials":
        return _(
            "This address contains a user name or password before the website name. Please remove it, or copy "
            "the address again from the address bar of the page showing the content."
        )
    if code == "bare_domain":
        return _(
            "This is the name of a website, not the address of one page. A removal request has to name the exact "
            "page where the content appears."
        ) + (" " + copy_hint)
    if code == "not_public":
        return _("This address points to a private network or to your own device, not to a public website.") + (
            " " + copy_hint
        )
    if code == "too_long":
        return _(
            "This address is very long, which usually means several addresses were pasted together. Please put "
            "each address on its own line."
        )
    if code == "too_many":
        return _(
            "You pasted more than %(limit)s addresses. One case can hold up to %(limit)s at a time. Please add "
            "the first %(limit)s now; you can add the rest to the same case afterwards from your case page."
        ) % {"limit": URL_LIMIT}
    if code == "empty":
        return _("Please paste the address of the page where the content appears.")
    return _("This address is not complete or has a typing error.") + " " + copy_hint


def good_faith_statement_text(filer_type: str) -> str:
    """The statement of §3(a)(1)(B)(iii) in the active language."""
    if filer_type in (FilerType.REPRESENTATIVE, FilerType.ORGANISATION):
        # TAKE IT DOWN Act §3(a)(1)(B)(iii): the belief is the identifiable individual's; a representative states it
        # for them, never as their own.
        return _(
            "The person shown believes in good faith that the intimate images identified in this request were "
            "published without their consent; I make this statement on their behalf, as a person authorised to "
            "act for them."
        )
    return _(
        "I have a good-faith belief that the intimate images identified in this request were published without "
        "my consent."
    )


def context_suggestion(*, nature: str, posted: str) -> str:
    """A starting point for the optional context the victim may edit."""
    parts = []
    if nature == "synthetic":
        parts.append(
            _(
                "These images were made or altered with AI or editing software (a “digital forgery”). They are "
                "not real, but they show a real, identifiable person."
            )
        )
    if posted == "threatened":
        parts.append(_("Someone has threatened to post these images."))
    return " ".join(parts)


# --- the receipt's one-time access code ---------------------------------------------------------------------

# The receipt page shows the access code for this long after filing, then never again: only its hash is stored.
RECEIPT_TTL = 15 * 60


def receipt_cache_key(submission_key: str) -> str:
    """Where the receipt page finds the access code (encrypted) for its first 15 minutes."""
    return f"recourse:receipt:{submission_key}"


def receipt_code_seal(*, submission_key: str, access_code: str) -> dict:
    """Keep the new case's access code, encrypted, where the receipt page finds it for :data:`RECEIPT_TTL`.

    Returns what the caller must keep in the person's session as well: nothing while the cache works. When the
    cache (Redis) is down the case is filed all the same and this is the only time the code can be shown, so the
    sealed code and its expiry go back to wait in the session instead (database-backed, encrypted)."""
    sealed = encrypt_bytes(access_code.encode())
    try:
        cache.set(receipt_cache_key(submission_key), sealed, RECEIPT_TTL)
    except Exception:
        log.warning("The cache is unreachable: the receipt's access code is kept in the session.")
        return {"sealed_code": sealed.decode("ascii"), "code_until": time.time() + RECEIPT_TTL}
    return {}


def receipt_code_open(*, submission_key: str, kept: dict) -> str:
    """The access code sealed by :func:`receipt_code_seal`, or "" once it expired or was forgotten. ``kept`` is
    what the seal returned (the session's copy, used only while the cache is unreachable)."""
    try:
        token = cache.get(receipt_cache_key(submission_key))
    except Exception:
        token = None
    if not token and kept.get("sealed_code") and time.time() < kept.get("code_until", 0):
        token = kept["sealed_code"].encode("ascii")
    if not token:
        return ""
    try:
        return decrypt_bytes(token).decode()
    except ValueError:
        return ""


def receipt_code_forget(*, submission_key: str) -> None:
    """ "I have saved my code": forget it at once rather than after the few minutes it is kept."""
    try:
        cache.delete(receipt_cache_key(submission_key))
    except Exception:
        log.warning("The cache is unreachable: the receipt's access code expires on its own.")


# --- pictures ----------------------------------------------------------------------------------------------


def intake_pending_store(*, data: bytes) -> str:
    """Hold a checked picture (encrypted, private) between intake steps; returns its storage name."""
    return default_storage.save(f"{PENDING_DIR}/upload", ContentFile(data))


def intake_pending_delete(*, names) -> None:
    for name in names:
        if name and name.startswith(PENDING_DIR + "/"):
            default_storage.delete(name)


def intake_pending_purge(*, older_than: timedelta = timedelta(hours=24)) -> int:
    """Delete pending uploads of intake sessions abandoned for longer than ``older_than``."""
    cutoff = timezone.now() - older_than
    try:
        _dirs, files = default_storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return 0
    purged = 0
    for filename in files:
        name = f"{PENDING_DIR}/{filename}"
        try:
            if default_storage.get_modified_time(name) < cutoff:
                default_storage.delete(name)
                purged += 1
        except FileNotFoundError:
            continue
    return purged


# --- submission ---------------------------------------------------------------------------------------------


@dataclass
class IntakeSubmitted:
    case: Case
    access_code: str  # empty when this submission key had already made the case
    created: bool
    images_added: int = 0
    fingerprints_added: int = 0
    skipped: list[str] = field(default_factory=list)


def intake_answers_to_case_fields(answers: dict) -> dict:
    who = answers.get("who", {})
    content = answers.get("content", {})
    contact = answers.get("contact", {})
    statement = answers.get("statement", {})
    filer_type = who.get("filer_type") or FilerType.SELF
    representative = filer_type == FilerType.REPRESENTATIVE
    attestations = {
        "good_faith": bool(statement.get("attest_good_faith")),
        "accuracy": bool(statement.get("attest_accuracy")),
    }
    if representative:
        attestations["authority"] = bool(statement.get("attest_authority"))
    attestations |= case_dmca_attestations(
        self_taken=(content.get("self_taken") == "yes") if content.get("self_taken") else None,
        dmca_alongside=bool(statement.get("dmca_alongside")),
        dmca_show_name=bool(statement.get("dmca_show_name")),
        is_minor_content=content.get("under_18") in ("yes", "unsure"),
    )
    with translation.override("en"):
        # Notices are written in English; the statement the victim read in their language says the same.
        statement_text = good_faith_statement_text(filer_type)
    attestations["statement_language"] = translation.get_language() or "en"
    if content.get("under_18") == "unsure":
        # Kept so that notices say "may have been under 18", never "was" (the flag alone cannot tell them apart).
        attestations["under_18"] = "unsure"
    return {
        "filer_type": filer_type,
        "victim_name": (who.get("victim_name") or "").strip(),
        "representative_name": (who.get("representative_name") or "").strip() if representative else "",
        "representative_relationship": (who.get("representative_relationship") or "").strip() if representative else "",
        "representative_authority": (who.get("representative_authority") or "").strip() if representative else "",
        "is_synthetic": content.get("nature") == "synthetic",
        "is_threatened": content.get("posted") == "threatened",
        "is_minor_content": content.get("under_18") in ("yes", "unsure"),
        "contact_email": (contact.get("email") or "").strip(),
        "contact_phone": (contact.get("phone") or "").strip(),
        "contact_private": bool(contact.get("contact_private", True)),
        "good_faith_statement": statement_text,
        "context": (statement.get("context") or "").strip(),
        "signature_name": (statement.get("signature_name") or "").strip(),
        "attestations": attestations,
        "jurisdiction": statement.get("jurisdiction") or Jurisdiction.US,
    }


def intake_submit(
    *,
    answers: dict,
    pending: list[dict],
    keep_as_evidence: bool,
    submission_key: str,
    language: str,
    fingerprints: list[dict] | None = None,
    share_with_platforms: bool = False,
) -> IntakeSubmitted:
    """Create the case from the intake answers, attach the pending pictures, and start the background work
    (hashing, notice drafting, the receipt e-mail). A second call with the same ``submission_key`` returns the
    case the first call made and changes nothing."""
    fields = intake_answers_to_case_fields(answers)
    where = answers.get("where", {})
    handles = where.get("handles", {})
    urls = [(url, handles.get(url, "")) for url in where.get("urls", [])]
    with transaction.atomic():
        created = case_create(
            **fields,
            urls=urls,
            language=language,
            share_with_platforms=share_with_platforms,
            actor_kind=ActorKind.VICTIM,
            submission_key=submission_key,
        )
        case = created.case
        result = IntakeSubmitted(case=case, access_code=created.access_code, created=bool(created.access_code))
        if not result.created:
            return result
        if not case.is_minor_content:
            for item in pending[: settings.IMAGE_MAX_PER_CASE]:
                name = item.get("name", "")
                try:
                    with default_storage.open(name, "rb") as handle:
                        data = handle.read()
                except (FileNotFoundError, ValueError, OSError):
                    result.skipped.append(name)
                    continue
                image_add(
                    case=case,
                    data=data,
                    image_format=item.get("format", ""),
                    keep_as_evidence=keep_as_evidence,
                    actor_kind=ActorKind.VICTIM,
                )
                result.images_added += 1
        # Records made on the victim's device were checked when the step took them; checked again here, since
        # the session is the only thing between that step and this one. Allowed under 18 too: no picture.
        room = settings.IMAGE_MAX_PER_CASE - result.images_added
        for record in (fingerprints or [])[: max(room, 0)]:
            try:
                checked = fingerprint_check(value=record)
            except FingerprintError:
                log.warning("A stored device fingerprint no longer passed its check; it was skipped.")
                continue
            image_add_fingerprint(case=case, fingerprint=checked, actor_kind=ActorKind.VICTIM)
            result.fingerprints_added += 1
        case_notices_prepare_enqueue(case=case)
        code = created.access_code if case.contact_email else ""
    # Pending copies are deleted only once the case holds its own: a failure above leaves them for a retry.
    _submitted_followup_enqueue(case=case, access_code=code, pending=[item.get("name", "") for item in pending])
    return result


FOLLOWUP_TASK = "takedowns.tasks.intake_submitted_followup"


def _submitted_followup_enqueue(*, case: Case, access_code: str, pending: list[str]) -> None:
    """What follows a filing without the person waiting for it, handed to the io worker once committed: the
    receipt e-mail (an SMTP round trip; with fifty people filing at once it was seconds of each one's wait) and
    the deletion of the pending copies of the pictures (each zeroed and synced to disk first). One message for
    both. The access code travels sealed with the field key, so the broker never holds it in the clear. Should
    the broker refuse the message, this process does both, as it did before: this is the only moment the code
    exists, so the reconcile job could not send the receipt later."""
    names = [name for name in pending if name and name.startswith(PENDING_DIR + "/")]
    if not access_code and not names:
        return
    sealed = encrypt_bytes(access_code.encode()).decode("ascii") if access_code else ""

    def _in_this_process() -> None:
        intake_pending_delete(names=names)
        if access_code:
            receipt_email_send(case=case, access_code=access_code)

    enqueue_on_commit(FOLLOWUP_TASK, case.pk, sealed, names, fallback=_in_this_process)


def intake_submitted_followup(*, case_id: int, sealed_code: str, pending: list[str]) -> None:
    """The io worker's side of :func:`_submitted_followup_enqueue`; safe to run twice (deleting is, and the
    receipt goes once per case)."""
    intake_pending_delete(names=pending)
    if not sealed_code:
        return
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return
    try:
        access_code = decrypt_bytes(sealed_code.encode("ascii")).decode()
    except ValueError:
        log.error("The sealed access code of case %s could not be opened; no receipt e-mail.", case_id)
        return
    try:
        first = cache.add(f"recourse:receipt-mailed:{case_id}", 1, 24 * 60 * 60)
    except Exception:
        first = True  # without the cache, a rare second copy beats no receipt at all
    if first:
        receipt_email_send(case=case, access_code=access_code)


def receipt_email_send(*, case: Case, access_code: str) -> bool:
    """E-mail the receipt (reference and access code) in the case's language. Never raises: the receipt page
    has already shown the code, and a mail outage must not undo a filed case."""
    if not case.contact_email:
        return False
    with translation.override(case.language or "en"):
        context = {
            "reference": case.reference,
            "access_code": access_code,
            "status_url": absolute_url("takedowns:status_login", query={"reference": case.reference}),
            "location_count": case.locations.count(),
            "is_minor_content": case.is_minor_content,
        }
        subject = render_to_string("takedowns/email/receipt_subject.txt", context).strip()
        text = render_to_string("takedowns/email/receipt.txt", context)
        html = render_to_string("takedowns/email/receipt.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[case.contact_email])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:
        log.exception("Could not send the receipt e-mail for case %s.", case.pk)
        return False
    return True
