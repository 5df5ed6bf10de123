"""The hash exchange: a victim's fingerprints shared, with her consent, with platforms' own matching tools.

``ExchangeSignal`` is one shared (signal type, value) taken from a hashed reference image, with an opaque id that
says nothing about the case. ``ExchangeChange`` is the append-only feed: every addition and every deletion gets
the next id, and that id is the cursor a subscriber resumes from. ``ExchangeOpinion`` is what a platform said
about a signal (matched and blocked, or a false positive).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from takedowns.models.pdq import PdqBlocks


class SignalType(models.TextChoices):
    """python-threatexchange's signal-type names (``PdqSignal.get_name()``, ``VideoMD5Signal.get_name()``): the
    library ships one MD5 type, named for video, which matches any file's bytes."""

    PDQ = "pdq", _("PDQ")
    MD5 = "video_md5", _("MD5")


class RemovalReason(models.TextChoices):
    CONSENT_WITHDRAWN = "consent_withdrawn", _("The person stopped sharing")
    CASE_WITHDRAWN = "case_withdrawn", _("Case withdrawn")
    CASE_CLOSED = "case_closed", _("Case closed")
    CASE_ERASED = "case_erased", _("Case erased")
    RETRACTED = "retracted", _("Retracted by an advocate")
    IMAGE_GONE = "image_gone", _("Reference picture no longer usable")


class ExchangeSignal(PdqBlocks):
    public_id = models.CharField(max_length=32, unique=True, editable=False)
    case = models.ForeignKey("takedowns.Case", on_delete=models.CASCADE, related_name="exchange_signals")
    image = models.ForeignKey(
        "takedowns.ReferenceImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="exchange_signals"
    )
    signal_type = models.CharField(max_length=16, choices=SignalType.choices)
    # Blanked when the case is erased: the deletion still reaches subscribers by its signal id.
    value = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    removal_reason = models.CharField(max_length=20, choices=RemovalReason.choices, blank=True)
    # Two or more platforms called it a false positive: an advocate looks; it is never removed by itself.
    needs_review = models.BooleanField(default=False, db_index=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta(PdqBlocks.Meta):
        ordering = ["pk"]
        indexes = [
            *PdqBlocks.Meta.indexes,
            models.Index(fields=["signal_type", "value"], name="exchangesignal_type_value"),
            models.Index(fields=["case", "active"], name="exchangesignal_case_active"),
        ]

    def __str__(self) -> str:
        return self.public_id


class ChangeKind(models.TextChoices):
    ADDITION = "addition", _("Added")
    DELETION = "deletion", _("Removed")


class ExchangeChange(models.Model):
    """One entry of the feed, never updated or deleted: its id is the cursor (it lives in the database, so it
    survives restarts). Entries are written under a lock (``exchange_feed_lock``) so ids become visible in
    order and a reader that has seen id N has seen every id below it."""

    id = models.BigAutoField(primary_key=True)
    signal = models.ForeignKey(ExchangeSignal, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.id} {self.kind} {self.signal_id}"


class ExchangeFeedLock(models.Model):
    """A single row locked while the feed is written, so feed ids are handed out in commit order."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)

    def __str__(self) -> str:
        return "exchange feed lock"


class OpinionKind(models.TextChoices):
    BLOCKED = "blocked", _("Matched and blocked")
    FALSE_POSITIVE = "false_positive", _("False positive")


class ExchangeOpinion(models.Model):
    """What one platform said about one signal; each "blocked" is one re-upload stopped (append-only)."""

    signal = models.ForeignKey(ExchangeSignal, on_delete=models.CASCADE, related_name="opinions")
    platform = models.ForeignKey("takedowns.Platform", on_delete=models.CASCADE, related_name="exchange_opinions")
    kind = models.CharField(max_length=16, choices=OpinionKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.platform_id} {self.kind} {self.signal_id}"
