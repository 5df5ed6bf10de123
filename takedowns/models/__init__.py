"""Domain models, split by part of the domain (DESIGN.md §3)."""

from takedowns.models.account_actions import ACCOUNT_ACTED_ON, AccountAnswer, AccountOutcome, ReuploadOutcome
from takedowns.models.bundles import BundleState, EvidenceBundle
from takedowns.models.cases import (
    Case,
    CaseState,
    FilerType,
    ImageState,
    Jurisdiction,
    LocationState,
    ReferenceImage,
    ReportedLocation,
)
from takedowns.models.discovery import (
    CrawledImage,
    CrawlPage,
    CrawlRun,
    CrawlState,
    Finding,
    FindingKind,
    FindingStatus,
    PageState,
    WatchedSite,
)
from takedowns.models.escalation import EscalationStep, LadderStep, StopReason
from takedowns.models.events import ActorKind, Event, EventType
from takedowns.models.hosts import HostIdentity
from takedowns.models.likeness import (
    FaceTemplate,
    LikenessConsent,
    LikenessMatch,
    LikenessPicture,
    LikenessScanTally,
    TemplateState,
)
from takedowns.models.notices import Notice, NoticeStatus
from takedowns.models.notifications import Notification, NotificationStatus
from takedowns.models.platforms import UPSTREAM_KINDS, Channel, Platform, PlatformKind, PlatformMembership, Regime
from takedowns.models.staff import StaffEnrolmentLink
from takedowns.models.webhooks import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint

__all__ = [
    "ACCOUNT_ACTED_ON",
    "UPSTREAM_KINDS",
    "AccountAnswer",
    "AccountOutcome",
    "ActorKind",
    "BundleState",
    "Case",
    "CaseState",
    "Channel",
    "CrawlPage",
    "CrawlRun",
    "CrawlState",
    "CrawledImage",
    "EscalationStep",
    "Event",
    "EventType",
    "EvidenceBundle",
    "FaceTemplate",
    "FilerType",
    "Finding",
    "FindingKind",
    "FindingStatus",
    "HostIdentity",
    "ImageState",
    "Jurisdiction",
    "LadderStep",
    "LikenessConsent",
    "LikenessMatch",
    "LikenessPicture",
    "LikenessScanTally",
    "LocationState",
    "Notice",
    "NoticeStatus",
    "Notification",
    "NotificationStatus",
    "PageState",
    "Platform",
    "PlatformKind",
    "PlatformMembership",
    "ReferenceImage",
    "Regime",
    "ReportedLocation",
    "ReuploadOutcome",
    "StaffEnrolmentLink",
    "StopReason",
    "TemplateState",
    "WatchedSite",
    "WebhookDelivery",
    "WebhookDeliveryStatus",
    "WebhookEndpoint",
]
