"""Webhooks: platforms that want push register an HTTPS endpoint; every delivery attempt is logged."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from takedowns.crypto import EncryptedTextField


class WebhookEndpoint(models.Model):
    platform = models.ForeignKey("takedowns.Platform", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    # The HMAC-SHA256 key shared with the platform; encrypted at rest, shown once when created.
    secret = EncryptedTextField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["platform__name", "id"]

    def __str__(self) -> str:
        return f"{self.platform} → {self.url}"


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    notice = models.ForeignKey("takedowns.Notice", null=True, on_delete=models.SET_NULL, related_name="+")
    event_type = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=WebhookDeliveryStatus.choices, default=WebhookDeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "notice", "event_type"], name="webhook_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"
