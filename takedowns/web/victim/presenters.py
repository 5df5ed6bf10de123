"""What the victim's case page shows, in plain language: one place maps each notice and image status to the
sentence a victim reads (CONVENTIONS.md §14). The reads are takedowns/selectors/victim.py's."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from takedowns import selectors
from takedowns.lifecycle import CLOCK_RUNNING
from takedowns.models import Case, EventType, ImageState, Notice, NoticeStatus

NOTICE_SENTENCES = {
    "draft": _("We are preparing the removal request for this platform."),
    "queued": _("The removal request is about to be sent."),
    "failed": _("We could not deliver the request yet. We will try again, and an advocate will check it."),
    "sent": _("The removal request was sent. The platform must act before the deadline."),
    "acknowledged": _("The platform confirmed that it received the request."),
    "info_requested": _("The platform asked for more information. An advocate will answer; we may contact you."),
    "disputed": _("The platform has not agreed to remove the images yet. An advocate will review this."),
    "removed": _("The platform says it removed the images. We will check that they are really gone."),
    "verified_removed": _("We checked: the images are gone from this platform."),
    "reappeared": _("The images came back. We are sending a new request."),
    "escalated": _("The platform missed its deadline or refused. An advocate has taken it further."),
    "closed": _("This request is closed."),
    "withdrawn": _("You withdrew this request. The platform was told."),
}
DRAFT_REVIEW_SENTENCE = _("An advocate will check the request before it is sent.")

REPLY_EVENTS = {
    EventType.NOTICE_ACKNOWLEDGED: _("Confirmed receipt"),
    EventType.NOTICE_REMOVED: _("Reported removal"),
    EventType.NOTICE_INFO_REQUESTED: _("Asked for more information"),
    EventType.NOTICE_DISPUTED: _("Disagreed"),
    EventType.NOTICE_REPLY_RECEIVED: _("Replied by e-mail"),
}

# What the platform said it did about the account that posted the images, and about re-uploads: said calmly,
# only when it helps (an account "not found" or "not applicable" is not news to the person).
ACCOUNT_SENTENCES = {
    "suspended": _("The website told us it suspended the account that posted it."),
    "removed": _("The website told us it removed the account that posted it."),
    "warned": _("The website told us it warned or restricted the account that posted it."),
    "no_action": _("The website told us it did not act on the account that posted it. An advocate can follow this up."),
}
REUPLOAD_SENTENCES = {
    "blocking": _("The website told us it blocks new uploads of the same pictures."),
}


def account_sentence(answer) -> str:
    """The victim's one line about the account and re-uploads ("" when there is nothing to say)."""
    if answer is None:
        return ""
    parts = [ACCOUNT_SENTENCES.get(answer.account), REUPLOAD_SENTENCES.get(answer.reupload)]
    return " ".join(str(p) for p in parts if p)


IMAGE_SENTENCES = {
    "pending": _("Being fingerprinted…"),
    "hashed_deleted": _("Fingerprinted; the picture itself has been deleted."),
    "hashed_kept": _("Fingerprinted; a copy is kept as evidence, as you asked."),
    "hashed_device": _("Fingerprinted on your own device; the picture never left it."),
}

FAILURE_SENTENCES = {
    "empty_file": _("the file was empty."),
    "corrupt_image": _("the picture seems damaged or incomplete."),
    "unsupported_format": _("it is not a kind of picture we can read."),
    "too_many_pixels": _("the picture is larger than we can safely open."),
    "file_too_large": _("the file is too large."),
    "erased": _("erased at your request."),
}


@dataclass
class PlatformRow:
    name: str
    status: str
    sentence: str
    sent_at: object = None
    due_at: object = None
    label: str = ""
    clock_running: bool = False
    overdue: bool = False
    next_step: str = ""
    urls: list[str] = field(default_factory=list)
    replies: list[dict] = field(default_factory=list)
    # What was done to escalate (dated sentences) and what is planned next.
    escalation: list[dict] = field(default_factory=list)
    planned: list[dict] = field(default_factory=list)
    account: str = ""


