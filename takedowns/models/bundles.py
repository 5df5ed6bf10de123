"""Evidence bundles: a ZIP of a case's record for police, a lawyer or a regulator, built by a worker."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from takedowns.models.events import ActorKind


class BundleState(models.TextChoices):
    PENDING = "pending", _("Waiting for a worker")
    BUILDING = "building", _("Being built")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Deleted after the retention period")


def bundle_path(instance: EvidenceBundle, filename: str) -> str:
    # The private storage names the file at random inside this folder.
    return "evidence-bundles/bundle"


class EvidenceBundle(models.Model):
    case = models.ForeignKey("takedowns.Case", on_delete=models.CASCADE, related_name="bundles")
    requested_by_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Reference images go in only if the victim kept them and asks for them; fingerprints always do.
    include_images = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=BundleState.choices, default=BundleState.PENDING, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text=_("Percent done."))
    step = models.CharField(max_length=120, blank=True)
    # The default storage is the encrypted private one (no URL): a bundle holds personal data.
    file = models.FileField(upload_to=bundle_path, blank=True, max_length=255)
    sha256 = models.CharField(max_length=64, blank=True)
    byte_size = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"bundle {self.pk} of {self.case_id} ({self.state})"
