"""Platforms (from the registry file) and the membership that scopes a staff user to one platform."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBFORM = "webform", _("Web form")
    API = "api", _("API")


class Regime(models.TextChoices):
    US = "US", _("United States — TAKE IT DOWN Act")
    EU = "EU", _("European Union — Digital Services Act Art. 16")
    UK = "UK", _("United Kingdom — Online Safety Act")
    AU = "AU", _("Australia — Online Safety Act")
    DMCA = "DMCA", _("DMCA 512(c)(3) (advocates only)")


class PlatformKind(models.TextChoices):
    """What a row is. Registry platforms receive the victim's notices; the others are those who serve a site
    (see docs/DECISIONS.md#upstream-notices-are-notices-to-provider-rows): created from the host identification
    when a platform ignores its notice, never matched to a URL (they have no domains) and never listed where victims
    or intake choose a platform."""

    PLATFORM = "platform", _("Platform")
    CDN = "cdn", _("CDN or reverse proxy")
    HOST = "host", _("Hosting provider")
    REGISTRAR = "registrar", _("Domain registrar")


EXCHANGE_READ = "exchange:read"
EXCHANGE_LOOKUP = "exchange:lookup"
EXCHANGE_SCOPES = (EXCHANGE_READ, EXCHANGE_LOOKUP)

UPSTREAM_KINDS = frozenset({PlatformKind.CDN, PlatformKind.HOST, PlatformKind.REGISTRAR})


class Platform(models.Model):
    slug = models.SlugField(unique=True)
    kind = models.CharField(max_length=10, choices=PlatformKind.choices, default=PlatformKind.PLATFORM, db_index=True)
    name = models.CharField(max_length=120)
    domains = models.JSONField(default=list, blank=True, help_text=_("Host names, without scheme."))
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    contact_email = models.EmailField(blank=True)
    webform_url = models.URLField(blank=True, max_length=500)
    regime = models.CharField(max_length=4, choices=Regime.choices, default=Regime.US)
    response_hours = models.PositiveSmallIntegerField(default=48)
    hash_programmes = models.JSONField(default=list, blank=True)
    channel_verified = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    # The registry's legal fields (takedowns/registry.py defines them all once).
    tida_covered = models.BooleanField(
        null=True,
        blank=True,
        help_text=_(
            "A TAKE IT DOWN Act covered platform (§4(3))? Empty = unknown. Not covered: no 48-hour deadline claimed."
        ),
    )
    regimes = models.JSONField(default=list, blank=True, help_text=_("Every regime the platform is under."))
    policy_name = models.CharField(max_length=200, blank=True)
    policy_url = models.URLField(blank=True, max_length=500)
    # TAKE IT DOWN Act §3(a)(1)(A)(ii): the platform's own removal-request process (https address or e-mail) and the
    # day an operator confirmed it; the §3(a)(3) 48 hours are claimed only for a notice sent through it.
    tida_process = models.CharField(max_length=500, blank=True)
    tida_process_verified = models.DateField(null=True, blank=True)
    # Online Safety Act 2023 s.3: "user_to_user", "search" or "other" (empty = unknown); s.10(3A) binds the first.
    service_type = models.CharField(max_length=20, blank=True)
    # The copyright agent designated under 17 U.S.C. 512(c)(2): the only address a DMCA notice goes to.
    dmca_agent_email = models.EmailField(blank=True)
    dmca_agent_source = models.CharField(max_length=500, blank=True)
    dmca_agent_verified = models.CharField(
        max_length=10, blank=True, help_text=_("The day the agent's address was read at its source (YYYY-MM-DD).")
    )
    # For a CDN, host or registrar: what the host identification found (country of the network, the registrar's
    # IANA id, the RDAP handle, the host it was found for); it decides which legal duty an upstream notice states.
    provider_facts = models.JSONField(default=dict, blank=True)
    upstream = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, help_text=_("Host or CDN for escalation.")
    )
    # API scopes an administrator granted this platform's tokens (EXCHANGE_SCOPES): the hash exchange's feed
    # and lookup are for platforms that have agreed to use them only to block uploads.
    exchange_scopes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PlatformMembership(models.Model):
    """A platform trust-and-safety user belongs to exactly one platform and sees only its notices."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="platform_membership")
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} @ {self.platform}"
