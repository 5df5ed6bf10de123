"""The append-only audit log (CONVENTIONS.md §5): never deleted, personal fields overwritten on erasure."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActorKind(models.TextChoices):
    VICTIM = "victim", _("Victim")
    ADVOCATE = "advocate", _("Advocate")
    PLATFORM = "platform", _("Platform")
    SYSTEM = "system", _("System")


class EventType(models.TextChoices):
    """Every kind of audit event, dotted ``<entity>.<what happened>`` (CONVENTIONS.md §5). Writers and readers
    use these names, never free strings; ``notice.<status>`` exists for every notice status (the lifecycle
    writes one per transition)."""

    CASE_CREATED = "case.created", _("Case filed")
    CASE_LOCATIONS_ADDED = "case.locations_added", _("URLs added")
    CASE_WITHDRAWN = "case.withdrawn", _("Case withdrawn")
    CASE_ERASED = "case.erased", _("Case erased")
    CASE_FILER_REVEALED = "case.filer_revealed", _("Filer's name shown to an advocate")
    CASE_CONTACT_REVEALED = "case.contact_revealed", _("Contact details shown to an advocate")
    CASE_ASSIGNED = "case.assigned", _("Advocate assigned")
    CASE_NOTE_ADDED = "case.note_added", _("Note added")
    CASE_HELD = "case.held", _("Notices held for an advocate's review")
    CASE_RELEASED = "case.released", _("Hold on notices released")
    CASE_PLATFORM_ADDED = "case.platform_added", _("Website added to the platform registry")
    BUNDLE_REQUESTED = "bundle.requested", _("Evidence bundle requested")
    BUNDLE_BUILT = "bundle.built", _("Evidence bundle built")
    BUNDLE_FAILED = "bundle.failed", _("Evidence bundle could not be built")
    BUNDLE_DOWNLOADED = "bundle.downloaded", _("Evidence bundle downloaded")
    IMAGE_ADDED = "image.added", _("Reference image added")
    IMAGE_PREVIEW_REVEALED = "image.preview_revealed", _("Blurred preview of a reference image shown")
    IMAGE_HASHED = "image.hashed", _("Reference image fingerprinted")
    IMAGE_FAILED = "image.failed", _("Reference image could not be read")
    IMAGE_PURGED = "image.purged", _("Reference image deleted")
    NOTICE_DRAFTED = "notice.drafted", _("Notice drafted")
    NOTICE_QUEUED = "notice.queued", _("Notice queued for sending")
    NOTICE_FAILED = "notice.failed", _("Notice delivery failed")
    NOTICE_SENT = "notice.sent", _("Notice sent")
    NOTICE_ACKNOWLEDGED = "notice.acknowledged", _("Platform acknowledged")
    NOTICE_INFO_REQUESTED = "notice.info_requested", _("Platform asked for information")
    NOTICE_DISPUTED = "notice.disputed", _("Platform disputed")
    NOTICE_REMOVED = "notice.removed", _("Platform reported removal")
    NOTICE_VERIFIED_REMOVED = "notice.verified_removed", _("Removal verified")
    NOTICE_REAPPEARED = "notice.reappeared", _("Content reappeared")
    NOTICE_ESCALATED = "notice.escalated", _("Notice escalated")
    NOTICE_CLOSED = "notice.closed", _("Notice closed")
    NOTICE_WITHDRAWN = "notice.withdrawn", _("Notice withdrawn")
    NOTICE_DEADLINE_NEAR = "notice.deadline_near", _("Deadline near")
    NOTICE_OVERDUE = "notice.overdue", _("Deadline passed")
    NOTICE_LOCATIONS_REMOVED = "notice.locations_removed", _("Platform reported some URLs removed")
    NOTICE_REPLY_RECORDED = "notice.reply_recorded", _("Reply recorded")
    NOTICE_ROUTE_CHOSEN = "notice.route_chosen", _("Notice route chosen (DMCA)")
    NOTICE_REPLY_RECEIVED = "notice.reply_received", _("Reply received by e-mail")
    NOTICE_REPLY_RELEASED = "notice.reply_released", _("Unverified e-mail reply released by an advocate")
    NOTICE_REPLY_DISCARDED = "notice.reply_discarded", _("Unverified e-mail reply discarded by an advocate")
    NOTICE_WITHDRAWAL_SENT = "notice.withdrawal_sent", _("Withdrawal sent to the platform")
    LOCATION_CHECKED = "location.checked", _("URL checked")
    LOCATION_REAPPEARED = "location.reappeared", _("Content found again at a URL")
    NOTICE_RESENT = "notice.resent", _("Notice sent again (reminder)")
    ESCALATION_PLANNED = "escalation.planned", _("Escalation plan set")
    ESCALATION_REMINDER = "escalation.reminder", _("Escalation: reminder to the platform")
    ESCALATION_UPSTREAM = "escalation.upstream", _("Escalation: notices to the CDN, host and registrar prepared")
    ESCALATION_DEINDEX = "escalation.deindex", _("Escalation: search-engine requests ready")
    ESCALATION_REGULATOR = "escalation.regulator", _("Escalation: regulator complaint ready")
    ESCALATION_STOPPED = "escalation.stopped", _("Escalation step stopped by an advocate")
    ESCALATION_ENDED = "escalation.ended", _("Escalation ended")
    NOTICE_ACCOUNT_ANSWERED = "notice.account_answered", _("Answer about the uploader's account recorded")
    NOTICE_REUPLOAD_ANSWERED = "notice.reupload_answered", _("Answer about blocking re-uploads recorded")
    ESCALATION_DRAFT_DOWNLOADED = "notice.escalation_draft_downloaded", _("Escalation draft downloaded")
    HOST_IDENTIFIED = "host.identified", _("Website owner and contacts looked up")
    WEBHOOK_REGISTERED = "webhook.registered", _("Webhook registered")
    WEBHOOK_DEACTIVATED = "webhook.deactivated", _("Webhook deactivated")
    WATCHLIST_SITE_ADDED = "watchlist.site_added", _("Site added to the watchlist")
    WATCHLIST_SITE_CHANGED = "watchlist.site_changed", _("Watched site's crawl rules changed")
    WATCHLIST_SITE_REMOVED = "watchlist.site_removed", _("Site removed from the watchlist")
    CRAWL_STARTED = "crawl.started", _("Crawl of a watched site started")
    CRAWL_FINISHED = "crawl.finished", _("Crawl of a watched site finished")
    FINDING_CREATED = "finding.created", _("Image found on a watched site")
    FINDING_CONFIRMED = "finding.confirmed", _("Finding confirmed and added to the case")
    FINDING_DISMISSED = "finding.dismissed", _("Finding dismissed")
    FINDING_PREVIEW_REVEALED = "finding.preview_revealed", _("Blurred preview of a found image fetched and shown")
    CASE_SHARING_CHANGED = "case.sharing_changed", _("Choice about sharing fingerprints with platforms changed")
    EXCHANGE_SIGNALS_ADDED = "exchange.signals_added", _("Fingerprints shared with platforms")
    EXCHANGE_SIGNALS_REMOVED = "exchange.signals_removed", _("Fingerprints no longer shared with platforms")
    EXCHANGE_SIGNAL_RETRACTED = "exchange.signal_retracted", _("Shared fingerprint retracted by an advocate")
    EXCHANGE_SIGNAL_FLAGGED = (
        "exchange.signal_flagged",
        _("Shared fingerprint flagged: platforms call it a false positive"),
    )
    EXCHANGE_SIGNAL_REVIEWED = "exchange.signal_reviewed", _("Flagged fingerprint reviewed by an advocate")
    EXCHANGE_OPINION = "exchange.opinion", _("Platform reported on a shared fingerprint")
    EXCHANGE_LOOKUP = "exchange.lookup", _("Platform looked up fingerprints")
    EXCHANGE_SCOPES_GRANTED = "staff.exchange_scopes_granted", _("Hash-exchange access granted to a platform")
    LIKENESS_CONSENTED = "likeness.consented", _("Consent to the likeness search given")
    LIKENESS_TEMPLATE_MADE = "likeness.template_made", _("Face template made; the chosen pictures deleted")
    LIKENESS_TEMPLATE_FAILED = "likeness.template_failed", _("Face template could not be made")
    LIKENESS_WITHDRAWN = "likeness.withdrawn", _("Likeness search stopped; face template deleted")
    SYSTEM_PING = "system.ping", _("Worker health probe")
    API_TOKEN_CREATED = "staff.api_token_created", _("API token created")
    STAFF_2FA_ENROLLED = "staff.2fa_enrolled", _("Two-factor sign-in set up")
    STAFF_2FA_LINK_ISSUED = "staff.2fa_link_issued", _("Two-factor enrolment link issued")
    STAFF_2FA_FAILED = "staff.2fa_failed", _("Wrong two-factor code")
    STAFF_RECOVERY_CODE_USED = "staff.recovery_code_used", _("Recovery code used")

    @classmethod
    def for_notice_status(cls, status: str) -> EventType:
        """The event a notice's move to ``status`` writes (ValueError for a status with no event)."""
        return cls(f"notice.{status}")


def validate_event_type(value: str) -> None:
    """Model validation of ``Event.type`` against :class:`EventType` (the writer, audit.event_record, checks too)."""
    if value not in EventType.values:
        raise ValidationError(_("Unknown event type %(value)s."), params={"value": value}, code="invalid_choice")


class Event(models.Model):
    case = models.ForeignKey("takedowns.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    notice = models.ForeignKey(
        "takedowns.Notice", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # No ``choices`` on the column: they are copied into every migration, so each new event type used to cost
    # one. EventType stays the only list of types: the validator and the writer (audit.event_record) check it.
    type = models.CharField(max_length=64, validators=[validate_event_type], db_index=True)
    data = models.JSONField(default=dict, blank=True)
    redacted = models.BooleanField(default=False)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.type} @ {self.created_at:%Y-%m-%d %H:%M}"

    def get_type_display(self) -> str:
        """The event in words (what Django would add for a column with choices); an unknown type as stored."""
        try:
            return str(EventType(self.type).label)
        except ValueError:
            return self.type
