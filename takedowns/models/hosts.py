"""Who can act on a site: the cached result of identifying a host (takedowns/hostid, services/hosts.py)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class HostIdentity(models.Model):
    """One per host name (shared by every case that reports a URL on it): public registry facts only, no victim
    data. Refreshed after ``HOST_IDENTITY_MAX_AGE_DAYS``, or sooner when a part of the lookup failed."""

    host = models.CharField(max_length=255, unique=True)
    ips = models.JSONField(default=list, blank=True)
    canonical_name = models.CharField(max_length=255, blank=True)
    cdn = models.CharField(max_length=100, blank=True)  # the provider's name, "" when none was recognised
    cdn_slug = models.CharField(max_length=40, blank=True)
    network_owner = models.CharField(max_length=255, blank=True)
    network = models.JSONField(default=dict, blank=True)  # name, handle, range, country of the first address
    registered_domain = models.CharField(max_length=255, blank=True)
    registrar = models.CharField(max_length=255, blank=True)
    registrar_iana_id = models.CharField(max_length=20, blank=True)
    # [{"email", "name", "source": "cdn" | "network" | "registrar"}], most useful first
    abuse_contacts = models.JSONField(default=list, blank=True)
    # {"dns" | "cdn" | "network_owner" | "registrar": plain-words reason} for each part that could not be found
    errors = models.JSONField(default=dict, blank=True)
    looked_up_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name_plural = "host identities"

    def __str__(self) -> str:
        return self.host

    def is_fresh(self, now=None) -> bool:
        now = now or timezone.now()
        if self.errors:
            return self.looked_up_at > now - timedelta(hours=settings.HOST_IDENTITY_RETRY_HOURS)
        return self.looked_up_at > now - timedelta(days=settings.HOST_IDENTITY_MAX_AGE_DAYS)

    def as_json(self) -> dict:
        """The stable shape of ``manage.py identify_host`` (DESIGN.md §10)."""
        return {
            "host": self.host,
            "ips": self.ips,
            "canonical_name": self.canonical_name or None,
            "cdn": self.cdn or None,
            "network_owner": self.network_owner or None,
            "network": self.network,
            "abuse_contacts": self.abuse_contacts,
            "registered_domain": self.registered_domain or None,
            "registrar": self.registrar or None,
            "registrar_iana_id": self.registrar_iana_id or None,
            "errors": self.errors,
            "looked_up_at": self.looked_up_at.isoformat(),
        }
