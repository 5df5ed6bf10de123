"""The facts a notice states, as frozen plain values (no ORM objects), so rendering is pure and cacheable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from takedowns.models import FilerType
from takedowns.notices.regimes import RegimeSpec, regime_for


@dataclass(frozen=True)
class LocationItem:
    url: str
    uploader_handle: str = ""
    # The plain (key, value) pairs of the location's match evidence; worded by notices.evidence.
    match_evidence: tuple[tuple[str, str | int | float | bool | None], ...] = ()
    # For the reviewer's table: what the URL shows, and which reference image (by label) it matched.
    media_type: str = ""
    reference_label: str = ""
    # Found by the consented likeness search and confirmed by an advocate (no reference picture to point to).
    likeness: bool = False

    @property
    def is_bare_domain(self) -> bool:
        # A bare domain ("https://site.example/") cannot be acted on: the law asks for the exact location.
        return is_bare_domain(self.url)


@dataclass(frozen=True)
class ImageHashes:
    label: str
    pdq: str = ""
    pdq_quality: int | None = None
    md5: str = ""
    phash: str = ""
    sha256: str = ""

    @property
    def pdq_low_confidence(self) -> bool:
        # PDQ's own guidance: hashes with quality below 50 are unreliable for matching (flat or tiny images).
        return self.pdq_quality is not None and self.pdq_quality < PDQ_MIN_QUALITY


PDQ_MIN_QUALITY = 50


@dataclass(frozen=True)
class Operator:
    """Who runs the portal and sends the notice (settings.OPERATOR_*): a reviewer's first question."""

    name: str = ""
    postal_address: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""


@dataclass(frozen=True)
class EscalatedNotice:
    """For an upstream notice (to a CDN, host or registrar): the ignored platform notice, as the provider reads it."""

    reference: str
    platform_name: str
    sent_at: datetime | None
    due_at: datetime | None
    status: str
    channel: str
    statutory_due_at: datetime | None = None


@dataclass(frozen=True)
class NoticeContent:
    """Everything a notice says, as plain values. Build with :func:`notice_content`."""

    notice_id: int
    reference: str
    case_reference: str
    regime: str
    platform_name: str
    channel: str
    generated_at: datetime
    locations: tuple[LocationItem, ...] = ()
    hashes: tuple[ImageHashes, ...] = ()
    good_faith_statement: str = ""
    context: str = ""
    signature_name: str = ""
    signed_at: datetime | None = None
    filer_type: str = FilerType.SELF
    representative_name: str = ""
    representative_relationship: str = ""
    representative_authority: str = ""
    contact_private: bool = True
    contact_email: str = ""
    contact_phone: str = ""
    response_hours: int = 48
    deadline_at: datetime | None = None
    # True for a draft or preview: the clock has not started and the date is what it would be if sent now.
    deadline_projected: bool = True
    sent_at: datetime | None = None
    response_link: str = ""
    is_synthetic: bool = False
    is_threatened: bool = False
    is_minor_content: bool = False
    # The filer answered "I am not sure" to "under 18?": the notice says "may have been", never "was".
    minor_age_uncertain: bool = False
    attest_good_faith: bool = False
    attest_accuracy: bool = False
    attest_perjury: bool = False
    copyrighted_work: str = ""
    # A DMCA notice is signed by the operator as the copyright owner's authorised agent (512(c)(3)(A)(i)); the
    # owner's name appears only when the person shown chose to give it, since the notice may be forwarded to the
    # uploader and published. Empty: the name is withheld.
    dmca_owner_name: str = ""
    # The organisation's Art. 22 DSA designation, when it holds one (settings.NOTICES_TRUSTED_FLAGGER).
    trusted_flagger: str = ""
    # Tests and previews may blank the regime's cited statute to prove completeness notices it.
    statute: str = ""
    section: str = ""
    # Every regime cited (``regime`` first), whether TIDA binds the recipient, the platform's own
    # policy, who sends the notice, and the facts that decide conditional legal sentences.
    regimes: tuple[str, ...] = ()
    tida_covered: bool | None = None
    uk_duty_in_force: bool = False
    jurisdiction: str = ""
    # The EU member state of the person shown (ISO code), where known: its offence is cited (notices/eu_offences.py).
    member_state: str = ""
    policy_name: str = ""
    policy_url: str = ""
    operator: Operator = field(default_factory=Operator)
    dsa_target_hours: int = 48
    platform_hours: int = 48
    # The statutory deadline (docs/DECISIONS.md, "Two clocks"): the hours a law itself sets for this recipient
    # (None: no law binds it), and the moment they end once the notice was delivered.
    statutory_hours: int | None = None
    statutory_due_at: datetime | None = None
    # Whether the notice goes through the platform's own TAKE IT DOWN Act process (§3(a)(1)(A)(ii)), and the
    # service's type under the UK Online Safety Act ("user_to_user", "search", "other", "" unknown).
    tida_process: bool = False
    service_type: str = ""
    # "platform", or "cdn" / "host" / "registrar" for an upstream notice, with the ignored notice and
    # what the host identification found about the provider (country, registrar IANA id, CDN, hosts served).
    kind: str = "platform"
    escalated: EscalatedNotice | None = None
    provider_country: str = ""
    provider_registrar_id: str = ""
    provider_cdn_slug: str = ""
    provider_webform_url: str = ""
    # The hash-sharing programmes the recipient takes hashes from ("stopncii", "takeitdown"; the registry).
    hash_programmes: tuple[str, ...] = ()

    @property
    def spec(self) -> RegimeSpec:
        return regime_for(self.regime)

    @property
    def specs(self) -> tuple[RegimeSpec, ...]:
        return tuple(regime_for(code) for code in (self.regimes or (self.regime,)))

    @property
    def cites(self) -> frozenset[str]:
        return frozenset(self.regimes or (self.regime,))

    @property
    def is_organisation(self) -> bool:
        return self.filer_type == FilerType.ORGANISATION

    @property
    def urls(self) -> tuple[str, ...]:
        return tuple(loc.url for loc in self.locations)

    @property
    def is_representative(self) -> bool:
        # An organisation acts for the person shown too: same signature and authority rules.
        return self.filer_type in (FilerType.REPRESENTATIVE, FilerType.ORGANISATION)


def is_bare_domain(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return True
    return not parts.netloc or (parts.path in ("", "/") and not parts.query and not parts.fragment)