@dataclass
class ImageRow:
    number: int
    state: str
    sentence: str


def overdue_next_step(notice: Notice) -> str:
    """What can be done once a platform has missed its deadline, for the law the notice ran under.

    TAKE IT DOWN Act §3(b): a covered platform's failure to comply is enforced by the FTC as an unfair or
    deceptive practice. Online Safety Act 2021 (Cth) Part 6: eSafety takes image-based abuse reports at any time.
    DSA Art. 53: anyone may complain to the Digital Services Coordinator of the member state where they live or
    are located. Elsewhere no regulator route is claimed: the advocate follows up."""
    regimes = set(getattr(notice, "regimes", None) or [notice.regime])
    if "US" in regimes and getattr(notice.platform, "tida_covered", None) is True:
        return str(
            _(
                "The law says this platform had to act within 48 hours. An advocate can report this to the US "
                "Federal Trade Commission (reportfraud.ftc.gov), and you can too."
            )
        )
    if "AU" in regimes:
        return str(
            _(
                "You can report this to Australia's eSafety Commissioner (esafety.gov.au/report); they can order "
                "the platform to remove it."
            )
        )
    if "EU" in regimes:
        return str(
            _(
                "You can complain to the Digital Services Coordinator of the EU country where you live; an "
                "advocate can help you do this."
            )
        )
    return str(_("An advocate will follow up with the platform."))


# The escalation ladder in calm, plain words: what was done, and what is planned if nothing changes.
STEP_DONE = {
    "reminder": _("We reminded %(platform)s that its deadline has passed."),
    "upstream": _("We prepared requests to the companies that keep the website online."),
    "deindex": _(
        "Requests to search engines (Google, Bing) to hide these addresses from their results are ready; an "
        "advocate sends them."
    ),
    "regulator": _("A complaint to the regulator is ready. An advocate will talk with you before anything is filed."),
}
STEP_PLANNED = {
    "reminder": _("we remind %(platform)s of its deadline"),
    "upstream": _("we write to the companies that keep the website online (its network, hosting or domain provider)"),
    "deindex": _("we ask search engines to hide these addresses from their results"),
    "regulator": _("we prepare a complaint to the regulator"),
}
STEP_STOPPED = _("An advocate decided not to take this step for now: %(step)s.")
LADDER_ENDED = {
    "answered": _("The next steps were stopped because %(platform)s answered."),
    "content_gone": _("The next steps were stopped because the content is gone."),
}
UPSTREAM_ROLES = {
    "cdn": _("the network service in front of the website"),
    "host": _("the company hosting the website"),
    "registrar": _("the company that registered the website's name"),
}
UPSTREAM_SENT = _("We wrote to %(provider)s, %(role)s, and asked it to act.")


def escalation_lines(notice: Notice, upstream: list[Notice]) -> tuple[list[dict], list[dict]]:
    """(done, planned) for the victim: dated sentences about the ladder and the upstream notices sent."""
    platform = notice.platform.name
    done: list[dict] = []
    planned: list[dict] = []
    ended_reason = ""
    for step in notice.escalation_steps.all():
        if step.done_at:
            done.append({"at": step.done_at, "text": str(STEP_DONE[step.step] % {"platform": platform})})
        elif step.stopped_at and step.stop_reason == "advocate":
            label = str(STEP_PLANNED[step.step] % {"platform": platform})
            done.append({"at": step.stopped_at, "text": str(STEP_STOPPED % {"step": label})})
        elif step.stopped_at:
            ended_reason = ended_reason or step.stop_reason
        else:
            planned.append({"at": step.planned_at, "text": str(STEP_PLANNED[step.step] % {"platform": platform})})
    for other in upstream:
        if other.sent_at:
            role = UPSTREAM_ROLES.get(other.kind, "")
            done.append(
                {"at": other.sent_at, "text": str(UPSTREAM_SENT % {"provider": other.platform.name, "role": role})}
            )
    if ended_reason in LADDER_ENDED:
        done.append({"at": None, "text": str(LADDER_ENDED[ended_reason] % {"platform": platform})})
    done.sort(key=lambda item: (item["at"] is None, item["at"] or 0))
    return done, planned


