"""Notices: one per (case, platform, round), with the status of DESIGN.md §4 and the legal clock."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from takedowns.crypto import EncryptedTextField
from takedowns.models.platforms import Channel, PlatformKind, Regime


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    QUEUED = "queued", _("Queued for sending")
    FAILED = "failed", _("Delivery failed")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INFO_REQUESTED = "info_requested", _("More information requested")
    DISPUTED = "disputed", _("Disputed")
    REMOVED = "removed", _("Removed")
    VERIFIED_REMOVED = "verified_removed", _("Removal verified")
    REAPPEARED = "reappeared", _("Reappeared")
    ESCALATED = "escalated", _("Escalated")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = NoticeStatus

# The lifecycle's data (DESIGN.md §4), beside the statuses it is about so that models depend on nothing above
# them. takedowns/lifecycle.py owns the one function that applies it.
TRANSITIONS: dict[str, frozenset[str]] = {
    # A web-form notice goes straight from draft to sent when someone records that they submitted it.
    S.DRAFT: frozenset({S.QUEUED, S.SENT, S.WITHDRAWN}),
    S.QUEUED: frozenset({S.SENT, S.FAILED, S.WITHDRAWN}),
    S.FAILED: frozenset({S.QUEUED, S.SENT, S.WITHDRAWN}),
    S.SENT: frozenset({S.ACKNOWLEDGED, S.INFO_REQUESTED, S.DISPUTED, S.REMOVED, S.ESCALATED, S.WITHDRAWN}),
    S.ACKNOWLEDGED: frozenset({S.INFO_REQUESTED, S.DISPUTED, S.REMOVED, S.ESCALATED, S.WITHDRAWN}),
    # The advocate answers the platform's question: the notice returns to acknowledged and the clock runs on.
    S.INFO_REQUESTED: frozenset({S.ACKNOWLEDGED, S.DISPUTED, S.REMOVED, S.ESCALATED, S.WITHDRAWN}),
    S.DISPUTED: frozenset({S.ESCALATED, S.CLOSED, S.REMOVED, S.WITHDRAWN}),
    S.ESCALATED: frozenset({S.ACKNOWLEDGED, S.REMOVED, S.CLOSED, S.WITHDRAWN}),
    S.REMOVED: frozenset({S.VERIFIED_REMOVED, S.REAPPEARED}),
    S.VERIFIED_REMOVED: frozenset({S.REAPPEARED}),
    # A reappearance is handled by a new notice (the next round); this one only closes.
    S.REAPPEARED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

OPEN_STATES = frozenset(s for s, targets in TRANSITIONS.items() if S.WITHDRAWN in targets)
# Statuses in which the platform owes an answer and the legal clock counts.
CLOCK_RUNNING = frozenset({S.SENT, S.ACKNOWLEDGED, S.INFO_REQUESTED})
# Statuses in which a platform has received the notice and may act on it.
DELIVERED_STATES = frozenset({S.SENT, S.ACKNOWLEDGED, S.INFO_REQUESTED, S.DISPUTED, S.ESCALATED})
TERMINAL_STATES = frozenset(s for s, targets in TRANSITIONS.items() if not targets)

# The time stamp each status sets when a notice enters it.
STAMP_FIELD = {
    S.QUEUED: "queued_at",
    S.FAILED: "failed_at",
    S.SENT: "sent_at",
    S.ACKNOWLEDGED: "acknowledged_at",
    S.INFO_REQUESTED: "info_requested_at",
    S.DISPUTED: "disputed_at",
    S.REMOVED: "removed_at",
    S.VERIFIED_REMOVED: "verified_removed_at",
    S.REAPPEARED: "reappeared_at",
    S.ESCALATED: "escalated_at",
    S.CLOSED: "closed_at",
    S.WITHDRAWN: "withdrawn_at",
}


# Crockford-style, as case references: read aloud over a helpline without mistakes.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def notice_reference_generate() -> str:
    """An opaque notice reference (``NT-7K3M-Q9TX``): it names the notice and reveals nothing of the case, so a
    forwarded or published notice does not hand anyone the case reference (the key to the victim's sign-in)."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"NT-{chars[:4]}-{chars[4:]}"


def _new_token_nonce() -> str:
    return secrets.token_urlsafe(16)


class Notice(models.Model):
    case = models.ForeignKey("takedowns.Case", on_delete=models.CASCADE, related_name="notices")
    platform = models.ForeignKey("takedowns.Platform", on_delete=models.PROTECT, related_name="notices")
    round = models.PositiveSmallIntegerField(default=1)
    # A platform notice, or an upstream notice to the CDN, host or registrar of a site whose platform
    # ignored ``escalates``: the same lifecycle, clock, delivery and response link.
    kind = models.CharField(max_length=10, choices=PlatformKind.choices, default=PlatformKind.PLATFORM, db_index=True)
    escalates = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="upstream_notices"
    )
    # A DMCA notice the victim added alongside this round's platform notice (she took the picture herself): the same
    # locations, sent to the platform's designated copyright agent; the platform notice itself is unchanged.
    alongside = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="dmca_notices")
    public_reference = models.CharField(max_length=20, unique=True, default=notice_reference_generate, editable=False)
    regime = models.CharField(max_length=4, choices=Regime.choices, default=Regime.US)
    # Every regime the notice cites, ``regime`` (whose clock runs) first; empty on notices drafted before
    # regimes were listed, which cite ``regime`` only.
    regimes = models.JSONField(default=list, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(max_length=20, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT, db_index=True)
    locations = models.ManyToManyField("takedowns.ReportedLocation", related_name="notices", blank=True)

    subject = models.CharField(max_length=300, blank=True)
    # The notice as rendered (names, signature, URLs): encrypted at rest like every other victim detail.
    body_text = EncryptedTextField(blank=True)
    body_html = EncryptedTextField(blank=True)
    recipient = models.CharField(max_length=254, blank=True)
    # Random per notice: part of the signed response link, so a link can be revoked by rotating it.
    token_nonce = models.CharField(max_length=32, default=_new_token_nonce, editable=False)
    delivery_error = models.TextField(blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(default=0)

    # Two clocks (docs/DECISIONS.md, "Two clocks"): ``response_hours``/``due_at`` is the follow-up point that drives
    # the board, the sweep and the ladder (the shortest of every period, the operator's own rhythm included);
    # ``statutory_hours``/``statutory_due_at`` is set only where a law binds this recipient for this victim, and is
    # the only date called a "deadline" or used to say a law was broken.
    response_hours = models.PositiveSmallIntegerField(default=48)
    statutory_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    statutory_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    info_requested_at = models.DateTimeField(null=True, blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    verified_removed_at = models.DateTimeField(null=True, blank=True)
    reappeared_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    # Set, and committed, before the SMTP conversation starts and cleared when it ends: a second worker does not
    # send while one is sending, and a worker killed mid-send leaves a claim that expires (SEND_CLAIM_SECONDS).
    send_claimed_at = models.DateTimeField(null=True, blank=True)
    # Sweep bookkeeping, so that each alert is sent once however often the sweep runs.
    warning_alerted_at = models.DateTimeField(null=True, blank=True)
    overdue_recorded_at = models.DateTimeField(null=True, blank=True)
    # An advocate's "send again" (a reminder; the clock keeps counting from the first delivery): stamped when
    # asked, cleared by the worker that sends it, so a repeated task sends one e-mail.
    resend_requested_at = models.DateTimeField(null=True, blank=True)
    resend_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_resent_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "platform", "round"],
                condition=models.Q(alongside__isnull=True),
                name="notice_unique_per_round",
            ),
            models.UniqueConstraint(
                fields=["case", "platform", "round"],
                condition=models.Q(alongside__isnull=False),
                name="dmca_notice_unique_per_round",
            ),
        ]
        indexes = [models.Index(fields=["platform", "status", "due_at"], name="notice_inbox_idx")]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return self.public_reference

    @property
    def delivery_address(self) -> str:
        """Where an e-mail notice goes: a DMCA notice only to the platform's designated copyright agent (17 U.S.C.
        512(c)(3)(A): "provided to the designated agent"; one sent elsewhere gives no actual knowledge, (B)(i)),
        every other notice to the platform's notice address."""
        if self.regime == Regime.DMCA:
            return self.platform.dmca_agent_email
        return self.platform.contact_email

    @property
    def is_upstream(self) -> bool:
        return self.kind != PlatformKind.PLATFORM

    @property
    def is_overdue(self) -> bool:
        return self.status in CLOCK_RUNNING and self.due_at is not None and self.due_at < timezone.now()

    @property
    def is_past_statutory_deadline(self) -> bool:
        """A law's own period has run out and no verified removal (nor an accepted dispute) ended the clock."""
        return (
            self.status in CLOCK_RUNNING
            and self.statutory_due_at is not None
            and self.statutory_due_at < timezone.now()
        )
