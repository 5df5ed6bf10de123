"""The consented likeness search: her consent (text and version as shown), her face template (encrypted), the
pictures she chose while the template is being made, and what a likeness finding compared.

A face template is biometric data (DESIGN.md §8): made only after explicit, recorded consent, from pictures she
chooses, kept encrypted, used only to search watched sites for her, never shared, and deleted on withdrawal,
erasure, closure or her request. The consent row outlives the template: it is the proof that consent was given
and when it was withdrawn, and it holds no biometric data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from takedowns.crypto import EncryptedTextField


class LikenessConsent(models.Model):
    case = models.ForeignKey("takedowns.Case", on_delete=models.CASCADE, related_name="likeness_consents")
    version = models.CharField(max_length=20)
    # The explanation exactly as she was shown it, in the language she saw.
    text = models.TextField()
    language = models.CharField(max_length=8, default="en")
    given_by_kind = models.CharField(max_length=20)  # ActorKind: the victim herself, or an advocate for her
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]

    def __str__(self) -> str:
        return f"likeness consent {self.pk} of case {self.case_id}"


class TemplateState(models.TextChoices):
    PENDING = "pending", _("Being made")
    READY = "ready", _("Searching")
    FAILED = "failed", _("Could not be made")


class FaceTemplate(models.Model):
    """One per case. ``descriptors`` is the encrypted base64 of float32 vectors, one per usable picture."""

    case = models.OneToOneField("takedowns.Case", on_delete=models.CASCADE, related_name="face_template")
    consent = models.ForeignKey(LikenessConsent, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=TemplateState.choices, default=TemplateState.PENDING)
    model = models.CharField(max_length=40, blank=True)
    descriptors = EncryptedTextField(blank=True)
    faces = models.PositiveSmallIntegerField(default=0)
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"face template of case {self.case_id} ({self.state})"


def likeness_picture_path(instance: LikenessPicture, filename: str) -> str:
    return "likeness/upload"  # the storage gives every file a random name; never hers


class LikenessPicture(models.Model):
    """A picture she chose, kept encrypted only until the template is made (the worker deletes the file)."""

    template = models.ForeignKey(FaceTemplate, on_delete=models.CASCADE, related_name="pictures")
    file = models.FileField(upload_to=likeness_picture_path, max_length=255)

    def __str__(self) -> str:
        return f"likeness picture {self.pk}"


class LikenessMatch(models.Model):
    """What a likeness finding compared: the face's box in the crawled picture, its distance to the template,
    the model and threshold, and how many faces the picture held (and how many were too small to compare)."""

    finding = models.OneToOneField("takedowns.Finding", on_delete=models.CASCADE, related_name="likeness")
    distance = models.FloatField()
    threshold = models.FloatField()
    model = models.CharField(max_length=40)
    box = models.JSONField(default=list)  # [left, top, right, bottom] in the crawled picture's pixels
    faces_compared = models.PositiveSmallIntegerField(default=0)
    faces_too_small = models.PositiveSmallIntegerField(default=0)
    template_faces = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"likeness match of finding {self.finding_id} ({self.distance:.3f})"


class LikenessScanTally(models.Model):
    """Per crawl: pictures whose faces were compared, faces compared, faces too small to compare, matches."""

    run = models.OneToOneField("takedowns.CrawlRun", on_delete=models.CASCADE, related_name="likeness_tally")
    images_scanned = models.PositiveIntegerField(default=0)
    faces_compared = models.PositiveIntegerField(default=0)
    faces_too_small = models.PositiveIntegerField(default=0)
    matches = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"likeness tally of crawl {self.run_id}"
