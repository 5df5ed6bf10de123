"""Recourse's own settings: outbound fetches, checks and host lookups, notices and who sends them, retention,
and the escalation ladder."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from portal.env import env
from portal.settings.base import BASE_DIR, PUBLIC_BASE_URL

# --- Recourse ----------------------------------------------------------------------------------------------
# Outbound fetches refuse private, loopback and link-local addresses; tests with local servers turn this on.
FETCH_ALLOW_PRIVATE_ADDRESSES = env.bool("FETCH_ALLOW_PRIVATE_ADDRESSES", False)
# Extra CA bundle for outbound TLS (a corporate proxy's CA; tests with their own CA). Empty = the system's.
FETCH_CA_FILE = env.str("FETCH_CA_FILE", "")
# Check reported URLs automatically (match evidence once references are hashed; every removal a platform
# reports). Unit tests turn it off so that no test fetches a URL it did not serve itself.
VERIFY_LOCATIONS = env.bool("VERIFY_LOCATIONS", True)
# Look up who can act on a site with no known channel (DNS, CDN ranges, RDAP) when its URL is added. Unit tests
# turn it off: their made-up hosts must not reach a real resolver.
IDENTIFY_HOSTS = env.bool("IDENTIFY_HOSTS", True)
# Host identities (takedowns/hostid) are looked up again after this many days, or hours when a part failed.
HOST_IDENTITY_MAX_AGE_DAYS = env.int("HOST_IDENTITY_MAX_AGE_DAYS", 30)
HOST_IDENTITY_RETRY_HOURS = 6
# The shipped data files the lookup reads (refreshed by `manage.py refresh_host_data`).
CDN_RANGES_FILE = env.str("CDN_RANGES_FILE", str(BASE_DIR / "takedowns" / "data" / "cdn_ranges.json"))
RDAP_BOOTSTRAP_DIR = env.str("RDAP_BOOTSTRAP_DIR", str(BASE_DIR / "takedowns" / "data" / "rdap"))
# Name servers for host identification ("ip" or "ip:port", comma-separated); empty = the system's resolv.conf.
HOSTID_NAMESERVERS = env.list("HOSTID_NAMESERVERS", default=[])
# Retries of a location check after timeouts, connection resets and 5xx (back-off 30 s, 1, 2, 4 min).
VERIFY_MAX_RETRIES = 4
# New cases wait for an advocate's review before notices go out, unless the case overrides it.
NOTICES_REVIEW_FIRST = env.bool("NOTICES_REVIEW_FIRST", False)
RESPONSE_LINK_MAX_AGE_DAYS = 90
# Publish the anonymised platform accountability report at /transparency/platforms/ (no case data; small
# counts suppressed). Off by default: an operator decides to make it public.
PUBLIC_ACCOUNTABILITY_REPORT = env.bool("PUBLIC_ACCOUNTABILITY_REPORT", False)
# Where advocate alerts go when a case has no assigned advocate (a shared helpline inbox); empty = every advocate.
ADVOCATE_ALERTS_EMAIL = env.str("ADVOCATE_ALERTS_EMAIL", default="")
# Delivery retries: exponential back-off from 60 s, at most this many retries before "delivery failed".
NOTICE_SEND_MAX_RETRIES = env.int("NOTICE_SEND_MAX_RETRIES", 5)
# The first back-off of e-mail, notification and webhook retries (doubling each time). 60 s in production: a
# mail server that refuses connections is usually back within minutes. The fault tests shorten it.
DELIVERY_RETRY_BASE_SECONDS = env.int("DELIVERY_RETRY_BASE_SECONDS", 60)
IMAGE_MAX_BYTES = 25 * 1024 * 1024
# Pixel budget, read from the header before any decoding (web request and worker alike).
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", 40_000_000)
IMAGE_MAX_PER_CASE = 10
# Originals a victim chose to keep as evidence are purged this long after the case is withdrawn or closed.
EVIDENCE_RETENTION_DAYS = env.int("EVIDENCE_RETENTION_DAYS", 90)
# Days a built evidence bundle stays downloadable; it can be built again at any time (its SHA-256 stays in
# the audit log), so the personal data it holds is not kept longer than the download needs.
EVIDENCE_BUNDLE_DAYS = env.int("EVIDENCE_BUNDLE_DAYS", 14)

# --- who sends the notices ---------------------------------------------------------------------------------
# Printed in every notice's "Sent by" block: a platform reviewer must know which organisation is writing,
# and the DMCA needs the agent's postal address and phone (17 U.S.C. 512(c)(3)(A)(iv)).
_PLACEHOLDER_OPERATOR = "Recourse demo portal (not a real organisation)"
OPERATOR_NAME = env.str("OPERATOR_NAME", _PLACEHOLDER_OPERATOR)
OPERATOR_POSTAL_ADDRESS = env.str("OPERATOR_POSTAL_ADDRESS", "1 Example Street, Example City, 00000, Nowhere")
OPERATOR_EMAIL = env.str("OPERATOR_EMAIL", "help@recourse.localhost")
OPERATOR_PHONE = env.str("OPERATOR_PHONE", "+1 555 010 0000")
OPERATOR_WEBSITE = env.str("OPERATOR_WEBSITE", PUBLIC_BASE_URL)
# The organisation's DSA Art. 22 trusted-flagger designation (e.g. "Helpline X, designated by the Irish DSC,
# 2025"); empty = none. Only notices the organisation files as itself say so.
NOTICES_TRUSTED_FLAGGER = env.str("NOTICES_TRUSTED_FLAGGER", "")
# The UK's 48-hour removal duty (Online Safety Act 2023 s.10(3A), added by the Crime and Policing Bill) is
# stated as in force only once an operator sets this, after its commencement.
# Online Safety Act 2023 s.10(3A) (Crime and Policing Act 2026), reported in force from 29 June 2026 (S.I.
# 2026/689; docs/NOTICES.md says how certain that is): the default follows the law, an operator may turn it off.
NOTICES_UK_48H_IN_FORCE = env.bool("NOTICES_UK_48H_IN_FORCE", True)
# The DSA sets no hours (Art. 16(6) "timely"): the portal's target, labelled as one.
NOTICES_DSA_TARGET_HOURS = env.int("NOTICES_DSA_TARGET_HOURS", 48)
# A TTF to use for notice PDFs instead of the packaged Noto Sans (manimgx-fonts); empty = the packaged one.
NOTICES_PDF_FONT = env.str("NOTICES_PDF_FONT", "")

# --- escalation -----------------------------------------------------------------------------------------
# The ladder every delivered platform notice gets: "step:hours after the deadline", comma-separated. Steps:
# reminder (to the platform, by the resend mechanism), upstream (notices to the CDN, host and registrar from the
# host identification), deindex (Google/Bing requests made ready), regulator (the complaint made ready).
# Defaults: a reminder the moment the deadline passes (a missed deadline is often a lost or misrouted e-mail, and
# a reminder costs nothing); upstream and de-indexing one day later (the platform has had its statutory window
# plus a day — the 24 h that eSafety's removal notices and Cloudflare's customers are given); the regulator after
# three days, when the upstream notices have had their own window too (UPSTREAM_RESPONSE_HOURS).
ESCALATION_LADDER = env.str("ESCALATION_LADDER", "reminder:0,upstream:24,deindex:24,regulator:72")
_LADDER_STEPS = ("reminder", "upstream", "deindex", "regulator")


def _parse_ladder(text: str) -> list[tuple[str, int]]:
    plan: list[tuple[str, int]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        step, _sep, hours = part.partition(":")
        if step.strip() not in _LADDER_STEPS or not hours.strip().isdigit() or int(hours) > 24 * 60:
            raise ImproperlyConfigured(
                f"ESCALATION_LADDER: {part!r} is not step:hours (steps: {', '.join(_LADDER_STEPS)}; hours 0-1440)."
            )
        if step.strip() in {s for s, _h in plan}:
            raise ImproperlyConfigured(f"ESCALATION_LADDER names {step.strip()!r} twice.")
        plan.append((step.strip(), int(hours)))
    return plan


ESCALATION_PLAN = _parse_ladder(ESCALATION_LADDER)
# The upstream step drafts the notices and alerts the advocate; with this on, it also sends those whose provider
# takes e-mail at a known abuse address (a web form always needs a person).
ESCALATION_UPSTREAM_SEND = env.bool("ESCALATION_UPSTREAM_SEND", False)
# Notices sent before this long ago get no ladder when first seen (a deployment must not fire every step of years
# of old notices at once).
ESCALATION_PLAN_MAX_AGE_DAYS = 7
# Hours a CDN, host or registrar is asked to act in. No law sets one (DSA Art. 16(6): "timely"); hosts forward a
# complaint to their customer with a 24-72 h deadline of their own (reference/escalation.md §4), so 72 h lets
# that run its course before the notice counts as overdue.
UPSTREAM_RESPONSE_HOURS = env.int("UPSTREAM_RESPONSE_HOURS", 72)

# Hash-exchange lookups per platform token per minute (POST /api/v1/exchange/lookup/, up to 100 hashes each).
EXCHANGE_LOOKUPS_PER_MINUTE = env.int("EXCHANGE_LOOKUPS_PER_MINUTE", 120)
