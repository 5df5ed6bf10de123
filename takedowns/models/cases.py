"""A victim's case, the reference images and the reported locations (URLs)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from takedowns.crypto import EncryptedTextField


class FilerType(models.TextChoices):
    SELF = "self", _("The person shown")
    REPRESENTATIVE = "representative", _("Someone authorised to act for them")
    # An advocate organisation (helpline, NGO) filing as itself: the only filer that can carry the operator's
    # DSA Art. 22 trusted-flagger status.
    ORGANISATION = "organisation", _("An organisation acting for them")


class Jurisdiction(models.TextChoices):
    US = "US", _("United States")
    EU = "EU", _("European Union")
    UK = "UK", _("United Kingdom")
    AU = "AU", _("Australia")


class CaseState(models.TextChoices):
    DRAFT = "draft", _("Being filed")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ERASED = "erased", _("Erased")


class Case(models.Model):
    reference = models.CharField(max_length=16, unique=True, editable=False)
    access_code_hash = models.CharField(max_length=256, editable=False)
    state = models.CharField(max_length=10, choices=CaseState.choices, default=CaseState.OPEN, db_index=True)
    filer_type = models.CharField(max_length=16, choices=FilerType.choices, default=FilerType.SELF)

    # Personal details: encrypted at rest, overwritten on erasure.
    victim_name = EncryptedTextField(blank=True)
    contact_email = EncryptedTextField(blank=True)
    contact_phone = EncryptedTextField(blank=True)
    representative_name = EncryptedTextField(blank=True)
    representative_relationship = EncryptedTextField(blank=True)
    representative_authority = EncryptedTextField(blank=True)
    good_faith_statement = EncryptedTextField(blank=True)
    context = EncryptedTextField(blank=True, help_text=_("Optional facts that help the platform decide."))
    signature_name = EncryptedTextField(blank=True)

    contact_private = models.BooleanField(
        default=True, help_text=_("Platforms reach the victim only through the portal's relay address.")
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    attestations = models.JSONField(default=dict, blank=True)
    jurisdiction = models.CharField(max_length=2, choices=Jurisdiction.choices, default=Jurisdiction.US)
    language = models.CharField(max_length=8, default="en")
    is_synthetic = models.BooleanField(default=False, help_text=_("AI-made or altered (digital forgery)."))
    is_threatened = models.BooleanField(default=False, help_text=_("Threatened, not (yet) posted."))
    is_minor_content = models.BooleanField(
        default=False, help_text=_("Made when the person was under 18: no images are accepted.")
    )
    # Opt-in: the victim's fingerprints go to every platform subscribed to the hash exchange, so their own
    # matching tools block uploads before anyone sees them. Withdrawable at any time (takedowns.services.exchange).
    share_with_platforms = models.BooleanField(default=False)
    review_first = models.BooleanField(
        null=True, blank=True, help_text=_("Advocate review before sending; empty = the portal default.")
    )
    assigned_advocate = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_cases"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The intake form's one-time submission key: a double submit finds the case it already made.
    submission_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference

    @property
    def needs_review(self) -> bool:
        return settings.NOTICES_REVIEW_FIRST if self.review_first is None else self.review_first


class ImageState(models.TextChoices):
    PENDING = "pending", _("Waiting to be processed")
    HASHED = "hashed", _("Fingerprinted")
    FAILED = "failed", _("Could not be processed")


class ComputedOn(models.TextChoices):
    """Where a reference's fingerprints were made: on the server from an uploaded picture, or on the victim's
    own device (only the fingerprints were sent; there never was a picture here to purge)."""

    SERVER = "server", _("Made by Recourse from the uploaded picture")
    DEVICE = "device", _("Made on the victim's device")


def reference_image_path(instance: ReferenceImage, filename: str) -> str:
    # Never the uploader's file name: the storage gives every file a random name inside this folder.
    return "reference-images/upload"


class ReferenceImage(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to=reference_image_path, blank=True, max_length=255)
    image_format = models.CharField(max_length=16, blank=True)
    byte_size = models.PositiveIntegerField(default=0)
    keep_as_evidence = models.BooleanField(default=False)
    computed_on = models.CharField(max_length=8, choices=ComputedOn.choices, default=ComputedOn.SERVER)
    state = models.CharField(max_length=10, choices=ImageState.choices, default=ImageState.PENDING, db_index=True)
    failure_code = models.CharField(max_length=40, blank=True)
    failure_reason = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    md5 = models.CharField(max_length=32, blank=True)
    phash = models.CharField(max_length=16, blank=True)
    dhash = models.CharField(max_length=16, blank=True)
    whash = models.CharField(max_length=16, blank=True)
    pdq = models.CharField(max_length=64, blank=True)
    pdq_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    # What the matcher needs later (variant hashes, compact keypoint descriptors): derived data, not the image.
    match_data = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    hashed_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"image {self.pk} of {self.case_id}"


class LocationState(models.TextChoices):
    REPORTED = "reported", _("Reported")
    REMOVED = "removed", _("Removed (platform says)")
    VERIFIED_REMOVED = "verified_removed", _("Removal verified")
    REAPPEARED = "reappeared", _("Reappeared")


class ReportedLocation(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="locations")
    url = models.TextField()
    host = models.CharField(max_length=255)
    platform = models.ForeignKey(
        "takedowns.Platform", null=True, blank=True, on_delete=models.SET_NULL, related_name="locations"
    )
    uploader_handle = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        max_length=20, choices=LocationState.choices, default=LocationState.REPORTED, db_index=True
    )
    # What the last fetch found (takedowns.services.verification): never the fetched bytes, only the verdict,
    # the distances and which reference matched.
    match_evidence = models.JSONField(default=dict, blank=True)
    # Added from a confirmed likeness finding: a picture of her face, not a copy of a picture she gave, so the
    # notice describes it as an intimate image (real or fabricated) depicting her.
    found_by_likeness = models.BooleanField(default=False)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    verified_removed_at = models.DateTimeField(null=True, blank=True)
    # Set when a check is enqueued and cleared when it is done: the task returns early on a clear row (so
    # running it twice changes nothing) and the reconcile job re-enqueues rows left set.
    verification_requested_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The next scheduled re-check (the notice's deadline, then 7 and 30 days after a verified removal).
    recheck_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "url"], name="location_unique_per_case")]

    def __str__(self) -> str:
        return self.url
