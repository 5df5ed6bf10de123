"""Staff accounts: the one-time link an administrator issues for setting up two-factor sign-in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffEnrolmentLink(models.Model):
    """Who may set up an authenticator on an account: only the holder of this link, signed in as that account.

    The password alone must not be enough (whoever learns it first would enrol their own phone and lock the owner
    out). Only the SHA-256 of the link's token is stored; a link expires, and is spent when a device is confirmed.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("two-factor enrolment link")

    def __str__(self) -> str:
        return f"Enrolment link {self.pk} for user {self.user_id}"