def notice_sentence(notice: Notice) -> str:
    if notice.status == "draft" and notice.case.needs_review:
        return f"{NOTICE_SENTENCES['draft']} {DRAFT_REVIEW_SENTENCE}"
    return str(NOTICE_SENTENCES.get(notice.status, notice.get_status_display()))


def image_sentence(image) -> tuple[str, str]:
    if image.state == ImageState.PENDING:
        return "pending", str(IMAGE_SENTENCES["pending"])
    if image.state == ImageState.HASHED:
        if image.computed_on == "device":
            return "hashed", str(IMAGE_SENTENCES["hashed_device"])
        if image.keep_as_evidence and image.file:
            return "hashed", str(IMAGE_SENTENCES["hashed_kept"])
        return "hashed", str(IMAGE_SENTENCES["hashed_deleted"])
    reason = FAILURE_SENTENCES.get(image.failure_code) or image.failure_reason or _("We could not read this picture.")
    return "failed", str(_("Could not be fingerprinted: %(reason)s") % {"reason": reason})


def image_rows(case: Case, images=None) -> list[ImageRow]:
    rows = []
    images = selectors.case_images(case) if images is None else images
    for number, image in enumerate(images, start=1):
        state, sentence = image_sentence(image)
        rows.append(ImageRow(number=number, state=state, sentence=sentence))
    return rows


def case_status_view(case: Case) -> dict:
    """Everything the case page shows: per platform, the latest request and its replies; the addresses on
    websites we do not know yet; and each picture's progress."""
    data = selectors.victim_case(case)
    case = data.case
    platforms: list[PlatformRow] = []
    covered_platforms = set()
    for notice in data.latest:
        covered_platforms.add(notice.platform_id)
        done, planned = escalation_lines(notice, data.upstream.get(notice.pk, []))
        escalated_late = notice.status == "escalated" and notice.due_at is not None and notice.due_at < timezone.now()
        platforms.append(
            PlatformRow(
                name=notice.platform.name,
                status=notice.status,
                sentence=notice_sentence(notice),
                label=str(NoticeStatus(notice.status).label),
                sent_at=notice.sent_at,
                due_at=notice.due_at,
                # An escalated notice's deadline still tells the person how late the platform is.
                clock_running=(notice.status in CLOCK_RUNNING or escalated_late) and notice.due_at is not None,
                overdue=notice.is_overdue or escalated_late,
                next_step=overdue_next_step(notice) if notice.is_overdue or escalated_late else "",
                urls=[loc.url for loc in notice.locations.all()],
                replies=[
                    {"at": r["at"], "what": REPLY_EVENTS[r["type"]], "message": r["message"]}
                    for r in data.replies.get(notice.pk, [])
                ],
                escalation=done,
                planned=planned,
                account=account_sentence(getattr(notice, "account_answer", None)),
            )
        )
    # Addresses on a known platform whose request is not drafted yet (drafting runs in the background).
    waiting: dict[str, list[str]] = {}
    unknown: list[str] = []
    for location in case.locations.all():
        if location.platform_id is None:
            unknown.append(location.url)
        elif location.platform_id not in covered_platforms:
            waiting.setdefault(location.platform.name, []).append(location.url)
    for name, urls in sorted(waiting.items()):
        platforms.append(
            PlatformRow(
                name=name,
                status="draft",
                sentence=str(NOTICE_SENTENCES["draft"]),
                label=str(NoticeStatus.DRAFT.label),
                urls=urls,
            )
        )
    images = image_rows(case, data.images)
    return {
        "case": case,
        "platforms": platforms,
        "unknown_urls": unknown,
        "images": images,
        "images_pending": any(row.state == "pending" for row in images),
        "location_count": len(case.locations.all()),
    }
