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
    FindingStatus,
    PageState,
    WatchedSite,
)
from takedowns.models.events import ActorKind, Event, EventType
from takedowns.models.hosts import HostIdentity
from takedowns.models.notices import Notice, NoticeStatus
from takedowns.models.notifications import Notification, NotificationStatus
from takedowns.models.platforms import Channel, Platform, PlatformMembership, Regime
from takedowns.models.webhooks import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint

__all__ = [
    "ACCOUNT_ACTED_ON",
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
    "Event",
    "EventType",
    "EvidenceBundle",
    "FilerType",
    "Finding",
    "FindingStatus",
    "HostIdentity",
    "ImageState",
    "Jurisdiction",
    "LocationState",
    "Notice",
    "NoticeStatus",
    "Notification",
    "NotificationStatus",
    "PageState",
    "Platform",
    "PlatformMembership",
    "ReferenceImage",
    "Regime",
    "ReportedLocation",
    "ReuploadOutcome",
    "WatchedSite",
    "WebhookDelivery",
    "WebhookDeliveryStatus",
    "WebhookEndpoint",
]
