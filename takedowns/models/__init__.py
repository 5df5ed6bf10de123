"""Domain models, split by part of the domain (DESIGN.md §3)."""

from takedowns.models.account_actions import ACCOUNT_ACTED_ON, AccountAnswer, AccountOutcome, ReuploadOutcome
from takedowns.models.bundles import BundleState, EvidenceBundle
from takedowns.models.cases import (
    Case,
    CaseState,
    ComputedOn,
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
from takedowns.models.escalation import EscalationStep, LadderStep, StopReason
from takedowns.models.events import ActorKind, Event, EventType
from takedowns.models.exchange import (
    ChangeKind,
    ExchangeChange,
    ExchangeFeedLock,
    ExchangeOpinion,
    ExchangeSignal,
    OpinionKind,
    RemovalReason,
    SignalType,
)
from takedowns.models.hosts import HostIdentity
from takedowns.models.notices import Notice, NoticeStatus
from takedowns.models.notifications import Notification, NotificationStatus
from takedowns.models.platforms import (
    EXCHANGE_LOOKUP,
    EXCHANGE_READ,
    EXCHANGE_SCOPES,
    UPSTREAM_KINDS,
    Channel,
    Platform,
    PlatformKind,
    PlatformMembership,
    Regime,
)
from takedowns.models.staff import StaffEnrolmentLink
from takedowns.models.webhooks import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint

__all__ = [
    "ACCOUNT_ACTED_ON",
    "EXCHANGE_LOOKUP",
    "EXCHANGE_READ",
    "EXCHANGE_SCOPES",
    "UPSTREAM_KINDS",
    "AccountAnswer",
    "AccountOutcome",
    "ActorKind",
    "BundleState",
    "Case",
    "CaseState",
    "ChangeKind",
    "Channel",
    "ComputedOn",
    "CrawlPage",
    "CrawlRun",
    "CrawlState",
    "CrawledImage",
    "EscalationStep",
    "Event",
    "EventType",
    "EvidenceBundle",
    "ExchangeChange",
    "ExchangeFeedLock",
    "ExchangeOpinion",
    "ExchangeSignal",
    "FilerType",
    "Finding",
    "FindingStatus",
    "HostIdentity",
    "ImageState",
    "Jurisdiction",
    "LadderStep",
    "LocationState",
    "Notice",
    "NoticeStatus",
    "Notification",
    "NotificationStatus",
    "OpinionKind",
    "PageState",
    "Platform",
    "PlatformKind",
    "PlatformMembership",
    "ReferenceImage",
    "Regime",
    "RemovalReason",
    "ReportedLocation",
    "ReuploadOutcome",
    "SignalType",
    "StaffEnrolmentLink",
    "StopReason",
    "WatchedSite",
    "WebhookDelivery",
    "WebhookDeliveryStatus",
    "WebhookEndpoint",
]
